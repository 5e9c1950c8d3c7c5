#include "serve/scheduler.h"

#include <algorithm>
#include <deque>

namespace ncore::serve {
namespace {

// The state both policies share: the requests, the time, the waiting queue, the outcomes.
class Server {
 public:
  Server(const std::vector<Request>& reqs, const config::SchedulerConfig& s, const StepTable& st,
         const KvBudget& kv)
      : r(reqs), s(s), st(st), kv(kv) {
    sch.out.resize(reqs.size());
  }

  // Arrivals up to time `until` join the queue (or are rejected when it is full).
  void arrive_until(double until) {
    while (next < r.size() && r[next].arrival_s <= until) {
      if (s.queue_limit && queue.size() >= s.queue_limit)
        sch.out[next].rejected = true;
      else
        queue.push_back(next);
      ++next;
    }
  }
  bool more() const { return next < r.size(); }
  uint64_t need(size_t i) const { return r[i].prompt + r[i].output; }
  void reject_front() {
    sch.out[queue.front()].rejected = true;
    queue.pop_front();
  }
  void peak(uint64_t tokens) {
    sch.kv_peak_bytes = std::max(sch.kv_peak_bytes, tokens * kv.bytes_per_token);
  }

  const std::vector<Request>& r;
  const config::SchedulerConfig& s;
  const StepTable& st;
  const KvBudget& kv;
  Schedule sch;
  std::deque<size_t> queue;
  size_t next = 0;
  double t = 0;
  double batch_sum = 0;
};

// The members of one static batch, taken from the queue: at most max_batch, while the padded
// batch's cache (max_batch x (its longest prompt + its longest output)) fits.
std::vector<size_t> take_batch(Server& sv) {
  const uint64_t B = sv.s.max_batch;
  std::vector<size_t> batch;
  uint64_t prompt = 0, output = 0;  // the batch runs padded to the longest of each
  while (!sv.queue.empty() && batch.size() < B) {
    const Request& r = sv.r[sv.queue.front()];
    const uint64_t p = std::max(prompt, r.prompt), o = std::max(output, r.output);
    if (p + o > sv.kv.tokens / B) {
      if (batch.empty()) {
        sv.reject_front();  // even alone, its padded batch cannot fit
        continue;
      }
      break;
    }
    prompt = p;
    output = o;
    batch.push_back(sv.queue.front());
    sv.queue.pop_front();
  }
  return batch;
}

void run_static(Server& sv) {
  const uint64_t B = sv.s.max_batch;
  while (sv.more() || !sv.queue.empty()) {
    sv.arrive_until(sv.t);
    if (sv.queue.empty()) {
      sv.t = sv.r[sv.next].arrival_s;
      continue;
    }
    // Start when the batch is full or at the first request's timeout, whichever comes first.
    const double deadline = std::max(sv.t, sv.r[sv.queue.front()].arrival_s + sv.s.timeout_s);
    while (sv.queue.size() < B && sv.more() && sv.r[sv.next].arrival_s <= deadline) {
      sv.t = std::max(sv.t, sv.r[sv.next].arrival_s);
      sv.arrive_until(sv.t);
    }
    if (sv.queue.size() < B) sv.t = deadline;
    sv.arrive_until(sv.t);
    const std::vector<size_t> batch = take_batch(sv);
    if (batch.empty()) continue;
    uint64_t prompt = 0, output = 0;
    for (size_t i : batch) {
      prompt = std::max(prompt, sv.r[i].prompt);
      output = std::max(output, sv.r[i].output);
    }
    sv.peak(B * (prompt + output));
    sv.t += sv.st.prefill(static_cast<double>(B), static_cast<double>(prompt));
    ++sv.sch.prefill_steps;
    for (size_t i : batch) {
      sv.sch.out[i].first_token_s = sv.t;
      if (sv.r[i].output == 1) sv.sch.out[i].end_s = sv.t;
    }
    for (uint64_t j = 1; j < output; ++j) {  // token j + 1 of each sequence, at context prompt+j-1
      sv.t += sv.st.decode(static_cast<double>(B), static_cast<double>(prompt + j - 1));
      ++sv.sch.decode_steps;
      for (size_t i : batch) {
        if (sv.r[i].output > j) sv.batch_sum += 1;
        if (sv.r[i].output == j + 1) sv.sch.out[i].end_s = sv.t;
      }
    }
  }
}

struct Running {
  size_t i;
  uint64_t generated = 0;  // tokens produced (the first by the prefill)
  uint64_t prefilled = 0;  // prompt tokens through prefill (chunked)
};

class Continuous {
 public:
  explicit Continuous(Server& sv) : sv(sv) {}

  void run() {
    while (sv.more() || !sv.queue.empty() || !running.empty() || !filling.empty()) {
      sv.arrive_until(sv.t);
      if (running.empty() && filling.empty() && sv.queue.empty()) {
        sv.t = sv.r[sv.next].arrival_s;
        continue;
      }
      admit();
      if (!sv.s.chunked && !filling.empty()) {
        prefill_all();
        continue;
      }
      step();
    }
  }

