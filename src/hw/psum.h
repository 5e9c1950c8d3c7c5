// Psum: the partial-sum buffer. `banks` banks per partition of capacity / partitions / banks
// bytes; a MatMul accumulates at most bank_bytes / 4 moving columns (FP32) into one bank and the
// vector engine evicts it. Which bank a MatMul uses, and when it is free again, is decided by the
// planner and enforced by semaphores; this module counts the accumulator traffic.
#pragma once
#include <cstdint>
#include <systemc>

#include "base/stats.h"
#include "config/hw_config.h"

namespace ncore::hw {

class PsumIf : public virtual sc_core::sc_interface {
 public:
  virtual void accumulate(uint64_t m, uint64_t n) = 0;  // a MatMul writes M x N FP32 sums
  virtual void evict(uint64_t m, uint64_t n) = 0;       // the vector engine reads them out
};

class Psum : public sc_core::sc_module, public PsumIf {
 public:
  Psum(sc_core::sc_module_name n, const config::PsumConfig& c, base::Stats& s);
  void accumulate(uint64_t m, uint64_t n) override { m_write += m * n * 4; }
  void evict(uint64_t m, uint64_t n) override { m_read += m * n * 4; }

 private:
  uint64_t& m_write;
  uint64_t& m_read;
};

}  // namespace ncore::hw
