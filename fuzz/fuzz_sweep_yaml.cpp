// libFuzzer target: a sweep file (configs/sweeps/*.yaml), loaded as `ncoresim sweep FILE` loads
// it, then its points resolved as the sweep resolves them before running (the first 16, to keep
// each input fast; the base run resolves from configs/fuzz/, see fuzz_common.h).
#include "config/sweep_config.h"
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = ncore::fuzz::write_input("sweep.yaml", data, size);
  ncore::fuzz::expect_input_errors_only([&] {
    const auto sc = ncore::config::load_sweep(path);
    for (size_t i = 0; i < sc.points && i < 16; ++i)
      ncore::config::load_run(sc.base_run, sc.point(i).overrides);
  });
  return 0;
}
