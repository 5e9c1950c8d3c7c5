#include "serve/serve_run.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <sstream>

#include "config/config_error.h"
#include "planner/capacity.h"
#include "report/files.h"
#include "report/outputs.h"
#include "report/sweep_tables.h"
#include "sim/run_point.h"

namespace ncore::serve {
namespace {

using json = nlohmann::ordered_json;

// mean, p50, p90, p99 (nearest rank) of the values; nulls when there are none.
json stats_of(std::vector<double> v) {
  json j;
  if (v.empty()) {
    for (const char* k : {"mean", "p50", "p90", "p99"}) j[k] = nullptr;
    return j;
  }
  std::sort(v.begin(), v.end());
  double sum = 0;
  for (double x : v) sum += x;
  j["mean"] = sum / static_cast<double>(v.size());
  for (const auto& [k, p] : {std::pair{"p50", 50.0}, {"p90", 90.0}, {"p99", 99.0}}) {
    const auto rank = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(v.size())));
    j[k] = v[std::max<size_t>(rank, 1) - 1];
  }
  return j;
}

// Time per output token after the first: (end - first token) / (output - 1); none for 1 token.
double tpot(const Request& r, const Outcome& o) {
  return r.output > 1 ? (o.end_s - o.first_token_s) / static_cast<double>(r.output - 1) : -1;
}

config::GridConfig union_grid(const std::vector<config::ServeConfig>& points) {
  std::set<uint64_t> b, c, s;
  for (const auto& sc : points) {
    const config::GridConfig g = choose_grid(sc);
    b.insert(g.batches.begin(), g.batches.end());
    c.insert(g.contexts.begin(), g.contexts.end());
    s.insert(g.sequences.begin(), g.sequences.end());
  }
  return config::GridConfig{{b.begin(), b.end()}, {c.begin(), c.end()}, {s.begin(), s.end()}};
}

json play(const config::ServeConfig& sc, const StepTable& steps, const std::string& dir) {
  const std::vector<Request> reqs = make_requests(sc.arrivals);
  const KvBudget kv = kv_budget(sc);
  const Schedule s = simulate_copies(reqs, sc.scheduler, steps, kv, sc.base.deployment.cores);
  report::make_dirs(dir);
  report::write_file(dir + "/config.yaml", sc.resolved);
  report::write_file(dir + "/requests.csv", requests_csv(reqs, s));
  json j = report::summary_head(sc.base);
  j.erase("batch");
  j["serve"] = serve_summary(sc, reqs, s, kv);
  j["steps"]["decode_points"] = steps.decode_s.size();
  j["steps"]["prefill_points"] = steps.prefill_s.size();
  report::write_file(dir + "/summary.json", j.dump(2) + "\n");
  return j;
}

// The base run as the grid loads it (config::ServeConfig::grid_base), in dir/grid/base.yaml.
void write_grid_base(config::ServeConfig& sc, const std::string& dir) {
  report::make_dirs(dir + "/grid");
  sc.grid_base = dir + "/grid/base.yaml";
  report::write_file(sc.grid_base, sc.grid_base_yaml);
}

}  // namespace

KvBudget kv_budget(const config::ServeConfig& sc) {
  KvBudget kv;
  // One token of one sequence: a prefill of 1 token writes one entry per K and V tensor.
  config::RunConfig one = config::load_run(sc.grid_base, [&] {
    auto o = sc.base_overrides;
    o.push_back({"phase", "prefill", "serve"});
    o.push_back({"sequence", "1", "serve"});
    o.push_back({"batch", "1", "serve"});
    return o;
  }());
  const planner::DramNeed need = planner::dram_need(one);
  kv.bytes_per_token = std::max<uint64_t>(need.kv_bytes_per_seq, 1);
  if (need.capacity) {  // one copy's share (a data-parallel core's)
    const uint64_t share = need.capacity / need.copies;
    const uint64_t room = share > need.weight_bytes ? share - need.weight_bytes : 0;
    kv.tokens = room / kv.bytes_per_token;
  }
  return kv;
}

json serve_summary(const config::ServeConfig& sc, const std::vector<Request>& reqs,
                   const Schedule& s, const KvBudget& kv) {
  std::vector<double> ttft, tp, lat;
  uint64_t tokens = 0, done = 0, rejected = 0;
  double first = reqs.empty() ? 0 : reqs.front().arrival_s, last = first;
  for (size_t i = 0; i < reqs.size(); ++i) {
    const Outcome& o = s.out[i];
    if (o.rejected) ++rejected;
    if (o.end_s < 0) continue;
    ++done;
    tokens += reqs[i].output;
    last = std::max(last, o.end_s);
    ttft.push_back(o.first_token_s - reqs[i].arrival_s);
    lat.push_back(o.end_s - reqs[i].arrival_s);
    if (reqs[i].output > 1) tp.push_back(tpot(reqs[i], o));
  }
  const double span = last - first;
  const double arrivals = reqs.empty() ? 0 : reqs.back().arrival_s - first;
  json j;
  j["policy"] = config::policy_name(sc.scheduler.policy);
  j["cores"] = sc.base.deployment.cores;
  j["max_batch"] = sc.scheduler.max_batch;
  j["offered_requests_per_s"] =
      sc.arrivals.rate > 0 ? sc.arrivals.rate
                           : (arrivals > 0 ? static_cast<double>(reqs.size() - 1) / arrivals : 0.0);
  j["requests"] = reqs.size();
  j["requests_completed"] = done;
  j["requests_rejected"] = rejected;
  j["makespan_s"] = span;
  j["tokens_per_s"] = span > 0 ? static_cast<double>(tokens) / span : 0.0;
  j["requests_per_s"] = span > 0 ? static_cast<double>(done) / span : 0.0;
  j["ttft_s"] = stats_of(ttft);
  j["tpot_s"] = stats_of(tp);
  j["latency_s"] = stats_of(lat);
  j["mean_batch"] = s.mean_batch;
  j["decode_steps"] = s.decode_steps;
  j["prefill_steps"] = s.prefill_steps;
  j["kv_peak_bytes"] = s.kv_peak_bytes;
  j["kv_bytes_per_token"] = kv.bytes_per_token;
  j["kv_capacity_tokens"] =
      kv.tokens == std::numeric_limits<uint64_t>::max() ? json(nullptr) : json(kv.tokens);
  return j;
}

