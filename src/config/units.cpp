// Unit parsing for src/config. Strict: the whole scalar must be consumed, the unit must be known.
#include "config/units.h"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <utility>
#include <vector>

namespace ncore::config {
namespace {

using UnitTable = std::vector<std::pair<const char*, double>>;

const UnitTable kSizeUnits = {{"B", 1.0},
                              {"KB", 1e3},
                              {"kB", 1e3},
                              {"MB", 1e6},
                              {"GB", 1e9},
                              {"TB", 1e12},
                              {"KiB", 1024.0},
                              {"MiB", 1048576.0},
                              {"GiB", 1073741824.0},
                              {"TiB", 1099511627776.0}};
const UnitTable kFreqUnits = {{"Hz", 1.0}, {"kHz", 1e3}, {"MHz", 1e6}, {"GHz", 1e9}};
// Sub-unit prefixes are stored as negative divisors: 10 us = 10 / 1e6 is exact where
// 10 * 1e-6 is not.
const UnitTable kTimeUnits = {{"s", 1.0}, {"ms", -1e3}, {"us", -1e6}, {"ns", -1e9}, {"ps", -1e12}};

std::string trim(const std::string& s) {
  size_t a = 0, b = s.size();
  while (a < b && std::isspace(static_cast<unsigned char>(s[a]))) ++a;
  while (b > a && std::isspace(static_cast<unsigned char>(s[b - 1]))) --b;
  return s.substr(a, b - a);
}

std::string unit_list(const UnitTable& t, const char* suffix) {
  std::string out;
  for (const auto& [name, scale] : t) {
    if (!out.empty()) out += ", ";
    out += std::string(name) + suffix;
  }
  return out;
}

// Splits "12.5 GiB/s" into 12.5 and "GiB/s". Throws when the number part is missing.
std::pair<double, std::string> split_number(const std::string& raw, const std::string& what) {
  const std::string s = trim(raw);
  const char* begin = s.c_str();
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(begin, &end);
  if (end == begin || errno == ERANGE || !std::isfinite(v))
    throw ValueError("expected " + what + ", got '" + raw + "'");
  return {v, trim(std::string(end))};
}

double apply_unit(const std::string& raw, const std::string& what, const UnitTable& table,
                  const char* suffix) {
  auto [v, unit] = split_number(raw, what);
  if (unit.empty()) return v;
  for (const auto& [name, scale] : table)
    if (unit == std::string(name) + suffix) return scale > 0 ? v * scale : v / -scale;
  throw ValueError("unknown unit '" + unit + "' in '" + raw + "' (expected one of " +
                   unit_list(table, suffix) + ")");
}

}  // namespace

uint64_t parse_size(const std::string& text) {
  const double v = apply_unit(text, "a size such as 24 MiB", kSizeUnits, "");
  if (v < 0) throw ValueError("expected a non-negative size, got '" + text + "'");
  if (v > 9.0e18) throw ValueError("size '" + text + "' is too large");
  const double r = std::round(v);
  if (std::fabs(v - r) > 1e-6)
    throw ValueError("size '" + text + "' is not a whole number of bytes");
  return static_cast<uint64_t>(r);
}

double parse_rate(const std::string& text) {
  const double v = apply_unit(text, "a rate such as 50 GiB/s", kSizeUnits, "/s");
  if (v <= 0) throw ValueError("expected a positive rate, got '" + text + "'");
  return v;
}

double parse_freq(const std::string& text) {
  const double v = apply_unit(text, "a frequency such as 1.4 GHz", kFreqUnits, "");
  if (v <= 0) throw ValueError("expected a positive frequency, got '" + text + "'");
  return v;
}

double parse_time(const std::string& text) {
  const double v = apply_unit(text, "a time such as 20 us", kTimeUnits, "");
  if (v < 0) throw ValueError("expected a non-negative time, got '" + text + "'");
  return v;
}

std::string shift_decimal(const std::string& number, int shift) {
  const size_t e = number.find_first_of("eE");
  if (e == std::string::npos) return number + "e" + std::to_string(shift);
  return number.substr(0, e) + "e" + std::to_string(std::stol(number.substr(e + 1)) + shift);
}

double parse_time_ns(const std::string& text) {
  const std::string s = trim(text);
  const char* begin = s.c_str();
  char* end = nullptr;
  std::strtod(begin, &end);  // where the number ends
  if (end == begin) throw ValueError("expected a time such as 20 us, got '" + text + "'");
  const std::string unit = trim(std::string(end));
  static const std::vector<std::pair<std::string, int>> kShift = {{"", 9},   {"s", 9},  {"ms", 6},
                                                                  {"us", 3}, {"ns", 0}, {"ps", -3}};
  for (const auto& [name, shift] : kShift) {
    if (unit != name) continue;
    errno = 0;
    const double v = std::strtod(
        shift_decimal(std::string(begin, static_cast<const char*>(end)), shift).c_str(), nullptr);
    if (errno == ERANGE || !std::isfinite(v))
      throw ValueError("expected a time such as 20 us, got '" + text + "'");
    if (v < 0) throw ValueError("expected a non-negative time, got '" + text + "'");
    return v;
  }
  throw ValueError("unknown unit '" + unit + "' in '" + text + "' (expected one of " +
                   unit_list(kTimeUnits, "") + ")");
}

double parse_number(const std::string& text) {
  auto [v, rest] = split_number(text, "a number");
  if (!rest.empty()) throw ValueError("expected a number, got '" + text + "'");
  return v;
}

int64_t parse_integer(const std::string& text) {
  const std::string s = trim(text);
  const char* begin = s.c_str();
  char* end = nullptr;
  errno = 0;
  const long long v = std::strtoll(begin, &end, 10);
  if (end == begin || *end != '\0' || errno == ERANGE)
    throw ValueError("expected an integer, got '" + text + "'");
  return v;
}

bool parse_bool(const std::string& text) {
  const std::string s = trim(text);
  if (s == "true" || s == "True" || s == "yes" || s == "on") return true;
  if (s == "false" || s == "False" || s == "no" || s == "off") return false;
  throw ValueError("expected true or false, got '" + text + "'");
}

std::string format_size(uint64_t bytes) {
  static const char* names[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int i = 0;
  double v = static_cast<double>(bytes);
  while (i < 4 && v >= 1024.0 && std::fmod(v, 1024.0) == 0.0) {
    v /= 1024.0;
    ++i;
  }
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.0f %s", v, names[i]);
  return buf;
}

}  // namespace ncore::config
