// Where instructions' dependencies live: one DepPool per Program holds every list, in blocks
// that never move, and an instruction keeps a DepSpan (a pointer and a count) into it. One
// allocation per 64 KiB of deps instead of one per instruction, and a transfer's pieces over
// the DMA queues share one list. A span is valid while its pool lives; a pool moves with its
// Program (the blocks stay put) and is never copied.
#pragma once
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <vector>

namespace ncore::isa {

struct Dep {
  uint16_t engine = 0;
  uint32_t count = 0;  // wait until that engine has completed at least `count` instructions
};

// A read-only view of a dependency list (as std::span, which C++17 lacks).
class DepSpan {
 public:
  DepSpan() = default;
  explicit DepSpan(const std::vector<Dep>& v)
      : m_data(v.data()), m_size(static_cast<uint32_t>(v.size())) {}
  explicit DepSpan(std::vector<Dep>&&) = delete;  // would dangle
  const Dep* begin() const { return m_data; }
  const Dep* end() const { return m_data + m_size; }
  size_t size() const { return m_size; }
  bool empty() const { return m_size == 0; }
  const Dep& operator[](size_t i) const { return m_data[i]; }

 private:
  friend class DepPool;
  DepSpan(const Dep* data, uint32_t size) : m_data(data), m_size(size) {}
  const Dep* m_data = nullptr;
  uint32_t m_size = 0;
};

class DepPool {
 public:
  DepPool() = default;
  DepPool(DepPool&&) = default;
  DepPool& operator=(DepPool&&) = default;
  // A copy of deps [first, first + n), kept for the pool's life.
  DepSpan add(const Dep* first, size_t n);
  DepSpan add(const std::vector<Dep>& deps) { return add(deps.data(), deps.size()); }
  DepSpan add(std::initializer_list<Dep> deps) { return add(deps.begin(), deps.size()); }
  size_t size() const { return m_size; }  // deps held

 private:
  static constexpr size_t kBlock = 8192;  // deps per block (64 KiB); a longer list gets its own
  std::vector<std::unique_ptr<Dep[]>> m_blocks;  // filled in turn
  std::vector<std::unique_ptr<Dep[]>> m_large;   // one list each
  size_t m_used = 0;                             // deps used in the last of m_blocks
  size_t m_size = 0;
};

}  // namespace ncore::isa
