// Element-wise primitives (kernels/cpu/eltwise), every variant in kernels.inc the CPU runs:
// GELU (erf), exp, row-broadcast add, softmax rows and LayerNorm rows on BERT-base-like shapes.
// These are memory-bound: the counter is GB/s of input + output bytes (each pass counted once).
//
//   build/<dir>/bin/sf_bench_kernels --benchmark_filter=eltwise
#include <benchmark/benchmark.h>

#include <cmath>
#include <string>
#include <vector>

#include "kernels/cpu/eltwise/eltwise.hpp"

namespace {

using namespace sf;
using namespace sf::cpu;

constexpr int64_t kRows = 512, kCols = 768;

std::vector<float> data(size_t n, float seed) {
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = 3.0f * std::sin(seed + 0.37f * static_cast<float>(i % 1013));
  return v;
}

void gbps(benchmark::State& state, double bytes) {
  state.counters["GB/s"] = benchmark::Counter(bytes * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

enum class Case { kGelu, kExp, kAddRow, kSoftmax, kLayerNorm };

void run(benchmark::State& state, const EltwiseKernel& k, Case c) {
  if (static_cast<int>(k.isa) > static_cast<int>(detected_isa())) {
    state.SkipWithError("CPU lacks this ISA");
    return;
  }
  const auto x = data(kRows * kCols, 1), row = data(kCols, 2);
  std::vector<float> y(x.size());
  for (auto _ : state) {
    switch (c) {
      case Case::kGelu:
        k.unary({UnaryOp::kGelu, 0, 0, kRows, kCols, x.data(), kCols, y.data(), kCols, nullptr});
        break;
      case Case::kExp:
        k.unary({UnaryOp::kExp, 0, 0, kRows, kCols, x.data(), kCols, y.data(), kCols, nullptr});
        break;
      case Case::kAddRow:
        k.binary({BinaryOp::kAdd, kRows, kCols, x.data(), kCols, Bcast::kNone, row.data(), kCols,
                  Bcast::kRow, y.data(), kCols});
        break;
      case Case::kSoftmax: softmax_rows(k, kRows, kCols, x.data(), kCols, y.data(), kCols); break;
      case Case::kLayerNorm:
        layer_norm_rows(k, kRows, kCols, x.data(), kCols, y.data(), kCols, row.data(), row.data(),
                        1e-5f, nullptr, nullptr);
        break;
    }
    benchmark::DoNotOptimize(y.data());
  }
  gbps(state, 2.0 * kRows * kCols * sizeof(float));
  state.SetLabel(k.name);
}

const int kRegistered = [] {
  const std::pair<const char*, Case> cases[] = {{"gelu", Case::kGelu},
                                                {"exp", Case::kExp},
                                                {"add_row", Case::kAddRow},
                                                {"softmax", Case::kSoftmax},
                                                {"layer_norm", Case::kLayerNorm}};
  for (const EltwiseKernel& k : eltwise_kernels())
    for (const auto& [name, c] : cases) {
      const Case cc = c;
      const EltwiseKernel* kp = &k;
      benchmark::RegisterBenchmark((std::string(k.name) + "/" + name).c_str(),
                                   [kp, cc](benchmark::State& s) { run(s, *kp, cc); });
    }
  return 0;
}();

}  // namespace
