// One table per config struct (STYLE.md section 9): each key names its field, parser (type,
// range, unit) and meaning, and drives reading it (MapReader's file:line:col messages), writing
// it into config.yaml, the README reference (`ncoresim keys`) and DRAM presets' keys by name.
// A dotted key ("rate.fp32") is a nested flow mapping. A key is required, or optional with the
// struct's value before reading (a preset's, or the initializer's) as its default.
#pragma once
#include <functional>
#include <optional>
#include <sstream>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "config/yaml_reader.h"

namespace ncore::config {

enum class Need { required, optional };

template <class T>
struct NoDeduce {
  using type = T;
};

// Where a key's value lives in S: a member (`&S::rows`) or a nested one (`[](S& s) -> double& {
// return s.rate.fp32; }`).
template <class S, class F>
class Field {
 public:
  Field(F S::*member) : m_get([member](S& s) -> F& { return s.*member; }) {}  // NOLINT
  template <class Fn, class = std::enable_if_t<std::is_invocable_r_v<F&, Fn, S&>>>
  Field(Fn fn) : m_get(std::move(fn)) {}  // NOLINT
  F& operator()(S& s) const { return m_get(s); }
  const F& operator()(const S& s) const { return m_get(const_cast<S&>(s)); }

 private:
  std::function<F&(S&)> m_get;
};

template <class S>
class KeyTable {
 public:
  struct Key {
    std::string name;  // within the section; one dot at most
    Need need = Need::optional;
    std::string type, doc, default_text;  // README columns (default_text "": from S{})
    bool preset = false;                  // part of a DRAM preset (which must set it)
    std::function<void(MapReader&, const std::string& leaf, S&)> read;
    std::function<void(MapReader&, const std::string& leaf)> validate;  // read and discard
    std::function<void(YAML::Emitter&, const S&)> write;                // the value only
    std::function<std::string(const S&)> show;                          // README default
    std::function<void(S&, double)> set;                                // presets, by name
    std::function<bool(const S&)> applies;   // false: validated if present, then ignored
    std::function<bool(const S&)> write_if;  // false: not written
  };

  // Integers (uint32_t, uint64_t fields) within [lo, hi].
  template <class F>
  KeyTable& integer(std::string name, F S::*f, int64_t lo, int64_t hi, Need need, std::string doc) {
    return integer<F>(std::move(name), Field<S, F>(f), lo, hi, need, std::move(doc));
  }
  template <class F>
  KeyTable& integer(std::string name, typename NoDeduce<Field<S, F>>::type f, int64_t lo,
                    int64_t hi, Need need, std::string doc) {
    return add_parsed<F>(std::move(name), f, integer_in(lo, hi), need, std::move(doc),
                         range_text("integer", lo, hi));
  }
  // Doubles, written by `text`: exact(), or ns_as_seconds() for a time kept in ns inside and read
  // with time_ns().
  KeyTable& number(std::string name, Field<S, double> f, Parser<double> p, Need need,
                   std::string doc, std::string (*text)(double) = exact) {
    Key k = base_key(std::move(name), need, std::move(doc), p.what);
    k.read = [=](MapReader& r, const std::string& leaf, S& s) {
      f(s) = need == Need::required ? r.get(leaf, p) : r.get(leaf, p, f(s));
    };
    k.validate = [=](MapReader& r, const std::string& leaf) { r.get(leaf, p); };
    k.write = [=](YAML::Emitter& out, const S& s) { out << text(f(s)); };
    k.show = [=](const S& s) { return text(f(s)); };
    k.set = [=](S& s, double v) { f(s) = v; };
    m_keys.push_back(std::move(k));
    return *this;
  }
  KeyTable& size(std::string name, Field<S, uint64_t> f, uint64_t lo, uint64_t hi, Need need,
                 std::string doc) {
    return add_parsed<uint64_t>(std::move(name), f, size_in(lo, hi), need, std::move(doc), "size");
  }
  // A choice among names, each standing for a value of the field (an enum, or a bool).
  template <class E>
  KeyTable& choice(std::string name, typename NoDeduce<Field<S, E>>::type f,
                   std::vector<std::pair<std::string, E>> names, Need need, std::string doc) {
    std::vector<std::string> words;
    for (const auto& [w, e] : names) words.push_back(w);
    const Parser<std::string> p = one_of(words);
    auto word_of = [=](const S& s) {
      for (const auto& [w, e] : names)
        if (e == f(s)) return w;
      return std::string();
    };
    Key k = base_key(std::move(name), need, std::move(doc), quoted_list(words));
    k.read = [=](MapReader& r, const std::string& leaf, S& s) {
      const std::string w = need == Need::required ? r.get(leaf, p) : r.get(leaf, p, word_of(s));
      for (const auto& [n, e] : names)
        if (n == w) f(s) = e;
    };
    k.validate = [=](MapReader& r, const std::string& leaf) { r.get(leaf, p); };
    k.write = [=](YAML::Emitter& out, const S& s) { out << word_of(s); };
    k.show = word_of;
    m_keys.push_back(std::move(k));
    return *this;
  }
  KeyTable& boolean(std::string name, Field<S, bool> f, std::string doc) {
    return add_parsed<bool>(std::move(name), f, config::boolean(), Need::optional, std::move(doc),
                            "true or false");
  }

