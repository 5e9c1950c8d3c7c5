// Reads a model file (models/*.yaml) into the graph IR: the input shape, then each layer through
// the layer-kind registry, resolving input names to tensors. Unknown kinds, unknown or
// repeated names and shape errors are ConfigErrors at the layer's line.
#include <algorithm>
#include <map>

#include "base/strings.h"
#include "config/hw_loader.h"
#include "workload/layer_kind.h"

namespace ncore::config {
namespace {

// workload::Params over one layer's YAML mapping.
class YamlParams : public workload::Params {
 public:
  explicit YamlParams(MapReader& r) : m_r(r) {}

  uint64_t count(const std::string& key, std::optional<uint64_t> fallback, uint64_t lo) override {
    const auto p = integer_in(static_cast<int64_t>(lo), 1 << 30);
    if (fallback) return static_cast<uint64_t>(m_r.get(key, p, static_cast<int64_t>(*fallback)));
    return static_cast<uint64_t>(m_r.get(key, p));
  }

  std::array<uint64_t, 2> pair(const std::string& key,
                               std::optional<std::array<uint64_t, 2>> fallback,
                               uint64_t lo) override {
    YAML::Node n = m_r.raw(key, !fallback);
    if (!n) return *fallback;
    const auto p = integer_in(static_cast<int64_t>(lo), 1 << 20);
    auto one = [&](const YAML::Node& e) -> uint64_t {
      if (!e.IsScalar()) m_r.fail_at(e, key, "expected " + p.what + " or a [height, width] pair");
      try {
        return static_cast<uint64_t>(p.parse(e.Scalar()));
      } catch (const std::exception& ex) {
        m_r.fail_at(e, key, ex.what());
      }
    };
    if (n.IsSequence()) {
      if (n.size() != 2) m_r.fail_at(n, key, "expected a [height, width] pair");
      return {one(n[0]), one(n[1])};
    }
    const uint64_t v = one(n);
    return {v, v};
  }

  bool flag(const std::string& key, bool fallback) override {
    return m_r.get(key, boolean(), fallback);
  }

  std::string choice(const std::string& key, const std::vector<std::string>& choices,
                     const std::string& fallback) override {
    return m_r.get(key, one_of(choices), fallback);
  }

  [[noreturn]] void fail(const std::string& key, const std::string& what) override {
    m_r.fail(key, what);
  }

