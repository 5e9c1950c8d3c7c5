// The test runner: libsystemc defines main() and calls sc_main, so Catch2 runs from here.
// CTest runs each TEST_CASE in its own process (catch_discover_tests): SystemC elaborates once.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>
#include <cstdlib>
#include <systemc>

// libsystemc's main() prints its banner before sc_main runs: switch it off before main().
static const bool kQuietBanner = setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0) == 0;

int sc_main(int argc, char** argv) {
  return Catch::Session().run(argc, argv);
}
