// ABFT of the internal Attention op through a session (one Attention node: Q, K, V and an
// additive mask with fully masked rows, causal), against the unprotected session's output:
//  - --abft tile and auto give the node the tile scheme and its `_abft` kernel; global, which
//    attention has no invariant for, falls back to duplication with the plain kernel;
//  - fault-free runs raise no alarm and return bit-identical outputs;
//  - a flip in a score block or an output update is detected, corrected in the kernel and the
//    output equals the fault-free one bit for bit; under dmr it is caught by the comparison;
//  - a fault that fires on every recomputation ends the run with a detected-unrecoverable error
//    naming the node.
#include <gtest/gtest.h>

#include <cstring>
#include <limits>
#include <string>

#include "kernels/cpu/attention/attention.hpp"
#include "kernels/cpu/gemm/abft.hpp"
#include "runtime/fault_observer.hpp"
#include "runtime/session.hpp"
#include "tests/unit/kernels/fast_op_test_util.hpp"
#include "tests/unit/op_test_util.hpp"

namespace sf {
namespace {

std::unique_ptr<rt::Session> attention_session(abft::Mode mode, int threads) {
  auto g = std::make_unique<ir::Graph>();
  ir::Node n;
  n.name = "attn";
  n.op = ir::OpKind::kAttention;
  n.opset = 1;
  const Shape shapes[] = {{1, 2, 70, 64}, {1, 2, 100, 64}, {1, 2, 100, 40}, {1, 1, 70, 100}};
  for (int i = 0; i < 4; ++i) {
    const ir::ValueId id = g->add_value("in" + std::to_string(i)).value();
    g->value(id).type = {DType::kF32, shapes[i]};
    g->inputs.push_back(id);
    n.inputs.push_back(id);
  }
  const ir::ValueId out = g->add_value("out").value();
  g->value(out).producer = 0;
  n.outputs = {out};
  n.raw_attrs = {{"scale", test::float_attr(0.125f)}, {"causal", test::int_attr(1)}};
  const Status parsed = ir::parse_node(n);
  EXPECT_TRUE(parsed.is_ok()) << parsed.to_string();
  g->nodes.push_back(std::move(n));
  g->outputs = {out};
  rt::SessionOptions so;
  so.threads = threads;
  so.optimize = false;
  so.exec.abft = mode;
  so.exec.abft_balance = 9.0;  // fixed, so the test does not probe the machine
  auto s = rt::Session::from_graph(std::move(g), so);
  EXPECT_TRUE(s.is_ok()) << s.status().to_string();
  return s.is_ok() ? std::move(s).value() : nullptr;
}

rt::NamedTensors feeds(int seed) {
  Tensor mask = test::random_f32({1, 1, 70, 100}, seed + 3, -2, 1);
  for (int64_t j = 0; j < 100; ++j)  // row 4: every key masked
    mask.data<float>()[4 * 100 + j] = -std::numeric_limits<float>::infinity();
  return {{"in0", test::random_f32({1, 2, 70, 64}, seed)},
          {"in1", test::random_f32({1, 2, 100, 64}, seed + 1)},
          {"in2", test::random_f32({1, 2, 100, 40}, seed + 2)},
          {"in3", mask}};
}

int64_t alarms(const abft::Report& r) {
  int64_t n = 0;
  for (const auto& l : r.layers) n += l.alarms;
  return n;
}

TEST(AbftAttentionSession, SchemeAndKernelPerMode) {
  for (Isa isa : {Isa::kScalar, Isa::kAvx2, Isa::kAvx512}) {
    if (!test::cpu_has(isa)) continue;
    test::IsaCap cap(isa);
    for (abft::Mode mode : {abft::Mode::kTile, abft::Mode::kAuto}) {
      auto s = attention_session(mode, 1);
      ASSERT_TRUE(s);
      EXPECT_EQ(s->abft_plan(0).scheme, abft::Scheme::kTile) << s->abft_plan(0).reason;
      EXPECT_EQ(s->kernel_name(0), cpu::attention_select(true).name);
    }
    auto g = attention_session(abft::Mode::kGlobal, 1);
    ASSERT_TRUE(g);
    EXPECT_EQ(g->abft_plan(0).scheme, abft::Scheme::kDmr) << g->abft_plan(0).reason;
    EXPECT_EQ(g->kernel_name(0), cpu::attention_select(false).name);
  }
}

TEST(AbftAttentionSession, FaultFreeRunsRaiseNoAlarmAndChangeNothing) {
  auto plain = attention_session(abft::Mode::kOff, 2);
  auto tile = attention_session(abft::Mode::kTile, 2);
  ASSERT_TRUE(plain && tile);
  abft::Report report;
  for (int seed = 0; seed < 4; ++seed) {
    const auto in = feeds(10 * seed);
    auto want = plain->run(in);
    auto got = tile->run(in, nullptr, &report);
    ASSERT_TRUE(want.is_ok() && got.is_ok()) << got.status().to_string();
    EXPECT_TRUE(test::bit_equal((*want)[0].second, (*got)[0].second)) << "seed " << seed;
  }
  EXPECT_EQ(alarms(report), 0) << report.to_json();
  ASSERT_EQ(report.layers.size(), 1u);
  EXPECT_GT(report.layers[0].checks, 0);
}

TEST(AbftAttentionSession, FlipsAreDetectedAndCorrectedBitExactly) {
  for (abft::Mode mode : {abft::Mode::kTile, abft::Mode::kDmr}) {
    auto s = attention_session(mode, 1);
    ASSERT_TRUE(s);
    const auto in = feeds(5);
    auto clean = s->run(in);
    ASSERT_TRUE(clean.is_ok());
    // Claims alternate score block / output update (one query block of 64 rows and 100 keys in
    // two key blocks per head, then the last 6 rows): even = score, odd = output. The top
    // exponent bit of a partial sum half-way is a 2^128-fold (or Inf) change.
    for (int64_t skip : {0, 1, 2, 3, 5}) {
      cpu::AccumulatorFault f;
      f.bit = 30;
      f.at = 0.5;
      f.skip_tiles = skip;
      f.row_pick = 3;
      f.col_pick = 11;
      rt::AccumulatorFaultObserver inject(0, f);
      abft::Report report;
      auto got = s->run(in, &inject, &report);
      ASSERT_TRUE(got.is_ok()) << got.status().to_string();
      ASSERT_TRUE(inject.fired());
      if (mode == abft::Mode::kTile) {
        EXPECT_GE(alarms(report), 1) << "skip " << skip << "\n" << report.to_json();
        EXPECT_EQ(report.layers.at(0).unrecoverable, 0);
      }
      EXPECT_TRUE(test::bit_equal((*clean)[0].second, (*got)[0].second))
          << abft::mode_name(mode) << " skip " << skip;
    }
  }
}

TEST(AbftAttentionSession, PersistentFaultEndsTheRunAsDetectedUnrecoverable) {
  auto s = attention_session(abft::Mode::kTile, 1);
  ASSERT_TRUE(s);
  for (int64_t skip : {0, 1}) {  // a score block, an output update
    struct Rearm : rt::RunObserver {
      int64_t skip = 0;
      void before_node(size_t, const ir::Node&) override {
        cpu::AccumulatorFault f;
        f.bit = 30;
        f.at = 0.5;
        f.skip_tiles = skip;
        cpu::fault_arm(f);
        cpu::fault_set_persistent(true);
      }
      Status after_node(size_t, const ir::Node&, std::vector<Tensor>&, double) override {
        cpu::fault_set_persistent(false);
        cpu::fault_disarm();
        return Status::ok();
      }
    } rearm;
    rearm.skip = skip;
    abft::Report report;
    auto got = s->run(feeds(1), &rearm, &report);
    // The failing node's after_node never runs: stop the fault here for the tests that follow.
    cpu::fault_set_persistent(false);
    cpu::fault_disarm();
    ASSERT_FALSE(got.is_ok());
    EXPECT_EQ(got.status().code(), StatusCode::kDetectedUnrecoverable);
    EXPECT_NE(got.status().message().find("attn"), std::string::npos) << got.status().message();
    EXPECT_EQ(report.layers.at(0).unrecoverable, 1);
  }
}

}  // namespace
}  // namespace sf
