// The sweep driver: every point resolved first (a bad value fails before anything runs), then
// the output folder locked and claimed (sweep_folder.h), then one child process per group of
// points whose runs plan alike (planner::plan_key: e.g. points that differ only in the DRAM
// bandwidth; up to `jobs` groups at once). A group's child plans once and runs its points one
// after another, each in a new SystemC context, writing <out>/.<point>.tmp/, which becomes
// <out>/<point>/ when it succeeds. Finally <out>/sweep.csv (and best.csv) in the order of the
// axes, whatever `jobs` is, read from the points' summaries one at a time. Children die with the
// parent (PR_SET_PDEATHSIG), even a SIGKILLed one; SIGINT or SIGTERM to the parent kills the
// running children, removes their temporaries and ends the sweep.
// With a shard i/N, only the points whose index is i - 1 modulo N run, under their ids in the
// whole sweep; sweep.csv and best.csv hold those points only, and `merge` joins the shards.
// Test hook: NCORESIM_TEST_HOLD_POINT=pNN makes the process running that point wait (up to 5
// minutes) after its outputs are written, so a test can signal a sweep mid-way.
#pragma once
#include <string>
#include <vector>

#include "config/sweep_config.h"
#include "sim/sweep_folder.h"

namespace ncore::sim {

struct SweepOptions {
  std::string out_dir;
  unsigned jobs = 1;
  bool trace = false;
  bool force = false;             // replace another sweep's results in out_dir
  bool resume = false;            // keep the points already complete with the same config
  std::vector<std::string> sets;  // the --set overrides as given (recorded in the manifest)
  Shard shard;                    // --shard i/N: only the points index = i - 1 (mod N)
  bool progress = false;          // a status line rewritten in place (sim/progress.h); the
                                  // children then log warnings and errors only
};

// Returns 0 when every point ran (infeasible ones included), 4 when a point could not write its
// outputs, else 1 when a point failed, or 128 + the signal when SIGINT or SIGTERM stopped the
// sweep (nothing more written; --resume continues it). Throws config::ConfigError (the folder
// holds another sweep's results) and report::OutputError (the folder is locked by a running
// sweep, or the sweep's own files cannot be written).
int run_sweep(const config::SweepConfig& sc, const SweepOptions& opt);

// The sweep's exit code from its points' codes (no signal): 4 ahead of 1 ahead of 0.
int sweep_exit_code(const std::vector<int>& point_codes);

}  // namespace ncore::sim
