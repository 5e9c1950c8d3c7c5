// Sweep driver: a forked child per point (see sweep.h). The parent never elaborates SystemC.
#include "sim/sweep.h"

#include <spdlog/spdlog.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "report/files.h"
#include "report/outputs.h"
#include "sim/run_point.h"

namespace ncore::sim {
namespace {

int child(const config::RunConfig& rc, const std::string& dir, const SweepOptions& opt) {
  try {
    return run_point(rc, dir, PointOptions{opt.trace});
  } catch (const report::OutputError& e) {
    spdlog::error("{}", e.what());
    return kExitIo;
  } catch (const std::exception& e) {
    spdlog::error("{}: internal error: {}", dir, e.what());
    return kExitInternal;
  }
}

}  // namespace

int run_sweep(const config::SweepConfig& sc, const SweepOptions& opt) {
  std::vector<config::RunConfig> runs;
  std::vector<report::SweepRow> rows;
  std::vector<std::string> axes;
  for (const auto& ax : sc.axes) axes.push_back(ax.key);
  for (const auto& pt : sc.points) {
    runs.push_back(config::load_run(sc.base_run, pt.overrides));  // throws ConfigError
    const std::string dir = opt.out_dir + "/" + pt.id;
    report::SweepRow row;
    row.point = pt.id;
    for (size_t a = 0; a < axes.size(); ++a) {
      // Base units where the key resolves to a value; the value as written for a path (hw,
      // model), which resolves to a mapping or to a path relative to the point.
      std::string v = config::resolved_value(runs.back(), axes[a], dir);
      if (v.empty() || axes[a] == "model") v = pt.axis_values[a];
      row.axis_values.push_back(v);
    }
    rows.push_back(std::move(row));
  }
  report::make_dirs(opt.out_dir);
  std::fflush(nullptr);

  std::map<pid_t, size_t> running;
  std::vector<int> codes(runs.size(), kExitInternal);
  size_t next = 0;
  while (next < runs.size() || !running.empty()) {
    while (next < runs.size() && running.size() < std::max(1u, opt.jobs)) {
      const std::string dir = opt.out_dir + "/" + sc.points[next].id;
      const pid_t pid = fork();
      if (pid < 0) throw std::runtime_error("fork failed");
      if (pid == 0) {
        const int code = child(runs[next], dir, opt);
        std::fflush(nullptr);
        _exit(code);
      }
      running[pid] = next++;
    }
    int status = 0;
    const pid_t done = waitpid(-1, &status, 0);
    if (done < 0) throw std::runtime_error("waitpid failed");
    const size_t i = running.at(done);
    running.erase(done);
    codes[i] = WIFEXITED(status) ? WEXITSTATUS(status) : kExitInternal;
    if (codes[i] != kExitOk && codes[i] != kExitInfeasible)
      spdlog::error("point {} failed (exit {})", sc.points[i].id, codes[i]);
  }

  bool failed = false;
  for (size_t i = 0; i < rows.size(); ++i) {
    if (codes[i] != kExitOk && codes[i] != kExitInfeasible) {
      failed = true;
      continue;
    }
    std::ifstream in(opt.out_dir + "/" + sc.points[i].id + "/summary.json");
    rows[i].summary = nlohmann::ordered_json::parse(in);
  }
  report::write_file(opt.out_dir + "/sweep.csv", report::sweep_csv(axes, rows));
  if (sc.slo_s > 0)
    report::write_file(opt.out_dir + "/best.csv", report::best_csv(axes, rows, sc.slo_s));
  spdlog::info("sweep: {} points, {} written", rows.size(), opt.out_dir + "/sweep.csv");
  return failed ? kExitInternal : kExitOk;
}

}  // namespace ncore::sim
