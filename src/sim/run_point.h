// Running one point: plan, elaborate, simulate, write its outputs. SystemC elaborates once per
// process, so call run_point at most once per process; the sweep driver and the tests that
// compare points start a child process per point (DESIGN.md "One point, one process").
#pragma once
#include <string>

#include "config/run_config.h"

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

}  // namespace ncore::sim
