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

#include "base/checked.h"
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

// The shard a manifest records: 1/1 when it has none (an older ncoresim's whole sweep).
std::string shard_of(const json& m) {
  return m.contains("shard") && m["shard"].is_string() ? m["shard"].get<std::string>() : "1/1";
}

std::string describe(const json& old) {
  std::string s = "sweep " + (old.contains("sweep") && old["sweep"].is_string()
                                  ? old["sweep"].get<std::string>()
                                  : std::string("?"));
  if (old.contains("set") && old["set"].is_array())
    for (const auto& v : old["set"]) s += " --set " + (v.is_string() ? v.get<std::string>() : "?");
  if (shard_of(old) != "1/1") s += " --shard " + shard_of(old);
  return s;
}

// A whole number of at most 9 digits (no sign, no spaces); false otherwise.
bool parse_count(const std::string& s, unsigned& v) {
  if (s.empty() || s.size() > 9 ||
      !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return false;
  v = static_cast<unsigned>(std::stoul(s));
  return true;
}

// The value of `key` in manifest `m`, of JSON type `type`, else a ConfigError naming the file
// and what was expected.
const json& field(const json& m, const char* key, json::value_t type, const char* what,
                  const std::string& path) {
  if (!m.contains(key) || m[key].type() != type)
    throw config::ConfigError(path + ": " + key + ": expected " + what +
                              " (not a manifest.json this ncoresim writes)");
  return m[key];
}

std::vector<std::string> strings(const json& m, const char* key, const std::string& path) {
  std::vector<std::string> out;
  for (const auto& v : field(m, key, json::value_t::array, "a list of strings", path)) {
    if (!v.is_string())
      throw config::ConfigError(path + ": " + key + ": expected a list of strings");
    out.push_back(v.get<std::string>());
  }
  return out;
}

}  // namespace

Shard parse_shard(const std::string& text) {
  const std::string head = "--shard " + base::clip(text) + ": ";
  const size_t slash = text.find('/');
  Shard s;
  if (slash == std::string::npos || !parse_count(text.substr(0, slash), s.index) ||
      !parse_count(text.substr(slash + 1), s.count))
    throw config::ConfigError(head + "expected i/N, two whole numbers (e.g. --shard 2/8)");
  if (s.count == 0) throw config::ConfigError(head + "N must be at least 1");
  if (s.index == 0) throw config::ConfigError(head + "i counts from 1 (1 <= i <= N)");
  if (s.index > s.count) throw config::ConfigError(head + "i is larger than N (1 <= i <= N)");
  return s;
}

std::string shard_name(const Shard& s) {
  return std::to_string(s.index) + "/" + std::to_string(s.count);
}

std::string manifest_json(const SweepManifest& m) {
  json j;
  j["version"] = m.version;
  j["sweep"] = m.sweep;
  j["set"] = m.sets;
  j["trace"] = m.trace;
  j["shard"] = shard_name(m.shard);
  j["axes"] = m.axes;
  j["slo_s"] = m.slo_s > 0 ? json(m.slo_s) : json();
  j["sweep_points"] = m.sweep_points;
  j["config_hash"] = m.config_hash;
  j["points"] = m.points;
  return j.dump(2) + "\n";
}

SweepManifest parse_manifest(const std::string& text, const std::string& path) {
  const json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) throw config::ConfigError(path + ": not valid JSON");
  using T = json::value_t;
  SweepManifest m;
  m.version = field(j, "version", T::string, "a string", path).get<std::string>();
  m.sweep = field(j, "sweep", T::string, "a string", path).get<std::string>();
  m.sets = strings(j, "set", path);
  m.trace = field(j, "trace", T::boolean, "true or false", path).get<bool>();
  const std::string shard = field(j, "shard", T::string, "i/N", path).get<std::string>();
  try {
    m.shard = parse_shard(shard);
  } catch (const config::ConfigError& e) {
    throw config::ConfigError(path + ": shard: " + e.what());
  }
  m.axes = strings(j, "axes", path);
  if (j.contains("slo_s") && !j["slo_s"].is_null())
    m.slo_s = field(j, "slo_s", T::number_float, "a number of seconds or null", path).get<double>();
  m.sweep_points =
      field(j, "sweep_points", T::number_unsigned, "a whole number", path).get<size_t>();
  m.config_hash = field(j, "config_hash", T::string, "a string", path).get<std::string>();
  m.points = strings(j, "points", path);
  return m;
}

void Fnv1a::add(const std::string& text) {
  for (unsigned char c : text) {
    m_h ^= c;
    m_h *= 1099511628211ull;
  }
}

std::string Fnv1a::hex() const {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(m_h));
  return buf;
}

std::string fnv1a_hex(const std::string& text) {
  Fnv1a h;
  h.add(text);
  return h.hex();
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
    m.version = report::version_string();
    report::write_file(m_dir + "/" + kManifest, manifest_json(m));
  } catch (...) {
    ::close(m_lock);
    throw;
  }
}

SweepFolder::~SweepFolder() {
  if (m_lock >= 0) ::close(m_lock);
}

// Refuses (ConfigError) a folder whose manifest names another sweep file, other overrides or
// another shard, or that holds sweep results and no manifest, unless forced; remembers the points
// it held.
void SweepFolder::check_owner(const SweepManifest& m, bool force) {
  std::string other;  // whose results the folder holds, when not this sweep's
  std::string text;
  if (report::read_text(m_dir + "/" + kManifest, text)) {
    const json old = json::parse(text, nullptr, false);
    if (old.is_discarded() || !old.is_object()) {
      other = "an unreadable " + std::string(kManifest);
    } else {
      if (old.contains("points") && old["points"].is_array())
        for (const auto& p : old["points"])
          if (p.is_string()) m_old_points.push_back(p.get<std::string>());
      const json sets = m.sets;
      if (old.value("sweep", std::string()) != m.sweep || !old.contains("set") ||
          old["set"] != sets || shard_of(old) != shard_name(m.shard))
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
  if (!report::read_text(dir + "/summary.json", text) ||
      !report::read_text(dir + "/config.yaml", config) || config != config_yaml)
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
