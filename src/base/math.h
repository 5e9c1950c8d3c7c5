// Integer rounding shared by every timing model: cycles are integers (DESIGN.md "Time"), and a
// duration computed in floating point is rounded up once, with a 1e-9 slack so that a quotient
// that is an integer up to rounding error (3.0000000000000004) is not rounded up to the next.
#pragma once
#include <cmath>
#include <cstdint>

namespace ncore::base {

inline uint64_t ceil_div(uint64_t a, uint64_t b) {
  return (a + b - 1) / b;
}

// ceil(x), tolerating x's rounding error: the one rounding of a floating-point duration.
inline uint64_t ceil_cycles(double x) {
  return static_cast<uint64_t>(std::ceil(x - 1e-9));
}

}  // namespace ncore::base
