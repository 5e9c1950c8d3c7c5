// embedding: a table of `vocab` rows of `hidden` features in DRAM; each input position (a token
// id; the input is (1, tokens)) reads one row by DMA straight into SBUF: b x tokens x hidden x
// dtype bytes of class weights, not the whole table. With `broadcast: true` (position
// embeddings) every sample reads the same rows, once per invocation. Output (hidden, tokens).
// Parameters: vocab x hidden. No MACs.
#include "workload/layer_kind.h"
#include "workload/reference.h"

namespace ncore::workload {
namespace {

void build_embedding(Params& p, Layer& l) {
  const Shape& in = l.in_shapes[0];
  const uint64_t vocab = p.count("vocab", std::nullopt);
  const uint64_t hidden = p.count("hidden", std::nullopt);
  const bool broadcast = p.flag("broadcast", false);
  const uint64_t tokens = in.h * in.w;
  if (broadcast && tokens > vocab)
    p.fail("vocab", "a broadcast table needs a row per position (" + std::to_string(tokens) +
                        " > " + std::to_string(vocab) + ")");
  l.out = Shape{hidden, in.h, in.w};
  l.gather = Gather{tokens, hidden, vocab, broadcast};
}

// Each position's table row (its token id's, or its own for a broadcast table).
void eval_embedding(const EvalArgs& a) {
  const Gather& ga = *a.l.gather;
  for (uint64_t pos = a.p0; pos < a.p0 + a.pn; ++pos) {
    const uint64_t row = ga.broadcast ? pos % a.per() : token_row(a.in()[pos], ga.table_rows);
    for (uint64_t c = a.c0; c < a.c0 + a.cn; ++c)
      a.out[a.at(c, pos)] = a.params[row * ga.row_elems + c];
  }
}

}  // namespace

NCORE_REGISTER_LAYER("embedding", 1, 1, build_embedding, eval_embedding, nullptr, KindFlags{},
                     KindDoc{"`vocab`, `hidden`, `broadcast`",
                             "DMA: b × tokens rows read from the table (class `weights`; once per "
                             "invocation when `broadcast`, for position tables)"});

}  // namespace ncore::workload
