// The request stream of a serving run: a trace's rows, or Poisson arrivals at `rate` with prompt
// and output lengths drawn from their distributions, all from one seeded generator (the same
// file and seed give the same requests on any machine: the draws use no library distribution).
#pragma once
#include <cstdint>
#include <vector>

#include "config/serve_config.h"

namespace ncore::serve {

struct Request {
  double arrival_s = 0;
  uint64_t prompt = 0, output = 0;  // tokens
};

std::vector<Request> make_requests(const config::ArrivalConfig& a);

}  // namespace ncore::serve
