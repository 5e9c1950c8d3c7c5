// The layer-kind registry: each kind is one file in src/workload/layers/ that registers, by name
// (STYLE.md section 4), everything about it: its builder (it reads its keys through `Params`,
// implemented over YAML by src/config, checks its inputs' shapes and fills in the output shape
// and the GEMM, vector or gather work), its reference evaluation (functional mode), the input
// region an output tile reads, and its flags. An unknown kind is an error listing the known.
#pragma once
#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "base/registry.h"
#include "workload/graph.h"

namespace ncore::workload {

class Params {
 public:
  virtual ~Params() = default;
  // A positive integer (at least `lo`).
  virtual uint64_t count(const std::string& key, std::optional<uint64_t> fallback,
                         uint64_t lo = 1) = 0;
  // An integer or a [height, width] pair, each at least `lo`.
  virtual std::array<uint64_t, 2> pair(const std::string& key,
                                       std::optional<std::array<uint64_t, 2>> fallback,
                                       uint64_t lo = 1) = 0;
  virtual bool flag(const std::string& key, bool fallback) = 0;
  virtual std::string choice(const std::string& key, const std::vector<std::string>& choices,
                             const std::string& fallback) = 0;
  [[noreturn]] virtual void fail(const std::string& key, const std::string& what) = 0;
};

// One call of a vector or gather layer's evaluation: output channels [c0, c0 + cn) and batch
// positions [p0, p0 + pn) (position = sample x H x W + h x W + w) of `out`, from `ins` (NCHW per
// sample, over the batch) and `params` (the layer's ModelData weights).
struct EvalArgs {
  const Layer& l;
  const std::vector<const std::vector<float>*>& ins;
  std::vector<float>& out;
  const std::vector<float>& params;
  uint64_t c0, cn, p0, pn;

  uint64_t per() const { return l.out.h * l.out.w; }  // output positions per sample
  size_t at(uint64_t c, uint64_t pos) const {         // out index of channel c, position pos
    return static_cast<size_t>((pos / per() * l.out.c + c) * per() + pos % per());
  }
  const std::vector<float>& in(size_t k = 0) const { return *ins[k]; }
};
using EvalFn = void (*)(const EvalArgs&);

// Channels [c_lo, c_hi) x positions over the batch [p_lo, p_hi) of a tensor.
struct Region {
  uint64_t c_lo = 0, c_hi = 0, p_lo = 0, p_hi = 0;
};
// The region of input `k` that an output tile (channels and positions of the output) reads.
using RegionFn = Region (*)(const Layer& l, size_t k, const Region& out_tile);

struct KindFlags {
  // Each output position needs every channel (softmax, layernorm): functional mode computes it
  // with the last channel block, and a spilled output is planned chunk by chunk.
  bool reduces_channels = false;
  // Reads `activation:` and applies it while writing its output, for free (an eviction or a sum).
  bool fuses_activation = false;
};

// The README's row of a kind (`ncoresim keys kinds`): its keys, and what it costs on the hardware.
struct KindDoc {
  const char* keys = "";
  const char* cost = "";
};

struct LayerKind {
  std::string name;
  int min_inputs = 1, max_inputs = 1;
  // Fills layer.out and layer.gemm / layer.vector / layer.gather from the params and in_shapes.
  std::function<void(Params&, Layer&)> build;
  // The reference evaluation of a vector or gather layer; GEMM kinds share the GEMM reference,
  // shape-only and external kinds need none (null).
  EvalFn eval = nullptr;
  RegionFn input_region = nullptr;  // null: the output tile's own channels and positions
  KindFlags flags{};
  KindDoc doc{};
  static const char* registry_what() { return "layer kind"; }
};

// Every output element in the call's range as f(the sum of the inputs there): one input's
// value for a single-input kind, an add's sum (relu, gelu, elementwise, add).
inline void map_sum(const EvalArgs& a, float (*f)(float)) {
  for (uint64_t c = a.c0; c < a.c0 + a.cn; ++c)
    for (uint64_t pos = a.p0; pos < a.p0 + a.pn; ++pos) {
      float v = 0;
      for (const auto* src : a.ins) v += (*src)[a.at(c, pos)];
      a.out[a.at(c, pos)] = f(v);
    }
}

// The kinds as a Markdown table (`| kind | keys | on the hardware |`), for the README.
std::string kinds_reference();

// The kind of a built layer (std::logic_error for a name no file registered).
const LayerKind& kind_of(const Layer& l);

// The index of (sample n, channel c, row h, column w) in an NCHW tensor of shape s per sample.
inline size_t nchw(const Shape& s, uint64_t n, uint64_t c, uint64_t h, uint64_t w) {
  return static_cast<size_t>(((n * s.c + c) * s.h + h) * s.w + w);
}

// The input rows (all columns) a window over output positions [p0, p0 + n) reads, as positions
// over the batch of the input: from the first output row's top to the last one's bottom.
void window_rows(const Shape& is, const Shape& os, const Window& w, uint64_t p0, uint64_t n,
                 uint64_t& lo, uint64_t& hi);

using LayerRegistry = base::Registry<LayerKind>;

struct LayerRegistrar {
  explicit LayerRegistrar(LayerKind k) {
    const std::string name = k.name;
    LayerRegistry::instance().add(name, std::move(k));
  }
};

// Output size of a sliding window (conv, pool): floor((in + 2 pad - kernel) / stride) + 1,
// or with ceil_mode ceil(...) + 1 (PyTorch's ceil_mode; SCALE-Sim's ceil((in - k + s) / s));
// 0 when the window does not fit.
uint64_t window_out(uint64_t in, uint64_t kernel, uint64_t stride, uint64_t pad,
                    bool ceil_mode = false);

// The fused activation key of the kinds with flags.fuses_activation: none | relu | gelu | tanh |
// silu (SwiGLU's gate), applied while the vector engine evicts PSUM (or writes the sum), at no
// extra cost.
std::string read_activation(Params& p);

}  // namespace ncore::workload

#define NCORE_REGISTER_LAYER(...)                           \
  static const ::ncore::workload::LayerRegistrar NCORE_CAT( \
      s_layer_kind_, __LINE__)(::ncore::workload::LayerKind{__VA_ARGS__})
