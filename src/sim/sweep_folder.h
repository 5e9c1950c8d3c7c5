// A sweep's output folder, owned by one sweep at a time (README "Sweep folders"):
// - `.sweep.lock`: an flock held while the sweep runs (its children inherit it), so a second
//   sweep into the folder fails at once (report::OutputError: exit 4);
// - `manifest.json`: the sweep file (relative to the folder), the --set overrides, --trace, and a
//   hash of every point's resolved config.yaml; a folder recorded for another sweep file or other
//   overrides (or sweep results with no manifest) is refused (config::ConfigError: exit 2) unless
//   forced;
// - `pNN/`: each point is written into `.pNN.tmp/` and renamed into place only when complete, so
//   a point folder is whole or absent. Opening the folder removes stale temporaries, sweep.csv and
//   best.csv (written again at the end) and the point folders the new sweep does not have.
#pragma once
#include <string>
#include <vector>

namespace ncore::sim {

struct SweepManifest {
  std::string sweep;              // the sweep file, relative to the folder
  std::vector<std::string> sets;  // --set overrides, as given
  bool trace = false;
  std::string config_hash;          // fnv1a_hex of the points' ids and resolved config.yaml
  std::vector<std::string> points;  // the point ids (p00, p01, ...)
};

// FNV-1a, 64 bits, as 16 hex digits: a stable fingerprint (not a cryptographic one).
std::string fnv1a_hex(const std::string& text);

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

 private:
  void check_owner(const SweepManifest& m, bool force);
  void clean(const SweepManifest& m) const;

  std::string m_dir;
  int m_lock = -1;
  std::vector<std::string> m_old_points;  // the previous manifest's points
};

}  // namespace ncore::sim
