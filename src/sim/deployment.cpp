// A data-parallel deployment: elaboration, simulation and outputs (see deployment.h).
#include "sim/deployment.h"

#include <spdlog/spdlog.h>

#include <deque>
#include <stdexcept>
#include <systemc>

#include "base/stats.h"
#include "hw/dram.h"
#include "hw/neuron_core.h"
#include "planner/planner.h"
#include "report/deployment.h"
#include "report/files.h"
#include "report/outputs.h"

namespace ncore::sim {

uint64_t compute_instructions(const isa::Program& p) {
  uint64_t n = 0;
  for (size_t e = 0; e < p.first_dma(); ++e) n += p.queues[e].size();
  return n;
}

uint32_t deployment_chips(const config::RunConfig& rc) {
  const uint32_t per_chip = rc.hw.chip ? rc.hw.chip->cores : 1;
  const uint32_t cores = rc.deployment.cores * rc.deployment.replicas;
  return (cores + per_chip - 1) / per_chip;
}

std::vector<hw::Dram*> chip_drams(const config::RunConfig& rc, std::deque<base::Stats>& stats,
                                  bool trace) {
  std::vector<hw::Dram*> drams;
  for (size_t c = 0; c < stats.size(); ++c) {
    stats[c].tracing = trace;
    drams.push_back(new hw::Dram(("chip" + std::to_string(c) + "_dram").c_str(), rc.hw.chip->dram,
                                 rc.hw.tensor_engine.clock_hz, stats[c]));
  }
  return drams;
}

void write_deployment_trace(const std::string& out_dir, const config::RunConfig& rc,
                            const isa::Program& p, std::vector<report::TraceProcess> cores,
                            const std::deque<base::Stats>& chips) {
  for (size_t c = 0; c < chips.size(); ++c)
    cores.push_back({"chip " + std::to_string(c) + " DRAM", &chips[c], false, true});
  report::write_trace(out_dir + "/trace.json", rc, p, cores);
}

int run_deployment(const config::RunConfig& rc, const isa::Program& program,
                   const std::string& out_dir, const PointOptions& opt) {
  if (rc.options.functional)
    throw std::logic_error("functional mode with a multi-core deployment");  // load_run refuses
  const config::ChipConfig& chip = *rc.hw.chip;
  const uint32_t n = rc.deployment.cores, chips = deployment_chips(rc);
  planner::check_deployment_cost(rc, compute_instructions(program) * n, opt.trace);
  // The stats stay put and live until the process ends (a static deque of them: its elements
  // never move), as the modules that keep references into them.
  static std::deque<std::deque<base::Stats>> kept;
  auto& core_stats = kept.emplace_back(n);
  auto& chip_stats = kept.emplace_back(chips);
  const std::vector<hw::Dram*> drams = chip_drams(rc, chip_stats, opt.trace);
  std::vector<hw::NeuronCore*> cores;
  for (uint32_t i = 0; i < n; ++i) {
    core_stats[i].tracing = opt.trace;
    cores.push_back(new hw::NeuronCore(("core" + std::to_string(i)).c_str(), rc.hw, program,
                                       rc.dtype, core_stats[i], nullptr, drams[i / chip.cores]));
  }
  sc_core::sc_start();
  for (const hw::NeuronCore* c : cores)
    if (!c->drained())
      throw std::logic_error("replay deadlocked: an engine did not finish its queue");

  std::vector<report::CoreResult> results;
  std::vector<const base::Stats*> core_ptrs, chip_ptrs;
  for (uint32_t i = 0; i < n; ++i) {
    const uint32_t c = i / chip.cores;
    const uint32_t copies = std::min(chip.cores, n - c * chip.cores);
    results.push_back(
        {c, report::make_summary(report::core_run(rc, copies), program, &core_stats[i])});
    core_ptrs.push_back(&core_stats[i]);
  }
  for (const base::Stats& s : chip_stats) chip_ptrs.push_back(&s);
  const auto summary = report::deployment_summary(rc, results, chip_ptrs);
  report::write_file(out_dir + "/summary.json", summary.dump(2) + "\n");
  report::write_file(
      out_dir + "/layers.csv",
      report::deployment_layers_csv(rc, std::vector<const isa::Program*>(n, &program), core_ptrs));
  if (opt.trace) {
    std::vector<report::TraceProcess> procs;
    for (uint32_t i = 0; i < n; ++i)
      procs.push_back({"NeuronCore " + std::to_string(i) + " (chip " +
                           std::to_string(i / chip.cores) + ", " + rc.hw.name + ")",
                       core_ptrs[i], true, false});
    write_deployment_trace(out_dir, rc, program, std::move(procs), chip_stats);
  }
  spdlog::info(
      "{} {} batch {} data_parallel over {} cores ({} chips): {:.6g} s, {:.6g} "
      "inferences/s, {:.4g} MB DRAM per inference",
      rc.model.name, rc.hw.name, rc.batch, n, chips, summary["seconds"].get<double>(),
      summary["throughput_inferences_per_s"].get<double>(),
      summary["dram"]["bytes_per_inference"].get<double>() / 1e6);
  return kExitOk;
}

}  // namespace ncore::sim
