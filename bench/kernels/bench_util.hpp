// Helpers shared by the kernel benchmarks: the measured machine peak (from the `steadfast
// machine` cache, probing once when there is none) so each benchmark can report "% of peak"
// next to its GFLOP/s counter.
#pragma once

#include <benchmark/benchmark.h>

#include <cstdio>
#include <optional>

#include "runtime/machine.hpp"

namespace sf::bench {

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
