// The graph IR: a network as a list of layers in topological order, with per-sample shapes.
// A tensor is (channels, height, width) per sample; a transformer's (tokens, hidden) maps to
// (hidden, tokens, 1). Layers that run on the tensor engine describe themselves as `groups`
// independent GEMMs: a K x M stationary weight matrix and `positions` moving columns per sample.
// MACs and weight bytes are derived here and nowhere else.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ncore::workload {

enum class DType { fp32, fp16, bf16, int8 };
uint32_t dtype_bytes(DType d);
const char* dtype_name(DType d);
std::optional<DType> parse_dtype(const std::string& s);

struct Shape {
  uint64_t c = 1, h = 1, w = 1;
  uint64_t elems() const { return c * h * w; }
  bool operator==(const Shape& o) const { return c == o.c && h == o.h && w == o.w; }
  std::string str() const;  // "64x56x56"
};

// A layer as matrix products on the weight-stationary array (per sample, per group).
struct Gemm {
  uint64_t groups = 1;
  uint64_t k = 0;          // reduction length of one group: (C_in / groups) * kh * kw
  uint64_t m = 0;          // output channels of one group
  uint64_t positions = 0;  // output positions per sample: the moving columns
  bool bias = true;        // one bias per output channel (BatchNorm folded into a conv)
  // The stationary operand is the layer's second input, an activation in SBUF (attention's
  // Q K^T and P V), not weights from DRAM: it differs per sample and per group (head), so a
  // MatMul never spans two samples, and the layer has no parameters.
  bool stationary_activation = false;
  bool transpose_b = false;  // stationary_activation: Q K^T (true) or P V (false)
  // stationary_activation, grouped-query attention: the query heads that share a group's
  // stationary K or V head (heads / kv_heads; 1 otherwise). The moving columns of a sample are
  // those heads' tokens, head after head: positions = heads_per_group x the first input's tokens.
  uint64_t heads_per_group = 1;
  // The weight matrix is an embedding's table (tied weights, GPT-2's LM head): read from DRAM
  // as any weight, but a parameter counted once, by the embedding.
  bool tied = false;
};

// The sliding window of a conv or pool (1x1, stride 1, no padding for a linear layer):
// output (oh, ow) reads input rows oh * sh - ph + i, columns ow * sw - pw + j.
struct Window {
  uint64_t kh = 1, kw = 1, sh = 1, sw = 1, ph = 0, pw = 0;
};

// Vector-engine work of a layer that does not use the tensor engine. Channels sit on the
// engine's lanes (one partition each); each output position costs `ops_per_position` lane-cycles
// times the hardware's passes for the op class (vector_engine.passes: softmax and layernorm
// take several passes over their data).
enum class VectorOp { elementwise, pool, reduce, softmax, layernorm };
const char* vector_op_name(VectorOp op);

struct VectorWork {
  VectorOp op = VectorOp::elementwise;
  uint64_t channels = 0;
  uint64_t positions = 0;         // output positions per sample
  uint64_t ops_per_position = 0;  // e.g. the window size of a pool
  uint64_t param_elems = 0;       // parameters read once per invocation (layernorm's scale, shift)
};

// A table lookup (embedding): `rows` rows of `row_elems` per sample are read from a table of
// `table_rows` rows in DRAM straight into SBUF; `broadcast` rows are the same for every sample
// (position embeddings), so they are read once per invocation.
struct Gather {
  uint64_t rows = 0, row_elems = 0, table_rows = 0;
  bool broadcast = false;
};

