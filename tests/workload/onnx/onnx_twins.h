// Compares an imported ONNX model with its YAML twin, for the importer's tests: layer by layer
// (kinds, inputs, shapes, work, parameters; names may differ) and through a simulation on the
// tiny accelerator (the same cycles, MACs and DRAM bytes). Builds no models (onnx_models.h does).
#pragma once
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "config/run_config.h"
#include "test_util.h"
#include "workload/onnx_builder.h"

namespace ncore::test::onnxb {

// ---- comparing an import with its YAML twin ----------------------------------------------------

// Layer by layer: the same kinds in order, inputs, shapes, work and parameters (names may differ).
inline void require_same(const workload::Graph& a, const workload::Graph& b) {
  REQUIRE(a.input == b.input);
  REQUIRE(a.layers.size() == b.layers.size());
  for (size_t i = 0; i < a.layers.size(); ++i) {
    const auto& x = a.layers[i];
    const auto& y = b.layers[i];
    INFO("layer " << i << ": " << x.name << " / " << y.name);
    REQUIRE(x.kind == y.kind);
    REQUIRE(x.inputs == y.inputs);
    REQUIRE(x.out == y.out);
    REQUIRE(x.activation == y.activation);
    REQUIRE(x.shape_only == y.shape_only);
    REQUIRE(x.macs_per_sample() == y.macs_per_sample());
    REQUIRE(x.weight_elems() == y.weight_elems());
    REQUIRE(x.gemm.has_value() == y.gemm.has_value());
    if (x.gemm) {
      REQUIRE(x.gemm->groups == y.gemm->groups);
      REQUIRE(x.gemm->k == y.gemm->k);
      REQUIRE(x.gemm->m == y.gemm->m);
      REQUIRE(x.gemm->positions == y.gemm->positions);
      REQUIRE(x.gemm->bias == y.gemm->bias);
      REQUIRE(x.gemm->stationary_activation == y.gemm->stationary_activation);
      REQUIRE(x.gemm->transpose_b == y.gemm->transpose_b);
    }
    REQUIRE(x.window.kh == y.window.kh);
    REQUIRE(x.window.kw == y.window.kw);
    REQUIRE(x.window.sh == y.window.sh);
    REQUIRE(x.window.sw == y.window.sw);
    REQUIRE(x.window.ph == y.window.ph);
    REQUIRE(x.window.pw == y.window.pw);
    REQUIRE(x.vector.has_value() == y.vector.has_value());
    if (x.vector) {
      REQUIRE(x.vector->op == y.vector->op);
      REQUIRE(x.vector->ops_per_position == y.vector->ops_per_position);
    }
    REQUIRE(x.gather.has_value() == y.gather.has_value());
    if (x.gather) REQUIRE(x.gather->broadcast == y.gather->broadcast);
  }
  REQUIRE(a.macs_per_sample() == b.macs_per_sample());
  REQUIRE(a.weight_elems() == b.weight_elems());
}

// `ncoresim run` of `model` on the tiny accelerator at batch 2; the summary.json.
inline nlohmann::json simulate(const std::string& dir, const std::string& tag,
                               const std::string& model) {
  const std::string run =
      test::write(dir + "/" + tag + "_run.yaml", "hw: " + test::repo("configs/hw/tiny.yaml") +
                                                     "\nmodel: " + model + "\nbatch: 2\n");
  const auto r =
      test::ncoresim("run '" + run + "' -q --no-trace --out '" + dir + "/" + tag + "_out'");
  INFO(r.output);
  REQUIRE(r.code == 0);
  return nlohmann::json::parse(test::read(dir + "/" + tag + "_out/summary.json"));
}

// The same cycles, MACs and every DRAM byte count (the model's name may differ).
inline void require_same_summary(const nlohmann::json& a, const nlohmann::json& b) {
  REQUIRE(a.at("batch") == 2);
  REQUIRE(a.at("cycles") == b.at("cycles"));
  REQUIRE(a.at("macs") == b.at("macs"));
  const nlohmann::json da = a.at("dram").flatten();
  const nlohmann::json db = b.at("dram").flatten();
  REQUIRE(da.contains("/read_bytes/weights"));
  REQUIRE(da.contains("/write_bytes/io"));
  REQUIRE(da.size() == db.size());
  for (const auto& [key, value] : da.items()) {
    INFO("dram" << key);
    REQUIRE(db.contains(key));
    REQUIRE(value == db.at(key));
  }
}

// Imports `model` (saved as NAME.onnx) and its YAML twin (NAME_twin.yaml) with
// config::load_model_file, checks them layer by layer and through a simulation; the import.
inline workload::Graph require_twins(const std::string& name, const Model& model,
                                     const std::string& yaml) {
  const std::string dir = test::scratch("onnx_" + name);
  const std::string onnx_path = model.save(dir + "/" + name + ".onnx");
  const std::string yaml_path = test::write(dir + "/" + name + "_twin.yaml", yaml);
  const auto imported = config::load_model_file(onnx_path);
  const auto twin = config::load_model_file(yaml_path);
  require_same(imported, twin);
  require_same_summary(simulate(dir, "onnx", onnx_path), simulate(dir, "yaml", yaml_path));
  return imported;
}

}  // namespace ncore::test::onnxb
