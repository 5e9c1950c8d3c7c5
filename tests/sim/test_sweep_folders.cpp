// A sweep's output folder (issue 12, findings 2 and 8; sim/sweep_folder.h): its lock, its
// manifest, atomic point folders, --resume, --force, and signals to the parent. A sweep is
// stopped mid-way deterministically with the test hook NCORESIM_TEST_HOLD_POINT=pNN (that point's
// child waits, its outputs written into .pNN.tmp/, until it is killed), never by timing.
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <thread>

#include "sim/sweep.h"
#include "test_spawn.h"

using namespace ncore;
using test::signal_and_wait;
using test::Spawned;
using test::wait_for;
namespace fs = std::filesystem;

namespace {

const char* const kTiny = "configs/runs/tiny_cnn.yaml";

// A sweep file of tiny_cnn in dir, named `name`, with `body` (axes, slo).
std::string sweep_file(const std::string& dir, const std::string& name, const std::string& body) {
  return test::write(dir + "/" + name, "base: " + test::repo(kTiny) + "\n" + body);
}

// `ncoresim sweep FILE -q -o OUT ARGS`.
test::Result sweep(const std::string& file, const std::string& out, const std::string& args = "") {
  return test::ncoresim("sweep '" + file + "' -q -o '" + out + "' " + args);
}

// `ncoresim sweep FILE -o OUT --jobs J` in the background (test_spawn.h), with
// NCORESIM_TEST_HOLD_POINT=hold.
pid_t spawn_sweep(const std::string& file, const std::string& out, const std::string& hold,
                  const std::string& jobs, const std::string& log) {
  return test::spawn({"sweep", file, "-o", out, "--jobs", jobs}, "NCORESIM_TEST_HOLD_POINT", hold,
                     log);
}

// The processes of group `pgid` that are alive (not zombies), from /proc.
int live_in_group(pid_t pgid) {
  int n = 0;
  for (const auto& e : fs::directory_iterator("/proc")) {
    const std::string stat = test::read(e.path().string() + "/stat");
    const size_t close = stat.rfind(')');
    if (close == std::string::npos) continue;
    char state = 0;
    long ppid = 0, pgrp = 0;
    if (std::sscanf(stat.c_str() + close + 1, " %c %ld %ld", &state, &ppid, &pgrp) == 3 &&
        pgrp == pgid && state != 'Z')
      ++n;
  }
  return n;
}

// Waits until no live process is left in group `pgid`, up to a minute (a held child would live 5
// minutes); returns how many were left, and kills those.
int wait_group_gone(pid_t pgid) {
  for (int i = 0; i < 3000 && live_in_group(pgid) > 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const int left = live_in_group(pgid);
  if (left > 0) kill(-pgid, SIGKILL);  // the test's own processes, not to outlive it
  return left;
}

ino_t inode(const std::string& path) {
  struct stat st {};
  REQUIRE(stat(path.c_str(), &st) == 0);
  return st.st_ino;
}

bool has_temporaries(const std::string& dir) {
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string n = e.path().filename().string();
    if (n[0] == '.' && n.size() > 4 && n.substr(n.size() - 4) == ".tmp") return true;
  }
  return false;
}

}  // namespace

TEST_CASE("the sweep's exit code: 4 (an output not written) ahead of 1 (a failed point)") {
  REQUIRE(sim::sweep_exit_code({0, 3, 0}) == 0);
  REQUIRE(sim::sweep_exit_code({0, 1, 3}) == 1);
  REQUIRE(sim::sweep_exit_code({2, 0}) == 1);
  REQUIRE(sim::sweep_exit_code({1, 4, 0}) == 4);
  REQUIRE(sim::sweep_exit_code({}) == 0);
}

