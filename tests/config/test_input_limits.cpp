// Input limits and the messages of bad inputs (issue 12 findings 4, 6 and 9; README "Limits"):
// files over 1 MiB (YAML, CSV) or 2 GiB (ONNX) refused before parsing, a directory named as a
// file, a NUL in a path, a long value cut in the message, YAML nested too deep, size products
// that overflow 64 bits. Big files are sparse or generated into scratch folders.
#include <catch2/catch.hpp>
#include <filesystem>
#include <string>

#include "base/checked.h"
#include "test_util.h"

using namespace ncore;
using test::repo;
using test::write;

namespace {

void expect_bad(const std::string& args, const std::string& what) {
  const auto r = test::ncoresim(args);
  INFO(r.output.substr(0, 2000));
  REQUIRE(r.code == 2);
  REQUIRE_THAT(r.output, Catch::Contains(what));
  REQUIRE(std::count(r.output.begin(), r.output.end(), '\n') == 1);  // one line
  REQUIRE(r.output.size() < 1000);                                   // never a value echoed whole
  REQUIRE(r.output.find("libprotobuf") == std::string::npos);
}

// A run file in `dir` naming `model` (relative to it) on the tiny hardware.
std::string run_of(const std::string& dir, const std::string& model) {
  return write(dir + "/run.yaml", "hw: " + repo("configs/hw/tiny.yaml") + "\nmodel: " + model +
                                      "\nbatch: 1\ndtype: fp16\n");
}

// A sparse file of `bytes` (no disk blocks, written in no time).
std::string sparse(const std::string& path, uintmax_t bytes) {
  write(path, "");
  std::filesystem::resize_file(path, bytes);
  return path;
}

}  // namespace

TEST_CASE("checked products report overflow instead of wrapping") {
  REQUIRE(base::checked_mul(uint64_t{1} << 32, uint64_t{1} << 31) == uint64_t{1} << 63);
  REQUIRE_FALSE(base::checked_mul(uint64_t{1} << 32, uint64_t{1} << 32));
  REQUIRE(base::sat_mul(uint64_t{1} << 32, uint64_t{1} << 32) == base::kSaturated);
  REQUIRE(base::sat_add(base::kSaturated, 1) == base::kSaturated);
  REQUIRE(base::clip(std::string(100, 'x')) == std::string(80, 'x') + "\u2026");
}

TEST_CASE("a SCALE-Sim GEMM row of 2^32 sizes is refused, not 0 MACs") {
  const std::string dir = test::scratch("limits_gemm32");
  write(dir + "/g.csv", "Layer, M, N, K,\ng1, 4294967296, 4294967296, 4294967296,\n");
  expect_bad("plan '" + run_of(dir, "g.csv") + "'", "is too large (each dimension at most 2^24");
  write(dir + "/h.csv",
        "Layer, M, N, K,\ng1, 9223372036854775000, 9223372036854775000, 9223372036854775000,\n");
  expect_bad("plan '" + run_of(dir, "h.csv") + "'", "is too large");
  expect_bad("inspect '" + dir + "/h.csv'", "is too large");
}

TEST_CASE("YAML and CSV files over 1 MiB are refused before parsing") {
  // The limit was 16 MiB: 16 MiB of "[0,0,...]" took 3.9 GB to parse, and a node per byte
  // ("{0,0,...}") costs twice that; 1 MiB takes at most 0.5 GB (README "Limits").
  const std::string dir = test::scratch("limits_size");
  sparse(dir + "/model.yaml", (uintmax_t{1} << 20) + 1);
  expect_bad("plan '" + run_of(dir, "model.yaml") + "'", "over the limit of 1 MiB");
  sparse(dir + "/big_run.yaml", (uintmax_t{1} << 20) + 1);
  expect_bad("plan '" + dir + "/big_run.yaml'", "over the limit of 1 MiB");
  sparse(dir + "/sweep.yaml", (uintmax_t{1} << 20) + 1);  // was over 16 GB at 100 MB
  expect_bad("sweep '" + dir + "/sweep.yaml' -o '" + dir + "/out'", "over the limit of 1 MiB");
  sparse(dir + "/t.csv", (uintmax_t{1} << 20) + 1);
  expect_bad("inspect '" + dir + "/t.csv'", "over the limit of 1 MiB");
}

TEST_CASE("an ONNX file over 2 GiB is refused before parsing") {
  const std::string dir = test::scratch("limits_onnx");
  sparse(dir + "/big.onnx", (uintmax_t{2} << 30) + 1);
  expect_bad("inspect '" + dir + "/big.onnx'", "over the limit of 2 GiB");
}

TEST_CASE("a directory named x.onnx is reported as a directory") {
  const std::string dir = test::scratch("limits_dir");
  std::filesystem::create_directories(dir + "/x.onnx");
  expect_bad("inspect '" + dir + "/x.onnx'", "x.onnx: is a directory, not a file");
  std::filesystem::create_directories(dir + "/m.yaml");
  expect_bad("plan '" + run_of(dir, "m.yaml") + "'", "m.yaml: is a directory, not a file");
}

