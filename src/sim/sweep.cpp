// Sweep driver: a forked child per group of points with one plan (see sweep.h). The parent never
// plans or elaborates SystemC.
// While children run, the parent blocks SIGINT, SIGTERM and SIGCHLD and takes them with
// sigtimedwait, so a stop request is never lost between two waitpid calls.
#include "sim/sweep.h"

#include <malloc.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/prctl.h>
#include <sys/resource.h>
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
#include <optional>
#include <sstream>
#include <systemc>
#include <unordered_map>

#include "base/strings.h"
#include "planner/plan_error.h"
#include "planner/planner.h"
#include "report/files.h"
#include "report/outputs.h"
#include "report/sweep_tables.h"
#include "sim/progress.h"
#include "sim/run_point.h"
#include "sim/sweep_folder.h"

namespace ncore::sim {
namespace {

namespace fs = std::filesystem;

// A 128-bit hash of a plan key (two independent 64-bit hashes): points whose hashes are equal
// share one plan. The chance that two of a sweep's (at most 100,000) keys collide is below
// 10^-28, so the group's process does not compare the keys again.
using PlanHash = std::pair<uint64_t, uint64_t>;

struct PlanHashOf {
  size_t operator()(const PlanHash& h) const { return h.first; }
};

// A resolved point of this shard: its id, its place in the sweep (its config is resolved again
// where it runs), and its plan key's hash.
struct Point {
  std::string id;
  size_t index = 0;
  PlanHash plan_hash;
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

// Dies with `parent` (SIGKILL when it ends), with the signal mask of the sweep's caller.
void bind_to(pid_t parent, const sigset_t& mask) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) ::_exit(kExitInternal);  // the parent died before prctl
  ::sigprocmask(SIG_SETMASK, &mask, nullptr);
}

// Runs `body` and maps what it throws to an exit code, logged with the point's id.
template <class Body>
int point_code(const std::string& id, const Body& body) {
  try {
    return body();
  } catch (const report::OutputError& e) {
    spdlog::error("{}", e.what());
    return kExitIo;
  } catch (const planner::PlanError& e) {
    spdlog::error("{}: {}", id, e.what());
    return kExitBadInput;
  } catch (const std::exception& e) {
    spdlog::error("{}: internal error: {}", id, e.what());
    return kExitInternal;
  }
}

// A group's process simulates its points one after the other, each in a new SystemC context
// (new_simulation_context), while the programs it simulated hold at most this many
// instructions in all: a dropped context keeps its memory. Past that, a point runs in a process
// forked for it, which gives that memory back when it exits.
constexpr uint64_t kInstructionsPerProcess = uint64_t{1} << 23;

// Memory freed by one point (its program, its modules' queues) is kept for the next instead of
// going back to the system (glibc malloc trims the heap's top and unmaps large blocks when they
// are freed): a page the process has not touched yet costs a page fault when it is (about 10 us
// each on the development VM, a fifth of a small point's time).
void keep_freed_memory() {
  ::mallopt(M_TRIM_THRESHOLD, 1 << 30);
  ::mallopt(M_MMAP_THRESHOLD, 32 << 20);  // glibc's largest on 64-bit (DEFAULT_MMAP_THRESHOLD_MAX)
}

// Runs one point of a group in this process: a new simulation context but for the first.
int run_here(const Point& pt, const config::RunConfig& rc, const isa::Program& program,
             const std::string& dir, const SweepOptions& opt, bool first) {
  if (!first) new_simulation_context();
  const int code = point_code(pt.id, [&] { return run_planned(rc, program, dir, {opt.trace}); });
  hold_if_asked(pt.id);
  return code;
}

// The process of a group of points with one plan key: plans once, then runs each point with the
// program (run_here), those past kInstructionsPerProcess in a process forked from this one.
// Writes the points' exit codes (ints, in group order) to `codes_fd` at the end, then exits.
[[noreturn]] void group_child(const config::SweepConfig& sc, const std::vector<Point>& pts,
                              const std::vector<size_t>& group, const SweepFolder& folder,
                              const SweepOptions& opt, pid_t parent, const sigset_t& mask,
                              int codes_fd) {
  bind_to(parent, mask);
  report::set_fsync_each_file(false);  // one syncfs for the group's files, at the end
  if (opt.progress)
    spdlog::set_level(spdlog::level::warn);  // the status line stands for the per-point lines
  keep_freed_memory();
  std::optional<isa::Program> program;  // the group's: its points' plan keys are equal
  std::vector<int> codes(group.size(), kExitInternal);
  uint64_t simulated = 0;  // instructions of the programs simulated in this process
  bool used = false;       // whether this process has simulated yet
  for (size_t k = 0; k < group.size(); ++k) {
    const Point& pt = pts[group[k]];
    const std::string dir = folder.temp_dir(pt.id);
    config::RunConfig rc;
    int code = point_code(pt.id, [&] {
      rc = config::load_run(sc.base_run, sc.point(pt.index).overrides);
      if (!program) program = planner::plan(rc, opt.trace);  // throws the same for each point
      return kExitOk;
    });
    const uint64_t n = code == kExitOk ? program->instructions() : 0;
    if (code == kExitOk && (simulated == 0 || simulated + n <= kInstructionsPerProcess)) {
      code = run_here(pt, rc, *program, dir, opt, !used);
      simulated += n;
      used = true;
    } else if (code == kExitOk) {
      std::fflush(nullptr);
      const pid_t me = ::getpid();
      const pid_t pid = ::fork();
      if (pid == 0) {
        bind_to(me, mask);
        const int point = run_here(pt, rc, *program, dir, opt, false);
        std::fflush(nullptr);
        ::_exit(point);
      }
      int status = 0;
      while (pid > 0 && ::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
      code = pid < 0 || !WIFEXITED(status) ? kExitInternal : WEXITSTATUS(status);
      if (pid > 0 && WIFSIGNALED(status))
        spdlog::error("point {} was killed by signal {}", pt.id, WTERMSIG(status));
    }
    codes[k] = code;
  }
  // The points' files were written without an fsync each: one sync of the filesystem for them
  // all, before the parent commits them (a write-back error fails them, exit 4).
  if (std::any_of(codes.begin(), codes.end(), succeeded) && ::syncfs(folder.lock_fd()) != 0) {
    spdlog::error("{}: cannot write the points' files out: {}", folder.dir(), std::strerror(errno));
    for (int& c : codes) c = succeeded(c) ? kExitIo : c;
  }
  const auto bytes = static_cast<ssize_t>(codes.size() * sizeof(int));
  if (::write(codes_fd, codes.data(), static_cast<size_t>(bytes)) != bytes) ::_exit(kExitInternal);
  std::fflush(nullptr);
  ::_exit(kExitOk);
}

// The children of a sweep, one per group of points: up to `jobs` at once, each group's points
// committed or discarded by the parent when it ends; stopped by SIGINT or SIGTERM.
class Runner {
 public:
  Runner(const config::SweepConfig& sc, const std::vector<Point>& pts, const SweepFolder& folder,
         const SweepOptions& opt, std::vector<int>& codes, Progress& progress)
      : m_sc(sc), m_pts(pts), m_folder(folder), m_opt(opt), m_codes(codes), m_progress(progress) {}

  // Runs the groups of points (indices); returns 0, or the signal that stopped the sweep.
  int run(const std::vector<std::vector<size_t>>& groups) {
    sigset_t waited;
    sigemptyset(&waited);
    for (int s : {SIGINT, SIGTERM, SIGCHLD}) sigaddset(&waited, s);
    ::sigprocmask(SIG_BLOCK, &waited, &m_mask);
    std::fflush(nullptr);
    size_t next = 0;
    int stop = 0;
    while (stop == 0 && (next < groups.size() || !m_running.empty())) {
      while (next < groups.size() && m_running.size() < std::max(1u, m_opt.jobs))
        start(groups[next++]);
      if (reap(WNOHANG)) continue;
      const timespec tick{1, 0};  // a bound on the wait, should a SIGCHLD be missed
      const int s = ::sigtimedwait(&waited, nullptr, &tick);
      if (s == SIGINT || s == SIGTERM) stop = s;
      if (s < 0) m_progress.redraw();  // a second without news: the time left, again
    }
    if (stop != 0) {
      while (reap(WNOHANG)) {
      }  // the groups already finished are kept
      for (const auto& r : m_running) ::kill(r.first, SIGKILL);
      for (const auto& [pid, run] : m_running) {
        int status = 0;
        while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
        ::close(run.codes_fd);
        for (size_t i : run.group) m_folder.discard_temp(m_pts[i].id);
      }
      m_running.clear();
    }
    ::sigprocmask(SIG_SETMASK, &m_mask, nullptr);
    return stop;
  }

 private:
  struct Running {
    std::vector<size_t> group;
    int codes_fd = -1;  // the read end of the group's pipe of exit codes
  };

  void start(const std::vector<size_t>& group) {
    for (size_t i : group) m_folder.discard_temp(m_pts[i].id);
    int fds[2];
    const pid_t parent = ::getpid();
    const pid_t pid = ::pipe(fds) == 0 ? ::fork() : -1;
    if (pid == 0) {
      ::close(fds[0]);
      group_child(m_sc, m_pts, group, m_folder, m_opt, parent, m_mask, fds[1]);
    }
    if (pid < 0) {
      spdlog::error("point {}: cannot start a process: {}", m_pts[group.front()].id,
                    std::strerror(errno));
      for (size_t i : group) m_codes[i] = kExitInternal;
      return;
    }
    ::close(fds[1]);
    m_running[pid] = Running{group, fds[0]};
  }

  // The exit codes a group's process wrote (kExitInternal for those it did not).
  std::vector<int> read_codes(const Running& run) const {
    std::vector<int> codes(run.group.size(), kExitInternal);
    size_t got = 0;
    char* to = reinterpret_cast<char*>(codes.data());
    const size_t want = codes.size() * sizeof(int);
    while (got < want) {
      const ssize_t n = ::read(run.codes_fd, to + got, want - got);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      got += static_cast<size_t>(n);
    }
    for (size_t k = got / sizeof(int); k < codes.size(); ++k) codes[k] = kExitInternal;
    return codes;
  }

  // Reaps one ended group (`flags` 0: waits for one); false when none ended.
  bool reap(int flags) {
    int status = 0;
    const pid_t pid = ::waitpid(-1, &status, flags);
    if (pid <= 0 || m_running.count(pid) == 0) return false;
    const Running run = m_running.at(pid);
    m_running.erase(pid);
    const std::vector<int> codes = read_codes(run);
    ::close(run.codes_fd);
    if (WIFSIGNALED(status))
      spdlog::error("point {} was killed by signal {}", m_pts[run.group.front()].id,
                    WTERMSIG(status));
    for (size_t k = 0; k < run.group.size(); ++k) finish(run.group[k], codes[k]);
    return true;
  }

  void finish(size_t i, int code) {
    const std::string& id = m_pts[i].id;
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
  }

  const config::SweepConfig& m_sc;
  const std::vector<Point>& m_pts;
  const SweepFolder& m_folder;
  const SweepOptions& m_opt;
  std::vector<int>& m_codes;
  Progress& m_progress;
  std::map<pid_t, Running> m_running;
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
// before anything is written), their sweep.csv rows without results, and the manifest. Nothing
// of a point's config is kept but its plan key's hash: the parent's memory does not grow with
// the model or the hardware file, point by point.
struct Resolved {
  std::vector<Point> pts;
  std::vector<report::SweepRowHead> rows;
  SweepManifest manifest;
};

PlanHash hash_of(const std::string& key) {
  Fnv1a h;
  h.add(key);
  return {h.value(), std::hash<std::string>()(key)};
}

Resolved resolve(const config::SweepConfig& sc, const SweepOptions& opt) {
  Resolved r;
  SweepManifest& m = r.manifest;
  m.sets = opt.sets;
  m.trace = opt.trace;
  m.shard = opt.shard;
  for (const auto& ax : sc.axes) m.axes.push_back(ax.key);
  m.slo_s = sc.slo_s;
  m.sweep_points = sc.points;
  Fnv1a hash;  // the whole sweep's, wherever its folder is: paths relative to the sweep file
  hash.add(base::join(m.axes, "\n") + "\n");
  const std::string sweep_dir = fs::path(sc.file).parent_path().string();
  for (size_t i = 0; i < sc.points; ++i) {
    const config::SweepPoint p = sc.point(i);
    const config::RunConfig rc = config::load_run(sc.base_run, p.overrides);  // may throw
    hash.add(p.id + "\n" + config::resolved_yaml(rc, (fs::path(sweep_dir) / p.id).string()));
    if (!opt.shard.holds(i)) continue;
    const std::string dir = opt.out_dir + "/" + p.id;
    report::SweepRowHead row;
    row.point = p.id;
    for (size_t a = 0; a < m.axes.size(); ++a) {
      // Base units where the key resolves to a value; the value as written for a path (hw,
      // model), which resolves to a mapping or to a path relative to the point.
      std::string v = config::resolved_value(rc, m.axes[a], dir);
      if (v.empty() || m.axes[a] == "model") v = p.axis_values[a];
      row.axis_values.push_back(v);
    }
    r.rows.push_back(std::move(row));
    r.pts.push_back(Point{p.id, i, hash_of(planner::plan_key(rc, opt.trace))});
    m.points.push_back(p.id);
  }
  hash.add("slo_s: " + nlohmann::json(sc.slo_s).dump() + "\n");
  m.config_hash = hash.hex();
  return r;
}

// The points to run, in groups of one plan key (in order of their first point), each group cut
// into pieces of at most ceil(points / (4 jobs)) so that the jobs stay busy to the end, and at
// most kPointsPerProcess (a dropped simulation context keeps a few MB: group_child).
std::vector<std::vector<size_t>> plan_groups(const std::vector<Point>& pts,
                                             const std::vector<size_t>& todo, unsigned jobs) {
  constexpr size_t kPointsPerProcess = 32;
  const size_t most =
      std::clamp<size_t>((todo.size() + 4 * jobs - 1) / (4 * jobs), 1, kPointsPerProcess);
  std::vector<std::vector<size_t>> groups;
  std::unordered_map<PlanHash, size_t, PlanHashOf> open;  // plan hash -> its group being filled
  for (size_t i : todo) {
    auto it = open.find(pts[i].plan_hash);
    if (it == open.end() || groups[it->second].size() >= most) {
      groups.emplace_back();
      it = open.insert_or_assign(pts[i].plan_hash, groups.size() - 1).first;
    }
    groups[it->second].push_back(i);
  }
  return groups;
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
                 sc.points);
  report::make_dirs(opt.out_dir);
  const SweepFolder folder(opt.out_dir, sc.file, r.manifest, opt.force);

  std::vector<int> codes(pts.size(), kExitInternal);
  std::vector<size_t> todo;
  for (size_t i = 0; i < pts.size(); ++i) {
    const std::string& id = pts[i].id;
    if (opt.resume &&
        folder.complete(
            id,
            config::resolved_yaml(config::load_run(sc.base_run, sc.point(pts[i].index).overrides),
                                  folder.point_dir(id)),
            opt.trace))
      codes[i] = kExitOk;
    else
      todo.push_back(i);
  }
  if (opt.resume)
    spdlog::info("resume: {} of {} points complete, not recomputed", pts.size() - todo.size(),
                 pts.size());
  Progress progress(todo.size(), opt.progress);
  const int sig = Runner(sc, pts, folder, opt, codes, progress)
                      .run(plan_groups(pts, todo, std::max(1u, opt.jobs)));
  progress.finish();
  if (sig != 0) {
    spdlog::error("sweep stopped by signal {}: its finished points are in {}; --resume continues",
                  sig, opt.out_dir);
    return 128 + sig;
  }
  const report::SummaryOf summary = [&](size_t i) {
    if (!succeeded(codes[i])) return nlohmann::ordered_json();
    return nlohmann::ordered_json::parse(
        read_point_file(folder.point_dir(pts[i].id) + "/summary.json"));
  };
  const std::vector<std::string>& axes = r.manifest.axes;
  report::OutputFile csv(opt.out_dir + "/sweep.csv");
  report::write_sweep_csv(axes, r.rows, summary, [&](std::string_view s) { csv.write(s); });
  csv.commit();
  if (sc.slo_s > 0)
    report::write_file(opt.out_dir + "/best.csv",
                       report::best_csv(axes, r.rows, summary, sc.slo_s));
  spdlog::info("sweep: {} points, {} written", r.rows.size(), opt.out_dir + "/sweep.csv");
  rusage self{};
  ::getrusage(RUSAGE_SELF, &self);  // this process alone: its children are not counted
  spdlog::debug("sweep: the sweep's own process peaked at {} KiB resident", self.ru_maxrss);
  return sweep_exit_code(codes);
}

}  // namespace ncore::sim
