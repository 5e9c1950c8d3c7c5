// A sweep's output folder: lock, manifest, atomic point folders (see sweep_folder.h).
#include "sim/sweep_folder.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "config/config_error.h"
#include "report/files.h"
#include "report/outputs.h"

namespace ncore::sim {
namespace fs = std::filesystem;
using json = nlohmann::ordered_json;

namespace {

const char* const kManifest = "manifest.json";
const char* const kLock = ".sweep.lock";

// p followed by digits: the only names a manifest may make the sweep remove.
bool is_point_id(const std::string& name) {
  return name.size() > 1 && name[0] == 'p' &&
         std::all_of(name.begin() + 1, name.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// A temporary a sweep leaves when it is killed: `.pNN.tmp` (a point folder) or
// `.NAME.PID.tmp` (report::write_file) for one of the folder's own files.
bool is_stale_temp(const std::string& name) {
  const std::string tail = ".tmp";
  if (name.size() < 2 + tail.size() || name[0] != '.' ||
      name.compare(name.size() - tail.size(), tail.size(), tail) != 0)
    return false;
  const std::string stem = name.substr(1, name.size() - 1 - tail.size());
  if (is_point_id(stem)) return true;
  for (const char* own : {"manifest.json.", "sweep.csv.", "best.csv."}) {
    const std::string o = own;
    if (stem.size() > o.size() && stem.compare(0, o.size(), o) == 0 &&
        std::all_of(stem.begin() + static_cast<long>(o.size()), stem.end(),
                    [](char c) { return c >= '0' && c <= '9'; }))
      return true;
  }
  return false;
}

// The file's text, or nullopt-like false when it cannot be read.
bool read_text(const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  out = ss.str();
  return !in.bad();
}

// Whether `path` exists; false when the OS cannot tell (no std::filesystem_error escapes).
bool exists(const std::string& path) {
  std::error_code ec;
  return fs::exists(path, ec);
}

// `path` made absolute through the symlinks that resolve; as given when the OS cannot tell.
fs::path resolved(const std::string& path) {
  std::error_code ec;
  fs::path p = fs::absolute(path, ec);
  if (!ec) p = fs::weakly_canonical(p, ec);
  return ec ? fs::path(path).lexically_normal() : p;
}

void remove_tree(const std::string& path) {
  std::error_code ec;
  fs::remove_all(path, ec);
  if (ec) report::throw_os_error("remove", path, ec.value());
}

std::string describe(const json& old) {
  std::string s = "sweep " + (old.contains("sweep") && old["sweep"].is_string()
                                  ? old["sweep"].get<std::string>()
                                  : std::string("?"));
  if (old.contains("set") && old["set"].is_array())
    for (const auto& v : old["set"]) s += " --set " + (v.is_string() ? v.get<std::string>() : "?");
  return s;
}

}  // namespace

std::string fnv1a_hex(const std::string& text) {
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ull;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

SweepFolder::SweepFolder(const std::string& dir, const std::string& sweep_file, SweepManifest m,
                         bool force)
    : m_dir(dir) {
  report::make_dirs(m_dir);
  const std::string lock = m_dir + "/" + kLock;
  m_lock = ::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0666);
  if (m_lock < 0) report::throw_os_error("create", lock, errno);
  if (::flock(m_lock, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    ::close(m_lock);
    if (err == EWOULDBLOCK)
      throw report::OutputError(m_dir + ": in use by another running sweep (it holds " + lock +
                                "); wait for it to end, or choose another --out");
    report::throw_os_error("lock", lock, err);
  }
  try {
    m.sweep = resolved(sweep_file).lexically_relative(resolved(m_dir)).generic_string();
    check_owner(m, force);
    clean(m);
    json j;
    j["version"] = report::version_string();
    j["sweep"] = m.sweep;
    j["set"] = m.sets;
    j["trace"] = m.trace;
    j["config_hash"] = m.config_hash;
    j["points"] = m.points;
    report::write_file(m_dir + "/" + kManifest, j.dump(2) + "\n");
  } catch (...) {
    ::close(m_lock);
    throw;
  }
}

SweepFolder::~SweepFolder() {
  if (m_lock >= 0) ::close(m_lock);
}

// Refuses (ConfigError) a folder whose manifest names another sweep file or other overrides, or
// that holds sweep results and no manifest, unless forced; remembers the points it held.
void SweepFolder::check_owner(const SweepManifest& m, bool force) {
  std::string other;  // whose results the folder holds, when not this sweep's
  std::string text;
  if (read_text(m_dir + "/" + kManifest, text)) {
    const json old = json::parse(text, nullptr, false);
    if (old.is_discarded() || !old.is_object()) {
      other = "an unreadable " + std::string(kManifest);
    } else {
      if (old.contains("points") && old["points"].is_array())
        for (const auto& p : old["points"])
          if (p.is_string()) m_old_points.push_back(p.get<std::string>());
      const json sets = m.sets;
      if (old.value("sweep", std::string()) != m.sweep || !old.contains("set") ||
          old["set"] != sets)
        other = describe(old);
    }
  } else {
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(m_dir, ec)) {
      const std::string name = e.path().filename().string();
      if (is_point_id(name) && e.is_directory()) m_old_points.push_back(name);
    }
    if (exists(m_dir + "/sweep.csv") || !m_old_points.empty())
      other = "sweep results without a " + std::string(kManifest) + ": an older ncoresim's?";
  }
  if (!other.empty() && !force)
    throw config::ConfigError(m_dir + ": holds the results of another sweep (" + other +
                              "); choose another --out, or --force to replace them");
}

// Stale temporaries, the sweep's tables (written again at the end) and the old points the new
// sweep does not have.
void SweepFolder::clean(const SweepManifest& m) const {
  std::error_code ec;
  std::vector<std::string> stale;
  for (const auto& e : fs::directory_iterator(m_dir, ec))
    if (is_stale_temp(e.path().filename().string())) stale.push_back(e.path().string());
  if (ec) report::throw_os_error("read", m_dir, ec.value());
  for (const auto& id : m_old_points)
    if (is_point_id(id) && std::find(m.points.begin(), m.points.end(), id) == m.points.end())
      stale.push_back(point_dir(id));
  stale.push_back(m_dir + "/sweep.csv");
  stale.push_back(m_dir + "/best.csv");
  for (const auto& s : stale) remove_tree(s);
}

bool SweepFolder::complete(const std::string& id, const std::string& config_yaml,
                           bool trace) const {
  const std::string dir = point_dir(id);
  std::string text, config;
  if (!read_text(dir + "/summary.json", text) || !read_text(dir + "/config.yaml", config) ||
      config != config_yaml)
    return false;
  const json s = json::parse(text, nullptr, false);
  if (s.is_discarded() || !s.is_object() ||
      s.value("version", std::string()) != report::version_string())
    return false;
  const bool simulated = !s.contains("infeasible");
  return exists(dir + "/layers.csv") == simulated &&
         exists(dir + "/trace.json") == (simulated && trace);
}

void SweepFolder::commit(const std::string& id) const {
  const std::string tmp = temp_dir(id), dst = point_dir(id);
  if (exists(dst)) {
    // Swap the two in one step, so pNN/ is never absent, then drop the old one.
    if (::renameat2(AT_FDCWD, tmp.c_str(), AT_FDCWD, dst.c_str(), RENAME_EXCHANGE) == 0) {
      remove_tree(tmp);
      return;
    }
    if (errno != EINVAL && errno != ENOSYS)
      report::throw_os_error("rename", tmp + " to " + dst, errno);
    remove_tree(dst);  // a filesystem without RENAME_EXCHANGE
  }
  if (::rename(tmp.c_str(), dst.c_str()) != 0)
    report::throw_os_error("rename", tmp + " to " + dst, errno);
}

void SweepFolder::discard(const std::string& id) const {
  std::error_code ec;
  fs::remove_all(temp_dir(id), ec);
  fs::remove_all(point_dir(id), ec);
}

void SweepFolder::discard_temp(const std::string& id) const {
  std::error_code ec;
  fs::remove_all(temp_dir(id), ec);
}

}  // namespace ncore::sim
