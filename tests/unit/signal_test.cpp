// Signal-family ops through the reference run functions (rt::run_node): Det, the window
// functions, DFT, STFT, MelWeightMatrix and GridSample, with their corner cases and errors.
// Expected values are hand arithmetic or the NumPy expression given next to them.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <numbers>
#include <vector>

#include "ir/op_schema.hpp"
#include "op_test_util.hpp"
#include "runtime/session.hpp"

namespace sf::test {
namespace {

using ir::OpKind;

constexpr double kPi = std::numbers::pi;

// ---------------------------------------------------------------------------------------------
// Det

TEST(Signal, DetBatchedWithPivoting) {
  // [[0,1],[1,0]] needs a row swap: det = -1; [[2,1,0],[1,3,1],[0,1,4]]: np.linalg.det = 18.
  const Tensor x = make_tensor<float>({2, 2, 2}, {0, 1, 1, 0, 4, 3, 6, 3});
  auto y = run_op(OpKind::kDet, {&x});
  ASSERT_TRUE(y.is_ok()) << y.status().message();
  EXPECT_EQ(y->shape(), (Shape{2}));
  expect_all_near(*y, {-1, 4 * 3 - 3 * 6}, 1e-6);
  const Tensor z = make_tensor<double>({3, 3}, {2, 1, 0, 1, 3, 1, 0, 1, 4});
  auto d = run_op(OpKind::kDet, {&z});
  ASSERT_TRUE(d.is_ok()) << d.status().message();
  EXPECT_EQ(d->shape(), (Shape{}));
  // 2*(3*4-1*1) - 1*(1*4-1*0) + 0 = 22 - 4 = 18
  expect_all_near(*d, {18}, 1e-12);
}

TEST(Signal, DetSingularEmptyAndErrors) {
  const Tensor s = make_tensor<float>({2, 2}, {1, 2, 2, 4});
  auto y = run_op(OpKind::kDet, {&s});
  ASSERT_TRUE(y.is_ok()) << y.status().message();
  expect_all_near(*y, {0}, 1e-7);
  // A 0 x 0 matrix has determinant 1 (empty product); zero matrices give an empty output.
  const Tensor e = make_tensor<float>({3, 0, 0}, {});
  auto ye = run_op(OpKind::kDet, {&e});
  ASSERT_TRUE(ye.is_ok()) << ye.status().message();
  EXPECT_EQ(values_of<float>(*ye), (std::vector<float>{1, 1, 1}));
  const Tensor z = make_tensor<float>({0, 2, 2}, {});
  auto yz = run_op(OpKind::kDet, {&z});
  ASSERT_TRUE(yz.is_ok()) << yz.status().message();
  EXPECT_EQ(yz->shape(), (Shape{0}));
  const Tensor ns = make_tensor<float>({2, 3}, {1, 2, 3, 4, 5, 6});
  EXPECT_FALSE(run_status(make_node(OpKind::kDet, 17, 1, 1), {&ns}).is_ok());
  const Tensor i = make_tensor<int32_t>({1, 1}, {3});
  EXPECT_FALSE(run_status(make_node(OpKind::kDet, 17, 1, 1), {&i}).is_ok());
}

// ---------------------------------------------------------------------------------------------
// Windows

TEST(Signal, WindowsPeriodicAndSymmetric) {
  const Tensor n = make_tensor<int64_t>({}, {4});
  // Periodic N = 4: x = 0, pi/2, pi, 3pi/2. np.hanning(5)[:4] = [0, .5, 1, .5].
  auto hann = run_op(OpKind::kHannWindow, {&n});
  ASSERT_TRUE(hann.is_ok()) << hann.status().message();
  EXPECT_EQ(hann->dtype(), DType::kF32);
  expect_all_near(*hann, {0, 0.5, 1, 0.5}, 1e-6);
  // Symmetric N = 3: np.hamming(4) = 25/46 - 21/46 cos(2 pi n / 3).
  auto ham = run_op(OpKind::kHammingWindow, {&n}, {{"periodic", int_attr(0)}});
  ASSERT_TRUE(ham.is_ok()) << ham.status().message();
  const double a = 25.0 / 46, b = 21.0 / 46;
  expect_all_near(*ham, {a - b, a + b / 2, a + b / 2, a - b}, 1e-6);
  // Blackman, periodic, float64: 0.42 - 0.5 cos(x) + 0.08 cos(2x).
  auto bl = run_op(OpKind::kBlackmanWindow, {&n}, {{"output_datatype", int_attr(11)}});
  ASSERT_TRUE(bl.is_ok()) << bl.status().message();
  EXPECT_EQ(bl->dtype(), DType::kF64);
  expect_all_near(*bl, {0.0, 0.42 - 0.08, 1.0, 0.42 - 0.08}, 1e-12);
}

TEST(Signal, WindowsEmptyAndErrors) {
  const Tensor zero = make_tensor<int32_t>({}, {0});
  auto y = run_op(OpKind::kHannWindow, {&zero});
  ASSERT_TRUE(y.is_ok()) << y.status().message();
  EXPECT_EQ(y->shape(), (Shape{0}));
  const Tensor neg = make_tensor<int64_t>({}, {-2});
  EXPECT_FALSE(run_status(make_node(OpKind::kHannWindow, 17, 1, 1), {&neg}).is_ok());
  const Tensor n = make_tensor<int64_t>({}, {3});
  EXPECT_FALSE(run_status(make_node(OpKind::kHannWindow, 17, 1, 1,
                                    {{"output_datatype", int_attr(8)}}),
                          {&n})
                   .is_ok());
  EXPECT_FALSE(
      run_status(make_node(OpKind::kHannWindow, 17, 1, 1, {{"periodic", int_attr(2)}}), {&n})
          .is_ok());
  // Opset 16 has no windows.
  EXPECT_FALSE(run_status(make_node(OpKind::kHannWindow, 16, 1, 1), {&n}).is_ok());
}

// ---------------------------------------------------------------------------------------------
// DFT

TEST(Signal, DftRealInputAndOnesided) {
  // np.fft.fft([1, 2, 3, 4]) = [10, -2+2j, -2, -2-2j]; input [1, 4, 1].
  const Tensor x = make_tensor<float>({1, 4, 1}, {1, 2, 3, 4});
  auto y = run_op(OpKind::kDFT, {&x});
  ASSERT_TRUE(y.is_ok()) << y.status().message();
  EXPECT_EQ(y->shape(), (Shape{1, 4, 2}));
  expect_all_near(*y, {10, 0, -2, 2, -2, 0, -2, -2}, 1e-5);
  auto half = run_op(OpKind::kDFT, {&x}, {{"onesided", int_attr(1)}});
  ASSERT_TRUE(half.is_ok()) << half.status().message();
  EXPECT_EQ(half->shape(), (Shape{1, 3, 2}));
  expect_all_near(*half, {10, 0, -2, 2, -2, 0}, 1e-5);
}

TEST(Signal, DftLengthInverseAndNegativeAxis) {
  // Zero-padded to 6: np.fft.fft([1, 1], 6)[k] = 1 + exp(-2 pi i k / 6).
  const Tensor x = make_tensor<double>({1, 2, 1}, {1, 1});
  const Tensor len = make_tensor<int64_t>({}, {6});
  auto y = run_op(OpKind::kDFT, {&x, &len});
  ASSERT_TRUE(y.is_ok()) << y.status().message();
  EXPECT_EQ(y->shape(), (Shape{1, 6, 2}));
  std::vector<double> want;
  for (int k = 0; k < 6; ++k) {
    want.push_back(1 + std::cos(-2 * kPi * k / 6));
    want.push_back(std::sin(-2 * kPi * k / 6));
  }
  expect_all_near(*y, want, 1e-12);
  // The inverse of that spectrum along axis -2 gives back [1, 1, 0, 0, 0, 0] (+0j).
  auto back = run_op(OpKind::kDFT, {&*y}, {{"inverse", int_attr(1)}, {"axis", int_attr(-2)}});
  ASSERT_TRUE(back.is_ok()) << back.status().message();
  expect_all_near(*back, {1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0}, 1e-12);
  // Axis 2 of [1, 2, 2, 1]: transforms each row of length 2: fft([a, b]) = [a + b, a - b].
  const Tensor m = make_tensor<float>({1, 2, 2, 1}, {1, 2, 3, 5});
  auto r = run_op(OpKind::kDFT, {&m}, {{"axis", int_attr(2)}});
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  expect_all_near(*r, {3, 0, -1, 0, 8, 0, -2, 0}, 1e-5);
  EXPECT_FALSE(run_status(make_node(OpKind::kDFT, 17, 1, 1, {{"axis", int_attr(3)}}), {&m}).is_ok());
  EXPECT_FALSE(run_status(make_node(OpKind::kDFT, 17, 1, 1,
                                    {{"inverse", int_attr(1)}, {"onesided", int_attr(1)}}),
                          {&m})
                   .is_ok());
  const Tensor bad = make_tensor<float>({1, 2, 3}, {1, 2, 3, 4, 5, 6});
  EXPECT_FALSE(run_status(make_node(OpKind::kDFT, 17, 1, 1), {&bad}).is_ok());
}

// ---------------------------------------------------------------------------------------------
// STFT

TEST(Signal, StftFramesWithWindow) {
  // Signal [1, 5, 1] = 1..5, frame_step 2, window [1, 0, 1] (length 3): frames [1,2,3], [3,4,5]
  // weighted to [1,0,3], [3,0,5]; onesided bins 0..1: fft([a,0,c])[k] = a + c exp(-4 pi i k/3).
  const Tensor x = make_tensor<float>({1, 5, 1}, {1, 2, 3, 4, 5});
  const Tensor step = make_tensor<int64_t>({}, {2});
  const Tensor win = make_tensor<float>({3}, {1, 0, 1});
  auto y = run_op(OpKind::kSTFT, {&x, &step, &win});
  ASSERT_TRUE(y.is_ok()) << y.status().message();
  EXPECT_EQ(y->shape(), (Shape{1, 2, 2, 2}));
  const double c = std::cos(-4 * kPi / 3), s = std::sin(-4 * kPi / 3);
  expect_all_near(*y, {4, 0, 1 + 3 * c, 3 * s, 8, 0, 3 + 5 * c, 5 * s}, 1e-5);
  // frame_length only (no window), two-sided.
  const Tensor fl = make_tensor<int64_t>({}, {2});
  auto z = run_op(OpKind::kSTFT, {&x, &step, nullptr, &fl}, {{"onesided", int_attr(0)}});
  ASSERT_TRUE(z.is_ok()) << z.status().message();
  EXPECT_EQ(z->shape(), (Shape{1, 2, 2, 2}));
  expect_all_near(*z, {3, 0, -1, 0, 7, 0, -1, 0}, 1e-5);
  const Tensor long_fl = make_tensor<int64_t>({}, {6});
  EXPECT_FALSE(run_status(make_node(OpKind::kSTFT, 17, 4, 1), {&x, &step, &win, &long_fl}).is_ok());
}

// ---------------------------------------------------------------------------------------------
// MelWeightMatrix

TEST(Signal, MelWeightMatrixTriangles) {
  // num_mel_bins 1, dft_length 8, sample_rate 8, lower 0 Hz, upper 700 ((1 + 2/700)^3 - 1) Hz:
  // with d = mel(2 Hz) the mel points are 0, d, 2d (mel step = 3d / (1 + 2)), i.e. 0, 2 and
  // 700 ((1 + 2/700)^2 - 1) = 4.0057 Hz; bins = floor(9 hz / 8) = 0, 2, 4. Filter 0 rises
  // (j - 0) / 2 over rows 0..2 and falls (4 - j) / 2 over rows 2..3: [0, 0.5, 1, 0.5, 0].
  const Tensor bins = make_tensor<int64_t>({}, {1});
  const Tensor len = make_tensor<int64_t>({}, {8});
  const Tensor rate = make_tensor<int64_t>({}, {8});
  const Tensor lo = make_tensor<float>({}, {0.0f});
  const float hi_hz = static_cast<float>(700.0 * (std::pow(1.0 + 2.0 / 700.0, 3) - 1.0));
  const Tensor hi = make_tensor<float>({}, {hi_hz});
  auto y = run_op(OpKind::kMelWeightMatrix, {&bins, &len, &rate, &lo, &hi});
  ASSERT_TRUE(y.is_ok()) << y.status().message();
  EXPECT_EQ(y->shape(), (Shape{5, 1}));
  expect_all_near(*y, {0, 0.5, 1, 0.5, 0}, 1e-6);
  const Tensor zero = make_tensor<int64_t>({}, {0});
  EXPECT_FALSE(
      run_status(make_node(OpKind::kMelWeightMatrix, 17, 5, 1), {&zero, &len, &rate, &lo, &hi})
          .is_ok());
}

// ---------------------------------------------------------------------------------------------
// GridSample

TEST(Signal, GridSampleModesAndPadding) {
  // X [1, 1, 2, 2] = [[1, 2], [3, 4]]. align_corners=1 maps -1 -> 0, 1 -> 1.
  const Tensor x = make_tensor<float>({1, 1, 2, 2}, {1, 2, 3, 4});
  // Points: centre (0, 0) -> (0.5, 0.5); corner (1, -1) -> x=1, y=0; outside (3, 0) -> x=2.
  const Tensor g = make_tensor<float>({1, 1, 3, 2}, {0, 0, 1, -1, 3, 0});
  auto bil = run_op(OpKind::kGridSample, {&x, &g}, {{"align_corners", int_attr(1)}}, 16);
  ASSERT_TRUE(bil.is_ok()) << bil.status().message();
  EXPECT_EQ(bil->shape(), (Shape{1, 1, 1, 3}));
  // Centre: mean = 2.5; corner: X[0,1] = 2; outside (x = 2, y = 0.5) with zeros: taps at x = 2
  // are 0 -> 0.
  expect_all_near(*bil, {2.5, 2, 0}, 1e-6);
  auto border = run_op(OpKind::kGridSample, {&x, &g},
                       {{"align_corners", int_attr(1)}, {"padding_mode", string_attr("border")}},
                       16);
  ASSERT_TRUE(border.is_ok()) << border.status().message();
  // Outside point clamps to x = 1, y = 0.5: mean(2, 4) = 3.
  expect_all_near(*border, {2.5, 2, 3}, 1e-6);
  // reflection over [0, 1]: x = 2 reflects to 0, y = 0.5 -> mean(1, 3) = 2.
  auto refl = run_op(OpKind::kGridSample, {&x, &g},
                     {{"align_corners", int_attr(1)}, {"padding_mode", string_attr("reflection")}},
                     16);
  ASSERT_TRUE(refl.is_ok()) << refl.status().message();
  expect_all_near(*refl, {2.5, 2, 2}, 1e-6);
  // nearest, align_corners=0: (gx, gy) = (-0.5, 0.5) -> x = 0, y = 1 -> X[1, 0] = 3.
  const Tensor gn = make_tensor<float>({1, 1, 1, 2}, {-0.5f, 0.5f});
  auto near = run_op(OpKind::kGridSample, {&x, &gn}, {{"mode", string_attr("nearest")}}, 16);
  ASSERT_TRUE(near.is_ok()) << near.status().message();
  expect_all_near(*near, {3}, 0);
  // bicubic on a constant image reproduces the constant (Keys weights sum to 1), border padding.
  const Tensor c = make_tensor<double>({1, 2, 2, 2}, {5, 5, 5, 5, 7, 7, 7, 7});
  const Tensor gc = make_tensor<double>({1, 1, 1, 2}, {0.3, -0.7});
  auto cub = run_op(OpKind::kGridSample, {&c, &gc},
                    {{"mode", string_attr("bicubic")}, {"padding_mode", string_attr("border")}},
                    16);
  ASSERT_TRUE(cub.is_ok()) << cub.status().message();
  expect_all_near(*cub, {5, 7}, 1e-12);
}

TEST(Signal, GridSampleNonFiniteEmptyAndErrors) {
  const Tensor x = make_tensor<float>({1, 1, 2, 2}, {1, 2, 3, 4});
  const float nan = std::nanf("");
  const Tensor g = make_tensor<float>({1, 1, 2, 2}, {nan, 0, 1e30f, -1e30f});
  auto y = run_op(OpKind::kGridSample, {&x, &g}, {{"padding_mode", string_attr("reflection")}},
                  16);
  ASSERT_TRUE(y.is_ok()) << y.status().message();
  EXPECT_EQ(values_of<float>(*y)[0], 0.0f);
  const Tensor e = make_tensor<float>({1, 1, 0, 2}, {});
  auto ye = run_op(OpKind::kGridSample, {&x, &e}, {}, 16);
  ASSERT_TRUE(ye.is_ok()) << ye.status().message();
  EXPECT_EQ(ye->shape(), (Shape{1, 1, 1, 0}));
  EXPECT_FALSE(
      run_status(make_node(OpKind::kGridSample, 16, 2, 1, {{"mode", string_attr("cubic")}}),
                 {&x, &g})
          .is_ok());
  const Tensor g2 = make_tensor<float>({2, 1, 1, 2}, {0, 0, 0, 0});
  EXPECT_FALSE(run_status(make_node(OpKind::kGridSample, 16, 2, 1), {&x, &g2}).is_ok());
  EXPECT_FALSE(run_status(make_node(OpKind::kGridSample, 15, 2, 1), {&x, &g}).is_ok());
}

}  // namespace
}  // namespace sf::test
