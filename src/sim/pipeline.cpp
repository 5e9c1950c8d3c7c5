// A NeuronCore Pipeline deployment: the cut, one core per stage replaying its program once per
// invocation, the links between them, and the outputs (see deployment.h).
#include "planner/pipeline.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <deque>
#include <map>
#include <memory>
#include <stdexcept>
#include <systemc>

#include "base/stats.h"
#include "hw/dram.h"
#include "hw/neuron_core.h"
#include "hw/pass_gate.h"
#include "hw/stage_memory.h"
#include "planner/planner.h"
#include "report/deployment.h"
#include "report/files.h"
#include "report/outputs.h"
#include "report/pipeline.h"
#include "sim/deployment.h"

namespace ncore::sim {
namespace {

// A link as a one-channel DRAM model: a transfer takes latency + bytes / bandwidth, one at a
// time.
config::DramConfig link_as_channel(const config::LinkConfig& l) {
  config::DramConfig d;
  d.model = config::DramModel::simple;
  d.channels = 1;
  d.bandwidth = l.bandwidth;
  d.latency_s = l.latency_s;
  return d;
}

// The mean of finish(i) - start(i) over the second half of the passes.
double mean_pass(const hw::PassGate& g, uint32_t inv, double f) {
  const uint32_t h = inv / 2;
  double s = 0;
  for (uint32_t i = h; i < inv; ++i) s += static_cast<double>(g.finished_at(i) - g.started_at(i));
  return s / (inv - h) / f;
}

// Which stage produced each of the model's tensors (-1: the model input).
std::map<int, size_t> producers(const std::vector<planner::StageProgram>& stages) {
  std::map<int, size_t> p;
  for (size_t k = 0; k < stages.size(); ++k)
    for (size_t l = stages[k].plan.first; l <= stages[k].plan.last; ++l)
      p[static_cast<int>(l) + 1] = k;
  return p;
}

// The deployment's modules and their stats. They live until the process ends (SystemC), as
// run_planned's core: the stats in a deque, so that they stay put.
struct Design {
  std::deque<base::Stats> core_stats, chip_stats, link_stats;
  std::vector<hw::PassGate*> gates;
  std::vector<hw::NeuronCore*> cores;
};

// One core per stage, its gate after those of the stages it reads from; each chip's DRAM; the
// links from each stage to the next.
Design& elaborate(const config::RunConfig& rc, const std::vector<planner::StageProgram>& stages,
                  uint32_t inv, bool trace) {
  const config::ChipConfig& chip = *rc.hw.chip;
  const uint32_t n = rc.deployment.cores, chips = deployment_chips(rc);
  const uint32_t total = n * rc.deployment.replicas;
  const double f = rc.hw.tensor_engine.clock_hz;
  static std::deque<Design> kept;  // until the process ends, as the modules that point into it
  Design& d = kept.emplace_back();
  d.core_stats.resize(total);
  d.chip_stats.resize(chips);
  d.link_stats.resize(total);
  auto* changed = new sc_core::sc_event("pipeline_pass");
  const std::vector<hw::Dram*> drams = chip_drams(rc, d.chip_stats, trace);
  const auto made_by = producers(stages);
  for (uint32_t g = 0; g < total; ++g) {  // core g: replica g / n, stage g % n
    const uint32_t k = g % n, first = g - k, c = g / chip.cores;
    hw::Dram* link = nullptr;
    if (k + 1 < n) {  // to the next stage: on this chip, or over NeuronLink to the next chip
      const bool same_chip = (g + 1) / chip.cores == c;
      link =
          new hw::Dram(("link" + std::to_string(g)).c_str(),
                       link_as_channel(same_chip ? chip.link : chip.chip_link), f, d.link_stats[g]);
    }
    auto* mem = new hw::StageMemory(("stage" + std::to_string(g) + "_memory").c_str(), *drams[c],
                                    link, k > 0);
    const isa::Program& p = stages[k].program;
    d.gates.push_back(new hw::PassGate(inv, static_cast<uint32_t>(p.engines()), *changed));
    for (int t : stages[k].plan.sub.inputs)
      if (t > 0) {
        hw::PassGate* producer = d.gates.at(first + made_by.at(t));
        d.gates[g]->add_producer(producer);
        producer->add_consumer(d.gates[g]);
      }
    d.core_stats[g].tracing = trace;
    d.cores.push_back(new hw::NeuronCore(("core" + std::to_string(g)).c_str(), rc.hw, p, rc.dtype,
                                         d.core_stats[g], nullptr, mem, d.gates[g]));
  }
  return d;
}

// Each replica's period: the slowest of its stages' mean intervals between completions over
// the second half. (Its last stage's alone would read the drain at the end, once the stages
// before it are done and no longer contend for the DRAM: faster than the steady state.) With one
// invocation, the longest stage pass.
std::vector<double> replica_periods(const Design& d, uint32_t n, uint32_t inv, double f) {
  const uint32_t h = inv / 2;
  std::vector<double> out;
  for (uint32_t first = 0; first < d.gates.size(); first += n) {
    double period = 0;
    for (uint32_t g = first; g < first + n; ++g) {
      const hw::PassGate& gate = *d.gates[g];
      const uint64_t span = h == 0 ? gate.finished_at(0) - gate.started_at(0)
                                   : gate.finished_at(inv - 1) - gate.finished_at(h - 1);
      period = std::max(period, static_cast<double>(span) / (h == 0 ? 1 : inv - h) / f);
    }
    out.push_back(period);
  }
  return out;
}

}  // namespace

int run_pipeline(const config::RunConfig& rc, const std::string& out_dir, const PointOptions& opt) {
  const config::ChipConfig& chip = *rc.hw.chip;
  const uint32_t n = rc.deployment.cores, chips = deployment_chips(rc);
  const uint32_t inv = rc.deployment.invocations ? rc.deployment.invocations : 2 * n + 2;
  const double f = rc.hw.tensor_engine.clock_hz;
  const auto stages =
      planner::plan_pipeline(rc.model, rc.hw, rc.batch, rc.dtype, rc.options, n, opt.trace);
  for (size_t k = 0; k < n; ++k)
    if (!stages[k].program.feasible) {  // the stage's infeasible summary, as a single core's
      auto j = report::make_summary(rc, stages[k].program, nullptr);
      j["deployment"] = {{"mode", "pipeline"}, {"cores", n}, {"infeasible_stage", k}};
      report::write_file(out_dir + "/summary.json", j.dump(2) + "\n");
      spdlog::warn("{} at batch {}: pipeline stage {} does not fit: layer {} is short of {} bytes",
                   rc.model.name, rc.batch, k, stages[k].program.infeasible.layer,
                   stages[k].program.infeasible.shortfall_bytes);
      return kExitInfeasible;
    }
  uint64_t per_pass = 0;
  for (const auto& st : stages) per_pass += compute_instructions(st.program);
  planner::check_deployment_cost(rc, per_pass * inv * rc.deployment.replicas, opt.trace);
  Design& d = elaborate(rc, stages, inv, opt.trace);
  sc_core::sc_start();
  for (const hw::NeuronCore* c : d.cores)
    if (!c->drained())
      throw std::logic_error("replay deadlocked: an engine did not finish its queue");

  const uint32_t total = n * rc.deployment.replicas;
  report::PipelineTiming timing;
  timing.invocations = inv;
  timing.chips = chips;
  timing.first_cycles = d.gates[n - 1]->finished_at(0) - d.gates[0]->started_at(0);
  timing.replica_periods = replica_periods(d, n, inv, f);
  std::vector<report::StageResult> results;
  std::vector<const isa::Program*> programs;
  std::vector<const base::Stats*> stats;
  for (uint32_t g = 0; g < total; ++g) {
    const planner::StagePlan& sp = stages[g % n].plan;
    results.push_back({rc.model.layers[sp.first].name, rc.model.layers[sp.last].name,
                       g / chip.cores, mean_pass(*d.gates[g], inv, f),
                       static_cast<double>(sp.est_cycles) / f, sp.weight_bytes, sp.static_weights,
                       &stages[g % n].program, &d.core_stats[g]});
    programs.push_back(&stages[g % n].program);
    stats.push_back(&d.core_stats[g]);
  }
  const auto summary = report::pipeline_summary(rc, results, timing);
  report::write_file(out_dir + "/summary.json", summary.dump(2) + "\n");
  report::write_file(out_dir + "/layers.csv", report::deployment_layers_csv(rc, programs, stats));
  if (opt.trace) {
    std::vector<report::TraceProcess> procs;
    for (uint32_t g = 0; g < total; ++g)
      procs.push_back({"NeuronCore " + std::to_string(g) + " (stage " + std::to_string(g % n) +
                           ", chip " + std::to_string(g / chip.cores) + ", " + rc.hw.name + ")",
                       stats[g], true, false, programs[g]});
    write_deployment_trace(out_dir, rc, *programs[0], std::move(procs), d.chip_stats);
  }
  spdlog::info(
      "{} {} batch {} pipeline of {} stages ({} chips): period {:.6g} s, {:.6g} "
      "inferences/s, weights {}",
      rc.model.name, rc.hw.name, rc.batch, n, chips,
      summary["deployment"]["period_s"].get<double>(),
      summary["throughput_inferences_per_s"].get<double>(),
      summary["deployment"]["static_weights"].get<bool>() ? "static" : "streamed");
  return kExitOk;
}

}  // namespace ncore::sim
