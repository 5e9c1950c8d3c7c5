// MapReader: strict reading of YAML mappings with file:line:col messages (see yaml_reader.h).
#include "config/yaml_reader.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

#include "base/checked.h"
#include "base/input_file.h"
#include "base/strings.h"
#include "config/units.h"

namespace ncore::config {

std::string location(const std::string& file, const YAML::Node& n) {
  const YAML::Mark m = n.Mark();
  if (m.line < 0) return file;
  return file + ":" + std::to_string(m.line + 1) + ":" + std::to_string(m.column + 1);
}

YAML::Node load_yaml_string(const std::string& text, const std::string& name) {
  try {
    return YAML::Load(text);
  } catch (const YAML::DeepRecursion& e) {
    throw ConfigError(name + ":" + std::to_string(e.mark.line + 1) + ":" +
                      std::to_string(e.mark.column + 1) + ": nesting deeper than " +
                      std::to_string(kMaxYamlDepth) + " levels (the YAML reader's limit)");
  } catch (const YAML::Exception& e) {
    const std::string where = e.mark.line >= 0 ? ":" + std::to_string(e.mark.line + 1) + ":" +
                                                     std::to_string(e.mark.column + 1)
                                               : "";
    throw ConfigError(name + where + ": invalid YAML: " + e.msg);
  }
}

YAML::Node load_yaml_file(const std::string& path) {
  return load_yaml_string(read_yaml_text(path), path);
}

std::string read_yaml_text(const std::string& path) {
  const std::string problem =
      base::input_file_problem(path, base::kMaxTextInputBytes, base::kMaxTextInputText);
  if (!problem.empty()) throw ConfigError(path + ": " + problem);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError(path + ": cannot open file");
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  // yaml-cpp loads binary garbage as one scalar: refuse anything with control bytes.
  for (unsigned char c : text)
    if (c < 0x20 && c != '\n' && c != '\r' && c != '\t')
      throw ConfigError(path + ": not a YAML text file (control byte found)");
  return text;
}

std::string existing_file(const MapReader& r, const std::string& key, const std::string& value,
                          const std::string& base, const std::string& what) {
  if (value.find('\0') != std::string::npos)
    r.fail(key, "a NUL byte (\\0) in the path '" + base::clip(value) + "' is not allowed");
  const std::string p = (std::filesystem::path(base) / value).lexically_normal().string();
  std::error_code ec;
  if (!std::filesystem::exists(p, ec))
    r.fail(key, what + " not found: " + base::clip(p) + (ec ? " (" + ec.message() + ")" : ""));
  return p;
}

std::string closest(const std::string& word, const std::vector<std::string>& choices) {
  std::string best;
  size_t best_d = std::numeric_limits<size_t>::max();
  const size_t most = std::max<size_t>(2, word.size() / 3);  // a plausible typo's distance
  for (const auto& c : choices) {
    // The distance is at least the difference of the lengths: skip what cannot be a typo, so a
    // long unknown key costs no more than its length.
    if ((word.size() > c.size() ? word.size() - c.size() : c.size() - word.size()) > most) continue;
    std::vector<size_t> prev(c.size() + 1), cur(c.size() + 1);
    for (size_t j = 0; j <= c.size(); ++j) prev[j] = j;
    for (size_t i = 1; i <= word.size(); ++i) {
      cur[0] = i;
      for (size_t j = 1; j <= c.size(); ++j)
        cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (word[i - 1] != c[j - 1])});
      std::swap(prev, cur);
    }
    if (prev[c.size()] < best_d) {
      best_d = prev[c.size()];
      best = c;
    }
  }
  // Only suggest a word that is plausibly a typo.
  if (best_d > most) return "";
  return best;
}

// ---- parsers -------------------------------------------------------------------------------

