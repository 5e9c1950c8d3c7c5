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
  // Finer tiling the planner fell back to when the default working set alone did not fit:
  // output-channel blocks and position chunks at most this wide.
  bool tiled = false;
  uint64_t tiling_m_cap = 0, tiling_chunk_cap = 0;

  size_t engines() const { return queues.size(); }
  size_t instructions() const;
};

}  // namespace ncore::planner
