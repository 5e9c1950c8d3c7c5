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

// layers.csv with a first column `core`: every core's rows, core by core.
std::string deployment_layers_csv(const config::RunConfig& rc, const isa::Program& p,
                                  const std::vector<const base::Stats*>& cores);

}  // namespace ncore::report
