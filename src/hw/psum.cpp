// Partial-sum buffer counters (see psum.h).
#include "hw/psum.h"

namespace ncore::hw {

Psum::Psum(sc_core::sc_module_name n, const config::PsumConfig& c, base::Stats& s)
    : sc_module(n), m_write(s.counter("psum.write_bytes")), m_read(s.counter("psum.read_bytes")) {
  s.counter("psum.moving_limit") = c.moving_limit();
}

}  // namespace ncore::hw