std::string requests_csv(const std::vector<Request>& reqs, const Schedule& s) {
  std::ostringstream o;
  o.precision(12);
  o << "id,arrival_s,prompt_tokens,output_tokens,first_token_s,end_s,ttft_s,tpot_s,latency_s,"
       "status\n";
  for (size_t i = 0; i < reqs.size(); ++i) {
    const Request& r = reqs[i];
    const Outcome& x = s.out[i];
    o << i << ',' << r.arrival_s << ',' << r.prompt << ',' << r.output << ',';
    if (x.end_s < 0) {
      o << ",,,,," << (x.rejected ? "rejected" : "unserved") << '\n';
      continue;
    }
    o << x.first_token_s << ',' << x.end_s << ',' << x.first_token_s - r.arrival_s << ',';
    if (r.output > 1) o << tpot(r, x);
    o << ',' << x.end_s - r.arrival_s << ",done\n";
  }
  return o.str();
}

int run_serve(config::ServeConfig sc, const ServeOptions& opt) {
  report::make_dirs(opt.out_dir);
  write_grid_base(sc, opt.out_dir);
  StepTable steps;
  try {
    steps = simulate_steps(sc, choose_grid(sc), opt.out_dir, opt.jobs);
  } catch (const GridInfeasible& e) {
    spdlog::error("{}: {}", sc.file, e.what());
    return sim::kExitInfeasible;
  }
  report::write_file(opt.out_dir + "/steps.csv", steps_csv(steps));
  const json j = play(sc, steps, opt.out_dir);
  const json& s = j["serve"];
  spdlog::info("{} {} max_batch {}: {} requests, {:.1f} tokens/s, P99 TTFT {} s, P99 TPOT {} s",
               sc.base.model.name, s["policy"].get<std::string>(), sc.scheduler.max_batch,
               s["requests_completed"].get<uint64_t>(), s["tokens_per_s"].get<double>(),
               s["ttft_s"]["p99"].dump(), s["tpot_s"]["p99"].dump());
  return 0;
}

int run_serve_sweep(const config::SweepConfig& sw, const ServeOptions& opt) {
  for (const auto& ax : sw.axes)
    if (ax.key.rfind("arrivals.", 0) != 0 && ax.key.rfind("scheduler.", 0) != 0)
      throw config::ConfigError(sw.file + ": axes: " + ax.key +
                                ": a serve sweep varies arrivals.* and scheduler.* keys (its "
                                "points share one step grid)");
  std::vector<config::ServeConfig> points;  // each resolved (and checked) first
  for (size_t i = 0; i < sw.points; ++i)
    points.push_back(config::load_serve(sw.base_run, sw.point(i).overrides));
  report::make_dirs(opt.out_dir);
  for (auto& p : points) write_grid_base(p, opt.out_dir);
  const config::ServeConfig& grid_base = points.front();
  StepTable steps;
  try {
    steps = simulate_steps(grid_base, union_grid(points), opt.out_dir, opt.jobs);
  } catch (const GridInfeasible& e) {
    spdlog::error("{}: {}", sw.file, e.what());
    return sim::kExitInfeasible;
  }
  report::write_file(opt.out_dir + "/steps.csv", steps_csv(steps));
  std::vector<report::SweepRow> rows;
  std::vector<std::string> axes;
  for (const auto& ax : sw.axes) axes.push_back(ax.key);
  for (size_t i = 0; i < points.size(); ++i) {
    const config::SweepPoint pt = sw.point(i);
    rows.push_back(
        report::SweepRow{pt.id, pt.axis_values, play(points[i], steps, opt.out_dir + "/" + pt.id)});
  }
  std::vector<report::SweepRowHead> heads;
  for (const auto& r : rows) heads.push_back({r.point, r.axis_values});
  std::string csv;
  report::write_sweep_csv(
      axes, heads, [&](size_t r) { return rows[r].summary; },
      [&](std::string_view line) { csv += line; });
  report::write_file(opt.out_dir + "/sweep.csv", csv);
  spdlog::info("serve sweep: {} points in {}", points.size(), opt.out_dir);
  return 0;
}

}  // namespace ncore::serve
