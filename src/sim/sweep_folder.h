// A sweep's output folder, owned by one sweep at a time (README "Sweep folders"):
// - `.sweep.lock`: an flock held while the sweep runs (its children inherit it), so a second
//   sweep into the folder fails at once (report::OutputError: exit 4);
// - `manifest.json`: the sweep file (relative to the folder), the --set overrides, --trace, the
//   shard, and what `merge` needs to join shards (the axes, the slo, the sweep's point count, a
//   hash of the whole sweep); a folder recorded for another sweep file, other overrides or
//   another shard (or sweep results with no manifest) is refused (config::ConfigError: exit 2)
//   unless forced;
// - `pNN/`: each point is written into `.pNN.tmp/` and renamed into place only when complete, so
//   a point folder is whole or absent. Opening the folder removes stale temporaries, sweep.csv and
//   best.csv (written again at the end) and the point folders the new sweep does not have.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace ncore::sim {

// `--shard i/N`: the points whose index (from 0, in sweep order) is i - 1 modulo N.
struct Shard {
  unsigned index = 1, count = 1;  // 1 <= index <= count
  bool holds(size_t point_index) const { return point_index % count == index - 1; }
};

// "i/N" parsed; throws config::ConfigError naming the form expected (exit 2).
Shard parse_shard(const std::string& text);
std::string shard_name(const Shard& s);  // "i/N"

struct SweepManifest {
  std::string version;            // the ncoresim that wrote it (filled in when written)
  std::string sweep;              // the sweep file, relative to the folder
  std::vector<std::string> sets;  // --set overrides, as given
  bool trace = false;
  Shard shard;                    // 1/1 for a whole sweep
  std::vector<std::string> axes;  // the axes' dotted keys, in order
  double slo_s = 0;               // the sweep's slo (0: none)
  size_t sweep_points = 0;        // the points of the whole sweep, every shard's
  // fnv1a_hex of the axes, every point's id and resolved config (the whole sweep's, paths
  // relative to the sweep file, so the same in every shard's folder) and the slo.
  std::string config_hash;
  std::vector<std::string> points;  // the point ids this folder holds (its shard's)
};

// manifest.json's text.
std::string manifest_json(const SweepManifest& m);
// manifest.json read back; throws config::ConfigError naming `path` when it is not one.
SweepManifest parse_manifest(const std::string& text, const std::string& path);

// FNV-1a, 64 bits, as 16 hex digits: a stable fingerprint (not a cryptographic one).
std::string fnv1a_hex(const std::string& text);
// The same, fed piece by piece: Fnv1a h; h.add(a); h.add(b); h.hex() == fnv1a_hex(a + b).
class Fnv1a {
 public:
  void add(const std::string& text);
  std::string hex() const;
  uint64_t value() const { return m_h; }

 private:
  uint64_t m_h = 14695981039346656037ull;
};

class SweepFolder {
 public:
  // Creates and locks `dir`, checks it belongs to this sweep (unless `force`), cleans it and
  // writes the manifest (m.sweep is filled in here from `sweep_file`).
  SweepFolder(const std::string& dir, const std::string& sweep_file, SweepManifest m, bool force);
  ~SweepFolder();
  SweepFolder(const SweepFolder&) = delete;
  SweepFolder& operator=(const SweepFolder&) = delete;

  const std::string& dir() const { return m_dir; }
  std::string point_dir(const std::string& id) const { return m_dir + "/" + id; }
  std::string temp_dir(const std::string& id) const { return m_dir + "/." + id + ".tmp"; }

  // Whether pNN/ holds this point complete: written by this version of ncoresim from exactly
  // `config_yaml`, with layers.csv when simulated, and trace.json exactly when simulated and
  // `trace`.
  bool complete(const std::string& id, const std::string& config_yaml, bool trace) const;
  // .pNN.tmp/ becomes pNN/, replacing the old pNN/ whole. Throws report::OutputError.
  void commit(const std::string& id) const;
  // Removes .pNN.tmp/ and pNN/ (a failed point leaves no stale result). Never throws.
  void discard(const std::string& id) const;
  // Removes .pNN.tmp/ (an interrupted point). Never throws.
  void discard_temp(const std::string& id) const;
  // A descriptor open on the folder (its lock file), e.g. for syncfs.
  int lock_fd() const { return m_lock; }

 private:
  void check_owner(const SweepManifest& m, bool force);
  void clean(const SweepManifest& m) const;

  std::string m_dir;
  int m_lock = -1;
  std::vector<std::string> m_old_points;  // the previous manifest's points
};

}  // namespace ncore::sim
