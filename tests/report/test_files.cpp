// report::write_file and the exit code 4 (issue 12, findings 1 and 9): an output that cannot be
// written is one line naming the file and the OS reason, exit 4, and never a 0-byte or truncated
// file under its final name; nor is one left by SIGINT or SIGTERM (exit 130, 143), sent while
// the test hook NCORESIM_TEST_HOLD_FILE holds a file's write. The failures are real ones, made
// without root: a file-size limit (RLIMIT_FSIZE, `ulimit -f`: writes past it fail with EFBIG),
// /dev/full (ENOSPC), a path through a file (ENOTDIR); and, where the machine allows a private
// mount namespace
// (`unshare -m`, root), a nearly full 16 KiB tmpfs.
#include <sys/resource.h>

#include <catch2/catch.hpp>
#include <csignal>
#include <filesystem>
#include <set>
#include <stdexcept>

#include "report/files.h"
#include "test_spawn.h"

using namespace ncore;
namespace fs = std::filesystem;

namespace {

// `sh -c SCRIPT` from the repository root, $NCORESIM the binary: exit code and output.
test::Result shell(const std::string& script) {
  return test::run_command(std::string("NCORESIM='") + NCORESIM_BIN + "' sh -c '" + script + "'");
}

// The names in dir that a writer left behind as temporaries (.NAME.PID.tmp).
std::vector<std::string> temporaries(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    const std::string n = e.path().filename().string();
    if (n.size() > 4 && n[0] == '.' && n.substr(n.size() - 4) == ".tmp") out.push_back(n);
  }
  return out;
}

// Every output of a run in `dir` is absent or byte-identical to the complete one in `ref`.
void require_whole_or_absent(const std::string& dir, const std::string& ref) {
  for (const char* f : {"config.yaml", "summary.json", "layers.csv", "trace.json"}) {
    INFO(dir << "/" << f);
    if (fs::exists(dir + "/" + f)) REQUIRE(test::read(dir + "/" + f) == test::read(ref + "/" + f));
  }
  INFO(dir);
  REQUIRE(temporaries(dir).empty());
}

}  // namespace

TEST_CASE("write_file replaces a file whole and leaves no temporary") {
  const std::string dir = test::scratch("write_file");
  report::write_file(dir + "/a.txt", "first, longer text\n");
  report::write_file(dir + "/a.txt", "second\n");
  REQUIRE(test::read(dir + "/a.txt") == "second\n");
  REQUIRE(temporaries(dir).empty());
  REQUIRE(report::temp_file_in_progress() == nullptr);
}

TEST_CASE("an output file written in pieces appears whole at commit, or not at all") {
  const std::string dir = test::scratch("output_file");
  report::write_file(dir + "/t.json", "old\n");
  {
    report::OutputFile f(dir + "/t.json");
    f.write("{\"a\":");
    REQUIRE(report::temp_file_in_progress() != nullptr);
    REQUIRE(test::read(dir + "/t.json") == "old\n");  // not yet replaced
    f.write("1}\n");
    f.commit();
  }
  REQUIRE(test::read(dir + "/t.json") == "{\"a\":1}\n");
  try {  // an exception while producing the text: the old file stays, no temporary
    report::OutputFile f(dir + "/t.json");
    f.write("partial");
    throw std::runtime_error("producer failed");
  } catch (const std::runtime_error&) {
  }
  REQUIRE(test::read(dir + "/t.json") == "{\"a\":1}\n");
  REQUIRE(temporaries(dir).empty());
  REQUIRE(report::temp_file_in_progress() == nullptr);
}

TEST_CASE("write_file past a file-size limit throws EFBIG and leaves the old file as it was") {
  // Reproducer of finding 1 without a full disk: the first 1 KiB is written, the rest is not.
  const std::string dir = test::scratch("write_file_limit");
  report::write_file(dir + "/a.csv", "old\n");
  std::signal(SIGXFSZ, SIG_IGN);
  rlimit old{};
  REQUIRE(getrlimit(RLIMIT_FSIZE, &old) == 0);
  rlimit small = old;
  small.rlim_cur = 1024;
  REQUIRE(setrlimit(RLIMIT_FSIZE, &small) == 0);
  std::string error;
  try {
    report::write_file(dir + "/a.csv", std::string(4096, 'x'));
  } catch (const report::OutputError& e) {
    error = e.what();
  }
  REQUIRE(setrlimit(RLIMIT_FSIZE, &old) == 0);
  REQUIRE(error == "cannot write " + dir + "/a.csv: File too large");
  REQUIRE(test::read(dir + "/a.csv") == "old\n");
  REQUIRE(temporaries(dir).empty());
}

