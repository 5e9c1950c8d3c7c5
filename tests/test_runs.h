// The tests' whole runs. `tiny_run(name)` is configs/runs/tiny_cnn.yaml (`shipped_run` another
// run file), or with .model() a small inline model on configs/hw/tiny.yaml, at a batch and with
// overrides; it is loaded or planned in process, or run by the ncoresim binary into
// scratch(name)/out (one process per point). `simulate` elaborates a plan in this process
// (SystemC: once per process, so once per test case).
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <systemc>
#include <vector>

#include "base/stats.h"
#include "config/run_config.h"
#include "hw/functional.h"
#include "hw/neuron_core.h"
#include "planner/planner.h"
#include "test_util.h"

namespace ncore::test {

// models/tiny_cnn.yaml per sample: the sums of the per-layer figures in its header comment.
constexpr uint64_t kTinyCnnMacs = 6509184, kTinyCnnParams = 26986;

// One linear layer, K = M = 4: at batch 8 on tiny.yaml, a single MatMul{4, 4, 8}.
inline const char* const kOneTile =
    "name: one_tile\ninput: {channels: 4}\nlayers:\n"
    "  - {name: fc, kind: linear, out_features: 4}\n";

// tiny_cnn at batch 4, fp16, in a 64 KiB state buffer: the DRAM bytes each layer spills (writes)
// and reads back. Spilled: conv1's output (16 x 32 x 32 x 4 x 2 B = 128 KiB), the 64 KiB outputs
// (32 x 16 x 16 x 4 x 2 B) of conv2, res.conv1, res.conv2 and res.add, none of which fits beside
// anything else, and pw's 32 KiB (64 x 8 x 8 x 4 x 2 B): dw needs it, its own 32 KiB output and
// the weight region (2 buffers of res.conv1's 2312 B block of 4 output channels), 70160 B, so
// one goes, the input. Read back: a conv streams its input once per block of 4 of
// its 32 output channels (8 times); res.add reads res.conv2 and conv2, pool res.add, and dw
// (depthwise: each channel only by its own group) pw, once each.
struct LayerSpill {
  const char* layer;
  uint64_t write, read;
};
inline const std::vector<LayerSpill> kTinyCnnSpill64KiB = {{"conv1", 131072, 0},
                                                           {"conv2", 65536, 8 * 131072},
                                                           {"res.conv1", 65536, 8 * 65536},
                                                           {"res.conv2", 65536, 8 * 65536},
                                                           {"res.add", 65536, 2 * 65536},
                                                           {"pool", 0, 65536},
                                                           {"pw", 32768, 0},
                                                           {"dw", 0, 32768},
                                                           {"gap", 0, 0},
                                                           {"fc", 0, 0}};

// What `ncoresim run` wrote into its output folder.
struct Outputs {
  std::string dir;
  nlohmann::json summary;
  std::string file(const std::string& name) const { return read(dir + "/" + name); }
  Csv layers() const { return Csv(file("layers.csv")); }
  nlohmann::json trace() const { return nlohmann::json::parse(file("trace.json")); }
};

class Run {
 public:
  // `run_file`: relative to the repository, or absolute. The scratch folder is scratch(name).
  Run(std::string name, std::string run_file)
      : m_name(std::move(name)), m_run_file(std::move(run_file)) {}

  // An inline model in place of the run file's: its text (model YAML, SCALE-Sim CSV or ONNX
  // bytes) written as `file` next to a run.yaml on hw() at batch() (default 1).
  Run& model(std::string text, std::string file = "m.yaml") {
    m_model_text = std::move(text);
    m_model_file = std::move(file);
    return *this;
  }
  // A model file (relative to the repository, or absolute) in place of the run file's, on hw().
  Run& model_file(const std::string& path) {
    m_model_text.clear();
    m_model_file = absolute(path);
    return *this;
  }
  // With model() or model_file(): the hardware file (default configs/hw/tiny.yaml).
  Run& hw(const std::string& path) {
    m_hw = path;
    return *this;
  }
  Run& batch(uint64_t b) {
    m_batch = b;
    return *this;
  }
  Run& set(const std::string& key, const std::string& value) {
    m_set.push_back({key, value, "test"});
    return *this;
  }
  Run& set(const std::vector<config::Override>& o) {
    m_set.insert(m_set.end(), o.begin(), o.end());
    return *this;
  }

  // scratch(name), made (empty) on the first call.
  const std::string& dir() const {
    if (m_dir.empty()) m_dir = scratch(m_name);
    return m_dir;
  }

  // The run file; with an inline model, its files written first.
  std::string file() const {
    if (m_model_file.empty()) return absolute(m_run_file);
    if (!m_model_text.empty()) write(dir() + "/" + m_model_file, m_model_text);
    return write(dir() + "/run.yaml", "hw: " + absolute(m_hw) + "\nmodel: " + m_model_file +
                                          "\nbatch: " + std::to_string(m_batch ? m_batch : 1) +
                                          "\n");
  }

  // The model file (an inline model's written first); "" for the run file's own.
  std::string model_path() const {
    if (m_model_file.empty()) return "";
    file();
    return m_model_text.empty() ? m_model_file : dir() + "/" + m_model_file;
  }

  config::RunConfig load() const {
    std::vector<config::Override> o = m_set;
    if (m_batch && m_model_file.empty())
      o.insert(o.begin(), {"batch", std::to_string(m_batch), "test"});
    return config::load_run(file(), o);
  }
  isa::Program plan() const { return planner::plan(load()); }

  // `ncoresim run FILE --out DIR/out -q [--batch B] [--set K=V]... ARGS`, which must exit with
  // expect_code; then its summary.json.
  Outputs run(const std::string& args = "", int expect_code = 0) const {
    std::string cmd = "run '" + file() + "' -q --out '" + dir() + "/out'";
    if (m_batch && m_model_file.empty()) cmd += " --batch " + std::to_string(m_batch);
    for (const auto& o : m_set) cmd += " --set '" + o.key + "=" + o.value + "'";
    const Result r = ncoresim(cmd + " " + args);
    INFO(r.output);
    REQUIRE(r.code == expect_code);
    Outputs out{dir() + "/out", {}};
    out.summary = nlohmann::json::parse(out.file("summary.json"));
    return out;
  }

 private:
  static std::string absolute(const std::string& path) {
    return !path.empty() && path[0] == '/' ? path : repo(path);
  }

  std::string m_name, m_run_file;
  std::string m_model_text, m_model_file;  // m_model_file empty: the run file's model
  std::string m_hw = "configs/hw/tiny.yaml";
  uint64_t m_batch = 0;  // 0: the run file's (an inline model's: 1)
  std::vector<config::Override> m_set;
  mutable std::string m_dir;
};

inline Run tiny_run(const std::string& name = "run") {
  return Run(name, "configs/runs/tiny_cnn.yaml");
}
inline Run shipped_run(const std::string& run_file, const std::string& name = "run") {
  return Run(name, run_file);
}

// Simulates plan p of rc in this process (with the functional model f when given) and returns
// the stats; fails unless every engine drained its queue.
inline base::Stats simulate(const config::RunConfig& rc, const isa::Program& p,
                            hw::Functional* f = nullptr) {
  base::Stats s;
  hw::NeuronCore core("core", rc.hw, p, rc.dtype, s, f);
  sc_core::sc_start();
  REQUIRE(core.drained());
  return s;
}

}  // namespace ncore::test
