// Units: sizes, rates, frequencies and times with their prefixes, and their bad forms.
#include <catch2/catch.hpp>

#include "config/units.h"
#include "config/yaml_reader.h"

using namespace ncore::config;

TEST_CASE("sizes take decimal and binary prefixes") {
  REQUIRE(parse_size("24 MiB") == 24ull * 1024 * 1024);
  REQUIRE(parse_size("1.5KiB") == 1536);
  REQUIRE(parse_size("2 GB") == 2000000000ull);
  REQUIRE(parse_size("4096") == 4096);
  REQUIRE(parse_size("0") == 0);
}

TEST_CASE("rates, frequencies and times convert to base units") {
  REQUIRE(parse_rate("50 GiB/s") == Approx(50.0 * 1073741824.0));
  REQUIRE(parse_rate("820 GB/s") == Approx(820e9));
  REQUIRE(parse_freq("1.4 GHz") == Approx(1.4e9));
  REQUIRE(parse_freq("488.28125 MHz") == 488281250.0);
  REQUIRE(parse_time("20 us") == 2e-5);  // exact: 20 / 1e6
  REQUIRE(parse_time("100 ns") == 1e-7);
  REQUIRE(parse_time("0 s") == 0.0);
}

TEST_CASE("bad sizes and units are rejected with what was expected") {
  REQUIRE_THROWS_WITH(parse_size("-4 MiB"), Catch::Contains("non-negative"));
  REQUIRE_THROWS_WITH(parse_size("24 MiBs"), Catch::Contains("unknown unit 'MiBs'"));
  REQUIRE_THROWS_WITH(parse_size("lots"), Catch::Contains("expected a size"));
  REQUIRE_THROWS_WITH(parse_size("0.3 B"), Catch::Contains("whole number"));
  REQUIRE_THROWS_WITH(parse_rate("50 GiB"), Catch::Contains("unknown unit 'GiB'"));
  REQUIRE_THROWS_WITH(parse_rate("0 GB/s"), Catch::Contains("positive"));
  REQUIRE_THROWS_WITH(parse_freq("1.4 Ghz"), Catch::Contains("expected one of Hz, kHz, MHz, GHz"));
  REQUIRE_THROWS_WITH(parse_time("-1 us"), Catch::Contains("non-negative"));
  REQUIRE_THROWS_WITH(parse_integer("12abc"), Catch::Contains("expected an integer"));
}

TEST_CASE("sizes render in the largest exact binary unit") {
  REQUIRE(format_size(24ull << 20) == "24 MiB");
  REQUIRE(format_size(1536) == "1536 B");
  REQUIRE(format_size(4096) == "4 KiB");
}

TEST_CASE("a time read into ns is one correctly rounded decimal conversion, so it round-trips") {
  // 1.4e-08 s * 1e9 is 14.000000000000002 in doubles; shifting the decimal exponent gives 14.
  REQUIRE(parse_time_ns("1.4e-08") == 14.0);
  REQUIRE(parse_time_ns("14 ns") == 14.0);
  REQUIRE(parse_time_ns("7.8 us") == 7800.0);
  REQUIRE(parse_time_ns("350e-9") == 350.0);
  REQUIRE(shift_decimal("2e-05", 3) == "2e-2");
  REQUIRE(shift_decimal("1.5", -9) == "1.5e-9");
  REQUIRE_THROWS_WITH(parse_time_ns("3 parsecs"),
                      Catch::Contains("unknown unit 'parsecs'"));
  const double ns = 4 * 0.8333;  // DDR4's tBURST: 3.3332 after rounding
  REQUIRE(parse_time_ns(shift_decimal(exact(ns), -9)) == ns);
}
