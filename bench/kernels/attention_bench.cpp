// Fused attention (kernels/cpu/attention via rt::attention_forward) against the unfused path
// built from the same primitives: per head S = Q K^T (the variant's small GEMM) into a stored
// [H, Lq, Lk] score tensor, scale (eltwise unary), softmax_rows (eltwise), O = P V (small GEMM).
// Batch 1, 12 heads, head size 64, K given as [D, Lk] to both. GFLOP/s counts 4 * H * Lq * Lk * D.
// Memory: `peak_rss_mb` is the process's peak RSS after the run (getrusage). Run one fused length
// per process (the unfused runs store the score tensor) to see what that length needs: it grows
// with Q, K, V and Y (linear), never with the 12 * Lq * Lk * 4-byte score tensor (`scores_mb`,
// never allocated by the fused path).
//
//   build/<dir>/bin/sf_bench_kernels --benchmark_filter=attention_unfused
//   build/<dir>/bin/sf_bench_kernels --benchmark_filter='attention_fused(_abft)?/512'  (ABFT cost)
//   for s in 2048 4096 8192; do
//     build/<dir>/bin/sf_bench_kernels --benchmark_filter="attention_fused/$s\$|attention_fused/$s/"
//   done
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <cmath>
#include <vector>

#include "kernels/cpu/attention/attention.hpp"
#include "kernels/cpu/eltwise/eltwise.hpp"
#include "runtime/fast_ops/attention.hpp"

namespace {

using namespace sf;

constexpr int64_t kHeads = 12, kHead = 64;

Tensor filled(const Shape& s, float seed) {
  Tensor t = Tensor::make(DType::kF32, s).value();
  for (int64_t i = 0; i < t.numel(); ++i)
    t.data<float>()[i] = std::sin(seed + 0.37f * static_cast<float>(i % 1009));
  return t;
}

double peak_rss_mb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}

void set_counters(benchmark::State& state, int64_t seq) {
  const double flops = 4.0 * kHeads * static_cast<double>(seq) * seq * kHead;
  state.counters["GFLOP/s"] =
      benchmark::Counter(flops * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["peak_rss_mb"] = peak_rss_mb();
  state.counters["scores_mb"] = kHeads * static_cast<double>(seq) * seq * 4.0 / (1 << 20);
}

// abft: the `_abft` twin with its block checks on (per-head K / V checksums included in the
// time); the ratio to the plain run is the checks' overhead.
void run_fused(benchmark::State& state, bool abft) {
  const int64_t seq = state.range(0);
  const cpu::AttentionKernel& k = cpu::attention_select(abft);
  const Tensor q = filled({1, kHeads, seq, kHead}, 1), kt = filled({1, kHeads, kHead, seq}, 2),
               v = filled({1, kHeads, seq, kHead}, 3);
  Tensor y = Tensor::make(DType::kF32, {1, kHeads, seq, kHead}).value();
  ir::AttentionAttrs attrs;
  attrs.scale = 1.0f / std::sqrt(static_cast<float>(kHead));
  attrs.k_transposed = true;
  cpu::TileCheckLog log;
  for (auto _ : state) {
    Status st = rt::attention_forward(k, attrs, q, kt, v, nullptr, y, 1, abft ? &log : nullptr);
    if (!st.is_ok()) state.SkipWithError(st.message().c_str());
    benchmark::DoNotOptimize(y.data<float>());
  }
  if (log.alarm_count() > 0) state.SkipWithError("ABFT alarm on fault-free data");
  set_counters(state, seq);
  state.counters["scratch_kb"] = rt::attention_workspace_bytes(seq, seq, kHead, 1) / 1024.0;
  state.SetLabel(k.name);
}

void BM_attention_fused(benchmark::State& state) { run_fused(state, false); }
void BM_attention_fused_abft(benchmark::State& state) { run_fused(state, true); }

void BM_attention_unfused(benchmark::State& state) {
  const int64_t seq = state.range(0);
  const cpu::AttentionKernel& k = cpu::attention_select();
  const cpu::EltwiseKernel& e = cpu::eltwise_select();
  const Tensor q = filled({1, kHeads, seq, kHead}, 1), kt = filled({1, kHeads, kHead, seq}, 2),
               v = filled({1, kHeads, seq, kHead}, 3);
  Tensor y = Tensor::make(DType::kF32, {1, kHeads, seq, kHead}).value();
  std::vector<float> scores(static_cast<size_t>(kHeads * seq * seq));
  const float scale = 1.0f / std::sqrt(static_cast<float>(kHead));
  for (auto _ : state) {
    for (int64_t h = 0; h < kHeads; ++h) {
      float* s = scores.data() + h * seq * seq;
      k.gemm(seq, seq, kHead, q.data<float>() + h * seq * kHead, kHead,
             kt.data<float>() + h * kHead * seq, seq, s, seq, false);
      e.unary({cpu::UnaryOp::kAffine, scale, 0.0f, seq, seq, s, seq, s, seq, nullptr});
      cpu::softmax_rows(e, seq, seq, s, seq, s, seq);
      k.gemm(seq, kHead, seq, s, seq, v.data<float>() + h * seq * kHead, kHead,
             y.data<float>() + h * seq * kHead, kHead, false);
    }
    benchmark::DoNotOptimize(y.data<float>());
  }
  set_counters(state, seq);
  state.SetLabel(std::string(k.name) + "_gemm + " + e.name);
}

BENCHMARK(BM_attention_unfused)->Arg(512)->Arg(2048)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_attention_fused)->Arg(512)->Arg(2048)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_attention_fused_abft)->Arg(512)->Arg(2048)->Unit(benchmark::kMillisecond);
// Long sequences: one iteration each (8192 is ~200 GFLOP).
BENCHMARK(BM_attention_fused)->Arg(4096)->Arg(8192)->Unit(benchmark::kMillisecond)->Iterations(1);

}  // namespace
