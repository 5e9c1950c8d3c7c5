// ncoresim's command line (CLI11): run, sweep, plan, inspect. The only place that prints errors
// and chooses exit codes: 0 ok, 1 internal error, 2 bad input, 3 infeasible (DESIGN.md).
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <nlohmann/json.hpp>
#include <systemc>
#include <thread>

#include "config/config_error.h"
#include "config/run_config.h"
#include "config/sweep_config.h"
#include "config/units.h"
#include "hw/dram_presets/registry.h"
#include "hw/dram_timing.h"
#include "planner/planner.h"
#include "report/outputs.h"
#include "sim/run_point.h"
#include "sim/sweep.h"
#include "workload/model_spec.h"

namespace {

using namespace ncore;

// libsystemc's main() prints its banner before sc_main runs: switch it off before main().
const bool kQuietBanner = setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0) == 0;

std::vector<config::Override> parse_sets(const std::vector<std::string>& sets) {
  std::vector<config::Override> out;
  for (const auto& s : sets) out.push_back(config::parse_set(s));
  return out;
}

void print_plan(const config::RunConfig& rc, const isa::Program& p) {
  std::printf(
      "%s on %s, batch %llu, %s: %zu instructions, SBUF capacity %s, planned peak %llu "
      "bytes, %llu tensors spilled%s\n",
      rc.model.name.c_str(), rc.hw.name.c_str(), static_cast<unsigned long long>(rc.batch),
      workload::dtype_name(rc.dtype), p.instructions(),
      config::format_size(p.sbuf_capacity).c_str(), static_cast<unsigned long long>(p.sbuf_peak),
      static_cast<unsigned long long>(p.spilled_tensors), p.feasible ? "" : " (INFEASIBLE)");
  if (p.tiled)
    std::printf("tiled finer to fit: output-channel blocks <= %llu, chunks <= %llu positions\n",
                static_cast<unsigned long long>(p.tiling_m_cap),
                static_cast<unsigned long long>(p.tiling_chunk_cap));
  std::printf("%-24s %-14s %-21s %13s %9s %7s %6s %10s %-6s %11s %9s %11s %11s %11s\n", "layer",
              "kind", "order", "macs", "weights_B", "matmuls", "chunks", "sbuf_B", "output",
              "rd_weights", "rd_io", "rd_spill", "wr_io", "wr_spill");
  for (const auto& l : p.layers)
    std::printf(
        "%-24s %-14s %-21s %13llu %9llu %7llu %6llu %10llu %-6s %11llu %9llu %11llu "
        "%11llu %11llu\n",
        l.name.c_str(), l.kind.c_str(), isa::order_name(l.order),
        static_cast<unsigned long long>(l.macs), static_cast<unsigned long long>(l.weight_bytes),
        static_cast<unsigned long long>(l.matmuls), static_cast<unsigned long long>(l.n_chunks),
        static_cast<unsigned long long>(l.sbuf_bytes), l.output_resident ? "sbuf" : "dram",
        static_cast<unsigned long long>(l.read_bytes[0]),
        static_cast<unsigned long long>(l.read_bytes[1]),
        static_cast<unsigned long long>(l.read_bytes[2]),
        static_cast<unsigned long long>(l.write_bytes[1]),
        static_cast<unsigned long long>(l.write_bytes[2]));
  if (!p.feasible)
    std::printf("infeasible: layer %s is short of %llu bytes: %s\n", p.infeasible.layer.c_str(),
                static_cast<unsigned long long>(p.infeasible.shortfall_bytes),
                p.infeasible.reason.c_str());
}

// `ncoresim dram`: each preset on one channel: a sequential stream in 4 KiB pieces, dependent
// random 64 B reads, and random reads 16 at a time; efficiency is the achieved share of the
// preset's peak bandwidth (refresh included).
void print_dram_efficiency() {
  std::printf("%-10s %10s %12s %16s %16s\n", "preset", "peak GB/s", "sequential", "random 1 deep",
              "random 16 deep");
  for (const auto& [name, preset] : hw::DramPresetRegistry::instance().entries()) {
    const auto& t = preset.timing;
    const double peak = t.burst_bytes / t.t_burst;  // bytes per ns
    hw::DramTiming seq(t, 1);
    const uint64_t bytes = 64ull << 20;
    double end = 0;
    for (uint64_t a = 0; a < bytes; a += 4096) end = seq.access(0, a, 4096);
    uint64_t x = 88172645463325252ull;  // xorshift: the same addresses every time
    auto next = [&] {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      return (x % (1ull << 32)) & ~uint64_t{63};
    };
    auto random = [&](int depth) {
      hw::DramTiming d(t, 1);
      double now = 0;
      const int n = 160000;
      for (int i = 0; i < n / depth; ++i) {  // `depth` requests at once, then wait for all
        std::vector<uint64_t> ids;
        for (int k = 0; k < depth; ++k) ids.push_back(d.submit(now, next(), t.burst_bytes));
        d.advance(1e300);
        for (const uint64_t id : ids) now = std::max(now, d.release(id).end);
        d.take_finished();
      }
      return static_cast<double>(n) * t.burst_bytes / now / peak;
    };
    std::printf("%-10s %10.1f %11.1f%% %15.1f%% %15.1f%%\n", name.c_str(), peak,
                100 * static_cast<double>(bytes) / end / peak, 100 * random(1), 100 * random(16));
  }
}

