// Overflow-checked size arithmetic (issue 12: every size product is checked). Sizes are uint64_t
// counts of elements, bytes or instructions; a product that does not fit is reported, never
// wrapped. `sat_*` saturate at UINT64_MAX, for estimates compared against a limit.
#pragma once
#include <cstdint>
#include <limits>
#include <optional>
#include <string>

namespace ncore::base {

constexpr uint64_t kSaturated = std::numeric_limits<uint64_t>::max();

// a * b, or nullopt when it does not fit in 64 bits.
inline std::optional<uint64_t> checked_mul(uint64_t a, uint64_t b) {
  uint64_t r = 0;
  if (__builtin_mul_overflow(a, b, &r)) return std::nullopt;
  return r;
}

inline uint64_t sat_mul(uint64_t a, uint64_t b) {
  uint64_t r = 0;
  return __builtin_mul_overflow(a, b, &r) ? kSaturated : r;
}

inline uint64_t sat_add(uint64_t a, uint64_t b) {
  uint64_t r = 0;
  return __builtin_add_overflow(a, b, &r) ? kSaturated : r;
}

// A value echoed in an error message: at most `max` bytes, then "…" (a 100 MB value is not
// printed whole); a NUL byte is shown as \0.
inline std::string clip(const std::string& s, size_t max = 80) {
  std::string out;
  for (size_t i = 0; i < s.size() && i < max; ++i)
    out += s[i] == '\0' ? std::string("\\0") : std::string(1, s[i]);
  return s.size() <= max ? out : out + "\u2026";
}

}  // namespace ncore::base
