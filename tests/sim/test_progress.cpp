// A sweep's progress (issue 14, sim/progress.h): on a terminal one status line rewritten in
// place (points done, failed, time left); elsewhere one line per finished point. The terminal is
// a real pseudo-terminal from util-linux's `script`; no test asserts a time, only counts.
#include <catch2/catch.hpp>

#include "sim/progress.h"
#include "test_util.h"

using namespace ncore;

namespace {

// The status lines drawn in `out` (each after "\r\033[K"), in order.
std::vector<std::string> status_lines(const std::string& out) {
  std::vector<std::string> lines;
  const std::string mark = "\r\033[Ksweep: ";
  for (size_t at = out.find(mark); at != std::string::npos; at = out.find(mark, at + 1)) {
    const size_t end = out.find_first_of("\r\n", at + 2);
    lines.push_back(out.substr(at + 4, end - at - 4));
  }
  return lines;
}

// `ncoresim sweep FILE -o OUT --jobs 1` with stderr on a pseudo-terminal (`script`).
test::Result sweep_on_terminal(const std::string& file, const std::string& out) {
  const std::string cmd = std::string(NCORESIM_BIN) + " sweep " + file + " -o " + out + " --jobs 1";
  return test::run_command("script -q -e -c '" + cmd + "' /dev/null < /dev/null");
}

bool have_script() {
  return test::run_command("command -v script").code == 0;
}

}  // namespace

TEST_CASE("the progress line counts points done and failed, and extrapolates the time left") {
  REQUIRE(sim::progress_text(0, 0, 12, 5.0) ==
          "sweep: 0/12 points done, 0 failed, time left unknown");
  // 3 points in 30 s: 10 s each, 9 left: 90 s.
  REQUIRE(sim::progress_text(3, 1, 12, 30.0) ==
          "sweep: 3/12 points done, 1 failed, about 1:30 left");
  // 1 point in 4000 s, 2 left: 8000 s = 2 h 13 min 20 s.
  REQUIRE(sim::progress_text(1, 0, 3, 4000.0) ==
          "sweep: 1/3 points done, 0 failed, about 2:13:20 left");
  REQUIRE(sim::progress_text(12, 2, 12, 99.0) == "sweep: 12/12 points done, 2 failed, done");
  REQUIRE(sim::progress_text(0, 0, 0, 0.0) == "sweep: 0/0 points done, 0 failed, done");
}

TEST_CASE("a sweep whose stderr is not a terminal prints one line per finished point") {
  const std::string dir = test::scratch("progress_pipe");
  const std::string s =
      test::write(dir + "/s.yaml", "base: " + test::repo("configs/runs/tiny_cnn.yaml") +
                                       "\naxes:\n  batch: [1, 2, 4]\n");
  const auto r = test::ncoresim("sweep " + s + " -o " + dir + "/out --jobs 2");
  INFO(r.output);
  REQUIRE(r.code == 0);
  REQUIRE(r.output.find('\r') == std::string::npos);
  REQUIRE(status_lines(r.output).empty());
  // One line per point, each naming its batch.
  for (const char* b : {"1", "2", "4"})
    REQUIRE(r.output.find("info: tiny_cnn tiny batch " + std::string(b) + ": ") !=
            std::string::npos);
  std::istringstream lines(r.output);
  size_t n = 0;
  for (std::string l; std::getline(lines, l);) n += l.rfind("info: tiny_cnn tiny batch ", 0) == 0;
  REQUIRE(n == 3);
}

TEST_CASE("a sweep on a terminal rewrites one status line in place instead") {
  if (!have_script()) {
    WARN("util-linux `script` is missing: the terminal form is not checked");
    return;
  }
  const std::string dir = test::scratch("progress_tty");
  const std::string s =
      test::write(dir + "/s.yaml", "base: " + test::repo("configs/runs/tiny_cnn.yaml") +
                                       "\naxes:\n  batch: [1, 2, 4]\n");
  const auto r = sweep_on_terminal(s, dir + "/out");
  INFO(r.output);
  REQUIRE(r.code == 0);
  const auto st = status_lines(r.output);
  REQUIRE(st.size() >= 4);  // drawn at the start and after each point (and once a second)
  REQUIRE(st.front() == "sweep: 0/3 points done, 0 failed, time left unknown");
  REQUIRE(st.back() == "sweep: 3/3 points done, 0 failed, done");
  // The count only grows, one point at a time.
  int last = 0;
  for (const auto& l : st) {
    INFO(l);
    REQUIRE(l.size() > 32);
    REQUIRE(l.substr(8, 24) == "/3 points done, 0 failed");
    const int k = l[7] - '0';
    REQUIRE((k == last || k == last + 1));
    last = k;
  }
  // The per-point lines are not printed; the sweep's last line follows the status line.
  REQUIRE(r.output.find("tiny_cnn tiny batch") == std::string::npos);
  REQUIRE(r.output.find("done\r\n\r\033[K") != std::string::npos);  // script turns \n into \r\n
  REQUIRE(test::Csv(test::read(dir + "/out/sweep.csv")).rows() == 3);
}

TEST_CASE("on a terminal a failed point is counted, and its error gets a line of its own") {
  if (!have_script()) {
    WARN("util-linux `script` is missing: the terminal form is not checked");
    return;
  }
  // p01, ResNet-50 at batch 2^20, is over the instruction limit: the point fails (exit 2).
  const std::string dir = test::scratch("progress_tty_failed");
  const std::string s =
      test::write(dir + "/s.yaml", "base: " + test::repo("configs/runs/resnet50_inf1.yaml") +
                                       "\naxes:\n  batch: [1, 1048576]\n");
  const auto r = sweep_on_terminal(s, dir + "/out");
  INFO(r.output);
  REQUIRE(r.code == 1);
  const auto st = status_lines(r.output);
  REQUIRE(st.back() == "sweep: 2/2 points done, 1 failed, done");
  // Each message first erases the status line it lands on: "\r\033[K", spdlog's coloured
  // "error", then the message and the end of its line.
  const size_t msg = r.output.find("point p01 failed (exit 2)\r\n");
  REQUIRE(msg != std::string::npos);
  const size_t erase = r.output.rfind("\r\033[K", msg);
  REQUIRE(erase != std::string::npos);
  REQUIRE(r.output.substr(erase, msg - erase).find("error") != std::string::npos);
  REQUIRE(r.output.substr(erase, msg - erase).find("sweep:") == std::string::npos);
}

TEST_CASE("the test runner drops ASan's coroutine-stack note, even from the middle of a line") {
  // What the sanitizer build printed into a status line on CI (addresses shortened).
  const std::string out =
      "\r\033[Ksweep: 0/3 points done==11124==WARNING: ASan is ignoring requested "
      "__asan_handle_no_return: stack type: default top: 0x7f; size: 0xff (-1)\r\n"
      "False positive error reports may follow\r\n"
      "For details see https://github.com/google/sanitizers/issues/189\r\n"
      "\r\033[Ksweep: 1/3";
  REQUIRE(test::without_asan_stack_note(out) == "\r\033[Ksweep: 0/3 points done\r\033[Ksweep: 1/3");
  REQUIRE(test::without_asan_stack_note("a\n==1==ERROR: AddressSanitizer\n") ==
          "a\n==1==ERROR: AddressSanitizer\n");
}