 private:
  MapReader& m_r;
};

// The model file's `outputs:` (optional): layer names whose outputs the model returns even though
// later layers read them too.
std::vector<int> named_outputs(MapReader& root, const std::map<std::string, int>& tensor_ids) {
  std::vector<int> out;
  if (!root.has("outputs")) return out;
  for (const auto& e : root.seq("outputs")) {
    const auto it = e.IsScalar() ? tensor_ids.find(e.Scalar()) : tensor_ids.end();
    if (it == tensor_ids.end() || it->second == 0)
      root.fail_at(e, "outputs", "expected a layer name (the model returns its output)");
    out.push_back(it->second);
  }
  return out;
}

// The model's `input` shape.
void read_input(MapReader& root, workload::Graph& g) {
  MapReader in = root.map("input");
  const auto dim = integer_in(1, 1 << 24);
  g.input.c = static_cast<uint64_t>(in.get("channels", dim));
  g.input.h = static_cast<uint64_t>(in.get("height", dim, int64_t{1}));
  g.input.w = static_cast<uint64_t>(in.get("width", dim, int64_t{1}));
  in.finish();
  const std::string too_large = workload::shape_bound_error(g.input, "input");
  if (!too_large.empty()) root.fail("input", too_large);
}

// A layer's `inputs` (tensor names), or the previous layer (the model input for the first).
void read_inputs(MapReader& r, const std::map<std::string, int>& tensor_ids,
                 const workload::Graph& g, workload::Layer& l) {
  if (r.has("inputs")) {
    for (const auto& e : r.seq("inputs")) {
      if (!e.IsScalar()) r.fail_at(e, "inputs", "expected a tensor name");
      const auto it = tensor_ids.find(e.Scalar());
      if (it == tensor_ids.end()) {
        std::vector<std::string> known;
        for (const auto& [n, id] : tensor_ids) known.push_back(n);
        const std::string near = closest(e.Scalar(), known);
        r.fail_at(e, "inputs",
                  "unknown input '" + e.Scalar() + "' (inputs must name the model input or an " +
                      "earlier layer" + (near.empty() ? "" : "; did you mean " + near + "?") + ")");
      }
      l.inputs.push_back(it->second);
    }
  } else {
    l.inputs.push_back(static_cast<int>(g.layers.size()));  // the previous layer, or the input
  }
}

// A decode step's KV cache for attention matmul `mm` (its second input is the new K or V entry):
// the cache's `context` earlier tokens of that tensor's features, an external layer read from
// DRAM as class kv, which the matmul takes as its third input.
workload::Layer kv_cache_layer(const workload::Graph& g, const workload::Layer& mm,
                               uint64_t context) {
  workload::Layer c;
  c.name = mm.name + ".kv_cache";
  c.kind = "kv_cache";
  c.inputs = {0};
  c.in_shapes = {g.input};
  c.out = workload::Shape{g.tensor_shape(mm.inputs[1]).c, context, 1};
  c.external = c.kv_read = true;
  c.line = mm.line;
  return c;
}

}  // namespace

// A decoder model (`decoder: true`) with a phase: the input holds `sequence` tokens per sample
// (prefill) or one (decode); the second input of every attention matmul (the K or V tensor) is
// what the KV cache holds, so its producer writes it to the cache (kv_write), and in a decode
// step the matmul also reads the cache's `context` earlier tokens (a kv_cache layer inserted
// before it). Layers marked `phase_only` (GPT-2's tied LM head) run only with a phase, so the
// model file's full forward stays as it was.
workload::Graph load_model(const std::string& path, const std::string& yaml_text,
                           const workload::Variant& variant) {
  auto src = std::make_shared<Source>(Source{path, {}});
  MapReader root(load_yaml_string(yaml_text, path), src, "");
  workload::Graph g;
  g.file = path;
  g.name = root.get("name", text());
  g.decoder = root.get("decoder", boolean(), false);
  g.max_context = static_cast<uint64_t>(root.get("max_context", integer_in(1, 1 << 24), 0));
  read_input(root, g);
  const bool phased = g.decoder && variant.phase != workload::Phase::none;
  const bool decode = phased && variant.phase == workload::Phase::decode;
  if (variant.sequence) g.input.h = variant.sequence;
  if (decode) g.input.h = 1;
  if (phased) g.variant = variant;
  if (variant.sequence && !phased) g.variant.sequence = variant.sequence;
  std::map<std::string, int> tensor_ids{{"input", 0}};
  const auto& registry = workload::LayerRegistry::instance();
  const auto layers = root.seq("layers");
  if (layers.empty()) root.fail("layers", "a model needs at least one layer");
  for (size_t i = 0; i < layers.size(); ++i) {
    MapReader r(layers[i], src, "layers[" + std::to_string(i) + "]");
    workload::Layer l;
    l.line = static_cast<uint32_t>(layers[i].Mark().line + 1);
    l.name = r.get("name", text());
    if (tensor_ids.count(l.name)) r.fail("name", "name '" + l.name + "' is used twice");
    l.kind = r.get("kind", text());
    // Built and checked either way, kept only with a phase.
    const bool skip = r.get("phase_only", boolean(), false) && !phased;
    const workload::LayerKind* kind = registry.find(l.kind);
    if (!kind) {
      const std::string near = closest(l.kind, registry.names());
      r.fail("kind", "unknown layer kind '" + l.kind + "' (known: " + base::join(registry.names()) +
                         ")" + (near.empty() ? "" : "; did you mean " + near + "?"));
    }
    read_inputs(r, tensor_ids, g, l);
    const int n_in = static_cast<int>(l.inputs.size());
    if (n_in < kind->min_inputs || n_in > kind->max_inputs)
      r.fail("inputs",
             l.kind + " takes " +
                 (kind->min_inputs == kind->max_inputs ? std::to_string(kind->min_inputs)
                                                       : std::to_string(kind->min_inputs) + " to " +
                                                             std::to_string(kind->max_inputs)) +
                 " input(s), got " + std::to_string(n_in));
    if (phased && l.kind == "matmul") {
      if (n_in != 2)
        r.fail("inputs", "a decoder's attention matmul takes 2 inputs (the cache is added)");
      const int kv = g.resolve(l.inputs[1]);
      if (kv > 0) g.layers[static_cast<size_t>(kv - 1)].kv_write = true;
      if (decode) {
        g.layers.push_back(kv_cache_layer(g, l, variant.context));
        l.inputs.push_back(static_cast<int>(g.layers.size()));
      }
    }
    for (int t : l.inputs) l.in_shapes.push_back(g.tensor_shape(t));
    if (decode) l.position0 = variant.context;  // the step's token follows the cached ones
    YamlParams params(r);
    kind->build(params, l);
    r.finish();
    // Sizes stay far from 64-bit overflow at any batch the planner accepts (graph.h).
    const std::string too_large = workload::layer_bound_error(l);
    if (!too_large.empty()) r.fail("kind", too_large);
    if (skip) continue;
    g.layers.push_back(std::move(l));
    tensor_ids[g.layers.back().name] = static_cast<int>(g.layers.size());
  }
  g.named_outputs = named_outputs(root, tensor_ids);
  root.finish();
  if (std::all_of(g.layers.begin(), g.layers.end(), [](const auto& l) { return l.shape_only; }))
    root.fail("layers", "no layer does any work (only shape-only layers such as flatten)");
  return g;
}

}  // namespace ncore::config
