// A serving run (issue 16; `ncoresim serve SERVE.yaml`): a base run of a decoder model, a request
// stream (`arrivals`: Poisson at `rate` requests/s, or a `trace` CSV), a scheduler (`static` or
// `continuous` batching, up to `max_batch` sequences) and optionally the step grid's points
// (`grid`). Overrides (`--set`, sweep axes) of `arrivals.*`, `scheduler.*` and `grid.*` go to the
// serve file, all others to its base run.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "config/run_config.h"

namespace ncore::config {

// Prompt or output lengths in tokens: `fixed` (tokens), `uniform` (min..max, inclusive) or
// `lognormal` (median, sigma of the log; clamped to min..max).
struct LengthDist {
  enum class Kind { fixed, uniform, lognormal } kind = Kind::fixed;
  uint64_t tokens = 128, min = 1, max = 128;
  double median = 128, sigma = 0.5;
  uint64_t largest() const { return kind == Kind::fixed ? tokens : max; }
};

struct TraceRequest {
  double arrival_s = 0;
  uint64_t prompt_tokens = 0, output_tokens = 0;
};

struct ArrivalConfig {
  double rate = 0;    // requests/s (Poisson); 0 with a trace
  std::string trace;  // resolved path of the trace CSV ("" for Poisson)
  std::vector<TraceRequest> trace_rows;
  uint64_t requests = 1000;  // Poisson: how many (a trace: its rows)
  uint64_t seed = 1;
  LengthDist prompt, output;
};

enum class SchedulerPolicy { static_batching, continuous };
const char* policy_name(SchedulerPolicy p);

struct SchedulerConfig {
  SchedulerPolicy policy = SchedulerPolicy::continuous;
  uint64_t max_batch = 8;
  double timeout_s = 0.05;   // static: a partial batch starts this long after its first request
  bool chunked = false;      // continuous: prefill in chunks beside the decode steps
  uint64_t chunk = 256;      // tokens of one prefill chunk
  uint64_t queue_limit = 0;  // requests waiting at most (0: unbounded); more are rejected
};

struct GridConfig {  // empty: chosen from the scheduler and lengths (serve/step_grid.h)
  std::vector<uint64_t> batches, contexts, sequences;
};

struct ServeConfig {
  std::string file;
  std::string base_file;                 // the base run, resolved
  // The base run as the step grid and the KV budget load it: its own file without `phase`,
  // `sequence`, `context` and `batch` (set per point), paths absolute; written by
  // serve::run_serve into the output folder (grid/base.yaml), "" before.
  std::string grid_base;
  std::string grid_base_yaml;
  std::vector<Override> base_overrides;  // the overrides that go to the base run
  RunConfig base;
  ArrivalConfig arrivals;
  SchedulerConfig scheduler;
  GridConfig grid;
  std::string resolved;  // the serve file with its overrides applied, `base` absolute (YAML)
};

// Whether a YAML file is a serve file (it has `arrivals`), for `sweep`'s base.
bool is_serve_file(const std::string& path);

ServeConfig load_serve(const std::string& path, const std::vector<Override>& overrides = {});

}  // namespace ncore::config
