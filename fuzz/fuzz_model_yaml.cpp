// libFuzzer target: a model file (models/*.yaml), loaded as `ncoresim plan`/`run` load one.
#include "config/run_config.h"
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = ncore::fuzz::write_input("model.yaml", data, size);
  ncore::fuzz::expect_input_errors_only([&] { ncore::config::load_model_file(path); });
  return 0;
}
