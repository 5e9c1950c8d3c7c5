// Emission of the layers that do not use the tensor engine: a vector layer (per lane-wide block
// of channels, per chunk of positions, one vector-engine op) and an embedding (table rows by
// DMA straight into SBUF, class weights), and a conv lowered `vector` (lowering.h). With
// vector_engine.transpose_reductions a layer that reduces over channels is transposed through
// the tensor engine around each op (identity MatMuls and PSUM evictions). See vector_emit.cpp for
// their loop orders.
#pragma once
#include <cstddef>

#include "planner/emitter.h"

namespace ncore::planner {

void emit_vector(Emitter& e, size_t l);
void emit_gather(Emitter& e, size_t l);
// A conv lowered `vector`: its weights and biases read once (class weights), then per chunk of
// positions one op over every output channel, its MACs spread over the lanes.
void emit_conv_vector(Emitter& e, size_t l);

}  // namespace ncore::planner
