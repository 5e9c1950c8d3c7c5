// Emission of a MatMul layer in its loop order (DESIGN.md "The loop nest of one layer at batch
// b"). Every output-channel block x chunk of positions is one tile: a MatMul per K block
// accumulating in a PSUM bank, then the eviction through the vector engine (activation fused)
// and, for an output that lives in DRAM, its write. The orders differ in what stays and what
// streams again: see gemm_emit.cpp.
#pragma once
#include <cstddef>

#include "isa/program.h"
#include "planner/emitter.h"

namespace ncore::planner {

// Emits MatMul layer l in the order the residency pass chose; counts its MatMuls and weight
// blocks in lp.
void emit_gemm(Emitter& e, size_t l, isa::LayerPlan& lp);

}  // namespace ncore::planner
