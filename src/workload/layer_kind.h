// The layer-kind registry: each kind is one file in src/workload/layers/ that registers a builder
// by name (STYLE.md section 4). A builder reads its keys through `Params` (implemented over YAML by
// src/config, so no YAML reaches this folder), checks its inputs' shapes and fills in the
// layer's output shape and its GEMM or vector work. An unknown kind is an error listing the known.
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

struct LayerKind {
  std::string name;
  int min_inputs = 1, max_inputs = 1;
  // Fills layer.out and layer.gemm / layer.vector from the params and layer.in_shapes.
  std::function<void(Params&, Layer&)> build;
  static const char* registry_what() { return "layer kind"; }
};

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

// The fused activation key shared by conv2d, linear and add: none | relu | gelu | tanh, applied
// while the vector engine evicts PSUM (or writes the sum), at no extra cost.
std::string read_activation(Params& p);

}  // namespace ncore::workload

#define NCORE_REGISTER_LAYER(...)                           \
  static const ::ncore::workload::LayerRegistrar NCORE_CAT( \
      s_layer_kind_, __LINE__)(::ncore::workload::LayerKind{__VA_ARGS__})
