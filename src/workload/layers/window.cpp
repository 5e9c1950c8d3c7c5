// window_partition and window_reverse: Swin's window partition of an image (C, H, W) into
// (H / wh) x (W / ww) windows of `window: [wh, ww]` positions, laid out window after window as
// tokens (C, H x W, 1) with each window's positions row by row, and its inverse (`grid: [gh, gw]`
// windows back into an image (C, gh x wh, gw x ww)). Data movement within each channel: a
// strided copy on the vector engine at one lane-cycle per element (an assumption, the rate of
// every copy kind here: pad, slice, concat); no MACs, no parameters. The layout is that of
// torchvision's swin_transformer.py window partition (also MaxViT's block partition).
#include "workload/layer_kind.h"

namespace ncore::workload {
namespace {

// Position (row, column) of an image of width gw x ww that window-order position p (of one
// sample) comes from.
std::pair<uint64_t, uint64_t> image_at(const Layer& l, uint64_t p) {
  const auto& w = l.windows;
  const uint64_t wi = p / (w.wh * w.ww), r = p % (w.wh * w.ww);
  return {wi / w.gw * w.wh + r / w.ww, wi % w.gw * w.ww + r % w.ww};
}

void build_partition(Params& p, Layer& l) {
  const Shape& in = l.in_shapes[0];
  const auto win = p.pair("window", std::nullopt);
  if (in.h % win[0] != 0 || in.w % win[1] != 0)
    p.fail("window", "the input's " + std::to_string(in.h) + " x " + std::to_string(in.w) +
                         " positions are not a whole number of " + std::to_string(win[0]) + " x " +
                         std::to_string(win[1]) + " windows");
  l.windows.wh = win[0];
  l.windows.ww = win[1];
  l.windows.gh = in.h / win[0];
  l.windows.gw = in.w / win[1];
  l.out = Shape{in.c, in.h * in.w, 1};
  l.vector = VectorWork{VectorOp::elementwise, in.c, in.h * in.w, 1, 0};
}

void build_reverse(Params& p, Layer& l) {
  const Shape& in = l.in_shapes[0];
  const auto win = p.pair("window", std::nullopt);
  const auto grid = p.pair("grid", std::nullopt);
  if (in.w != 1 || in.h != win[0] * win[1] * grid[0] * grid[1])
    p.fail("grid", "expected " + std::to_string(grid[0] * grid[1]) + " windows of " +
                       std::to_string(win[0] * win[1]) + " tokens (width 1), got " + in.str());
  l.windows = {win[0], win[1], grid[0], grid[1]};
  l.out = Shape{in.c, grid[0] * win[0], grid[1] * win[1]};
  l.vector = VectorWork{VectorOp::elementwise, in.c, in.h, 1, 0};
}

void eval_partition(const EvalArgs& a) {
  const Shape& is = a.l.in_shapes[0];
  for (uint64_t c = a.c0; c < a.c0 + a.cn; ++c)
    for (uint64_t pos = a.p0; pos < a.p0 + a.pn; ++pos) {
      const auto [h, w] = image_at(a.l, pos % a.per());
      a.out[a.at(c, pos)] = a.in()[nchw(is, pos / a.per(), c, h, w)];
    }
}

// Output (oh, ow) is window (oh / wh, ow / ww)'s token (oh % wh, ow % ww).
uint64_t window_token(const Layer& l, uint64_t oh, uint64_t ow) {
  const auto& w = l.windows;
  return ((oh / w.wh * w.gw + ow / w.ww) * w.wh + oh % w.wh) * w.ww + ow % w.ww;
}

void eval_reverse(const EvalArgs& a) {
  const Shape& is = a.l.in_shapes[0];
  const Shape& os = a.l.out;
  for (uint64_t c = a.c0; c < a.c0 + a.cn; ++c)
    for (uint64_t pos = a.p0; pos < a.p0 + a.pn; ++pos) {
      const uint64_t p = pos % a.per();
      a.out[a.at(c, pos)] =
          a.in()[nchw(is, pos / a.per(), c, window_token(a.l, p / os.w, p % os.w), 0)];
    }
}

// A tile of window-order positions reads the image's rows of its windows' grid rows.
Region partition_region(const Layer& l, size_t, const Region& out) {
  const auto& w = l.windows;
  const uint64_t per = l.out.h, band = w.gw * w.wh * w.ww;  // positions of one grid row
  const uint64_t lo = out.p_lo / per * per + out.p_lo % per / band * band;
  const uint64_t last = out.p_hi - 1;
  return {out.c_lo, out.c_hi, lo, last / per * per + (last % per / band + 1) * band};
}

// A tile of image rows reads the windows of their grid rows.
Region reverse_region(const Layer& l, size_t, const Region& out) {
  const auto& w = l.windows;
  const uint64_t per = l.out.h * l.out.w, band = l.out.w * w.wh;  // positions of one grid row
  const uint64_t lo = out.p_lo / per * per + out.p_lo % per / band * band;
  const uint64_t last = out.p_hi - 1;
  return {out.c_lo, out.c_hi, lo, last / per * per + (last % per / band + 1) * band};
}

}  // namespace

NCORE_REGISTER_LAYER("window_partition", 1, 1, build_partition, eval_partition, partition_region,
                     KindFlags{},
                     KindDoc{"`window` (rows, columns of a window)",
                             "vector engine, 1 lane-cycle per element (a copy reordering an "
                             "image's positions window by window into tokens)"});
NCORE_REGISTER_LAYER("window_reverse", 1, 1, build_reverse, eval_reverse, reverse_region,
                     KindFlags{},
                     KindDoc{"`window` (rows, columns of a window), `grid` (windows down, across)",
                             "vector engine, 1 lane-cycle per element (the inverse copy of "
                             "window_partition)"});

}  // namespace ncore::workload
