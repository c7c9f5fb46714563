// The machine probe's FMA loops as benchmarks: each variant the CPU has, one thread, GFLOP/s and
// % of the cached machine peak (bench_util.hpp). A variant near 100% confirms the probe's figure;
// the scalar and AVX2 variants show what those ISA levels can reach on this machine.
#include <benchmark/benchmark.h>

#include "bench/kernels/bench_util.hpp"
#include "core/cpu_features.hpp"
#include "kernels/cpu/probe/probe.hpp"

namespace sf::bench {
namespace {

constexpr int64_t kIters = 1 << 14;

template <float (*Fn)(int64_t, float, float), int Chains, int Lanes>
void BM_probe_fma(benchmark::State& state, bool available) {
  if (!available) {
    state.SkipWithError("CPU lacks this ISA");
    return;
  }
  for (auto _ : state) benchmark::DoNotOptimize(Fn(kIters, 0.999f, 0.001f));
  report_gflops(state, 2.0 * Chains * Lanes * static_cast<double>(kIters), 1);
}

void register_probe_benchmarks() {
  const CpuFeatures& f = cpu_features();
  benchmark::RegisterBenchmark(
      "probe_fma_f32__scalar", BM_probe_fma<cpu::probe_fma_f32__scalar, cpu::kProbeChainsScalar,
                                            cpu::kProbeLanesScalar>,
      true);
  benchmark::RegisterBenchmark(
      "probe_fma_f32__avx2",
      BM_probe_fma<cpu::probe_fma_f32__avx2, cpu::kProbeChainsAvx2, cpu::kProbeLanesAvx2>,
      f.avx2 && f.fma);
  benchmark::RegisterBenchmark(
      "probe_fma_f32__avx512",
      BM_probe_fma<cpu::probe_fma_f32__avx512, cpu::kProbeChainsAvx512, cpu::kProbeLanesAvx512>,
      detected_isa() == Isa::kAvx512);
}

const bool kRegistered = (register_probe_benchmarks(), true);

}  // namespace
}  // namespace sf::bench
