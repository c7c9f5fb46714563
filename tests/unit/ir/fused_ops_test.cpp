// Internal fused ops (FusedConv, FusedMatMul, Attention): each reference kernel against the
// composition of the ONNX ops it replaces, every one run through rt::run_node (the reference
// kernels). Also: attribute and shape errors name the node, and a model file naming an internal
// op is refused by the loader.
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "../op_test_util.hpp"
#include "io/onnx/loader.hpp"

namespace sf {
namespace {

using ir::OpKind;
using test::float_attr;
using test::int_attr;
using test::ints_attr;
using test::string_attr;

// Deterministic pseudo-random floats in [-1, 1) (an LCG; no dependence on <random>'s
// distributions, which differ between standard libraries).
Tensor random_tensor(const Shape& shape, uint32_t seed) { return test::lcg_tensor(shape, seed, 1); }

Tensor scalar(float v) { return test::make_tensor<float>({}, {v}); }

Tensor run(OpKind op, const std::vector<const Tensor*>& in, ir::AttrMap attrs = {}) {
  auto r = test::run_op(op, in, std::move(attrs));
  EXPECT_TRUE(r.is_ok()) << ir::op_name(op) << ": " << r.status().to_string();
  return r.is_ok() ? *r : Tensor();
}

// Internal ops are built with opset 1, as the passes build them.
Result<Tensor> run_fused(OpKind op, const std::vector<const Tensor*>& in, ir::AttrMap attrs) {
  return test::run_op(op, in, std::move(attrs), /*opset=*/1);
}

void expect_close(const Tensor& got, const Tensor& want, double rel = 1e-5) {
  ASSERT_EQ(got.shape(), want.shape());
  test::expect_all_near_relative(got, test::values_as_double(want), rel);
}

// An activation as the fused attributes name it, and the same activation as ONNX ops.
struct ActCase {
  const char* name;
  float alpha, beta;
};
const ActCase kActs[] = {
    {"none", 0, 0},       {"relu", 0, 0}, {"clip", 0.0f, 6.0f}, {"leaky_relu", 0.1f, 0},
    {"sigmoid", 0, 0},    {"tanh", 0, 0}, {"silu", 0, 0},       {"hard_sigmoid", 0.2f, 0.5f},
    {"hard_swish", 0, 0}, {"gelu", 0, 0}, {"gelu_tanh", 0, 0}};

Tensor apply_onnx_activation(const ActCase& a, const Tensor& x) {
  const std::string n = a.name;
  if (n == "none") return x;
  if (n == "relu") return run(OpKind::kRelu, {&x});
  if (n == "clip") {
    const Tensor lo = scalar(a.alpha), hi = scalar(a.beta);
    return run(OpKind::kClip, {&x, &lo, &hi});
  }
  if (n == "leaky_relu") return run(OpKind::kLeakyRelu, {&x}, {{"alpha", float_attr(a.alpha)}});
  if (n == "sigmoid") return run(OpKind::kSigmoid, {&x});
  if (n == "tanh") return run(OpKind::kTanh, {&x});
  if (n == "silu") {
    const Tensor s = run(OpKind::kSigmoid, {&x});
    return run(OpKind::kMul, {&x, &s});
  }
  if (n == "hard_sigmoid")
    return run(OpKind::kHardSigmoid, {&x},
               {{"alpha", float_attr(a.alpha)}, {"beta", float_attr(a.beta)}});
  if (n == "hard_swish") return run(OpKind::kHardSwish, {&x});
  if (n == "gelu") return run(OpKind::kGelu, {&x});
  if (n == "gelu_tanh") return run(OpKind::kGelu, {&x}, {{"approximate", string_attr("tanh")}});
  ADD_FAILURE() << "no ONNX composition for " << n;
  return x;
}

ir::AttrMap act_attrs(const ActCase& a) {
  return {{"activation", string_attr(a.name)},
          {"activation_alpha", float_attr(a.alpha)},
          {"activation_beta", float_attr(a.beta)}};
}

ir::AttrMap conv_attrs() {
  return {{"kernel_shape", ints_attr({3, 3})},
          {"pads", ints_attr({1, 0, 1, 2})},
          {"strides", ints_attr({1, 2})}};
}

TEST(FusedOps, FusedConvNchwMatchesConvAddActivation) {
  // Scaled so that every activation sees both signs and its saturated ranges.
  Tensor x = random_tensor({2, 4, 7, 9}, 1);
  for (int64_t i = 0; i < x.numel(); ++i) x.data<float>()[i] *= 3.0f;
  const Tensor w = random_tensor({6, 4, 3, 3}, 2), b = random_tensor({6}, 3);
  const Tensor conv = run(OpKind::kConv, {&x, &w, &b}, conv_attrs());
  ASSERT_EQ(conv.shape(), (Shape{2, 6, 7, 5}));
  const Tensor r = random_tensor(conv.shape(), 4);
  const Tensor sum = run(OpKind::kAdd, {&conv, &r});
  for (const ActCase& a : kActs) {
    SCOPED_TRACE(a.name);
    ir::AttrMap attrs = conv_attrs();
    for (auto& [k, v] : act_attrs(a)) attrs[k] = v;
    auto got = run_fused(OpKind::kFusedConv, {&x, &w, &b, &r}, attrs);
    ASSERT_TRUE(got.is_ok()) << got.status().to_string();
    expect_close(*got, apply_onnx_activation(a, sum));
    // Without residual and bias.
    auto plain = run_fused(OpKind::kFusedConv, {&x, &w, nullptr, nullptr}, attrs);
    ASSERT_TRUE(plain.is_ok()) << plain.status().to_string();
    expect_close(*plain, apply_onnx_activation(a, run(OpKind::kConv, {&x, &w}, conv_attrs())));
  }
}

TEST(FusedOps, FusedConvChannelsLastMatchesTransposedConv) {
  const Tensor x_nhwc = random_tensor({2, 6, 5, 4}, 5);  // [N, H, W, C]
  const Tensor w = random_tensor({6, 2, 3, 3}, 6);       // group 2
  const Tensor b = random_tensor({6}, 7);
  ir::AttrMap attrs = {
      {"kernel_shape", ints_attr({3, 3})},     {"group", int_attr(2)},
      {"auto_pad", string_attr("SAME_UPPER")}, {"strides", ints_attr({2, 1})},
      {"channels_last", int_attr(1)},          {"activation", string_attr("relu")}};
  const Tensor x = run(OpKind::kTranspose, {&x_nhwc}, {{"perm", ints_attr({0, 3, 1, 2})}});
  const Tensor conv = run(OpKind::kConv, {&x, &w, &b},
                          {{"kernel_shape", ints_attr({3, 3})},
                           {"group", int_attr(2)},
                           {"auto_pad", string_attr("SAME_UPPER")},
                           {"strides", ints_attr({2, 1})}});
  const Tensor conv_nhwc = run(OpKind::kTranspose, {&conv}, {{"perm", ints_attr({0, 2, 3, 1})}});
  ASSERT_EQ(conv_nhwc.shape(), (Shape{2, 3, 5, 6}));
  const Tensor r = random_tensor(conv_nhwc.shape(), 8);
  const Tensor sum = run(OpKind::kAdd, {&conv_nhwc, &r});
  auto got = run_fused(OpKind::kFusedConv, {&x_nhwc, &w, &b, &r}, attrs);
  ASSERT_TRUE(got.is_ok()) << got.status().to_string();
  expect_close(*got, run(OpKind::kRelu, {&sum}));
}

TEST(FusedOps, FusedMatMulMatchesMatMulScaleBiasResidualActivation) {
  const Tensor a = random_tensor({2, 3, 5, 7}, 9);
  const Tensor bias = random_tensor({6}, 11);
  for (bool trans_b : {false, true}) {
    for (bool batched_b : {false, true}) {
      SCOPED_TRACE(std::string("trans_b ") + (trans_b ? "1" : "0") + " batched " +
                   (batched_b ? "1" : "0"));
      const Shape b_shape = batched_b ? (trans_b ? Shape{2, 3, 6, 7} : Shape{2, 3, 7, 6})
                                      : (trans_b ? Shape{6, 7} : Shape{7, 6});
      const Tensor b = random_tensor(b_shape, 10);
      const Tensor b_plain =
          trans_b ? run(OpKind::kTranspose, {&b},
                        {{"perm", batched_b ? ints_attr({0, 1, 3, 2}) : ints_attr({1, 0})}})
                  : b;
      const Tensor mm = run(OpKind::kMatMul, {&a, &b_plain});
      const Tensor alpha = scalar(0.75f);
      const Tensor scaled = run(OpKind::kMul, {&mm, &alpha});
      const Tensor biased = run(OpKind::kAdd, {&scaled, &bias});
      const Tensor r = random_tensor(mm.shape(), 12);
      const Tensor sum = run(OpKind::kAdd, {&biased, &r});
      for (const ActCase& act : kActs) {
        SCOPED_TRACE(act.name);
        ir::AttrMap attrs = act_attrs(act);
        attrs["alpha"] = float_attr(0.75f);
        attrs["trans_b"] = int_attr(trans_b ? 1 : 0);
        auto got = run_fused(OpKind::kFusedMatMul, {&a, &b, &bias, &r}, attrs);
        ASSERT_TRUE(got.is_ok()) << got.status().to_string();
        expect_close(*got, apply_onnx_activation(act, sum));
      }
    }
  }
}

TEST(FusedOps, FusedMatMulWithoutEpilogueEqualsMatMulExactly) {
  const Tensor a = random_tensor({4, 33}, 13), b = random_tensor({33, 17}, 14);
  auto got = run_fused(OpKind::kFusedMatMul, {&a, &b}, {});
  ASSERT_TRUE(got.is_ok()) << got.status().to_string();
  const Tensor want = run(OpKind::kMatMul, {&a, &b});
  ASSERT_EQ(got->shape(), want.shape());
  for (int64_t i = 0; i < want.numel(); ++i)
    EXPECT_EQ(got->data<float>()[i], want.data<float>()[i]);
}

// softmax(scale * Q K^T + mask) V with the ONNX ops, K given as [B, H, Lk, D].
Tensor attention_by_onnx_ops(const Tensor& q, const Tensor& k, const Tensor& v, float scale,
                             const Tensor* mask) {
  const Tensor kt = run(OpKind::kTranspose, {&k}, {{"perm", ints_attr({0, 1, 3, 2})}});
  const Tensor s = run(OpKind::kMatMul, {&q, &kt});
  const Tensor sc = scalar(scale);
  Tensor t = run(OpKind::kMul, {&s, &sc});
  if (mask) t = run(OpKind::kAdd, {&t, mask});
  const Tensor p = run(OpKind::kSoftmax, {&t}, {{"axis", int_attr(-1)}});
  return run(OpKind::kMatMul, {&p, &v});
}

TEST(FusedOps, AttentionMatchesMatMulSoftmaxMatMul) {
  const Tensor q = random_tensor({2, 3, 5, 8}, 15), k = random_tensor({2, 3, 7, 8}, 16);
  const Tensor v = random_tensor({2, 3, 7, 4}, 17);
  const Tensor k_t = run(OpKind::kTranspose, {&k}, {{"perm", ints_attr({0, 1, 3, 2})}});
  const float scale = 0.35355339f;
  // BERT-style [B, 1, 1, Lk] padding mask, a [Lq, Lk] mask, and none.
  Tensor pad = random_tensor({2, 1, 1, 7}, 18);
  pad.data<float>()[3] = -10000.0f;
  const Tensor full = random_tensor({5, 7}, 19);
  for (const Tensor* mask : std::vector<const Tensor*>{nullptr, &pad, &full}) {
    const Tensor want = attention_by_onnx_ops(q, k, v, scale, mask);
    for (bool transposed : {false, true}) {
      SCOPED_TRACE(std::string("mask ") + (mask ? shape_str(mask->shape()) : "none") +
                   (transposed ? " k_transposed" : ""));
      ir::AttrMap attrs = {{"scale", float_attr(scale)},
                           {"k_transposed", int_attr(transposed ? 1 : 0)}};
      auto got = run_fused(OpKind::kAttention, {&q, transposed ? &k_t : &k, &v, mask}, attrs);
      ASSERT_TRUE(got.is_ok()) << got.status().to_string();
      expect_close(*got, want);
    }
  }
}

TEST(FusedOps, AttentionCausalMatchesExplicitInfinityMask) {
  // Lk > Lq: query i sees keys j <= i + (Lk - Lq), as a decoder with a cache does.
  const Tensor q = random_tensor({1, 2, 4, 8}, 20), k = random_tensor({1, 2, 6, 8}, 21);
  const Tensor v = random_tensor({1, 2, 6, 5}, 22);
  Tensor mask = Tensor::make(DType::kF32, {4, 6}).value();
  for (int64_t i = 0; i < 4; ++i)
    for (int64_t j = 0; j < 6; ++j)
      mask.data<float>()[i * 6 + j] = j > i + 2 ? -std::numeric_limits<float>::infinity() : 0.0f;
  const Tensor want = attention_by_onnx_ops(q, k, v, 0.5f, &mask);
  auto got = run_fused(OpKind::kAttention, {&q, &k, &v, nullptr},
                       {{"scale", float_attr(0.5f)}, {"causal", int_attr(1)}});
  ASSERT_TRUE(got.is_ok()) << got.status().to_string();
  expect_close(*got, want);
}

TEST(FusedOps, BadAttributesAndShapesNameTheNode) {
  const Tensor x = random_tensor({1, 4, 5, 5}, 23), w = random_tensor({6, 3, 3, 3}, 24);
  auto bad_act =
      run_fused(OpKind::kFusedConv, {&x, &w},
                {{"kernel_shape", ints_attr({3, 3})}, {"activation", string_attr("swish")}});
  ASSERT_FALSE(bad_act.is_ok());
  EXPECT_NE(bad_act.status().message().find("swish"), std::string::npos);
  EXPECT_NE(bad_act.status().message().find(test::kNodeName), std::string::npos);
  auto bad_channels =
      run_fused(OpKind::kFusedConv, {&x, &w}, {{"kernel_shape", ints_attr({3, 3})}});
  ASSERT_FALSE(bad_channels.is_ok());
  EXPECT_NE(bad_channels.status().message().find("channels"), std::string::npos);

  const Tensor a = random_tensor({3, 4}, 25), b = random_tensor({4, 5}, 26);
  const Tensor bad_bias = random_tensor({4}, 27);
  auto mm = run_fused(OpKind::kFusedMatMul, {&a, &b, &bad_bias}, {});
  ASSERT_FALSE(mm.is_ok());
  EXPECT_NE(mm.status().message().find("bias"), std::string::npos);
  const Tensor bad_r = random_tensor({3, 4}, 28);
  auto res = run_fused(OpKind::kFusedMatMul, {&a, &b, nullptr, &bad_r}, {});
  ASSERT_FALSE(res.is_ok());
  EXPECT_NE(res.status().message().find("residual"), std::string::npos);

  const Tensor q = random_tensor({1, 2, 3, 4}, 29), k = random_tensor({1, 2, 5, 4}, 30);
  const Tensor v = random_tensor({1, 2, 5, 4}, 31), m = random_tensor({3, 4}, 32);
  auto att = run_fused(OpKind::kAttention, {&q, &k, &v, &m}, {});
  ASSERT_FALSE(att.is_ok());
  EXPECT_NE(att.status().message().find("mask"), std::string::npos);
  auto kt = run_fused(OpKind::kAttention, {&q, &k, &v}, {{"k_transposed", int_attr(1)}});
  ASSERT_FALSE(kt.is_ok());
  EXPECT_NE(kt.status().message().find(test::kNodeName), std::string::npos);
}

TEST(FusedOps, ModelFileNamingAnInternalOpIsRefused) {
  for (const char* op : {"FusedConv", "FusedMatMul", "Attention"}) {
    onnx::ModelProto m;
    m.set_ir_version(8);
    auto* os = m.add_opset_import();
    os->set_domain("");
    os->set_version(13);
    onnx::GraphProto* g = m.mutable_graph();
    g->set_name("g");
    for (const char* name : {"a", "b", "c"}) {
      auto* in = g->add_input();
      in->set_name(name);
      auto* tt = in->mutable_type()->mutable_tensor_type();
      tt->set_elem_type(onnx::TensorProto::FLOAT);
      for (int d = 0; d < 4; ++d) tt->mutable_shape()->add_dim()->set_dim_value(2);
    }
    g->add_output()->set_name("y");
    onnx::NodeProto* n = g->add_node();
    n->set_op_type(op);
    n->set_name("smuggled");
    n->add_input("a");
    n->add_input("b");
    n->add_input("c");
    n->add_output("y");
    const std::string bytes = m.SerializeAsString();
    auto r = onnx_io::load_model_bytes(bytes.data(), bytes.size(), "", {});
    ASSERT_FALSE(r.is_ok()) << op;
    EXPECT_EQ(r.status().code(), StatusCode::kUnsupported) << r.status().to_string();
    EXPECT_NE(r.status().message().find("internal"), std::string::npos) << r.status().to_string();
    EXPECT_NE(r.status().message().find("smuggled"), std::string::npos) << r.status().to_string();
  }
}

}  // namespace
}  // namespace sf
