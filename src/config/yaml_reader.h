// Reads one YAML mapping into plain values with strict checks: a missing key, an unknown key
// (with a did-you-mean), a duplicate key (yaml-cpp keeps both silently), a wrong type, an
// out-of-range value and a bad unit each throw ConfigError as `file:line:col: key: message`.
// Keys overridden from the command line or a sweep axis report where the override came from.
// The only place in the project that includes yaml-cpp, besides the loaders in this folder.
#pragma once
#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "config/config_error.h"

namespace ncore::config {

// Where a YAML tree came from: its file, and per dotted key (relative to the file's root) the
// origin of an override ("--set hw.tensor_engine.rows=-4", "configs/sweeps/x.yaml:7:5").
struct Source {
  std::string file;
  std::map<std::string, std::string> overrides;
};

// Limits of what is read (README "Limits"): nesting (yaml-cpp's depth guard), the length of a
// value echoed in a message (then "…"), and of a message's text after its key.
constexpr int kMaxYamlDepth = 2000;
constexpr size_t kMaxEchoedValue = 80;
constexpr size_t kMaxMessage = 600;

// `message` with each copy of a long `value` cut to its first kMaxEchoedValue bytes and "…".
std::string clip_value_in(const std::string& message, const std::string& value);
std::string clip_message(const std::string& what);

// Loads a file as YAML, or throws ConfigError naming the file (unreadable, a directory, over
// 1 MiB, nested deeper than kMaxYamlDepth, a syntax error).
YAML::Node load_yaml_file(const std::string& path);
// The text load_yaml_file parses, with its checks (size, control bytes); throws ConfigError.
std::string read_yaml_text(const std::string& path);
YAML::Node load_yaml_string(const std::string& text, const std::string& name);

// A parser turns one scalar into a T or throws ValueError; `what` describes T in messages.
template <class T>
struct Parser {
  using value_type = T;
  std::string what;
  std::function<T(const std::string&)> parse;
};

Parser<int64_t> integer_in(int64_t lo, int64_t hi);
Parser<double> number_in(double lo, double hi);
Parser<bool> boolean();
Parser<std::string> text();
Parser<std::string> one_of(std::vector<std::string> choices);
Parser<uint64_t> size_in(uint64_t lo, uint64_t hi);
// Rates, frequencies and times within [lo, hi] (base units), so that cycle conversions fit.
Parser<double> rate(double lo = 1e3, double hi = 1e15);
Parser<double> freq(double lo = 1e6, double hi = 1e11);
Parser<double> time_s(double lo = 0, double hi = 10);
// A time within [lo, hi] seconds, returned in ns with one correctly rounded decimal conversion
// ("1.4e-08" and "14 ns" are exactly 14), so ns_as_seconds() text reads back to the same double.
Parser<double> time_ns(double lo = 0, double hi = 10);
std::string ns_as_seconds(double ns);  // 14.000000000000002 -> "14.000000000000002e-9"
// Shortest text that reads back as the same double (for resolved configs).
std::string exact(double v);

class MapReader {
 public:
  // `path` is the dotted key of `node` within the file ("" for the root).
  MapReader(YAML::Node node, std::shared_ptr<const Source> src, std::string path);

  bool has(const std::string& key) const;

  template <class T>
  T get(const std::string& key, const Parser<T>& p) {
    return parse_scalar(key, p, node_for(key, true));
  }
  template <class T>
  T get(const std::string& key, const Parser<T>& p,
        const typename Parser<T>::value_type& fallback) {
    YAML::Node n = node_for(key, false);
    if (!n) return fallback;
    return parse_scalar(key, p, n);
  }

  MapReader map(const std::string& key);  // a required sub-mapping
  std::optional<MapReader> opt_map(const std::string& key);
  YAML::Node raw(const std::string& key, bool required);  // marks the key as read
  std::vector<YAML::Node> seq(const std::string& key);    // a required sequence

  // An unknown key is an error: call once every known key has been looked up (the suggestion
  // comes from the keys looked up).
  void finish() const;

  [[noreturn]] void fail(const std::string& key, const std::string& what) const;
  [[noreturn]] void fail_at(const YAML::Node& n, const std::string& key,
                            const std::string& what) const;

  std::string key_path(const std::string& key) const;
  const std::string& path() const { return m_path; }
  const std::shared_ptr<const Source>& source() const { return m_src; }
  const YAML::Node& node() const { return m_node; }

 private:
  YAML::Node node_for(const std::string& key, bool required);

  template <class T>
  T parse_scalar(const std::string& key, const Parser<T>& p, const YAML::Node& n) const {
    if (!n.IsScalar()) fail_at(n, key, "expected " + p.what + ", got " + describe(n));
    try {
      return p.parse(n.Scalar());
    } catch (const std::exception& e) {
      fail_at(n, key, clip_value_in(e.what(), n.Scalar()));
    }
  }
  static std::string describe(const YAML::Node& n);

  YAML::Node m_node;
  std::shared_ptr<const Source> m_src;
  std::string m_path;
  // The key node of the i-th key (walks the mapping: for error messages only).
  YAML::Node key_node(size_t i) const;
  std::optional<size_t> index_of(const std::string& key) const;

  // The keys in file order, their values, and each key's position: a lookup is O(1), so a
  // mapping of many keys reads in linear time (a linear search per key was quadratic).
  std::vector<std::string> m_keys;
  std::vector<YAML::Node> m_values;
  std::unordered_map<std::string, size_t> m_index;
  std::vector<bool> m_read;
  mutable std::vector<std::string> m_asked;  // every key looked up, for did-you-mean
};

// The file a path value of key `key` names, relative to the folder `base` ("" for the current
// one), which must exist: returned lexically normalized. A NUL byte (a C path would end there),
// a missing file and any OS error (a name too long, a symlink loop) are ConfigErrors at the key,
// never a std::filesystem_error.
std::string existing_file(const MapReader& r, const std::string& key, const std::string& value,
                          const std::string& base, const std::string& what);

// `file:line:col` of a node (yaml-cpp marks count from 0).
std::string location(const std::string& file, const YAML::Node& n);

// Edit distance, for did-you-mean suggestions.
std::string closest(const std::string& word, const std::vector<std::string>& choices);

}  // namespace ncore::config