struct Layer {
  std::string name;
  std::string kind;
  std::vector<int> inputs;  // tensor ids: 0 is the model input, i + 1 the output of layer i
  std::vector<Shape> in_shapes;
  Shape out;
  std::optional<Gemm> gemm;          // runs on the tensor engine
  std::optional<VectorWork> vector;  // runs on the vector engine only
  std::optional<Gather> gather;      // DMA only
  Window window;                     // conv2d, maxpool, avgpool
  // slice: along axis 0 (channels), 1 (height) or 2 (width), elements start, start + step, ...
  struct {
    uint32_t axis = 1;
    uint64_t start = 0, step = 1;
  } slice;
  uint32_t concat_axis = 0;     // concat: 0 channels, 1 height, 2 width
  uint64_t shuffle_groups = 1;  // channel_shuffle: the groups whose channels interleave
  // window_partition, window_reverse: windows of wh x ww positions on a gh x gw grid;
  // transpose: `windows` blocks of tokens to the channels (count channels from start) or back
  struct {
    uint64_t wh = 1, ww = 1, gh = 1, gw = 1;
    uint64_t windows = 1, start = 0, count = 0;
    bool to_channels = true;
  } windows;
  std::string activation = "none";  // fused into the PSUM eviction (free): relu, gelu, tanh, silu
  // rope: the heads its features split into, and the frequency base (theta)
  struct {
    uint64_t heads = 1, base = 10000;
  } rope;
  // The position of the first token (a decode step's context; set by the model loader, 0
  // otherwise): rope rotates token t of its input by position0 + t.
  uint64_t position0 = 0;
  bool shape_only = false;  // no data moves: the output aliases the input (flatten)
  bool external = false;    // the output is read from DRAM (class io), not computed
  // A decoder's KV cache (issue 16): kv_read, an external layer holding the cache's earlier
  // tokens, read from DRAM as class kv; kv_write, a layer whose output is a new K or V entry,
  // also written to the cache in DRAM (class kv).
  bool kv_read = false;
  bool kv_write = false;
  uint32_t line = 0;  // the model file's line of this layer, for messages

  uint64_t macs_per_sample() const;
  uint64_t weight_elems() const;  // parameters: weights, biases, tables, norm scales (tied once)
  // Parameters read whole once per invocation (all but embedding tables, which are read by
  // row): the W of DESIGN.md's "weight bytes = W per invocation" invariant.
  uint64_t dense_weight_elems() const;
};

// Size bounds every model meets, whatever file it came from (YAML, ONNX, SCALE-Sim CSV), so that
// sizes stay far from 64-bit overflow at any batch the planner accepts: each dimension at most
// 2^24, at most 2^40 elements per sample in a tensor, 2^50 MACs and 2^40 parameters per layer.
constexpr uint64_t kMaxDim = uint64_t{1} << 24;
constexpr uint64_t kMaxElemsPerSample = uint64_t{1} << 40;
constexpr uint64_t kMaxLayerMacs = uint64_t{1} << 50;
constexpr uint64_t kMaxLayerParams = uint64_t{1} << 40;
// What is wrong with a tensor's shape ("" when it is within the bounds).
std::string shape_bound_error(const Shape& s, const std::string& what);
// What is wrong with a built layer's sizes ("" when they are within the bounds).
std::string layer_bound_error(const Layer& l);

// What a run of a decoder-only language model computes (issue 16): the model file's full
// forward (none: no KV cache), a prefill of `sequence` tokens that writes the KV cache it
// creates, or one decode step of one token per sequence that reads `context` cached tokens per
// layer and KV head and appends one.
enum class Phase { none, prefill, decode };
const char* phase_name(Phase p);

struct Variant {
  Phase phase = Phase::none;
  uint64_t sequence = 0;  // tokens per sample (0: the model file's); none or prefill
  uint64_t context = 0;   // decode: the tokens already in the KV cache
  bool operator==(const Variant& o) const {
    return phase == o.phase && sequence == o.sequence && context == o.context;
  }
};

struct Graph {
  std::string name;
  std::string file;  // where it was loaded from (for messages)
  Shape input;
  // A decoder-only language model (the model file's `decoder: true`): `phase` applies; its
  // positions (sequence, context) go up to max_context (0: unbounded).
  bool decoder = false;
  uint64_t max_context = 0;
  Variant variant;  // what the graph was built for
  std::vector<Layer> layers;
  // Tensor ids the model file names as outputs (its `outputs:` key) beside those nobody
  // consumes: a consumed tensor the model also returns (a Hugging Face encoder's last hidden
  // state, read by its pooler too).
  std::vector<int> named_outputs;

  uint64_t macs_per_sample() const;
  uint64_t weight_elems() const;
  uint64_t dense_weight_elems() const;
  // The network's outputs: the tensor ids nobody consumes, and the named ones, in id order.
  std::vector<int> outputs() const;
  const Shape& tensor_shape(int id) const { return id == 0 ? input : layers[id - 1].out; }
  // The tensor whose data tensor id holds: a shape-only layer's output is its input's data.
  int resolve(int id) const {
    while (id > 0 && layers[static_cast<size_t>(id - 1)].shape_only)
      id = layers[static_cast<size_t>(id - 1)].inputs[0];
    return id;
  }
};

}  // namespace ncore::workload
