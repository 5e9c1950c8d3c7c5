// The outputs of a multi-core deployment (issue 15): the whole deployment's summary.json with
// its `deployment` block, and layers.csv with a `core` column. Each core's own figures come from
// make_summary on that core's run (core_run) and stats.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/stats.h"
#include "config/run_config.h"
#include "isa/program.h"

namespace ncore::report {

// The run as one core of the deployment sees it: the chip's DRAM (its whole bandwidth: the
// bounds and the roofline a core cannot beat), and the host link the `copies` cores on its chip
// share, chip.host.link_bandwidth / copies when that is below the core's own host.link_bandwidth.
config::RunConfig core_run(const config::RunConfig& rc, uint32_t copies);

struct CoreResult {
  uint32_t chip = 0;
  nlohmann::ordered_json summary;  // make_summary of core_run and the core's stats
};

// summary.json of a data-parallel deployment: throughput the sum of the cores', `seconds` from
// the first instruction on any core to the last (all start at 0), MACs, DRAM bytes and busy
// cycles summed, bounds and roofline over every core and chip, and the `deployment` block.
// `chips`: each chip's stats (its DRAM's row counters with dram.model banks).
nlohmann::ordered_json deployment_summary(const config::RunConfig& rc,
                                          const std::vector<CoreResult>& cores,
                                          const std::vector<const base::Stats*>& chips);

// bounds.* and roofline.* of a deployment: `macs` and DRAM `bytes` of one invocation (of every
// core), over `cores` arrays of `peak_per_cycle` MACs per cycle at `f` and `dram_bw` bytes/s of
// DRAM in all; achieved MAC/s over `seconds`.
void add_bounds(nlohmann::ordered_json& j, double macs, double bytes, double peak_per_cycle,
                double cores, double dram_bw, double f, double seconds);

// layers.csv with a first column `core`: every core's rows, core by core (each core's program:
// the same for data-parallel copies, a stage's own in a pipeline).
std::string deployment_layers_csv(const config::RunConfig& rc,
                                  const std::vector<const isa::Program*>& programs,
                                  const std::vector<const base::Stats*>& cores);

}  // namespace ncore::report
