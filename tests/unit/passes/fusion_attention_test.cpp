// Attention recognition (fuse_patterns -> match_attention) on the shapes BERT and GPT-2 export:
// fused and unfused sessions must agree, the right Attention attributes must be chosen, and
// masks that would broadcast the scores or softmaxes over another axis must stay unfused.
#include <limits>

#include "fusion_test_util.hpp"

namespace sf {
namespace {

using fusion_test::Builder;
using fusion_test::Case;
using fusion_test::check;
using fusion_test::find_op;
using fusion_test::int1;
using fusion_test::ints;
using fusion_test::random_tensor;
using fusion_test::scalar;
using ir::OpKind;
using ir::ValueId;

constexpr int64_t kB = 1, kH = 2, kL = 5, kD = 8;

enum class KForm { kTransposeNode, kArrivesTransposed };
enum class MaskForm { kNone, kAdd, kWhereCausal, kWhereOther, kAddGrowsScores };

Case attention_case(KForm kf, MaskForm mf, bool divide, int64_t softmax_axis = -1) {
  Case c;
  c.make = [=] {
    Builder b;
    const ValueId q = b.input("q", {kB, kH, kL, kD});
    const ValueId v = b.input("v", {kB, kH, kL, kD});
    ValueId kt;
    if (kf == KForm::kTransposeNode) {
      kt = b.node(OpKind::kTranspose, {b.input("k", {kB, kH, kL, kD})},
                  {{"perm", ints({0, 1, 3, 2})}});
    } else {
      kt = b.input("kt", {kB, kH, kD, kL});
    }
    ValueId s = b.node(OpKind::kMatMul, {q, kt});
    s = divide ? b.node(OpKind::kDiv, {s, b.constant("sqrt_d", scalar(2.828427f))})
               : b.node(OpKind::kMul, {b.constant("inv_sqrt_d", scalar(0.35355339f)), s});
    if (mf == MaskForm::kAdd) s = b.node(OpKind::kAdd, {s, b.input("mask", {kB, 1, 1, kL})});
    if (mf == MaskForm::kAddGrowsScores)
      s = b.node(OpKind::kAdd, {s, b.input("mask", {2, 1, 1, kL})});
    if (mf == MaskForm::kWhereCausal || mf == MaskForm::kWhereOther) {
      Tensor cond = Tensor::make(DType::kBool, {1, 1, kL, kL}).value();
      for (int64_t i = 0; i < kL; ++i)
        for (int64_t j = 0; j < kL; ++j)
          cond.data<bool>()[i * kL + j] = mf == MaskForm::kWhereCausal ? j <= i : (i + j) % 3 != 0;
      const float fill = -std::numeric_limits<float>::max();
      s = b.node(OpKind::kWhere,
                 {b.constant("cond", std::move(cond)), s, b.constant("fill", scalar(fill))});
    }
    const ValueId p = b.node(OpKind::kSoftmax, {s}, {{"axis", int1(softmax_axis)}});
    b.output(b.node(OpKind::kMatMul, {p, v}));
    return b.take();
  };
  c.inputs = {{"q", random_tensor({kB, kH, kL, kD}, 51, -2, 2)},
              {"v", random_tensor({kB, kH, kL, kD}, 52)}};
  if (kf == KForm::kTransposeNode)
    c.inputs.push_back({"k", random_tensor({kB, kH, kL, kD}, 53, -2, 2)});
  else
    c.inputs.push_back({"kt", random_tensor({kB, kH, kD, kL}, 53, -2, 2)});
  if (mf == MaskForm::kAdd) {
    Tensor m = random_tensor({kB, 1, 1, kL}, 54);
    m.data<float>()[2] = -10000.0f;  // BERT's padding value
    c.inputs.push_back({"mask", m});
  }
  if (mf == MaskForm::kAddGrowsScores)
    c.inputs.push_back({"mask", random_tensor({2, 1, 1, kL}, 55)});
  return c;
}

const ir::AttentionAttrs& attention_attrs(const rt::Session& s) {
  return find_op(s, OpKind::kAttention)->attrs_as<ir::AttentionAttrs>();
}

TEST(FusionAttention, BertStyleTransposedKeyScaleAndPaddingMask) {
  auto s =
      check(attention_case(KForm::kArrivesTransposed, MaskForm::kAdd, false), {OpKind::kAttention});
  ASSERT_TRUE(s);
  EXPECT_TRUE(attention_attrs(*s).k_transposed);
  EXPECT_FALSE(attention_attrs(*s).causal);
  EXPECT_FLOAT_EQ(attention_attrs(*s).scale, 0.35355339f);
  EXPECT_EQ(find_op(*s, OpKind::kAttention)->inputs.size(), 4u);
}

TEST(FusionAttention, TransposeNodeOfKIsDroppedAndDivideBecomesScale) {
  auto s =
      check(attention_case(KForm::kTransposeNode, MaskForm::kNone, true), {OpKind::kAttention});
  ASSERT_TRUE(s);
  EXPECT_FALSE(attention_attrs(*s).k_transposed);
  EXPECT_NEAR(attention_attrs(*s).scale, 1.0 / 2.828427, 1e-7);
  EXPECT_EQ(find_op(*s, OpKind::kAttention)->inputs.size(), 3u);
}

TEST(FusionAttention, Gpt2CausalWhereBecomesCausal) {
  auto s = check(attention_case(KForm::kArrivesTransposed, MaskForm::kWhereCausal, false),
                 {OpKind::kAttention});
  ASSERT_TRUE(s);
  EXPECT_TRUE(attention_attrs(*s).causal);
  EXPECT_EQ(find_op(*s, OpKind::kAttention)->inputs.size(), 3u);
}

TEST(FusionAttention, OtherConstantWhereBecomesAnAdditiveMask) {
  auto s = check(attention_case(KForm::kTransposeNode, MaskForm::kWhereOther, false),
                 {OpKind::kAttention});
  ASSERT_TRUE(s);
  EXPECT_FALSE(attention_attrs(*s).causal);
  EXPECT_EQ(find_op(*s, OpKind::kAttention)->inputs.size(), 4u);
}

TEST(FusionAttention, MaskThatBroadcastsTheScoresIsNotFused) {
  check(attention_case(KForm::kArrivesTransposed, MaskForm::kAddGrowsScores, false),
        {OpKind::kFusedMatMul, OpKind::kMul, OpKind::kAdd, OpKind::kSoftmax, OpKind::kFusedMatMul});
}

TEST(FusionAttention, SoftmaxOverAnotherAxisIsNotAttention) {
  // The first MatMul absorbs nothing (its output feeds a scale Mul by a scalar, no bias); the
  // second becomes a plain FusedMatMul.
  check(attention_case(KForm::kArrivesTransposed, MaskForm::kNone, false, 2),
        {OpKind::kFusedMatMul, OpKind::kMul, OpKind::kSoftmax, OpKind::kFusedMatMul});
}

}  // namespace
}  // namespace sf
