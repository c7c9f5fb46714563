// Counter-based random numbers for campaigns: every draw is a pure function of (seed, stream,
// counter), so injection i of a campaign is reproducible on its own, in any order, on any worker,
// process or MPI rank (fault-injection.md §8: a fault list is generated from a seed). The mixer is
// SplitMix64's finaliser applied to a Weyl sequence; streams are separated by hashing the stream
// id into the starting state.
#pragma once

#include <cstdint>

namespace sf::faults {

class Rng {
 public:
  Rng(uint64_t seed, uint64_t stream) : state_(mix(seed ^ mix(stream + kGolden))) {}

  uint64_t next_u64() { return mix(state_ += kGolden); }
  // Uniform in [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }
  // Uniform in [lo, hi).
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  // Uniform integer in [0, n) (n > 0), without modulo bias (Lemire's multiply-shift with rejection).
  uint64_t below(uint64_t n) {
    if (n <= 1) return 0;
    for (;;) {
      const unsigned __int128 m = static_cast<unsigned __int128>(next_u64()) * n;
      const uint64_t low = static_cast<uint64_t>(m);
      if (low >= n || low >= (0 - n) % n) return static_cast<uint64_t>(m >> 64);
    }
  }
  // Uniform integer in [lo, hi] (inclusive).
  int64_t between(int64_t lo, int64_t hi) {
    return hi <= lo ? lo : lo + static_cast<int64_t>(below(static_cast<uint64_t>(hi - lo) + 1));
  }

 private:
  static constexpr uint64_t kGolden = 0x9E3779B97F4A7C15ull;
  static uint64_t mix(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  uint64_t state_;
};

}  // namespace sf::faults
