// The dependency pool's blocks (see dep_pool.h).
#include "isa/dep_pool.h"

#include <algorithm>

namespace ncore::isa {

DepSpan DepPool::add(const Dep* first, size_t n) {
  if (n == 0) return {};
  Dep* to = nullptr;
  if (n > kBlock) {  // a block of its own
    m_large.push_back(std::make_unique<Dep[]>(n));
    to = m_large.back().get();
  } else {
    if (m_blocks.empty() || m_used + n > kBlock) {
      m_blocks.push_back(std::make_unique<Dep[]>(kBlock));
      m_used = 0;
    }
    to = m_blocks.back().get() + m_used;
    m_used += n;
  }
  std::copy(first, first + n, to);
  m_size += n;
  return DepSpan(to, static_cast<uint32_t>(n));
}

}  // namespace ncore::isa
