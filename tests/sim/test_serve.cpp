// The serving simulator (issue 16): schedules derived by hand on a step table of round numbers,
// the request stream's determinism, the step grid's interpolation against directly simulated
// decode steps, static against continuous batching on one trace, and bad serve files.
#include <catch2/catch.hpp>
#include <cmath>
#include <nlohmann/json.hpp>

#include "serve/requests.h"
#include "serve/scheduler.h"
#include "serve/step_grid.h"
#include "test_runs.h"

using namespace ncore;
using nlohmann::json;

namespace {

// Decode steps of 10 ms and prefills of 20 ms whatever the batch, context or sequence.
serve::StepTable flat_steps() {
  serve::StepTable t;
  t.batches = {1, 64};
  t.contexts = {1, 4096};
  t.sequences = {1, 4096};
  t.decode_s = {0.010, 0.010, 0.010, 0.010};
  t.prefill_s = {0.020, 0.020, 0.020, 0.020};
  return t;
}

config::SchedulerConfig policy(config::SchedulerPolicy p, uint64_t max_batch) {
  config::SchedulerConfig s;
  s.policy = p;
  s.max_batch = max_batch;
  s.timeout_s = 0.005;
  return s;
}

const char* kServe = "configs/serve/gpt2_small_trn1.yaml";

}  // namespace

TEST_CASE("serve schedules by hand: static waits for its batch, continuous admits at each step") {
  // Two requests: A at 0 s (4 output tokens), B at 0.015 s (2 output tokens), prompts 10.
  const std::vector<serve::Request> reqs = {{0.0, 10, 4}, {0.015, 10, 2}};
  const auto steps = flat_steps();
  // Static, max_batch 2, timeout 5 ms: A alone at 0.005 (its timeout); prefill to 0.025 (A's
  // first token), decode steps end at 0.035, 0.045, 0.055 (A's 4th token). B, waiting since
  // 0.015, starts at 0.055 + its own timeout passed: prefill to 0.075, one step to 0.085.
  auto st = serve::simulate(reqs, policy(config::SchedulerPolicy::static_batching, 2), steps, {});
  REQUIRE(st.out[0].first_token_s == Approx(0.025));
  REQUIRE(st.out[0].end_s == Approx(0.055));
  REQUIRE(st.out[1].first_token_s == Approx(0.075));
  REQUIRE(st.out[1].end_s == Approx(0.085));
  // Continuous, max_batch 2: A prefilled 0 -> 0.020 (its first token); B, arrived at 0.015, is
  // admitted before the next step and prefilled 0.020 -> 0.040 (prefill first: A waits); one
  // step of both to 0.050 (A's 2nd, B's 2nd and last), then A alone to 0.060 and 0.070 (4th).
  auto ct = serve::simulate(reqs, policy(config::SchedulerPolicy::continuous, 2), steps, {});
  REQUIRE(ct.out[0].first_token_s == Approx(0.020));
  REQUIRE(ct.out[1].first_token_s == Approx(0.040));
  REQUIRE(ct.out[1].end_s == Approx(0.050));
  REQUIRE(ct.out[0].end_s == Approx(0.070));
  REQUIRE(ct.decode_steps == 3);
  REQUIRE(ct.mean_batch == Approx(4.0 / 3));  // 2, 1, 1
  // The KV budget: 14 tokens hold one request (10 + 4), not both: B waits for A's end.
  serve::KvBudget kv;
  kv.tokens = 14;
  kv.bytes_per_token = 100;
  auto kt = serve::simulate(reqs, policy(config::SchedulerPolicy::continuous, 2), steps, kv);
  REQUIRE(kt.out[1].first_token_s > kt.out[0].end_s);
  // in use at most: A's 10 prompt tokens and 3 generated ones (its 4th is never cached)
  REQUIRE(kt.kv_peak_bytes == 13 * 100);
  // A request that alone exceeds the cache is rejected, the others served.
  kv.tokens = 13;
  auto rt = serve::simulate(reqs, policy(config::SchedulerPolicy::continuous, 2), steps, kv);
  REQUIRE(rt.out[0].rejected);
  REQUIRE(rt.out[1].end_s > 0);
}

