// libFuzzer target: a run file (configs/runs/*.yaml), loaded as `ncoresim run FILE` loads it
// (its hardware and model files resolved from configs/fuzz/, see fuzz_common.h).
#include "config/run_config.h"
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = ncore::fuzz::write_input("run.yaml", data, size);
  ncore::fuzz::expect_input_errors_only([&] { ncore::config::load_run(path); });
  return 0;
}
