// Step times of a serving run (issue 16): a grid of simulated prefill(b, sequence) and
// decode(b, context) points, each a run of the base through the sweep driver (child processes,
// `jobs` at once), written to DIR/steps.csv and interpolated: linearly in the batch between
// grid rows; along the context, a row's staircase c·ceil((L+1)/T) (T the array's width: a decode
// step's attention runs one MatMul per T keys, so its time steps up every T tokens; c from a
// least-squares fit of a + b·L + c·ceil((L+1)/T) to the row) plus the rest of its time
// interpolated linearly between its points (linear interpolation across such a step was 8 %
// off). Prefill rows are interpolated linearly in the sequence. A step's time is the
// device's (`seconds`) plus the host's per-invocation overhead: the logits are sampled on the
// device and only token ids cross the host link (an assumption, as transformers-neuronx samples on
// the device).
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "config/serve_config.h"

namespace ncore::serve {

// A grid point that cannot run (its activations or weights do not fit): exit 3.
struct GridInfeasible : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct StepTable {
  std::vector<uint64_t> batches, contexts, sequences;
  std::vector<double> decode_s;   // batches x contexts, row-major
  std::vector<double> prefill_s;  // batches x sequences, row-major
  uint64_t tile = 0;              // T (0: decode rows interpolated linearly too)
  std::vector<double> stair;      // per batch row: c of its fit (fit_rows)
  void fit_rows();                // after the grid is filled
  double decode(double batch, double context) const;
  double prefill(double batch, double sequence) const;
};

// The grid's axes: the serve file's `grid`, or chosen from the scheduler and the lengths: batches
// 1, 2, 3, 4, 6, 8, 12, ... up to max_batch (static: max_batch alone), 13 contexts from 1 to the
// longest prompt plus output, 6 sequences from 1 to the longest prompt (or prefill chunk).
config::GridConfig choose_grid(const config::ServeConfig& sc);

// Simulates the grid's points into dir/grid/{decode,prefill}/ and returns their step times;
// throws std::runtime_error when a point failed.
StepTable simulate_steps(const config::ServeConfig& sc, const config::GridConfig& g,
                         const std::string& dir, unsigned jobs);

// steps.csv: phase, batch, tokens (context or sequence), seconds.
std::string steps_csv(const StepTable& t);

// Reads a steps.csv back (tests, and a serve sweep's points).
StepTable read_steps_csv(const std::string& text, uint64_t tile);

}  // namespace ncore::serve
