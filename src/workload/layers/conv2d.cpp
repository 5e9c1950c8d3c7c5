// conv2d: a 2-D convolution lowered to `groups` GEMMs (im2col): K = C_in/groups * kh * kw,
// M = C_out/groups, moving columns = H_out * W_out per sample. MACs = groups * K * M * positions.
// Parameters: K * M per group, plus one bias per output channel (a folded BatchNorm) when
// `bias: true`. Output: floor((H + 2 pad - kh) / stride) + 1 (likewise W); with `ceil_mode: true`
// ceil instead of floor (SCALE-Sim's convention).
#include "workload/layer_kind.h"

namespace ncore::workload {
namespace {

void build_conv2d(Params& p, Layer& l) {
  const Shape& in = l.in_shapes[0];
  const uint64_t out_c = p.count("out_channels", std::nullopt);
  const auto k = p.pair("kernel", std::nullopt);
  const auto s = p.pair("stride", std::array<uint64_t, 2>{1, 1});
  const auto pad = p.pair("padding", std::array<uint64_t, 2>{0, 0}, 0);
  const uint64_t g = p.count("groups", 1);
  const bool bias = p.flag("bias", true);
  l.activation = read_activation(p);
  if (in.c % g != 0)
    p.fail("groups", "input channels (" + std::to_string(in.c) + ") are not divisible by groups (" +
                         std::to_string(g) + ")");
  if (out_c % g != 0)
    p.fail("groups", "out_channels (" + std::to_string(out_c) + ") are not divisible by groups (" +
                         std::to_string(g) + ")");
  const bool ceil_mode = p.flag("ceil_mode", false);
  const uint64_t oh = window_out(in.h, k[0], s[0], pad[0], ceil_mode);
  const uint64_t ow = window_out(in.w, k[1], s[1], pad[1], ceil_mode);
  if (oh == 0 || ow == 0) p.fail("kernel", "kernel larger than the padded input " + in.str());
  l.out = Shape{out_c, oh, ow};
  l.window = Window{k[0], k[1], s[0], s[1], pad[0], pad[1]};
  l.gemm = Gemm{g, in.c / g * k[0] * k[1], out_c / g, oh * ow, bias};
}

}  // namespace

NCORE_REGISTER_LAYER(
    "conv2d", 1, 1, build_conv2d, nullptr, nullptr, KindFlags{false, true},
    KindDoc{"`out_channels`, `kernel`, `stride`, `padding`, `groups`, `bias`, `activation`",
            "tensor engine, `groups` GEMMs of K = C_in/g·kh·kw, M = C_out/g"});

}  // namespace ncore::workload
