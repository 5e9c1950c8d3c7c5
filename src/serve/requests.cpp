#include "serve/requests.h"

#include <algorithm>
#include <cmath>
#include <random>

namespace ncore::serve {
namespace {

// Uniform in (0, 1): 52 random bits and a half, never 0 nor 1 (exact in a double).
double uniform01(std::mt19937_64& g) {
  return (static_cast<double>(g() >> 12) + 0.5) * (1.0 / 4503599627370496.0);
}

uint64_t draw(const config::LengthDist& d, std::mt19937_64& g) {
  using K = config::LengthDist::Kind;
  switch (d.kind) {
    case K::fixed:
      return d.tokens;
    case K::uniform:
      return d.min + static_cast<uint64_t>(uniform01(g) * static_cast<double>(d.max - d.min + 1));
    case K::lognormal: {
      // Box-Muller: one standard normal from two uniforms.
      const double u1 = uniform01(g);  // drawn in order: the same stream on every compiler
      const double u2 = uniform01(g);
      const double z = std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
      const double x = std::round(d.median * std::exp(d.sigma * z));
      return static_cast<uint64_t>(
          std::clamp(x, static_cast<double>(d.min), static_cast<double>(d.max)));
    }
  }
  return d.tokens;
}

}  // namespace

std::vector<Request> make_requests(const config::ArrivalConfig& a) {
  std::vector<Request> out;
  if (!a.trace_rows.empty()) {
    for (const auto& t : a.trace_rows)
      out.push_back(Request{t.arrival_s, t.prompt_tokens, t.output_tokens});
    return out;
  }
  std::mt19937_64 g(a.seed);
  double t = 0;
  out.reserve(a.requests);
  for (uint64_t i = 0; i < a.requests; ++i) {
    t += -std::log(uniform01(g)) / a.rate;  // exponential gaps: a Poisson process
    Request r;
    r.arrival_s = t;
    r.prompt = draw(a.prompt, g);
    r.output = draw(a.output, g);
    out.push_back(r);
  }
  return out;
}

}  // namespace ncore::serve
