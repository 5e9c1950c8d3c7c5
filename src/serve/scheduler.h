// The serving schedulers (issue 16), played as discrete events over the requests with step times
// from the step grid:
//  - static: a compiled batch of max_batch sequences starts when that many requests wait, or
//    `timeout` after its first request arrived (the rest of the batch padding); one prefill of
//    the batch at its longest prompt, then decode steps at the padded context until its longest
//    output ends; requests arriving meanwhile wait.
//  - continuous: iteration-level batching. Before each step, waiting requests are admitted (first
//    come, first served) while fewer than max_batch run and the KV capacity holds their prompt
//    plus output tokens (reserved whole at admission: no preemption). With separate prefill the
//    newly admitted are prefilled together in a step of their own (the running sequences wait);
//    chunked, each step decodes the running sequences and prefills up to `chunk` prompt tokens
//    of those being admitted, its time the sum of both (no saving from the fused step is
//    claimed). A decode step of sequences at different contexts takes the time of the batch at
//    their mean context (the KV traffic is the sum of their contexts).
// A request's first token comes with its prefill; each decode step gives each sequence one more.
#pragma once
#include <cstdint>
#include <limits>
#include <vector>

#include "config/serve_config.h"
#include "serve/requests.h"
#include "serve/step_grid.h"

namespace ncore::serve {

struct Outcome {
  double first_token_s = -1, end_s = -1;  // -1: not served
  bool rejected = false;  // never admitted: the queue was full, or its cache cannot fit at all
};

struct KvBudget {
  uint64_t tokens = std::numeric_limits<uint64_t>::max();  // sequences' tokens the DRAM holds
  uint64_t bytes_per_token = 0;                            // of one sequence's cache
};

struct Schedule {
  std::vector<Outcome> out;  // per request
  uint64_t decode_steps = 0, prefill_steps = 0;
  double mean_batch = 0;  // sequences per decode step (static: those not yet finished)
  uint64_t kv_peak_bytes = 0;
};

Schedule simulate(const std::vector<Request>& reqs, const config::SchedulerConfig& s,
                  const StepTable& steps, const KvBudget& kv);

// A data-parallel deployment of `cores` copies: request i goes to copy i mod cores (round robin),
// each copy schedules its own requests (simulate) with the step times of the whole deployment
// running at once (the grid's points are deployment runs: their DRAM contention included), and
// `kv` the budget of one copy. Steps add up; mean_batch is per decode step of any copy;
// kv_peak_bytes adds the copies' peaks (an upper bound of the chip's).
Schedule simulate_copies(const std::vector<Request>& reqs, const config::SchedulerConfig& s,
                         const StepTable& steps, const KvBudget& kv, uint32_t cores);

}  // namespace ncore::serve
