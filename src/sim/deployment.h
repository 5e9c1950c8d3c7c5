// Multi-core deployments (issue 15; DESIGN.md "Chip deployments"): `data_parallel` elaborates
// `deployment.cores` NeuronCores in one SystemC context, filled chip by chip (`chip.cores` per
// chip), each replaying the same program from the same start; each chip's cores bind their DMA
// queues to one shared DRAM, the chip's (`chip.dram`, its whole bandwidth), so the bandwidth a
// core gets is an outcome of the contention, not a setting.
#pragma once
#include <string>

#include "config/run_config.h"
#include "isa/program.h"
#include "sim/run_point.h"

namespace ncore::sim {

// The chips a deployment of rc spans: ceil(cores / chip.cores).
uint32_t deployment_chips(const config::RunConfig& rc);

// run_planned for a deployment other than `single` (a feasible program): simulates it and
// writes summary.json (the whole deployment, with its `deployment` block), config.yaml,
// layers.csv (a `core` column) and trace.json (a process per core and per chip).
int run_deployment(const config::RunConfig& rc, const isa::Program& program,
                   const std::string& out_dir, const PointOptions& opt);

}  // namespace ncore::sim
