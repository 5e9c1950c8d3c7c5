// ONNX import (importers.h's import_onnx): the pipeline's stages, and what maps to what.
// The file is parsed with libonnx; initializers stored as external data are never loaded (only
// their dims and dtypes are read, and the values of a MatMul weight whose dims are an embedding
// table's transposed, to find tied weights). A dynamic batch dim (dim 0 of the inputs, or the one
// dynamic dim of a sequence-first input) is set to 1, a fixed one kept and dropped per sample;
// other dynamic dims are an error. ONNX shape inference (with
// data propagation) then runs, alternating with a constant folding of the shape computations
// exporters emit (Shape -> Gather -> Concat -> Reshape, buffers sliced to the sequence length),
// until every tensor has a shape. The nodes are walked in order and each tensor becomes one of:
//  - free: initializers, constants, shape computations and attention masks (anything computed
//    from constants, static shapes and the secondary graph inputs, e.g. attention_mask). Free.
//  - an activation: an IR tensor (the model input or a layer's output) seen through a layout that
//    maps its per-sample ONNX dims onto the IR's (channels, height, width): an image [C, H, W],
//    channels-last [H, W, C] or with its channels in two factors [G, C / G, H, W]; a vector [F];
//    a sequence [T, F] -> (F, T, 1) (token ids [T] -> (1, T, 1); features first [F, T]) with its
//    multi-head views [T, heads, d], [heads, T, d], [heads, d, T] (Reshape/Transpose move heads
//    for free) and its batch-folded view [B * T, F] (GPT-2's addmm); attention scores
//    [heads, Tq, Tk] -> (heads x Tk, Tq, 1). The batch is dim 0, another dim (a Transpose moved
//    it, or a sequence-first input [T, N, E] whose one dynamic dim is N), or, in a batch-1 export,
//    merged into another dim (nn.MultiheadAttention's [T, N * heads, d]).
// Mapping (op -> kind):
//  - Conv -> conv2d (groups; auto_pad; asymmetric pads become the symmetric padding that gives
//    the same output size); Gemm, and MatMul with an initializer -> linear (an Add of a bias
//    initializer right after sets `bias`; `tied` when the weights are an embedding's table);
//    BatchNormalization -> folded into the conv2d/linear before it (`bias: true`).
//  - MatMul of two activations -> matmul when it is attention's Q K^T (K through a Transpose:
//    `transpose_b`) or P V, `heads` taken from the multi-head views; others are an error.
//  - Relu, Clip with min 0 (relu6), Tanh, Gelu, x * 0.5 * (1 + erf(x / sqrt 2)) and GPT-2's
//    0.5 x (1 + tanh(c (x + 0.044715 x^3))) -> a relu/gelu layer, fused afterwards into the
//    conv2d/linear/add/matmul before it (`activation:`) when that layer has no other reader.
//  - LayerNormalization and the ReduceMean/Sub/Pow/ReduceMean/Add/Sqrt/Div pattern (also with
//    Reciprocal/Mul, and x / sqrt(mean(x^2)) forms) -> layernorm; the scale and shift are free.
//  - Add/Sub/Mul/Div of an activation and a constant or mask -> free (a scale or shift the
//    neighbouring layer absorbs: the 1/sqrt(d) score scaling, the mask add, a LayerNorm's affine);
//    Where/Expand masking an activation -> free.
//  - Add of two activations -> add (a chain of adds merges into one add of up to 8 inputs);
//    Sub/Mul/Div of two same-shape activations -> add (the same one lane-cycle per element).
//  - MaxPool, AveragePool -> maxpool/avgpool; GlobalAveragePool, GlobalMaxPool, ReduceMean over
//    H and W or over the tokens -> global_avgpool; Softmax, LogSoftmax over the last axis ->
//    softmax; Flatten/Reshape of an image -> flatten (nothing when it is already C x 1 x 1).
//  - Gather from a 2-D float initializer -> embedding: indexed by the input (token ids) or a
//    secondary input (token types), or `broadcast` when the indices are constant (position ids)
//    and there are no more tokens than rows; Gather/Slice of a sequence's tokens -> slice.
//  - Identity, Dropout, Cast, Squeeze, Unsqueeze, Shape and reshapes that only move heads or
//    unit dims -> nothing.
//  - Other elementwise ops (Sigmoid, HardSwish, LeakyRelu, Exp, an Erf outside the GELU, x *
//    sigmoid(x), a broadcast Mul of activations as in squeeze-excitation) and a BatchNormalization
//    with no conv/linear before it -> a `relu` layer named after the node: the IR's vector cost of
//    one lane-cycle per element (a broadcast Mul reads only its larger input; a standalone
//    BatchNormalization's scale and shift are not counted as parameters).
//  - Pad -> folded into the padding of the Conv or pool it feeds when zero (else a pad layer);
//    Split and Slice (axes, steps) -> slice layers; Concat of constants to a sequence along its
//    tokens (ViT's class token) -> pad; a channel shuffle's Transpose -> channel_shuffle; an
//    image flattened into tokens -> tokens (shape only).
//  - Swin's and MaxViT's windows (window_ops.h): the partition and its reverse ->
//    window_partition / window_reverse, torch.roll's Slices and Concat -> slice / concat along
//    rows or columns, Q, K, V and merged heads of windowed attention -> transpose (windows to the
//    channels and back, so each window's heads are the matmul's heads); an Einsum that is a
//    batched matrix product -> matmul like MatMul (others are an error).
// Anything else (Tile of activations, LSTM, Resize, dilated convs, ...) is one ImportError
// listing every unsupported op type with its node names (the walk goes on past the first, errors
// that follow from it are not repeated); nothing is skipped silently. Each layer's IR output
// shape is checked against ONNX's inferred shape.
//
// Files (src/workload/onnx/): importer.cpp runs the stages below; finish.cpp the ones after the
// walk; import_state.h is what the stages and handlers share; layout.h the Value/Layout/Tag of a
// tensor; model_bytes.h the file's parse without its weights' bytes; tensor_data.h constant
// values, attributes and type names; shape_folder.h and
// shape_evaluators.cpp the folding; op_registry.h the op table the walk dispatches on. Handlers,
// one file per op family, each registering its ops: conv_pool.cpp, gemm.cpp, shape_ops.cpp,
// slice_ops.cpp, window_ops.cpp,
// arithmetic.cpp (the GELU/LayerNorm/SiLU patterns), activations.cpp, sequence_ops.cpp and
// constant_ops.cpp (ops only ever free). Adding an op: a handler and a registration line in its
// family's file, and a test in tests/workload/onnx/.
#pragma once
#include "workload/onnx/import_state.h"

