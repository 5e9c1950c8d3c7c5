// ncoresim's command line (CLI11): run, sweep, merge, plan, inspect, dram, import, keys. The only
// place that prints errors and chooses exit codes: 0 ok, 1 internal error, 2 bad input, 3
// infeasible (DESIGN.md), 4 an output that could not be written, 128 + N stopped by signal N
// (SIGINT, SIGTERM). A file-size limit (ulimit -f) is an I/O error, not a SIGXFSZ core dump.
#include <signal.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <nlohmann/json.hpp>
#include <systemc>
#include <thread>

#include "config/config_error.h"
#include "config/keys.h"
#include "config/run_config.h"
#include "config/serve_config.h"
#include "config/sweep_config.h"
#include "config/units.h"
#include "hw/dram_efficiency.h"
#include "planner/capacity.h"
#include "planner/pipeline.h"
#include "planner/planner.h"
#include "report/files.h"
#include "report/inspect.h"
#include "report/outputs.h"
#include "serve/serve_run.h"
#include "sim/merge.h"
#include "sim/run_point.h"
#include "sim/sweep.h"
#include "workload/layer_kind.h"
#include "workload/model_spec.h"
#include "workload/subgraph.h"

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
  std::printf("%-24s %-14s %-21s %13s %9s %7s %6s %10s %-6s %11s %9s %11s %11s %11s %11s %11s\n",
              "layer", "kind", "order", "macs", "weights_B", "matmuls", "chunks", "sbuf_B",
              "output", "rd_weights", "rd_io", "rd_spill", "wr_io", "wr_spill", "rd_kv", "wr_kv");
  for (const auto& l : p.layers)
    std::printf(
        "%-24s %-14s %-21s %13llu %9llu %7llu %6llu %10llu %-6s %11llu %9llu %11llu "
        "%11llu %11llu %11llu %11llu\n",
        l.name.c_str(), l.kind.c_str(), isa::order_name(l.order),
        static_cast<unsigned long long>(l.macs), static_cast<unsigned long long>(l.weight_bytes),
        static_cast<unsigned long long>(l.matmuls), static_cast<unsigned long long>(l.n_chunks),
        static_cast<unsigned long long>(l.sbuf_bytes), l.output_resident ? "sbuf" : "dram",
        static_cast<unsigned long long>(l.read_bytes[0]),
        static_cast<unsigned long long>(l.read_bytes[1]),
        static_cast<unsigned long long>(l.read_bytes[2]),
        static_cast<unsigned long long>(l.write_bytes[1]),
        static_cast<unsigned long long>(l.write_bytes[2]),
        static_cast<unsigned long long>(l.read_bytes[3]),
        static_cast<unsigned long long>(l.write_bytes[3]));
  if (!p.feasible)
    std::printf("infeasible: layer %s is short of %llu bytes: %s\n", p.infeasible.layer.c_str(),
                static_cast<unsigned long long>(p.infeasible.shortfall_bytes),
                p.infeasible.reason.c_str());
}

// plan --stages N: the pipeline cut, one line per stage; exit 3 when a stage cannot keep its
// weights static (the pipeline still runs, streaming them: the exit says the cut is not all
// static).
int plan_stages(const config::RunConfig& rc, uint32_t n) {
  const auto stages = planner::cut_pipeline(rc.model, rc.hw, rc.batch, rc.dtype, rc.options, n);
  std::printf("%s on %s, batch %llu, %s: NeuronCore Pipeline of %u stages, SBUF capacity %s\n",
              rc.model.name.c_str(), rc.hw.name.c_str(), static_cast<unsigned long long>(rc.batch),
              workload::dtype_name(rc.dtype), n,
              config::format_size(rc.hw.state_buffer.capacity).c_str());
  std::printf("%-5s %-24s %-24s %12s %11s %-6s %13s %13s\n", "stage", "first_layer", "last_layer",
              "est_cycles", "weights_B", "static", "static_need_B", "shortfall_B");
  bool all = true;
  uint64_t slowest = 0;
  size_t bottleneck = 0;
  for (size_t k = 0; k < stages.size(); ++k) {
    const auto& s = stages[k];
    all = all && s.static_weights;
    if (s.est_cycles > slowest) {
      slowest = s.est_cycles;
      bottleneck = k;
    }
    std::printf("%-5zu %-24s %-24s %12llu %11llu %-6s %13llu %13llu\n", k,
                rc.model.layers[s.first].name.c_str(), rc.model.layers[s.last].name.c_str(),
                static_cast<unsigned long long>(s.est_cycles),
                static_cast<unsigned long long>(s.weight_bytes), s.static_weights ? "yes" : "no",
                static_cast<unsigned long long>(s.static_peak),
                static_cast<unsigned long long>(s.static_shortfall));
  }
  std::printf("bottleneck stage %zu (estimated); weights %s\n", bottleneck,
              all ? "static on every stage" : "not static on every stage");
  return all ? sim::kExitOk : sim::kExitInfeasible;
}

