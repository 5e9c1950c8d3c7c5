// The stats registry (STYLE.md section 5): integer counters with dotted names and units,
// registered once by each module, plus per-layer accumulators and, when tracing, one record per
// executed instruction. Ratios (utilization, bytes per inference) are derived in src/report.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace ncore::base {

// The union of half-open cycle intervals [start, end), added in any order, kept as disjoint
// sorted runs (touching ones merged), so its length is exact whatever the order. Intervals that
// arrive in order of their ends, as the engines record them, only touch the last run: O(1) each,
// no interval stored.
class IntervalUnion {
 public:
  void add(uint64_t start, uint64_t end);
  uint64_t length() const;  // cycles covered by at least one interval
  size_t runs() const { return m_runs.size(); }

 private:
  std::vector<std::pair<uint64_t, uint64_t>> m_runs;  // [start, end), sorted, not touching
};

constexpr int kStatsTrafficClasses = 4;  // isa::kTrafficClasses (hw/dma.cpp checks)

struct LayerStats {
  uint64_t start = UINT64_MAX, end = 0;  // first instruction start, last instruction end
  uint64_t tensor_busy = 0, vector_busy = 0, stall = 0, macs = 0;
  uint64_t scalar_busy = 0, gpsimd_busy = 0;  // engines only some hardware has
  uint64_t port_stall = 0;  // cycles instructions waited on a state-buffer port beyond their own
  // By traffic class (isa::TrafficClass: weights, io, spill, kv).
  uint64_t read_bytes[kStatsTrafficClasses] = {}, write_bytes[kStatsTrafficClasses] = {};
  IntervalUnion dma_intervals;  // when the DMA queues moved this layer's bytes
  uint64_t dma_busy() const { return dma_intervals.length(); }  // cycles with at least one
};

struct TraceRecord {
  uint16_t engine;
  uint8_t op;
  uint32_t layer;
  uint64_t start, end;
  uint64_t a, b, c;  // matmul: K, M, N; dma: bytes, class, 0; vector: cycles, 0, 0
};

class Stats {
 public:
  // A counter's storage stays put for the life of the Stats, so modules keep a reference.
  uint64_t& counter(const std::string& name) { return m_counters[name]; }
  const std::map<std::string, uint64_t>& counters() const { return m_counters; }
  uint64_t get(const std::string& name) const {
    const auto it = m_counters.find(name);
    return it == m_counters.end() ? 0 : it->second;
  }

  void init_layers(size_t n) { m_layers.assign(n, LayerStats{}); }
  LayerStats& layer(size_t i) { return m_layers[i]; }
  const std::vector<LayerStats>& layers() const { return m_layers; }

  // Marks [start, end) as work of layer l; returns the layer's start as of now.
  uint64_t touch(uint32_t l, uint64_t start, uint64_t end) {
    LayerStats& s = m_layers[l];
    if (start < s.start) s.start = start;
    if (end > s.end) s.end = end;
    return s.start;
  }

  bool tracing = false;
  std::vector<TraceRecord> trace;
  std::vector<std::pair<uint64_t, uint64_t>> sbuf_samples;  // (cycle, planned occupancy)
  struct ChannelBusy {
    uint64_t start, end, bytes;  // one channel serving one transfer's share
  };
  std::vector<ChannelBusy> dram_busy;

 private:
  std::map<std::string, uint64_t> m_counters;
  std::vector<LayerStats> m_layers;
};

}  // namespace ncore::base
