// GpSimdEngine: NeuronCore-v2's GpSimd engine (eight programmable 512-bit processors, 128 lanes of
// 32 bits, 1.4 GHz; NKI architecture guide), present when the hardware lists it. It replays its
// own queue like the other lane engines (lane_engine.h). The planner puts nothing on it yet: the
// NKI performance guide places only causal masking (and iota-like index generation) there, which
// none of the modelled layers needs; its queue, trace track and busy counter exist regardless.
#pragma once
#include <systemc>

#include "config/hw_config.h"
#include "hw/lane_engine.h"

namespace ncore::hw {

class GpSimdEngine : public LaneEngine {
 public:
  GpSimdEngine(sc_core::sc_module_name n, const config::GpSimdEngineConfig& c, double core_hz,
               const EngineWiring& w)
      : LaneEngine(n,
                   {core_hz, c.clock_hz, c.lanes, c.fixed, "gpsimd_engine.busy_cycles",
                    "gpsimd_engine.lane_cycles", &base::LayerStats::gpsimd_busy},
                   w) {}
};

}  // namespace ncore::hw
