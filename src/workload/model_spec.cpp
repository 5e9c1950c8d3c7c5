// ModelSpec -> Graph through the layer registry (see model_spec.h).
#include "workload/model_spec.h"

#include <algorithm>
#include <map>

#include "workload/layer_kind.h"

namespace ncore::workload {
namespace {

// The bounds a YAML model's layer keys have (config/model_loader.cpp): counts up to 2^30,
// kernel, stride and padding pairs up to 2^20.
constexpr int64_t kMaxCount = int64_t{1} << 30;
constexpr int64_t kMaxPair = int64_t{1} << 20;

// workload::Params over a LayerSpec's keys.
class SpecParams : public Params {
 public:
  explicit SpecParams(const LayerSpec& s) : m_s(s) {}

  uint64_t count(const std::string& key, std::optional<uint64_t> fallback, uint64_t lo) override {
    const ParamValue* v = find(key);
    if (!v) return required(key, fallback);
    if (v->type != ParamValue::Type::integer) fail(key, "expected an integer");
    if (v->integer < static_cast<int64_t>(lo)) fail(key, "expected at least " + std::to_string(lo));
    if (v->integer > kMaxCount)
      fail(key, "expected at most 2^30, got " + std::to_string(v->integer));
    return static_cast<uint64_t>(v->integer);
  }

  std::array<uint64_t, 2> pair(const std::string& key,
                               std::optional<std::array<uint64_t, 2>> fallback,
                               uint64_t lo) override {
    const ParamValue* v = find(key);
    if (!v) {
      if (!fallback) fail(key, "missing required key");
      return *fallback;
    }
    std::vector<int64_t> vals;
    if (v->type == ParamValue::Type::integer) vals = {v->integer, v->integer};
    if (v->type == ParamValue::Type::list) vals = v->list;
    if (vals.size() != 2) fail(key, "expected an integer or a [height, width] pair");
    for (int64_t x : vals)
      if (x < static_cast<int64_t>(lo))
        fail(key, "expected values of at least " + std::to_string(lo));
      else if (x > kMaxPair)
        fail(key, "expected values of at most 2^20, got " + std::to_string(x));
    return {static_cast<uint64_t>(vals[0]), static_cast<uint64_t>(vals[1])};
  }

  bool flag(const std::string& key, bool fallback) override {
    const ParamValue* v = find(key);
    if (!v) return fallback;
    if (v->type != ParamValue::Type::boolean) fail(key, "expected true or false");
    return v->boolean;
  }

  std::string choice(const std::string& key, const std::vector<std::string>& choices,
                     const std::string& fallback) override {
    const ParamValue* v = find(key);
    if (!v) return fallback;
    if (v->type != ParamValue::Type::text ||
        std::find(choices.begin(), choices.end(), v->text) == choices.end())
      fail(key, "unsupported value '" + v->text + "'");
    return v->text;
  }

  [[noreturn]] void fail(const std::string& key, const std::string& what) override {
    throw ImportError(m_s.origin + ": " + key + ": " + what);
  }

  // A key the kind never asked for is an importer bug: say so rather than ignore it.
  void check_all_used() {
    for (const auto& [k, v] : m_s.params)
      if (std::find(m_asked.begin(), m_asked.end(), k) == m_asked.end())
        fail(k, "unknown key for kind " + m_s.kind);
  }

 private:
  const ParamValue* find(const std::string& key) {
    m_asked.push_back(key);
    for (const auto& [k, v] : m_s.params)
      if (k == key) return &v;
    return nullptr;
  }
  std::vector<std::string> m_asked;
  uint64_t required(const std::string& key, std::optional<uint64_t> fallback) {
    if (!fallback) fail(key, "missing required key");
    return *fallback;
  }
  const LayerSpec& m_s;
};

}  // namespace

Graph build_graph(const ModelSpec& spec) {
  Graph g;
  g.name = spec.name;
  g.file = spec.file;
  g.input = spec.input;
  const std::string input_too_large = shape_bound_error(g.input, "the input");
  if (!input_too_large.empty()) throw ImportError(spec.file + ": " + input_too_large);
  std::map<std::string, int> ids{{"input", 0}};
  const auto& registry = LayerRegistry::instance();
  if (spec.layers.empty()) throw ImportError(spec.file + ": the model has no layers");
  for (size_t i = 0; i < spec.layers.size(); ++i) {
    const LayerSpec& s = spec.layers[i];
    Layer l;
    l.name = s.name;
    l.kind = s.kind;
    if (ids.count(s.name))
      throw ImportError(s.origin + ": layer name '" + s.name + "' is used twice");
    const LayerKind* kind = registry.find(s.kind);
    if (!kind) throw ImportError(s.origin + ": unknown layer kind '" + s.kind + "'");
    for (const auto& in : s.inputs) {
      const auto it = ids.find(in);
      if (it == ids.end()) throw ImportError(s.origin + ": unknown input '" + in + "'");
      l.inputs.push_back(it->second);
    }
    if (s.inputs.empty()) l.inputs.push_back(static_cast<int>(i));
    const int n = static_cast<int>(l.inputs.size());
    if (n < kind->min_inputs || n > kind->max_inputs)
      throw ImportError(s.origin + ": " + s.kind + " takes " + std::to_string(kind->min_inputs) +
                        " to " + std::to_string(kind->max_inputs) + " inputs, got " +
                        std::to_string(n));
    for (int t : l.inputs) l.in_shapes.push_back(g.tensor_shape(t));
    SpecParams p(s);
    kind->build(p, l);
    p.check_all_used();
    const std::string too_large = layer_bound_error(l);
    if (!too_large.empty()) throw ImportError(s.origin + ": " + too_large);
    ids[s.name] = static_cast<int>(i + 1);
    g.layers.push_back(std::move(l));
  }
  return g;
}

}  // namespace ncore::workload