TEST_CASE("write_file names the file and the OS reason: no directory, /dev/full") {
  const std::string dir = test::scratch("write_file_errors");
  REQUIRE_THROWS_WITH(report::write_file(dir + "/no/a.txt", "x"),
                      "cannot write " + dir + "/no/a.txt: No such file or directory");
  // Not a regular file: written in place (never replaced by a rename), the error reported.
  REQUIRE_THROWS_WITH(report::write_file("/dev/full", "x"),
                      "cannot write /dev/full: No space left on device");
  REQUIRE_THROWS_WITH(report::write_file(dir, "x"), "cannot write " + dir + ": Is a directory");
  REQUIRE_THROWS_WITH(report::make_dirs("/dev/null/x"),
                      "cannot create directory /dev/null/x: Not a directory");
}

TEST_CASE("run past a file-size limit exits 4 naming the file and the reason, no file truncated") {
  // Before: exit 1 ("internal error: cannot write .../config.yaml") with config.yaml cut at the
  // limit; without the shell ignoring SIGXFSZ, killed by it (exit 153) with a truncated file.
  const std::string dir = test::scratch("run_limit");
  const std::string run = "run configs/runs/tiny_cnn.yaml -q -o " + dir;
  REQUIRE(shell("$NCORESIM " + run + "/ref").code == 0);
  const auto r = shell("ulimit -f 2 && exec $NCORESIM " + run + "/out");
  INFO(r.output);
  REQUIRE(r.code == 4);
  REQUIRE(r.output.find("error: cannot write " + dir + "/out/") == 0);
  REQUIRE(r.output.find(": File too large\n") != std::string::npos);
  REQUIRE(std::count(r.output.begin(), r.output.end(), '\n') == 1);
  require_whole_or_absent(dir + "/out", dir + "/ref");
}

TEST_CASE("plan, import and run exit 4 on an unwritable output: stdout, /dev/full, a file path") {
  auto r = shell("$NCORESIM plan configs/runs/tiny_cnn.yaml 2>&1 >/dev/full");
  INFO(r.output);
  REQUIRE(r.code == 4);
  REQUIRE(r.output == "error: cannot write stdout: No space left on device\n");
  r = shell("$NCORESIM import tests/data/scalesim/gemm_topology.csv -q -o /dev/full");
  INFO(r.output);
  REQUIRE(r.code == 4);
  REQUIRE(r.output == "error: cannot write /dev/full: No space left on device\n");
  r = shell("$NCORESIM run configs/runs/tiny_cnn.yaml -q -o /dev/null/x");
  REQUIRE(r.code == 4);
  REQUIRE(r.output == "error: cannot create directory /dev/null/x: Not a directory\n");
}

TEST_CASE("a sweep whose points cannot write their outputs exits 4 and keeps no point folder") {
  const std::string dir = test::scratch("sweep_limit");
  test::write(dir + "/s.yaml",
              "base: " + test::repo("configs/runs/tiny_cnn.yaml") + "\naxes:\n  batch: [1, 2]\n");
  // summary.json (over 1 KiB) is past the limit; the sweep's own manifest.json is not.
  const auto r = shell("ulimit -f 2 && exec $NCORESIM sweep " + dir + "/s.yaml -q --jobs 2 -o " +
                       dir + "/out");
  INFO(r.output);
  REQUIRE(r.code == 4);
  REQUIRE(r.output.find("point p00 failed (exit 4: an output could not be written)") !=
          std::string::npos);
  REQUIRE_FALSE(fs::exists(dir + "/out/p00"));
  REQUIRE_FALSE(fs::exists(dir + "/out/p01"));
  REQUIRE(temporaries(dir + "/out").empty());
  REQUIRE(shell("$NCORESIM sweep " + dir + "/s.yaml -q -o /dev/null/x").code == 4);
}