TEST_CASE("the request stream is the seed's: Poisson gaps average 1/rate, lengths in range") {
  config::ArrivalConfig a;
  a.rate = 50;
  a.requests = 20000;
  a.seed = 7;
  a.prompt.kind = config::LengthDist::Kind::uniform;
  a.prompt.min = 32;
  a.prompt.max = 512;
  a.output.kind = config::LengthDist::Kind::lognormal;
  a.output.median = 100;
  a.output.sigma = 0.6;
  a.output.min = 1;
  a.output.max = 400;
  const auto r1 = serve::make_requests(a), r2 = serve::make_requests(a);
  REQUIRE(r1.size() == 20000);
  for (size_t i = 0; i < r1.size(); ++i) {
    REQUIRE(r1[i].arrival_s == r2[i].arrival_s);  // bit for bit
    REQUIRE(r1[i].prompt >= 32);
    REQUIRE(r1[i].prompt <= 512);
    REQUIRE(r1[i].output <= 400);
  }
  // 20,000 exponential gaps of mean 20 ms: the mean within 3 % (its standard error is 0.7 %)
  REQUIRE(r1.back().arrival_s / 20000 == Approx(0.02).epsilon(0.03));
  a.seed = 8;
  REQUIRE(serve::make_requests(a)[0].arrival_s != r1[0].arrival_s);
}

TEST_CASE("serve's step grid interpolates decode steps within 2 % of simulating them") {
  const std::string dir = test::scratch("serve_grid");
  const auto r = test::ncoresim(std::string("serve ") + kServe + " -q --jobs 2 -o '" + dir +
                                "/out' --set scheduler.max_batch=16 --set arrivals.requests=100" +
                                " --set arrivals.prompt.max=256 --set arrivals.output.max=128");
  INFO(r.output);
  REQUIRE(r.code == 0);
  const auto table = serve::read_steps_csv(test::read(dir + "/out/steps.csv"), 128);
  REQUIRE(table.batches == std::vector<uint64_t>{1, 2, 3, 4, 6, 8, 12, 16});
  REQUIRE(table.contexts.size() == 13);
  // Off the grid in both batch and context (contexts 1, 32, 64, ..., 384).
  const std::vector<std::pair<uint64_t, uint64_t>> points = {
      {5, 50}, {7, 111},  {10, 222}, {14, 305}, {5, 383},
      {7, 17}, {10, 160}, {14, 66},  {11, 290}, {13, 350}};
  for (const auto& [b, L] : points) {
    const auto run =
        test::ncoresim("run '" + dir + "/out/grid/base.yaml' -q --no-trace -o '" + dir +
                       "/p' --set phase=decode --set batch=" + std::to_string(b) +
                       " --set context=" + std::to_string(L));
    REQUIRE(run.code == 0);
    const json s = json::parse(test::read(dir + "/p/summary.json"));
    const double direct = s["seconds"].get<double>() + s["host"]["overhead_s"].get<double>();
    const double interpolated = table.decode(static_cast<double>(b), static_cast<double>(L));
    INFO("batch " << b << ", context " << L << ": " << direct << " s simulated, " << interpolated
                  << " s interpolated");
    REQUIRE(std::abs(interpolated / direct - 1) <= 0.02);
  }
}

TEST_CASE(
    "on one trace below saturation continuous batching serves at least static's "
    "requests/s at no more mean latency, and both report TPOT") {
  const std::string dir = test::scratch("serve_policies");
  // 40 requests, one every 50 ms, prompts 64..220 and outputs 8..86 tokens
  std::string trace = "arrival_s,prompt_tokens,output_tokens\n";
  for (int i = 0; i < 40; ++i)
    trace += std::to_string(0.05 * i) + "," + std::to_string(64 + (i * 37) % 157) + "," +
             std::to_string(8 + (i * 13) % 79) + "\n";
  test::write(dir + "/trace.csv", trace);
  test::write(dir + "/serve.yaml",
              "base: " + test::repo("configs/runs/gpt2_small_trn1_decode.yaml") +
                  "\narrivals: {trace: trace.csv}\n"
                  "scheduler: {policy: static, max_batch: 8, timeout: 20 ms}\n");
  test::write(dir + "/sweep.yaml",
              "base: serve.yaml\naxes:\n  scheduler.policy: [static, continuous]\n");
  const auto r = test::ncoresim("sweep '" + dir + "/sweep.yaml' -q --jobs 2 -o '" + dir + "/out'");
  INFO(r.output);
  REQUIRE(r.code == 0);
  const json st = json::parse(test::read(dir + "/out/p00/summary.json"))["serve"];
  const json ct = json::parse(test::read(dir + "/out/p01/summary.json"))["serve"];
  REQUIRE(st["policy"] == "static");
  REQUIRE(ct["policy"] == "continuous");
  REQUIRE(st["requests_completed"] == 40);
  REQUIRE(ct["requests_completed"] == 40);
  REQUIRE(ct["requests_per_s"].get<double>() >= st["requests_per_s"].get<double>());
  REQUIRE(ct["latency_s"]["mean"].get<double>() <= st["latency_s"]["mean"].get<double>());
  for (const json* s : {&st, &ct})
    for (const char* k : {"mean", "p50", "p90", "p99"})
      REQUIRE((*s)["tpot_s"][k].get<double>() > 0);
  const test::Csv sweep(test::read(dir + "/out/sweep.csv"));
  REQUIRE(sweep.rows() == 2);
}

