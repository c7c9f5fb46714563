// ABFT through a whole session on the embedded CNN (2 convolutions, 2 Gemms, pools, activations),
// under every mode, against the unprotected session's outputs (the reference here):
//  - fault-free runs over inputs scaled from 1e-20 to 1e20 raise no alarm and give bit-identical
//    outputs to the unprotected run (the checks never change a result);
//  - an accumulator fault in a checksum-protected layer is detected, the layer recomputed and the
//    output equals the fault-free one bit for bit; under DMR the same fault is caught by the
//    comparison of the two runs;
//  - a fault that keeps firing on every recomputation ends the run with a detected-unrecoverable
//    error naming the node, never with a silently wrong result.
#include <gtest/gtest.h>

#include <cstring>

#include "kernels/cpu/gemm/abft.hpp"
#include "runtime/fault_observer.hpp"
#include "runtime/session.hpp"
#include "tests/unit/kernels/fast_op_test_util.hpp"

namespace sf {
namespace {

std::unique_ptr<rt::Session> load(abft::Mode mode, int threads = 2) {
  const std::string path = std::string(SF_SOURCE_DIR) + "/models/embedded/fashion_cnn.onnx";
  rt::SessionOptions so;
  so.threads = threads;
  so.exec.abft = mode;
  so.exec.abft_dmr_other = true;
  so.exec.abft_balance = 9.0;  // fixed, so the test does not probe the machine
  auto s = rt::Session::load(path, so);
  EXPECT_TRUE(s.is_ok()) << s.status().to_string();
  return s.is_ok() ? std::move(s).value() : nullptr;
}

Tensor input(const rt::Session& s, float scale, int seed) {
  const auto in = s.inputs().at(0);
  Shape shape = *in.type.shape;
  for (auto& d : shape) d = d < 0 ? 2 : d;
  Tensor x = Tensor::make(DType::kF32, shape).value();
  uint32_t state = 12345u + static_cast<uint32_t>(seed);
  for (int64_t i = 0; i < x.numel(); ++i) {
    state = state * 1664525u + 1013904223u;
    x.data<float>()[i] = scale * (static_cast<float>(state >> 8) / 16777216.0f - 0.25f);
  }
  return x;
}

using test::same_outputs;

int64_t alarms(const abft::Report& r) {
  int64_t n = 0;
  for (const auto& l : r.layers) n += l.alarms;
  return n;
}

TEST(AbftSession, FaultFreeRunsRaiseNoAlarmAndChangeNothing) {
  auto plain = load(abft::Mode::kOff);
  ASSERT_TRUE(plain);
  for (abft::Mode mode : {abft::Mode::kAuto, abft::Mode::kGlobal, abft::Mode::kTile, abft::Mode::kDmr}) {
    auto s = load(mode);
    ASSERT_TRUE(s);
    abft::Report report;
    int seed = 0;
    for (float scale : {1e-20f, 1e-3f, 1.0f, 1e3f, 1e20f})
      for (int rep = 0; rep < 4; ++rep, ++seed) {
        const Tensor x = input(*s, scale, seed);
        const std::string name = s->inputs().at(0).name;
        auto want = plain->run({{name, x}});
        auto got = s->run({{name, x}}, nullptr, &report);
        ASSERT_TRUE(got.is_ok()) << abft::mode_name(mode) << ": " << got.status().to_string();
        EXPECT_TRUE(same_outputs(*want, *got)) << abft::mode_name(mode) << " scale " << scale;
      }
    EXPECT_EQ(alarms(report), 0) << abft::mode_name(mode) << "\n" << report.to_json();
    int64_t checks = 0;
    for (const auto& l : report.layers) checks += l.checks;
    EXPECT_GT(checks, 0) << abft::mode_name(mode);
  }
}

TEST(AbftSession, AccumulatorFaultIsDetectedAndCorrectedUnderEveryScheme) {
  for (abft::Mode mode : {abft::Mode::kGlobal, abft::Mode::kTile, abft::Mode::kDmr}) {
    auto s = load(mode, 1);
    ASSERT_TRUE(s);
    const Tensor x = input(*s, 1.0f, 99);
    const std::string name = s->inputs().at(0).name;
    auto clean = s->run({{name, x}});
    ASSERT_TRUE(clean.is_ok());
    int checked_nodes = 0;
    int64_t dmr_alarms = 0;
    for (size_t k = 0; k < s->graph().nodes.size(); ++k) {
      const ir::OpKind op = s->graph().nodes[k].op;
      if (op != ir::OpKind::kFusedConv && op != ir::OpKind::kConv && op != ir::OpKind::kGemm &&
          op != ir::OpKind::kFusedMatMul && op != ir::OpKind::kMatMul)
        continue;
      if (s->kernel_name(k) == "ref") continue;  // no BRGEMM to inject into (scalar cap: convs)
      ++checked_nodes;
      // The top exponent bit of a partial sum half-way through K: a 2^128-fold error for a
      // non-zero partial sum (Inf or ~1e38), far above every tolerance; a partial sum that is
      // still 0 becomes 2.0, which may be inside the bound (then it is a below-tolerance flip,
      // not a miss: brgemm_abft_test.cpp tests flips against the tolerance itself).
      int64_t node_alarms = 0;
      for (uint32_t pick : {0u, 7u, 13u, 21u}) {
        cpu::AccumulatorFault f;
        f.bit = 30;
        f.at = 0.5;
        f.row_pick = pick;
        f.col_pick = pick * 5;
        rt::AccumulatorFaultObserver inject(k, f);
        abft::Report report;
        auto got = s->run({{name, x}}, &inject, &report);
        ASSERT_TRUE(got.is_ok()) << got.status().to_string();
        ASSERT_TRUE(inject.fired()) << s->graph().nodes[k].label();
        const int64_t a = alarms(report);
        // DMR sees only what reaches the output: a flip that Relu masks is invisible (harmless).
        if (s->abft_plan(k).scheme == abft::Scheme::kDmr) dmr_alarms += a;
        node_alarms += a;
        // A detected fault is corrected exactly: the recomputed layer is the fault-free one.
        if (a > 0) EXPECT_TRUE(same_outputs(*clean, *got)) << abft::mode_name(mode) << " " << s->graph().nodes[k].label();
      }
      if (s->abft_plan(k).scheme != abft::Scheme::kDmr)
        EXPECT_GE(node_alarms, 2) << abft::mode_name(mode) << " " << s->graph().nodes[k].label();
    }
    EXPECT_GE(checked_nodes, 2);  // the Gemms always; the convs unless the ISA cap is scalar
    if (mode == abft::Mode::kDmr) EXPECT_GE(dmr_alarms, 3);  // the logits layer has no Relu
  }
}

TEST(AbftSession, PersistentFaultEndsTheRunAsDetectedUnrecoverable) {
  auto s = load(abft::Mode::kGlobal, 1);
  ASSERT_TRUE(s);
  size_t node = 0;
  while (node < s->graph().nodes.size() &&
         s->abft_plan(node).scheme != abft::Scheme::kGlobal)
    ++node;
  ASSERT_LT(node, s->graph().nodes.size());
  // A persistent (stuck) fault: the hook re-arms itself after firing, so every recomputation of
  // the node is hit again.
  struct Rearm : rt::RunObserver {
    size_t node;
    void before_node(size_t index, const ir::Node&) override {
      if (index != node) return;
      cpu::AccumulatorFault f;
      f.bit = 30;
      f.at = 0.5;
      f.skip_tiles = 0;
      cpu::fault_arm(f);
      cpu::fault_set_persistent(true);
    }
    Status after_node(size_t index, const ir::Node&, std::vector<Tensor>&, double) override {
      if (index == node) cpu::fault_set_persistent(false), cpu::fault_disarm();
      return Status::ok();
    }
  } rearm;
  rearm.node = node;
  const std::string name = s->inputs().at(0).name;
  abft::Report report;
  auto got = s->run({{name, input(*s, 1.0f, 5)}}, &rearm, &report);
  // The failing node's after_node never runs: clear the hook here, whatever the outcome.
  cpu::fault_set_persistent(false);
  cpu::fault_disarm();
  ASSERT_FALSE(got.is_ok());
  EXPECT_EQ(got.status().code(), StatusCode::kDetectedUnrecoverable);
  EXPECT_NE(got.status().message().find(s->graph().nodes[node].label()), std::string::npos)
      << got.status().message();
  int64_t unrecoverable = 0;
  for (const auto& l : report.layers) unrecoverable += l.unrecoverable;
  EXPECT_EQ(unrecoverable, 1);
}

// The output fault hook: the bit it flips is the one asked for, checked against the clean run's
// output with the bit flipped here (the last node's output is the model's output).
TEST(OutputFault, FlipsTheChosenBitOfTheNodeOutput) {
  auto s = load(abft::Mode::kOff, 1);
  ASSERT_TRUE(s);
  const Tensor x = input(*s, 1.0f, 5);
  const std::string name = s->inputs().at(0).name;
  auto clean = s->run({{name, x}});
  ASSERT_TRUE(clean.is_ok());
  const size_t last = s->graph().nodes.size() - 1;
  for (int bit : {0, 22, 30, 31}) {
    rt::OutputFaultObserver flip(last, 0, 7, bit);
    auto got = s->run({{name, x}}, &flip);
    ASSERT_TRUE(got.is_ok()) << got.status().to_string();
    ASSERT_TRUE(flip.fired());
    EXPECT_EQ(flip.element(), 7);
    Tensor want = clean->at(0).second.clone();
    uint32_t u;
    std::memcpy(&u, want.data<float>() + 7, 4);
    EXPECT_EQ(flip.before(), u) << "bit " << bit;
    u ^= 1u << bit;
    EXPECT_EQ(flip.after(), u) << "bit " << bit;
    std::memcpy(want.data<float>() + 7, &u, 4);
    EXPECT_TRUE(same_outputs({{clean->at(0).first, want}}, *got)) << "bit " << bit;
  }
}

// What the checksums cover: errors inside a layer's computation. A flip in a stored activation,
// after its producer's checks, reaches the output with no alarm: the next layer's checks take the
// corrupted value as their input (abft/README.md, "coverage").
TEST(OutputFault, StoredActivationFlipsAreOutsideChecksumCoverage) {
  for (abft::Mode mode : {abft::Mode::kGlobal, abft::Mode::kTile}) {
    auto s = load(mode, 1);
    ASSERT_TRUE(s);
    const Tensor x = input(*s, 1.0f, 6);
    const std::string name = s->inputs().at(0).name;
    auto clean = s->run({{name, x}});
    ASSERT_TRUE(clean.is_ok());
    size_t first_checked = s->graph().nodes.size();
    for (size_t k = 0; k < s->graph().nodes.size() && first_checked == s->graph().nodes.size(); ++k)
      if (s->abft_plan(k).scheme == abft::Scheme::kGlobal || s->abft_plan(k).scheme == abft::Scheme::kTile)
        first_checked = k;
    ASSERT_LT(first_checked, s->graph().nodes.size());
    // A flip can be masked downstream (a Relu after the node zeroes a negative value however
    // large), so several elements are hit, one per run; none may alarm, and some must propagate.
    int propagated = 0;
    for (int64_t element = 0; element < 8; ++element) {
      rt::OutputFaultObserver flip(first_checked, 0, element * 37, 30);
      abft::Report report;
      auto got = s->run({{name, x}}, &flip, &report);
      ASSERT_TRUE(got.is_ok()) << got.status().to_string();
      ASSERT_TRUE(flip.fired());
      EXPECT_EQ(alarms(report), 0) << abft::mode_name(mode) << "\n" << report.to_json();
      if (!same_outputs(*clean, *got)) ++propagated;
    }
    EXPECT_GT(propagated, 0) << abft::mode_name(mode) << ": no flip reached the output";
  }
}

}  // namespace
}  // namespace sf
