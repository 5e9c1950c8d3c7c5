// Shape helpers of the ONNX importer's per-sample views (layout.h): IR shapes of layouts, default
// layouts by rank, dims arithmetic. No tensor data.
#include "workload/onnx/layout.h"

#include <cstring>

namespace ncore::workload::onnx {

bool elementwise_tag(Tag t) {
  return t == Tag::gelu_inner || t == Tag::cube || t == Tag::poly || t == Tag::sigmoid ||
         t == Tag::centered || t == Tag::square;
}

int64_t dim(const Dims& d, size_t i) {
  return i < d.size() ? d[i] : 1;
}

int64_t product(const Dims& d) {
  int64_t p = 1;
  for (int64_t x : d) p *= x;
  return p;
}

std::string dims_str(const Dims& d) {
  std::string s = "[";
  for (size_t i = 0; i < d.size(); ++i) s += (i ? ", " : "") + std::to_string(d[i]);
  return s + "]";
}

Shape ir_shape(const Layout& l, const Dims& d) {
  auto u = [](int64_t x) { return static_cast<uint64_t>(x); };
  auto at = [&](const char* labels) -> int64_t {  // the product of the dims so labelled
    int64_t p = 1;
    for (size_t i = 0; i < l.axes.size(); ++i)
      if (std::strchr(labels, l.axes[i])) p *= dim(d, i);
    return p;
  };
  switch (l.kind) {
    case Layout::Kind::chw:
      if (!l.axes.empty()) return Shape{u(at("D")), u(at("Yy")), u(at("Xx"))};
      return Shape{u(dim(d, 0)), u(dim(d, 1)), u(dim(d, 2))};
    case Layout::Kind::vec:
      return Shape{u(dim(d, 0)), 1, 1};
    case Layout::Kind::seq:
      return Shape{u(at("WSHD")), u(at("Tw")), 1};
    case Layout::Kind::scores:
      return Shape{u(at("WHK")), u(at("Q")), 1};
    case Layout::Kind::hwc:
      if (!l.axes.empty()) return Shape{u(at("D")), u(at("Yy")), u(at("Xx"))};
      return Shape{u(dim(d, 2)), u(dim(d, 0)), u(dim(d, 1))};
    case Layout::Kind::grouped:
      return Shape{u(dim(d, 0) * dim(d, 1)), u(dim(d, 2)), u(dim(d, 3))};
  }
  return {};
}

std::optional<Layout> default_layout(size_t rank) {
  if (rank == 1) return Layout{Layout::Kind::vec, ""};
  if (rank == 2) return Layout{Layout::Kind::seq, "TD"};
  if (rank == 3) return Layout{Layout::Kind::chw, ""};
  return std::nullopt;
}

Dims squeezed(const Dims& d) {
  Dims out;
  for (int64_t x : d)
    if (x != 1) out.push_back(x);
  return out;
}

}  // namespace ncore::workload::onnx
