// Elementwise ops through the reference run functions (rt::run_node): broadcasting corner
// cases, integer edge cases that would be UB in plain C++, defined float->int casts, legacy
// attributes. Expected values come from std:: math, hand arithmetic, or the NumPy expression
// given in the comment next to them.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numbers>
#include <vector>

#include "ir/op_schema.hpp"
#include "op_test_util.hpp"
#include "runtime/session.hpp"

namespace sf::test {
namespace {

using ir::OpKind;

TEST(Elementwise, AddBroadcastsAgainstManualLoop) {
  // [2,3,4] + [3,1]: b[j] is added along the last axis.
  std::vector<float> av(24), bv = {10, 20, 30};
  for (int i = 0; i < 24; ++i) av[static_cast<size_t>(i)] = static_cast<float>(i);
  Tensor a = make_tensor<float>({2, 3, 4}, av);
  Tensor b = make_tensor<float>({3, 1}, bv);
  auto y = run_op(OpKind::kAdd, {&a, &b});
  ASSERT_TRUE(y.is_ok()) << y.status().to_string();
  EXPECT_EQ(y->shape(), (Shape{2, 3, 4}));
  const auto got = values_of<float>(*y);
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 3; ++j)
      for (int k = 0; k < 4; ++k) {
        const int o = (i * 3 + j) * 4 + k;
        EXPECT_EQ(got[static_cast<size_t>(o)], static_cast<float>(o) + bv[static_cast<size_t>(j)]);
      }
}

TEST(Elementwise, SubBroadcastsBothWays) {
  // [3,1] - [1,2] -> [3,2]; numpy: np.array([[1],[2],[3]]) - np.array([[10, 20]])
  Tensor a = make_tensor<int32_t>({3, 1}, {1, 2, 3});
  Tensor b = make_tensor<int32_t>({1, 2}, {10, 20});
  auto y = run_op(OpKind::kSub, {&a, &b});
  ASSERT_TRUE(y.is_ok()) << y.status().to_string();
  EXPECT_EQ(y->shape(), (Shape{3, 2}));
  EXPECT_EQ(values_of<int32_t>(*y), (std::vector<int32_t>{-9, -19, -8, -18, -7, -17}));
}

TEST(Elementwise, ZeroSizeAndScalar) {
  Tensor empty = Tensor::make(DType::kF32, {0, 3}).value();
  Tensor row = make_tensor<float>({3}, {1, 2, 3});
  auto y = run_op(OpKind::kMul, {&empty, &row});
  ASSERT_TRUE(y.is_ok()) << y.status().to_string();
  EXPECT_EQ(y->shape(), (Shape{0, 3}));

  Tensor s = make_tensor<float>({}, {2});
  auto z = run_op(OpKind::kMul, {&s, &row});
  ASSERT_TRUE(z.is_ok());
  EXPECT_EQ(z->shape(), (Shape{3}));
  EXPECT_EQ(values_of<float>(*z), (std::vector<float>{2, 4, 6}));

  Tensor bad = make_tensor<float>({2}, {1, 2});
  EXPECT_FALSE(run_op(OpKind::kAdd, {&row, &bad}).is_ok());
}

TEST(Elementwise, IntegerDivisionIsDefined) {
  // ONNX reference: np.divide(a, b).astype(int32) truncates toward zero.
  constexpr int32_t kMin = std::numeric_limits<int32_t>::min();
  Tensor a = make_tensor<int32_t>({4}, {-7, 7, kMin, 9});
  Tensor b = make_tensor<int32_t>({4}, {2, -2, -1, 3});
  auto y = run_op(OpKind::kDiv, {&a, &b});
  ASSERT_TRUE(y.is_ok()) << y.status().to_string();
  // INT_MIN / -1 overflows; two's complement wrap gives INT_MIN (as NumPy).
  EXPECT_EQ(values_of<int32_t>(*y), (std::vector<int32_t>{-3, -3, kMin, 3}));

  Tensor zero = make_tensor<int32_t>({4}, {1, 1, 0, 1});
  auto e = run_op(OpKind::kDiv, {&a, &zero});
  ASSERT_FALSE(e.is_ok());
  EXPECT_EQ(e.status().code(), StatusCode::kRuntimeError);

  // Float division by zero is IEEE: inf.
  Tensor fa = make_tensor<float>({1}, {1});
  Tensor fz = make_tensor<float>({1}, {0});
  auto f = run_op(OpKind::kDiv, {&fa, &fz});
  ASSERT_TRUE(f.is_ok());
  EXPECT_TRUE(std::isinf(values_of<float>(*f)[0]));
}

TEST(Elementwise, ModSigns) {
  Tensor a = make_tensor<int64_t>({4}, {-7, 7, -7, 7});
  Tensor b = make_tensor<int64_t>({4}, {3, -3, -3, 3});
  // numpy: np.mod([-7, 7, -7, 7], [3, -3, -3, 3]) -> [2, -2, -1, 1]
  auto m = run_op(OpKind::kMod, {&a, &b});
  ASSERT_TRUE(m.is_ok()) << m.status().to_string();
  EXPECT_EQ(values_of<int64_t>(*m), (std::vector<int64_t>{2, -2, -1, 1}));
  // numpy: np.fmod([-7, 7, -7, 7], [3, -3, -3, 3]) -> [-1, 1, -1, 1]
  auto f = run_op(OpKind::kMod, {&a, &b}, {{"fmod", int_attr(1)}});
  ASSERT_TRUE(f.is_ok());
  EXPECT_EQ(values_of<int64_t>(*f), (std::vector<int64_t>{-1, 1, -1, 1}));

  Tensor zero = make_tensor<int64_t>({1}, {0});
  EXPECT_FALSE(run_op(OpKind::kMod, {&a, &zero}).is_ok());
  // Floating-point Mod requires fmod=1.
  Tensor x = make_tensor<float>({1}, {1.5f});
  EXPECT_FALSE(run_op(OpKind::kMod, {&x, &x}).is_ok());
}

TEST(Elementwise, CastFloatToIntSaturates) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  Tensor x = make_tensor<float>({7}, {nan, inf, -inf, 1e20f, -1e20f, -2.7f, 2.7f});
  auto y = run_op(OpKind::kCast, {&x}, {{"to", int_attr(6)}});  // INT32
  ASSERT_TRUE(y.is_ok()) << y.status().to_string();
  constexpr int32_t kMax = std::numeric_limits<int32_t>::max();
  constexpr int32_t kMin = std::numeric_limits<int32_t>::min();
  EXPECT_EQ(values_of<int32_t>(*y), (std::vector<int32_t>{0, kMax, kMin, kMax, kMin, -2, 2}));

