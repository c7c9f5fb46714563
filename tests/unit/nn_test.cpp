// nn ops (pooling, normalisation, dropout) run through parse -> infer -> reference kernel.
// Expected values come from naive formulas written out in this file (brute-force windows over
// an explicitly padded input, textbook mean/variance), from NumPy expressions quoted in the
// comments, or from ONNX Runtime 1.x outputs where the spec leaves a choice (quoted).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "ir/op_schema.hpp"
#include "op_test_util.hpp"
#include "runtime/session.hpp"

namespace sf::test {
namespace {

using ir::Node;
using ir::OpKind;

template <typename T>
Tensor make(const Shape& s, const std::vector<double>& v) {
  Tensor t = Tensor::make(DTypeOf<T>::value, s).value();
  for (int64_t i = 0; i < t.numel(); ++i) t.data<T>()[i] = T(static_cast<float>(v[static_cast<size_t>(i)]));
  return t;
}
template <>
Tensor make<double>(const Shape& s, const std::vector<double>& v) {
  Tensor t = Tensor::make(DType::kF64, s).value();
  for (int64_t i = 0; i < t.numel(); ++i) t.data<double>()[i] = v[static_cast<size_t>(i)];
  return t;
}

// Deterministic pseudo-random values in [-2, 2) (a small LCG, so the test needs no RNG).
std::vector<double> values(int64_t n, uint32_t seed = 1) {
  std::vector<double> v(static_cast<size_t>(n));
  uint32_t s = seed;
  for (auto& x : v) {
    s = s * 1664525u + 1013904223u;
    x = static_cast<double>(s >> 8) / static_cast<double>(1u << 24) * 4.0 - 2.0;
  }
  return v;
}

double at(const Tensor& t, int64_t i) { return t.double_at(i); }

// ---------------------------------------------------------------------------------------------
// Naive 2-D pooling: pads the input explicitly (NaN marks padding) and enumerates every window.

enum class Mode { kMax, kAvgExclude, kAvgInclude, kL2 };

struct Naive2d {
  std::vector<double> y;
  std::vector<int64_t> idx;  // row-major flat input index of the max
  int64_t oh = 0, ow = 0;
};

Naive2d naive_pool2d(const std::vector<double>& x, int64_t planes, int64_t h, int64_t w,
                     int64_t k, int64_t s, int64_t d, int64_t pt, int64_t pl, int64_t pb,
                     int64_t pr, Mode mode) {
  Naive2d r;
  const int64_t ext = (k - 1) * d + 1;
  r.oh = (h + pt + pb - ext) / s + 1;
  r.ow = (w + pl + pr - ext) / s + 1;
  const int64_t ph = h + pt + pb, pw = w + pl + pr;
  for (int64_t c = 0; c < planes; ++c) {
    std::vector<double> padded(static_cast<size_t>(ph * pw), std::nan(""));
    for (int64_t i = 0; i < h; ++i)
      for (int64_t j = 0; j < w; ++j)
        padded[static_cast<size_t>((i + pt) * pw + j + pl)] = x[static_cast<size_t>((c * h + i) * w + j)];
    for (int64_t oi = 0; oi < r.oh; ++oi)
      for (int64_t oj = 0; oj < r.ow; ++oj) {
        double best = -INFINITY, sum = 0;
        int64_t count = 0, best_idx = -1;
        for (int64_t ki = 0; ki < k; ++ki)
          for (int64_t kj = 0; kj < k; ++kj) {
            const int64_t pi = oi * s + ki * d, pj = oj * s + kj * d;
            const double v = padded[static_cast<size_t>(pi * pw + pj)];
            if (std::isnan(v)) continue;
            ++count;
            sum += mode == Mode::kL2 ? v * v : v;
            if (v > best) {
              best = v;
              best_idx = c * h * w + (pi - pt) * w + (pj - pl);
            }
          }
        double out = 0;
        switch (mode) {
          case Mode::kMax: out = best; break;
          case Mode::kAvgExclude: out = sum / static_cast<double>(count); break;
          case Mode::kAvgInclude: out = sum / static_cast<double>(k * k); break;
          case Mode::kL2: out = std::sqrt(sum); break;
        }
        r.y.push_back(out);
        r.idx.push_back(best_idx);
      }
  }
  return r;
}

TEST(NnPool, MaxPool2dMatchesNaiveWithIndices) {
  const Shape xs = {2, 3, 9, 8};
  const auto xv = values(2 * 3 * 9 * 8);
  const Tensor x = make<float>(xs, xv);
  for (int64_t dil : {1, 2}) {
    Node n = make_node(OpKind::kMaxPool, 12, 1, 2,
                       {{"kernel_shape", ints_attr({3, 3})},
                        {"strides", ints_attr({2, 2})},
                        {"dilations", ints_attr({dil, dil})},
                        {"pads", ints_attr({1, 2, 2, 1})}});
    auto r = parse_and_run(n, {&x});
    ASSERT_TRUE(r.is_ok()) << r.status().to_string();
    const Naive2d want = naive_pool2d(xv, 6, 9, 8, 3, 2, dil, 1, 2, 2, 1, Mode::kMax);
    EXPECT_EQ((*r)[0].shape(), (Shape{2, 3, want.oh, want.ow}));
    expect_all_near((*r)[0], want.y, 1e-6);
    for (size_t i = 0; i < want.idx.size(); ++i)
      EXPECT_EQ((*r)[1].data<int64_t>()[i], want.idx[i]) << "index " << i;
  }
}

TEST(NnPool, MaxPoolColumnMajorIndices) {
  // 1x1x3x3 input 0..8, kernel 2, stride 1: maxima at (1,1), (1,2), (2,1), (2,2).
  // storage_order=1 index = h + w * H: 1+3=4, 1+6=7, 2+3=5, 2+6=8.
  const Tensor x = make<float>({1, 1, 3, 3}, {0, 1, 2, 3, 4, 5, 6, 7, 8});
  Node n = make_node(OpKind::kMaxPool, 12, 1, 2,
                     {{"kernel_shape", ints_attr({2, 2})}, {"storage_order", int_attr(1)}});
  auto r = parse_and_run(n, {&x});
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  const int64_t* idx = (*r)[1].data<int64_t>();
  EXPECT_EQ(idx[0], 4);
  EXPECT_EQ(idx[1], 7);
  EXPECT_EQ(idx[2], 5);
  EXPECT_EQ(idx[3], 8);
}

TEST(NnPool, MaxPoolUint8AndDouble1d3d) {
  const Tensor u = make<uint8_t>({1, 1, 5}, {3, 250, 7, 9, 1});
  Node n = make_node(OpKind::kMaxPool, 12, 1, 1, {{"kernel_shape", ints_attr({2})}});
  auto r = parse_and_run(n, {&u});
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  const uint8_t* y = (*r)[0].data<uint8_t>();
  EXPECT_EQ(y[0], 250);
  EXPECT_EQ(y[1], 250);
  EXPECT_EQ(y[2], 9);
  EXPECT_EQ(y[3], 9);

  // 3-D: 1x1x2x2x2 values 0..7, kernel 2 -> the single max 7.
  const Tensor d = make<double>({1, 1, 2, 2, 2}, {0, 1, 2, 3, 4, 5, 6, 7});
  Node n3 = make_node(OpKind::kMaxPool, 12, 1, 1, {{"kernel_shape", ints_attr({2, 2, 2})}});
  auto r3 = parse_and_run(n3, {&d});
  ASSERT_TRUE(r3.is_ok()) << r3.status().to_string();
  EXPECT_EQ((*r3)[0].shape(), (Shape{1, 1, 1, 1, 1}));
  EXPECT_EQ((*r3)[0].data<double>()[0], 7.0);
}

TEST(NnPool, MaxPoolPropagatesNaN) {
  const Tensor x = make<float>({1, 1, 4}, {1, NAN, 3, 2});
  Node n = make_node(OpKind::kMaxPool, 12, 1, 1, {{"kernel_shape", ints_attr({2})}});
  auto r = parse_and_run(n, {&x});
  ASSERT_TRUE(r.is_ok());
  EXPECT_TRUE(std::isnan((*r)[0].data<float>()[0]));
  EXPECT_TRUE(std::isnan((*r)[0].data<float>()[1]));
  EXPECT_EQ((*r)[0].data<float>()[2], 3.0f);
}

TEST(NnPool, AveragePoolBothPadCountsMatchNaive) {
  const auto xv = values(2 * 7 * 6, 7);
  const Tensor x = make<float>({1, 2, 7, 6}, xv);
  for (int include : {0, 1}) {
    Node n = make_node(OpKind::kAveragePool, 11, 1, 1,
                       {{"kernel_shape", ints_attr({3, 3})},
                        {"strides", ints_attr({2, 1})},
                        {"pads", ints_attr({2, 1, 1, 2})},
                        {"count_include_pad", int_attr(include)}});
    auto r = parse_and_run(n, {&x});
    ASSERT_TRUE(r.is_ok()) << r.status().to_string();
    // The naive helper takes one stride; run rows with stride 2 by picking every other row of
    // the stride-1 result.
    const Naive2d s1 = naive_pool2d(xv, 2, 7, 6, 3, 1, 1, 2, 1, 1, 2,
                                    include ? Mode::kAvgInclude : Mode::kAvgExclude);
    std::vector<double> want;
    for (int64_t c = 0; c < 2; ++c)
      for (int64_t i = 0; i < s1.oh; i += 2)
        for (int64_t j = 0; j < s1.ow; ++j)
          want.push_back(s1.y[static_cast<size_t>((c * s1.oh + i) * s1.ow + j)]);
    EXPECT_EQ((*r)[0].shape(), (Shape{1, 2, (s1.oh + 1) / 2, s1.ow}));
    expect_all_near((*r)[0], want, 1e-5);
  }
}

TEST(NnPool, CeilModeDropsWindowStartingInPadding) {
  // x = 1..5, kernel 2, stride 3, pads (0, 1), ceil_mode: floor((5+1-2)/3)+1 = 2 rounded up to 3,
  // but the third window would start at 6 >= 5 + 0, so ONNX Runtime gives 2 outputs: [2, 5].
  const Tensor x = make<float>({1, 1, 5}, {1, 2, 3, 4, 5});
  Node n = make_node(OpKind::kMaxPool, 12, 1, 1,
                     {{"kernel_shape", ints_attr({2})}, {"strides", ints_attr({3})},
                      {"pads", ints_attr({0, 1})}, {"ceil_mode", int_attr(1)}});
  auto r = parse_and_run(n, {&x});
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ((*r)[0].shape(), (Shape{1, 1, 2}));
  expect_all_near((*r)[0], {2, 5}, 0);

  // AveragePool, x = 1..4, kernel 3, stride 2, pads (1, 1), ceil_mode, count_include_pad:
  // ONNX Runtime gives [1, 3, 1.3333334] (divisor = kernel size even past the end pad).
  const Tensor x4 = make<float>({1, 1, 4}, {1, 2, 3, 4});
  Node a = make_node(OpKind::kAveragePool, 11, 1, 1,
                     {{"kernel_shape", ints_attr({3})}, {"strides", ints_attr({2})},
                      {"pads", ints_attr({1, 1})}, {"ceil_mode", int_attr(1)},
                      {"count_include_pad", int_attr(1)}});
  auto ra = parse_and_run(a, {&x4});
  ASSERT_TRUE(ra.is_ok()) << ra.status().to_string();
  expect_all_near((*ra)[0], {1, 3, 4.0 / 3}, 1e-6);
}

TEST(NnPool, SamePaddingPutsOddPadAtTheRightEnd) {
  // 1-D x = 1..5, kernel 2, stride 1: total pad 1. SAME_UPPER pads the end -> max of
  // (1,2),(2,3),(3,4),(4,5),(5) = [2,3,4,5,5]; SAME_LOWER pads the start -> [1,2,3,4,5].
  const Tensor x = make<float>({1, 1, 5}, {1, 2, 3, 4, 5});
  Node up = make_node(OpKind::kMaxPool, 12, 1, 1,
                      {{"kernel_shape", ints_attr({2})}, {"auto_pad", string_attr("SAME_UPPER")}});
  Node lo = make_node(OpKind::kMaxPool, 12, 1, 1,
                      {{"kernel_shape", ints_attr({2})}, {"auto_pad", string_attr("SAME_LOWER")}});
  auto ru = parse_and_run(up, {&x});
  auto rl = parse_and_run(lo, {&x});
  ASSERT_TRUE(ru.is_ok() && rl.is_ok());
  expect_all_near((*ru)[0], {2, 3, 4, 5, 5}, 0);
  expect_all_near((*rl)[0], {1, 2, 3, 4, 5}, 0);
  // VALID with stride 2: windows (1,2), (3,4) -> [2, 4].
  Node va = make_node(OpKind::kMaxPool, 12, 1, 1,
                      {{"kernel_shape", ints_attr({2})}, {"strides", ints_attr({2})},
                       {"auto_pad", string_attr("VALID")}});
  auto rv = parse_and_run(va, {&x});
  ASSERT_TRUE(rv.is_ok());
  expect_all_near((*rv)[0], {2, 4}, 0);
}

TEST(NnPool, LpPoolMatchesNaive) {
  const auto xv = values(1 * 2 * 5 * 5, 3);
  const Tensor x = make<float>({1, 2, 5, 5}, xv);
  Node n = make_node(OpKind::kLpPool, 11, 1, 1,
                     {{"kernel_shape", ints_attr({2, 2})}, {"pads", ints_attr({1, 1, 0, 0})},
                      {"p", int_attr(2)}});
  auto r = parse_and_run(n, {&x});
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  const Naive2d want = naive_pool2d(xv, 2, 5, 5, 2, 1, 1, 1, 1, 0, 0, Mode::kL2);
  expect_all_near((*r)[0], want.y, 1e-5);
  // p = 1: sum of |x| over (−1, 2), (3, −4) -> 3, 7.
  const Tensor x1 = make<float>({1, 1, 4}, {-1, 2, 3, -4});
  Node n1 = make_node(OpKind::kLpPool, 11, 1, 1,
                      {{"kernel_shape", ints_attr({2})}, {"strides", ints_attr({2})},
                       {"p", int_attr(1)}});
  auto r1 = parse_and_run(n1, {&x1});
  ASSERT_TRUE(r1.is_ok());
  expect_all_near((*r1)[0], {3, 7}, 1e-6);
}

TEST(NnPool, GlobalPools) {
  // Planes [1,2,3,4] and [-1,-2,-3,-6]: max 4 / -1, mean 2.5 / -3, L2 sqrt(30) / sqrt(50).
  const Tensor x = make<float>({1, 2, 2, 2}, {1, 2, 3, 4, -1, -2, -3, -6});
  Node mx = make_node(OpKind::kGlobalMaxPool, 1, 1, 1);
  Node av = make_node(OpKind::kGlobalAveragePool, 1, 1, 1);
  Node lp = make_node(OpKind::kGlobalLpPool, 2, 1, 1);
  auto a = parse_and_run(mx, {&x});
  auto b = parse_and_run(av, {&x});
  auto c = parse_and_run(lp, {&x});
  ASSERT_TRUE(a.is_ok() && b.is_ok() && c.is_ok());
  EXPECT_EQ((*a)[0].shape(), (Shape{1, 2, 1, 1}));
  expect_all_near((*a)[0], {4, -1}, 0);
  expect_all_near((*b)[0], {2.5, -3}, 1e-6);
  expect_all_near((*c)[0], {std::sqrt(30.0), std::sqrt(50.0)}, 1e-5);
  // Float16 through the same path.
  const Tensor h = make<Float16>({1, 1, 2, 2}, {1, 2, 3, 6});
  Node av2 = make_node(OpKind::kGlobalAveragePool, 1, 1, 1);
  auto rh = parse_and_run(av2, {&h});
  ASSERT_TRUE(rh.is_ok());
  EXPECT_EQ(static_cast<float>((*rh)[0].data<Float16>()[0]), 3.0f);
}

TEST(NnPool, ZeroSizedBatch) {
  const Tensor x = Tensor::make(DType::kF32, {0, 3, 4, 4}).value();
  Node n = make_node(OpKind::kMaxPool, 12, 1, 2, {{"kernel_shape", ints_attr({2, 2})}});
  auto r = parse_and_run(n, {&x});
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ((*r)[0].shape(), (Shape{0, 3, 3, 3}));
  Node g = make_node(OpKind::kGlobalAveragePool, 1, 1, 1);
  auto rg = parse_and_run(g, {&x});
  ASSERT_TRUE(rg.is_ok());
  EXPECT_EQ((*rg)[0].shape(), (Shape{0, 3, 1, 1}));
}

TEST(NnPool, MaxUnpoolInvertsMaxPool) {
  // MaxPool 2x2 stride 2 of a 1x1x5x5 input, then MaxUnpool with output_shape = [1,1,5,5]:
  // each maximum returns to the position it came from (indices address the 5x5 output,
  // as in the spec and ONNX Runtime), everything else is 0.
  std::vector<double> xv(25);
  for (int i = 0; i < 25; ++i) xv[static_cast<size_t>(i)] = (i * 7) % 25;
  const Tensor x = make<float>({1, 1, 5, 5}, xv);
  Node mp = make_node(OpKind::kMaxPool, 12, 1, 2,
                      {{"kernel_shape", ints_attr({2, 2})}, {"strides", ints_attr({2, 2})}});
  auto pooled = parse_and_run(mp, {&x});
  ASSERT_TRUE(pooled.is_ok());
  const Tensor shape = make<int64_t>({4}, {1, 1, 5, 5});
  Node up = make_node(OpKind::kMaxUnpool, 11, 3, 1,
                      {{"kernel_shape", ints_attr({2, 2})}, {"strides", ints_attr({2, 2})}});
  auto r = parse_and_run(up, {&(*pooled)[0], &(*pooled)[1], &shape});
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  const Tensor& y = (*r)[0];
  ASSERT_EQ(y.shape(), (Shape{1, 1, 5, 5}));
  int nonzero = 0;
  for (int64_t i = 0; i < 25; ++i) {
    if (y.data<float>()[i] == 0) continue;
    ++nonzero;
    EXPECT_EQ(y.data<float>()[i], x.data<float>()[i]);
  }
  EXPECT_EQ(nonzero, 4);
  // Without output_shape: (2-1)*2 + 2 = 4 per dim.
  Node up2 = make_node(OpKind::kMaxUnpool, 11, 2, 1,
                       {{"kernel_shape", ints_attr({2, 2})}, {"strides", ints_attr({2, 2})}});
  const Tensor idx = make<int64_t>({1, 1, 2, 2}, {0, 3, 9, 15});
  const Tensor v = make<float>({1, 1, 2, 2}, {1, 2, 3, 4});
  auto r2 = parse_and_run(up2, {&v, &idx});
  ASSERT_TRUE(r2.is_ok());
  EXPECT_EQ((*r2)[0].shape(), (Shape{1, 1, 4, 4}));
  EXPECT_EQ((*r2)[0].data<float>()[15], 4.0f);
  EXPECT_EQ((*r2)[0].data<float>()[9], 3.0f);
  // An index past the output is a runtime error, not a write out of bounds.
  const Tensor bad = make<int64_t>({1, 1, 2, 2}, {0, 3, 9, 16});
  Node up3 = make_node(OpKind::kMaxUnpool, 11, 2, 1,
                       {{"kernel_shape", ints_attr({2, 2})}, {"strides", ints_attr({2, 2})}});
  const Status s = run_status(up3, {&v, &bad});
  EXPECT_EQ(s.code(), StatusCode::kRuntimeError);
  EXPECT_NE(s.message().find("16"), std::string::npos) << s.message();
}

// ---------------------------------------------------------------------------------------------
// Normalisations

TEST(NnNorm, BatchNormInference) {
  const Shape xs = {2, 3, 2, 2};
  const auto xv = values(24, 11);
  const std::vector<double> sc = {0.5, -1.0, 2.0}, bi = {0.1, 0.2, -0.3}, me = {0.0, 1.0, -0.5},
                            va = {1.0, 0.25, 4.0};
  const double eps = 1e-3;
  std::vector<double> want(24);
  for (int64_t i = 0; i < 24; ++i) {
    const size_t c = static_cast<size_t>((i / 4) % 3);
    want[static_cast<size_t>(i)] = (xv[static_cast<size_t>(i)] - me[c]) / std::sqrt(va[c] + eps) * sc[c] + bi[c];
  }
  const Tensor s = make<float>({3}, sc), b = make<float>({3}, bi), m = make<float>({3}, me),
               v = make<float>({3}, va);
  for (int opset : {7, 9, 15}) {
    const Tensor x = make<float>(xs, xv);
    Node n = make_node(OpKind::kBatchNormalization, opset, 5, 1, {{"epsilon", float_attr(1e-3f)}});
    auto r = parse_and_run(n, {&x, &s, &b, &m, &v});
    ASSERT_TRUE(r.is_ok()) << r.status().to_string();
    expect_all_near((*r)[0], want, 1e-5);
  }
  // Float16 data with float32 statistics (opset 15 allows the mix).
  const Tensor xh = make<Float16>(xs, xv);
  Node nh = make_node(OpKind::kBatchNormalization, 15, 5, 1, {{"epsilon", float_attr(1e-3f)}});
  auto rh = parse_and_run(nh, {&xh, &s, &b, &m, &v});
  ASSERT_TRUE(rh.is_ok()) << rh.status().to_string();
  expect_all_near((*rh)[0], want, 1e-2);
}

TEST(NnNorm, BatchNormSpatialZero) {
  // Opset 7 spatial=0: one statistic per (C, H) element of a [2, 2, 1] input.
  const Tensor x = make<float>({2, 2, 1}, {1, 2, 3, 4});
  const Tensor s = make<float>({2, 1}, {1, 2}), b = make<float>({2, 1}, {0, 1}),
               m = make<float>({2, 1}, {1, 1}), v = make<float>({2, 1}, {4, 1});
  Node n = make_node(OpKind::kBatchNormalization, 7, 5, 1,
                     {{"spatial", int_attr(0)}, {"epsilon", float_attr(0)}});
  auto r = parse_and_run(n, {&x, &s, &b, &m, &v});
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  // (1-1)/2*1+0 = 0, (2-1)/1*2+1 = 3, (3-1)/2 = 1, (4-1)*2+1 = 7
  expect_all_near((*r)[0], {0, 3, 1, 7}, 1e-6);
}

TEST(NnNorm, BatchNormTrainingUpdatesRunningStats) {
  // x[n, c] for N=2, C=2, no spatial dims: channel 0 = {1, 3}, channel 1 = {2, 6}.
  // Batch mean {2, 4}, population var {1, 4}; running = in * 0.9 + batch * 0.1 with
  // in mean {0, 0}, var {1, 1}: mean {0.2, 0.4}, var {1.0, 1.3}.
  const Tensor x = make<float>({2, 2}, {1, 2, 3, 6});
  const Tensor s = make<float>({2}, {1, 1}), b = make<float>({2}, {0, 0}),
               m = make<float>({2}, {0, 0}), v = make<float>({2}, {1, 1});
  Node n = make_node(OpKind::kBatchNormalization, 15, 5, 3,
                     {{"training_mode", int_attr(1)}, {"epsilon", float_attr(0)}});
  auto r = parse_and_run(n, {&x, &s, &b, &m, &v});
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  expect_all_near((*r)[0], {-1, -1, 1, 1}, 1e-6);
  expect_all_near((*r)[1], {0.2, 0.4}, 1e-6);
  expect_all_near((*r)[2], {1.0, 1.3}, 1e-6);
}

TEST(NnNorm, InstanceNorm) {
  const auto xv = values(2 * 2 * 5, 5);
  const Tensor x = make<double>({2, 2, 5}, xv);
  const Tensor s = make<double>({2}, {2, -1}), b = make<double>({2}, {0.5, 0});
  Node n = make_node(OpKind::kInstanceNormalization, 6, 3, 1, {{"epsilon", float_attr(0.01f)}});
  auto r = parse_and_run(n, {&x, &s, &b});
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  std::vector<double> want;
  for (int p = 0; p < 4; ++p) {
    double mean = 0, var = 0;
    for (int j = 0; j < 5; ++j) mean += xv[static_cast<size_t>(p * 5 + j)] / 5;
    for (int j = 0; j < 5; ++j) var += std::pow(xv[static_cast<size_t>(p * 5 + j)] - mean, 2) / 5;
    const double sc = p % 2 ? -1 : 2, bi = p % 2 ? 0 : 0.5;
    for (int j = 0; j < 5; ++j)
      want.push_back((xv[static_cast<size_t>(p * 5 + j)] - mean) / std::sqrt(var + static_cast<double>(0.01f)) * sc + bi);
  }
  expect_all_near((*r)[0], want, 1e-12);
}

TEST(NnNorm, LayerNormAxesAndStats) {
  const auto xv = values(2 * 3 * 4, 9);
  const Tensor x = make<float>({2, 3, 4}, xv);
  for (int64_t axis : {-1, 1, -3}) {
    const int64_t ax = axis < 0 ? axis + 3 : axis;
    const int64_t inner = ax == 2 ? 4 : ax == 1 ? 12 : 24, outer = 24 / inner;
    const auto wv = values(inner, 21), bv = values(inner, 22);
    const Shape full = {2, 3, 4};
    const Shape ws(full.begin() + ax, full.end());
    const Tensor w = make<float>(ws, wv), b = make<float>(ws, bv);
    Node n = make_node(OpKind::kLayerNormalization, 17, 3, 3, {{"axis", int_attr(axis)}});
    auto r = parse_and_run(n, {&x, &w, &b});
    ASSERT_TRUE(r.is_ok()) << r.status().to_string();
    std::vector<double> want, means, invs;
    for (int64_t o = 0; o < outer; ++o) {
      double mean = 0, var = 0;
      for (int64_t j = 0; j < inner; ++j) mean += xv[static_cast<size_t>(o * inner + j)] / static_cast<double>(inner);
      for (int64_t j = 0; j < inner; ++j)
        var += std::pow(xv[static_cast<size_t>(o * inner + j)] - mean, 2) / static_cast<double>(inner);
      const double inv = 1 / std::sqrt(var + 1e-5);
      for (int64_t j = 0; j < inner; ++j)
        want.push_back((xv[static_cast<size_t>(o * inner + j)] - mean) * inv * wv[static_cast<size_t>(j)] + bv[static_cast<size_t>(j)]);
      means.push_back(mean);
      invs.push_back(inv);
    }
    expect_all_near((*r)[0], want, 1e-5);
    expect_all_near((*r)[1], means, 1e-6);
    expect_all_near((*r)[2], invs, 1e-4);
    Shape stat = {2, 3, 4};
    for (size_t d = static_cast<size_t>(ax); d < 3; ++d) stat[d] = 1;
    EXPECT_EQ((*r)[1].shape(), stat);
  }
  // Scale [1, 4] broadcasts like [4]; no bias.
  const Tensor w14 = make<float>({1, 4}, {1, 1, 1, 1});
  Node n = make_node(OpKind::kLayerNormalization, 17, 2, 1);
  auto r = parse_and_run(n, {&x, &w14});
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  double mean = (xv[0] + xv[1] + xv[2] + xv[3]) / 4, var = 0;
  for (int j = 0; j < 4; ++j) var += std::pow(xv[static_cast<size_t>(j)] - mean, 2) / 4;
  EXPECT_NEAR(at((*r)[0], 0), (xv[0] - mean) / std::sqrt(var + 1e-5), 1e-5);
}

TEST(NnNorm, LpNormalization) {
  // Rows (3, -4) and (0, 0) along axis 1: L2 -> (0.6, -0.8), zero row stays 0; L1 -> (3/7, -4/7).
  const Tensor x = make<float>({2, 2}, {3, -4, 0, 0});
  Node l2 = make_node(OpKind::kLpNormalization, 1, 1, 1, {{"axis", int_attr(1)}});
  Node l1 =
      make_node(OpKind::kLpNormalization, 1, 1, 1, {{"axis", int_attr(-1)}, {"p", int_attr(1)}});
  auto r2 = parse_and_run(l2, {&x});
  auto r1 = parse_and_run(l1, {&x});
  ASSERT_TRUE(r2.is_ok() && r1.is_ok());
  expect_all_near((*r2)[0], {0.6, -0.8, 0, 0}, 1e-6);
  expect_all_near((*r1)[0], {3.0 / 7, -4.0 / 7, 0, 0}, 1e-6);
  // Axis 0: columns (3, 0) and (-4, 0) -> (1, -1, 0, 0).
  Node l0 = make_node(OpKind::kLpNormalization, 1, 1, 1, {{"axis", int_attr(0)}});
  auto r0 = parse_and_run(l0, {&x});
  ASSERT_TRUE(r0.is_ok());
  expect_all_near((*r0)[0], {1, -1, 0, 0}, 1e-6);
}

TEST(NnNorm, MeanVarianceNormalization) {
  const auto xv = values(2 * 3 * 2 * 2, 13);
  const Tensor x = make<float>({2, 3, 2, 2}, xv);
  Node n = make_node(OpKind::kMeanVarianceNormalization, 13, 1, 1);
  auto r = parse_and_run(n, {&x});
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  // Default axes [0, 2, 3]: statistics per channel over 8 elements; y = (x - mean) / (std + 1e-9).
  std::vector<double> want(24);
  for (int c = 0; c < 3; ++c) {
    double mean = 0, var = 0;
    for (int n2 = 0; n2 < 2; ++n2)
      for (int j = 0; j < 4; ++j) mean += xv[static_cast<size_t>((n2 * 3 + c) * 4 + j)] / 8;
    for (int n2 = 0; n2 < 2; ++n2)
      for (int j = 0; j < 4; ++j) var += std::pow(xv[static_cast<size_t>((n2 * 3 + c) * 4 + j)] - mean, 2) / 8;
    for (int n2 = 0; n2 < 2; ++n2)
      for (int j = 0; j < 4; ++j) {
        const size_t i = static_cast<size_t>((n2 * 3 + c) * 4 + j);
        want[i] = (xv[i] - mean) / (std::sqrt(var) + 1e-9);
      }
  }
  expect_all_near((*r)[0], want, 1e-5);
  // Opset 1, across_channels=0, normalize_variance=0: subtract each (n, c) plane's mean.
  Node o1 = make_node(OpKind::kMeanVarianceNormalization, 1, 1, 1,
                      {{"normalize_variance", int_attr(0)}});
  auto r1 = parse_and_run(o1, {&x});
  ASSERT_TRUE(r1.is_ok()) << r1.status().to_string();
  const double m0 = (xv[0] + xv[1] + xv[2] + xv[3]) / 4;
  EXPECT_NEAR(at((*r1)[0], 1), xv[1] - m0, 1e-6);
}

TEST(NnNorm, Lrn) {
  const auto xv = values(1 * 5 * 3, 17);
  const Tensor x = make<float>({1, 5, 3}, xv);
  Node n = make_node(OpKind::kLRN, 13, 1, 1,
                     {{"size", int_attr(4)},
                      {"alpha", float_attr(0.5f)},
                      {"beta", float_attr(0.75f)},
                      {"bias", float_attr(2.0f)}});
  auto r = parse_and_run(n, {&x});
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  // size 4: channels [c - 1, c + 2] (floor(3/2) before, ceil(3/2) after), clipped.
  std::vector<double> want;
  for (int c = 0; c < 5; ++c)
    for (int j = 0; j < 3; ++j) {
      double sq = 0;
      for (int k = std::max(0, c - 1); k <= std::min(4, c + 2); ++k)
        sq += xv[static_cast<size_t>(k * 3 + j)] * xv[static_cast<size_t>(k * 3 + j)];
      want.push_back(xv[static_cast<size_t>(c * 3 + j)] /
                     std::pow(2.0 + static_cast<double>(0.5f) / 4 * sq, 0.75));
    }
  expect_all_near((*r)[0], want, 1e-5);
}

// ---------------------------------------------------------------------------------------------
// Dropout

TEST(NnDropout, InferenceIsIdentityWithTrueMask) {
  const Tensor x = make<float>({2, 3}, {1, 2, 3, 4, 5, 6});
  Node n = make_node(OpKind::kDropout, 13, 1, 2);
  auto r = parse_and_run(n, {&x});
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  expect_all_near((*r)[0], {1, 2, 3, 4, 5, 6}, 0);
  ASSERT_EQ((*r)[1].dtype(), DType::kBool);
  for (int i = 0; i < 6; ++i) EXPECT_TRUE((*r)[1].data<bool>()[i]);
  // Opset 7: the mask has the input's type.
  Node n7 = make_node(OpKind::kDropout, 7, 1, 2, {{"ratio", float_attr(0.3f)}});
  auto r7 = parse_and_run(n7, {&x});
  ASSERT_TRUE(r7.is_ok());
  EXPECT_EQ((*r7)[1].dtype(), DType::kF32);
  EXPECT_EQ((*r7)[1].data<float>()[0], 1.0f);
}

TEST(NnDropout, TrainingMaskFollowsNumpySeed) {
  // numpy: np.random.seed(0); np.random.uniform(0, 1, 5)
  //   = [0.5488135, 0.71518937, 0.60276338, 0.54488318, 0.4236548]
  // ratio 0.55 -> mask [F, T, T, F, F], kept values scaled by 1 / 0.45.
  const Tensor x = make<float>({5}, {1, 2, 3, 4, 5});
  const Tensor ratio = make<float>({}, {0.55});
  Tensor training = Tensor::make(DType::kBool, {}).value();
  training.data<bool>()[0] = true;
  Node n = make_node(OpKind::kDropout, 13, 3, 2, {{"seed", int_attr(0)}});
  auto r = parse_and_run(n, {&x, &ratio, &training});
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  const bool want_mask[5] = {false, true, true, false, false};
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ((*r)[1].data<bool>()[i], want_mask[i]) << i;
    const double want = want_mask[i] ? (i + 1) / (1 - static_cast<double>(0.55f)) : 0.0;
    EXPECT_NEAR(at((*r)[0], i), want, 1e-5) << i;
  }
  // A ratio of 1 cannot be rescaled.
  const Tensor one = make<float>({}, {1.0});
  Node bad = make_node(OpKind::kDropout, 13, 3, 1);
  const Status s = run_status(bad, {&x, &one, &training});
  EXPECT_FALSE(s.is_ok());
  EXPECT_NE(s.message().find("ratio"), std::string::npos) << s.message();
}

// ---------------------------------------------------------------------------------------------
// Validation: every malformed attribute or shape is refused with the node's name.

void expect_error(Node n, const std::vector<const Tensor*>& in, const std::string& needle) {
  const Status s = run_status(std::move(n), in);
  ASSERT_FALSE(s.is_ok()) << "expected an error containing '" << needle << "'";
  const std::string quoted_name = std::string("'") + kNodeName + "'";
  EXPECT_NE(s.message().find(quoted_name), std::string::npos) << s.message();
  EXPECT_NE(s.message().find(needle), std::string::npos) << s.message();
}

TEST(NnValidation, PoolAttributes) {
  const Tensor x = make<float>({1, 1, 4, 4}, values(16));
  expect_error(make_node(OpKind::kMaxPool, 12, 1, 1), {&x}, "kernel_shape");
  expect_error(make_node(OpKind::kMaxPool, 12, 1, 1,
                         {{"kernel_shape", ints_attr({2, 2})}, {"strides", ints_attr({0, 1})}}),
               {&x}, "strides");
  expect_error(make_node(OpKind::kMaxPool, 12, 1, 1,
                         {{"kernel_shape", ints_attr({2, 2})}, {"pads", ints_attr({0, -1, 0, 0})}}),
               {&x}, "pads");
  expect_error(make_node(OpKind::kMaxPool, 12, 1, 1,
                         {{"kernel_shape", ints_attr({2, 2})}, {"pads", ints_attr({1, 1})}}),
               {&x}, "pads");
  expect_error(make_node(OpKind::kMaxPool, 12, 1, 1,
                         {{"kernel_shape", ints_attr({3, 3})}, {"pads", ints_attr({3, 0, 0, 0})}}),
               {&x}, "kernel extent");
  expect_error(make_node(OpKind::kAveragePool, 11, 1, 1,
                         {{"kernel_shape", ints_attr({2, 2})}, {"auto_pad", string_attr("SAME")}}),
               {&x}, "auto_pad");
  expect_error(make_node(OpKind::kMaxPool, 12, 1, 1, {{"kernel_shape", ints_attr({5, 2})}}),
               {&x}, "bigger than the padded input");
  expect_error(make_node(OpKind::kMaxPool, 12, 1, 1, {{"kernel_shape", ints_attr({2})}}), {&x},
               "needs rank 3");
  expect_error(make_node(OpKind::kMaxPool, 12, 1, 1,
                         {{"kernel_shape", ints_attr({2, 2})}, {"dilations", ints_attr({1})}}),
               {&x}, "dilations");
  expect_error(make_node(OpKind::kMaxPool, 12, 1, 1,
                         {{"kernel_shape", ints_attr({2, 2})}, {"storage_order", int_attr(2)}}),
               {&x}, "storage_order");
  expect_error(make_node(OpKind::kLpPool, 11, 1, 1,
                         {{"kernel_shape", ints_attr({2, 2})}, {"p", int_attr(0)}}),
               {&x}, "'p'");
  const Status four_d = run_status(
      make_node(OpKind::kMaxPool, 12, 1, 1, {{"kernel_shape", ints_attr({1, 1, 1, 1})}}), {&x});
  EXPECT_EQ(four_d.code(), StatusCode::kUnsupported) << four_d.message();
}

TEST(NnValidation, NormAttributesAndShapes) {
  const Tensor x = make<float>({1, 2, 3}, values(6));
  const Tensor p2 = make<float>({2}, {1, 1}), p3 = make<float>({3}, {1, 1, 1});
  expect_error(make_node(OpKind::kBatchNormalization, 15, 5, 1, {{"epsilon", float_attr(-1)}}),
               {&x, &p2, &p2, &p2, &p2}, "epsilon");
  expect_error(make_node(OpKind::kBatchNormalization, 15, 5, 1), {&x, &p3, &p2, &p2, &p2},
               "scale");
  const Status old_training = run_status(
      make_node(OpKind::kBatchNormalization, 9, 5, 5), {&x, &p2, &p2, &p2, &p2});
  EXPECT_EQ(old_training.code(), StatusCode::kUnsupported) << old_training.message();
  expect_error(make_node(OpKind::kInstanceNormalization, 6, 3, 1), {&x, &p3, &p3}, "input 1");
  expect_error(make_node(OpKind::kLayerNormalization, 17, 2, 1, {{"axis", int_attr(3)}}),
               {&x, &p3}, "axis");
  expect_error(make_node(OpKind::kLayerNormalization, 17, 2, 1), {&x, &p2},
               "normalised shape");
  expect_error(make_node(OpKind::kLayerNormalization, 17, 2, 1, {{"stash_type", int_attr(7)}}),
               {&x, &p3}, "stash_type");
  expect_error(make_node(OpKind::kLpNormalization, 1, 1, 1, {{"p", int_attr(3)}}), {&x}, "'p'");
  expect_error(make_node(OpKind::kLRN, 13, 1, 1, {{"size", int_attr(0)}}), {&x}, "size");
  expect_error(make_node(OpKind::kLRN, 13, 1, 1), {&x}, "size");
  expect_error(make_node(OpKind::kMeanVarianceNormalization, 13, 1, 1,
                         {{"axes", ints_attr({0, 3})}}),
               {&x}, "axes");
  expect_error(make_node(OpKind::kDropout, 7, 1, 1, {{"ratio", float_attr(1.5f)}}), {&x}, "ratio");
  const Tensor i32 = make<int32_t>({2}, {1, 2});
  expect_error(make_node(OpKind::kGlobalAveragePool, 1, 1, 1), {&i32}, "type");
}

}  // namespace
}  // namespace sf::test
