// Shared by the libFuzzer targets (one per input format the CLI reads). Each target writes the
// fuzzer's bytes to a file in a private temporary tree and calls the loader the CLI calls on that
// file. The documented input errors (exit 2: ConfigError, ImportError, PlanError) are expected;
// anything else (an exception of another type, a crash, a sanitizer report) is a finding.
#pragma once
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "config/config_error.h"
#include "planner/plan_error.h"
#include "workload/model_spec.h"

// libsystemc's main() is not used (libFuzzer brings its own), but the library needs the symbol.
extern "C" int sc_main(int, char**) {
  return 0;
}

namespace ncore::fuzz {

namespace fs = std::filesystem;

// The tree, made once per process: ROOT/configs/{hw,runs,sweeps} and ROOT/models link to the
// source tree's, so the shipped files' relative paths (../hw/x.yaml, ../../models/x.yaml,
// ../runs/x.yaml) resolve from ROOT/configs/fuzz/, where the input is written.
inline const fs::path& fuzz_dir() {
  static const fs::path dir = [] {
    const fs::path src = NCORE_SOURCE_DIR;
    const fs::path root = fs::temp_directory_path() / ("ncore_fuzz." + std::to_string(::getpid()));
    fs::create_directories(root / "configs" / "fuzz");
    for (const char* d : {"hw", "runs", "sweeps"})
      fs::create_directory_symlink(src / "configs" / d, root / "configs" / d);
    fs::create_directory_symlink(src / "models", root / "models");
    static const fs::path* const kRoot = new fs::path(root);  // outlives the statics at exit
    std::atexit([] {
      std::error_code ec;
      fs::remove_all(*kRoot, ec);
    });
    return root / "configs" / "fuzz";
  }();
  return dir;
}

// Writes `data` to ROOT/configs/fuzz/<name> and returns its path.
inline std::string write_input(const std::string& name, const uint8_t* data, size_t size) {
  const fs::path p = fuzz_dir() / name;
  std::ofstream(p, std::ios::binary | std::ios::trunc)
      .write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  return p.string();
}

// Runs `load`, swallowing the project's documented input errors only (the cli's exit 2).
template <class F>
void expect_input_errors_only(F&& load) {
  try {
    load();
  } catch (const config::ConfigError&) {
  } catch (const workload::ImportError&) {
  } catch (const planner::PlanError&) {
  }
}

}  // namespace ncore::fuzz
