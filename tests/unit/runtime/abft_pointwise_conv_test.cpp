// Global ABFT on pointwise (1x1, stride 1, unpadded) convolutions, whose activation checksum the
// conv kernel takes per pixel tile while the tile's input is in cache (fast_ops/conv.cpp), against
// the unprotected session's outputs (the reference here):
//  - fault-free runs over inputs scaled from 1e-20 to 1e20, 1 and 2 threads, 1 and 2 groups, a
//    pixel count that is not a multiple of the tile: no alarm, outputs bit-identical;
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

struct Pointwise {
  int64_t n = 2, c = 40, k = 24, h = 9, w = 15, group = 1;
};

std::vector<float> lcg(size_t count, uint32_t seed, float scale) {
  std::vector<float> v(count);
  uint32_t state = seed * 2654435761u + 1u;
  for (float& x : v) {
    state = state * 1664525u + 1013904223u;
    x = scale * (static_cast<float>(state >> 8) / 8388608.0f - 1.0f);
  }
  return v;
}

// One channels-last FusedConv 1x1 with bias (NHWC in and out).
std::unique_ptr<rt::Session> session(const Pointwise& p, abft::Mode mode, int threads) {
  auto g = std::make_unique<ir::Graph>();
  const ir::ValueId x = g->add_value("x").value(), wv = g->add_value("w").value(),
                    bv = g->add_value("b").value(), y = g->add_value("y").value();
  g->value(x).type = {DType::kF32, Shape{p.n, p.h, p.w, p.c}};
  g->value(wv).constant = make_tensor<float>({p.k, p.c / p.group, 1, 1},
                                    lcg(static_cast<size_t>(p.k * p.c / p.group), 11, 1.0f));
  g->value(bv).constant = make_tensor<float>({p.k}, lcg(static_cast<size_t>(p.k), 12, 1.0f));
  g->inputs = {x};
  g->value(y).producer = 0;
  g->outputs = {y};
  ir::Node node;
  node.name = "pw0";
  node.inputs = {x, wv, bv};
  node.outputs = {y};
  node.op = ir::OpKind::kFusedConv;
  node.opset = 1;
  node.raw_attrs["pads"] = ints_attr({0, 0, 0, 0});
  node.raw_attrs["strides"] = ints_attr({1, 1});
  node.raw_attrs["group"] = int_attr(p.group);
  node.raw_attrs["channels_last"] = int_attr(1);
  const Status parsed = ir::parse_node(node);
  EXPECT_TRUE(parsed.is_ok()) << parsed.to_string();
  g->nodes.push_back(std::move(node));
  rt::SessionOptions so;
  so.threads = threads;
  so.exec.abft = mode;
  so.exec.abft_balance = 9.0;  // fixed, so nothing probes the machine
  auto s = rt::Session::from_graph(std::move(g), so);
  EXPECT_TRUE(s.is_ok()) << s.status().to_string();
  return s.is_ok() ? std::move(s).value() : nullptr;
}

rt::NamedTensors feeds(const Pointwise& p, float scale, uint32_t seed) {
  return {{"x", make_tensor<float>({p.n, p.h, p.w, p.c},
                          lcg(static_cast<size_t>(p.n * p.h * p.w * p.c), seed, scale))}};
}

TEST(AbftPointwiseConv, FaultFreeRunsRaiseNoAlarmAndChangeNothing) {
  for (int64_t group : {1, 2})
    for (int threads : {1, 2}) {
      Pointwise p;
      p.group = group;
      auto plain = session(p, abft::Mode::kOff, threads);
      auto s = session(p, abft::Mode::kGlobal, threads);
      ASSERT_TRUE(plain && s);
      if (s->kernel_name(0) == "ref") GTEST_SKIP() << "no fast conv kernel at this ISA cap";
      ASSERT_EQ(s->abft_plan(0).scheme, abft::Scheme::kGlobal) << s->abft_plan(0).reason;
      abft::Report report;
      uint32_t seed = 1;
      for (float scale : {1e-20f, 1e-3f, 1.0f, 1e3f, 1e20f}) {
        const rt::NamedTensors in = feeds(p, scale, seed++);
        auto want = plain->run(in);
        auto got = s->run(in, nullptr, &report);
        ASSERT_TRUE(want.is_ok() && got.is_ok()) << got.status().to_string();
        EXPECT_TRUE(same_outputs(*want, *got)) << "group " << group << " scale " << scale;
      }
      ASSERT_EQ(report.layers.size(), 1u);
      EXPECT_EQ(report.layers[0].alarms, 0) << report.to_json();
      EXPECT_EQ(report.layers[0].checks, 5) << report.to_json();
    }
}

TEST(AbftPointwiseConv, FlippedAccumulatorIsDetectedAndCorrected) {
  for (int64_t group : {1, 2}) {
    Pointwise p;
    p.group = group;
    auto s = session(p, abft::Mode::kGlobal, 1);
    ASSERT_TRUE(s);
    if (s->kernel_name(0) == "ref") GTEST_SKIP() << "no fast conv kernel at this ISA cap";
    // Small inputs keep every partial sum below 2 in magnitude, so a flip of bit 30 multiplies
    // it by 2^128: far above any tolerance.
    const rt::NamedTensors in = feeds(p, 0.01f, 77);
    auto clean = s->run(in);
    ASSERT_TRUE(clean.is_ok());
    for (uint32_t pick : {0u, 3u, 9u}) {
      cpu::AccumulatorFault f;
      f.bit = 30;
      f.at = 0.5;
      f.skip_tiles = pick;
      f.row_pick = pick;
      f.col_pick = pick * 5;
      rt::AccumulatorFaultObserver inject(0, f);
      abft::Report report;
      auto got = s->run(in, &inject, &report);
      ASSERT_TRUE(got.is_ok()) << got.status().to_string();
      ASSERT_TRUE(inject.fired()) << "pick " << pick;
      ASSERT_EQ(report.layers.size(), 1u);
      EXPECT_EQ(report.layers[0].alarms, 1) << "group " << group << " pick " << pick << "\n"
                                            << report.to_json();
      EXPECT_EQ(report.layers[0].corrected, 1) << report.to_json();
      EXPECT_TRUE(same_outputs(*clean, *got)) << "group " << group << " pick " << pick;
    }
  }
}

}  // namespace
}  // namespace sf
