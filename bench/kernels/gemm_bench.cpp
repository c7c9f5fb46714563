// GEMM benchmarks: every BRGEMM variant the CPU supports through the GEMM driver (B packed once,
// outside the timed loop) on SGEMM 1024^3 and model shapes, on 1 and 2 threads (rt::parallel_for
// over the driver's (m block, n block) rectangles, as the MatMul fast op does).
// Counters: GFLOP/s and %peak = 2 M N K per wall-clock second (bench_util.hpp, peak from the
// machine probe); GFLOP/s_cpu = the same per second of process CPU time divided by
// the thread count, i.e. the rate with the cores to ourselves (the build machine is shared: wall
// time there includes time other processes held our cores; run with OMP_WAIT_POLICY=passive so
// threads waiting at the end of parallel_for do not spin on CPU time).
// Names: gemm_f32__<isa>_<tile>/M/N/K/threads.
// Run: build/<dir>/bin/sf_bench_kernels --benchmark_filter=gemm_f32 --benchmark_repetitions=5
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <ctime>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "bench/kernels/bench_util.hpp"
#include "core/cpu_features.hpp"
#include "kernels/cpu/gemm/gemm.hpp"
#include "runtime/parallel.hpp"

namespace {

using sf::bench::Buffer;
using sf::bench::make_buffer;
using sf::cpu::BrgemmKernel;

double process_cpu_seconds() {
  timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

void bm_gemm(benchmark::State& state, const BrgemmKernel* kern) {
  const int64_t m = state.range(0), n = state.range(1), k = state.range(2);
  const int threads = static_cast<int>(state.range(3));
  if (static_cast<int>(kern->isa) > static_cast<int>(sf::detected_isa())) {
    state.SkipWithError("ISA not supported by this CPU");
    return;
  }
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  Buffer a = make_buffer(m * k), b = make_buffer(k * n), c = make_buffer(m * n);
  for (int64_t i = 0; i < m * k; ++i) a.get()[i] = dist(rng);
  for (int64_t i = 0; i < k * n; ++i) b.get()[i] = dist(rng);
  const sf::cpu::GemmPlan plan = sf::cpu::gemm_plan(*kern, k, n);
  Buffer packed = make_buffer(plan.packed_b_floats());
  sf::cpu::gemm_pack_b(plan, b.get(), n, false, 1.0f, 0, plan.n_panels(), packed.get());
  sf::cpu::GemmArgs args;
  args.a = a.get();
  args.lda = k;
  args.packed_b = packed.get();
  args.c = c.get();
  args.ldc = n;
  const int64_t mblocks = plan.m_blocks(m), nblocks = plan.n_blocks();
  const double cpu0 = process_cpu_seconds();
  for (auto _ : state) {
    // n-major: consecutive rectangles share their column block of packed B (kept in L2).
    sf::rt::parallel_for(threads, mblocks * nblocks, [&](int64_t begin, int64_t end) {
      for (int64_t t = begin; t < end; ++t) {
        const int64_t nb = t / mblocks, mb = t % mblocks;
        sf::cpu::gemm_tile(plan, args, mb * plan.mc, std::min(m, (mb + 1) * plan.mc),
                           nb * plan.nc, std::min(n, (nb + 1) * plan.nc));
      }
    });
    benchmark::DoNotOptimize(c.get()[0]);
    benchmark::ClobberMemory();
  }
  const double cpu = (process_cpu_seconds() - cpu0) / threads;
  const double flops = 2.0 * static_cast<double>(m * n * k);
  sf::bench::report_gflops(state, flops, threads);
  const double gflops_cpu = flops * static_cast<double>(state.iterations()) / cpu * 1e-9;
  state.counters["GFLOP/s_cpu"] = gflops_cpu;
}

const int kRegistered = [] {
  const std::vector<std::vector<int64_t>> shapes = {
      {1024, 1024, 1024}, {128, 768, 768}, {128, 3072, 768}, {128, 768, 3072}, {3136, 64, 576}};
  for (const BrgemmKernel& kern : sf::cpu::brgemm_kernels()) {
    const std::string name = std::string("gemm_f32__") + (std::string(kern.name).substr(12));
    auto* b = benchmark::RegisterBenchmark(name.c_str(), bm_gemm, &kern);
    for (const auto& s : shapes)
      for (int64_t t : {1, 2}) b->Args({s[0], s[1], s[2], t});
    b->ArgNames({"M", "N", "K", "threads"})->UseRealTime()->Unit(benchmark::kMillisecond);
  }
  return 0;
}();

}  // namespace
