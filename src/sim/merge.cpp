// Merging a sweep's shard folders (see merge.h). Each folder is read whole and checked before
// anything is written; a shared flock on its .sweep.lock keeps a sweep from starting in it
// meanwhile (one running there holds the lock exclusively, and the merge then fails at once).
#include "sim/merge.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "base/strings.h"
#include "config/config_error.h"
#include "config/sweep_config.h"
#include "report/files.h"
#include "report/outputs.h"
#include "report/sweep_tables.h"
#include "sim/sweep_folder.h"

namespace ncore::sim {
namespace {

namespace fs = std::filesystem;
using config::ConfigError;

// One shard folder as read: its manifest and its sweep.csv's rows (no header).
struct ShardFolder {
  std::string dir;
  SweepManifest m;
  std::vector<std::vector<std::string>> rows;
  size_t point_index(size_t k) const { return m.shard.index - 1 + k * m.shard.count; }
};

// The shared locks held while merging, released at the end.
struct Locks {
  std::vector<int> fds;
  ~Locks() {
    for (int fd : fds) ::close(fd);
  }
  void lock_shared(const std::string& dir) {
    const std::string path = dir + "/.sweep.lock";
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;  // no lock file: no sweep has run there since it was made
    fds.push_back(fd);
    if (::flock(fd, LOCK_SH | LOCK_NB) == 0) return;
    if (errno == EWOULDBLOCK)
      throw report::OutputError(dir + ": in use by a running sweep (it holds " + path +
                                "); merge when it has ended");
    report::throw_os_error("lock", path, errno);
  }
};

// The lines and cells of a CSV text as report::sweep_csv writes it (a cell "in quotes" may hold
// commas, newlines and "" for a quote).
std::vector<std::vector<std::string>> parse_csv(const std::string& text, const std::string& path) {
  std::vector<std::vector<std::string>> lines;
  std::vector<std::string> cells;
  std::string cell;
  bool quoted = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted && c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
      cell += text[++i];
    } else if (c == '"') {
      quoted = !quoted;
    } else if (quoted || (c != ',' && c != '\n')) {
      cell += c;
    } else {
      cells.push_back(std::move(cell));
      cell.clear();
      if (c == '\n') {
        lines.push_back(std::move(cells));
        cells.clear();
      }
    }
  }
  if (quoted || !cell.empty() || !cells.empty())
    throw ConfigError(path + ": its last line is cut (not a whole sweep.csv)");
  return lines;
}

// Reads and checks one folder: a sweep folder whose manifest lists exactly its shard's points,
// finished (sweep.csv holds a row per point, in order, under the manifest's axes).
ShardFolder read_shard(const std::string& dir, Locks& locks) {
  ShardFolder s{dir, {}, {}};
  std::string text;
  const std::string mpath = dir + "/manifest.json", cpath = dir + "/sweep.csv";
  if (!report::read_text(mpath, text))
    throw ConfigError(dir + ": not a sweep folder (no readable manifest.json)");
  locks.lock_shared(dir);
  s.m = parse_manifest(text, mpath);
  const std::string shard = "shard " + shard_name(s.m.shard);
  std::vector<std::string> expected;
  for (size_t k = s.m.shard.index - 1; k < s.m.sweep_points; k += s.m.shard.count)
    expected.push_back(config::point_id(k, s.m.sweep_points));
  if (s.m.points != expected)
    throw ConfigError(mpath + ": points: not those of " + shard + " of a sweep of " +
                      std::to_string(s.m.sweep_points) + " points");
  if (!report::read_text(cpath, text))
    throw ConfigError(dir + ": " + shard + " has not finished (no sweep.csv); run it again, " +
                      "with --resume to keep its finished points");
  auto lines = parse_csv(text, cpath);
  const size_t axes = s.m.axes.size();
  bool ok = !lines.empty() && lines[0].size() > axes && lines[0][0] == "point" &&
            std::equal(s.m.axes.begin(), s.m.axes.end(), lines[0].begin() + 1) &&
            lines.size() == expected.size() + 1;
  for (size_t k = 0; ok && k < expected.size(); ++k)
    ok = lines[k + 1].size() == lines[0].size() && lines[k + 1][0] == expected[k];
  if (!ok)
    throw ConfigError(cpath + ": does not hold a row per point of " + mpath + ", under its axes (" +
                      base::join(s.m.axes) + ")");
  s.rows.assign(lines.begin() + 1, lines.end());
  return s;
}

// Refuses a folder that holds a shard of another sweep than the first folder's.
void check_same_sweep(const ShardFolder& first, const ShardFolder& s) {
  if (s.m.version != first.m.version)
    throw ConfigError(s.dir + ": written by " + s.m.version + ", and " + first.dir + " by " +
                      first.m.version + ": run every shard with one ncoresim");
  if (s.m.config_hash != first.m.config_hash || s.m.sweep_points != first.m.sweep_points)
    throw ConfigError(s.dir + ": holds a shard of another sweep than " + first.dir +
                      " (their manifest.json config_hash differ: " + s.m.config_hash + ", " +
                      first.m.config_hash + ")");
}