void print_dram_efficiency() {
  std::printf("%-10s %10s %12s %16s %16s\n", "preset", "peak GB/s", "sequential", "random 1 deep",
              "random 16 deep");
  for (const auto& e : hw::dram_efficiency())
    std::printf("%-10s %10.1f %11.1f%% %15.1f%% %15.1f%%\n", e.preset.c_str(), e.peak_gb_per_s,
                100 * e.sequential, 100 * e.random_1, 100 * e.random_16);
}

// Everything the command line sets.
struct Args {
  std::string run_file, out_dir = "traces/run", sweep_file, sweep_out = "traces/sweep";
  std::string serve_out = "traces/serve";
  std::vector<std::string> sets;
  int64_t batch = -1;   // -1: not given
  uint32_t stages = 0;  // plan --stages N (0: not given)
  bool trace = true, no_trace = false, sweep_trace = false, max_batch = false, json = false;
  bool force = false, resume = false;
  std::string shard;  // --shard i/N, empty when not given
  std::vector<std::string> merge_dirs;
  std::string merge_out;
  unsigned jobs = std::max(1u, std::thread::hardware_concurrency());
  std::string model_file, import_out, inspect_dtype = "fp16", keys_which = "hw";
  uint64_t import_decoder = 0;  // import --decoder N: a decoder of max_context N (0: not given)
  bool verbose = false, quiet = false;
};

struct Commands {
  CLI::App* run;
  CLI::App* sweep;
  CLI::App* merge;
  CLI::App* plan;
  CLI::App* inspect;
  CLI::App* dram;
  CLI::App* import;
  CLI::App* keys;
  CLI::App* serve;
};

