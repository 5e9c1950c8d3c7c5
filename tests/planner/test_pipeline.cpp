// The NeuronCore Pipeline cut (issue 15): stages as models of their own, the time-balanced cut,
// each stage's static weights, and the published Inf1 compile table it must reproduce.
#include <catch2/catch.hpp>
#include <map>

#include "config/units.h"
#include "planner/pipeline.h"
#include "test_runs.h"
#include "workload/subgraph.h"

using namespace ncore;

TEST_CASE(
    "a stage of tiny_cnn: what it reads from before it arrives from outside, what later "
    "layers need leaves it") {
  const config::RunConfig rc = test::tiny_run("pipe_sub").load();
  // Layers 3..5 (res.conv2, res.add, pool): res.conv2 reads res.conv1 (tensor 3, before the
  // stage) and res.add reads conv2 (tensor 2, the residual): both come from outside, the
  // smaller id as the stage's input, the other as an external layer. Only pool's output (tensor
  // 6) is read after the stage (by pw).
  const workload::Subgraph s = workload::subgraph(rc.model, 3, 5);
  REQUIRE(s.inputs == std::vector<int>{2, 3});
  REQUIRE(s.externals == 1);
  REQUIRE(s.outputs == std::vector<int>{6});
  const workload::Graph& g = s.graph;
  REQUIRE(g.input == rc.model.layers[1].out);  // conv2's 32 x 16 x 16
  REQUIRE(g.layers.size() == 4);
  REQUIRE(g.layers[0].external);
  REQUIRE(g.layers[0].out == rc.model.layers[2].out);
  REQUIRE(g.layers[1].name == "res.conv2");
  REQUIRE(g.layers[1].inputs == std::vector<int>{1});     // the external res.conv1
  REQUIRE(g.layers[2].inputs == std::vector<int>{2, 0});  // res.conv2, then conv2 (the input)
  REQUIRE(g.outputs() == std::vector<int>{4});
  REQUIRE(g.macs_per_sample() == rc.model.layers[3].macs_per_sample());
}

TEST_CASE("the cut balances the planner's estimates: equal layers split evenly") {
  // Four identical linear layers, 16 x 16 each: any estimate is the same per layer, so two
  // stages take two layers each and four stages one each.
  std::string model = "name: four\ninput: {channels: 16}\nlayers:\n";
  for (int i = 0; i < 4; ++i)
    model += "  - {name: fc" + std::to_string(i) + ", kind: linear, out_features: 16}\n";
  const config::RunConfig rc = test::Run("pipe_four", "").model(model).load();
  for (uint32_t n : {1u, 2u, 4u}) {
    const auto st = planner::cut_pipeline(rc.model, rc.hw, 1, rc.dtype, rc.options, n);
    REQUIRE(st.size() == n);
    for (size_t k = 0; k < n; ++k) {
      REQUIRE(st[k].first == k * (4 / n));
      REQUIRE(st[k].last == (k + 1) * (4 / n) - 1);
      REQUIRE(st[k].est_cycles == st[0].est_cycles);
      REQUIRE(st[k].weight_bytes == (16 * 16 + 16) * 2 * (4 / n));  // fp16 weights and biases
      REQUIRE(st[k].static_weights);
    }
  }
  REQUIRE_THROWS_AS(planner::cut_pipeline(rc.model, rc.hw, 1, rc.dtype, rc.options, 5),
                    planner::PlanError);
}

TEST_CASE("static weights per stage need their weights beside the stage's activations") {
  const config::RunConfig rc = test::tiny_run("pipe_static").load();
  // tiny_cnn in 2 stages fits static in tiny.yaml's 1 MiB; with 40 KiB, the stage holding
  // res.conv1 and res.conv2 (2 x 18,496 B of weights) cannot keep them beside its activations.
  auto all_static = [&](const std::string& sbuf) {
    config::HwConfig hw = rc.hw;
    hw.state_buffer.capacity = config::parse_size(sbuf);
    bool all = true;
    for (const auto& s : planner::cut_pipeline(rc.model, hw, 1, rc.dtype, rc.options, 2)) {
      all = all && s.static_weights;
      REQUIRE(s.static_weights == (s.static_peak <= hw.state_buffer.capacity));
      REQUIRE(s.static_peak >= s.weight_bytes);
    }
    return all;
  };
  REQUIRE(all_static("1 MiB"));
  REQUIRE_FALSE(all_static("40 KiB"));
}

TEST_CASE(
    "Inf1 compile table: FP16 ResNet-50's NeuronCore Pipeline keeps its weights static over "
    "8, 12 and 16 cores at batch 1 and over 12 and 16 at batch 2, not over fewer") {
  // Neuron "Performance Tuning" application note, Neuron release of 2020-01-27 (the release of
  // the batch curve the inf1 preset is fitted to): its table of NeuronCore Pipeline compiles.
  // The preset's SBUF (20 MiB) comes from the batching note's batch-5 rule, not from this table.
  const config::RunConfig rc = test::shipped_run("configs/runs/resnet50_inf1.yaml").load();
  const std::map<std::pair<uint64_t, uint32_t>, bool> published = {
      {{1, 1}, false}, {{1, 2}, false}, {{1, 4}, false}, {{1, 8}, true}, {{1, 12}, true},
      {{1, 16}, true}, {{2, 8}, false}, {{2, 12}, true}, {{2, 16}, true}};
  for (const auto& [at, expected] : published) {
    const auto stages =
        planner::cut_pipeline(rc.model, rc.hw, at.first, rc.dtype, rc.options, at.second);
    bool all = true;
    for (const auto& s : stages) all = all && s.static_weights;
    INFO("batch " << at.first << ", " << at.second << " cores");
    REQUIRE(all == expected);
  }
}