  Tensor u = make_tensor<float>({3}, {-5.0f, 300.0f, 254.9f});
  auto yu = run_op(OpKind::kCast, {&u}, {{"to", int_attr(2)}});  // UINT8
  ASSERT_TRUE(yu.is_ok());
  EXPECT_EQ(values_of<uint8_t>(*yu), (std::vector<uint8_t>{0, 255, 254}));

  Tensor big = make_tensor<double>({2}, {9.3e18, -9.3e18});
  auto y64 = run_op(OpKind::kCast, {&big}, {{"to", int_attr(7)}});  // INT64
  ASSERT_TRUE(y64.is_ok());
  EXPECT_EQ(values_of<int64_t>(*y64), (std::vector<int64_t>{std::numeric_limits<int64_t>::max(),
                                                            std::numeric_limits<int64_t>::min()}));

  auto yb = run_op(OpKind::kCast, {&x}, {{"to", int_attr(9)}});  // BOOL: != 0, NaN -> true
  ASSERT_TRUE(yb.is_ok());
  EXPECT_EQ(values_of<bool>(*yb), (std::vector<bool>{true, true, true, true, true, true, true}));
}

TEST(Elementwise, CastOldStringTargetAndIntToFloat) {
  Tensor x = make_tensor<int64_t>({3}, {-3, 0, int64_t{1} << 40});
  auto y = run_op(OpKind::kCast, {&x}, {{"to", string_attr("FLOAT")}}, 1);
  ASSERT_TRUE(y.is_ok()) << y.status().to_string();
  EXPECT_EQ(values_of<float>(*y), (std::vector<float>{-3.0f, 0.0f, 1099511627776.0f}));
  auto s = run_op(OpKind::kCast, {&x}, {{"to", int_attr(8)}});  // STRING
  ASSERT_FALSE(s.is_ok());
  EXPECT_EQ(s.status().code(), StatusCode::kUnsupported);
}

