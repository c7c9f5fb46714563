// Winograd convolution on ResNet-18/50 3x3 layer shapes (batch 1, pad 1), single thread, with the
// best transform and BRGEMM variants max_isa() allows. Reports effective GFLOP/s: the direct
// convolution's 2 N OH OW K C 9 flops divided by the time, so F(2,3), F(4,3) and a direct
// convolution compare on one scale. Filter transform (prepare) is outside the timed loop. The
// label ends with the tile size the runtime's cost model picks for the layer
// (model:f43|f23|direct).
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
  WinogradConv p;
  p.tile = tile;
  p.channels_last = nhwc;
  p.n = 1;
  p.c = p.k = s.c;
  p.h = p.w = p.oh = p.ow = s.hw;
  p.pad_top = p.pad_left = 1;
  p.act = {Activation::kRelu};
  const BrgemmKernel& gemm = brgemm_select();
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
  for (auto _ : state) {
    for (int64_t t = 0; t < tiles; t += block)
      winograd_conv_tiles(p, tr, gemm, packed.data(), x.data(), y.data(), t,
                          std::min(tiles, t + block), scratch.data());
    benchmark::DoNotOptimize(y.data());
  }
  const double flops = 2.0 * static_cast<double>(s.hw * s.hw) * static_cast<double>(s.c * s.c) * 9;
  state.counters["GFLOP/s"] = benchmark::Counter(
      flops, benchmark::Counter::kIsIterationInvariantRate, benchmark::Counter::kIs1000);
  // What the runtime's cost model would pick for this layer (off = the direct convolution).
  const rt::WinogradMode pick =
      rt::winograd_estimate(1, s.c, s.c, s.hw, s.hw, nhwc, gemm.isa, gemm.mr, tr.isa).choice;
  const char* pick_name = pick == rt::WinogradMode::kF43   ? "f43"
                          : pick == rt::WinogradMode::kF23 ? "f23"
                                                           : "direct";
  state.SetLabel(std::string("conv_f32") + (nhwc ? "_nhwc" : "") + "_winograd_" +
                 winograd_tile_name(tile) + "__" + tr.isa_name + "_" + std::to_string(gemm.mr) +
                 "x" + std::to_string(gemm.nr) + " " + std::to_string(s.hw) + "x" +
                 std::to_string(s.hw) + "x" + std::to_string(s.c) + " model:" + pick_name);
}

// Args: shape index, tile (0 F(2,3), 1 F(4,3)), layout (0 NCHW, 1 NHWC).
BENCHMARK(bm_winograd)
    ->Name("winograd_f32")
    ->ArgsProduct({{0, 1, 2, 3}, {0, 1}, {0, 1}})
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace sf::cpu
