// libFuzzer target: a hardware file (configs/hw/*.yaml), loaded through a fixed run file that
// names it, as `ncoresim run` loads a run's `hw` (the model is the small shipped MLP).
#include <fstream>

#include "config/run_config.h"
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string run = [] {
    const auto p = ncore::fuzz::fuzz_dir() / "hw_run.yaml";
    std::ofstream(p) << "hw: hw.yaml\nmodel: ../../models/mlp.yaml\n";
    return p.string();
  }();
  ncore::fuzz::write_input("hw.yaml", data, size);
  ncore::fuzz::expect_input_errors_only([&] { ncore::config::load_run(run); });
  return 0;
}