Commands add_commands(CLI::App& app, Args& a) {
  Commands c{};
  c.run = app.add_subcommand("run", "simulate one point: RUN.yaml at one compiled batch");
  c.run->add_option("config", a.run_file, "run file (configs/runs/*.yaml)")->required();
  c.run->add_option("--batch", a.batch, "compiled batch (overrides the file)");
  c.run->add_option("--set", a.sets, "override a key: --set hw.state_buffer.capacity=8MiB")
      ->allow_extra_args(false);
  c.run->add_option("-o,--out", a.out_dir, "output directory")->capture_default_str();
  c.run->add_flag("--trace", a.trace, "write trace.json (default)");
  c.run->add_flag("--no-trace", a.no_trace, "do not write trace.json");

  c.sweep = app.add_subcommand(
      "sweep", "simulate every point of SWEEP.yaml, in processes of points that plan alike");
  c.sweep->add_option("config", a.sweep_file, "sweep file (configs/sweeps/*.yaml)")->required();
  c.sweep->add_option("-o,--out", a.sweep_out, "output directory")->capture_default_str();
  c.sweep->add_option("--jobs", a.jobs, "points simulated at once")->check(CLI::PositiveNumber);
  c.sweep->add_flag("--trace", a.sweep_trace, "write each point's trace.json");
  c.sweep->add_option("--set", a.sets, "override a key of every point")->allow_extra_args(false);
  c.sweep->add_flag("--resume", a.resume,
                    "keep the points already complete in the folder with the same config");
  c.sweep->add_flag("--force", a.force, "replace another sweep's results in the folder");
  c.sweep->add_option("--shard", a.shard,
                      "run shard i of N: the points whose index is i - 1 modulo N (1 <= i <= N)");

  c.serve = app.add_subcommand(
      "serve", "play a request stream against a decoder: static or continuous batching");
  c.serve->add_option("config", a.run_file, "serve file (configs/serve/*.yaml)")->required();
  c.serve->add_option("-o,--out", a.serve_out, "output directory")->capture_default_str();
  c.serve->add_option("--jobs", a.jobs, "step-grid points simulated at once")
      ->check(CLI::PositiveNumber);
  c.serve->add_option("--set", a.sets, "override a key: --set arrivals.rate=20")
      ->allow_extra_args(false);
  c.merge = app.add_subcommand("merge",
                               "join the folders of a sweep's shards into sweep.csv and best.csv");
  c.merge->add_option("dirs", a.merge_dirs, "the shard folders (sweep --shard i/N -o DIR)")
      ->required();
  c.merge->add_option("-o,--out", a.merge_out, "the folder to write the tables into")->required();

  c.plan = app.add_subcommand("plan", "print the plan of RUN.yaml without simulating");
  c.plan->add_option("config", a.run_file, "run file")->required();
  c.plan->add_option("--batch", a.batch, "compiled batch (overrides the file)");
  c.plan->add_option("--set", a.sets, "override a key")->allow_extra_args(false);
  c.plan->add_flag("--max-batch", a.max_batch,
                   "find the largest compiled batch that fits without spilling");
  c.plan->add_flag("--json", a.json, "with --max-batch: print one JSON object");
  c.plan
      ->add_option("--stages", a.stages,
                   "print the NeuronCore Pipeline cut into N stages (one per core) and each "
                   "stage's static weights")
      ->check(CLI::Range(1, 1024));

  c.inspect = app.add_subcommand("inspect", "print a model's layers, shapes, MACs, parameters");
  c.inspect->add_option("--dtype", a.inspect_dtype, "dtype for byte counts")->capture_default_str();
  c.inspect->add_option("model", a.model_file, "model file (.yaml, .onnx or SCALE-Sim .csv)")
      ->required();
  c.dram = app.add_subcommand("dram", "print each DRAM preset's sequential and random efficiency");
  c.import = app.add_subcommand("import", "convert an ONNX file or SCALE-Sim CSV to model YAML");
  c.import->add_option("model", a.model_file, "model file (.onnx or SCALE-Sim .csv)")->required();
  c.import->add_option("-o,--out", a.import_out, "the model YAML file to write")->required();
  c.import
      ->add_option("--decoder", a.import_decoder,
                   "mark it a decoder-only language model of this max_context (tokens): "
                   "its attention matmuls' second inputs are what a KV cache holds")
      ->check(CLI::Range(uint64_t{1}, uint64_t{1} << 24));
  c.keys = app.add_subcommand("keys", "print the config reference (the README's key tables)");
  c.keys
      ->add_option("which", a.keys_which,
                   "hw (a hardware file's keys), options (a run's) or kinds (the layer kinds)")
      ->check(CLI::IsMember({"hw", "options", "kinds"}))
      ->capture_default_str();
  return c;
}

