// Loads a sweep file and resolves every point (see sweep_config.h).
#include "config/sweep_config.h"

#include <cstdio>
#include <filesystem>

#include "config/yaml_reader.h"

namespace fs = std::filesystem;

namespace ncore::config {

std::string point_id(size_t index, size_t total) {
  const int width = total <= 100 ? 2 : total <= 1000 ? 3 : 5;
  char id[24];
  std::snprintf(id, sizeof id, "p%0*zu", width, index);
  return id;
}

SweepPoint SweepConfig::point(size_t i) const {
  SweepPoint pt;
  pt.id = point_id(i, points);
  pt.overrides = sets;
  std::vector<size_t> idx(axes.size());
  for (size_t a = axes.size(); a-- > 0;) {  // the last axis innermost
    idx[a] = i % axes[a].values.size();
    i /= axes[a].values.size();
  }
  for (size_t a = 0; a < axes.size(); ++a) {
    const auto& ax = axes[a];
    pt.axis_values.push_back(ax.values[idx[a]]);
    pt.overrides.push_back(Override{ax.key, ax.values[idx[a]], ax.origins[idx[a]]});
  }
  return pt;
}

SweepConfig load_sweep(const std::string& path, const std::vector<Override>& cli_sets) {
  SweepConfig sc;
  sc.file = path;
  auto src = std::make_shared<Source>(Source{path, {}});
  MapReader root(load_yaml_file(path), src, "");
  const std::string base = root.get("base", text());
  sc.base_run =
      existing_file(root, "base", base, fs::path(path).parent_path().string(), "base run file");
  MapReader axes = root.map("axes");
  if (axes.node().size() > kMaxSweepAxes)
    root.fail("axes", std::to_string(axes.node().size()) + " axes, more than the limit of " +
                          std::to_string(kMaxSweepAxes));
  for (auto it = axes.node().begin(); it != axes.node().end(); ++it) {
    SweepAxis ax;
    ax.key = it->first.Scalar();
    const YAML::Node vals = axes.raw(ax.key, true);
    if (!vals.IsSequence() || vals.size() == 0)
      axes.fail_at(vals, ax.key, "expected a non-empty list of values");
    for (const auto& v : vals) {
      if (!v.IsScalar()) axes.fail_at(v, ax.key, "expected a scalar value");
      ax.values.push_back(v.Scalar());
      ax.origins.push_back(location(path, v));
    }
    sc.axes.push_back(std::move(ax));
  }
  if (sc.axes.empty()) root.fail("axes", "a sweep needs at least one axis");
  sc.slo_s = root.get("slo", time_s(), 0.0);
  if (root.has("slo") && sc.slo_s <= 0) root.fail("slo", "expected a positive latency bound");
  root.finish();

  // The cartesian product, first axis outermost.
  size_t total = 1;
  for (const auto& ax : sc.axes) {  // checked per axis: the product of many axes could wrap
    total *= ax.values.size();
    if (total > kMaxSweepPoints)
      root.fail("axes", "more than " + std::to_string(kMaxSweepPoints) + " points");
  }
  sc.sets = cli_sets;
  sc.points = total;
  return sc;
}

}  // namespace ncore::config
