// Scalars with units, as they appear in the YAML files: sizes ("24 MiB"), rates ("50 GiB/s"),
// frequencies ("1.4 GHz") and times ("20 us"). A plain number means the base unit (bytes, bytes/s,
// Hz, s). Decimal prefixes are powers of 1000, binary ones (KiB, MiB, GiB, TiB) powers of 1024.
// Each parser throws ValueError with a message that names what was expected; the reader adds the
// file, line and key.
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>

namespace ncore::config {

class ValueError : public std::runtime_error {
 public:
  explicit ValueError(const std::string& what) : std::runtime_error(what) {}
};

uint64_t parse_size(const std::string& text);   // bytes, a whole number >= 0
double parse_rate(const std::string& text);     // bytes per second, > 0
double parse_freq(const std::string& text);     // hertz, > 0
double parse_time(const std::string& text);     // seconds, >= 0
double parse_time_ns(const std::string& text);  // nanoseconds, >= 0 (decimal exponent shift)
// The decimal number `number` (as strtod reads it) times 10^shift, as text: ("1.5", -9) ->
// "1.5e-9", ("2e-05", 3) -> "2e-2".
std::string shift_decimal(const std::string& number, int shift);
double parse_number(const std::string& text);  // a plain finite number
int64_t parse_integer(const std::string& text);
bool parse_bool(const std::string& text);

// Binary-unit rendering for messages and plots: 25165824 -> "24 MiB".
std::string format_size(uint64_t bytes);

}  // namespace ncore::config