TEST(Elementwise, PowTypes) {
  Tensor a = make_tensor<int32_t>({4}, {2, 3, -1, 5});
  Tensor e = make_tensor<int32_t>({4}, {10, -1, -3, 0});
  auto y = run_op(OpKind::kPow, {&a, &e});
  ASSERT_TRUE(y.is_ok()) << y.status().to_string();
  // 2^10, trunc(1/3), (-1)^-3, 5^0
  EXPECT_EQ(values_of<int32_t>(*y), (std::vector<int32_t>{1024, 0, -1, 1}));

  Tensor fb = make_tensor<float>({3}, {2.0f, 9.0f, -2.0f});
  Tensor ie = make_tensor<int64_t>({1}, {3});
  auto z = run_op(OpKind::kPow, {&fb, &ie});
  ASSERT_TRUE(z.is_ok()) << z.status().to_string();
  EXPECT_EQ(values_of<float>(*z), (std::vector<float>{8.0f, 729.0f, -8.0f}));

  Tensor half = make_tensor<float>({1}, {0.5f});
  auto w = run_op(OpKind::kPow, {&fb, &half});
  ASSERT_TRUE(w.is_ok());
  const auto wv = values_of<float>(*w);
  EXPECT_FLOAT_EQ(wv[0], std::sqrt(2.0f));
  EXPECT_FLOAT_EQ(wv[1], 3.0f);
  EXPECT_TRUE(std::isnan(wv[2]));
}

TEST(Elementwise, ActivationsMatchStdMath) {
  const std::vector<float> xs = {-100.0f, -3.0f, -0.5f, 0.0f, 0.5f, 1.0f, 3.0f, 100.0f};
  Tensor x = make_tensor<float>({8}, xs);
  auto sig = run_op(OpKind::kSigmoid, {&x});
  auto sp = run_op(OpKind::kSoftplus, {&x});
  auto gelu = run_op(OpKind::kGelu, {&x});
  auto gelu_t = run_op(OpKind::kGelu, {&x}, {{"approximate", string_attr("tanh")}});
  auto hs = run_op(OpKind::kHardSwish, {&x});
  auto celu = run_op(OpKind::kCelu, {&x}, {{"alpha", float_attr(2.0f)}});
  ASSERT_TRUE(sig.is_ok() && sp.is_ok() && gelu.is_ok() && gelu_t.is_ok() && hs.is_ok() && celu.is_ok());
  for (size_t i = 0; i < xs.size(); ++i) {
    const double v = xs[i];
    EXPECT_NEAR(values_of<float>(*sig)[i], 1.0 / (1.0 + std::exp(-v)), 1e-7) << v;
    EXPECT_NEAR(values_of<float>(*sp)[i], std::log1p(std::exp(v)), 1e-5 * (1 + std::fabs(v))) << v;
    EXPECT_NEAR(values_of<float>(*gelu)[i], 0.5 * v * (1 + std::erf(v / std::sqrt(2.0))), 1e-5 * (1 + std::fabs(v)));
    const double inner = std::sqrt(2.0 / std::numbers::pi) * (v + 0.044715 * v * v * v);
    EXPECT_NEAR(values_of<float>(*gelu_t)[i], 0.5 * v * (1 + std::tanh(inner)), 1e-5 * (1 + std::fabs(v)));
    EXPECT_NEAR(values_of<float>(*hs)[i], v * std::clamp(v / 6 + 0.5, 0.0, 1.0), 1e-6 * (1 + std::fabs(v)));
    EXPECT_NEAR(values_of<float>(*celu)[i], std::max(0.0, v) + std::min(0.0, 2.0 * (std::exp(v / 2) - 1)), 1e-5);
  }
  EXPECT_FALSE(run_op(OpKind::kGelu, {&x}, {{"approximate", string_attr("fast")}}).is_ok());
  EXPECT_FALSE(run_op(OpKind::kCelu, {&x}, {{"alpha", float_attr(0.0f)}}).is_ok());
}

