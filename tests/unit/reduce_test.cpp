// Reduce-family ops through the reference run functions (rt::run_node): axes handling across
// opsets, empty reductions, integer wrap-around, NaN and tie rules, softmax coercion before
// opset 13, CumSum/TopK corner cases, the losses, and the errors malformed nodes must give.
// Expected values are hand arithmetic, std:: math evaluated in long double inside the test, or
// the NumPy expression given next to them.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "ir/op_schema.hpp"
#include "op_test_util.hpp"
#include "runtime/session.hpp"

namespace sf::test {
namespace {

using ir::OpKind;

constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

// ---------------------------------------------------------------------------------------------
// Reductions

TEST(Reduce, SumAxesInputNegativeNoKeepdims) {
  const Tensor x = make_tensor<float>({2, 3}, {1, 2, 3, 4, 5, 6});
  const Tensor axes = make_tensor<int64_t>({1}, {-1});
  auto y = run_op(OpKind::kReduceSum, {&x, &axes}, {{"keepdims", int_attr(0)}}, 13);
  ASSERT_TRUE(y.is_ok()) << y.status().message();
  EXPECT_EQ(y->shape(), (Shape{2}));
  EXPECT_EQ(values_of<float>(*y), (std::vector<float>{6, 15}));
}

TEST(Reduce, SumAxesAttributeBeforeOpset13) {
  const Tensor x = make_tensor<float>({2, 3}, {1, 2, 3, 4, 5, 6});
  auto y = run_op(OpKind::kReduceSum, {&x}, {{"axes", ints_attr({0})}}, 11);
  ASSERT_TRUE(y.is_ok()) << y.status().message();
  EXPECT_EQ(y->shape(), (Shape{1, 3}));
  EXPECT_EQ(values_of<float>(*y), (std::vector<float>{5, 7, 9}));
}

TEST(Reduce, EmptyAxesReduceAllOrNoop) {
  const Tensor x = make_tensor<float>({2, 2}, {1, 2, 3, 4});
  const Tensor empty = make_tensor<int64_t>({0}, {});
  auto all = run_op(OpKind::kReduceSum, {&x, &empty}, {}, 13);
  ASSERT_TRUE(all.is_ok()) << all.status().message();
  EXPECT_EQ(all->shape(), (Shape{1, 1}));
  EXPECT_EQ(values_of<float>(*all), (std::vector<float>{10}));
  auto noop = run_op(OpKind::kReduceSum, {&x, &empty}, {{"noop_with_empty_axes", int_attr(1)}}, 13);
  ASSERT_TRUE(noop.is_ok()) << noop.status().message();
  EXPECT_EQ(noop->shape(), (Shape{2, 2}));
  EXPECT_EQ(values_of<float>(*noop), (std::vector<float>{1, 2, 3, 4}));
  auto absent = run_op(OpKind::kReduceSum, {&x}, {{"noop_with_empty_axes", int_attr(1)}}, 13);
  ASSERT_TRUE(absent.is_ok()) << absent.status().message();
  EXPECT_EQ(absent->shape(), (Shape{2, 2}));
  auto mean = run_op(OpKind::kReduceMean, {&x}, {{"keepdims", int_attr(0)}}, 13);
  ASSERT_TRUE(mean.is_ok()) << mean.status().message();
  EXPECT_EQ(mean->shape(), (Shape{}));
  EXPECT_EQ(values_of<float>(*mean), (std::vector<float>{2.5f}));
}

TEST(Reduce, MiddleAxesOf3D) {
  // x[i,j,k] = 100 i + 10 j + k over [2,3,2]; reduce axes {0,2}: sum_i sum_k = 2*(100*1) ...
  std::vector<float> v;
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 3; ++j)
      for (int k = 0; k < 2; ++k) v.push_back(static_cast<float>(100 * i + 10 * j + k));
  const Tensor x = make_tensor<float>({2, 3, 2}, v);
  auto y = run_op(OpKind::kReduceSum, {&x}, {{"axes", ints_attr({2, 0})}}, 11);
  ASSERT_TRUE(y.is_ok()) << y.status().message();
  EXPECT_EQ(y->shape(), (Shape{1, 3, 1}));
  // sum over i in {0,1}, k in {0,1} of 100 i + 10 j + k = 200 + 40 j + 2
  EXPECT_EQ(values_of<float>(*y), (std::vector<float>{202, 242, 282}));
}

TEST(Reduce, EmptySetGivesIdentity) {
  const Tensor x = Tensor::make(DType::kF32, {2, 0}).value();
  struct Case {
    OpKind op;
    float expect;
  };
  for (const Case& c : {Case{OpKind::kReduceSum, 0.f}, Case{OpKind::kReduceProd, 1.f},
                        Case{OpKind::kReduceMax, -kInf}, Case{OpKind::kReduceMin, kInf},
                        Case{OpKind::kReduceL1, 0.f}, Case{OpKind::kReduceL2, 0.f},
                        Case{OpKind::kReduceSumSquare, 0.f}, Case{OpKind::kReduceLogSum, -kInf},
                        Case{OpKind::kReduceLogSumExp, -kInf}}) {
    auto y = run_op(c.op, {&x}, {{"axes", ints_attr({1})}}, 11);
    ASSERT_TRUE(y.is_ok()) << y.status().message();
    EXPECT_EQ(y->shape(), (Shape{2, 1}));
    EXPECT_EQ(values_of<float>(*y), (std::vector<float>{c.expect, c.expect}))
        << ir::op_name(c.op);
  }
  auto mean = run_op(OpKind::kReduceMean, {&x}, {{"axes", ints_attr({1})}}, 11);
  ASSERT_TRUE(mean.is_ok());
  EXPECT_TRUE(std::isnan(values_of<float>(*mean)[0]));  // np.mean of an empty set
  const Tensor xi = Tensor::make(DType::kI32, {0, 3}).value();
  auto maxi =
      run_op(OpKind::kReduceMax, {&xi}, {{"axes", ints_attr({0})}, {"keepdims", int_attr(0)}});
  ASSERT_TRUE(maxi.is_ok());
  EXPECT_EQ(values_of<int32_t>(*maxi), std::vector<int32_t>(3, std::numeric_limits<int32_t>::min()));
}

TEST(Reduce, ZeroSizeKeptDimGivesEmptyOutput) {
  const Tensor x = Tensor::make(DType::kF32, {0, 3}).value();
  auto y = run_op(OpKind::kReduceSum, {&x}, {{"axes", ints_attr({1})}}, 11);
  ASSERT_TRUE(y.is_ok());
  EXPECT_EQ(y->shape(), (Shape{0, 1}));
}

TEST(Reduce, IntegerSumWrapsLikeNumPy) {
  const int32_t big = std::numeric_limits<int32_t>::max();
  const Tensor x = make_tensor<int32_t>({2}, {big, 1});
  auto y = run_op(OpKind::kReduceSum, {&x}, {}, 11);
  ASSERT_TRUE(y.is_ok());
  // np.array([2**31-1, 1], np.int32).sum(dtype=np.int32) == -2**31
  EXPECT_EQ(values_of<int32_t>(*y), (std::vector<int32_t>{std::numeric_limits<int32_t>::min()}));
  const Tensor u = make_tensor<uint8_t>({3}, {200, 7, 255});
  auto mx = run_op(OpKind::kReduceMax, {&u}, {}, 13);
  ASSERT_TRUE(mx.is_ok());
  EXPECT_EQ(values_of<uint8_t>(*mx), (std::vector<uint8_t>{255}));
  const Tensor s = make_tensor<int8_t>({3}, {-128, 5, 127});
  auto mn = run_op(OpKind::kReduceMin, {&s}, {}, 13);
  ASSERT_TRUE(mn.is_ok());
  EXPECT_EQ(values_of<int8_t>(*mn), (std::vector<int8_t>{-128}));
  // Mean of integers truncates toward zero: int(np.mean([-3, -4])) == -3
  const Tensor m = make_tensor<int64_t>({2}, {-3, -4});
  auto mean = run_op(OpKind::kReduceMean, {&m}, {}, 13);
  ASSERT_TRUE(mean.is_ok());
  EXPECT_EQ(values_of<int64_t>(*mean), (std::vector<int64_t>{-3}));
}

TEST(Reduce, NormsAndLogs) {
  const Tensor x = make_tensor<double>({1, 3}, {3, -4, 12});
  auto l1 = run_op(OpKind::kReduceL1, {&x}, {{"axes", ints_attr({1})}}, 13);
  auto l2 = run_op(OpKind::kReduceL2, {&x}, {{"axes", ints_attr({1})}}, 13);
  auto ss = run_op(OpKind::kReduceSumSquare, {&x}, {{"axes", ints_attr({1})}}, 13);
  auto pr = run_op(OpKind::kReduceProd, {&x}, {{"axes", ints_attr({1})}}, 13);
  ASSERT_TRUE(l1.is_ok() && l2.is_ok() && ss.is_ok() && pr.is_ok());
  EXPECT_EQ(values_of<double>(*l1)[0], 19);
  EXPECT_EQ(values_of<double>(*l2)[0], 13);
  EXPECT_EQ(values_of<double>(*ss)[0], 169);
  EXPECT_EQ(values_of<double>(*pr)[0], -144);
  const Tensor big = make_tensor<float>({2}, {1000, 1000});
  auto lse = run_op(OpKind::kReduceLogSumExp, {&big}, {}, 13);
  ASSERT_TRUE(lse.is_ok());
  EXPECT_NEAR(values_of<float>(*lse)[0], 1000 + std::log(2.0), 1e-3);
  const Tensor pos = make_tensor<float>({2}, {1, std::exp(1.0f) - 1});
  auto ls = run_op(OpKind::kReduceLogSum, {&pos}, {}, 13);
  ASSERT_TRUE(ls.is_ok());
  EXPECT_NEAR(values_of<float>(*ls)[0], 1.0f, 1e-6);
}

TEST(Reduce, MaxPropagatesNaN) {
  const Tensor x = make_tensor<float>({2, 2}, {1, kNaN, 3, 2});
  auto y = run_op(OpKind::kReduceMax, {&x}, {{"axes", ints_attr({1})}}, 13);
  ASSERT_TRUE(y.is_ok());
  const auto v = values_of<float>(*y);
  EXPECT_TRUE(std::isnan(v[0]));
  EXPECT_EQ(v[1], 3);
}

TEST(Reduce, Float16AccumulatesInWideType) {
  // 4096 ones summed in float16 arithmetic would stall at 2048; the kernel accumulates wider.
  const Tensor x = make_tensor<Float16>({4096}, std::vector<Float16>(4096, Float16(1.0f)));
  auto y = run_op(OpKind::kReduceSum, {&x}, {}, 13);
  ASSERT_TRUE(y.is_ok());
  EXPECT_EQ(static_cast<float>(values_of<Float16>(*y)[0]), 4096.0f);
}

TEST(Reduce, BadAxesAreErrors) {
  const Tensor x = make_tensor<float>({2, 3}, {1, 2, 3, 4, 5, 6});
  EXPECT_FALSE(run_op(OpKind::kReduceMean, {&x}, {{"axes", ints_attr({1, -1})}}, 13).is_ok());
  EXPECT_FALSE(run_op(OpKind::kReduceMean, {&x}, {{"axes", ints_attr({2})}}, 13).is_ok());
  EXPECT_FALSE(run_op(OpKind::kReduceMean, {&x}, {{"keepdims", int_attr(2)}}, 13).is_ok());
  const Tensor axes = make_tensor<int64_t>({1}, {0});
  EXPECT_FALSE(run_op(OpKind::kReduceSum, {&x, &axes}, {}, 11).is_ok());  // input axes before 13
  EXPECT_FALSE(run_op(OpKind::kReduceSum, {&x}, {{"axes", ints_attr({0})}}, 13).is_ok());
  const Tensor bad = make_tensor<int64_t>({1}, {-3});
  auto r = run_op(OpKind::kReduceSum, {&x, &bad}, {}, 13);
  ASSERT_FALSE(r.is_ok());
  EXPECT_NE(r.status().message().find("-3"), std::string::npos) << r.status().message();
}

TEST(Reduce, StaticInferenceWithUnknownAxes) {
  ir::Node node = make_node(OpKind::kReduceSum, 13, 2, 1);
  ASSERT_TRUE(ir::parse_node(node).is_ok());
  std::vector<ir::InferInput> in(2);
  in[0] = ir::InferInput{true, DType::kF32, Shape{4, kUnknownDim, 5}, nullptr};
  in[1] = ir::InferInput{true, DType::kI64, Shape{1}, nullptr};
  ir::InferContext ctx(node, in);
  ASSERT_TRUE(ir::infer_node(ctx).is_ok());
  ASSERT_TRUE(ctx.out[0].shape.has_value());
  EXPECT_EQ(*ctx.out[0].shape, (Shape{kUnknownDim, kUnknownDim, kUnknownDim}));
}

// ---------------------------------------------------------------------------------------------
// ArgMax / ArgMin

TEST(ArgReduce, TiesFirstOrLast) {
  const Tensor x = make_tensor<float>({2, 3}, {2, 5, 5, 1, 1, 0});
  auto first = run_op(OpKind::kArgMax, {&x}, {{"axis", int_attr(1)}});
  auto last =
      run_op(OpKind::kArgMax, {&x}, {{"axis", int_attr(-1)}, {"select_last_index", int_attr(1)}});
  auto mn = run_op(OpKind::kArgMin, {&x}, {{"axis", int_attr(0)}, {"keepdims", int_attr(0)}});
  ASSERT_TRUE(first.is_ok() && last.is_ok() && mn.is_ok());
  EXPECT_EQ(first->shape(), (Shape{2, 1}));
  EXPECT_EQ(values_of<int64_t>(*first), (std::vector<int64_t>{1, 0}));
  EXPECT_EQ(values_of<int64_t>(*last), (std::vector<int64_t>{2, 1}));
  EXPECT_EQ(mn->shape(), (Shape{3}));
  EXPECT_EQ(values_of<int64_t>(*mn), (std::vector<int64_t>{1, 1, 1}));
}

TEST(ArgReduce, NaNWinsLikeNumPy) {
  // np.argmax([1, nan, 3]) == 1 and np.argmin([1, nan, 3]) == 1
  const Tensor x = make_tensor<float>({3}, {1, kNaN, 3});
  auto mx = run_op(OpKind::kArgMax, {&x}, {});
  auto mn = run_op(OpKind::kArgMin, {&x}, {});
  ASSERT_TRUE(mx.is_ok() && mn.is_ok());
  EXPECT_EQ(values_of<int64_t>(*mx)[0], 1);
  EXPECT_EQ(values_of<int64_t>(*mn)[0], 1);
}

TEST(ArgReduce, EmptyAxisIsAnError) {
  const Tensor x = Tensor::make(DType::kF32, {2, 0}).value();
  auto r = run_op(OpKind::kArgMax, {&x}, {{"axis", int_attr(1)}});
  EXPECT_FALSE(r.is_ok());
  auto ok = run_op(OpKind::kArgMax, {&x}, {{"axis", int_attr(0)}});  // output [1, 0]: nothing to do
  ASSERT_TRUE(ok.is_ok()) << ok.status().message();
  EXPECT_EQ(ok->shape(), (Shape{1, 0}));
  EXPECT_FALSE(run_op(OpKind::kArgMax, {&x}, {{"axis", int_attr(2)}}).is_ok());
}

// ---------------------------------------------------------------------------------------------
// Softmax family

std::vector<float> softmax_ld(const std::vector<float>& row) {
  long double m = row[0], s = 0;
  for (float v : row) m = std::max<long double>(m, v);
  for (float v : row) s += std::exp(static_cast<long double>(v) - m);
  std::vector<float> out;
  for (float v : row) out.push_back(static_cast<float>(std::exp(v - m) / s));
  return out;
}

TEST(Softmax, Opset11CoercesTo2D) {
  const std::vector<float> v = {0, 1, 2, 3, 4, 5, 6, 7};
  const Tensor x = make_tensor<float>({2, 2, 2}, v);
  auto y11 = run_op(OpKind::kSoftmax, {&x}, {}, 11);  // axis 1: rows of 4
  auto y13 = run_op(OpKind::kSoftmax, {&x}, {{"axis", int_attr(1)}}, 13);  // over dim 1 only
  ASSERT_TRUE(y11.is_ok() && y13.is_ok());
  const auto a = softmax_ld({0, 1, 2, 3});
  const auto b = softmax_ld({4, 5, 6, 7});
  std::vector<float> expect11 = a;
  expect11.insert(expect11.end(), b.begin(), b.end());
  const auto got11 = values_of<float>(*y11);
  for (size_t i = 0; i < 8; ++i) EXPECT_NEAR(got11[i], expect11[i], 1e-7) << i;
  // opset 13, axis 1: pairs (x[i,0,k], x[i,1,k]) differ by 2 -> softmax([0, 2])
  const auto p = softmax_ld({0, 2});
  const std::vector<float> expect13 = {p[0], p[0], p[1], p[1], p[0], p[0], p[1], p[1]};
  const auto got13 = values_of<float>(*y13);
  for (size_t i = 0; i < 8; ++i) EXPECT_NEAR(got13[i], expect13[i], 1e-7) << i;
}

TEST(Softmax, WideRowMatchesLongDouble) {
  std::mt19937 gen(42);
  std::normal_distribution<float> dist(0.f, 4.f);
  std::vector<float> row(768);
  for (float& v : row) v = dist(gen);
  const Tensor x = make_tensor<float>({1, 768}, row);
  auto y = run_op(OpKind::kSoftmax, {&x}, {}, 13);
  auto ly = run_op(OpKind::kLogSoftmax, {&x}, {}, 13);
  ASSERT_TRUE(y.is_ok() && ly.is_ok());
  const auto expect = softmax_ld(row);
  const auto got = values_of<float>(*y);
  const auto lgot = values_of<float>(*ly);
  for (size_t i = 0; i < row.size(); ++i) {
    EXPECT_NEAR(got[i], expect[i], 1e-6 * expect[i] + 1e-12) << i;
    EXPECT_NEAR(lgot[i], std::log(static_cast<long double>(expect[i])), 1e-5) << i;
  }
}

TEST(Softmax, LargeValuesAreStable) {
  const Tensor x = make_tensor<float>({2}, {1000, 0});
  auto ls = run_op(OpKind::kLogSoftmax, {&x}, {}, 13);
  auto s = run_op(OpKind::kSoftmax, {&x}, {}, 13);
  ASSERT_TRUE(ls.is_ok() && s.is_ok());
  EXPECT_EQ(values_of<float>(*ls), (std::vector<float>{0, -1000}));
  EXPECT_EQ(values_of<float>(*s), (std::vector<float>{1, 0}));
}

TEST(Softmax, HardmaxFirstMaximum) {
  const Tensor x = make_tensor<float>({2, 3}, {1, 3, 3, 2, 2, 2});
  auto y = run_op(OpKind::kHardmax, {&x}, {}, 13);
  ASSERT_TRUE(y.is_ok());
  EXPECT_EQ(values_of<float>(*y), (std::vector<float>{0, 1, 0, 1, 0, 0}));
  auto y0 = run_op(OpKind::kHardmax, {&x}, {{"axis", int_attr(0)}}, 11);  // whole tensor is one row
  ASSERT_TRUE(y0.is_ok());
  EXPECT_EQ(values_of<float>(*y0), (std::vector<float>{0, 1, 0, 0, 0, 0}));
}

TEST(Softmax, BadAxisAndType) {
  const Tensor x = make_tensor<float>({2, 3}, {1, 2, 3, 4, 5, 6});
  EXPECT_FALSE(run_op(OpKind::kSoftmax, {&x}, {{"axis", int_attr(2)}}, 13).is_ok());
  EXPECT_FALSE(run_op(OpKind::kSoftmax, {&x}, {{"axis", int_attr(-3)}}, 11).is_ok());
  const Tensor xi = make_tensor<int32_t>({2}, {1, 2});
  EXPECT_FALSE(run_op(OpKind::kSoftmax, {&xi}, {}, 13).is_ok());
}

// ---------------------------------------------------------------------------------------------
// CumSum

TEST(CumSum, ExclusiveReverse) {
  const Tensor x = make_tensor<float>({4}, {1, 2, 3, 4});
  const Tensor axis = make_tensor<int32_t>({}, {0});
  auto inc = run_op(OpKind::kCumSum, {&x, &axis}, {});
  auto exrev = run_op(OpKind::kCumSum, {&x, &axis},
                   {{"exclusive", int_attr(1)}, {"reverse", int_attr(1)}});
  ASSERT_TRUE(inc.is_ok() && exrev.is_ok());
  EXPECT_EQ(values_of<float>(*inc), (std::vector<float>{1, 3, 6, 10}));
  EXPECT_EQ(values_of<float>(*exrev), (std::vector<float>{9, 7, 4, 0}));
}

TEST(CumSum, NegativeAxisIntegers) {
  const Tensor x = make_tensor<int64_t>({2, 3}, {1, 2, 3, 4, 5, 6});
  const Tensor axis = make_tensor<int64_t>({1}, {-2});
  auto y = run_op(OpKind::kCumSum, {&x, &axis}, {});
  ASSERT_TRUE(y.is_ok());
  EXPECT_EQ(values_of<int64_t>(*y), (std::vector<int64_t>{1, 2, 3, 5, 7, 9}));
  const Tensor bad = make_tensor<int64_t>({1}, {2});
  EXPECT_FALSE(run_op(OpKind::kCumSum, {&x, &bad}, {}).is_ok());
  const Tensor two = make_tensor<int64_t>({2}, {0, 1});
  EXPECT_FALSE(run_op(OpKind::kCumSum, {&x, &two}, {}).is_ok());
}

// ---------------------------------------------------------------------------------------------
// TopK

TEST(TopK, TiesByLowerIndex) {
  const Tensor x = make_tensor<float>({2, 4}, {1, 3, 3, 2, 5, 5, 5, 0});
  const Tensor k = make_tensor<int64_t>({1}, {2});
  auto out = run_op_outputs(OpKind::kTopK, {&x, &k}, {}, 11, 2);
  ASSERT_TRUE(out.is_ok()) << out.status().message();
  EXPECT_EQ((*out)[0].shape(), (Shape{2, 2}));
  EXPECT_EQ(values_of<float>((*out)[0]), (std::vector<float>{3, 3, 5, 5}));
  EXPECT_EQ(values_of<int64_t>((*out)[1]), (std::vector<int64_t>{1, 2, 0, 1}));
  auto small = run_op_outputs(OpKind::kTopK, {&x, &k},
                              {{"largest", int_attr(0)}, {"axis", int_attr(0)}}, 11, 2);
  ASSERT_TRUE(small.is_ok());
  EXPECT_EQ((*small)[0].shape(), (Shape{2, 4}));
  EXPECT_EQ(values_of<float>((*small)[0]), (std::vector<float>{1, 3, 3, 0, 5, 5, 5, 2}));
  EXPECT_EQ(values_of<int64_t>((*small)[1]), (std::vector<int64_t>{0, 0, 0, 1, 1, 1, 1, 0}));
}

TEST(TopK, Opset1AttributeAndErrors) {
  const Tensor x = make_tensor<int32_t>({5}, {4, 9, 1, 9, 7});
  auto out = run_op_outputs(OpKind::kTopK, {&x}, {{"k", int_attr(3)}}, 1, 2);
  ASSERT_TRUE(out.is_ok()) << out.status().message();
  EXPECT_EQ(values_of<int32_t>((*out)[0]), (std::vector<int32_t>{9, 9, 7}));
  EXPECT_EQ(values_of<int64_t>((*out)[1]), (std::vector<int64_t>{1, 3, 4}));
  const Tensor k6 = make_tensor<int64_t>({1}, {6});
  EXPECT_FALSE(run_op_outputs(OpKind::kTopK, {&x, &k6}, {}, 11, 2).is_ok());
  const Tensor kneg = make_tensor<int64_t>({1}, {-1});
  EXPECT_FALSE(run_op_outputs(OpKind::kTopK, {&x, &kneg}, {}, 11, 2).is_ok());
  EXPECT_FALSE(run_op_outputs(OpKind::kTopK, {&x}, {}, 11, 2).is_ok());  // K input missing
  const Tensor k0 = make_tensor<int64_t>({1}, {0});
  auto none = run_op_outputs(OpKind::kTopK, {&x, &k0}, {}, 11, 2);
  ASSERT_TRUE(none.is_ok());
  EXPECT_EQ((*none)[0].shape(), (Shape{0}));
}

// ---------------------------------------------------------------------------------------------
// Losses

TEST(Loss, NllWeightsIgnoreIndexMean) {
  // input [N=2, C=3], labels {2, 1(ignored)}, weights {1, 2, 4}
  const Tensor x = make_tensor<float>({2, 3}, {-1, -2, -3, -4, -5, -6});
  const Tensor labels = make_tensor<int64_t>({2}, {2, 1});
  const Tensor w = make_tensor<float>({3}, {1, 2, 4});
  auto mean = run_op(OpKind::kNegativeLogLikelihoodLoss, {&x, &labels, &w},
                  {{"ignore_index", int_attr(1)}}, 13);
  ASSERT_TRUE(mean.is_ok()) << mean.status().message();
  EXPECT_EQ(mean->shape(), (Shape{}));
  EXPECT_FLOAT_EQ(values_of<float>(*mean)[0], 4 * 3.0f / 4);  // (4*3 + 0) / (4 + 0)
  auto none = run_op(OpKind::kNegativeLogLikelihoodLoss, {&x, &labels, &w},
                  {{"reduction", string_attr("none")}}, 13);
  ASSERT_TRUE(none.is_ok());
  EXPECT_EQ(values_of<float>(*none), (std::vector<float>{12, 10}));
  auto sum = run_op(OpKind::kNegativeLogLikelihoodLoss, {&x, &labels},
                 {{"reduction", string_attr("sum")}}, 13);
  ASSERT_TRUE(sum.is_ok());
  EXPECT_EQ(values_of<float>(*sum), (std::vector<float>{8}));
}

TEST(Loss, NllBadLabelAndAttributes) {
  const Tensor x = make_tensor<float>({2, 3}, {-1, -2, -3, -4, -5, -6});
  const Tensor labels = make_tensor<int32_t>({2}, {0, 3});
  auto r = run_op(OpKind::kNegativeLogLikelihoodLoss, {&x, &labels}, {}, 13);
  ASSERT_FALSE(r.is_ok());
  EXPECT_NE(r.status().message().find("label 3"), std::string::npos) << r.status().message();
  const Tensor ok_labels = make_tensor<int32_t>({2}, {0, 1});
  EXPECT_FALSE(run_op(OpKind::kNegativeLogLikelihoodLoss, {&x, &ok_labels},
                   {{"reduction", string_attr("avg")}}, 13)
                   .is_ok());
  const Tensor wrong_shape = make_tensor<int32_t>({3}, {0, 1, 2});
  EXPECT_FALSE(run_op(OpKind::kNegativeLogLikelihoodLoss, {&x, &wrong_shape}, {}, 13).is_ok());
  const Tensor w2 = make_tensor<float>({2}, {1, 1});
  EXPECT_FALSE(run_op(OpKind::kNegativeLogLikelihoodLoss, {&x, &ok_labels, &w2}, {}, 13).is_ok());
}

TEST(Loss, SoftmaxCrossEntropyWithLogProb) {
  // scores [N=1, C=2, D=2]: positions d=0: (0, ln 3) and d=1: (2, 2); labels {1, 0}
  const float ln3 = std::log(3.0f);
  const Tensor x = make_tensor<float>({1, 2, 2}, {0, 2, ln3, 2});
  const Tensor labels = make_tensor<int64_t>({1, 2}, {1, 0});
  auto out = run_op_outputs(OpKind::kSoftmaxCrossEntropyLoss, {&x, &labels},
                     {{"reduction", string_attr("none")}}, 13, 2);
  ASSERT_TRUE(out.is_ok()) << out.status().message();
  // d=0: softmax = (1/4, 3/4) -> loss -log(3/4); d=1: (1/2, 1/2) -> loss log 2
  const auto loss = values_of<float>((*out)[0]);
  EXPECT_EQ((*out)[0].shape(), (Shape{1, 2}));
  EXPECT_NEAR(loss[0], -std::log(0.75), 1e-6);
  EXPECT_NEAR(loss[1], std::log(2.0), 1e-6);
  const auto lp = values_of<float>((*out)[1]);
  EXPECT_EQ((*out)[1].shape(), (Shape{1, 2, 2}));
  EXPECT_NEAR(lp[0], std::log(0.25), 1e-6);
  EXPECT_NEAR(lp[1], std::log(0.5), 1e-6);
  EXPECT_NEAR(lp[2], std::log(0.75), 1e-6);
  EXPECT_NEAR(lp[3], std::log(0.5), 1e-6);
  auto mean = run_op(OpKind::kSoftmaxCrossEntropyLoss, {&x, &labels}, {}, 13);
  ASSERT_TRUE(mean.is_ok());
  EXPECT_NEAR(values_of<float>(*mean)[0], (-std::log(0.75) + std::log(2.0)) / 2, 1e-6);
}

TEST(Loss, AllIgnoredMeanIsNaN) {
  // ONNX reference: sum(loss) / sum(weights) = 0 / 0
  const Tensor x = make_tensor<float>({2, 2}, {0, 1, 2, 3});
  const Tensor labels = make_tensor<int64_t>({2}, {-1, -1});
  auto y = run_op(OpKind::kSoftmaxCrossEntropyLoss, {&x, &labels}, {{"ignore_index", int_attr(-1)}},
               13);
  ASSERT_TRUE(y.is_ok()) << y.status().message();
  EXPECT_TRUE(std::isnan(values_of<float>(*y)[0]));
}

}  // namespace
}  // namespace sf::test
