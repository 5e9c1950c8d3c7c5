#include "serve/step_grid.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

#include "config/sweep_config.h"
#include "report/files.h"
#include "sim/sweep.h"

namespace ncore::serve {
namespace {

// n + 1 points from 1 to `most`, evenly spaced (deduplicated, increasing).
std::vector<uint64_t> spaced(uint64_t most, uint64_t n) {
  std::vector<uint64_t> v{1};
  for (uint64_t k = 1; k <= n; ++k) {
    const uint64_t x = std::max<uint64_t>(1, most * k / n);
    if (x > v.back()) v.push_back(x);
  }
  return v;
}

// The index i with axis[i] <= x < axis[i + 1] (clamped to the first and last intervals), and
// x's fraction of that interval (below 0 or above 1 outside the axis: extrapolation).
double locate(const std::vector<uint64_t>& axis, double x, size_t& i) {
  if (axis.size() == 1) {
    i = 0;
    return 0;
  }
  i = 0;
  while (i + 2 < axis.size() && x >= static_cast<double>(axis[i + 1])) ++i;
  const double lo = static_cast<double>(axis[i]), hi = static_cast<double>(axis[i + 1]);
  return (x - lo) / (hi - lo);
}

double bilinear(const std::vector<uint64_t>& rows, const std::vector<uint64_t>& cols,
                const std::vector<double>& v, double r, double c) {
  size_t i = 0, j = 0;
  const double fr = locate(rows, r, i), fc = locate(cols, c, j);
  auto at = [&](size_t a, size_t b) { return v[a * cols.size() + b]; };
  auto row = [&](size_t a) {
    return cols.size() == 1 ? at(a, 0) : at(a, j) + fc * (at(a, j + 1) - at(a, j));
  };
  if (rows.size() == 1) return row(0);
  return row(i) + fr * (row(i + 1) - row(i));
}

std::vector<std::string> texts(const std::vector<uint64_t>& v) {
  std::vector<std::string> out;
  for (uint64_t x : v) out.push_back(std::to_string(x));
  return out;
}

// One phase's grid through the sweep driver: axes batch and `tokens_key`, every point with
// `phase` and an unbounded DRAM (the scheduler keeps to the capacity itself).
std::vector<double> run_grid(const config::ServeConfig& sc, const char* phase,
                             const std::vector<uint64_t>& batches, const char* tokens_key,
                             const std::vector<uint64_t>& tokens, const std::string& dir,
                             unsigned jobs) {
  config::SweepConfig sw;
  sw.file = sc.file;
  sw.base_run = sc.grid_base;
  sw.sets = sc.base_overrides;
  const std::string origin = "serve step grid";
  sw.sets.push_back({"phase", phase, origin});
  sw.sets.push_back({"hw.dram.capacity", std::to_string(uint64_t{1} << 50), origin});
  if (sc.base.hw.chip)  // a data-parallel base: its copies share the chip's DRAM
    sw.sets.push_back({"hw.chip.dram.capacity", std::to_string(uint64_t{1} << 50), origin});
  sw.sets.push_back({"options.functional", "false", origin});
  sw.axes.push_back(
      config::SweepAxis{"batch", texts(batches), std::vector<std::string>(batches.size(), origin)});
  sw.axes.push_back(config::SweepAxis{tokens_key, texts(tokens),
                                      std::vector<std::string>(tokens.size(), origin)});
  sw.points = batches.size() * tokens.size();
  sim::SweepOptions opt;
  opt.out_dir = dir;
  opt.jobs = jobs;
  opt.force = true;
  opt.resume = true;  // a serve run again over the same grid reuses its points
  const int code = sim::run_sweep(sw, opt);
  if (code != 0)
    throw std::runtime_error("the step grid's " + std::string(phase) + " points failed (exit " +
                             std::to_string(code) + "): see " + dir);
  std::vector<double> s;
  for (size_t i = 0; i < sw.points; ++i) {
    const auto j =
        nlohmann::json::parse(std::ifstream(dir + "/" + sw.point(i).id + "/summary.json"));
    if (j["seconds"].is_null())
      throw GridInfeasible(
          "step grid point " + sw.point(i).id + " (" + phase + ", batch " +
          sw.point(i).axis_values[0] + ", " + tokens_key + " " + sw.point(i).axis_values[1] +
          ") does not fit: " + j["infeasible"]["reason"].get<std::string>() + " (see " + dir +
          "; a smaller scheduler.max_batch or shorter requests may fit)");
    s.push_back(j["seconds"].get<double>() + j["host"]["overhead_s"].get<double>());
  }
  return s;
}

}  // namespace

void StepTable::fit_rows() {
  stair.clear();
  if (!tile || contexts.size() < 4) return;
  for (size_t i = 0; i < batches.size(); ++i) {
    // The normal equations of min |X w - y|^2, X rows (1, L, ceil((L+1)/T)), by Cramer's rule.
    double m[3][3] = {}, v[3] = {};
    for (size_t j = 0; j < contexts.size(); ++j) {
      const double L = static_cast<double>(contexts[j]);
      const double x[3] = {1, L, std::ceil((L + 1) / static_cast<double>(tile))};
      for (int r = 0; r < 3; ++r) {
        v[r] += x[r] * decode_s[i * contexts.size() + j];
        for (int c = 0; c < 3; ++c) m[r][c] += x[r] * x[c];
      }
    }
    auto det = [](const double a[3][3]) {
      return a[0][0] * (a[1][1] * a[2][2] - a[1][2] * a[2][1]) -
             a[0][1] * (a[1][0] * a[2][2] - a[1][2] * a[2][0]) +
             a[0][2] * (a[1][0] * a[2][1] - a[1][1] * a[2][0]);
    };
    const double d = det(m);
    if (std::abs(d) < 1e-30) {  // degenerate (all contexts within one tile): no fit
      stair.clear();
      return;
    }
    double a[3][3];  // c, the third unknown: m with its third column replaced by v
    for (int r = 0; r < 3; ++r)
      for (int c = 0; c < 3; ++c) a[r][c] = c == 2 ? v[r] : m[r][c];
    stair.push_back(det(a) / d);
  }
}

double StepTable::decode(double batch, double context) const {
  if (stair.empty()) return bilinear(batches, contexts, decode_s, batch, context);
  auto steps = [&](double L) { return std::ceil((L + 1) / static_cast<double>(tile)); };
  // Row i along the context: the fitted staircase c·ceil((L+1)/T) plus the rest interpolated
  // linearly between the row's points (the rest bends: KV traffic hides behind the weights'
  // until the DMA saturates).
  size_t j = 0;
  const double fc = locate(contexts, context, j);
  auto row = [&](size_t i) {
    const double c = stair[i];
    const double lo =
        decode_s[i * contexts.size() + j] - c * steps(static_cast<double>(contexts[j]));
    const double hi =
        decode_s[i * contexts.size() + j + 1] - c * steps(static_cast<double>(contexts[j + 1]));
    return lo + fc * (hi - lo) + c * steps(context);
  };
  size_t i = 0;
  const double f = locate(batches, batch, i);
  if (batches.size() == 1) return row(0);
  return row(i) + f * (row(i + 1) - row(i));
}

double StepTable::prefill(double batch, double sequence) const {
  return bilinear(batches, sequences, prefill_s, batch, sequence);
}

config::GridConfig choose_grid(const config::ServeConfig& sc) {
  config::GridConfig g = sc.grid;
  const auto& s = sc.scheduler;
  const auto& a = sc.arrivals;
  if (g.batches.empty()) {
    if (s.policy == config::SchedulerPolicy::static_batching) {
      g.batches = {s.max_batch};
    } else {
      for (uint64_t b = 1; b < s.max_batch; b *= 2) {  // 1, 2, 3, 4, 6, 8, 12, ...
        g.batches.push_back(b);
        if (b >= 2 && b + b / 2 < s.max_batch) g.batches.push_back(b + b / 2);
      }
      g.batches.push_back(s.max_batch);
    }
  }
  // The longest context a step runs: static pads a batch to its longest prompt plus its longest
  // output; continuous runs each sequence to its own prompt plus output.
  uint64_t prompt = a.prompt.largest(), context = prompt + a.output.largest();
  if (!a.trace_rows.empty()) {
    uint64_t output = 1;
    prompt = context = 1;
    for (const auto& t : a.trace_rows) {
      prompt = std::max(prompt, t.prompt_tokens);
      output = std::max(output, t.output_tokens);
      context = std::max(context, t.prompt_tokens + t.output_tokens);
    }
    if (s.policy == config::SchedulerPolicy::static_batching) context = prompt + output;
  }
  if (g.contexts.empty()) g.contexts = spaced(context, 12);
  // A chunk may take tokens of several prompts: up to `chunk` (within the model's positions).
  const uint64_t most = sc.base.model.max_context ? sc.base.model.max_context : s.chunk;
  if (g.sequences.empty()) g.sequences = spaced(s.chunked ? std::min(s.chunk, most) : prompt, 5);
  return g;
}

StepTable simulate_steps(const config::ServeConfig& sc, const config::GridConfig& g,
                         const std::string& dir, unsigned jobs) {
  StepTable t;
  t.batches = g.batches;
  t.contexts = g.contexts;
  t.sequences = g.sequences;
  t.decode_s = run_grid(sc, "decode", g.batches, "context", g.contexts, dir + "/grid/decode", jobs);
  t.prefill_s =
      run_grid(sc, "prefill", g.batches, "sequence", g.sequences, dir + "/grid/prefill", jobs);
  t.tile = sc.base.hw.tensor_engine.cols;
  t.fit_rows();
  return t;
}

std::string steps_csv(const StepTable& t) {
  std::ostringstream o;
  o.precision(17);
  o << "phase,batch,tokens,seconds\n";
  for (size_t i = 0; i < t.batches.size(); ++i) {
    for (size_t j = 0; j < t.contexts.size(); ++j)
      o << "decode," << t.batches[i] << ',' << t.contexts[j] << ','
        << t.decode_s[i * t.contexts.size() + j] << '\n';
    for (size_t j = 0; j < t.sequences.size(); ++j)
      o << "prefill," << t.batches[i] << ',' << t.sequences[j] << ','
        << t.prefill_s[i * t.sequences.size() + j] << '\n';
  }
  return o.str();
}

StepTable read_steps_csv(const std::string& text, uint64_t tile) {
  StepTable t;
  t.tile = tile;
  std::istringstream in(text);
  std::string line;
  std::getline(in, line);
  struct Row {
    bool decode;
    uint64_t b, n;
    double s;
  };
  std::vector<Row> rows;
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    std::string phase, b, n, s;
    std::getline(ls, phase, ',');
    std::getline(ls, b, ',');
    std::getline(ls, n, ',');
    std::getline(ls, s, ',');
    rows.push_back(Row{phase == "decode", std::stoull(b), std::stoull(n), std::stod(s)});
  }
  auto add = [](std::vector<uint64_t>& v, uint64_t x) {
    if (std::find(v.begin(), v.end(), x) == v.end()) v.push_back(x);
  };
  for (const auto& r : rows) {
    add(t.batches, r.b);
    add(r.decode ? t.contexts : t.sequences, r.n);
  }
  for (const auto& r : rows) (r.decode ? t.decode_s : t.prefill_s).push_back(r.s);
  t.fit_rows();
  return t;
}

}  // namespace ncore::serve