Parser<int64_t> integer_in(int64_t lo, int64_t hi) {
  std::string what = lo == 1   ? "a positive integer"
                     : lo == 0 ? "a non-negative integer"
                               : "an integer";
  return {what, [=](const std::string& s) {
            const int64_t v = parse_integer(s);
            if (v < lo || v > hi)
              throw ValueError("expected " + what +
                               (hi < std::numeric_limits<int64_t>::max()
                                    ? " no larger than " + std::to_string(hi)
                                    : "") +
                               ", got " + s);
            return v;
          }};
}

Parser<double> number_in(double lo, double hi) {
  std::ostringstream w;
  w << "a number in [" << lo << ", " << hi << "]";
  const std::string what = w.str();
  return {what, [=](const std::string& s) {
            const double v = parse_number(s);
            if (!(v >= lo && v <= hi)) throw ValueError("expected " + what + ", got " + s);
            return v;
          }};
}

Parser<bool> boolean() {
  return {"true or false", parse_bool};
}

Parser<std::string> text() {
  return {"a string", [](const std::string& s) {
            if (s.empty()) throw ValueError("expected a non-empty string");
            if (s.find('\0') != std::string::npos)
              throw ValueError("a NUL byte (\\0) in '" + base::clip(s) + "' is not allowed");
            return s;
          }};
}

Parser<std::string> one_of(std::vector<std::string> choices) {
  const std::string list = base::join(choices);
  return {"one of " + list, [=](const std::string& s) {
            if (std::find(choices.begin(), choices.end(), s) != choices.end()) return s;
            const std::string near = closest(s, choices);
            throw ValueError("unknown value '" + s + "' (expected one of " + list + ")" +
                             (near.empty() ? "" : "; did you mean " + near + "?"));
          }};
}

Parser<uint64_t> size_in(uint64_t lo, uint64_t hi) {
  return {"a size such as 24 MiB", [=](const std::string& s) {
            const uint64_t v = parse_size(s);
            if (v < lo)
              throw ValueError("expected a size of at least " + format_size(lo) + ", got " + s);
            if (v > hi)
              throw ValueError("expected a size of at most " + format_size(hi) + ", got " + s);
            return v;
          }};
}

namespace {
// A parser of a unit-bearing value that also checks its range, named in base units.
Parser<double> ranged(std::string what, double (*parse)(const std::string&), double lo, double hi,
                      const char* unit) {
  return {what, [=](const std::string& s) {
            const double v = parse(s);
            if (v < lo || v > hi) {
              std::ostringstream m;
              m << "'" << s << "' is out of range: expected " << lo << " to " << hi << " " << unit;
              throw ValueError(m.str());
            }
            return v;
          }};
}
}  // namespace

Parser<double> rate(double lo, double hi) {
  return ranged("a rate such as 50 GiB/s", parse_rate, lo, hi, "B/s");
}
Parser<double> freq(double lo, double hi) {
  return ranged("a frequency such as 1.4 GHz", parse_freq, lo, hi, "Hz");
}
Parser<double> time_s(double lo, double hi) {
  return ranged("a time such as 20 us", parse_time, lo, hi, "s");
}
Parser<double> time_ns(double lo, double hi) {
  const Parser<double> s = time_s(lo, hi);  // the range check and its message, in seconds
  return {s.what, [=](const std::string& text) {
            s.parse(text);
            return parse_time_ns(text);
          }};
}
std::string ns_as_seconds(double ns) {
  return shift_decimal(exact(ns), -9);
}

std::string clip_value_in(const std::string& message, const std::string& value) {
  if (value.size() <= kMaxEchoedValue) return message;
  std::string out = message;
  const std::string short_value = base::clip(value, kMaxEchoedValue);
  for (size_t at = out.find(value); at != std::string::npos;
       at = out.find(value, at + short_value.size()))
    out.replace(at, value.size(), short_value);
  return out;
}

std::string clip_message(const std::string& what) {
  return base::clip(what, kMaxMessage);
}

// ---- MapReader -----------------------------------------------------------------------------

