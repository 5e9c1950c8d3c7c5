// `ncoresim serve SERVE.yaml` and sweeps of serve files (issue 16): the step grid simulated once
// (serve/step_grid.h), the requests made (serve/requests.h) and played by the scheduler
// (serve/scheduler.h); outputs in DIR: config.yaml (the serve file resolved), steps.csv,
// requests.csv (a row per request) and summary.json (its `serve` block). A sweep whose base is a
// serve file varies `arrivals.*` and `scheduler.*` keys: one grid covers every point (the union
// of their axes), then each point's requests and schedule in DIR/<point>/, and DIR/sweep.csv.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "config/serve_config.h"
#include "config/sweep_config.h"
#include "serve/scheduler.h"

namespace ncore::serve {

struct ServeOptions {
  std::string out_dir;
  unsigned jobs = 1;
};

// The DRAM a sequence's KV cache may take: the capacity left beside the weights, in tokens.
KvBudget kv_budget(const config::ServeConfig& sc);

// The `serve` block of summary.json, and requests.csv, of one schedule.
nlohmann::ordered_json serve_summary(const config::ServeConfig& sc,
                                     const std::vector<Request>& reqs, const Schedule& s,
                                     const KvBudget& kv);
std::string requests_csv(const std::vector<Request>& reqs, const Schedule& s);

// Exit codes as `run`'s: 0, or 4 when an output could not be written (report::OutputError).
int run_serve(config::ServeConfig sc, const ServeOptions& opt);
int run_serve_sweep(const config::SweepConfig& sw, const ServeOptions& opt);

}  // namespace ncore::serve