TEST(Elementwise, RoundHalfToEven) {
  Tensor x = make_tensor<float>({6}, {0.5f, 1.5f, 2.5f, -0.5f, -1.5f, 2.4f});
  auto y = run_op(OpKind::kRound, {&x});
  ASSERT_TRUE(y.is_ok());
  // numpy: np.round([0.5, 1.5, 2.5, -0.5, -1.5, 2.4]) -> [0, 2, 2, -0, -2, 2]
  EXPECT_EQ(values_of<float>(*y), (std::vector<float>{0, 2, 2, -0.0f, -2, 2}));
}

TEST(Elementwise, LegacyBroadcastAttribute) {
  // Opset 6: B of shape [3] with broadcast=1, axis=1 lines up with A's dim 1 of [2,3,2].
  std::vector<float> av(12, 0.0f);
  Tensor a = make_tensor<float>({2, 3, 2}, av);
  Tensor b = make_tensor<float>({3}, {1, 2, 3});
  auto y = run_op(OpKind::kAdd, {&a, &b}, {{"broadcast", int_attr(1)}, {"axis", int_attr(1)}}, 6);
  ASSERT_TRUE(y.is_ok()) << y.status().to_string();
  EXPECT_EQ(values_of<float>(*y), (std::vector<float>{1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3}));
  // Without broadcast=1 the shapes must match.
  EXPECT_FALSE(run_op(OpKind::kAdd, {&a, &b}, {}, 6).is_ok());
}

TEST(Elementwise, PReluSlopePerChannel) {
  Tensor x = make_tensor<float>({1, 2, 2}, {-1, 2, -3, 4});
  Tensor slope = make_tensor<float>({2, 1}, {0.5f, 0.25f});
  auto y = run_op(OpKind::kPRelu, {&x, &slope});
  ASSERT_TRUE(y.is_ok()) << y.status().to_string();
  EXPECT_EQ(values_of<float>(*y), (std::vector<float>{-0.5f, 2, -0.75f, 4}));
  Tensor wide = make_tensor<float>({2, 2, 2}, {1, 1, 1, 1, 1, 1, 1, 1});
  EXPECT_FALSE(run_op(OpKind::kPRelu, {&x, &wide}).is_ok());  // slope may not widen X
}

TEST(Elementwise, ClipBounds) {
  Tensor x = make_tensor<int32_t>({4}, {-5, 0, 5, 10});
  Tensor hi = make_tensor<int32_t>({}, {4});
  auto y = run_op(OpKind::kClip, {&x, nullptr, &hi});
  ASSERT_TRUE(y.is_ok()) << y.status().to_string();
  EXPECT_EQ(values_of<int32_t>(*y), (std::vector<int32_t>{-5, 0, 4, 4}));
  // min > max: every value becomes max (numpy: np.minimum(np.maximum(x, 6), 4)).
  Tensor lo = make_tensor<int32_t>({}, {6});
  auto z = run_op(OpKind::kClip, {&x, &lo, &hi});
  ASSERT_TRUE(z.is_ok());
  EXPECT_EQ(values_of<int32_t>(*z), (std::vector<int32_t>{4, 4, 4, 4}));
  // Opset 6 bounds are attributes.
  Tensor f = make_tensor<float>({3}, {-2, 0.5f, 2});
  auto w = run_op(OpKind::kClip, {&f}, {{"min", float_attr(-1)}, {"max", float_attr(1)}}, 6);
  ASSERT_TRUE(w.is_ok()) << w.status().to_string();
  EXPECT_EQ(values_of<float>(*w), (std::vector<float>{-1, 0.5f, 1}));
}