  // Modifiers of the key added last.
  KeyTable& fallback_text(std::string t) {
    m_keys.back().default_text = std::move(t);
    return *this;
  }
  KeyTable& in_preset() {
    m_keys.back().preset = true;
    if (m_keys.back().default_text.empty()) m_keys.back().default_text = "the preset's";
    return *this;
  }
  KeyTable& applies_if(std::function<bool(const S&)> f) {
    m_keys.back().applies = std::move(f);
    return *this;
  }
  KeyTable& written_if(std::function<bool(const S&)> f) {
    m_keys.back().write_if = std::move(f);
    return *this;
  }

  // Reads every key of the table from `r` into `s`, in table order; a nested mapping is read
  // where its first key stands. Does not call r.finish(): the caller may read more keys.
  void read(MapReader& r, S& s) const {
    for (size_t i = 0; i < m_keys.size(); ++i) {
      const std::string group = group_of(m_keys[i].name);
      if (group.empty()) {
        read_one(r, m_keys[i], m_keys[i].name, s);
        continue;
      }
      if (i > 0 && group_of(m_keys[i - 1].name) == group) continue;  // read with its group
      std::optional<MapReader> sub;
      if (group_required(group))
        sub = r.map(group);
      else
        sub = r.opt_map(group);
      if (!sub) continue;
      for (const Key& k : m_keys)
        if (group_of(k.name) == group) read_one(*sub, k, leaf_of(k.name), s);
      sub->finish();
    }
  }

  // Writes every key that applies, as `key: value` pairs inside the caller's open mapping.
  void write(YAML::Emitter& out, const S& s) const {
    for (size_t i = 0; i < m_keys.size(); ++i) {
      const Key& k = m_keys[i];
      if (!writes(k, s)) continue;
      const std::string group = group_of(k.name);
      if (group.empty()) {
        out << YAML::Key << k.name << YAML::Value;
        k.write(out, s);
        continue;
      }
      if (i > 0 && group_of(m_keys[i - 1].name) == group) continue;
      out << YAML::Key << group << YAML::Value << YAML::Flow << YAML::BeginMap;
      for (const Key& g : m_keys)
        if (group_of(g.name) == group && writes(g, s)) {
          out << YAML::Key << leaf_of(g.name) << YAML::Value;
          g.write(out, s);
        }
      out << YAML::EndMap;
    }
  }

  // Markdown rows `| key | value | meaning | default |` with keys under `prefix`.
  std::string markdown(const std::string& prefix, const S& defaults = S{}) const {
    std::ostringstream md;
    for (const Key& k : m_keys) {
      const std::string def = !k.default_text.empty()    ? k.default_text
                              : k.need == Need::required ? "required"
                                                         : k.show(defaults);
      md << "| `" << prefix << k.name << "` | " << k.type << " | " << k.doc << " | " << def
         << " |\n";
    }
    return md.str();
  }

  const std::vector<Key>& keys() const { return m_keys; }
  const Key* find(const std::string& name) const {
    for (const Key& k : m_keys)
      if (k.name == name) return &k;
    return nullptr;
  }

 private:
  template <class F, class P>
  KeyTable& add_parsed(std::string name, Field<S, F> f, Parser<P> p, Need need, std::string doc,
                       std::string type) {
    Key k = base_key(std::move(name), need, std::move(doc), std::move(type));
    k.read = [=](MapReader& r, const std::string& leaf, S& s) {
      f(s) = static_cast<F>(need == Need::required ? r.get(leaf, p)
                                                   : r.get(leaf, p, static_cast<P>(f(s))));
    };
    k.validate = [=](MapReader& r, const std::string& leaf) { r.get(leaf, p); };
    k.write = [=](YAML::Emitter& out, const S& s) { out << f(s); };
    k.show = [=](const S& s) {
      std::ostringstream o;
      o << std::boolalpha << f(s);
      return o.str();
    };
    if constexpr (std::is_arithmetic_v<F>) k.set = [=](S& s, double v) { f(s) = F(v); };
    m_keys.push_back(std::move(k));
    return *this;
  }
  static Key base_key(std::string name, Need need, std::string doc, std::string type) {
    Key k;
    k.name = std::move(name);
    k.need = need;
    k.doc = std::move(doc);
    k.type = std::move(type);
    return k;
  }
  static void read_one(MapReader& r, const Key& k, const std::string& leaf, S& s) {
    if (!k.applies || k.applies(s)) {
      k.read(r, leaf, s);
    } else if (r.has(leaf)) {
      k.validate(r, leaf);
    }
  }
  static bool writes(const Key& k, const S& s) {
    return (!k.applies || k.applies(s)) && (!k.write_if || k.write_if(s));
  }
  static std::string group_of(const std::string& name) {
    const size_t dot = name.find('.');
    return dot == std::string::npos ? "" : name.substr(0, dot);
  }
  static std::string leaf_of(const std::string& name) { return name.substr(name.find('.') + 1); }
  bool group_required(const std::string& group) const {
    for (const Key& k : m_keys)
      if (group_of(k.name) == group && k.need == Need::required) return true;
    return false;
  }
  static std::string range_text(const char* what, int64_t lo, int64_t hi) {
    return std::string(what) + " " + std::to_string(lo) + "–" + std::to_string(hi);
  }
  static std::string quoted_list(const std::vector<std::string>& words) {
    std::string s;
    for (const auto& w : words) s += (s.empty() ? "`" : ", `") + w + "`";
    return s;
  }

  std::vector<Key> m_keys;
};

}  // namespace ncore::config
