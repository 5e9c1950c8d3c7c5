// A NeuronCore Pipeline stage's memory path (issue 15): its DMA queues' transfers go to its
// chip's DRAM, but for the activations between stages. A stage's io writes (its outputs for a
// later stage) cross `link_out` to the next core; its io reads (what earlier stages sent,
// already in its SBUF by their writes) take no DRAM or link time. The first stage reads the
// model's input and the last writes its output through the DRAM, as a single core does.
#pragma once
#include <systemc>

#include "hw/dram.h"
#include "isa/instr.h"

namespace ncore::hw {

class StageMemory : public sc_core::sc_module, public DramIf {
 public:
  // `link_out` null: the last stage (io writes to DRAM); `inputs_delivered` false: the first.
  StageMemory(sc_core::sc_module_name n, DramIf& dram, DramIf* link_out, bool inputs_delivered)
      : sc_module(n), m_dram(dram), m_link(link_out), m_delivered(inputs_delivered) {}

  Span transfer(uint64_t now, uint64_t bytes, uint32_t stream,
                double issue_bytes_per_cycle = 0) override {
    constexpr uint32_t kIo = static_cast<uint32_t>(isa::TrafficClass::io);
    if (stream == 2 * kIo && m_delivered) return Span{now, now};
    if (stream == 2 * kIo + 1 && m_link)
      return m_link->transfer(now, bytes, stream, issue_bytes_per_cycle);
    return m_dram.transfer(now, bytes, stream, issue_bytes_per_cycle);
  }

 private:
  DramIf& m_dram;
  DramIf* const m_link;
  const bool m_delivered;
};

}  // namespace ncore::hw