TEST_CASE(
    "a sweep stopped by SIGTERM keeps its finished points, and --resume ends it identically") {
  // Finding 8's SIGTERM half, and the resume test. Before: the parent died at once, its child
  // went on writing p02/ and p03/ was never made; no --resume.
  const std::string dir = test::scratch("sweep_resume");
  const std::string s = sweep_file(dir, "s.yaml", "axes:\n  batch: [1, 2, 4, 8]\nslo: 2 ms\n");
  REQUIRE(sweep(s, dir + "/ref", "--jobs 2").code == 0);

  const std::string out = dir + "/out";
  Spawned pid{spawn_sweep(s, out, "p02", "1", dir + "/log")};
  wait_for(out + "/.p02.tmp/summary.json");  // p00, p01 done; p02 written, not committed
  const ino_t p00 = inode(out + "/p00"), p01 = inode(out + "/p01");
  REQUIRE(signal_and_wait(pid, SIGTERM) == 128 + SIGTERM);
  INFO(test::read(dir + "/log"));
  REQUIRE(test::read(dir + "/log").find("stopped by signal 15") != std::string::npos);
  REQUIRE(wait_group_gone(pid.pid) == 0);  // its child is gone too
  REQUIRE_FALSE(fs::exists(out + "/p02"));
  REQUIRE_FALSE(fs::exists(out + "/p03"));
  REQUIRE_FALSE(has_temporaries(out));
  REQUIRE_FALSE(fs::exists(out + "/sweep.csv"));
  REQUIRE_FALSE(fs::exists(out + "/best.csv"));

  const auto r = test::ncoresim("sweep '" + s + "' -o '" + out + "' --jobs 2 --resume");
  INFO(r.output);
  REQUIRE(r.code == 0);
  REQUIRE(r.output.find("resume: 2 of 4 points complete, not recomputed") != std::string::npos);
  REQUIRE(inode(out + "/p00") == p00);  // not recomputed
  REQUIRE(inode(out + "/p01") == p01);
  REQUIRE(test::read(out + "/sweep.csv") == test::read(dir + "/ref/sweep.csv"));
  REQUIRE(test::read(out + "/best.csv") == test::read(dir + "/ref/best.csv"));
  for (const char* p : {"p00", "p01", "p02", "p03"})
    for (const char* f : {"summary.json", "config.yaml", "layers.csv"})
      REQUIRE(test::read(out + "/" + p + "/" + f) == test::read(dir + "/ref/" + p + "/" + f));
  REQUIRE(test::read(out + "/manifest.json") == test::read(dir + "/ref/manifest.json"));
}

TEST_CASE("a resumed sweep recomputes a point whose resolved config changed, and only that one") {
  const std::string dir = test::scratch("sweep_resume_changed");
  const std::string s = sweep_file(dir, "s.yaml", "axes:\n  batch: [1, 2]\n");
  REQUIRE(sweep(s, dir + "/out").code == 0);
  const ino_t p00 = inode(dir + "/out/p00"), p01 = inode(dir + "/out/p01");
  sweep_file(dir, "s.yaml", "axes:\n  batch: [1, 4]\n");  // the same file, p01 now batch 4
  REQUIRE(sweep(s, dir + "/out", "--resume").code == 0);
  REQUIRE(inode(dir + "/out/p00") == p00);
  REQUIRE(inode(dir + "/out/p01") != p01);
  REQUIRE(test::read(dir + "/out/p01/summary.json").find("\"batch\": 4,") != std::string::npos);
  // A rerun without --resume recomputes every point, each folder replaced whole.
  REQUIRE(sweep(s, dir + "/out").code == 0);
  REQUIRE(inode(dir + "/out/p00") != p00);
}

TEST_CASE("a sweep into a folder a running sweep holds fails at once with exit 4") {
  // Finding 2. Before: both ran, and sweep.csv labelled one sweep's rows with the other's axes.
  const std::string dir = test::scratch("sweep_locked");
  const std::string a = sweep_file(dir, "a.yaml", "axes:\n  batch: [1, 2]\n");
  const std::string b = sweep_file(dir, "b.yaml", "axes:\n  batch: [4]\n");
  Spawned pid{spawn_sweep(a, dir + "/out", "p00", "2", dir + "/log")};
  wait_for(dir + "/out/.p00.tmp/summary.json");
  wait_for(dir + "/out/p01");  // committed
  for (const std::string& f : {a, b}) {
    const auto r = sweep(f, dir + "/out");
    INFO(r.output);
    REQUIRE(r.code == 4);
    REQUIRE(r.output == "error: " + dir + "/out: in use by another running sweep (it holds " + dir +
                            "/out/.sweep.lock); wait for it to end, or choose another --out\n");
  }
  REQUIRE(live_in_group(pid.pid) >= 2);  // the parent and p00's child
  REQUIRE(signal_and_wait(pid, SIGINT) == 128 + SIGINT);
  REQUIRE(wait_group_gone(pid.pid) == 0);
  REQUIRE(fs::exists(dir + "/out/p01/summary.json"));
  REQUIRE_FALSE(fs::exists(dir + "/out/p00"));
  REQUIRE_FALSE(has_temporaries(dir + "/out"));
}

