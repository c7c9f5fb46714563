// Helpers shared by the kernel benchmarks: the measured machine peak (from the `steadfast
// machine` cache, probing once when there is none) so each benchmark can report "% of peak"
// next to its GFLOP/s counter.
#pragma once

#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>

#include "core/large_alloc.hpp"
#include "runtime/machine.hpp"

namespace sf::bench {

// A 64-byte aligned float buffer from the engine's large-buffer allocator (2 MiB pages from
// 2 MiB up, as the arena and packed weights get them), so no benchmark pays for cache-line-split
// vector loads or TLB misses that inference does not.
struct AlignedFree {
  void operator()(float* p) const { sf::large_free(p); }
};
using Buffer = std::unique_ptr<float[], AlignedFree>;

inline Buffer make_buffer(int64_t floats, float fill = 0.0f) {
  const size_t bytes = (static_cast<size_t>(floats) * 4 + 63) / 64 * 64;
  Buffer b(static_cast<float*>(sf::large_aligned_alloc(64, bytes == 0 ? 64 : bytes)));
  for (int64_t i = 0; i < floats; ++i) b[i] = fill;
  return b;
}

// Measured fp32 FMA peak in GFLOP/s for `threads` threads (MachineInfo::peak_gflops_for); 0 when
// the probe fails (then no "% of peak" is reported).
inline double machine_peak_gflops(int threads) {
  static const std::optional<rt::MachineInfo> info = []() -> std::optional<rt::MachineInfo> {
    auto m = rt::load_or_probe();
    if (m.is_ok()) return m->info;
    std::fprintf(stderr, "machine probe failed: %s\n", m.status().to_string().c_str());
    return std::nullopt;
  }();
  return info ? info->peak_gflops_for(threads) : 0;
}

// Sets the GFLOP/s and "%peak" counters for `flops` floating-point operations per iteration.
inline void report_gflops(benchmark::State& state, double flops, int threads) {
  state.counters["GFLOP/s"] = benchmark::Counter(flops * static_cast<double>(state.iterations()),
                                                 benchmark::Counter::kIsRate);
  const double peak = machine_peak_gflops(threads);
  if (peak > 0) {
    state.counters["%peak"] = benchmark::Counter(
        flops * static_cast<double>(state.iterations()) / (peak * 1e9) * 100,
        benchmark::Counter::kIsRate);
  }
}

}  // namespace sf::bench
