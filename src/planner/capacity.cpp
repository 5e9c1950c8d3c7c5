#include "planner/capacity.h"

#include <limits>
#include <string>

#include "config/units.h"

namespace ncore::planner {
namespace {

constexpr uint64_t kUnbounded = std::numeric_limits<uint64_t>::max();

uint64_t sat_mul(uint64_t a, uint64_t b) {
  return b != 0 && a > kUnbounded / b ? kUnbounded : a * b;
}

uint64_t sat_add(uint64_t a, uint64_t b) {
  return a > kUnbounded - b ? kUnbounded : a + b;
}

}  // namespace

uint64_t DramNeed::bytes(uint64_t batch) const {
  return sat_mul(copies, sat_add(weight_bytes, sat_mul(batch, kv_bytes_per_seq)));
}

DramNeed dram_need(const config::RunConfig& rc) {
  DramNeed n;
  const uint64_t dtype = workload::dtype_bytes(rc.dtype);
  n.weight_bytes = sat_mul(rc.model.weight_elems(), dtype);
  uint64_t kv_elems = 0;  // per sequence: the cached tokens read and the new ones written
  for (const auto& l : rc.model.layers)
    if (l.kv_read || l.kv_write) kv_elems = sat_add(kv_elems, l.out.elems());
  n.kv_bytes_per_seq = sat_mul(kv_elems, dtype);
  const config::Deployment& d = rc.deployment;
  if (d.mode == config::DeploymentMode::single) {
    n.capacity = rc.hw.dram.capacity;
    return n;
  }
  n.copies = d.mode == config::DeploymentMode::data_parallel ? d.cores : d.replicas;
  const uint64_t cores =
      d.mode == config::DeploymentMode::data_parallel ? d.cores : uint64_t{d.cores} * d.replicas;
  n.capacity = rc.hw.chip && rc.hw.chip->dram.capacity ? rc.hw.chip->dram.capacity
                                                       : sat_mul(cores, rc.hw.dram.capacity);
  return n;
}

uint64_t capacity_max_batch(const DramNeed& n) {
  if (n.capacity == 0) return kUnbounded;
  const uint64_t per_copy = n.capacity / n.copies;
  if (n.weight_bytes > per_copy) return 0;
  if (n.kv_bytes_per_seq == 0) return kUnbounded;
  return (per_copy - n.weight_bytes) / n.kv_bytes_per_seq;
}

std::optional<isa::Infeasible> check_dram_capacity(const config::RunConfig& rc) {
  const DramNeed n = dram_need(rc);
  const uint64_t need = n.bytes(rc.batch);
  if (n.capacity == 0 || need <= n.capacity) return std::nullopt;
  isa::Infeasible f;
  f.resource = "dram_capacity";
  f.shortfall_bytes = need - n.capacity;
  f.reason =
      "the weights (" + config::format_size(n.weight_bytes) + ")" +
      (n.kv_bytes_per_seq ? " and the KV cache of " + std::to_string(rc.batch) + " sequences (" +
                                config::format_size(sat_mul(rc.batch, n.kv_bytes_per_seq)) + ")"
                          : std::string()) +
      (n.copies > 1 ? ", " + std::to_string(n.copies) + " copies," : std::string()) +
      " exceed the DRAM capacity (" + config::format_size(n.capacity) + ")";
  return f;
}

}  // namespace ncore::planner
