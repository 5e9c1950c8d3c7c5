// Multi-core deployments (issue 15; DESIGN.md "Chip deployments"): `data_parallel` elaborates
// `deployment.cores` NeuronCores in one SystemC context, filled chip by chip (`chip.cores` per
// chip), each replaying the same program from the same start; each chip's cores bind their DMA
// queues to one shared DRAM, the chip's (`chip.dram`, its whole bandwidth), so the bandwidth a
// core gets is an outcome of the contention, not a setting.
#pragma once
#include <deque>
#include <string>
#include <vector>

#include "base/stats.h"
#include "config/run_config.h"
#include "hw/dram.h"
#include "isa/program.h"
#include "report/outputs.h"
#include "sim/run_point.h"

namespace ncore::sim {

// The compute instructions of a program (its DMAs not counted), as the cost bound counts them.
uint64_t compute_instructions(const isa::Program& p);

// The chips a deployment of rc spans: ceil(cores x replicas / chip.cores).
uint32_t deployment_chips(const config::RunConfig& rc);

// Each chip's DRAM, built from chip.dram (its whole bandwidth), counting into `stats` (one per
// chip, tracing as `trace`); never freed, as every module.
std::vector<hw::Dram*> chip_drams(const config::RunConfig& rc, std::deque<base::Stats>& stats,
                                  bool trace);

// trace.json of a deployment into out_dir: the cores' processes, then one per chip holding its
// DRAM's bandwidth counter.
void write_deployment_trace(const std::string& out_dir, const config::RunConfig& rc,
                            const isa::Program& p, std::vector<report::TraceProcess> cores,
                            const std::deque<base::Stats>& chips);

// run_planned for a deployment other than `single` (a feasible program): simulates it and
// writes summary.json (the whole deployment, with its `deployment` block), config.yaml,
// layers.csv (a `core` column) and trace.json (a process per core and per chip).
int run_deployment(const config::RunConfig& rc, const isa::Program& program,
                   const std::string& out_dir, const PointOptions& opt);

// A `pipeline` deployment (sim/pipeline.cpp): the model cut into deployment.cores stages
// (planner/pipeline.h), each stage's program on its own core, replayed once per invocation
// (deployment.invocations, all queued at the start; hw/pass_gate.h): a stage starts invocation i
// when it has finished i - 1 and every stage it reads from has finished i. A stage's outputs
// cross chip.link to the next core (chip.chip_link to the next chip); the first stage reads the
// model input and the last writes its output through the chip's DRAM. Writes summary.json
// (throughput b / the steady state's period, `seconds` invocation 0's), config.yaml is the
// caller's, layers.csv (a `core` column, each stage's layers, cycles and bytes summed over the
// invocations) and trace.json. A stage that cannot fit: summary.json infeasible, exit 3.
int run_pipeline(const config::RunConfig& rc, const std::string& out_dir, const PointOptions& opt);

}  // namespace ncore::sim