// Fails when a point of the sweep is in no folder: names the first ones and, when every folder
// has the same N, the shards not given.
void check_missing(const std::vector<ShardFolder>& shards, const std::vector<int>& owner) {
  const size_t total = owner.size();
  std::vector<std::string> ids;
  std::set<size_t> shard_gaps;
  const unsigned n = shards.front().m.shard.count;
  bool one_n = true;
  for (const auto& s : shards) one_n = one_n && s.m.shard.count == n;
  for (size_t i = 0; i < total; ++i)
    if (owner[i] < 0) {
      if (ids.size() < 10) ids.push_back(config::point_id(i, total));
      shard_gaps.insert(i % n + 1);
    }
  if (shard_gaps.empty()) return;
  size_t missing = 0;
  for (int o : owner) missing += o < 0 ? 1 : 0;
  std::string msg = std::to_string(missing) + " of the sweep's " + std::to_string(total) +
                    " points are in no folder given: " + base::join(ids) +
                    (missing > ids.size() ? ", \u2026" : "");
  if (one_n) {
    std::vector<std::string> names;
    for (size_t i : shard_gaps) names.push_back(std::to_string(i) + "/" + std::to_string(n));
    msg += " (shard" + std::string(names.size() > 1 ? "s " : " ") + base::join(names) +
           (names.size() > 1 ? " are" : " is") + " missing)";
  }
  throw ConfigError("merge: " + msg);
}

// The sweep's rows in its order, each from the folder that holds it; `failed` gets the points
// that have no summary.json (they failed in their shard).
std::vector<report::SweepRow> join_rows(const std::vector<ShardFolder>& shards,
                                        std::vector<std::string>& failed) {
  const size_t total = shards.front().m.sweep_points;
  std::vector<int> owner(total, -1);
  std::vector<size_t> row_of(total, 0);
  for (size_t f = 0; f < shards.size(); ++f)
    for (size_t k = 0; k < shards[f].rows.size(); ++k) {
      const size_t i = shards[f].point_index(k);
      if (owner[i] >= 0) {
        const ShardFolder& other = shards[static_cast<size_t>(owner[i])];
        throw ConfigError("merge: point " + shards[f].rows[k][0] + " is in two folders given: " +
                          other.dir + " (shard " + shard_name(other.m.shard) + ") and " +
                          shards[f].dir + " (shard " + shard_name(shards[f].m.shard) + ")");
      }
      owner[i] = static_cast<int>(f);
      row_of[i] = k;
    }
  check_missing(shards, owner);
  std::vector<report::SweepRow> rows(total);
  const size_t axes = shards.front().m.axes.size();
  for (size_t i = 0; i < total; ++i) {
    const ShardFolder& s = shards[static_cast<size_t>(owner[i])];
    const auto& cells = s.rows[row_of[i]];
    rows[i].point = cells[0];
    rows[i].axis_values.assign(cells.begin() + 1, cells.begin() + 1 + static_cast<long>(axes));
    const std::string path = s.dir + "/" + cells[0] + "/summary.json";
    std::string text;
    if (!report::read_text(path, text)) {
      failed.push_back(cells[0]);
      continue;
    }
    rows[i].summary = nlohmann::ordered_json::parse(text, nullptr, false);
    if (rows[i].summary.is_discarded() || !rows[i].summary.is_object())
      throw ConfigError(path + ": not valid JSON");
  }
  return rows;
}

}  // namespace

int merge_shards(const std::vector<std::string>& dirs, const std::string& out_dir) {
  std::error_code exists_ec;  // an unreadable path is not a sweep folder (no exception escapes)
  if (fs::exists(out_dir + "/manifest.json", exists_ec))
    throw ConfigError(out_dir + ": a sweep folder (it holds manifest.json); merge writes its " +
                      "tables into a folder of their own, e.g. the shard folders' parent");
  Locks locks;
  std::vector<ShardFolder> shards;
  for (const auto& d : dirs) {
    shards.push_back(read_shard(d, locks));
    check_same_sweep(shards.front(), shards.back());
  }
  if (shards.empty()) throw ConfigError("merge: no shard folder given");
  std::vector<std::string> failed;
  const std::vector<report::SweepRow> rows = join_rows(shards, failed);
  const SweepManifest& m = shards.front().m;
  report::make_dirs(out_dir);
  report::write_file(out_dir + "/sweep.csv", report::sweep_csv(m.axes, rows));
  std::error_code ec;
  if (m.slo_s > 0)
    report::write_file(out_dir + "/best.csv", report::best_csv(m.axes, rows, m.slo_s));
  else if (fs::remove(out_dir + "/best.csv", ec), ec)  // another sweep's, left there
    report::throw_os_error("remove", out_dir + "/best.csv", ec.value());
  spdlog::info("merge: {} folders, {} points, {} written", shards.size(), rows.size(),
               out_dir + "/sweep.csv");
  if (failed.empty()) return 0;
  spdlog::error("merge: points that failed in their shards (their rows are empty): {}",
                base::join(failed));
  return 1;
}

}  // namespace ncore::sim
