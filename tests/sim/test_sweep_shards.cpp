// Sweeps at cluster scale (issue 14): `sweep --shard i/N` (the points i - 1 modulo N, under their
// ids in the whole sweep, recorded in the manifest, resumable per shard) and `merge` (the shard
// folders joined into tables byte-identical to one unsharded run's; a point missing or present
// twice, or shards of different sweeps, are exit 2; an output not written is exit 4).
#include <catch2/catch.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "config/config_error.h"
#include "sim/sweep_folder.h"
#include "test_util.h"

using namespace ncore;
namespace fs = std::filesystem;

namespace {

// A sweep of tiny_cnn over batch 1, 2, 4, 8 and two SBUF sizes: 8 points, with an slo so that
// best.csv is written too.
const char* const kSweep =
    "axes:\n  hw.state_buffer.capacity: [64 KiB, 1 MiB]\n  batch: [1, 2, 4, 8]\nslo: 1 ms\n";

std::string sweep_file(const std::string& dir, const std::string& name, const std::string& body) {
  return test::write(dir + "/" + name,
                     "base: " + test::repo("configs/runs/tiny_cnn.yaml") + "\n" + body);
}

test::Result sweep(const std::string& file, const std::string& out, const std::string& args = "") {
  return test::ncoresim("sweep '" + file + "' -q -o '" + out + "' " + args);
}

// `ncoresim merge DIRS -o OUT` (DIRS already quoted as needed).
test::Result merge(const std::string& dirs, const std::string& out) {
  return test::ncoresim("merge -q " + dirs + " -o '" + out + "'");
}

nlohmann::json manifest(const std::string& dir) {
  return nlohmann::json::parse(test::read(dir + "/manifest.json"));
}

// The sweep in `dir` run whole into ref/ and as shards 1..n of n into s1/ .. sN/.
std::string run_reference_and_shards(const std::string& dir, unsigned n) {
  const std::string s = sweep_file(dir, "s.yaml", kSweep);
  REQUIRE(sweep(s, dir + "/ref", "--jobs 2").code == 0);
  for (unsigned i = 1; i <= n; ++i) {
    const auto r = sweep(s, dir + "/s" + std::to_string(i),
                         "--jobs 2 --shard " + std::to_string(i) + "/" + std::to_string(n));
    INFO(r.output);
    REQUIRE(r.code == 0);
  }
  return s;
}

}  // namespace

