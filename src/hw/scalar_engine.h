// ScalarEngine: NeuronCore-v2's scalar (activation) engine, present when the hardware lists it
// (engines: [..., scalar]): 128 lanes at 1.4 GHz (NKI architecture guide). It evicts PSUM banks
// to SBUF with the bias and activation fused: one `activation` instruction reads each of its N
// sums per lane once, at the same cost whatever scale, bias and function it applies (the guide,
// ScalarE "Instruction Combination"), so an eviction of M x N takes ceil(M / lanes) x N scalar
// cycles, with the fixed costs every lane engine has (lane_engine.h).
#pragma once
#include <systemc>

#include "config/hw_config.h"
#include "hw/lane_engine.h"

namespace ncore::hw {

class ScalarEngine : public LaneEngine {
 public:
  ScalarEngine(sc_core::sc_module_name n, const config::ScalarEngineConfig& c, double core_hz,
               const EngineWiring& w)
      : LaneEngine(n,
                   {core_hz, c.clock_hz, c.lanes, c.fixed, "scalar_engine.busy_cycles",
                    "scalar_engine.lane_cycles", &base::LayerStats::scalar_busy},
                   w) {}
};

}  // namespace ncore::hw
