// One point: plan before elaboration (an infeasible plan never reaches sc_start), then one
// NeuronCore elaborated and simulated to completion, then the outputs.
#include "sim/run_point.h"

#include <spdlog/spdlog.h>

#include <memory>
#include <stdexcept>
#include <systemc>

#include "base/stats.h"
#include "hw/functional.h"
#include "hw/neuron_core.h"
#include "planner/capacity.h"
#include "planner/planner.h"
#include "report/files.h"
#include "report/outputs.h"
#include "sim/deployment.h"

namespace ncore::sim {

// Functional mode's bound on |x - reference| / (1 + |reference|): float sums in another order.
constexpr double kFunctionalTolerance = 1e-4;

int run_point(const config::RunConfig& rc, const std::string& out_dir, const PointOptions& opt) {
  report::make_dirs(out_dir);
  if (const auto short_of = planner::check_dram_capacity(rc)) {  // nothing to plan
    isa::Program none;
    none.feasible = none.fits = false;
    none.infeasible = *short_of;
    return run_planned(rc, none, out_dir, opt);
  }
  if (rc.deployment.mode == config::DeploymentMode::pipeline) {  // plans its stages itself
    report::write_file(out_dir + "/config.yaml", config::resolved_yaml(rc, out_dir));
    return run_pipeline(rc, out_dir, opt);
  }
  return run_planned(rc, planner::plan(rc, opt.trace), out_dir, opt);
}

int run_planned(const config::RunConfig& rc, const isa::Program& program,
                const std::string& out_dir, const PointOptions& opt) {
  report::make_dirs(out_dir);
  report::write_file(out_dir + "/config.yaml", config::resolved_yaml(rc, out_dir));
  if (rc.deployment.mode == config::DeploymentMode::pipeline && program.feasible)
    return run_pipeline(rc, out_dir, opt);  // its stages' own programs, not `program`
  spdlog::debug("{} at batch {}: {} instructions, planned SBUF peak {} bytes, {} tensors spilled",
                rc.model.name, rc.batch, program.instructions(), program.sbuf_peak,
                program.spilled_tensors);
  const auto short_of = program.feasible ? planner::check_dram_capacity(rc) : std::nullopt;
  if (!program.feasible || short_of) {
    isa::Program marked;  // the reason only: an infeasible summary reads no more
    if (short_of) {
      marked.feasible = marked.fits = false;
      marked.infeasible = *short_of;
    }
    const isa::Program& p = short_of ? marked : program;
    report::write_file(out_dir + "/summary.json",
                       report::make_summary(rc, p, nullptr).dump(2) + "\n");
    spdlog::warn("{} at batch {} does not fit: {} {} is short of {} bytes ({})", rc.model.name,
                 rc.batch, p.infeasible.resource, p.infeasible.layer, p.infeasible.shortfall_bytes,
                 p.infeasible.reason);
    return kExitInfeasible;
  }
  if (rc.deployment.mode != config::DeploymentMode::single)
    return run_deployment(rc, program, out_dir, opt);

  base::Stats stats;
  stats.tracing = opt.trace;
  // Modules live until the process ends: SystemC does not support tearing a design down and
  // elaborating another, so they are deliberately not deleted.
  std::unique_ptr<hw::Functional> functional;
  if (rc.options.functional)
    functional = std::make_unique<hw::Functional>(
        rc.model, rc.batch, rc.hw.psum.banks,
        workload::make_model_data(rc.model, rc.batch, rc.options.seed), program.resident);
  if (functional && rc.options.static_weights) functional->weights_static();
  auto* core = new hw::NeuronCore("core", rc.hw, program, rc.dtype, stats, functional.get());
  sc_core::sc_start();
  if (!core->drained())
    throw std::logic_error("replay deadlocked: an engine did not finish its queue");

  auto summary = report::make_summary(rc, program, &stats);
  bool functional_failed = false;
  if (functional) {
    const auto check = functional->compare(kFunctionalTolerance);
    auto& f = summary["functional"];
    f["elements_checked"] = check.elements;
    f["max_abs_error"] = check.max_abs_error;
    f["max_rel_error"] = check.max_rel_error;
    f["tolerance"] = kFunctionalTolerance;
    f["worst_layer"] = check.worst_layer;
    f["passed"] = check.passed;
    functional_failed = !check.passed;
  }
  report::write_file(out_dir + "/summary.json", summary.dump(2) + "\n");
  report::write_file(out_dir + "/layers.csv", report::layers_csv(rc, program, stats));
  if (functional_failed)  // the tiled program did not compute the network: a bug
    throw std::logic_error("functional check failed: layer " +
                           summary["functional"]["worst_layer"].get<std::string>() +
                           " differs from the reference by " +
                           std::to_string(summary["functional"]["max_rel_error"].get<double>()));
  if (opt.trace) {
    report::write_trace(out_dir + "/trace.json", rc, program,
                        {{"NeuronCore " + rc.hw.name, &stats, true, true}});
  }
  spdlog::info(
      "{} {} batch {}: {} cycles, {:.6g} s, {:.6g} inferences/s, {:.4g} MB DRAM per "
      "inference{}",
      rc.model.name, rc.hw.name, rc.batch, summary["cycles"].get<uint64_t>(),
      summary["seconds"].get<double>(), summary["throughput_inferences_per_s"].get<double>(),
      summary["dram"]["bytes_per_inference"].get<double>() / 1e6,
      program.fits ? "" : " (activations spilled)");
  return kExitOk;
}

void new_simulation_context() {
  // sc_get_curr_simcontext() makes a new context when the current one is null (sc_simcontext.h);
  // the old one is not deleted: its modules' processes still point into it.
  sc_core::sc_curr_simcontext = nullptr;
}

}  // namespace ncore::sim
