// MatMul, Gemm and FusedMatMul through the session's fast path (fast_ops/matmul.cpp) against the reference
// kernels (rt::run_node) on the same node: shapes around the tile and block edges, NumPy batch
// broadcasting, 1-D operands, transposes, alpha/beta and every C broadcast; under the ISA caps
// scalar / avx2 / avx512 (the ones the CPU has), for 1, 2 and 3 threads, which must agree bit for
// bit, and with weights packed at load or per run (also bit-identical).
// Tolerance: 4 * K * eps * max|a||b| + 1e-6 (operands in [-1, 1], sums in float on both sides).
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "core/cpu_features.hpp"
#include "ir/op_schema.hpp"
#include "runtime/session.hpp"
#include "../op_test_util.hpp"

namespace sf {
namespace {

using test::float_attr;
using test::int_attr;

Tensor random_tensor(const Shape& shape, std::mt19937& rng) {
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  Tensor t = Tensor::make(DType::kF32, shape).value();
  for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = dist(rng);
  return t;
}

struct Operand {
  Shape shape;
  bool constant = false;
  bool omitted = false;
};

struct Case {
  std::string what;
  ir::OpKind op;
  std::vector<Operand> inputs;  // A, B[, C] or A, B[, bias[, residual]]; an empty shape with
                                // omitted = true leaves the input out
  ir::AttrMap attrs;
  int64_t k;                    // reduction length, for the tolerance
  int opset = 13;
};

// The graph y = op(inputs...) with constant operands as initializers, and its input feeds.
std::unique_ptr<ir::Graph> make_graph(const Case& c, const std::vector<Tensor>& values,
                                      rt::NamedTensors& feeds) {
  auto g = std::make_unique<ir::Graph>();
  ir::Node n;
  n.name = "mm";
  n.op = c.op;
  n.opset = c.opset;
  n.raw_attrs = c.attrs;
  for (size_t i = 0; i < c.inputs.size(); ++i) {
    if (c.inputs[i].omitted) {
      n.inputs.push_back(ir::kNoValue);
      continue;
    }
    const std::string name = "in" + std::to_string(i);
    const ir::ValueId v = g->add_value(name).value();
    g->value(v).type = {DType::kF32, c.inputs[i].shape};
    if (c.inputs[i].constant) {
      g->value(v).constant = values[i];
    } else {
      g->inputs.push_back(v);
      feeds.emplace_back(name, values[i]);
    }
    n.inputs.push_back(v);
  }
  const ir::ValueId y = g->add_value("y").value();
  g->value(y).producer = 0;
  n.outputs = {y};
  EXPECT_TRUE(ir::parse_node(n).is_ok());
  g->nodes.push_back(std::move(n));
  g->outputs = {y};
  return g;
}

std::vector<float> run_fast(const Case& c, const std::vector<Tensor>& values, int threads,
                            bool pack_weights, std::string& kernel) {
  rt::NamedTensors feeds;
  auto g = make_graph(c, values, feeds);
  rt::SessionOptions so;
  so.threads = threads;
  so.optimize = false;
  so.exec.pack_weights = pack_weights;
  auto s = rt::Session::from_graph(std::move(g), so);
  EXPECT_TRUE(s.is_ok()) << s.status().to_string();
  if (!s.is_ok()) return {};
  kernel = (*s)->kernel_name(0);
  auto out = (*s)->run(feeds);
  EXPECT_TRUE(out.is_ok()) << out.status().to_string();
  if (!out.is_ok()) return {};
  const Tensor& y = out->at(0).second;
  return std::vector<float>(y.data<float>(), y.data<float>() + y.numel());
}

void check(const Case& c) {
  SCOPED_TRACE(c.what);
  std::mt19937 rng(3);
  std::vector<Tensor> values;
  for (const Operand& o : c.inputs) values.push_back(random_tensor(o.shape, rng));
  // The reference on the same node.
  ir::Node n = test::make_node(c.op, c.opset, c.inputs.size(), 1, c.attrs);
  std::vector<const Tensor*> in;
  for (size_t i = 0; i < values.size(); ++i) {
    in.push_back(c.inputs[i].omitted ? nullptr : &values[i]);
    if (c.inputs[i].omitted) n.inputs[i] = ir::kNoValue;
  }
  auto ref = test::parse_and_run(n, in);
  ASSERT_TRUE(ref.is_ok()) << ref.status().to_string();
  const Tensor& want = ref->at(0);
  const double tol = 4.0 * static_cast<double>(c.k) * 1.2e-7 * 4.0 + 1e-6;  // |C| beta <= 2

  const std::string isa_names[] = {"scalar", "avx2", "avx512"};
  for (int cap = 0; cap <= static_cast<int>(detected_isa()); ++cap) {
    set_max_isa_for_testing(cap);
    std::vector<float> first;
    for (int threads : {1, 2, 3}) {
      std::string kernel;
      const std::vector<float> got = run_fast(c, values, threads, true, kernel);
      ASSERT_EQ(static_cast<int64_t>(got.size()), want.numel()) << "cap " << cap;
      EXPECT_NE(kernel.find("__" + isa_names[cap] + "_"), std::string::npos) << kernel;
      if (threads == 1) {
        first = got;
        for (int64_t i = 0; i < want.numel(); ++i)
          ASSERT_NEAR(got[static_cast<size_t>(i)], want.data<float>()[i], tol)
              << kernel << " element " << i;
      } else {
        EXPECT_EQ(got, first) << kernel << ": threads " << threads << " differ from 1 thread";
      }
    }
    std::string kernel;
    EXPECT_EQ(run_fast(c, values, 2, false, kernel), first) << kernel << ": packed per run";
  }
  set_max_isa_for_testing(-1);
}

TEST(MatMulFast, WeightsFoldBatchIntoRows) {
  check({"2d", ir::OpKind::kMatMul, {{{5, 7}}, {{7, 9}, true}}, {}, 7});
  check({"4d x const", ir::OpKind::kMatMul, {{{2, 3, 37, 70}}, {{70, 45}, true}}, {}, 70});
  // Several m / n rectangles and k blocks for every variant.
  check({"blocks", ir::OpKind::kMatMul, {{{1, 200, 400}}, {{400, 300}, true}}, {}, 400});
  // lda a multiple of 4 KiB (A rows share L1 sets) and two k blocks for every variant.
  check({"k1024", ir::OpKind::kMatMul, {{{50, 1024}}, {{1024, 70}, true}}, {}, 1024});
}

TEST(MatMulFast, ActivationTimesActivationWithBroadcast) {
  check({"attention-like", ir::OpKind::kMatMul, {{{4, 30, 16}}, {{4, 16, 30}}}, {}, 16});
  check({"broadcast", ir::OpKind::kMatMul, {{{2, 1, 13, 20}}, {{3, 20, 33}}}, {}, 20});
  check({"broadcast b", ir::OpKind::kMatMul, {{{25, 19}}, {{2, 19, 40}}}, {}, 19});
  check({"const batched b", ir::OpKind::kMatMul, {{{3, 8, 11}}, {{3, 11, 17}, true}}, {}, 11});
}

TEST(MatMulFast, OneDimensionalOperands) {
  check({"vec x mat", ir::OpKind::kMatMul, {{{20}}, {{20, 17}, true}}, {}, 20});
  check({"mat x vec", ir::OpKind::kMatMul, {{{3, 20}}, {{20}}}, {}, 20});
  check({"vec x vec", ir::OpKind::kMatMul, {{{33}}, {{33}}}, {}, 33});
  check({"k = 0 gives zeros", ir::OpKind::kMatMul, {{{3, 0}}, {{0, 5}}}, {}, 0});
  check({"batched x vec", ir::OpKind::kMatMul, {{{2, 5, 9}}, {{9}, true}}, {}, 9});
}

TEST(GemmFast, TransposesAlphaBetaAndCBroadcasts) {
  const ir::AttrMap tt = {{"transA", int_attr(1)}, {"transB", int_attr(1)},
                          {"alpha", float_attr(0.5f)}, {"beta", float_attr(2.0f)}};
  check({"tt C[N]", ir::OpKind::kGemm, {{{31, 14}}, {{45, 31}, true}, {{45}, true}}, tt, 31});
  check({"C[M,N]", ir::OpKind::kGemm, {{{14, 31}}, {{31, 45}}, {{14, 45}}}, {}, 31});
  check({"C[M,1]", ir::OpKind::kGemm, {{{31, 14}}, {{45, 31}}, {{14, 1}}}, tt, 31});
  check({"C scalar", ir::OpKind::kGemm, {{{31, 14}}, {{45, 31}, true}, {{}, true}}, tt, 31});
  check({"no C", ir::OpKind::kGemm, {{{1, 64}}, {{100, 64}, true}}, {{"transB", int_attr(1)}}, 64});
  check({"beta 0", ir::OpKind::kGemm, {{{9, 8}}, {{8, 7}}, {{9, 7}}},
         {{"beta", float_attr(0.0f)}}, 8});
  check({"linear", ir::OpKind::kGemm, {{{130, 96}}, {{200, 96}, true}, {{200}, true}},
         {{"transB", int_attr(1)}}, 96});
}

// FusedMatMul (internal op, opset 1): alpha, trans_b, bias, residual and activations on the
// fused epilogue.
TEST(FusedMatMulFast, EpilogueMatchesReference) {
  const ir::AttrMap gelu = {{"activation", test::string_attr("gelu")},
                            {"alpha", float_attr(0.125f)}, {"trans_b", int_attr(1)}};
  check({"gelu trans_b bias residual", ir::OpKind::kFusedMatMul,
         {{{2, 20, 64}}, {{50, 64}, true}, {{50}, true}, {{2, 20, 50}}}, gelu, 64, 1});
  const ir::AttrMap clip = {{"activation", test::string_attr("clip")},
                            {"activation_alpha", float_attr(-0.5f)},
                            {"activation_beta", float_attr(0.5f)}};
  check({"clip bias only", ir::OpKind::kFusedMatMul, {{{37, 40}}, {{40, 70}, true}, {{70}, true}},
         clip, 40, 1});
  check({"residual only, batched B", ir::OpKind::kFusedMatMul,
         {{{3, 9, 16}}, {{3, 16, 21}}, {{}, false, true}, {{3, 9, 21}}},
         {{"activation", test::string_attr("sigmoid")}}, 16, 1});
  check({"no epilogue", ir::OpKind::kFusedMatMul, {{{5, 8}}, {{8, 3}}}, {}, 8, 1});
}

TEST(MatMulFast, NonFloatFallsBackToReference) {
  auto g = std::make_unique<ir::Graph>();
  ir::Node n;
  n.name = "mm";
  n.op = ir::OpKind::kMatMul;
  n.opset = 13;
  for (const char* name : {"a", "b"}) {
    const ir::ValueId v = g->add_value(name).value();
    g->value(v).type = {DType::kF64, Shape{2, 2}};
    g->inputs.push_back(v);
    n.inputs.push_back(v);
  }
  const ir::ValueId y = g->add_value("y").value();
  g->value(y).producer = 0;
  n.outputs = {y};
  ASSERT_TRUE(ir::parse_node(n).is_ok());
  g->nodes.push_back(std::move(n));
  g->outputs = {y};
  rt::SessionOptions so;
  so.optimize = false;
  auto s = rt::Session::from_graph(std::move(g), so);
  ASSERT_TRUE(s.is_ok()) << s.status().to_string();
  EXPECT_EQ((*s)->kernel_name(0), "ref");
}

}  // namespace
}  // namespace sf
