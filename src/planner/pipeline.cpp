// The NeuronCore Pipeline cut (see pipeline.h).
#include "planner/pipeline.h"

#include <algorithm>
#include <limits>

#include "base/checked.h"
#include "planner/lowering.h"
#include "planner/plan_error.h"
#include "planner/planner.h"
#include "planner/residency.h"
#include "planner/tiling.h"
#include "workload/subgraph.h"

namespace ncore::planner {
namespace {

// Each layer's estimated engine time at batch b: a MatMul layer's under the lowering the planner
// chooses, a vector layer's ops; 0 for a layer that runs no engine (shape-only, external, an
// embedding's DMA gather).
std::vector<uint64_t> layer_estimates(const PlanInputs& in) {
  const Tiling t = array_tiling(in.hw, in.batch);
  const std::vector<Lowered> low = choose_lowerings(in, t);
  std::vector<uint64_t> est(in.g.layers.size(), 0);
  for (size_t l = 0; l < est.size(); ++l) {
    const workload::Layer& layer = in.g.layers[l];
    if (layer.shape_only || layer.external) continue;
    if (layer.gemm)
      est[l] = estimate_cycles(in, t, layer, low[l]);
    else if (layer.vector)
      est[l] = estimate_vector_cycles(in, t, layer);
  }
  return est;
}

// The linear partition of `est` into n non-empty runs minimizing the largest run's sum (dynamic
// programming over prefixes, O(n L^2)); returns each run's first index. Ties keep the earliest
// cut.
std::vector<size_t> partition(const std::vector<uint64_t>& est, size_t n) {
  const size_t L = est.size();
  std::vector<uint64_t> prefix(L + 1, 0);
  for (size_t i = 0; i < L; ++i) prefix[i + 1] = base::sat_add(prefix[i], est[i]);
  constexpr uint64_t kInf = std::numeric_limits<uint64_t>::max();
  // best[k][i]: the least largest sum of the first i layers in k runs; from[k][i]: where the
  // last run starts.
  std::vector<std::vector<uint64_t>> best(n + 1, std::vector<uint64_t>(L + 1, kInf));
  std::vector<std::vector<size_t>> from(n + 1, std::vector<size_t>(L + 1, 0));
  best[0][0] = 0;
  for (size_t k = 1; k <= n; ++k)
    for (size_t i = k; i <= L; ++i)
      for (size_t j = k - 1; j < i; ++j) {
        if (best[k - 1][j] == kInf) continue;
        const uint64_t cost = std::max(best[k - 1][j], prefix[i] - prefix[j]);
        if (cost < best[k][i]) {
          best[k][i] = cost;
          from[k][i] = j;
        }
      }
  std::vector<size_t> starts(n);
  for (size_t k = n, i = L; k > 0; --k) {
    starts[k - 1] = from[k][i];
    i = from[k][i];
  }
  return starts;
}

}  // namespace

std::vector<StagePlan> cut_pipeline(const workload::Graph& g, const config::HwConfig& hw,
                                    uint64_t batch, workload::DType dtype,
                                    const config::Options& opt, uint32_t stages) {
  const size_t L = g.layers.size();
  if (stages < 1 || stages > L)
    throw PlanError("a pipeline of " + std::to_string(stages) +
                    " stages needs at least as many "
                    "layers (" +
                    g.name + " has " + std::to_string(L) + ")");
  const config::HwConfig view = planner_view(hw);
  const PlanInputs whole{g, view, batch, workload::dtype_bytes(dtype), opt, dtype};
  const std::vector<uint64_t> est = layer_estimates(whole);
  const std::vector<size_t> starts = partition(est, stages);
  std::vector<StagePlan> out;
  for (size_t k = 0; k < stages; ++k) {
    StagePlan s;
    s.first = starts[k];
    s.last = (k + 1 < stages ? starts[k + 1] : L) - 1;
    for (size_t l = s.first; l <= s.last; ++l) {
      s.est_cycles = base::sat_add(s.est_cycles, est[l]);
      s.weight_bytes += g.layers[l].dense_weight_elems() * workload::dtype_bytes(dtype);
    }
    s.sub = workload::subgraph(g, s.first, s.last);
    config::Options so = opt;
    so.static_weights = true;
    so.allow_spill = false;
    const PlanInputs in{s.sub.graph, view, batch, workload::dtype_bytes(dtype), so, dtype};
    const Residency r = plan_residency(in);
    s.static_weights = r.feasible;
    s.static_shortfall = r.feasible ? 0 : r.infeasible.shortfall_bytes;
    for (uint64_t b : occupancies(in, r)) s.static_peak = std::max(s.static_peak, b);
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<StageProgram> plan_pipeline(const workload::Graph& g, const config::HwConfig& hw,
                                        uint64_t batch, workload::DType dtype,
                                        const config::Options& opt, uint32_t stages, bool trace) {
  std::vector<StageProgram> out;
  for (StagePlan& st : cut_pipeline(g, hw, batch, dtype, opt, stages)) {
    config::Options so = opt;
    so.static_weights = st.static_weights;
    isa::Program p = plan(st.sub.graph, planner_view(hw), batch, dtype, so, trace);
    out.push_back(StageProgram{std::move(st), std::move(p)});
  }
  return out;
}

}  // namespace ncore::planner