TEST_CASE("a shard i/N parses whole numbers with 1 <= i <= N, anything else is a clear error") {
  REQUIRE(sim::parse_shard("2/3").index == 2);
  REQUIRE(sim::parse_shard("2/3").count == 3);
  REQUIRE(sim::shard_name(sim::parse_shard("10/10")) == "10/10");
  const auto message = [](const std::string& text) {
    try {
      sim::parse_shard(text);
    } catch (const config::ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  REQUIRE(message("0/3") == "--shard 0/3: i counts from 1 (1 <= i <= N)");
  REQUIRE(message("4/3") == "--shard 4/3: i is larger than N (1 <= i <= N)");
  REQUIRE(message("1/0") == "--shard 1/0: N must be at least 1");
  for (const char* bad :
       {"x", "", "2", "2/", "/3", "-1/3", "1/3/4", "+1/3", " 1/3", "1.0/3", "1/9999999999"})
    REQUIRE(message(bad) ==
            "--shard " + std::string(bad) + ": expected i/N, two whole numbers (e.g. --shard 2/8)");
  // The shard of point index k: k = i - 1 (mod N).
  const sim::Shard s{2, 3};
  REQUIRE_FALSE(s.holds(0));
  REQUIRE(s.holds(1));
  REQUIRE(s.holds(4));
  REQUIRE_FALSE(s.holds(5));
}

TEST_CASE("a bad --shard on the command line is exit 2 before anything is written") {
  const std::string dir = test::scratch("shard_bad");
  const std::string s = sweep_file(dir, "s.yaml", kSweep);
  for (const char* bad : {"0/3", "4/3", "two/3"}) {
    const auto r = sweep(s, dir + "/out", std::string("--shard ") + bad);
    INFO(r.output);
    REQUIRE(r.code == 2);
    REQUIRE(r.output.rfind("error: --shard " + std::string(bad) + ": ", 0) == 0);
  }
  REQUIRE_FALSE(fs::exists(dir + "/out"));
}

TEST_CASE(
    "shard i/N runs the points i - 1 mod N under their global ids, and its manifest says so") {
  const std::string dir = test::scratch("shard_points");
  run_reference_and_shards(dir, 3);
  // 8 points p00..p07: shard 1/3 holds p00, p03, p06; 2/3 p01, p04, p07; 3/3 p02, p05.
  const std::vector<std::vector<std::string>> held = {
      {"p00", "p03", "p06"}, {"p01", "p04", "p07"}, {"p02", "p05"}};
  const std::string ref_csv = test::read(dir + "/ref/sweep.csv");
  const test::Csv ref(ref_csv);
  for (size_t i = 0; i < 3; ++i) {
    const std::string out = dir + "/s" + std::to_string(i + 1);
    const auto m = manifest(out);
    REQUIRE(m["shard"] == std::to_string(i + 1) + "/3");
    REQUIRE(m["points"] == held[i]);
    REQUIRE(m["sweep_points"] == 8);
    REQUIRE(m["config_hash"] == manifest(dir + "/ref")["config_hash"]);  // one sweep
    const test::Csv csv(test::read(out + "/sweep.csv"));
    REQUIRE(csv.rows() == held[i].size());
    for (size_t r = 0; r < held[i].size(); ++r) {
      REQUIRE(csv.at(r, "point") == held[i][r]);
      const size_t k = ref.find("point", held[i][r]);
      for (const char* col : {"batch", "hw.state_buffer.capacity", "cycles", "latency_s"})
        REQUIRE(csv.at(r, col) == ref.at(k, col));
      // Each point's folder is the unsharded run's, file for file.
      for (const char* f : {"summary.json", "config.yaml", "layers.csv"})
        REQUIRE(test::read(out + "/" + held[i][r] + "/" + f) ==
                test::read(dir + "/ref/" + held[i][r] + "/" + f));
    }
    for (const auto& e : fs::directory_iterator(out)) {
      const std::string name = e.path().filename().string();
      if (e.is_directory())
        REQUIRE(std::find(held[i].begin(), held[i].end(), name) != held[i].end());
    }
  }
  REQUIRE(manifest(dir + "/ref")["shard"] == "1/1");
  // More shards than points: the empty ones hold no point and a table with its header only.
  const auto r = sweep(dir + "/s.yaml", dir + "/s9", "--shard 9/9");
  REQUIRE(r.code == 0);
  REQUIRE(test::read(dir + "/s9/sweep.csv") == "point,hw.state_buffer.capacity,batch\n");
}

TEST_CASE("a sweep --resume works per shard, and a folder holds one shard unless --force") {
  const std::string dir = test::scratch("shard_resume");
  const std::string s = sweep_file(dir, "s.yaml", kSweep);
  REQUIRE(sweep(s, dir + "/s2", "--shard 2/3").code == 0);
  const std::string table = test::read(dir + "/s2/sweep.csv");
  fs::remove_all(dir + "/s2/p04");  // as if the shard had been stopped before p04
  const auto r = test::ncoresim("sweep '" + s + "' -o '" + dir + "/s2' --shard 2/3 --resume");
  INFO(r.output);
  REQUIRE(r.code == 0);
  REQUIRE(r.output.find("resume: 2 of 3 points complete, not recomputed") != std::string::npos);
  REQUIRE(test::read(dir + "/s2/sweep.csv") == table);

  auto other = sweep(s, dir + "/s2", "--shard 1/3");
  INFO(other.output);
  REQUIRE(other.code == 2);
  REQUIRE(other.output == "error: " + dir +
                              "/s2: holds the results of another sweep (sweep ../s.yaml --shard "
                              "2/3); choose another --out, or --force to replace them\n");
  REQUIRE(sweep(s, dir + "/s2").code == 2);  // the whole sweep is another one too
  REQUIRE(sweep(s, dir + "/s2", "--shard 1/3 --force").code == 0);
  REQUIRE_FALSE(fs::exists(dir + "/s2/p01"));  // shard 2/3's points are gone, not mixed in
  REQUIRE(fs::exists(dir + "/s2/p03"));
}

TEST_CASE("merge joins shard folders into sweep.csv and best.csv byte-identical to one run's") {
  const std::string dir = test::scratch("merge_identical");
  const std::string s = run_reference_and_shards(dir, 3);
  const std::string ref_sweep = test::read(dir + "/ref/sweep.csv");
  const std::string ref_best = test::read(dir + "/ref/best.csv");
  REQUIRE(test::Csv(ref_sweep).rows() == 8);
  REQUIRE(test::Csv(ref_best).rows() == 2);

  auto r = merge("'" + dir + "/s3' '" + dir + "/s1' '" + dir + "/s2'", dir + "/merged");
  INFO(r.output);
  REQUIRE(r.code == 0);
  REQUIRE(test::read(dir + "/merged/sweep.csv") == ref_sweep);
  REQUIRE(test::read(dir + "/merged/best.csv") == ref_best);
  REQUIRE_FALSE(fs::exists(dir + "/merged/p00"));  // the point folders stay in the shards

  // Shards of different N cover the sweep as well: 1/2 (even points), 2/4 and 4/4 (odd ones).
  REQUIRE(sweep(s, dir + "/h1", "--shard 1/2").code == 0);
  REQUIRE(sweep(s, dir + "/q2", "--shard 2/4").code == 0);
  REQUIRE(sweep(s, dir + "/q4", "--shard 4/4").code == 0);
  r = merge("'" + dir + "/h1' '" + dir + "/q2' '" + dir + "/q4'", dir + "/mixed");
  REQUIRE(r.code == 0);
  REQUIRE(test::read(dir + "/mixed/sweep.csv") == ref_sweep);
  REQUIRE(test::read(dir + "/mixed/best.csv") == ref_best);

  // A whole sweep's folder is its own one shard.
  REQUIRE(merge("'" + dir + "/ref'", dir + "/again").code == 0);
  REQUIRE(test::read(dir + "/again/sweep.csv") == ref_sweep);
}

TEST_CASE("merge exits 2 when a point is missing or twice, or the shards are of two sweeps") {
  const std::string dir = test::scratch("merge_errors");
  run_reference_and_shards(dir, 3);
  const std::string s1 = "'" + dir + "/s1'", s2 = "'" + dir + "/s2'", s3 = "'" + dir + "/s3'";

  auto r = merge(s1 + " " + s3, dir + "/out");
  INFO(r.output);
  REQUIRE(r.code == 2);
  REQUIRE(r.output ==
          "error: merge: 3 of the sweep's 8 points are in no folder given: p01, p04, p07 "
          "(shard 2/3 is missing)\n");
  REQUIRE_FALSE(fs::exists(dir + "/out"));  // nothing written

  r = merge(s1 + " " + s2 + " " + s3 + " " + s2, dir + "/out");
  REQUIRE(r.code == 2);
  REQUIRE(r.output == "error: merge: point p01 is in two folders given: " + dir +
                          "/s2 (shard 2/3) and " + dir + "/s2 (shard 2/3)\n");

  // Shard 2/3 of another sweep (other batches): its manifest's config_hash differs.
  const std::string t = sweep_file(dir, "t.yaml",
                                   "axes:\n  hw.state_buffer.capacity: [64 KiB, 1 MiB]\n"
                                   "  batch: [1, 2, 4, 16]\nslo: 1 ms\n");
  REQUIRE(sweep(t, dir + "/t2", "--shard 2/3").code == 0);
  r = merge(s1 + " '" + dir + "/t2' " + s3, dir + "/out");
  REQUIRE(r.code == 2);
  REQUIRE(r.output.rfind("error: " + dir + "/t2: holds a shard of another sweep than " + dir +
                             "/s1 (their manifest.json config_hash differ: ",
                         0) == 0);

  // A shard that has not finished (its sweep.csv is written last) is not merged.
  fs::rename(dir + "/s3/sweep.csv", dir + "/s3.csv");
  r = merge(s1 + " " + s2 + " " + s3, dir + "/out");
  REQUIRE(r.code == 2);
  REQUIRE(r.output == "error: " + dir +
                          "/s3: shard 3/3 has not finished (no sweep.csv); run it again, with "
                          "--resume to keep its finished points\n");
  fs::rename(dir + "/s3.csv", dir + "/s3/sweep.csv");

  r = merge(s1 + " '" + dir + "'", dir + "/out");  // not a sweep folder
  REQUIRE(r.code == 2);
  REQUIRE(r.output == "error: " + dir + ": not a sweep folder (no readable manifest.json)\n");
  r = merge(s1 + " " + s2 + " " + s3, dir + "/s1");  // into a shard's own folder
  REQUIRE(r.code == 2);
  REQUIRE(r.output.find("a sweep folder (it holds manifest.json)") != std::string::npos);
  REQUIRE(merge(s1 + " " + s2 + " " + s3, dir + "/out").code == 0);
}

TEST_CASE(
    "merge keeps a point that failed in its shard as an empty row, and exits 1 as the sweep") {
  // p01 (ResNet-50 at batch 2^20) is over the instruction limit: its child exits 2, the point
  // fails, its shard and the whole sweep exit 1.
  const std::string dir = test::scratch("merge_failed");
  const std::string s =
      test::write(dir + "/s.yaml", "base: " + test::repo("configs/runs/resnet50_inf1.yaml") +
                                       "\naxes:\n  batch: [1, 1048576]\nslo: 10 ms\n");
  REQUIRE(sweep(s, dir + "/ref").code == 1);
  REQUIRE(sweep(s, dir + "/s1", "--shard 1/2").code == 0);
  REQUIRE(sweep(s, dir + "/s2", "--shard 2/2").code == 1);
  const auto r = merge("'" + dir + "/s1' '" + dir + "/s2'", dir + "/out");
  INFO(r.output);
  REQUIRE(r.code == 1);
  REQUIRE(r.output ==
          "error: merge: points that failed in their shards (their rows are empty): p01\n");
  REQUIRE(test::read(dir + "/out/sweep.csv") == test::read(dir + "/ref/sweep.csv"));
  REQUIRE(test::read(dir + "/out/best.csv") == test::read(dir + "/ref/best.csv"));
  const test::Csv csv(test::read(dir + "/out/sweep.csv"));
  REQUIRE(csv.at(1, "batch") == "1048576");
  REQUIRE(csv.at(1, "cycles").empty());
}

TEST_CASE("merge exits 4 when its tables cannot be written, leaving none") {
  const std::string dir = test::scratch("merge_io");
  run_reference_and_shards(dir, 2);
  test::write(dir + "/file", "x");
  auto r = merge("'" + dir + "/s1' '" + dir + "/s2'", dir + "/file/out");  // a path through a file
  INFO(r.output);
  REQUIRE(r.code == 4);
  REQUIRE(r.output.find("error: cannot create directory " + dir + "/file/out: Not a directory") !=
          std::string::npos);
  // A file-size limit: the table is refused at write, and no partial sweep.csv is left.
  r = test::run_command("ulimit -f 1 && '" + std::string(NCORESIM_BIN) + "' merge -q '" + dir +
                        "/s1' '" + dir + "/s2' -o '" + dir + "/small'");
  REQUIRE(r.code == 4);
  REQUIRE(r.output.find("File too large") != std::string::npos);
  REQUIRE_FALSE(fs::exists(dir + "/small/sweep.csv"));
}

TEST_CASE("scripts/slurm_sweep.sh refuses a bad --shards or sweep file before submitting") {
  // Its run on a real Slurm is the CTest slurm_sweep (tests/cluster/test_slurm_sweep.sh).
  const std::string dir = test::scratch("slurm_args");
  const std::string s = sweep_file(dir, "s.yaml", kSweep);
  for (const char* bad : {"0", "x", "-2", ""}) {
    const auto r = test::run_command("scripts/slurm_sweep.sh '" + s + "' --shards '" + bad +
                                     "' -o '" + dir + "/out'");
    INFO(r.output);
    REQUIRE(r.code == 2);
    REQUIRE(r.output.find("--shards " + std::string(*bad ? bad : "(missing)") +
                          ": expected a whole number from 1") != std::string::npos);
  }
  auto r = test::run_command("scripts/slurm_sweep.sh '" + s + "' -o '" + dir + "/out'");
  REQUIRE(r.code == 2);
  REQUIRE(r.output.find("--shards (missing)") != std::string::npos);
  r = test::run_command("scripts/slurm_sweep.sh '" + dir + "/none.yaml' --shards 2");
  REQUIRE(r.code == 2);
  REQUIRE(r.output.find(dir + "/none.yaml: no such sweep file") != std::string::npos);
  REQUIRE_FALSE(fs::exists(dir + "/out"));
}
