// elementwise: `op` (sigmoid, tanh, silu, hardswish, exp, ...: the table in unary_ops.h; `none`
// is a copy) applied to every element on the vector engine, one lane-cycle per element
// (vector_engine.passes.elementwise passes). The ONNX importer emits it for one-input ops that do
// not fuse into the layer before, SiLU, and (`none`) a broadcast product or an unfinished
// pattern. Output: the input's shape; no MACs, no parameters.
#include "base/strings.h"
#include "workload/layer_kind.h"
#include "workload/unary_ops.h"

namespace ncore::workload {
namespace {

void build_elementwise(Params& p, Layer& l) {
  const auto names = unary_op_names(true);
  l.activation = p.choice("op", names, "");
  if (l.activation.empty())
    p.fail("op", "missing: the function to apply, one of " + base::join(names));
  l.out = l.in_shapes[0];
  l.vector = VectorWork{VectorOp::elementwise, l.out.c, l.out.h * l.out.w, 1, 0};
}

void eval_elementwise(const EvalArgs& a) {
  map_sum(a, unary_fn(a.l.activation));
}

}  // namespace

NCORE_REGISTER_LAYER("elementwise", 1, 1, build_elementwise, eval_elementwise, nullptr, KindFlags{},
                     KindDoc{
                         "`op`: a function of `src/workload/unary_ops.cpp` (`sigmoid`, `tanh`, "
                         "`silu`, `hardswish`, `leaky_relu`, `exp`, `erf`, ...; `none` is a copy)",
                         "vector engine, 1 lane-cycle per element"});

}  // namespace ncore::workload