TEST_CASE("a NUL in a YAML path string is rejected") {
  const std::string dir = test::scratch("limits_nul");
  write(dir + "/run.yaml", "hw: \"tiny\\0.yaml\"\nmodel: m.yaml\nbatch: 1\n");
  expect_bad("plan '" + dir + "/run.yaml'", "hw: a NUL byte (\\0) in the path 'tiny\\0.yaml'");
  write(dir + "/run2.yaml",
        "hw: " + repo("configs/hw/tiny.yaml") + "\nmodel: \"m\\0.yaml\"\nbatch: 1\n");
  expect_bad("plan '" + dir + "/run2.yaml'", "model: a NUL byte (\\0)");
}

TEST_CASE("a long value is cut to 80 characters in the message") {
  const std::string dir = test::scratch("limits_long");
  const std::string nines(100000, '9');
  write(dir + "/run.yaml", "hw: " + repo("configs/hw/tiny.yaml") + "\nmodel: " +
                               repo("models/tiny_cnn.yaml") + "\nbatch: " + nines + "\n");
  expect_bad("plan '" + dir + "/run.yaml'", "batch: ");
  expect_bad("plan '" + dir + "/run.yaml'", std::string(80, '9') + "\u2026");
  write(dir + "/run2.yaml", "hw: " + std::string(100000, 'a') + "\nmodel: m.yaml\nbatch: 1\n");
  expect_bad("plan '" + dir + "/run2.yaml'", "hardware file not found: ");
}

TEST_CASE("YAML nested too deep names the file and the nesting limit") {
  const std::string dir = test::scratch("limits_deep");
  const std::string path =
      write(dir + "/run.yaml", "hw: " + std::string(3000, '[') + std::string(3000, ']') + "\n");
  expect_bad("plan '" + path + "'", path + ":1:");
  expect_bad("plan '" + path + "'", "nesting deeper than 2000 levels");
}

TEST_CASE("a sweep's base path too long for the OS is a bad input, not an internal error") {
  // Found by fuzz_sweep_yaml (fuzz/corpus/sweep_yaml/crash-base-path-too-long.yaml): the loader
  // asked std::filesystem::exists without an error code, which throws on ENAMETOOLONG. Was
  // exit 1, "internal error: filesystem error: status: File name too long [aaa...]" (the whole
  // path echoed); the same file one folder up gave exit 2. Now both are the base key's error.
  const std::string dir = test::scratch("limits_sweep_base");
  const std::string axes = "\naxes:\n  batch: [1, 2]\n";
  write(dir + "/one.yaml", "base: " + std::string(300, 'a') + ".yaml" + axes);  // one long name
  expect_bad("sweep '" + dir + "/one.yaml' -o '" + dir + "/out'",
             "one.yaml:1:7: base: base run file not found: " + dir + "/aaaa");
  expect_bad("sweep '" + dir + "/one.yaml' -o '" + dir + "/out'", "(File name too long)");
  // Short names whose whole path is over PATH_MAX (4096) only below a deeper folder: under the
  // fuzz harness's folder (its form of the finding), not from the folder the file is in.
  std::string base;
  while (base.size() < 4080) base += "a/";
  write(dir + "/deep.yaml", "base: " + base + "run.yaml" + axes);
  expect_bad("sweep '" + dir + "/deep.yaml' -o '" + dir + "/out'", "(File name too long)");
  std::filesystem::remove_all(dir + "/out");
  const auto r =
      test::run_command("cd '" + dir + "' && '" + NCORESIM_BIN + "' sweep deep.yaml -o out");
  REQUIRE(r.code == 2);
  REQUIRE_THAT(r.output, Catch::Contains("deep.yaml:1:7: base: base run file not found: a/a/"));
}

TEST_CASE(
    "a mapping of 100,000 keys is read in linear time: the unknown and duplicate keys named") {
  // Each key was looked for by a linear search of the keys before it: 100,000 keys took 37 s and
  // a 16 MiB file of short keys (1.5 million, within the size limit then) hours. Now a hash index.
  const std::string dir = test::scratch("limits_many_keys");
  std::string keys;
  for (int i = 0; i < 100000; ++i) keys += "k" + std::to_string(i) + ": 0\n";
  const std::string head = "hw: " + repo("configs/hw/tiny.yaml") +
                           "\nmodel: " + repo("models/tiny_cnn.yaml") + "\nbatch: 1\n";
  write(dir + "/run.yaml", head + keys);
  expect_bad("plan '" + dir + "/run.yaml'", "run.yaml:4:1: k0: unknown key");
  write(dir + "/dup.yaml", head + keys + "k99999: 1\n");
  expect_bad("plan '" + dir + "/dup.yaml'",
             "dup.yaml:100004:1: k99999: duplicate key (first given at line 100003)");
}

TEST_CASE("a sweep of more than 256 axes is refused when the sweep file is read") {
  // Each point applies every axis to the run's YAML tree, where yaml-cpp finds a key by a linear
  // search: 10,000 one-value axes took 10 s and 40,000 took 3 minutes before an unknown key's
  // error. Valid axes are distinct keys of the run namespace, about 110 of them.
  const std::string dir = test::scratch("limits_axes");
  std::string axes;
  for (int i = 0; i < 257; ++i) axes += "  k" + std::to_string(i) + ": [1]\n";
  write(dir + "/s.yaml", "base: " + repo("configs/runs/tiny_cnn.yaml") + "\naxes:\n" + axes);
  expect_bad("sweep '" + dir + "/s.yaml' -o '" + dir + "/out'",
             "s.yaml:3:3: axes: 257 axes, more than the limit of 256");
}