int cli_main(int argc, char** argv) {
  CLI::App app{"ncoresim: a cycle-approximate NeuronCore-style inference accelerator simulator"};
  app.set_version_flag("--version", report::version_string());
  app.require_subcommand(1);
  app.fallthrough();  // -v and -q also after the sub-command
  bool verbose = false, quiet = false;
  app.add_flag("-v,--verbose", verbose, "debug logging");
  app.add_flag("-q,--quiet", quiet, "errors only");

  std::string run_file, out_dir = "traces/run";
  std::vector<std::string> sets;
  int64_t batch = -1;  // -1: not given
  bool trace = true, no_trace = false;
  auto* run = app.add_subcommand("run", "simulate one point: RUN.yaml at one compiled batch");
  run->add_option("config", run_file, "run file (configs/runs/*.yaml)")->required();
  run->add_option("--batch", batch, "compiled batch (overrides the file)");
  run->add_option("--set", sets, "override a key: --set hw.state_buffer.capacity=8MiB")
      ->allow_extra_args(false);
  run->add_option("-o,--out", out_dir, "output directory")->capture_default_str();
  run->add_flag("--trace", trace, "write trace.json (default)");
  run->add_flag("--no-trace", no_trace, "do not write trace.json");

  std::string sweep_file, sweep_out = "traces/sweep";
  unsigned jobs = std::max(1u, std::thread::hardware_concurrency());
  bool sweep_trace = false;
  auto* sweep = app.add_subcommand("sweep", "simulate every point of SWEEP.yaml, one process each");
  sweep->add_option("config", sweep_file, "sweep file (configs/sweeps/*.yaml)")->required();
  sweep->add_option("-o,--out", sweep_out, "output directory")->capture_default_str();
  sweep->add_option("--jobs", jobs, "points simulated at once")->check(CLI::PositiveNumber);
  sweep->add_flag("--trace", sweep_trace, "write each point's trace.json");
  sweep->add_option("--set", sets, "override a key of every point")->allow_extra_args(false);

  auto* plan = app.add_subcommand("plan", "print the plan of RUN.yaml without simulating");
  plan->add_option("config", run_file, "run file")->required();
  plan->add_option("--batch", batch, "compiled batch (overrides the file)");
  plan->add_option("--set", sets, "override a key")->allow_extra_args(false);
  bool max_batch = false, json_out = false;
  plan->add_flag("--max-batch", max_batch,
                 "find the largest compiled batch that fits without spilling");
  plan->add_flag("--json", json_out, "with --max-batch: print one JSON object");

  std::string model_file, import_out;
  auto* inspect = app.add_subcommand("inspect", "print a model's layers, shapes, MACs, parameters");
  std::string inspect_dtype = "fp16";
  inspect->add_option("--dtype", inspect_dtype, "dtype for byte counts")->capture_default_str();
  inspect->add_option("model", model_file, "model file (.yaml, .onnx or SCALE-Sim .csv)")
      ->required();
  auto* dram =
      app.add_subcommand("dram", "print each DRAM preset's sequential and random efficiency");
  auto* import =
      app.add_subcommand("import", "convert an ONNX file or SCALE-Sim CSV to model YAML");
  import->add_option("model", model_file, "model file (.onnx or SCALE-Sim .csv)")->required();
  import->add_option("-o,--out", import_out, "the model YAML file to write")->required();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : sim::kExitBadInput;
  }
  auto logger = spdlog::stderr_color_mt("ncoresim");
  spdlog::set_default_logger(logger);
  spdlog::set_pattern("%^%l%$: %v");
  spdlog::set_level(quiet     ? spdlog::level::err
                    : verbose ? spdlog::level::debug
                              : spdlog::level::info);

  try {
    auto overrides = parse_sets(sets);
    if (batch != -1)  // validated like the file's key: --batch 0 is an error, not ignored
      overrides.push_back({"batch", std::to_string(batch), "--batch " + std::to_string(batch)});
    if (*run) {
      const auto rc = config::load_run(run_file, overrides);
      return sim::run_point(rc, out_dir, sim::PointOptions{trace && !no_trace});
    }
    if (*sweep) {
      const auto sc = config::load_sweep(sweep_file, overrides);
      return sim::run_sweep(sc, sim::SweepOptions{sweep_out, jobs, sweep_trace});
    }
    if (*plan && max_batch) {
      const auto rc = config::load_run(run_file, overrides);
      const auto m = planner::max_batch(rc.model, rc.hw, rc.dtype, rc.options);
      if (json_out) {
        nlohmann::ordered_json j;
        j["max_batch"] = m.max_batch;
        j["binding_layer"] =
            m.limit_reached ? nlohmann::ordered_json() : nlohmann::ordered_json(m.binding_layer);
        j["shortfall_bytes"] =
            m.limit_reached ? nlohmann::ordered_json() : nlohmann::ordered_json(m.shortfall_bytes);
        std::printf("%s\n", j.dump().c_str());
      } else if (m.limit_reached) {
        std::printf("max batch without spilling: at least %llu (the search limit)\n",
                    static_cast<unsigned long long>(m.max_batch));
      } else {
        std::printf(
            "max batch without spilling: %llu (SBUF %s); at batch %llu layer %s is short "
            "of %llu bytes\n",
            static_cast<unsigned long long>(m.max_batch),
            config::format_size(rc.hw.state_buffer.capacity).c_str(),
            static_cast<unsigned long long>(m.max_batch + 1), m.binding_layer.c_str(),
            static_cast<unsigned long long>(m.shortfall_bytes));
      }
      return sim::kExitOk;
    }
    if (*plan) {
      const auto rc = config::load_run(run_file, overrides);
      const auto p = planner::plan(rc);
      print_plan(rc, p);
      return p.feasible ? sim::kExitOk : sim::kExitInfeasible;
    }
    if (*dram) {
      print_dram_efficiency();
      return sim::kExitOk;
    }
    if (*import) {
      const auto spec = config::import_model_file(model_file);
      const auto g = workload::build_graph(spec);  // checks shapes before writing anything
      report::write_file(import_out, config::model_yaml(spec));
      spdlog::info("{}: {} layers, {} MACs and {} parameters per sample -> {}", model_file,
                   g.layers.size(), g.macs_per_sample(), g.weight_elems(), import_out);
      return sim::kExitOk;
    }
    if (*inspect) {
      const auto g = config::load_model_file(model_file);
      const auto dt = workload::parse_dtype(inspect_dtype);
      if (!dt)
        throw config::ConfigError("--dtype " + inspect_dtype +
                                  ": expected fp32, fp16, bf16 or int8");
      const uint64_t eb = workload::dtype_bytes(*dt);
      std::printf("%s: input %s, %zu layers, %llu MACs and %llu parameters per sample\n",
                  g.name.c_str(), g.input.str().c_str(), g.layers.size(),
                  static_cast<unsigned long long>(g.macs_per_sample()),
                  static_cast<unsigned long long>(g.weight_elems()));
      // Operational intensity of a layer alone at batch 1: MACs per byte of its parameters
      // read (embedding rows, not tables), inputs and output, all from DRAM.
      std::printf("%-28s %-16s %-14s %14s %12s %12s %10s\n", "layer", "kind", "output", "macs",
                  "params", "act_bytes", "macs/byte");
      uint64_t act_total = 0;
      for (const auto& l : g.layers) {
        const uint64_t act = l.shape_only ? 0 : l.out.elems() * eb;
        uint64_t bytes = act + l.dense_weight_elems() * eb;
        if (l.gather) bytes += l.gather->rows * l.gather->row_elems * eb;
        if (!l.shape_only)
          for (const auto& in : l.in_shapes) bytes += in.elems() * eb;
        act_total += act;
        std::printf(
            "%-28s %-16s %-14s %14llu %12llu %12llu %10.2f\n", l.name.c_str(), l.kind.c_str(),
            l.out.str().c_str(), static_cast<unsigned long long>(l.macs_per_sample()),
            static_cast<unsigned long long>(l.weight_elems()), static_cast<unsigned long long>(act),
            bytes ? static_cast<double>(l.macs_per_sample()) / static_cast<double>(bytes) : 0.0);
      }
      std::printf(
          "total: %zu layers, %llu MACs, %llu parameters (%llu bytes at %s), %llu activation "
          "bytes per sample\n",
          g.layers.size(), static_cast<unsigned long long>(g.macs_per_sample()),
          static_cast<unsigned long long>(g.weight_elems()),
          static_cast<unsigned long long>(g.weight_elems() * eb), workload::dtype_name(*dt),
          static_cast<unsigned long long>(act_total));
      return sim::kExitOk;
    }
  } catch (const config::ConfigError& e) {
    spdlog::error("{}", e.what());
    return sim::kExitBadInput;
  } catch (const workload::ImportError& e) {
    spdlog::error("{}", e.what());
    return sim::kExitBadInput;
  } catch (const planner::PlanError& e) {
    spdlog::error("{}: {}", *sweep ? sweep_file : run_file, e.what());
    return sim::kExitBadInput;
  } catch (const std::exception& e) {
    spdlog::error("internal error: {}", e.what());
    return sim::kExitInternal;
  }
  return sim::kExitInternal;
}

}  // namespace

int sc_main(int argc, char** argv) {
  return cli_main(argc, argv);
}
