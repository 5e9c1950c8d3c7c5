// Sweep driver: a forked child per point (see sweep.h). The parent never elaborates SystemC.
// While children run, the parent blocks SIGINT, SIGTERM and SIGCHLD and takes them with
// sigtimedwait, so a stop request is never lost between two waitpid calls.
#include "sim/sweep.h"

#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "base/strings.h"
#include "planner/plan_error.h"
#include "report/files.h"
#include "report/outputs.h"
#include "sim/progress.h"
#include "sim/run_point.h"
#include "sim/sweep_folder.h"

namespace ncore::sim {
namespace {

namespace fs = std::filesystem;

// A resolved point.
struct Point {
  std::string id;
  config::RunConfig rc;
  std::string config_yaml;  // the config.yaml its folder records
};

bool succeeded(int code) {
  return code == kExitOk || code == kExitInfeasible;
}

// The test hook of sweep.h.
void hold_if_asked(const std::string& id) {
  const char* hold = std::getenv("NCORESIM_TEST_HOLD_POINT");
  if (hold == nullptr || id != hold) return;
  for (int i = 0; i < 3000; ++i) ::usleep(100000);  // 5 minutes: longer than any test waits
}

// The child of one point: dies with the parent, writes the point into `dir`, exits with its code.
[[noreturn]] void child(const Point& pt, const std::string& dir, const SweepOptions& opt,
                        pid_t parent, const sigset_t& mask) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) ::_exit(kExitInternal);  // the parent died before prctl
  ::sigprocmask(SIG_SETMASK, &mask, nullptr);
  if (opt.progress)
    spdlog::set_level(spdlog::level::warn);  // the status line stands for the per-point lines
  int code = kExitInternal;
  try {
    code = run_point(pt.rc, dir, PointOptions{opt.trace});
  } catch (const report::OutputError& e) {
    spdlog::error("{}", e.what());
    code = kExitIo;
  } catch (const planner::PlanError& e) {
    spdlog::error("{}: {}", pt.id, e.what());
    code = kExitBadInput;
  } catch (const std::exception& e) {
    spdlog::error("{}: internal error: {}", pt.id, e.what());
  }
  hold_if_asked(pt.id);
  std::fflush(nullptr);
  ::_exit(code);
}

// The children of a sweep: up to `jobs` at once, each committed or discarded by the parent when
// it ends; stopped by SIGINT or SIGTERM.
class Runner {
 public:
  Runner(const std::vector<Point>& pts, const SweepFolder& folder, const SweepOptions& opt,
         std::vector<int>& codes, Progress& progress)
      : m_pts(pts), m_folder(folder), m_opt(opt), m_codes(codes), m_progress(progress) {}

  // Runs the points `todo` (indices); returns 0, or the signal that stopped the sweep.
  int run(const std::vector<size_t>& todo) {
    sigset_t waited;
    sigemptyset(&waited);
    for (int s : {SIGINT, SIGTERM, SIGCHLD}) sigaddset(&waited, s);
    ::sigprocmask(SIG_BLOCK, &waited, &m_mask);
    std::fflush(nullptr);
    size_t next = 0;
    int stop = 0;
    while (stop == 0 && (next < todo.size() || !m_running.empty())) {
      while (next < todo.size() && m_running.size() < std::max(1u, m_opt.jobs)) start(todo[next++]);
      if (reap(WNOHANG)) continue;
      const timespec tick{1, 0};  // a bound on the wait, should a SIGCHLD be missed
      const int s = ::sigtimedwait(&waited, nullptr, &tick);
      if (s == SIGINT || s == SIGTERM) stop = s;
      if (s < 0) m_progress.redraw();  // a second without news: the time left, again
    }
    if (stop != 0) {
      while (reap(WNOHANG)) {
      }  // the points already finished are kept
      for (const auto& r : m_running) ::kill(r.first, SIGKILL);
      for (const auto& [pid, i] : m_running) {
        int status = 0;
        while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
        m_folder.discard_temp(m_pts[i].id);
      }
      m_running.clear();
    }
    ::sigprocmask(SIG_SETMASK, &m_mask, nullptr);
    return stop;
  }

 private:
  void start(size_t i) {
    const Point& pt = m_pts[i];
    m_folder.discard_temp(pt.id);
    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid == 0) child(pt, m_folder.temp_dir(pt.id), m_opt, parent, m_mask);
    if (pid < 0) {
      spdlog::error("point {}: cannot start a process: {}", pt.id, std::strerror(errno));
      m_codes[i] = kExitInternal;
      return;
    }
    m_running[pid] = i;
  }

  // Reaps one ended child (`flags` 0: waits for one); false when none ended.
  bool reap(int flags) {
    int status = 0;
    const pid_t pid = ::waitpid(-1, &status, flags);
    if (pid <= 0 || m_running.count(pid) == 0) return false;
    const size_t i = m_running.at(pid);
    m_running.erase(pid);
    const std::string& id = m_pts[i].id;
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : kExitInternal;
    if (WIFSIGNALED(status))
      spdlog::error("point {} was killed by signal {}", id, WTERMSIG(status));
    if (succeeded(code)) {
      try {
        m_folder.commit(id);
      } catch (const report::OutputError& e) {
        spdlog::error("{}", e.what());
        code = kExitIo;
      }
    }
    if (!succeeded(code)) {
      m_folder.discard(id);
      spdlog::error("point {} failed (exit {}{})", id, code,
                    code == kExitIo ? ": an output could not be written" : "");
    }
    m_codes[i] = code;
    m_progress.point_ended(!succeeded(code));
    return true;
  }

  const std::vector<Point>& m_pts;
  const SweepFolder& m_folder;
  const SweepOptions& m_opt;
  std::vector<int>& m_codes;
  Progress& m_progress;
  std::map<pid_t, size_t> m_running;
  sigset_t m_mask{};  // the signal mask before run(): the children's
};

