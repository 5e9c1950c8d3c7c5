// Loads a serve file (see serve_config.h).
#include "config/serve_config.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "config/config_error.h"
#include "config/yaml_reader.h"

namespace fs = std::filesystem;

namespace ncore::config {
namespace {

constexpr uint64_t kMostRequests = 10'000'000;  // a run's requests (memory: ~100 bytes each)
constexpr int64_t kMostTokens = 1 << 24;

bool serve_key(const std::string& key) {
  for (const char* p : {"arrivals.", "scheduler.", "grid."})
    if (key.rfind(p, 0) == 0) return true;
  return false;
}

LengthDist read_length(MapReader r) {
  LengthDist d;
  const std::string kind = r.get("dist", one_of({"fixed", "uniform", "lognormal"}), "fixed");
  const auto tokens = integer_in(1, kMostTokens);
  if (kind == "fixed") {
    d.tokens = static_cast<uint64_t>(r.get("tokens", tokens));
  } else {
    d.kind = kind == "uniform" ? LengthDist::Kind::uniform : LengthDist::Kind::lognormal;
    d.min = static_cast<uint64_t>(r.get("min", tokens, int64_t{1}));
    d.max = static_cast<uint64_t>(r.get("max", tokens));
    if (d.max < d.min) r.fail("max", "below min (" + std::to_string(d.min) + ")");
    if (d.kind == LengthDist::Kind::lognormal) {
      d.median = r.get("median", number_in(1, 1e7));
      d.sigma = r.get("sigma", number_in(0, 10));
    }
  }
  r.finish();
  return d;
}

// One CSV cell of the trace as a number, or an error naming the file, line and column.
double cell(const std::string& file, size_t line, const std::string& col, const std::string& v,
            double lo, double hi) {
  size_t used = 0;
  double x = 0;
  try {
    x = std::stod(v, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != v.size() || !(x >= lo && x <= hi))
    throw ConfigError(file + ":" + std::to_string(line) + ": " + col + ": expected a number in [" +
                      std::to_string(lo) + ", " + std::to_string(hi) + "], got '" + v + "'");
  return x;
}

std::vector<std::string> split_csv(const std::string& line) {
  std::vector<std::string> out;
  std::stringstream ss(line);
  std::string c;
  while (std::getline(ss, c, ',')) out.push_back(c);
  if (!line.empty() && line.back() == ',') out.emplace_back();
  return out;
}

// The trace CSV: a header naming arrival_s, prompt_tokens and output_tokens (any order, other
// columns ignored), then one request per line in arrival order.
std::vector<TraceRequest> read_trace(MapReader& r, const std::string& path) {
  std::ifstream in(path);
  std::string line;
  if (!std::getline(in, line)) r.fail("trace", path + " is empty: expected a header line");
  if (!line.empty() && line.back() == '\r') line.pop_back();
  const auto head = split_csv(line);
  int at[3] = {-1, -1, -1};
  const char* names[3] = {"arrival_s", "prompt_tokens", "output_tokens"};
  for (size_t i = 0; i < head.size(); ++i)
    for (int k = 0; k < 3; ++k)
      if (head[i] == names[k]) at[k] = static_cast<int>(i);
  for (int k = 0; k < 3; ++k)
    if (at[k] < 0) r.fail("trace", path + ":1: no column " + names[k]);
  std::vector<TraceRequest> rows;
  for (size_t n = 2; std::getline(in, line); ++n) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    const auto cells = split_csv(line);
    for (int k = 0; k < 3; ++k)
      if (static_cast<size_t>(at[k]) >= cells.size())
        throw ConfigError(path + ":" + std::to_string(n) + ": " + names[k] + ": missing");
    TraceRequest t;
    t.arrival_s = cell(path, n, names[0], cells[static_cast<size_t>(at[0])], 0, 1e9);
    t.prompt_tokens = static_cast<uint64_t>(
        cell(path, n, names[1], cells[static_cast<size_t>(at[1])], 1, kMostTokens));
    t.output_tokens = static_cast<uint64_t>(
        cell(path, n, names[2], cells[static_cast<size_t>(at[2])], 1, kMostTokens));
    if (!rows.empty() && t.arrival_s < rows.back().arrival_s)
      throw ConfigError(path + ":" + std::to_string(n) + ": arrival_s: " +
                        "before the previous request's: a trace lists requests in arrival order");
    rows.push_back(t);
    if (rows.size() > kMostRequests)
      r.fail("trace", path + ": more than " + std::to_string(kMostRequests) + " requests");
  }
  if (rows.empty()) r.fail("trace", path + " holds no requests (only a header)");
  return rows;
}

void read_arrivals(MapReader r, const std::string& dir, ArrivalConfig& a) {
  if (r.has("trace") == r.has("rate"))
    r.fail(r.has("trace") ? "rate" : "rate",
           "give either `rate` (Poisson arrivals, requests/s) or `trace` (a CSV), not both");
  a.seed = static_cast<uint64_t>(r.get("seed", integer_in(0, INT64_MAX), int64_t{1}));
  if (r.has("rate")) {
    a.rate = r.get("rate", number_in(1e-6, 1e9));
    a.requests = static_cast<uint64_t>(
        r.get("requests", integer_in(1, static_cast<int64_t>(kMostRequests)), int64_t{1000}));
    a.prompt = read_length(r.map("prompt"));
    a.output = read_length(r.map("output"));
  } else {
    a.trace = existing_file(r, "trace", r.get("trace", text()), dir, "trace CSV");
    a.trace_rows = read_trace(r, a.trace);
    a.requests = a.trace_rows.size();
  }
  r.finish();
}

void read_scheduler(MapReader r, SchedulerConfig& s) {
  const std::string p = r.get("policy", one_of({"static", "continuous"}));
  s.policy = p == "static" ? SchedulerPolicy::static_batching : SchedulerPolicy::continuous;
  s.max_batch = static_cast<uint64_t>(r.get("max_batch", integer_in(1, 4096)));
  s.timeout_s = r.get("timeout", time_s(0, 1e3), 0.05);
  s.chunked = r.get("prefill", one_of({"separate", "chunked"}), "separate") == "chunked";
  s.chunk = static_cast<uint64_t>(r.get("chunk", integer_in(1, kMostTokens), int64_t{256}));
  s.queue_limit = static_cast<uint64_t>(r.get("queue_limit", integer_in(0, INT64_MAX), 0));
  if (s.policy == SchedulerPolicy::static_batching && r.has("prefill") && s.chunked)
    r.fail("prefill", "chunked prefill is continuous batching's (policy: continuous)");
  r.finish();
}

std::vector<uint64_t> read_points(MapReader& r, const std::string& key) {
  std::vector<uint64_t> v;
  if (!r.has(key)) return v;
  for (const auto& e : r.seq(key)) {
    int64_t x = 0;
    try {
      x = integer_in(1, kMostTokens).parse(e.IsScalar() ? e.Scalar() : "");
    } catch (const std::exception& ex) {
      r.fail_at(e, key, ex.what());
    }
    if (!v.empty() && static_cast<uint64_t>(x) <= v.back())
      r.fail_at(e, key, "expected increasing values");
    v.push_back(static_cast<uint64_t>(x));
  }
  if (v.size() < 2) r.fail(key, "expected at least 2 points to interpolate between");
  return v;
}

// Every request's prompt plus output within the model's max_context.
void check_lengths(MapReader& root, const ServeConfig& sc) {
  const uint64_t most = sc.base.model.max_context;
  if (!most) return;
  const auto& a = sc.arrivals;
  if (a.trace.empty()) {
    if (a.prompt.largest() + a.output.largest() > most)
      root.fail("arrivals", "prompts up to " + std::to_string(a.prompt.largest()) +
                                " tokens and outputs up to " + std::to_string(a.output.largest()) +
                                " make a context beyond the model's max_context (" +
                                std::to_string(most) + ")");
    return;
  }
  uint64_t prompt = 0, output = 0;
  for (const auto& t : a.trace_rows) {
    prompt = std::max(prompt, t.prompt_tokens);
    output = std::max(output, t.output_tokens);
  }
  if (sc.scheduler.policy == SchedulerPolicy::static_batching && prompt + output > most)
    root.fail("scheduler", "static batching pads a batch to its longest prompt (" +
                               std::to_string(prompt) +
                               " tokens in the trace) plus its longest "
                               "output (" +
                               std::to_string(output) +
                               "): a context beyond the "
                               "model's max_context (" +
                               std::to_string(most) + ")");
  for (size_t i = 0; i < a.trace_rows.size(); ++i)
    if (a.trace_rows[i].prompt_tokens + a.trace_rows[i].output_tokens > most)
      throw ConfigError(a.trace + ":" + std::to_string(i + 2) +
                        ": prompt_tokens + output_tokens is a context beyond the model's "
                        "max_context (" +
                        std::to_string(most) + ")");
}

// The base run file without the keys the step grid sets per point, its paths absolute.
std::string grid_base_text(const std::string& base_file) {
  YAML::Node t = load_yaml_file(base_file);
  for (const char* k : {"phase", "sequence", "context", "batch"}) t.remove(k);
  const fs::path dir = fs::absolute(base_file).parent_path();
  if (t["hw"] && t["hw"].IsScalar()) t["hw"] = (dir / t["hw"].Scalar()).lexically_normal().string();
  t["model"] = (dir / t["model"].Scalar()).lexically_normal().string();
  t["batch"] = 1;
  return "# the base run of the serve's step grid (phase, sequence, context and batch per "
         "point)\n" +
         YAML::Dump(t) + "\n";
}

}  // namespace

const char* policy_name(SchedulerPolicy p) {
  return p == SchedulerPolicy::static_batching ? "static" : "continuous";
}

bool is_serve_file(const std::string& path) {
  try {
    const YAML::Node n = load_yaml_file(path);
    return n.IsMap() && n["arrivals"];
  } catch (const ConfigError&) {
    return false;
  }
}

ServeConfig load_serve(const std::string& path, const std::vector<Override>& overrides) {
  ServeConfig sc;
  sc.file = path;
  YAML::Node tree = load_yaml_file(path);
  auto src = std::make_shared<Source>(Source{path, {}});
  if (!tree.IsMap()) MapReader(tree, src, "");  // throws with the file's name
  for (const auto& o : overrides) {
    if (!serve_key(o.key)) {
      sc.base_overrides.push_back(o);
      continue;
    }
    set_path(tree, o.key, load_yaml_string(o.value, o.origin), o.origin);
    src->overrides[o.key] = o.origin;
  }
  MapReader root(tree, src, "");
  const std::string dir = fs::path(path).parent_path().string();
  sc.base_file = existing_file(root, "base", root.get("base", text()), dir, "base run file");
  sc.base = load_run(sc.base_file, sc.base_overrides);
  if (!sc.base.model.decoder)
    root.fail("base", "the model '" + sc.base.model.name +
                          "' is not a decoder-only language model (`decoder: true`): serve "
                          "plays prefills and decode steps");
  if (sc.base.deployment.mode == DeploymentMode::pipeline)
    root.fail("base",
              "serve plays requests against one core or data-parallel cores; "
              "deployment.mode pipeline is not served yet");
  read_arrivals(root.map("arrivals"), dir, sc.arrivals);
  read_scheduler(root.map("scheduler"), sc.scheduler);
  if (auto g = root.opt_map("grid")) {
    sc.grid.batches = read_points(*g, "batches");
    sc.grid.contexts = read_points(*g, "contexts");
    sc.grid.sequences = read_points(*g, "sequences");
    g->finish();
  }
  check_lengths(root, sc);
  root.finish();
  tree["base"] = fs::absolute(sc.base_file).lexically_normal().string();
  sc.grid_base_yaml = grid_base_text(sc.base_file);
  sc.resolved = YAML::Dump(tree) + "\n";
  return sc;
}

}  // namespace ncore::config