// The largest batch the SBUF holds without spilling, or the DRAM capacity (weights and KV
// caches, planner/capacity.h) when that is smaller: `binding` says which.
int plan_max_batch(const config::RunConfig& rc, bool json) {
  auto m = planner::max_batch(rc.model, rc.hw, rc.dtype, rc.options);
  const planner::DramNeed need = planner::dram_need(rc);
  const uint64_t by_dram = planner::capacity_max_batch(need);
  const bool dram = by_dram < m.max_batch || (m.limit_reached && by_dram <= m.max_batch);
  if (dram) {
    m.max_batch = by_dram;
    m.limit_reached = false;
  }
  if (json) {
    nlohmann::ordered_json j;
    j["max_batch"] = m.max_batch;
    j["binding"] = m.limit_reached ? nlohmann::ordered_json()
                                   : nlohmann::ordered_json(dram ? "dram_capacity" : "sbuf");
    j["binding_layer"] = m.limit_reached || dram ? nlohmann::ordered_json()
                                                 : nlohmann::ordered_json(m.binding_layer);
    j["shortfall_bytes"] =
        m.limit_reached ? nlohmann::ordered_json()
                        : nlohmann::ordered_json(dram ? need.bytes(m.max_batch + 1) - need.capacity
                                                      : m.shortfall_bytes);
    if (need.kv_bytes_per_seq) j["kv_bytes_per_sequence"] = need.kv_bytes_per_seq;
    std::printf("%s\n", j.dump().c_str());
  } else if (dram) {
    std::printf(
        "max batch: %llu, bound by the DRAM capacity (%s): weights %s%s\n",
        static_cast<unsigned long long>(m.max_batch), config::format_size(need.capacity).c_str(),
        config::format_size(need.weight_bytes).c_str(),
        need.kv_bytes_per_seq
            ? (" and " + config::format_size(need.kv_bytes_per_seq) + " of KV cache per sequence")
                  .c_str()
            : "");
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

// plan --max-batch of a pipeline: per stage of the cut at the run's batch, the largest batch
// that keeps its weights static and the largest that fits with them streamed (neither
// spilling); the pipeline's are the least of its stages'.
int plan_max_batch_stages(const config::RunConfig& rc, bool json) {
  const auto stages =
      planner::cut_pipeline(rc.model, rc.hw, rc.batch, rc.dtype, rc.options, rc.deployment.cores);
  nlohmann::ordered_json j;
  j["stages"] = nlohmann::ordered_json::array();
  uint64_t least_static = UINT64_MAX, least = UINT64_MAX;
  for (size_t k = 0; k < stages.size(); ++k) {
    const workload::Graph& sub = stages[k].sub.graph;
    config::Options o = rc.options;
    o.static_weights = true;
    const auto st = planner::max_batch(sub, rc.hw, rc.dtype, o);
    o.static_weights = false;
    const auto sw = planner::max_batch(sub, rc.hw, rc.dtype, o);
    least_static = std::min(least_static, st.max_batch);
    least = std::min(least, sw.max_batch);
    nlohmann::ordered_json e;
    e["stage"] = k;
    e["first_layer"] = rc.model.layers[stages[k].first].name;
    e["last_layer"] = rc.model.layers[stages[k].last].name;
    e["max_batch_static"] = st.max_batch;
    e["max_batch"] = sw.max_batch;
    j["stages"].push_back(e);
    if (!json)
      std::printf("stage %zu (%s .. %s): max batch %llu with static weights, %llu streamed\n", k,
                  e["first_layer"].get<std::string>().c_str(),
                  e["last_layer"].get<std::string>().c_str(),
                  static_cast<unsigned long long>(st.max_batch),
                  static_cast<unsigned long long>(sw.max_batch));
  }
  j["max_batch_static"] = least_static;
  j["max_batch"] = least;
  if (json)
    std::printf("%s\n", j.dump().c_str());
  else
    std::printf(
        "pipeline of %u stages (the cut at batch %llu): max batch %llu with every stage's "
        "weights static, %llu streamed\n",
        rc.deployment.cores, static_cast<unsigned long long>(rc.batch),
        static_cast<unsigned long long>(least_static), static_cast<unsigned long long>(least));
  return sim::kExitOk;
}

int import_model(const Args& a) {
  auto spec = config::import_model_file(a.model_file);
  const auto g = workload::build_graph(spec);  // checks shapes before writing anything
  spec.max_context = a.import_decoder;
  report::write_file(a.import_out, config::model_yaml(spec));
  spdlog::info("{}: {} layers, {} MACs and {} parameters per sample -> {}", a.model_file,
               g.layers.size(), g.macs_per_sample(), g.weight_elems(), a.import_out);
  return sim::kExitOk;
}

int inspect_model(const Args& a) {
  const auto g = config::load_model_file(a.model_file);
  const auto dt = workload::parse_dtype(a.inspect_dtype);
  if (!dt)
    throw config::ConfigError("--dtype " + a.inspect_dtype + ": expected fp32, fp16, bf16 or int8");
  std::fputs(report::inspect_text(g, *dt).c_str(), stdout);
  return sim::kExitOk;
}

// A status line rewritten in place when stderr is a terminal, unless -q (errors only) or -v
// (every debug line, each point's too).
bool progress_in_place(const Args& a) {
  return ::isatty(STDERR_FILENO) == 1 && !a.quiet && !a.verbose;
}

int sweep(const Args& a, const std::vector<config::Override>& overrides) {
  sim::SweepOptions opt;
  opt.out_dir = a.sweep_out;
  opt.jobs = a.jobs;
  opt.trace = a.sweep_trace;
  opt.force = a.force;
  opt.resume = a.resume;
  opt.sets = a.sets;
  if (!a.shard.empty()) opt.shard = sim::parse_shard(a.shard);  // before the sweep file
  const config::SweepConfig sc = config::load_sweep(a.sweep_file, overrides);
  if (config::is_serve_file(sc.base_run)) {
    if (!a.shard.empty() || a.resume || a.sweep_trace)
      throw config::ConfigError(a.sweep_file +
                                ": a serve sweep runs whole: --shard, --resume and --trace are "
                                "for sweeps of runs");
    return serve::run_serve_sweep(sc, serve::ServeOptions{a.sweep_out, a.jobs});
  }
  opt.progress = progress_in_place(a);
  // On a terminal each message first erases the status line it may land on.
  if (opt.progress) spdlog::set_pattern("\r\033[K%^%l%$: %v");
  return sim::run_sweep(sc, opt);
}

int dispatch(const Commands& c, const Args& a) {
  auto overrides = parse_sets(a.sets);
  if (a.batch != -1)  // validated like the file's key: --batch 0 is an error, not ignored
    overrides.push_back({"batch", std::to_string(a.batch), "--batch " + std::to_string(a.batch)});
  if (*c.run)
    return sim::run_point(config::load_run(a.run_file, overrides), a.out_dir,
                          sim::PointOptions{a.trace && !a.no_trace});
  if (*c.sweep) return sweep(a, overrides);
  if (*c.serve)
    return serve::run_serve(config::load_serve(a.run_file, overrides),
                            serve::ServeOptions{a.serve_out, a.jobs});
  if (*c.merge) return sim::merge_shards(a.merge_dirs, a.merge_out);
  if (*c.plan) {
    const auto rc = config::load_run(a.run_file, overrides);
    const bool pipeline = rc.deployment.mode == config::DeploymentMode::pipeline;
    if (a.max_batch)
      return pipeline ? plan_max_batch_stages(rc, a.json) : plan_max_batch(rc, a.json);
    if (a.stages || pipeline) return plan_stages(rc, a.stages ? a.stages : rc.deployment.cores);
    const auto p = planner::plan(rc);
    print_plan(rc, p);
    return p.feasible ? sim::kExitOk : sim::kExitInfeasible;
  }
  if (*c.dram) {
    print_dram_efficiency();
    return sim::kExitOk;
  }
  if (*c.keys) {
    const std::string md = a.keys_which == "kinds" ? workload::kinds_reference()
                                                   : config::config_reference(a.keys_which);
    std::fputs(md.c_str(), stdout);
    return sim::kExitOk;
  }
  if (*c.import) return import_model(a);
  if (*c.inspect) return inspect_model(a);
  return sim::kExitInternal;
}

// SIGINT, SIGTERM: the output file being written is removed (its target is left as it was) and
// the process ends with 128 + the signal. A sweep's parent blocks both while its children run
// (sim/sweep.cpp) and stops them first.
void on_stop_signal(int sig) {
  if (const char* tmp = report::temp_file_in_progress()) ::unlink(tmp);
  ::_exit(128 + sig);
}

void install_signal_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
  ::signal(SIGXFSZ, SIG_IGN);  // writes past `ulimit -f` then fail with EFBIG, reported
}

int cli_main(int argc, char** argv) {
  CLI::App app{"ncoresim: a cycle-approximate NeuronCore-style inference accelerator simulator"};
  app.set_version_flag("--version", report::version_string());
  app.require_subcommand(1);
  app.fallthrough();  // -v and -q also after the sub-command
  Args a;
  app.add_flag("-v,--verbose", a.verbose, "debug logging");
  app.add_flag("-q,--quiet", a.quiet, "errors only");
  const Commands c = add_commands(app, a);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : sim::kExitBadInput;
  }
  auto logger = spdlog::stderr_color_mt("ncoresim");
  spdlog::set_default_logger(logger);
  spdlog::set_pattern("%^%l%$: %v");
  spdlog::set_level(a.quiet     ? spdlog::level::err
                    : a.verbose ? spdlog::level::debug
                                : spdlog::level::info);
  install_signal_handlers();
  try {
    const int code = dispatch(c, a);
    report::flush_stdout();  // `plan > /dev/full` is an I/O error, not a success
    return code;
  } catch (const report::OutputError& e) {
    spdlog::error("{}", e.what());
    return sim::kExitIo;
  } catch (const config::ConfigError& e) {
    spdlog::error("{}", e.what());
    return sim::kExitBadInput;
  } catch (const workload::ImportError& e) {
    spdlog::error("{}", e.what());
    return sim::kExitBadInput;
  } catch (const planner::PlanError& e) {
    spdlog::error("{}: {}", *c.sweep ? a.sweep_file : a.run_file, e.what());
    return sim::kExitBadInput;
  } catch (const std::exception& e) {
    spdlog::error("internal error: {}", e.what());
    return sim::kExitInternal;
  }
}

}  // namespace

int sc_main(int argc, char** argv) {
  return cli_main(argc, argv);
}