TEST_CASE("run on a nearly full filesystem exits 0 or 4, never leaving a truncated file") {
  // The reproducer: a 16 KiB tmpfs filled to within 0..15 KiB of full, in a private
  // mount namespace (needs root or user namespaces; skipped where neither is allowed). Before:
  // exit 1 with a 0-byte summary.json or config.yaml, or exit 0 with a 0-byte layers.csv.
  if (shell("unshare -m true").code != 0) {
    WARN(
        "unshare -m is not allowed here: the tmpfs case is skipped (the file-size limit cases "
        "above cover the same code)");
    return;
  }
  const std::string dir = test::scratch("full_disk"), tmpfs = dir + "/fs";
  fs::create_directories(tmpfs);
  const std::string run = "$NCORESIM run configs/runs/tiny_cnn.yaml -q --no-trace -o ";
  REQUIRE(shell(run + dir + "/ref/m").code == 0);  // as deep as fs/m: the same config.yaml
  const auto r = shell("unshare -m sh -c \"mount -t tmpfs -o size=16k tmpfs " + tmpfs +
                       " || exit 9; for k in 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15; do rm -rf " +
                       tmpfs + "/*; head -c \\$((k * 1024)) /dev/zero > " + tmpfs +
                       "/fill 2>/dev/null; " + run + tmpfs + "/m; echo k\\$k=\\$?; mkdir " + dir +
                       "/f\\$k; cp -a " + tmpfs + "/m/. " + dir + "/f\\$k/ 2>/dev/null; done\"");
  INFO(r.output);
  if (r.code == 9) {
    WARN("tmpfs cannot be mounted here: skipped");
    return;
  }
  std::set<int> codes;
  for (int k = 0; k < 16; ++k) {
    const std::string tag = "k" + std::to_string(k) + "=", f = dir + "/f" + std::to_string(k);
    const size_t at = r.output.find(tag);
    REQUIRE(at != std::string::npos);
    const int code = std::stoi(r.output.substr(at + tag.size()));
    INFO(tag << code);
    REQUIRE((code == 0 || code == 4));
    if (code == 0)
      for (const char* name : {"config.yaml", "summary.json", "layers.csv"})
        REQUIRE(fs::exists(f + "/" + name));
    require_whole_or_absent(f, dir + "/ref/m");
    codes.insert(code);
  }
  REQUIRE(codes == std::set<int>{0, 4});  // some fitted, some filled the disk
  REQUIRE(r.output.find(": No space left on device\n") != std::string::npos);
}

TEST_CASE(
    "run stopped by SIGINT or SIGTERM mid-write exits 130 or 143 and leaves no partial file") {
  // The write of layers.csv (then trace.json) is held by NCORESIM_TEST_HOLD_FILE with its
  // temporary written and synced, not renamed; the signal removes the temporary. A file written
  // before the signal is whole; the one being written keeps its old content or stays absent.
  const std::string dir = test::scratch("run_signal");
  const std::string run = "configs/runs/tiny_cnn.yaml";
  REQUIRE(test::ncoresim("run " + run + " -q -o '" + dir + "/ref'").code == 0);
  REQUIRE(test::ncoresim("run " + run + " -q --batch 2 -o '" + dir + "/out'").code == 0);
  const std::string old_layers = test::read(dir + "/out/layers.csv");  // batch 2's
  REQUIRE(old_layers != test::read(dir + "/ref/layers.csv"));

  test::Spawned p{test::spawn({"run", run, "-q", "-o", dir + "/out"}, "NCORESIM_TEST_HOLD_FILE",
                              "layers.csv", dir + "/log")};
  test::wait_for(dir + "/out/.layers.csv." + std::to_string(p.pid) + ".tmp");
  REQUIRE(test::signal_and_wait(p, SIGINT) == 128 + SIGINT);
  INFO(test::read(dir + "/log"));
  REQUIRE(temporaries(dir + "/out").empty());
  REQUIRE(test::read(dir + "/out/layers.csv") == old_layers);  // not the new run's, not cut
  REQUIRE(test::read(dir + "/out/summary.json") == test::read(dir + "/ref/summary.json"));

  test::Spawned q{test::spawn({"run", run, "-q", "-o", dir + "/new"}, "NCORESIM_TEST_HOLD_FILE",
                              "trace.json", dir + "/log2")};
  test::wait_for(dir + "/new/.trace.json." + std::to_string(q.pid) + ".tmp");
  REQUIRE(test::signal_and_wait(q, SIGTERM) == 128 + SIGTERM);
  REQUIRE_FALSE(fs::exists(dir + "/new/trace.json"));
  REQUIRE(fs::exists(dir + "/new/layers.csv"));
  require_whole_or_absent(dir + "/new", dir + "/ref");
}