TEST_CASE("a bad serve file is one clear error, exit 2") {
  const std::string dir = test::scratch("serve_bad");
  const std::string base = test::repo("configs/runs/gpt2_small_trn1_decode.yaml");
  const std::string sched = "scheduler: {policy: continuous, max_batch: 4}\n";
  test::write(dir + "/empty.csv", "arrival_s,prompt_tokens,output_tokens\n");
  struct Bad {
    std::string text;
    const char* says;
  };
  const std::vector<Bad> bad = {
      {"base: " + base + "\narrivals: {rate: -5, prompt: {tokens: 8}, output: {tokens: 8}}\n" +
           sched,
       "rate"},
      {"base: " + base + "\narrivals: {trace: empty.csv}\n" + sched, "holds no requests"},
      {"base: " + base + "\narrivals: {rate: 5, prompt: {tokens: 1000}, output: {tokens: 100}}\n" +
           sched,
       "beyond the model's max_context (1024)"},
      {"base: " + test::repo("configs/runs/bert_base_trn1.yaml") +
           "\narrivals: {rate: 5, prompt: {tokens: 8}, output: {tokens: 8}}\n" + sched,
       "is not a decoder-only language model"},
      {"base: " + base + "\narrivals: {rate: 5, prompt: {tokens: 8}, output: {tokens: 8}}\n" +
           "scheduler: {policy: fifo, max_batch: 4}\n",
       "policy"},
  };
  for (size_t i = 0; i < bad.size(); ++i) {
    const std::string f = test::write(dir + "/bad" + std::to_string(i) + ".yaml", bad[i].text);
    const auto r = test::ncoresim("serve '" + f + "' -q -o '" + dir + "/o'");
    INFO(bad[i].text << "\n" << r.output);
    REQUIRE(r.code == 2);
    REQUIRE(r.output.find(bad[i].says) != std::string::npos);
    REQUIRE(r.output.find("bad" + std::to_string(i) + ".yaml") != std::string::npos);
  }
}

TEST_CASE("chunked prefill and data-parallel copies, by hand") {
  const auto steps = flat_steps();  // decode 10 ms, prefill 20 ms
  // One request of a 10-token prompt and 3 output tokens, chunks of 4 prompt tokens: three
  // prefill steps (4, 4, 2 tokens) to 0.060, its first token; decode steps to 0.070, 0.080.
  auto s = policy(config::SchedulerPolicy::continuous, 2);
  s.chunked = true;
  s.chunk = 4;
  const auto one = serve::simulate({{0.0, 10, 3}}, s, steps, {});
  REQUIRE(one.prefill_steps == 3);
  REQUIRE(one.decode_steps == 2);
  REQUIRE(one.out[0].first_token_s == Approx(0.060));
  REQUIRE(one.out[0].end_s == Approx(0.080));
  // Two copies, round robin: two requests at 0 s each alone on its copy, both done at 0.030
  // (prefill 0.020, one decode step); one copy would take them together to the same 0.030 here
  // (flat step times), but with max_batch 1 it serializes them: the second ends at 0.060.
  const std::vector<serve::Request> two = {{0.0, 8, 2}, {0.0, 8, 2}};
  const auto c1 = policy(config::SchedulerPolicy::continuous, 1);
  const auto copies = serve::simulate_copies(two, c1, steps, {}, 2);
  REQUIRE(copies.out[0].end_s == Approx(0.030));
  REQUIRE(copies.out[1].end_s == Approx(0.030));
  REQUIRE(copies.decode_steps == 2);
  const auto alone = serve::simulate(two, c1, steps, {});
  REQUIRE(alone.out[1].end_s == Approx(0.060));
}
