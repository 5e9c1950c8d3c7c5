// A sweep's progress on a terminal: one status line on stderr, rewritten in place (a carriage
// return and an erase-line escape) as points end and once a second: points done, failed, and the
// time left, extrapolated from the mean time per finished point so far (a guess, shown only once
// a point has finished). Elsewhere (a file, a pipe, a Slurm log) the sweep prints nothing of
// this: each point's process logs one line when it ends, as before.
#pragma once
#include <chrono>
#include <cstddef>
#include <string>

namespace ncore::sim {

// "sweep: 7/12 points done, 1 failed, about 0:42 left"; "time left unknown" before the first
// point ends; "done" at the end. Pure: the time is given.
std::string progress_text(size_t done, size_t failed, size_t total, double elapsed_s);

class Progress {
 public:
  // `in_place` false: does nothing at all.
  Progress(size_t total, bool in_place);
  void point_ended(bool failed);  // counts it and redraws
  void redraw();                  // the time left, again
  void finish();                  // ends the line (a newline)

 private:
  size_t m_total, m_done = 0, m_failed = 0;
  bool m_in_place;
  std::chrono::steady_clock::time_point m_start;
};

}  // namespace ncore::sim
