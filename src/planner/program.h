// A Program: one ordered instruction queue per engine (tensor, vector, each DMA queue) and the
// semaphores between them, as a NeuronCore executes a compiled model (DESIGN.md "Engines replay
// a program"). Every engine has one completion counter; a dependency "wait until engine E has
// completed n instructions" is exact because each engine runs its queue in order. The planner
// only ever points a dependency at an instruction emitted before, so replay cannot deadlock.
#pragma once
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

namespace ncore::planner {

enum class TrafficClass : uint8_t { weights = 0, io = 1, spill = 2 };
constexpr int kTrafficClasses = 3;
const char* traffic_class_name(TrafficClass c);

constexpr uint16_t kTensorEngine = 0;
constexpr uint16_t kVectorEngine = 1;
constexpr uint16_t kFirstDmaQueue = 2;

struct Dep {
  uint16_t engine = 0;
  uint32_t count = 0;  // wait until that engine has completed at least `count` instructions
};

enum class Op : uint8_t { dma_read, dma_write, matmul, vector };

// What a DMA moves, for functional mode (which copies exactly that between its DRAM and SBUF
// copies of the tensor when the transfer's last piece completes):
//  - none: parameters not tracked (vector-op parameters, embedding tables);
//  - weights: the weight tile (layer, group, m0) into prefetch slot `bank`;
//  - whole: all of `tensor` (the network input, an external layer's output);
//  - gemm_input: what MatMul tile (group, k0, k, c0, n) of `layer` reads of its moving input;
//  - stationary_input: the stationary tile (group, m0, m) of the sample at c0 (attention);
//  - vector_input: what vector op (ch0, m channels, c0, n positions) of `layer` reads of its
//    input number `bank`;
//  - output: channels [ch0, ch0 + m) x positions [c0, c0 + n) of `tensor`, written to DRAM.
enum class DmaData : uint8_t {
  none,
  weights,
  whole,
  gemm_input,
  stationary_input,
  vector_input,
  output
};

struct Instr {
  Op op = Op::matmul;
  uint32_t layer = 0;
  // matmul: a stationary K x M weight tile, N moving columns; a PSUM eviction: M x N sums
  uint32_t k = 0, m = 0, n = 0;
  bool accumulate = false;
  // dma: bytes between DRAM and the state buffer (read = DRAM -> SBUF)
  TrafficClass cls = TrafficClass::weights;
  uint64_t bytes = 0;
  // vector: work in vector-engine cycles (already divided by the lanes)
  uint64_t vector_cycles = 0;
  // state-buffer bytes this instruction reads and writes (matmul: moving data read; vector:
  // inputs read, output written; DMA from DRAM: written; DMA to DRAM: read)
  uint64_t sbuf_read = 0, sbuf_write = 0;
  // matmul: the first `weight_deps` entries of deps are the weight tile's loads
  uint8_t weight_deps = 0;
  // Where the data is (for functional mode): matmul and eviction: group, the tile's first K row
  // and M column, the PSUM bank; every compute instruction: its first output position (over
  // the batch) and, for a vector op, its first channel.
  uint32_t group = 0, k0 = 0, m0 = 0, bank = 0, ch0 = 0;
  uint64_t c0 = 0;
  uint32_t slot = 0;  // matmul with weights: the prefetch slot its tile was loaded into
  // dma, for functional mode: what it moves (see DmaData) and of which tensor, and the transfer
  // it is a piece of (`pieces` pieces, over the queues, share one `xfer`).
  DmaData data = DmaData::none;
  int32_t tensor = -1;
  uint32_t xfer = 0;
  uint32_t pieces = 1;
  std::vector<Dep> deps;
};

// An engine's queue. A deque: appending never moves the instructions already queued.
using InstrQueue = std::deque<Instr>;

// What the planner decided for one layer (for `plan`, layers.csv and the tests).
struct LayerPlan {
  std::string name;
  std::string kind;
  std::string order;  // "weight_stationary", or "vector" for a layer without MatMuls
  uint64_t macs = 0;  // at the compiled batch
  uint64_t weight_bytes = 0;
  uint64_t sbuf_bytes = 0;  // planned state-buffer occupancy while this layer runs
  uint64_t matmuls = 0, weight_blocks = 0, n_chunks = 0;
  bool output_resident = true;  // false: the output lives in DRAM (io by design, or spilled)
  uint64_t read_bytes[kTrafficClasses] = {0, 0, 0};  // planned DRAM traffic by class
  uint64_t write_bytes[kTrafficClasses] = {0, 0, 0};
};

struct Infeasible {
  std::string layer;
  uint64_t shortfall_bytes = 0;
  std::string reason;
};

struct Program {
  uint32_t dma_queues = 1;
  std::vector<InstrQueue> queues;  // indexed by engine id
  std::vector<LayerPlan> layers;
  bool fits = true;       // no activation spilled
  bool feasible = true;   // false: nothing is simulated (exit 3)
  Infeasible infeasible;  // set when !feasible
  uint64_t sbuf_capacity = 0;
  uint64_t sbuf_peak = 0;  // planned peak occupancy
  uint64_t weight_region_bytes = 0;
  uint64_t input_bytes = 0, output_bytes = 0;  // the network's, at the compiled batch
  uint64_t macs = 0;
  uint64_t spilled_tensors = 0;
  std::vector<bool> resident;  // per tensor id (0: the network input, l + 1: layer l's output)
  // Finer tiling the planner fell back to when the default working set alone did not fit:
  // output-channel blocks and position chunks at most this wide.
  bool tiled = false;
  uint64_t tiling_m_cap = 0, tiling_chunk_cap = 0;

  size_t engines() const { return queues.size(); }
  size_t instructions() const;
};

}  // namespace ncore::planner
