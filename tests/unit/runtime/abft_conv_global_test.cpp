// Global ABFT on the convolutions (fast_ops/conv.cpp), whose activation checksum is taken tile by
// tile while the tile's input is in cache (or, with few outputs per group, by the one-pass
// summed-area method), over the paths the kernels have: pointwise (flat pixel tiles), strided and
// dilated direct convolutions (row tiles, taps at offsets), a 1x1 stride-2 downsample, narrow
// outputs through an im2col matrix, groups, and depthwise layers (per output row, with the
// output sum from the depthwise kernel; channel counts with vector tails). Against the unprotected
// session's outputs (the reference here):
//  - fault-free runs over inputs scaled from 1e-20 to 1e20, 1 and 2 threads, pixel counts that
//    are not multiples of the tile: no alarm, outputs bit-identical;
//  - a flipped accumulator bit is detected, the layer recomputed, the output equals the clean one.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "ir/op_schema.hpp"
#include "tests/unit/kernels/fast_op_test_util.hpp"
#include "tests/unit/op_test_util.hpp"
#include "kernels/cpu/gemm/abft.hpp"
#include "runtime/fault_observer.hpp"
#include "runtime/session.hpp"

namespace sf {
namespace {

using test::int_attr;
using test::ints_attr;
using test::make_tensor;
using test::same_outputs;

struct ConvCase {
  const char* what;
  int64_t n, c, k, h, w, group, kernel, stride, pad, dilation;
};

constexpr ConvCase kCases[] = {
    {"pointwise", 2, 40, 24, 9, 15, 1, 1, 1, 0, 1},
    {"pointwise, 2 groups", 2, 40, 48, 9, 15, 2, 1, 1, 0, 1},
    {"3x3 stride 2", 1, 24, 32, 6, 48, 1, 3, 2, 1, 1},
    {"1x1 stride 2", 1, 32, 48, 8, 48, 1, 1, 2, 0, 1},
    {"7x7 stride 2, 3 channels (im2col)", 1, 3, 32, 15, 15, 1, 7, 2, 3, 1},
    {"3x3 dilation 2, 2 groups", 1, 32, 32, 7, 24, 2, 3, 1, 2, 2},
    {"3x3, 4 outputs per group (summed-area sums)", 1, 16, 16, 6, 24, 4, 3, 1, 1, 1},
    {"depthwise 3x3, 40 channels", 1, 40, 40, 12, 20, 40, 3, 1, 1, 1},
    {"depthwise 3x3 stride 2", 1, 96, 96, 21, 21, 96, 3, 2, 1, 1},
    {"depthwise 5x5 dilation 2, batch 2", 2, 24, 24, 14, 14, 24, 5, 1, 4, 2},
    {"depthwise 3x3, 56x56 output", 1, 16, 16, 56, 56, 16, 3, 1, 1, 1},
};

bool depthwise(const ConvCase& p) { return p.group > 1 && p.group == p.c && p.k == p.c; }

int64_t out_size(const ConvCase& p, int64_t in) {
  return (in + 2 * p.pad - p.dilation * (p.kernel - 1) - 1) / p.stride + 1;
}

std::vector<float> lcg(size_t count, uint32_t seed, float scale) {
  std::vector<float> v(count);
  uint32_t state = seed * 2654435761u + 1u;
  for (float& x : v) {
    state = state * 1664525u + 1013904223u;
    x = scale * (static_cast<float>(state >> 8) / 8388608.0f - 1.0f);
  }
  return v;
}

// One channels-last FusedConv with bias (NHWC in and out).
std::unique_ptr<rt::Session> session(const ConvCase& p, abft::Mode mode, int threads,
                                     double balance = 9.0) {
  auto g = std::make_unique<ir::Graph>();
  const ir::ValueId x = g->add_value("x").value(), wv = g->add_value("w").value(),
                    bv = g->add_value("b").value(), y = g->add_value("y").value();
  g->value(x).type = {DType::kF32, Shape{p.n, p.h, p.w, p.c}};
  g->value(y).type = {DType::kF32, Shape{p.n, out_size(p, p.h), out_size(p, p.w), p.k}};
  const int64_t taps = p.kernel * p.kernel;
  g->value(wv).constant = make_tensor<float>({p.k, p.c / p.group, p.kernel, p.kernel},
                                    lcg(static_cast<size_t>(p.k * p.c / p.group * taps), 11, 1.0f));
  g->value(bv).constant = make_tensor<float>({p.k}, lcg(static_cast<size_t>(p.k), 12, 1.0f));
  g->value(wv).type = {DType::kF32, g->value(wv).constant->shape()};  // the intensity needs them
  g->value(bv).type = {DType::kF32, Shape{p.k}};
  g->inputs = {x};
  g->value(y).producer = 0;
  g->outputs = {y};
  EXPECT_GT(out_size(p, p.h), 0) << p.what;
  ir::Node node;
  node.name = "conv0";
  node.inputs = {x, wv, bv};
  node.outputs = {y};
  node.op = ir::OpKind::kFusedConv;
  node.opset = 1;
  node.raw_attrs["pads"] = ints_attr({p.pad, p.pad, p.pad, p.pad});
  node.raw_attrs["strides"] = ints_attr({p.stride, p.stride});
  node.raw_attrs["dilations"] = ints_attr({p.dilation, p.dilation});
  node.raw_attrs["group"] = int_attr(p.group);
  node.raw_attrs["channels_last"] = int_attr(1);
  const Status parsed = ir::parse_node(node);
  EXPECT_TRUE(parsed.is_ok()) << parsed.to_string();
  g->nodes.push_back(std::move(node));
  rt::SessionOptions so;
  so.threads = threads;
  so.exec.abft = mode;
  so.exec.abft_balance = balance;  // fixed, so nothing probes the machine
  auto s = rt::Session::from_graph(std::move(g), so);
  EXPECT_TRUE(s.is_ok()) << s.status().to_string();
  return s.is_ok() ? std::move(s).value() : nullptr;
}

rt::NamedTensors feeds(const ConvCase& p, float scale, uint32_t seed) {
  return {{"x", make_tensor<float>({p.n, p.h, p.w, p.c},
                          lcg(static_cast<size_t>(p.n * p.h * p.w * p.c), seed, scale))}};
}

TEST(AbftConvGlobal, FaultFreeRunsRaiseNoAlarmAndChangeNothing) {
  for (const ConvCase& p : kCases)
    for (int threads : {1, 2}) {
      auto plain = session(p, abft::Mode::kOff, threads);
      auto s = session(p, abft::Mode::kGlobal, threads);
      ASSERT_TRUE(plain && s) << p.what;
      if (s->kernel_name(0) == "ref") continue;  // no fast kernel for it at this ISA cap
      ASSERT_EQ(s->abft_plan(0).scheme, abft::Scheme::kGlobal) << p.what << ": " << s->abft_plan(0).reason;
      abft::Report report;
      uint32_t seed = 1;
      for (float scale : {1e-20f, 1e-3f, 1.0f, 1e3f, 1e20f}) {
        const rt::NamedTensors in = feeds(p, scale, seed++);
        auto want = plain->run(in);
        auto got = s->run(in, nullptr, &report);
        ASSERT_TRUE(want.is_ok() && got.is_ok()) << p.what << ": " << got.status().to_string();
        EXPECT_TRUE(same_outputs(*want, *got)) << p.what << ", scale " << scale;
      }
      ASSERT_EQ(report.layers.size(), 1u);
      EXPECT_EQ(report.layers[0].alarms, 0) << p.what << "\n" << report.to_json();
      EXPECT_EQ(report.layers[0].checks, 5) << p.what << "\n" << report.to_json();
    }
}

// auto: a convolution whose activation checksum is taken in the tiles gets the global check even
// where the intensity rule alone would pick the tile scheme (a balance no layer reaches); one
// with few outputs per group (a separate pass over memory) is left to the intensity rule; a
// depthwise layer gets the global check from 56x56 output pixels and duplication below.
TEST(AbftConvGlobal, AutoPicksGlobalWhereTheChecksumIsInTheTiles) {
  for (const ConvCase& p : kCases) {
    auto s = session(p, abft::Mode::kAuto, 1, 1e6);
    ASSERT_TRUE(s) << p.what;
    if (s->kernel_name(0) == "ref") continue;  // no fast kernel for it at this ISA cap
    abft::Scheme want = p.k / p.group >= 16 ? abft::Scheme::kGlobal : abft::Scheme::kTile;
    if (depthwise(p))  // global from 56x56 output pixels, duplication below
      want = out_size(p, p.h) * out_size(p, p.w) >= 56 * 56 ? abft::Scheme::kGlobal : abft::Scheme::kDmr;
    EXPECT_EQ(s->abft_plan(0).scheme, want) << p.what << ": " << s->abft_plan(0).reason;
  }
}

TEST(AbftConvGlobal, FlippedAccumulatorIsDetectedAndCorrected) {
  for (const ConvCase& p : kCases) {
    auto s = session(p, abft::Mode::kGlobal, 1);
    ASSERT_TRUE(s) << p.what;
    if (s->kernel_name(0) == "ref") continue;  // no fast kernel for it at this ISA cap
    // Small inputs keep every partial sum below 2 in magnitude, so a flip of bit 30 multiplies
    // it by 2^128 (or makes a zero 2): far above any tolerance.
    const rt::NamedTensors in = feeds(p, 0.003f, 77);
    auto clean = s->run(in);
    ASSERT_TRUE(clean.is_ok());
    // The node's tile count (how many claims it makes): a fault that skips more never fires.
    cpu::AccumulatorFault count;
    count.skip_tiles = int64_t{1} << 40;
    {
      rt::AccumulatorFaultObserver calibrate(0, count);
      ASSERT_TRUE(s->run(in, &calibrate).is_ok());
    }
    const int64_t tiles = cpu::fault_tiles_counted();
    ASSERT_GT(tiles, 0) << p.what;
    for (uint32_t pick : {0u, 3u, 9u}) {
      cpu::AccumulatorFault f;
      f.bit = 30;
      f.at = 0.5;
      f.skip_tiles = pick % tiles;
      f.row_pick = pick;
      f.col_pick = pick * 5;
      rt::AccumulatorFaultObserver inject(0, f);
      abft::Report report;
      auto got = s->run(in, &inject, &report);
      ASSERT_TRUE(got.is_ok()) << got.status().to_string();
      ASSERT_TRUE(inject.fired()) << p.what << ", pick " << pick;
      ASSERT_EQ(report.layers.size(), 1u);
      EXPECT_EQ(report.layers[0].alarms, 1) << p.what << ", pick " << pick << "\n"
                                            << report.to_json();
      EXPECT_EQ(report.layers[0].corrected, 1) << report.to_json();
      EXPECT_TRUE(same_outputs(*clean, *got)) << p.what << ", pick " << pick;
    }
  }
}

}  // namespace
}  // namespace sf