TEST(Elementwise, VariadicMaxPropagatesNaNAndBroadcasts) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  Tensor a = make_tensor<float>({2, 1}, {1, nan});
  Tensor b = make_tensor<float>({3}, {0, 2, 4});
  Tensor c = make_tensor<float>({}, {3});
  auto y = run_op(OpKind::kMax, {&a, &b, &c});
  ASSERT_TRUE(y.is_ok()) << y.status().to_string();
  EXPECT_EQ(y->shape(), (Shape{2, 3}));
  const auto v = values_of<float>(*y);
  // numpy: np.maximum(np.maximum([[1], [nan]], [0, 2, 4]), 3)
  EXPECT_EQ(v[0], 3);
  EXPECT_EQ(v[1], 3);
  EXPECT_EQ(v[2], 4);
  EXPECT_TRUE(std::isnan(v[3]) && std::isnan(v[4]) && std::isnan(v[5]));

  auto m = run_op(OpKind::kMean, {&b, &c});
  ASSERT_TRUE(m.is_ok());
  EXPECT_EQ(values_of<float>(*m), (std::vector<float>{1.5f, 2.5f, 3.5f}));
}

TEST(Elementwise, WhereBroadcastsThreeWays) {
  Tensor cond = make_tensor<bool>({2, 1}, {true, false});
  Tensor x = make_tensor<int64_t>({3}, {1, 2, 3});
  Tensor other = make_tensor<int64_t>({}, {-1});
  auto y = run_op(OpKind::kWhere, {&cond, &x, &other});
  ASSERT_TRUE(y.is_ok()) << y.status().to_string();
  EXPECT_EQ(y->shape(), (Shape{2, 3}));
  EXPECT_EQ(values_of<int64_t>(*y), (std::vector<int64_t>{1, 2, 3, -1, -1, -1}));
}

TEST(Elementwise, BitShiftPastWidthIsZero) {
  Tensor a = make_tensor<uint8_t>({3}, {1, 1, 255});
  Tensor s = make_tensor<uint8_t>({3}, {7, 8, 1});
  auto y = run_op(OpKind::kBitShift, {&a, &s}, {{"direction", string_attr("LEFT")}});
  ASSERT_TRUE(y.is_ok()) << y.status().to_string();
  EXPECT_EQ(values_of<uint8_t>(*y), (std::vector<uint8_t>{128, 0, 254}));
}

TEST(Elementwise, IntegerAddAndNegWrap) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  Tensor a = make_tensor<int64_t>({2}, {kMax, kMin});
  Tensor one = make_tensor<int64_t>({}, {1});
  auto y = run_op(OpKind::kAdd, {&a, &one});
  ASSERT_TRUE(y.is_ok());
  EXPECT_EQ(values_of<int64_t>(*y), (std::vector<int64_t>{kMin, kMin + 1}));
  auto n = run_op(OpKind::kNeg, {&a});
  ASSERT_TRUE(n.is_ok());
  EXPECT_EQ(values_of<int64_t>(*n), (std::vector<int64_t>{kMin + 1, kMin}));
}

TEST(Elementwise, IsInfFlags) {
  const float inf = std::numeric_limits<float>::infinity();
  Tensor x = make_tensor<float>({3}, {inf, -inf, 1});
  auto y = run_op(OpKind::kIsInf, {&x}, {{"detect_negative", int_attr(0)}});
  ASSERT_TRUE(y.is_ok());
  EXPECT_EQ(values_of<bool>(*y), (std::vector<bool>{true, false, false}));
}

TEST(Elementwise, Float16ComputesInFloat) {
  Tensor a = make_tensor<Float16>({2}, {Float16(1.5f), Float16(-2.0f)});
  Tensor b = make_tensor<Float16>({1}, {Float16(0.25f)});
  auto y = run_op(OpKind::kMul, {&a, &b});
  ASSERT_TRUE(y.is_ok()) << y.status().to_string();
  EXPECT_EQ(static_cast<float>(y->data<Float16>()[0]), 0.375f);
  EXPECT_EQ(static_cast<float>(y->data<Float16>()[1]), -0.5f);
}

TEST(Elementwise, TypeChecks) {
  Tensor i = make_tensor<int32_t>({1}, {1});
  Tensor f = make_tensor<float>({1}, {1});
  EXPECT_FALSE(run_op(OpKind::kAdd, {&i, &f}).is_ok());  // mixed types
  EXPECT_FALSE(run_op(OpKind::kSqrt, {&i}).is_ok());     // float only
  EXPECT_FALSE(run_op(OpKind::kAnd, {&i, &i}).is_ok());  // bool only
}

}  // namespace
}  // namespace sf::test
