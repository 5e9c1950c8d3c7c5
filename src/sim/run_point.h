// Running one point: plan, elaborate, simulate, write its outputs. SystemC elaborates once per
// simulation context, so call run_point at most once per process unless new_simulation_context
// comes between; the tests that compare points start a child process per point (DESIGN.md "One
// point, one process"), the sweep driver one per group of points.
#pragma once
#include <string>

#include "config/run_config.h"
#include "isa/program.h"

namespace ncore::sim {

constexpr int kExitOk = 0;
constexpr int kExitInternal = 1;
constexpr int kExitBadInput = 2;
constexpr int kExitInfeasible = 3;
constexpr int kExitIo = 4;  // an output could not be written (report::OutputError)

struct PointOptions {
  bool trace = true;  // write trace.json
};

// Writes summary.json, config.yaml, layers.csv (and trace.json) into out_dir, creating it.
// Returns kExitOk, or kExitInfeasible when the plan does not fit (nothing simulated; summary.json
// says fits: false with infeasible.*). Throws report::OutputError when an output cannot be
// written, and other exceptions on internal errors.
int run_point(const config::RunConfig& rc, const std::string& out_dir, const PointOptions& opt);

// run_point with its program already planned: `program` is planner::plan(r, opt.trace) for a
// run r whose planner::plan_key equals rc's (a sweep plans once for points that differ only in
// what the planner does not read, e.g. the DRAM bandwidth).
int run_planned(const config::RunConfig& rc, const isa::Program& program,
                const std::string& out_dir, const PointOptions& opt);

// Lets the next run_point or run_planned elaborate and simulate in this process again: SystemC's
// current simulation context is dropped (never freed, with its modules: the memory stays taken
// until the process exits) and the next use of SystemC makes a new one. A point simulated in
// the new context gives the numbers it gives in a process of its own, byte for byte
// (tests/sim/test_sweep_groups.cpp); a sweep's group of points runs this way (sim/sweep.h).
void new_simulation_context();

}  // namespace ncore::sim
