// A sweep's in-place progress line (see progress.h).
#include "sim/progress.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace ncore::sim {
namespace {

// h:mm:ss, or m:ss under an hour.
std::string clock_text(double s) {
  const long t = std::lround(std::max(0.0, s));
  char buf[32];
  if (t >= 3600)
    std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
  else
    std::snprintf(buf, sizeof buf, "%ld:%02ld", t / 60, t % 60);
  return buf;
}

}  // namespace

std::string progress_text(size_t done, size_t failed, size_t total, double elapsed_s) {
  std::string s = "sweep: " + std::to_string(done) + "/" + std::to_string(total) +
                  " points done, " + std::to_string(failed) + " failed, ";
  if (done >= total) return s + "done";
  if (done == 0) return s + "time left unknown";
  const double left = elapsed_s / static_cast<double>(done) * static_cast<double>(total - done);
  return s + "about " + clock_text(left) + " left";
}

Progress::Progress(size_t total, bool in_place)
    : m_total(total), m_in_place(in_place), m_start(std::chrono::steady_clock::now()) {
  redraw();
}

void Progress::point_ended(bool failed) {
  ++m_done;
  if (failed) ++m_failed;
  redraw();
}

void Progress::redraw() {
  if (!m_in_place) return;
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - m_start).count();
  const std::string line = "\r\033[K" + progress_text(m_done, m_failed, m_total, elapsed);
  // One write per redraw, so a child's log line never lands inside it. A terminal that fails
  // a write loses a status line, nothing else: the result is not checked.
  [[maybe_unused]] const ssize_t n = ::write(STDERR_FILENO, line.data(), line.size());
}

void Progress::finish() {
  if (!m_in_place) return;  // the line shows the last state already: end it
  [[maybe_unused]] const ssize_t n = ::write(STDERR_FILENO, "\n", 1);
}

}  // namespace ncore::sim
