// Functional mode's data and its direct reference (DESIGN.md "Correctness is checked"): seeded
// values for the network input, external inputs and every parameter, and a plain-loop
// evaluation of the whole graph at batch b, independent of the planner's tiling. Tensors are
// float, NCHW per batch (sample-major), whatever the simulated dtype: the check proves coverage
// and placement (every MAC exactly once, in the right place), not dtype rounding.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "workload/graph.h"

namespace ncore::workload {

struct ModelData {
  std::vector<float> input;                  // the network input, b x C x H x W
  std::vector<std::vector<float>> weights;   // per layer: gemm [group][k][m]; layernorm
                                             // scale then shift; embedding table [row][col]
  std::vector<std::vector<float>> bias;      // per layer: gemm [group][m]
  std::vector<std::vector<float>> external;  // per layer: an external layer's tensor
};

// Uniform values in [-1, 1) from a fixed generator, the same on every machine.
ModelData make_model_data(const Graph& g, uint64_t batch, uint32_t seed);

// The row of the token id that position holds: ids are derived from the (float) input values.
uint64_t token_row(float value, uint64_t rows);

// Evaluates a layer that has no MatMuls (vector ops, gathers) for output channels
// [c0, c0 + cn) and batch positions [p0, p0 + pn) (position = sample x H x W + h x W + w) by
// its kind's evaluation (layer_kind.h); kinds with flags.reduces_channels write every channel of
// their positions. `params`: the layer's ModelData weights. Shared by the reference and engines.
void eval_layer(const Layer& l, const std::vector<const std::vector<float>*>& ins,
                std::vector<float>& out, const std::vector<float>& params, uint64_t c0, uint64_t cn,
                uint64_t p0, uint64_t pn);

// Every tensor of the graph (index = tensor id: 0 the input, i + 1 layer i's output; a
// shape-only layer's output is its input's data), by direct evaluation.
std::vector<std::vector<float>> reference_forward(const Graph& g, uint64_t batch,
                                                  const ModelData& d);

}  // namespace ncore::workload