namespace ncore::workload::onnx {

// ---- before the walk (importer.cpp) ----
// Keeps libprotobuf's log lines off stderr (its failures surface as ImportError instead).
void quiet_protobuf_log();
// Parses the file (refused when over 2 GiB or not a regular file), checks that every node has an
// output and the inputs its schema requires; reads the default domain's opset, the model's name.
void load(ImportState& st);
// The first graph input that is not an initializer is the model input; a dynamic batch dim
// (dim 0) becomes 1; any other dynamic dim is an error (the IR needs fixed sizes).
void prepare_inputs(ImportState& st);
// Shape inference, and constant folding of shape computations until nothing changes.
void infer(ImportState& st);
// Values for the initializers and the graph inputs; each tensor's number of readers.
void index(ImportState& st);
// Visits the nodes in order (through the op registry), then the graph outputs.
void walk(ImportState& st);

// ---- after the walk (finish.cpp) ----
// Throws the one ImportError listing every unsupported op and node, if there are any.
void report_issues(const ImportState& st);
// An activation layer (Relu, Tanh, Gelu or its pattern) whose input is the only use of a conv2d,
// linear, add or matmul's output is fused into that layer's eviction (`activation:`).
void fuse_activations(ImportState& st);
// Layers in an order where every input comes first (a merged add may have gained an input
// emitted after it), otherwise keeping the nodes' order.
void sort_layers(ImportState& st);
// The YAML header line: the file, its producer and opset, node and layer counts, weight types.
std::string source_note(const ImportState& st);
// Each layer's IR output against ONNX's inferred shape.
void check_shapes(const ImportState& st);

}  // namespace ncore::workload::onnx
