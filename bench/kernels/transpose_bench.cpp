// Transpose kernels (kernels/cpu/transpose), single thread, GB/s of input + output bytes:
//   nchw_to_nhwc: [1,64,56,56] perm (0,2,3,1) = 2-D [64, 3136] -> [3136, 64], every variant in
//                 kernels.inc the CPU runs;
//   nhwc_to_nchw: [1,56,56,64] perm (0,3,1,2) = 2-D [3136, 64] -> [64, 3136], every variant;
//   head_split:   [1,128,12,64] perm (0,2,1,3) = [A=128, B=12, C=64] runs of 64 floats (memcpy).
//
//   build/<dir>/bin/sf_bench_kernels --benchmark_filter=transpose
#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>
#include <vector>

#include "kernels/cpu/transpose/transpose.hpp"

namespace {

using namespace sf;
using namespace sf::cpu;

void gbps(benchmark::State& state, double bytes) {
  state.counters["GB/s"] =
      benchmark::Counter(bytes * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

std::vector<uint32_t> data(size_t n) {
  std::vector<uint32_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<uint32_t>(i * 2654435761u);
  return v;
}

void plain_2d(benchmark::State& state, const TransposeKernel& k, int64_t rows, int64_t cols) {
  if (static_cast<int>(k.isa) > static_cast<int>(detected_isa())) {
    state.SkipWithError("CPU lacks this ISA");
    return;
  }
  const auto x = data(static_cast<size_t>(rows * cols));
  std::vector<uint32_t> y(x.size());
  for (auto _ : state) {
    k.fn(x.data(), cols, y.data(), rows, rows, cols);
    benchmark::DoNotOptimize(y.data());
  }
  gbps(state, 2.0 * static_cast<double>(x.size()) * sizeof(uint32_t));
  state.SetLabel(k.name);
}

void head_split(benchmark::State& state) {
  const int64_t a = 128, b = 12, c = 64;
  const auto x = data(static_cast<size_t>(a * b * c));
  std::vector<uint32_t> y(x.size());
  for (auto _ : state) {
    transpose_runs(x.data(), y.data(), a, b, c * 4, 0, b);
    benchmark::DoNotOptimize(y.data());
  }
  gbps(state, 2.0 * static_cast<double>(x.size()) * sizeof(uint32_t));
  state.SetLabel("transpose_runs__memcpy");
}

const int kRegistered = [] {
  for (const TransposeKernel& k : transpose_kernels()) {
    const TransposeKernel* kp = &k;
    benchmark::RegisterBenchmark((std::string("transpose/nchw_to_nhwc/") + k.name).c_str(),
                                 [kp](benchmark::State& s) { plain_2d(s, *kp, 64, 56 * 56); });
    benchmark::RegisterBenchmark((std::string("transpose/nhwc_to_nchw/") + k.name).c_str(),
                                 [kp](benchmark::State& s) { plain_2d(s, *kp, 56 * 56, 64); });
  }
  benchmark::RegisterBenchmark("transpose/head_split/transpose_runs__memcpy", head_split);
  return 0;
}();

}  // namespace
