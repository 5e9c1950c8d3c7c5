// An engine's instruction queue: appended to by the planner, replayed in order by its engine.
// Kept in blocks of 512 instructions, each allocated once and never moved, so appending never
// moves the instructions already queued (as std::deque, which allocates a block per 4
// instructions of this size: 118k allocations for ResNet-50 at batch 64, 18 % of it overhead).
#pragma once
#include <cstddef>
#include <initializer_list>
#include <iterator>
#include <utility>
#include <vector>

#include "isa/instr.h"

namespace ncore::isa {

class InstrQueue {
 public:
  // Forward iterators by index (T: Instr or const Instr).
  template <class Queue, class T>
  class Iter {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = Instr;
    using difference_type = std::ptrdiff_t;
    using pointer = T*;
    using reference = T&;
    Iter(Queue* q, size_t k) : m_q(q), m_k(k) {}
    T& operator*() const { return (*m_q)[m_k]; }
    T* operator->() const { return &(*m_q)[m_k]; }
    Iter& operator++() {
      ++m_k;
      return *this;
    }
    Iter operator++(int) { return Iter(m_q, m_k++); }
    bool operator==(const Iter& o) const { return m_k == o.m_k && m_q == o.m_q; }
    bool operator!=(const Iter& o) const { return !(*this == o); }

   private:
    Queue* m_q;
    size_t m_k;
  };
  using iterator = Iter<InstrQueue, Instr>;
  using const_iterator = Iter<const InstrQueue, const Instr>;

  InstrQueue() = default;
  InstrQueue(std::initializer_list<Instr> instrs) {
    for (const Instr& i : instrs) push_back(i);
  }
  InstrQueue(const InstrQueue& o) {
    for (const Instr& i : o) push_back(i);
  }
  InstrQueue(InstrQueue&& o) noexcept
      : m_blocks(std::move(o.m_blocks)), m_size(std::exchange(o.m_size, 0)) {}
  InstrQueue& operator=(InstrQueue o) noexcept {  // copy or move, then swap
    std::swap(m_blocks, o.m_blocks);
    std::swap(m_size, o.m_size);
    return *this;
  }

  void push_back(const Instr& i) {
    if (m_size % kBlock == 0) {
      m_blocks.emplace_back();
      m_blocks.back().reserve(kBlock);
    }
    m_blocks.back().push_back(i);
    ++m_size;
  }
  // Appends default instructions up to n (never shrinks below the current size).
  void resize(size_t n) {
    while (m_size < n) push_back(Instr{});
  }
  size_t size() const { return m_size; }
  bool empty() const { return m_size == 0; }
  Instr& operator[](size_t k) { return m_blocks[k / kBlock][k % kBlock]; }
  const Instr& operator[](size_t k) const { return m_blocks[k / kBlock][k % kBlock]; }
  Instr& back() { return m_blocks.back().back(); }
  const Instr& back() const { return m_blocks.back().back(); }
  iterator begin() { return {this, 0}; }
  iterator end() { return {this, m_size}; }
  const_iterator begin() const { return {this, 0}; }
  const_iterator end() const { return {this, m_size}; }

 private:
  static constexpr size_t kBlock = 512;
  std::vector<std::vector<Instr>> m_blocks;  // each reserved kBlock, full but the last
  size_t m_size = 0;
};

}  // namespace ncore::isa