 private:
  // First come, first served while a slot and the cache's room last.
  void admit() {
    while (!sv.queue.empty() && running.size() + filling.size() < sv.s.max_batch) {
      const size_t i = sv.queue.front();
      if (sv.need(i) > sv.kv.tokens) {
        sv.reject_front();  // its cache alone exceeds the DRAM
        continue;
      }
      if (reserved + sv.need(i) > sv.kv.tokens) break;
      reserved += sv.need(i);
      filling.push_back(Running{i});
      sv.queue.pop_front();
    }
  }

  void started(Running& q) {
    q.generated = 1;
    sv.sch.out[q.i].first_token_s = sv.t;
    if (sv.r[q.i].output == 1) {
      finish(q);
      return;
    }
    running.push_back(q);
  }

  void finish(const Running& q) {
    sv.sch.out[q.i].end_s = sv.t;
    reserved -= sv.need(q.i);
  }

  void prefill_all() {
    uint64_t prompt = 0;
    for (const auto& q : filling) prompt = std::max(prompt, sv.r[q.i].prompt);
    sv.t += sv.st.prefill(static_cast<double>(filling.size()), static_cast<double>(prompt));
    ++sv.sch.prefill_steps;
    for (auto& q : filling) started(q);
    filling.clear();
    track_peak();
  }

  // One iteration: a decode step of the running sequences, and (chunked) a prefill chunk.
  void step() {
    double dt = 0;
    const size_t b = running.size();
    if (b) {
      double ctx = 0;
      for (const auto& q : running) ctx += static_cast<double>(sv.r[q.i].prompt + q.generated - 1);
      dt += sv.st.decode(static_cast<double>(b), ctx / static_cast<double>(b));
      ++sv.sch.decode_steps;
      sv.batch_sum += static_cast<double>(b);
    }
    uint64_t budget = sv.s.chunk, chunk = 0;
    for (auto& q : filling) {
      const uint64_t n = std::min(budget, sv.r[q.i].prompt - q.prefilled);
      q.prefilled += n;
      chunk += n;
      budget -= n;
      if (!budget) break;
    }
    if (chunk) {
      dt += sv.st.prefill(1, static_cast<double>(chunk));
      ++sv.sch.prefill_steps;
    }
    sv.t += dt;
    std::vector<Running> still;
    for (auto& q : running) {
      if (++q.generated == sv.r[q.i].output)
        finish(q);
      else
        still.push_back(q);
    }
    running.swap(still);
    while (!filling.empty() && filling.front().prefilled == sv.r[filling.front().i].prompt) {
      started(filling.front());
      filling.pop_front();
    }
    track_peak();
  }

  void track_peak() {
    uint64_t tokens = 0;
    for (const auto& q : running) tokens += sv.r[q.i].prompt + q.generated;
    for (const auto& q : filling) tokens += q.prefilled;
    sv.peak(tokens);
  }

  Server& sv;
  std::vector<Running> running;
  std::deque<Running> filling;  // admitted, prompt not yet through prefill
  uint64_t reserved = 0;        // tokens reserved by the admitted
};

}  // namespace

Schedule simulate(const std::vector<Request>& reqs, const config::SchedulerConfig& s,
                  const StepTable& steps, const KvBudget& kv) {
  Server sv(reqs, s, steps, kv);
  if (s.policy == config::SchedulerPolicy::static_batching)
    run_static(sv);
  else
    Continuous(sv).run();
  sv.sch.mean_batch =
      sv.sch.decode_steps ? sv.batch_sum / static_cast<double>(sv.sch.decode_steps) : 0;
  return sv.sch;
}

Schedule simulate_copies(const std::vector<Request>& reqs, const config::SchedulerConfig& s,
                         const StepTable& steps, const KvBudget& kv, uint32_t cores) {
  if (cores <= 1) return simulate(reqs, s, steps, kv);
  Schedule all;
  all.out.resize(reqs.size());
  double batch_sum = 0;
  for (uint32_t c = 0; c < cores; ++c) {
    std::vector<Request> mine;
    for (size_t i = c; i < reqs.size(); i += cores) mine.push_back(reqs[i]);
    const Schedule one = simulate(mine, s, steps, kv);
    for (size_t k = 0; k < mine.size(); ++k) all.out[c + k * cores] = one.out[k];
    all.decode_steps += one.decode_steps;
    all.prefill_steps += one.prefill_steps;
    batch_sum += one.mean_batch * static_cast<double>(one.decode_steps);
    all.kv_peak_bytes += one.kv_peak_bytes;  // the copies' peaks added: an upper bound
  }
  all.mean_batch = all.decode_steps ? batch_sum / static_cast<double>(all.decode_steps) : 0;
  return all;
}

}  // namespace ncore::serve
