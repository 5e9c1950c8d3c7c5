// Swin's windowed attention in the ONNX importer (layout.h's labels w, W, S and the hwc "YyXxD"
// view): the reshapes that cut an image into windows or a projection into Q, K and V are views;
// the transposes that move data are layers. An image [H, W, C] reshaped to [H / y, y, W / x, x, C]
// and transposed to [H / y, W / x, y, x, C] is a window_partition, and its inverse a
// window_reverse; picking Q, K or V from a windowed fused projection is a transpose to the
// channels (each window a head of the matmul), and merging the heads of a windowed context back
// into features a transpose to the tokens. Called by shape_ops.cpp, sequence_ops.cpp, gemm.cpp.
#pragma once
#include <optional>

#include "workload/onnx/import_state.h"

namespace ncore::workload::onnx {

// Whether a seq layout holds windows or a fused QKV split (labels w, W, S).
bool windowed(const Layout& l);
// A seq whose one channel label is its last, D: features per token (TD, wTD, wwTTD).
bool token_features(const Layout& l);
// The view a reshape of windowed x (or of an hwc image into windows and back) to per-sample dims
// `out` gives, emitting a transpose to the tokens when W heads merge back into features; nullopt
// when it is not such a reshape.
std::optional<Value> windowed_reshape(ImportState& st, const NodeProto& n, const Value& x, Value v);
// A transpose (per-sample perm) of windowed x or of an hwc image cut into windows: a
// window_partition, a window_reverse, or a view; nullopt when x is neither.
std::optional<Value> windowed_transpose(ImportState& st, const NodeProto& n, const Value& x,
                                        const Dims& perm, Value v);
// Gather of one part (index i) of the S axis: a transpose to the channels of windowed x, else a
// channel slice.
Value qkv_part(ImportState& st, const NodeProto& n, const Value& x, size_t axis, int64_t i);
// W folded into H (heads = windows x heads) for the matmul rules; the W dim's size, or 1.
Value fold_windows(const Value& x, int64_t& windows);

}  // namespace ncore::workload::onnx