std::string read_point_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The shard's points resolved (every point of the sweep is, so a bad value fails every shard
// before anything is written), their sweep.csv rows without results, and the manifest.
struct Resolved {
  std::vector<Point> pts;
  std::vector<report::SweepRow> rows;
  SweepManifest manifest;
};

Resolved resolve(const config::SweepConfig& sc, const SweepOptions& opt) {
  Resolved r;
  SweepManifest& m = r.manifest;
  m.sets = opt.sets;
  m.trace = opt.trace;
  m.shard = opt.shard;
  for (const auto& ax : sc.axes) m.axes.push_back(ax.key);
  m.slo_s = sc.slo_s;
  m.sweep_points = sc.points.size();
  Fnv1a hash;  // the whole sweep's, wherever its folder is: paths relative to the sweep file
  hash.add(base::join(m.axes, "\n") + "\n");
  const std::string sweep_dir = fs::path(sc.file).parent_path().string();
  for (size_t i = 0; i < sc.points.size(); ++i) {
    const auto& p = sc.points[i];
    config::RunConfig rc = config::load_run(sc.base_run, p.overrides);  // may throw ConfigError
    hash.add(p.id + "\n" + config::resolved_yaml(rc, (fs::path(sweep_dir) / p.id).string()));
    if (!opt.shard.holds(i)) continue;
    const std::string dir = opt.out_dir + "/" + p.id;
    report::SweepRow row;
    row.point = p.id;
    for (size_t a = 0; a < m.axes.size(); ++a) {
      // Base units where the key resolves to a value; the value as written for a path (hw,
      // model), which resolves to a mapping or to a path relative to the point.
      std::string v = config::resolved_value(rc, m.axes[a], dir);
      if (v.empty() || m.axes[a] == "model") v = p.axis_values[a];
      row.axis_values.push_back(v);
    }
    r.rows.push_back(std::move(row));
    std::string yaml = config::resolved_yaml(rc, dir);
    r.pts.push_back(Point{p.id, std::move(rc), std::move(yaml)});
    m.points.push_back(p.id);
  }
  hash.add("slo_s: " + nlohmann::json(sc.slo_s).dump() + "\n");
  m.config_hash = hash.hex();
  return r;
}

}  // namespace

int sweep_exit_code(const std::vector<int>& point_codes) {
  bool io = false, failed = false;
  for (int c : point_codes) {
    io = io || c == kExitIo;
    failed = failed || !succeeded(c);
  }
  return io ? kExitIo : failed ? kExitInternal : kExitOk;
}

int run_sweep(const config::SweepConfig& sc, const SweepOptions& opt) {
  Resolved r = resolve(sc, opt);
  const std::vector<Point>& pts = r.pts;
  if (opt.shard.count > 1)
    spdlog::info("shard {}: {} of the sweep's {} points", shard_name(opt.shard), pts.size(),
                 sc.points.size());
  report::make_dirs(opt.out_dir);
  const SweepFolder folder(opt.out_dir, sc.file, r.manifest, opt.force);

  std::vector<int> codes(pts.size(), kExitInternal);
  std::vector<size_t> todo;
  for (size_t i = 0; i < pts.size(); ++i)
    if (opt.resume && folder.complete(pts[i].id, pts[i].config_yaml, opt.trace))
      codes[i] = kExitOk;
    else
      todo.push_back(i);
  if (opt.resume)
    spdlog::info("resume: {} of {} points complete, not recomputed", pts.size() - todo.size(),
                 pts.size());
  Progress progress(todo.size(), opt.progress);
  const int sig = Runner(pts, folder, opt, codes, progress).run(todo);
  progress.finish();
  if (sig != 0) {
    spdlog::error("sweep stopped by signal {}: its finished points are in {}; --resume continues",
                  sig, opt.out_dir);
    return 128 + sig;
  }
  for (size_t i = 0; i < r.rows.size(); ++i)
    if (succeeded(codes[i]))
      r.rows[i].summary = nlohmann::ordered_json::parse(
          read_point_file(folder.point_dir(pts[i].id) + "/summary.json"));
  const std::vector<std::string>& axes = r.manifest.axes;
  report::write_file(opt.out_dir + "/sweep.csv", report::sweep_csv(axes, r.rows));
  if (sc.slo_s > 0)
    report::write_file(opt.out_dir + "/best.csv", report::best_csv(axes, r.rows, sc.slo_s));
  spdlog::info("sweep: {} points, {} written", r.rows.size(), opt.out_dir + "/sweep.csv");
  return sweep_exit_code(codes);
}

}  // namespace ncore::sim
