// Functional mode (options.functional): while the timing replays, the tensor and vector engines
// also compute, with Eigen, on seeded data. The engines touch only what their instruction says:
// a MatMul multiplies the K x M tile (its weights, or the stationary activation) by the K x N
// im2col columns of its moving input and writes or accumulates its PSUM bank (`psum_bank`); an
// eviction writes that bank (+ bias, activation) to output channels and positions; a vector op
// computes its channel block and positions; a gather DMA copies table rows. Data reaches the
// engines only through the program's DMAs. A conv's MatMul may contract over one kernel tap
// (`taps`) or several groups on its diagonal (`block_diagonal`); a conv lowered `vector` computes
// its output tile directly. An attention MatMul's moving columns may run over several query heads
// (grouped-query attention: Gemm::heads_per_group), so its input and output DMAs move one region
// per head's run of tokens. Each tensor has a DRAM copy (the network input's and
// external layers' data from the start, NaN elsewhere) and SBUF copies: a resident tensor an engine
// produced is read where it was written; the network input, an external layer's output and every
// tensor that lives in DRAM are read from an SBUF copy (one per consuming layer for those in DRAM)
// that starts NaN and receives exactly what each DMA read moves (the tile's channels and whole
// input rows, conv halo rows included: a superset of what the tile reads), as its source held it
// when its first piece started, when its last piece completes; a DMA write copies an output chunk
// to DRAM the same way. A MatMul whose weight tile is not in a prefetch slot multiplies NaN. So a
// missing or misordered DMA, spill write or reload poisons its consumer. compare() then checks
// every tensor (and the DRAM copy of each that lives in DRAM) against workload::reference_forward,
// which proves the program covers every MAC exactly once, puts every result in the right place and
// moves every byte an engine reads. Not checked: stream-slot reuse (a slot's old chunk stays
// readable), vector-op parameters and embedding tables (read from the model data). Values are float
// whatever the dtype.
#pragma once
#include <Eigen/Dense>
#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "isa/program.h"
#include "workload/graph.h"
#include "workload/layer_kind.h"
#include "workload/reference.h"

namespace ncore::hw {

class Functional {
 public:
  // `resident`: per tensor id, whether the program keeps it in SBUF (Program::resident).
  Functional(const workload::Graph& g, uint64_t batch, uint32_t psum_banks, workload::ModelData d,
             std::vector<bool> resident);

  // Static weights (options.weights: static): in SBUF before the invocation, no DMA brings them.
  void weights_static() { m_static_weights = true; }

  void matmul(const isa::Instr& i);
  void evict(const isa::Instr& i);
  void vector(const isa::Instr& i);
  void dma_start(const isa::Instr& i);  // when a DMA piece starts
  void dma(const isa::Instr& i);        // when a DMA piece completes

  struct Check {
    uint64_t elements = 0;
    double max_abs_error = 0, max_rel_error = 0;  // rel: |x - ref| / (1 + |ref|)
    std::string worst_layer;
    bool passed = false;
  };
  Check compare(double tolerance) const;

 private:
  using Region = workload::Region;  // channels x positions over the batch
  using Regions = std::vector<Region>;
  bool source(int t) const;  // the network input or an external layer's output
  const std::vector<float>& input(int t, uint32_t layer);  // what `layer` reads of tensor t
  // The SBUF copy a DMA fills for `layer`: a resident tensor's is shared by its consumers.
  std::vector<float>& sbuf_copy(int t, uint32_t layer);
  Regions input_region(const isa::Instr& i, size_t& input_number) const;
  // The source, destination and regions of a DMA that moves data (false for the others).
  bool route(const isa::Instr& i, const std::vector<float>*& from, std::vector<float>*& to,
             workload::Shape& s, Regions& r);
  static std::vector<float> take(const std::vector<float>& from, const workload::Shape& s,
                                 const Regions& r);
  static void put(const std::vector<float>& data, std::vector<float>& to, const workload::Shape& s,
                  const Regions& r);
  bool weights_loaded(const isa::Instr& i) const;
  static float im2col(const workload::Layer& l, const std::vector<float>& in, uint64_t s,
                      uint64_t oh, uint64_t ow, uint64_t g, uint64_t row);
  void conv_vector(const isa::Instr& i);  // a conv lowered `vector`
  void gather(uint32_t layer);            // once per layer, when its first table read completes

  const workload::Graph& m_g;
  const uint64_t m_b;
  const workload::ModelData m_d;
  const std::vector<bool> m_resident;
  std::vector<std::vector<float>> m_t;     // per tensor id, NCHW over the batch: as produced
  std::vector<std::vector<float>> m_dram;  // per tensor id: the DRAM copy
  std::map<std::pair<int, int>, std::vector<float>> m_views;  // (tensor, layer or -1): SBUF
  std::unordered_map<uint32_t, uint32_t> m_pieces;            // per transfer: pieces completed
  std::unordered_map<uint32_t, std::vector<float>> m_moving;  // per transfer: what it read
  std::map<uint32_t, std::array<uint32_t, 3>> m_slots;        // prefetch slot: (layer, group, m0)
  std::vector<Eigen::MatrixXf> m_psum;                        // per bank: M x N sums
  std::vector<bool> m_gathered;
  bool m_static_weights = false;
};

}  // namespace ncore::hw