TEST_CASE("merge of a folder whose sweep is running fails at once with exit 4") {
  const std::string dir = test::scratch("merge_locked");
  const std::string s = sweep_file(dir, "s.yaml", "axes:\n  batch: [1, 2]\n");
  REQUIRE(sweep(s, dir + "/s1", "--shard 1/2").code == 0);
  Spawned pid{spawn_sweep(s, dir + "/s2", "p01", "1", dir + "/log")};  // held at p01
  wait_for(dir + "/s2/.p01.tmp/summary.json");
  const auto r = test::ncoresim("merge -q '" + dir + "/s1' '" + dir + "/s2' -o '" + dir + "/out'");
  INFO(r.output);
  REQUIRE(r.code == 4);
  REQUIRE(r.output == "error: " + dir + "/s2: in use by a running sweep (it holds " + dir +
                          "/s2/.sweep.lock); merge when it has ended\n");
  REQUIRE(signal_and_wait(pid, SIGTERM) == 128 + SIGTERM);
  REQUIRE(wait_group_gone(pid.pid) == 0);
  REQUIRE_FALSE(fs::exists(dir + "/out"));
}

TEST_CASE("a sweep's parent killed by SIGKILL leaves no child running, and the folder reusable") {
  // Finding 8's SIGKILL half. Before: the children went on simulating and writing.
  const std::string dir = test::scratch("sweep_sigkill");
  const std::string s = sweep_file(dir, "s.yaml", "axes:\n  batch: [1, 2, 4]\n");
  Spawned pid{spawn_sweep(s, dir + "/out", "p00", "2", dir + "/log")};
  wait_for(dir + "/out/.p00.tmp/summary.json");
  REQUIRE(live_in_group(pid.pid) >= 2);
  REQUIRE(signal_and_wait(pid, SIGKILL) == -1);
  REQUIRE(wait_group_gone(pid.pid) == 0);  // PR_SET_PDEATHSIG took the children down
  REQUIRE_FALSE(fs::exists(dir + "/out/p00"));
  const auto r = sweep(s, dir + "/out", "--resume");  // the lock went with the processes
  INFO(r.output);
  REQUIRE(r.code == 0);
  REQUIRE_FALSE(has_temporaries(dir + "/out"));  // the stale .p00.tmp/ removed
  REQUIRE(test::Csv(test::read(dir + "/out/sweep.csv")).rows() == 3);
}

TEST_CASE("a sweep into another sweep's folder exits 2 unless --force, and the same sweep reruns") {
  const std::string dir = test::scratch("sweep_owner");
  const std::string a = sweep_file(dir, "a.yaml", "axes:\n  batch: [1, 2, 4]\n");
  const std::string b = sweep_file(dir, "b.yaml", "axes:\n  batch: [8]\n");
  const std::string out = dir + "/out";
  REQUIRE(sweep(a, out).code == 0);
  REQUIRE(test::read(out + "/manifest.json").find("\"sweep\": \"../a.yaml\"") != std::string::npos);
  const std::string table = test::read(out + "/sweep.csv");
  REQUIRE(sweep(a, out).code == 0);  // the same sweep again: recomputed (the quick start twice)
  REQUIRE(test::read(out + "/sweep.csv") == table);

  auto r = sweep(b, out);
  INFO(r.output);
  REQUIRE(r.code == 2);
  REQUIRE(r.output == "error: " + out +
                          ": holds the results of another sweep (sweep ../a.yaml); choose "
                          "another --out, or --force to replace them\n");
  r = sweep(a, out, "--set hw.state_buffer.capacity=1MiB");  // other options: another sweep
  REQUIRE(r.code == 2);
  REQUIRE(test::read(out + "/sweep.csv") == table);  // untouched

  REQUIRE(sweep(b, out, "--force").code == 0);
  REQUIRE(fs::exists(out + "/p00"));
  REQUIRE_FALSE(fs::exists(out + "/p01"));  // a's points are gone, not mixed in
  REQUIRE_FALSE(fs::exists(out + "/p02"));
  REQUIRE(test::Csv(test::read(out + "/sweep.csv")).at(0, "batch") == "8");

  // Sweep results without a manifest (an older ncoresim's) are another sweep's too.
  fs::remove(out + "/manifest.json");
  REQUIRE(sweep(b, out).code == 2);
  REQUIRE(sweep(b, out, "--force").code == 0);
}
