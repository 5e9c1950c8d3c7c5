// A sweep (configs/sweeps/*.yaml): a base run plus axes, each a dotted key of the run namespace
// with a list of values; the points are the cartesian product, first axis outermost. Every
// point is resolved (and so validated) before anything runs.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "config/run_config.h"

namespace ncore::config {

// Limits (README "Limits"): points, and axes. Each axis is a distinct key (about 110 exist);
// the bound keeps resolving a point cheap (yaml-cpp looks a key up by a linear search, so a
// point's overrides cost the square of their number: 40,000 axes took 3 minutes).
constexpr size_t kMaxSweepPoints = 100000;
constexpr size_t kMaxSweepAxes = 256;

struct SweepAxis {
  std::string key;
  std::vector<std::string> values;   // YAML text of each value
  std::vector<std::string> origins;  // file:line:col of each value
};

struct SweepPoint {
  std::string id;                        // p00, p01, ...
  std::vector<std::string> axis_values;  // one per axis, as written
  std::vector<Override> overrides;       // base overrides + this point's axis values
};

struct SweepConfig {
  std::string file;
  std::string base_run;  // resolved path of the base run file
  std::vector<SweepAxis> axes;
  std::vector<Override> sets;  // the --set overrides, every point's first
  size_t points = 0;           // the product of the axes' sizes
  double slo_s = 0;            // `slo`: a latency bound (0: none); the sweep then writes best.csv

  // Point i (from 0), made when asked: a 10,000-point sweep does not hold its points' overrides.
  SweepPoint point(size_t i) const;
};

// The id of point `index` (from 0) of a sweep of `total` points: p00..p99, p000..p999, then
// five digits (a sweep has at most 100000 points).
std::string point_id(size_t index, size_t total);

SweepConfig load_sweep(const std::string& path, const std::vector<Override>& cli_sets = {});

}  // namespace ncore::config
