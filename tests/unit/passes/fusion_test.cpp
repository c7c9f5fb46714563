// Fusion passes (fold_batchnorm, fuse_conv, fuse_matmul, fuse_patterns) through rt::Session:
// each small graph is loaded twice, with exec.fuse on and off; the fused graph must have the
// expected node kinds and compute what the unfused graph computes (to float rounding: folding
// and fusing reorder a few roundings), and the negative cases must stay unfused.
#include "fusion_test_util.hpp"

namespace sf {
namespace {

using namespace fusion_test;  // NOLINT(build/namespaces): test helpers
using ir::OpKind;
using ir::ValueId;

// ---- fold_batchnorm ----------------------------------------------------------------------------

Case conv_bn_case(bool bn_params_constant, bool conv_output_also_graph_output) {
  Case c;
  c.make = [=] {
    Builder b;
    const ValueId x = b.input("x", {1, 3, 6, 6});
    const ValueId w = b.constant("w", random_tensor({4, 3, 3, 3}, 1));
    const ValueId bias = b.constant("b", random_tensor({4}, 2));
    const ValueId conv = b.node(OpKind::kConv, {x, w, bias}, {{"pads", ints({1, 1, 1, 1})}});
    const ValueId scale = bn_params_constant
                              ? b.constant("scale", random_tensor({4}, 3, 0.5f, 2.0f))
                              : b.input("scale", {4});
    const ValueId shift = b.constant("shift", random_tensor({4}, 4));
    const ValueId mean = b.constant("mean", random_tensor({4}, 5));
    const ValueId var = b.constant("var", random_tensor({4}, 6, 0.1f, 3.0f));
    const ValueId bn = b.node(OpKind::kBatchNormalization, {conv, scale, shift, mean, var},
                              {{"epsilon", float1(1e-3f)}}, 15);
    b.output(b.node(OpKind::kRelu, {bn}));
    if (conv_output_also_graph_output) b.output(conv);
    return b.take();
  };
  c.inputs = {{"x", random_tensor({1, 3, 6, 6}, 7)}};
  if (!bn_params_constant) c.inputs.push_back({"scale", random_tensor({4}, 3, 0.5f, 2.0f)});
  return c;
}

TEST(Fusion, BatchNormFoldsIntoConvThenReluIsAbsorbed) {
  auto s = check(conv_bn_case(true, false), {OpKind::kFusedConv});
  ASSERT_TRUE(s);
  EXPECT_EQ(s->pass_stats().bn_folded, 1);
  EXPECT_EQ(s->pass_stats().activations_fused, 1);
  // W' [4, 3, 3, 3] and B' [4] remain; W, B and the four BN parameters are gone.
  EXPECT_EQ(s->graph().parameter_count(), 4 * 3 * 3 * 3 + 4);
  const ir::Node* f = find_op(*s, OpKind::kFusedConv);
  EXPECT_EQ(f->attrs_as<ir::FusedConvAttrs>().act.kind, Activation::kRelu);
}

TEST(Fusion, BatchNormWithRuntimeParametersIsNotFolded) {
  auto s = check(conv_bn_case(false, false),
                 {OpKind::kFusedConv, OpKind::kBatchNormalization, OpKind::kRelu});
  ASSERT_TRUE(s);
  EXPECT_EQ(s->pass_stats().bn_folded, 0);
}

TEST(Fusion, BatchNormAfterConvReadTwiceIsNotFolded) {
  auto s = check(conv_bn_case(true, true),
                 {OpKind::kFusedConv, OpKind::kBatchNormalization, OpKind::kRelu});
  ASSERT_TRUE(s);
  EXPECT_EQ(s->pass_stats().bn_folded, 0);
}

// ---- fuse_conv
// -----------------------------------------------------------------------------------

// x -> Conv -> Add(r) -> activation; `act` builds the activation on the sum.
Case conv_residual_case(const std::function<ValueId(Builder&, ValueId)>& act, bool sum_is_output) {
  Case c;
  c.make = [=] {
    Builder b;
    const ValueId x = b.input("x", {2, 4, 5, 5});
    const ValueId r = b.input("r", {2, 6, 5, 5});
    const ValueId w = b.constant("w", random_tensor({6, 2, 3, 3}, 11));
    const ValueId conv =
        b.node(OpKind::kConv, {x, w}, {{"pads", ints({1, 1, 1, 1})}, {"group", int1(2)}});
    const ValueId sum = b.node(OpKind::kAdd, {r, conv});
    b.output(act(b, sum));
    if (sum_is_output) b.output(sum);
    return b.take();
  };
  c.inputs = {{"x", random_tensor({2, 4, 5, 5}, 12, -3, 3)},
              {"r", random_tensor({2, 6, 5, 5}, 13)}};
  return c;
}

TEST(Fusion, ConvAbsorbsResidualAndEachActivation) {
  struct Act {
    const char* name;
    Activation kind;
    std::function<ValueId(Builder&, ValueId)> build;
  };
  const std::vector<Act> acts = {
      {"relu", Activation::kRelu, [](Builder& b, ValueId v) { return b.node(OpKind::kRelu, {v}); }},
      {"relu6", Activation::kClip,
       [](Builder& b, ValueId v) {
         return b.node(OpKind::kClip,
                       {v, b.constant("lo", scalar(0)), b.constant("hi", scalar(6))});
       }},
      {"leaky", Activation::kLeakyRelu,
       [](Builder& b, ValueId v) {
         return b.node(OpKind::kLeakyRelu, {v}, {{"alpha", float1(0.2f)}});
       }},
      {"sigmoid", Activation::kSigmoid,
       [](Builder& b, ValueId v) { return b.node(OpKind::kSigmoid, {v}); }},
      {"tanh", Activation::kTanh, [](Builder& b, ValueId v) { return b.node(OpKind::kTanh, {v}); }},
      {"hard_sigmoid", Activation::kHardSigmoid,
       [](Builder& b, ValueId v) {
         return b.node(OpKind::kHardSigmoid, {v},
                       {{"alpha", float1(0.25f)}, {"beta", float1(0.4f)}});
       }},
      {"hard_swish", Activation::kHardSwish,
       [](Builder& b, ValueId v) { return b.node(OpKind::kHardSwish, {v}, {}, 14); }},
      {"gelu", Activation::kGelu, [](Builder& b, ValueId v) { return b.node(OpKind::kGelu, {v}); }},
      {"silu", Activation::kSilu,
       [](Builder& b, ValueId v) {
         return b.node(OpKind::kMul, {v, b.node(OpKind::kSigmoid, {v})});
       }},
  };
  for (const Act& a : acts) {
    SCOPED_TRACE(a.name);
    auto s = check(conv_residual_case(a.build, false), {OpKind::kFusedConv});
    ASSERT_TRUE(s);
    const ir::Node* f = find_op(*s, OpKind::kFusedConv);
    EXPECT_EQ(f->attrs_as<ir::FusedConvAttrs>().act.kind, a.kind);
    EXPECT_TRUE(f->has_input(3));  // the residual
    EXPECT_EQ(s->pass_stats().residuals_fused, 1);
  }
}

TEST(Fusion, ConvResidualThatIsAGraphOutputStaysSeparate) {
  // The sum is also a graph output: the Add is absorbed as residual (the conv output has one
  // reader) but the Relu cannot take the sum away.
  auto s = check(
      conv_residual_case([](Builder& b, ValueId v) { return b.node(OpKind::kRelu, {v}); }, true),
      {OpKind::kFusedConv, OpKind::kRelu});
  ASSERT_TRUE(s);
  EXPECT_EQ(s->pass_stats().residuals_fused, 1);
  EXPECT_EQ(s->pass_stats().activations_fused, 0);
}

TEST(Fusion, ConvOutputWithTwoReadersKeepsItsConsumers) {
  Case c;
  c.make = [] {
    Builder b;
    const ValueId x = b.input("x", {1, 2, 4, 4});
    const ValueId conv =
        b.node(OpKind::kConv, {x, b.constant("w", random_tensor({3, 2, 1, 1}, 14))});
    b.output(b.node(OpKind::kRelu, {conv}));
    b.output(b.node(OpKind::kSigmoid, {conv}));
    return b.take();
  };
  c.inputs = {{"x", random_tensor({1, 2, 4, 4}, 15)}};
  check(c, {OpKind::kFusedConv, OpKind::kRelu, OpKind::kSigmoid});
}

// ---- fuse_matmul
// ---------------------------------------------------------------------------------

TEST(Fusion, MatMulAbsorbsBiasResidualAndGelu) {
  Case c;
  c.make = [] {
    Builder b;
    const ValueId x = b.input("x", {2, 5, 8});
    const ValueId r = b.input("r", {2, 5, 6});
    const ValueId mm = b.node(OpKind::kMatMul, {x, b.constant("w", random_tensor({8, 6}, 21))});
    const ValueId biased = b.node(OpKind::kAdd, {b.constant("bias", random_tensor({6}, 22)), mm});
    const ValueId sum = b.node(OpKind::kAdd, {biased, r});
    b.output(b.node(OpKind::kGelu, {sum}));
    return b.take();
  };
  c.inputs = {{"x", random_tensor({2, 5, 8}, 23)}, {"r", random_tensor({2, 5, 6}, 24)}};
  auto s = check(c, {OpKind::kFusedMatMul});
  ASSERT_TRUE(s);
  const ir::Node* f = find_op(*s, OpKind::kFusedMatMul);
  EXPECT_TRUE(f->has_input(2) && f->has_input(3));
  EXPECT_EQ(f->attrs_as<ir::FusedMatMulAttrs>().act.kind, Activation::kGelu);
}

TEST(Fusion, GemmBecomesFusedMatMulWithScaledBias) {
  Case c;
  c.make = [] {
    Builder b;
    const ValueId x = b.input("x", {3, 7});
    const ValueId gemm = b.node(
        OpKind::kGemm,
        {x, b.constant("w", random_tensor({5, 7}, 25)), b.constant("c", random_tensor({1, 5}, 26))},
        {{"transB", int1(1)}, {"alpha", float1(0.5f)}, {"beta", float1(2.0f)}});
    b.output(b.node(OpKind::kRelu, {gemm}));
    return b.take();
  };
  c.inputs = {{"x", random_tensor({3, 7}, 27)}};
  auto s = check(c, {OpKind::kFusedMatMul});
  ASSERT_TRUE(s);
  const auto& a = find_op(*s, OpKind::kFusedMatMul)->attrs_as<ir::FusedMatMulAttrs>();
  EXPECT_TRUE(a.trans_b);
  EXPECT_EQ(a.alpha, 0.5f);
}

TEST(Fusion, GemmWithRuntimeCOfTheOutputShapeTakesItAsResidual) {
  Case c;
  c.make = [] {
    Builder b;
    const ValueId x = b.input("x", {3, 7});
    const ValueId cin = b.input("c", {3, 5});
    b.output(b.node(OpKind::kGemm, {x, b.constant("w", random_tensor({7, 5}, 33)), cin}));
    return b.take();
  };
  c.inputs = {{"x", random_tensor({3, 7}, 34)}, {"c", random_tensor({3, 5}, 35)}};
  auto s = check(c, {OpKind::kFusedMatMul});
  ASSERT_TRUE(s);
  const ir::Node* f = find_op(*s, OpKind::kFusedMatMul);
  EXPECT_FALSE(f->has_input(2));
  EXPECT_TRUE(f->has_input(3));
}

TEST(Fusion, GemmWithTransposedAOrMatMulWithRuntimeBiasStayPartlyUnfused) {
  Case c;
  c.make = [] {
    Builder b;
    const ValueId x = b.input("x", {7, 3});
    const ValueId v = b.input("v", {5});
    const ValueId gemm = b.node(OpKind::kGemm, {x, b.constant("w", random_tensor({7, 5}, 28))},
                                {{"transA", int1(1)}});
    b.output(gemm);
    // A bias that is no constant is no bias, and [5] is not the output's shape [3, 5]: the
    // Add is neither bias nor residual.
    const ValueId y = b.input("y", {3, 4});
    const ValueId mm = b.node(OpKind::kMatMul, {y, b.constant("w2", random_tensor({4, 5}, 29))});
    b.output(b.node(OpKind::kAdd, {mm, v}));
    return b.take();
  };
  c.inputs = {{"x", random_tensor({7, 3}, 30)},
              {"v", random_tensor({5}, 31)},
              {"y", random_tensor({3, 4}, 32)}};
  check(c, {OpKind::kGemm, OpKind::kFusedMatMul, OpKind::kAdd});
}

// ---- fuse_patterns: LayerNorm and Gelu
// ------------------------------------------------------------

// PyTorch's LayerNorm decomposition (opset 13/14) over axis `axis` of x [2, 3, 8].
ValueId layer_norm(Builder& b, ValueId x, int64_t axis, int64_t c) {
  const ValueId mu = b.node(OpKind::kReduceMean, {x}, {{"axes", ints({axis})}});
  const ValueId d = b.node(OpKind::kSub, {x, mu});
  const ValueId d2 = b.node(OpKind::kPow, {d, b.constant("two" + std::to_string(mu), scalar(2))});
  const ValueId var = b.node(OpKind::kReduceMean, {d2}, {{"axes", ints({axis})}});
  const ValueId ve =
      b.node(OpKind::kAdd, {var, b.constant("eps" + std::to_string(mu), scalar(1e-5f))});
  const ValueId n = b.node(OpKind::kDiv, {d, b.node(OpKind::kSqrt, {ve})});
  const ValueId g =
      b.node(OpKind::kMul, {n, b.constant("gamma" + std::to_string(mu), random_tensor({c}, 41))});
  return b.node(OpKind::kAdd, {g, b.constant("beta" + std::to_string(mu), random_tensor({c}, 42))});
}

TEST(Fusion, LayerNormOverTheLastAxisIsRecognised) {
  Case c;
  c.make = [] {
    Builder b;
    b.output(layer_norm(b, b.input("x", {2, 3, 8}), -1, 8));
    return b.take();
  };
  c.inputs = {{"x", random_tensor({2, 3, 8}, 43, -2, 3)}};
  auto s = check(c, {OpKind::kLayerNormalization});
  ASSERT_TRUE(s);
  EXPECT_EQ(s->pass_stats().layernorms, 1);
}

TEST(Fusion, NormalisationOverAnotherAxisIsNotALayerNorm) {
  Case c;
  c.make = [] {
    Builder b;
    // Over axis 1 with per-channel constants of shape [3, 1]: no LayerNormalization.
    const ValueId x = b.input("x", {2, 3, 8});
    const ValueId mu = b.node(OpKind::kReduceMean, {x}, {{"axes", ints({1})}});
    const ValueId d = b.node(OpKind::kSub, {x, mu});
    const ValueId d2 = b.node(OpKind::kPow, {d, b.constant("two", scalar(2))});
    const ValueId var = b.node(OpKind::kReduceMean, {d2}, {{"axes", ints({1})}});
    const ValueId ve = b.node(OpKind::kAdd, {var, b.constant("eps", scalar(1e-5f))});
    b.output(b.node(OpKind::kDiv, {d, b.node(OpKind::kSqrt, {ve})}));
    return b.take();
  };
  c.inputs = {{"x", random_tensor({2, 3, 8}, 44)}};
  check(c, {OpKind::kReduceMean, OpKind::kSub, OpKind::kPow, OpKind::kReduceMean, OpKind::kAdd,
            OpKind::kSqrt, OpKind::kDiv});
}

TEST(Fusion, GeluErfFormsAndTanhFormAreRecognised) {
  const std::vector<std::function<ValueId(Builder&, ValueId)>> forms = {
      // BERT's export: Mul(Mul(x, Add(Erf(Div(x, sqrt 2)), 1)), 0.5)
      [](Builder& b, ValueId x) {
        const ValueId e =
            b.node(OpKind::kErf, {b.node(OpKind::kDiv, {x, b.constant("s2", scalar(1.4142135f))})});
        const ValueId a = b.node(OpKind::kAdd, {e, b.constant("one", scalar(1))});
        return b.node(OpKind::kMul,
                      {b.node(OpKind::kMul, {x, a}), b.constant("half", scalar(0.5f))});
      },
      // Mul(Mul(x, 0.5), Add(1, Erf(Mul(x, 1/sqrt 2))))
      [](Builder& b, ValueId x) {
        const ValueId h = b.node(OpKind::kMul, {x, b.constant("half", scalar(0.5f))});
        const ValueId e = b.node(
            OpKind::kErf, {b.node(OpKind::kMul, {b.constant("is2", scalar(0.70710678f)), x})});
        return b.node(OpKind::kMul, {h, b.node(OpKind::kAdd, {b.constant("one", scalar(1)), e})});
      },
      // GPT-2's export: 0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 * x * (x * x))))
      [](Builder& b, ValueId x) {
        const ValueId x2 = b.node(OpKind::kMul, {x, x});
        const ValueId x3 = b.node(OpKind::kMul, {x, x2});
        const ValueId c3 = b.node(OpKind::kMul, {b.constant("k", scalar(0.044715f)), x3});
        const ValueId in = b.node(OpKind::kAdd, {x, c3});
        const ValueId t = b.node(
            OpKind::kTanh, {b.node(OpKind::kMul, {b.constant("s", scalar(0.7978845608f)), in})});
        const ValueId a = b.node(OpKind::kAdd, {b.constant("one", scalar(1)), t});
        return b.node(OpKind::kMul,
                      {b.constant("half", scalar(0.5f)), b.node(OpKind::kMul, {x, a})});
      },
  };
  for (size_t k = 0; k < forms.size(); ++k) {
    SCOPED_TRACE("form " + std::to_string(k));
    Case c;
    c.make = [&, k] {
      Builder b;
      b.output(forms[k](b, b.input("x", {4, 9})));
      return b.take();
    };
    c.inputs = {{"x", random_tensor({4, 9}, 45, -4, 4)}};
    auto s = check(c, {OpKind::kGelu});
    ASSERT_TRUE(s);
    EXPECT_EQ(s->pass_stats().gelus, 1);
  }
}

}  // namespace
}  // namespace sf
