// NHWC convolution kernels (kernels/cpu/conv) on ResNet-50-like and MobileNet-like layer shapes,
// one benchmark per (shape, variant), single thread, batch 1, GFLOP/s = 2*N*OH*OW*M*(C/g)*kH*kW / t.
// Direct and pointwise layers walk every BRGEMM variant the CPU runs; depthwise layers walk every
// depthwise variant. The input is pre-padded (padding is a separate pass in the runtime).
// Run: build/release/bin/sf_bench_kernels --benchmark_filter=conv_
#include <benchmark/benchmark.h>

#include <algorithm>
#include <string>
#include <vector>

#include "bench/kernels/bench_util.hpp"
#include "core/cpu_features.hpp"
#include "kernels/cpu/conv/conv_nhwc.hpp"
#include "kernels/cpu/conv/depthwise.hpp"

namespace sf {
namespace {

struct LayerShape {
  const char* name;
  int64_t hw, c, m, k, stride, group;
};

// ResNet-50 (224x224) and MobileNet-v2 layers.
const LayerShape kShapes[] = {
    {"r50_conv1_7x7s2", 224, 3, 64, 7, 2, 1},
    {"sq11_conv1_3x3s2", 224, 3, 64, 3, 2, 1},
    {"mbv2_conv1_3x3s2", 224, 3, 32, 3, 2, 1},
    {"r50_l1_1x1_64_256", 56, 64, 256, 1, 1, 1},
    {"r50_l1_3x3_64", 56, 64, 64, 3, 1, 1},
    {"r50_l2_3x3s2_128", 56, 128, 128, 3, 2, 1},
    {"r50_l3_1x1_1024_256", 14, 1024, 256, 1, 1, 1},
    {"r50_l3_3x3_256", 14, 256, 256, 3, 1, 1},
    {"r50_l4_3x3s2_512", 14, 512, 512, 3, 2, 1},
    {"r50_l4_3x3_512", 7, 512, 512, 3, 1, 1},
    {"r50_l4_1x1_2048_512", 7, 2048, 512, 1, 1, 1},
    {"mbv2_1x1_32_144", 56, 24, 144, 1, 1, 1},
    {"mbv2_dw3x3_144", 56, 144, 144, 3, 1, 144},
    {"mbv2_dw3x3s2_192", 28, 192, 192, 3, 2, 192},
    {"mbv2_dw3x3_960", 7, 960, 960, 3, 1, 960},
    {"mbv2_dw3x3s2_96", 112, 96, 96, 3, 2, 96},
    {"mbv2_1x1_32_16", 112, 32, 16, 1, 1, 1},
    {"effl0_dw5x5_672", 14, 672, 672, 5, 1, 672},
};

cpu::ConvNhwcShape make_shape(const LayerShape& l) {
  cpu::ConvNhwcShape s;
  s.in_h = s.in_w = l.hw;
  s.in_c = l.c;
  s.out_c = l.m;
  s.kernel_h = s.kernel_w = l.k;
  s.stride_h = s.stride_w = l.stride;
  s.pad_top = s.pad_left = s.pad_bottom = s.pad_right = l.k / 2;
  s.group = l.group;
  s.out_h = s.out_w = (l.hw + 2 * (l.k / 2) - l.k) / l.stride + 1;
  return s;
}

double flops(const cpu::ConvNhwcShape& s) {
  return 2.0 * s.batch * s.out_h * s.out_w * s.out_c * s.in_per_group() * s.taps();
}

// Packed weights above this are also timed cold (`_coldw`): iterations cycle through copies
// that together outgrow L2, so the weights come from L3 or memory, as in a model run where the
// other layers' weights pass through the caches in between.
constexpr int64_t kColdWeightBytes = int64_t{1} << 20;
constexpr int64_t kColdCopyBytes = int64_t{48} << 20;

// im2col: the narrow-output path (im2col matrix built inside the timed loop, flat pixel tiles).
void bench_direct(benchmark::State& state, LayerShape l, const cpu::BrgemmKernel* k, bool im2col,
                  bool cold_weights) {
  const cpu::ConvNhwcShape s = make_shape(l);
  const bench::Buffer x = bench::make_buffer(s.padded_h() * s.padded_w() * s.in_c, 0.5f);
  const bench::Buffer w = bench::make_buffer(s.out_c * s.in_per_group() * s.taps(), 0.25f);
  const int64_t packed_floats = cpu::conv_nhwc_packed_floats(s, k->nr);
  const int64_t copies =
      cold_weights ? std::max<int64_t>(2, kColdCopyBytes / (packed_floats * 4)) : 1;
  const bench::Buffer packed = bench::make_buffer(packed_floats * copies);
  cpu::conv_nhwc_pack_weights(s, k->nr, w.get(), packed.get());
  for (int64_t i = 1; i < copies; ++i)
    std::copy(packed.get(), packed.get() + packed_floats, packed.get() + i * packed_floats);
  int64_t copy = 0;
  const bench::Buffer y = bench::make_buffer(s.out_h * s.out_w * s.out_c);
  std::vector<int64_t> offsets(static_cast<size_t>(s.taps()));
  cpu::conv_nhwc_tap_offsets(s, offsets.data());
  cpu::ConvNhwcOperands op;
  op.x = x.get();
  op.tap_offsets = offsets.data();
  op.y = y.get();
  op.act.kind = Activation::kRelu;
  const int64_t mg = s.out_per_group();
  // A pointwise layer (or im2col) tiles the flat pixel index; others tile each output row.
  const bool flat = s.pointwise() || im2col;
  const int64_t rows = flat ? 1 : s.out_h;
  const int64_t pixels = flat ? s.out_h * s.out_w : s.out_w;
  const bench::Buffer cols = bench::make_buffer(im2col ? cpu::conv_nhwc_im2col_floats(s) : 0);
  op.im2col = im2col;
  if (im2col) op.x = cols.get();
  for (auto _ : state) {
    op.packed_w = packed.get() + copy * packed_floats;
    copy = (copy + 1) % copies;
    if (im2col) cpu::conv_nhwc_im2col_rows(s, x.get(), cols.get(), 0, pixels);
    for (int64_t oh = 0; oh < rows; ++oh)
      for (int64_t ow0 = 0; ow0 < pixels; ow0 += 64) {
        cpu::ConvNhwcTile t;
        t.oh = oh;
        t.ow0 = ow0;
        t.ow_len = std::min<int64_t>(64, pixels - ow0);
        // Channel blocks of 128 (whole panels), as the runtime binding tiles them.
        const int64_t n_tile = std::max<int64_t>(1, 128 / k->nr) * k->nr;
        for (t.n0 = 0; t.n0 < mg; t.n0 += n_tile) {
          t.n_len = std::min(n_tile, mg - t.n0);
          cpu::conv_nhwc_tile(s, *k, op, t);
        }
      }
    benchmark::DoNotOptimize(y.get());
  }
  bench::report_gflops(state, flops(s), 1);
}

void bench_depthwise(benchmark::State& state, LayerShape l, const cpu::DepthwiseKernel* k) {
  const cpu::ConvNhwcShape s = make_shape(l);
  const bench::Buffer x = bench::make_buffer(s.padded_h() * s.padded_w() * s.in_c, 0.5f);
  const bench::Buffer w = bench::make_buffer(s.taps() * s.in_c, 0.25f);
  const bench::Buffer y = bench::make_buffer(s.out_h * s.out_w * s.out_c);
  cpu::DepthwiseRowArgs a;
  a.padded_w = s.padded_w();
  a.channels = s.in_c;
  a.kernel_h = s.kernel_h;
  a.kernel_w = s.kernel_w;
  a.stride_w = s.stride_w;
  a.out_w = s.out_w;
  a.weights = w.get();
  a.act.kind = Activation::kClip;
  a.act.beta = 6.0f;
  for (auto _ : state) {
    for (int64_t oh = 0; oh < s.out_h; ++oh) {
      a.src = x.get() + oh * s.stride_h * s.padded_w() * s.in_c;
      a.dst = y.get() + oh * s.out_w * s.out_c;
      k->fn(a);
    }
    benchmark::DoNotOptimize(y.get());
  }
  bench::report_gflops(state, flops(s), 1);
}

int register_conv_benchmarks() {
  for (const LayerShape& l : kShapes) {
    const bool depthwise = l.group > 1 && l.group == l.c && l.group == l.m;
    if (depthwise) {
      for (const cpu::DepthwiseKernel& k : cpu::depthwise_kernels()) {
        if (static_cast<int>(k.isa) > static_cast<int>(detected_isa())) continue;
        benchmark::RegisterBenchmark((std::string("conv_") + l.name + "/" + k.name).c_str(),
                                     bench_depthwise, l, &k);
      }
      continue;
    }
    const bool cold = l.m * l.c / l.group * l.k * l.k * 4 > kColdWeightBytes;
    for (const cpu::BrgemmKernel& k : cpu::brgemm_kernels()) {
      if (static_cast<int>(k.isa) > static_cast<int>(detected_isa())) continue;
      for (const bool im2col : {false, true}) {
        if (im2col && l.k == 1) continue;
        for (const bool cold_weights : {false, true}) {
          if (cold_weights && !cold) continue;
          const std::string name = std::string("conv_") + l.name + (im2col ? "_im2col" : "") +
                                   (cold_weights ? "_coldw" : "") + "/" + k.name;
          benchmark::RegisterBenchmark(name.c_str(), bench_direct, l, &k, im2col, cold_weights);
        }
      }
    }
  }
  return 0;
}

const int kRegistered = register_conv_benchmarks();

}  // namespace
}  // namespace sf
