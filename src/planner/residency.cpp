// Residency (see residency.h): the tensors and their live ranges, SBUF occupancy per layer, the
// loop order of each MatMul layer, spill victims, and the fallback to finer tiling.
#include "planner/residency.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "base/math.h"
#include "planner/estimate.h"
#include "planner/plan_error.h"

namespace ncore::planner {
namespace {

using base::ceil_div;
using workload::Layer;

constexpr uint64_t kMaxBytes = uint64_t{1} << 56;

const Tensor& tensor(const Residency& r, int t) {
  return r.tensors[static_cast<size_t>(t)];
}

// The tensors at batch b (0: the network input, l + 1: layer l's output), with their producers
// and last consumers. The network input and outputs live in DRAM by design (class io).
std::vector<Tensor> build_tensors(const PlanInputs& in) {
  const auto& g = in.g;
  const size_t n = g.layers.size();
  std::vector<Tensor> t(n + 1);
  auto bytes = [&](const workload::Shape& s) {
    const unsigned __int128 b =
        static_cast<unsigned __int128>(s.elems()) * in.batch * in.dtype_bytes;
    if (b > kMaxBytes)
      throw PlanError("a tensor of " + s.str() + " at batch " + std::to_string(in.batch) +
                      " exceeds 2^56 bytes: reduce the batch");
    return static_cast<uint64_t>(b);
  };
  t[0].bytes = bytes(g.input);
  t[0].io_home = t[0].source = true;
  for (size_t i = 0; i < n; ++i) {
    t[i + 1].bytes = bytes(g.layers[i].out);
    t[i + 1].producer = static_cast<int>(i);
    t[i + 1].io_home = t[i + 1].source = g.layers[i].external;
    // A new K or V entry lives in the cache in DRAM as well: written out as it is produced.
    t[i + 1].kv = g.layers[i].kv_read || g.layers[i].kv_write;
    if (g.layers[i].kv_write) t[i + 1].io_home = true;
  }
  for (size_t i = 0; i < n; ++i) {
    if (g.layers[i].shape_only) continue;
    for (int x : in.in_tensors(i)) t[static_cast<size_t>(x)].last_use = static_cast<int>(i);
  }
  for (int x : g.outputs()) t[static_cast<size_t>(g.resolve(x))].io_home = true;
  return t;
}

// Static weights (options.weights): every weight block once, the vector layers' parameters and
// the weights of convs lowered `vector`, all kept for the whole invocation.
uint64_t static_weight_bytes(const PlanInputs& in, const Residency& r) {
  uint64_t bytes = 0;
  for (const WeightBlock& b : weight_blocks(in, r, true)) bytes += b.bytes;
  for (size_t i = 0; i < in.g.layers.size(); ++i) {
    const Layer& l = in.g.layers[i];
    if (l.vector) bytes += l.vector->param_elems * in.dtype_bytes;
    if (r.lowering[i].kind == isa::Lowering::vector)
      bytes += l.dense_weight_elems() * in.dtype_bytes;
  }
  return bytes;
}

// prefetch_depth buffers of the largest weight block (a block-diagonal tile with its zeros: pack
// times its groups' weights); with static weights, all of them (static_weight_bytes).
uint64_t weight_region_bytes(const PlanInputs& in, const Residency& r) {
  if (in.opt.static_weights) return static_weight_bytes(in, r);
  uint64_t largest = 0;
  for (size_t i = 0; i < in.g.layers.size(); ++i) {
    const Layer& l = in.g.layers[i];
    const Lowered& low = r.lowering[i];
    largest = std::max(largest, kv_tile_bytes(in, l));  // weight_blocks: KV tiles stream there
    if (!has_weight_blocks(l) || low.kind == isa::Lowering::vector) continue;
    largest = std::max(
        largest, block_bytes(*l.gemm, tile_m(*l.gemm, low, r.tiling), in.dtype_bytes) * low.pack);
  }
  return largest * in.opt.prefetch_depth;
}

// The largest part of the im2col rows one input read of layer l covers.
uint64_t max_input_k(const Layer& l, const Lowered& low, const Tiling& t) {
  uint64_t k = 0;
  for (const KStep& s : k_steps(l, low, t)) k = std::max(k, s.in_k);
  return k;
}

// Stream slots of the inputs layer l reads from DRAM: a MatMul layer reads one K block of its
// moving input at a time (the whole chunk when activation_stationary) and a stationary
// activation tile; a vector layer one lane-wide channel block.
uint64_t input_slot_bytes(const PlanInputs& in, const Residency& r, size_t l) {
  const Layer& layer = in.g.layers[l];
  if (layer.external) return 0;  // its input is an anchor: it reads nothing
  const Chunking c = chunking(layer, r.tiling);
  const auto ins = in.in_tensors(l);
  uint64_t occ = 0;
  for (size_t k = 0; k < ins.size(); ++k) {
    if (tensor(r, ins[k]).resident || layer.gather) continue;
    if (layer.gemm && k == 2) {  // a decode step's KV cache, per sample and KV head
      // streamed weights: in the weight buffers (weight_blocks); static: its own ring
      if (in.opt.static_weights) occ += r.kv_slots * kv_tile_bytes(in, layer);
      continue;
    }
    if (layer.gemm && k == 1) {  // a stationary activation tile
      occ += kStreamSlots * layer.gemm->k * block_m(*layer.gemm, r.tiling) * in.dtype_bytes;
      continue;
    }
    const uint64_t chunk = input_share(in, r, layer, ins[k], 0, c.chunk, c);
    const Lowered& low = r.lowering[l];
    if (r.orders[l] == isa::Order::activation_stationary)
      occ += kStreamSlots * chunk;
    else if (low.kind == isa::Lowering::vector)  // every group's input at once
      occ += kStreamSlots * chunk * layer.gemm->groups;
    else if (layer.gemm)  // an input block of `pack` groups
      occ += kStreamSlots * low.pack *
             ceil_div(chunk * max_input_k(layer, low, r.tiling), layer.gemm->k);
    else
      occ += kStreamSlots * lane_share(chunk, layer.vector->channels, in.hw.vector_engine.lanes);
  }
  return occ;
}

// Stream slots of an output that lives in DRAM: one output-channel block, one lane-wide channel
// block, or a gather's chunk of rows at a time.
uint64_t output_slot_bytes(const PlanInputs& in, const Residency& r, size_t l) {
  const Layer& layer = in.g.layers[l];
  const Tensor& out = tensor(r, in.out_tensor(l));
  if (out.resident || layer.external) return 0;
  const Chunking c = chunking(layer, r.tiling);
  if (layer.gemm) {
    const Lowered& low = r.lowering[l];
    const uint64_t m = low.kind == isa::Lowering::vector ? layer.gemm->groups * layer.gemm->m
                                                         : tile_m(*layer.gemm, low, r.tiling);
    return kStreamSlots * m * c.chunk * in.dtype_bytes;
  }
  if (layer.vector)
    return kStreamSlots * lane_share(ceil_div(out.bytes * c.chunk, c.total), layer.vector->channels,
                                     in.hw.vector_engine.lanes);
  return kStreamSlots * gather_chunk_rows(*layer.gather, r.tiling) * layer.gather->row_elems *
         in.dtype_bytes;
}

// The bytes an elementwise vector layer's output shares with an input of the same size that it
// reads for the last time (options.in_place): it overwrites each chunk of that input as it
// produces the chunk, as compilers' buffer assignment lets an elementwise op reuse an operand's
// buffer (e.g. XLA's buffer assignment, TVM's in-place storage rewrite). 0 when none.
uint64_t in_place_bytes(const PlanInputs& in, const Residency& r, size_t l) {
  const Layer& layer = in.g.layers[l];
  if (!in.opt.in_place || !layer.vector || layer.vector->op != workload::VectorOp::elementwise)
    return 0;
  const Tensor& out = tensor(r, in.out_tensor(l));
  if (!out.resident) return 0;
  for (int x : in.in_tensors(l)) {
    const Tensor& t = tensor(r, x);
    if (t.resident && t.last_use == static_cast<int>(l) && t.bytes == out.bytes && &t != &out)
      return out.bytes;
  }
  return 0;
}

// The bytes of the resident tensors live while each layer runs (from its producer, or the start
// for the network input, to its last consumer), for every layer at once: a difference array over
// the tensors, O(layers + tensors). Summing the tensors per layer was O(layers x tensors), and
// the spill loop repeats it per spilled tensor: cubic (4,000 spilled tensors planned in 87 s).
std::vector<uint64_t> live_resident_bytes(const Residency& r, size_t layers) {
  std::vector<uint64_t> live(layers + 1, 0);  // wraps as the sums it replaces did
  for (const Tensor& x : r.tensors) {
    if (!x.resident || x.last_use < 0 || x.last_use < x.producer) continue;
    live[static_cast<size_t>(std::max(x.producer, 0))] += x.bytes;
    live[static_cast<size_t>(x.last_use) + 1] -= x.bytes;
  }
  uint64_t sum = 0;
  for (auto& b : live) b = sum += b;
  live.pop_back();
  return live;
}

// occupancy() of layer l, given the bytes of the resident tensors live there.
uint64_t occupancy_with(const PlanInputs& in, const Residency& r, size_t l, uint64_t live) {
  const Layer& layer = in.g.layers[l];
  uint64_t occ = r.weight_region_bytes + live;
  occ -= in_place_bytes(in, r, l);
  if (layer.vector && !in.opt.static_weights) occ += layer.vector->param_elems * in.dtype_bytes;
  if (r.lowering[l].kind == isa::Lowering::vector && !in.opt.static_weights)
    occ += layer.dense_weight_elems() * in.dtype_bytes;
  if (r.lowering[l].copy)
    occ += im2col_slot_bytes(in, layer, r.tiling, tensor(r, in.in_tensors(l)[0]).resident);
  return occ + input_slot_bytes(in, r, l) + output_slot_bytes(in, r, l);
}

bool touches(const PlanInputs& in, size_t l, int t) {
  if (in.out_tensor(l) == t) return true;
  const auto ins = in.in_tensors(l);
  return std::find(ins.begin(), ins.end(), t) != ins.end();
}

// Streamed input bytes of one pass of layer l over its chunks, all groups: the sum of
// input_share over for_chunks, in closed form (a 2^24-row input has billions of chunks). A full
// chunk's proportional share is floor or ceil of bytes * chunk / total, so its cap (K x chunk)
// either never binds or always does; the full chunks' shares then add up exactly (part()).
uint64_t input_pass_bytes(const PlanInputs& in, const Residency& r, size_t l) {
  using u128 = unsigned __int128;
  const Layer& layer = in.g.layers[l];
  const Chunking c = chunking(layer, r.tiling);
  const int t = in.in_tensors(l)[0];
  const uint64_t per_group = tensor(r, t).bytes / layer.gemm->groups;
  const uint64_t full = c.span / c.chunk, rest = c.span - full * c.chunk;
  const u128 share = u128{per_group} * c.chunk;
  const u128 ceil_share = share / c.total + (share % c.total != 0);
  const u128 cap = u128{layer.gemm->k} * c.chunk * in.dtype_bytes;
  u128 bytes = 0;
  for (uint64_t s0 = 0; s0 < c.total; s0 += c.span) {
    bytes += cap >= ceil_share ? u128{part(per_group, s0, full * c.chunk, c.total)} : cap * full;
    if (rest) bytes += input_share(in, r, layer, t, s0 + full * c.chunk, rest, c);
  }
  return static_cast<uint64_t>(bytes * layer.gemm->groups);
}

// Loop order per MatMul layer (DESIGN.md "The loop nest"): weight_stationary, unless its input
// comes from DRAM (spilled, or the streamed network input) and streaming the weights again per
// chunk of positions moves fewer bytes than streaming the input again per output-channel
// block: then activation_stationary. Only for ungrouped layers with weights, and never where
// its whole-chunk input slot alone would overflow the state buffer.
void choose_orders(const PlanInputs& in, Residency& r, const std::vector<uint64_t>& live) {
  const auto& layers = in.g.layers;
  for (size_t l = 0; l < layers.size(); ++l) r.orders[l] = base_order(layers[l]);
  for (size_t l = 0; l < layers.size() && in.opt.auto_order; ++l) {
    const Layer& layer = layers[l];
    if (!has_weight_blocks(layer) || layer.gemm->groups != 1) continue;
    if (r.orders[l] != isa::Order::weight_stationary) continue;
    if (tensor(r, in.in_tensors(l)[0]).resident) continue;
    const uint64_t blocks = n_blocks(*layer.gemm, r.tiling);
    const uint64_t chunks = n_chunks(chunking(layer, r.tiling));
    if (blocks < 2 || chunks < 2) continue;
    const uint64_t ws_extra = input_pass_bytes(in, r, l) * (blocks - 1);
    // static weights: streaming them again per chunk costs nothing
    const uint64_t as_extra =
        in.opt.static_weights ? 0 : layer.dense_weight_elems() * in.dtype_bytes * (chunks - 1);
    if (as_extra >= ws_extra) continue;
    r.orders[l] = isa::Order::activation_stationary;
    if (occupancy_with(in, r, l, live[l]) > in.hw.state_buffer.capacity)
      r.orders[l] = isa::Order::weight_stationary;
  }
}

// The first layer whose occupancy exceeds the state buffer (layers.size() when none), and it.
size_t first_overflow(const PlanInputs& in, const Residency& r, const std::vector<uint64_t>& live,
                      uint64_t& occ) {
  for (size_t l = 0; l < in.g.layers.size(); ++l) {
    if (in.g.layers[l].shape_only) continue;
    occ = occupancy_with(in, r, l, live[l]);
    if (occ > in.hw.state_buffer.capacity) return l;
  }
  return in.g.layers.size();
}

// A tensor to spill at overflowing layer `over`: live there and lowering its occupancy; those
// the layer does not touch first, largest first. -1 when none helps. `live`: the resident bytes
// live at `over`.
int choose_victim(const PlanInputs& in, Residency& r, size_t over, uint64_t over_occ,
                  uint64_t live) {
  int victim = -1;
  bool victim_touched = true;
  for (size_t t = 0; t < r.tensors.size(); ++t) {
    Tensor& x = r.tensors[t];
    if (!x.resident || x.producer > static_cast<int>(over) || x.last_use < static_cast<int>(over))
      continue;
    x.resident = false;  // would it help?
    const bool helps = occupancy_with(in, r, over, live - x.bytes) < over_occ;
    x.resident = true;
    if (!helps) continue;
    const bool touched = touches(in, over, static_cast<int>(t));
    const bool better = victim < 0 || (!touched && victim_touched) ||
                        (touched == victim_touched && x.bytes > tensor(r, victim).bytes);
    if (better) {
      victim = static_cast<int>(t);
      victim_touched = touched;
    }
  }
  return victim;
}

void mark_infeasible(const PlanInputs& in, Residency& r, size_t l, uint64_t shortfall,
                     const std::string& reason) {
  r.fits = false;
  r.feasible = false;
  r.infeasible = isa::Infeasible{in.g.layers[l].name, shortfall, reason};
}

enum class Outcome { fits, infeasible, working_set_too_big };

// Spills tensors until every layer fits (see choose_victim).
Outcome spill_until_fits(const PlanInputs& in, Residency& r) {
  const uint64_t cap = in.hw.state_buffer.capacity;
  uint64_t first_shortfall = 0;
  while (true) {
    const std::vector<uint64_t> live = live_resident_bytes(r, in.g.layers.size());
    choose_orders(in, r, live);
    uint64_t over_occ = 0;
    const size_t over = first_overflow(in, r, live, over_occ);
    if (over == in.g.layers.size()) return Outcome::fits;
    if (!in.opt.allow_spill) {
      mark_infeasible(in, r, over, over_occ - cap,
                      "the live activations do not fit in the state buffer and "
                      "options.allow_spill is false");
      return Outcome::infeasible;
    }
    if (r.spilled_tensors == 0) first_shortfall = over_occ - cap;
    const int victim = choose_victim(in, r, over, over_occ, live[over]);
    if (victim < 0) {
      mark_infeasible(in, r, over, over_occ - cap,
                      r.spilled_tensors == 0
                          ? "the weight buffers and DRAM stream buffers alone exceed the "
                            "state buffer"
                          : "spilling every activation live there does not make it fit (" +
                                std::to_string(first_shortfall) + " bytes short before spilling)");
      return Outcome::working_set_too_big;
    }
    r.tensors[static_cast<size_t>(victim)].resident = false;
    ++r.spilled_tensors;
    r.fits = false;
  }
}

}  // namespace

std::vector<WeightBlock> weight_blocks(const PlanInputs& in, const Residency& r, bool once) {
  std::vector<WeightBlock> blocks;
  for (size_t l = 0; l < in.g.layers.size(); ++l) {
    const workload::Layer& layer = in.g.layers[l];
    const Lowered& low = r.lowering[l];
    if (const uint64_t kv = kv_head_bytes(in, layer); kv && !once && !in.opt.static_weights) {
      const uint64_t hp = kv_tile_heads(in, layer), groups = layer.gemm->groups;
      for (uint64_t s = 0; s < in.batch; ++s)
        for (uint64_t g = 0; g < groups; g += hp)
          blocks.push_back(WeightBlock{l, kv * std::min(hp, groups - g), g, 0, true});
      continue;
    }
    if (!has_weight_blocks(layer) || low.kind == isa::Lowering::vector) continue;
    const auto& gm = *layer.gemm;
    const uint64_t mb = tile_m(gm, low, r.tiling);
    const bool as = !once && r.orders[l] == isa::Order::activation_stationary;
    const uint64_t passes = as ? n_chunks(chunking(layer, r.tiling)) : 1;
    for (uint64_t pass = 0; pass < passes; ++pass)       // activation_stationary: once per chunk
      for_packs(gm, low, [&](uint64_t g, uint64_t gp) {  // block_diagonal: gp groups a block
        for (uint64_t m0 = 0; m0 < gp * gm.m; m0 += mb)
          blocks.push_back(WeightBlock{
              l, block_bytes(gm, std::min(mb, gp * gm.m - m0), in.dtype_bytes), as ? 0 : g, m0});
      });
  }
  return blocks;
}

uint64_t input_share(const PlanInputs& in, const Residency& r, const Layer& l, int t, uint64_t c0,
                     uint64_t n, const Chunking& c) {
  const uint64_t groups = l.gemm ? l.gemm->groups : 1;
  const uint64_t share = part(tensor(r, t).bytes / groups, c0, n, c.total);
  return l.gemm ? std::min(share, l.gemm->k * n * in.dtype_bytes) : share;
}

uint64_t occupancy(const PlanInputs& in, const Residency& r, size_t l) {
  uint64_t live = 0;
  for (const Tensor& x : r.tensors)
    if (x.resident && x.producer <= static_cast<int>(l) && x.last_use >= static_cast<int>(l))
      live += x.bytes;
  return occupancy_with(in, r, l, live);
}

std::vector<uint64_t> occupancies(const PlanInputs& in, const Residency& r) {
  std::vector<uint64_t> occ = live_resident_bytes(r, in.g.layers.size());
  for (size_t l = 0; l < occ.size(); ++l)
    occ[l] = in.g.layers[l].shape_only ? 0 : occupancy_with(in, r, l, occ[l]);
  return occ;
}

// Sources are loaded into SBUF once (unless they have to give way: then their consumers stream
// them); outputs stream to DRAM as they are produced. When even with every activation spilled
// a layer's working set (weight buffers, stream slots) exceeds the state buffer, the plan is
// tiled finer rather than failed: output-channel blocks narrower than the array and chunks of
// fewer positions, halving both until it fits.
Residency plan_residency(const PlanInputs& in) {
  Residency r;
  r.tiling = array_tiling(in.hw, in.batch);
  r.orders.resize(in.g.layers.size());
  r.kv_slots = kv_slots(in);
  const std::vector<Tensor> tensors = build_tensors(in);
  while (true) {
    r.tensors = tensors;
    // An output that layers of the network still read stays in SBUF for them and is written
    // out as well (a NeuronCore Pipeline stage's tensor for the next stage, a model's named
    // output that its pooler reads).
    // A KV cache is streamed from DRAM by the matmul that reads it (read once either way).
    for (auto& t : r.tensors)
      t.resident = t.kv && t.source ? false : t.source || t.io_home ? t.last_use >= 0 : true;
    r.fits = r.feasible = true;
    r.infeasible = {};
    r.spilled_tensors = 0;
    r.lowering = choose_lowerings(in, r.tiling);
    r.weight_region_bytes = weight_region_bytes(in, r);
    // Static weights stay whole whatever the tiling: finer tiles cannot make them fit.
    if (spill_until_fits(in, r) != Outcome::working_set_too_big || in.opt.static_weights ||
        !tile_finer(r.tiling))
      return r;
    check_cost(in, estimate_cost(in, r.tiling), "at least");  // finer tiles: more instructions
  }
}

uint64_t kv_head_bytes(const PlanInputs& in, const Layer& l) {
  if (!l.gemm || l.in_shapes.size() < 3) return 0;
  const uint64_t other = l.gemm->transpose_b ? l.gemm->k : l.gemm->m;  // the head's features
  return l.in_shapes[2].h * other * in.dtype_bytes;
}

uint64_t kv_tile_heads(const PlanInputs& in, const Layer& l) {
  const uint64_t head = kv_head_bytes(in, l);
  return head ? std::clamp<uint64_t>(kMaxKvTileBytes / head, 1, l.gemm->groups) : 0;
}

uint64_t kv_tile_bytes(const PlanInputs& in, const Layer& l) {
  return kv_head_bytes(in, l) * kv_tile_heads(in, l);
}

uint32_t kv_slots(const PlanInputs& in) {
  uint64_t smallest = 0;
  for (const Layer& l : in.g.layers) {
    const uint64_t b = kv_tile_bytes(in, l);
    if (b && (!smallest || b < smallest)) smallest = b;
  }
  if (!smallest) return kStreamSlots;
  const double in_flight = in.hw.dma.start_latency_s * in.hw.dma.queues * in.hw.dma.queue_bandwidth;
  const double slots = std::ceil(in_flight / static_cast<double>(smallest)) + 1;
  return static_cast<uint32_t>(std::clamp(slots, double{kStreamSlots}, 16.0));
}

}  // namespace ncore::planner