MapReader::MapReader(YAML::Node node, std::shared_ptr<const Source> src, std::string path)
    : m_node(node), m_src(std::move(src)), m_path(std::move(path)) {
  if (!m_node.IsMap()) {
    const std::string where = m_path.empty() ? location(m_src->file, m_node)
                                             : location(m_src->file, m_node) + ": " + m_path;
    throw ConfigError(where + ": expected a mapping of keys, got " + describe(m_node));
  }
  for (auto it = m_node.begin(); it != m_node.end(); ++it) {
    const std::string k = it->first.Scalar();
    if (!m_index.emplace(k, m_keys.size()).second)
      fail_at(it->first, k,
              "duplicate key (first given at line " +
                  std::to_string(key_node(m_index.at(k)).Mark().line + 1) + ")");
    m_keys.push_back(k);
    m_values.push_back(it->second);
  }
  m_read.assign(m_keys.size(), false);
}

YAML::Node MapReader::key_node(size_t i) const {
  auto it = m_node.begin();
  std::advance(it, static_cast<std::ptrdiff_t>(i));
  return it->first;
}

std::optional<size_t> MapReader::index_of(const std::string& key) const {
  const auto it = m_index.find(key);
  if (it == m_index.end()) return std::nullopt;
  return it->second;
}

std::string MapReader::describe(const YAML::Node& n) {
  if (n.IsMap()) return "a mapping";
  if (n.IsSequence()) return "a list";
  if (n.IsNull()) return "nothing";
  return "'" + base::clip(n.Scalar()) + "'";
}

std::string MapReader::key_path(const std::string& key) const {
  return m_path.empty() ? key : key.empty() ? m_path : m_path + "." + key;
}

void MapReader::fail_at(const YAML::Node& n, const std::string& key,
                        const std::string& what) const {
  const std::string full = base::clip(key_path(key));
  // A key set by an override (or created by one, for an unknown key) reports the override.
  std::string where = location(m_src->file, n);
  for (const auto& [key_set, origin] : m_src->overrides)
    if (key_set == full || (n.Mark().line < 0 && key_set.rfind(full + ".", 0) == 0)) {
      where = origin;
      break;
    }
  throw ConfigError(where + ": " + full + ": " + clip_message(what));
}

void MapReader::fail(const std::string& key, const std::string& what) const {
  const auto i = index_of(key);
  fail_at(i ? m_values[*i] : m_node, key, what);
}

bool MapReader::has(const std::string& key) const {
  m_asked.push_back(key);
  return index_of(key).has_value();
}

YAML::Node MapReader::node_for(const std::string& key, bool required) {
  m_asked.push_back(key);
  const auto i = index_of(key);
  if (!i) {
    if (required) fail_at(m_node, key, "missing required key");
    return YAML::Node(YAML::NodeType::Undefined);
  }
  m_read[*i] = true;
  if (m_values[*i].IsNull()) fail_at(m_values[*i], key, "missing value");
  return m_values[*i];
}

YAML::Node MapReader::raw(const std::string& key, bool required) {
  return node_for(key, required);
}

MapReader MapReader::map(const std::string& key) {
  YAML::Node n = node_for(key, true);
  if (!n.IsMap()) fail_at(n, key, "expected a mapping of keys, got " + describe(n));
  return MapReader(n, m_src, key_path(key));
}

std::optional<MapReader> MapReader::opt_map(const std::string& key) {
  if (!has(key)) return std::nullopt;
  return map(key);
}

std::vector<YAML::Node> MapReader::seq(const std::string& key) {
  YAML::Node n = node_for(key, true);
  if (!n.IsSequence()) fail_at(n, key, "expected a list, got " + describe(n));
  std::vector<YAML::Node> out;
  for (const auto& e : n) out.push_back(e);
  return out;
}

void MapReader::finish() const {
  for (size_t i = 0; i < m_keys.size(); ++i) {
    if (m_read[i]) continue;
    const std::string near = closest(m_keys[i], m_asked);
    fail_at(key_node(i), m_keys[i],
            "unknown key" + (near.empty() ? std::string() : " (did you mean " + near + "?)"));
  }
}

}  // namespace ncore::config
