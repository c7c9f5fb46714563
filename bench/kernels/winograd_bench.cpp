// Winograd convolution on ResNet-18/50 3x3 layer shapes (batch 1, pad 1), single thread, with the
// best transform and BRGEMM variants max_isa() allows. Reports effective GFLOP/s: the direct
// convolution's 2 N OH OW K C 9 flops divided by the time, so F(2,3), F(4,3) and a direct
// convolution compare on one scale. Filter transform (prepare) is outside the timed loop. The
// label ends with the tile size the runtime's cost model picks for the layer
// (model:f43|f23|direct). winograd_f32_abft runs the NHWC layers with no check, the tile scheme
// (`_abft` BRGEMM twin) and the global scheme (per block and position, winograd.hpp) to measure
// what the checks cost.
// Run: build/<dir>/bin/sf_bench_kernels --benchmark_filter=winograd
#include <benchmark/benchmark.h>

#include <random>
#include <string>
#include <vector>

#include "kernels/cpu/gemm/brgemm.hpp"
#include "kernels/cpu/winograd/winograd.hpp"
#include "runtime/fast_ops/winograd.hpp"

namespace sf::cpu {
namespace {

struct LayerShape {
  int64_t hw, c;  // square image hw x hw, C -> C channels
};
constexpr LayerShape kShapes[] = {{56, 64}, {28, 128}, {14, 256}, {7, 512}};

void bm_winograd(benchmark::State& state) {
  const LayerShape s = kShapes[state.range(0)];
  const WinogradTile tile = state.range(1) == 0 ? WinogradTile::kF23 : WinogradTile::kF43;
  const bool nhwc = state.range(2) != 0;
  const int64_t abft = state.range(3);  // 0 none, 1 tile, 2 global
  WinogradConv p;
  p.tile = tile;
  p.channels_last = nhwc;
  p.n = 1;
  p.c = p.k = s.c;
  p.h = p.w = p.oh = p.ow = s.hw;
  p.pad_top = p.pad_left = 1;
  p.act = {Activation::kRelu};
  const BrgemmKernel& gemm = brgemm_select(abft == 1);
  const WinogradKernel& tr = winograd_select();
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::vector<float> x(static_cast<size_t>(s.c * s.hw * s.hw)),
      w(static_cast<size_t>(s.c * s.c * 9));
  std::vector<float> bias(static_cast<size_t>(s.c)), y(x.size());
  for (float& v : x) v = u(rng);
  for (float& v : w) v = u(rng);
  for (float& v : bias) v = u(rng);
  p.bias = bias.data();
  std::vector<float> packed(static_cast<size_t>(winograd_packed_u_floats(tile, p.c, p.k, gemm.nr)));
  winograd_transform_filter(tile, w.data(), p.k, p.c, gemm.nr, packed.data());
  const int64_t tiles = winograd_tile_count(p), block = winograd_block_tiles(p);
  std::vector<float> scratch(static_cast<size_t>(winograd_scratch_floats(p, block)));
  std::vector<float> checks;
  std::vector<double> u_sum, u_abs;
  TileCheckLog log;
  WinogradAbft wa;
  WinogradBlockCheck check;
  if (abft == 1) {
    checks.resize(static_cast<size_t>(winograd_u_check_floats(tile, p.c, p.k, gemm.nr)));
    winograd_pack_u_checks(tile, packed.data(), p.c, p.k, gemm.nr, checks.data());
    wa.u_checks = checks.data();
    wa.log = &log;
  } else if (abft == 2) {
    const size_t n = static_cast<size_t>(winograd_alpha(tile) * winograd_alpha(tile) * p.c);
    u_sum.resize(n);
    u_abs.resize(n);
    winograd_u_sums(tile, packed.data(), p.c, p.k, gemm.nr, u_sum.data(), u_abs.data());
    wa.u_sum = u_sum.data();
    wa.u_abs = u_abs.data();
  }
  bool passed = true;
  for (auto _ : state) {
    for (int64_t t = 0; t < tiles; t += block) {
      winograd_conv_tiles(p, tr, gemm, packed.data(), x.data(), y.data(), t,
                          std::min(tiles, t + block), scratch.data(), abft ? &wa : nullptr,
                          &check);
      passed = passed && check.passed;
    }
    benchmark::DoNotOptimize(y.data());
  }
  if (!passed || log.alarm_count() > 0) state.SkipWithError("ABFT alarm on a fault-free run");
  const double flops = 2.0 * static_cast<double>(s.hw * s.hw) * static_cast<double>(s.c * s.c) * 9;
  state.counters["GFLOP/s"] = benchmark::Counter(
      flops, benchmark::Counter::kIsIterationInvariantRate, benchmark::Counter::kIs1000);
  // What the runtime's cost model would pick for this layer (off = the direct convolution).
  const rt::WinogradMode pick =
      rt::winograd_estimate(1, s.c, s.c, s.hw, s.hw, nhwc, gemm.isa, gemm.mr, tr.isa).choice;
  const char* pick_name = pick == rt::WinogradMode::kF43   ? "f43"
                          : pick == rt::WinogradMode::kF23 ? "f23"
                                                           : "direct";
  const char* abft_name[] = {"", " abft:tile", " abft:global"};
  state.SetLabel(std::string("conv_f32") + (nhwc ? "_nhwc" : "") + "_winograd_" +
                 winograd_tile_name(tile) + "__" + tr.isa_name + "_" + std::to_string(gemm.mr) +
                 "x" + std::to_string(gemm.nr) + (gemm.abft ? "_abft" : "") + " " +
                 std::to_string(s.hw) + "x" + std::to_string(s.hw) + "x" + std::to_string(s.c) +
                 " model:" + pick_name + abft_name[abft]);
}

// Args: shape index, tile (0 F(2,3), 1 F(4,3)), layout (0 NCHW, 1 NHWC), ABFT (0 none, 1 tile,
// 2 global).
BENCHMARK(bm_winograd)
    ->Name("winograd_f32")
    ->ArgsProduct({{0, 1, 2, 3}, {0, 1}, {0, 1}, {0}})
    ->Unit(benchmark::kMillisecond);
BENCHMARK(bm_winograd)
    ->Name("winograd_f32_abft")
    ->ArgsProduct({{0, 1, 2, 3}, {0, 1}, {1}, {0, 1, 2}})
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace sf::cpu
