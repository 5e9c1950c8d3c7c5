// Functional mode (options.functional): while the timing replays, the tensor and vector engines
// also compute, with Eigen, on seeded data. The engines touch only what their instruction says:
// a MatMul multiplies the K x M tile (its weights, or the stationary activation) by the K x N
// im2col columns of its moving input and writes or accumulates PSUM bank `bank`; an eviction
// writes that bank (+ bias, activation) to output channels and positions; a vector op computes
// its channel block and positions; a gather DMA copies table rows. compare() then checks every
// tensor against workload::reference_forward, which proves the program covers every MAC exactly
// once and puts every result in the right place. Values are float whatever the dtype.
#pragma once
#include <Eigen/Dense>
#include <cstdint>
#include <string>
#include <vector>

#include "planner/program.h"
#include "workload/graph.h"
#include "workload/reference.h"

namespace ncore::hw {

class Functional {
 public:
  Functional(const workload::Graph& g, uint64_t batch, uint32_t psum_banks, workload::ModelData d);

  void matmul(const planner::Instr& i);
  void evict(const planner::Instr& i);
  void vector(const planner::Instr& i);
  void gather(uint32_t layer);  // once per layer, on its first table read

  struct Check {
    uint64_t elements = 0;
    double max_abs_error = 0, max_rel_error = 0;  // rel: |x - ref| / (1 + |ref|)
    std::string worst_layer;
    bool passed = false;
  };
  Check compare(double tolerance) const;

 private:
  const std::vector<float>& tensor(int t) const { return m_t[static_cast<size_t>(m_g.resolve(t))]; }

  const workload::Graph& m_g;
  const uint64_t m_b;
  const workload::ModelData m_d;
  std::vector<std::vector<float>> m_t;  // per tensor id, NCHW over the batch
  std::vector<Eigen::MatrixXf> m_psum;  // per bank: M x N sums
  std::vector<bool> m_gathered;
};

}  // namespace ncore::hw
