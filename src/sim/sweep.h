// The sweep driver: every point resolved first (a bad value fails before anything runs), then
// one child process per point (fork; up to `jobs` at once), each writing <out>/<point>/, and
// finally <out>/sweep.csv in the order of the axes, whatever `jobs` is.
#pragma once
#include <string>

#include "config/sweep_config.h"

namespace ncore::sim {

struct SweepOptions {
  std::string out_dir;
  unsigned jobs = 1;
  bool trace = false;
};

// Returns 0 when every point ran (infeasible ones included), 1 when a point failed.
int run_sweep(const config::SweepConfig& sc, const SweepOptions& opt);

}  // namespace ncore::sim
