// Exact convolution checksums (src/abft/conv_checksum): against brute force in double.
//  - S[c,tap] and Sabs equal the im2col column sums computed by their definition (a loop over
//    every output position and tap), over kernels 1x1 .. 7x7, 1x7, 7x1, 1x40, strides 1-5 (and
//    70, past the 64-residue mask), dilations 1-4, groups (1, 2, 3, depthwise), batch 1-2 and
//    channel counts that are not multiples of 16. Rows and columns of xp that no output reads
//    hold 1e6, so reading one shows up as a large error.
//  - The invariant: the sum of all outputs of a brute-force reference convolution (double) equals
//    `expected`, and the sum over outputs of sum |W||xp| equals `scale`.
//  - 1x1 stride 1: S equals the plain per-channel sum over the whole tensor.
//  - 1, 2, 3 threads, arbitrary channel ranges and every instruction-set variant
//    (conv_tap_sums.inc, walked through the STEADFAST_MAX_ISA cap) give bit-identical S.
#include "abft/conv_checksum.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "core/cpu_features.hpp"
#include "tests/unit/kernels/fast_op_test_util.hpp"

namespace sf::abft {
namespace {

// Padded input size, kernel, stride, dilation, group, output channels; out_h/out_w follow.
struct Geo {
  int64_t n, hp, wp, c, kh, kw, sh, sw, dh, dw, group, out_c;
};

ConvChecksumShape make_shape(const Geo& g) {
  ConvChecksumShape s;
  s.batch = g.n;
  s.padded_h = g.hp;
  s.padded_w = g.wp;
  s.channels = g.c;
  s.kernel_h = g.kh;
  s.kernel_w = g.kw;
  s.stride_h = g.sh;
  s.stride_w = g.sw;
  s.dilation_h = g.dh;
  s.dilation_w = g.dw;
  s.out_h = (g.hp - (g.kh - 1) * g.dh - 1) / g.sh + 1;
  s.out_w = (g.wp - (g.kw - 1) * g.dw - 1) / g.sw + 1;
  s.group = g.group;
  s.out_c = g.out_c;
  return s;
}

std::string describe(const ConvChecksumShape& s) {
  char buf[160];
  std::snprintf(buf, sizeof buf,
                "n%lld xp %lldx%lldx%lld k %lldx%lld s %lldx%lld d %lldx%lld g %lld out %lldx%lldx%lld",
                static_cast<long long>(s.batch), static_cast<long long>(s.padded_h),
                static_cast<long long>(s.padded_w), static_cast<long long>(s.channels),
                static_cast<long long>(s.kernel_h), static_cast<long long>(s.kernel_w),
                static_cast<long long>(s.stride_h), static_cast<long long>(s.stride_w),
                static_cast<long long>(s.dilation_h), static_cast<long long>(s.dilation_w),
                static_cast<long long>(s.group), static_cast<long long>(s.out_h),
                static_cast<long long>(s.out_w), static_cast<long long>(s.out_c));
  return buf;
}

std::vector<Geo> geometries() {
  return {
      {1, 5, 6, 17, 1, 1, 1, 1, 1, 1, 1, 8},      // 1x1 stride 1
      {2, 8, 8, 17, 1, 1, 2, 2, 1, 1, 1, 8},      // 1x1 stride 2: odd rows and columns unread
      {1, 8, 8, 3, 3, 3, 1, 1, 1, 1, 1, 4},       // 3x3, 3 channels
      {2, 9, 10, 17, 3, 3, 2, 2, 1, 1, 1, 5},     // out 4x4: last row and 2 columns unread
      {1, 14, 11, 5, 5, 5, 3, 2, 1, 1, 1, 3},     // 5x5, strides 3 x 2
      {1, 6, 13, 16, 1, 7, 1, 1, 1, 1, 1, 4},     // 1x7
      {2, 13, 6, 16, 7, 1, 1, 1, 1, 1, 1, 4},     // 7x1
      {1, 12, 12, 8, 3, 3, 1, 1, 2, 2, 1, 4},     // dilation 2
      {1, 13, 14, 6, 3, 3, 2, 2, 2, 2, 1, 3},     // stride 2 dilation 2: one column residue
      {1, 15, 16, 4, 3, 3, 3, 3, 2, 2, 1, 2},     // stride 3 dilation 2
      {1, 9, 17, 5, 2, 4, 1, 2, 1, 3, 1, 3},      // dilation 1 x 3, stride 1 x 2
      {2, 7, 7, 64, 3, 3, 1, 1, 1, 1, 2, 32},     // 2 groups
      {1, 10, 9, 17, 3, 3, 2, 1, 1, 1, 17, 17},   // depthwise
      {2, 9, 9, 24, 3, 3, 2, 2, 1, 1, 24, 48},    // depthwise, 2 outputs per channel
      {1, 11, 11, 3, 2, 2, 4, 4, 1, 1, 1, 2},     // stride 4 > kernel: gaps between windows
      {1, 21, 22, 3, 7, 7, 2, 2, 1, 1, 1, 4},     // stem-like 7x7 stride 2
      {1, 5, 5, 4, 5, 5, 1, 1, 1, 1, 1, 3},       // kernel covers the input: 1x1 output
      {2, 8, 8, 64, 3, 3, 1, 1, 1, 1, 1, 16},     // 64 channels
      {1, 3, 150, 2, 1, 2, 1, 70, 1, 1, 1, 1},    // stride 70 (> 64 column residues)
      {1, 2, 45, 3, 1, 40, 1, 1, 1, 1, 1, 2},     // 1x40 (past the 32-column geometry table)
      {1, 7, 12, 33, 3, 2, 3, 5, 2, 4, 3, 6},     // everything odd at once, 3 groups
  };
}

// xp with values in [-1, 1] where some output reads and 1e6 where none does.
std::vector<float> make_input(const ConvChecksumShape& s, uint32_t seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> xp(s.batch * s.padded_h * s.padded_w * s.channels, 1e6f);
  std::vector<char> row_read(s.padded_h, 0), col_read(s.padded_w, 0);
  for (int64_t p = 0; p < s.out_h; ++p)
    for (int64_t i = 0; i < s.kernel_h; ++i) row_read[p * s.stride_h + i * s.dilation_h] = 1;
  for (int64_t q = 0; q < s.out_w; ++q)
    for (int64_t j = 0; j < s.kernel_w; ++j) col_read[q * s.stride_w + j * s.dilation_w] = 1;
  for (int64_t n = 0; n < s.batch; ++n)
    for (int64_t h = 0; h < s.padded_h; ++h)
      for (int64_t w = 0; w < s.padded_w; ++w)
        for (int64_t c = 0; c < s.channels; ++c) {
          const float v = dist(gen);
          if (row_read[h] && col_read[w])
            xp[((n * s.padded_h + h) * s.padded_w + w) * s.channels + c] = v;
        }
  return xp;
}

std::vector<float> make_weights(const ConvChecksumShape& s, uint32_t seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> w(s.out_c * (s.channels / s.group) * s.kernel_h * s.kernel_w);
  for (float& v : w) v = dist(gen);
  return w;
}

float at(const ConvChecksumShape& s, const std::vector<float>& xp, int64_t n, int64_t h, int64_t w,
         int64_t c) {
  return xp[((n * s.padded_h + h) * s.padded_w + w) * s.channels + c];
}

// S and Sabs by their definition: every output position, every tap.
void brute_tap_sums(const ConvChecksumShape& s, const std::vector<float>& xp,
                    std::vector<double>& sum, std::vector<double>& abs) {
  const int64_t taps = s.kernel_h * s.kernel_w;
  sum.assign(s.channels * taps, 0.0);
  abs.assign(s.channels * taps, 0.0);
  for (int64_t n = 0; n < s.batch; ++n)
    for (int64_t p = 0; p < s.out_h; ++p)
      for (int64_t q = 0; q < s.out_w; ++q)
        for (int64_t i = 0; i < s.kernel_h; ++i)
          for (int64_t j = 0; j < s.kernel_w; ++j)
            for (int64_t c = 0; c < s.channels; ++c) {
              const double v = at(s, xp, n, p * s.stride_h + i * s.dilation_h,
                                   q * s.stride_w + j * s.dilation_w, c);
              sum[c * taps + i * s.kernel_w + j] += v;
              abs[c * taps + i * s.kernel_w + j] += std::fabs(v);
            }
}

// Reference grouped convolution in double: returns the sum of all outputs and the sum over all
// outputs of sum_{c,tap} |W||xp|.
ConvChecksum brute_conv_sums(const ConvChecksumShape& s, const std::vector<float>& xp,
                             const std::vector<float>& w) {
  const int64_t cpg = s.channels / s.group, opg = s.out_c / s.group;
  ConvChecksum r{0.0, 0.0};
  for (int64_t n = 0; n < s.batch; ++n)
    for (int64_t p = 0; p < s.out_h; ++p)
      for (int64_t q = 0; q < s.out_w; ++q)
        for (int64_t k = 0; k < s.out_c; ++k) {
          double out = 0.0, mag = 0.0;
          const int64_t g = k / opg;
          for (int64_t cl = 0; cl < cpg; ++cl)
            for (int64_t i = 0; i < s.kernel_h; ++i)
              for (int64_t j = 0; j < s.kernel_w; ++j) {
                const double wv = w[((k * cpg + cl) * s.kernel_h + i) * s.kernel_w + j];
                const double xv = at(s, xp, n, p * s.stride_h + i * s.dilation_h,
                                     q * s.stride_w + j * s.dilation_w, g * cpg + cl);
                out += wv * xv;
                mag += std::fabs(wv) * std::fabs(xv);
              }
          r.expected += out;
          r.scale += mag;
        }
  return r;
}

struct TapSums {
  std::vector<double> sum, abs;
};

TapSums run_tap_sums(const ConvChecksumShape& s, const std::vector<float>& xp, int threads) {
  const int64_t n = s.channels * conv_checksum_taps(s);
  TapSums t{std::vector<double>(n, -7.0), std::vector<double>(n, -7.0)};  // stale values
  std::vector<double> scratch(conv_tap_sums_scratch(s), -3.0);
  conv_input_tap_sums(s, xp.data(), scratch.data(), t.sum.data(), t.abs.data(), threads);
  return t;
}

bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
}

TEST(ConvChecksum, TapSumsEqualIm2colColumnSums) {
  uint32_t seed = 1;
  for (const Geo& geo : geometries()) {
    const ConvChecksumShape s = make_shape(geo);
    ASSERT_TRUE(conv_checksum_validate(s).is_ok()) << describe(s);
    const std::vector<float> xp = make_input(s, seed++);
    std::vector<double> want_sum, want_abs;
    brute_tap_sums(s, xp, want_sum, want_abs);
    const TapSums got = run_tap_sums(s, xp, 1);
    for (size_t k = 0; k < want_sum.size(); ++k) {
      // Both sides sum the same doubles in different orders: rounding ~1e-16 * Sabs.
      const double tol = 1e-12 * (want_abs[k] + 1.0);
      ASSERT_NEAR(got.sum[k], want_sum[k], tol) << describe(s) << " entry " << k;
      ASSERT_NEAR(got.abs[k], want_abs[k], tol) << describe(s) << " entry " << k;
    }
  }
}

TEST(ConvChecksum, FullOutputSumMatchesReferenceConvolution) {
  uint32_t seed = 100;
  for (const Geo& geo : geometries()) {
    const ConvChecksumShape s = make_shape(geo);
    const std::vector<float> xp = make_input(s, seed++);
    const std::vector<float> w = make_weights(s, seed++);
    const int64_t n = s.channels * conv_checksum_taps(s);
    std::vector<double> wsum(n), wabs(n);
    conv_weight_checksums(s, w.data(), wsum.data(), wabs.data());
    const TapSums t = run_tap_sums(s, xp, 1);
    const ConvChecksum got = conv_checksum(s, wsum.data(), wabs.data(), t.sum.data(), t.abs.data());
    const ConvChecksum want = brute_conv_sums(s, xp, w);
    ASSERT_GT(want.scale, 0.0) << describe(s);
    EXPECT_NEAR(got.expected, want.expected, 1e-10 * want.scale) << describe(s);
    EXPECT_NEAR(got.scale, want.scale, 1e-10 * want.scale) << describe(s);
  }
}

TEST(ConvChecksum, OneByOneStrideOneIsThePlainChannelSum) {
  const ConvChecksumShape s = make_shape({2, 6, 7, 19, 1, 1, 1, 1, 1, 1, 1, 4});
  std::mt19937 gen(3);
  std::uniform_real_distribution<float> dist(-2.0f, 2.0f);
  std::vector<float> xp(s.batch * s.padded_h * s.padded_w * s.channels);
  for (float& v : xp) v = dist(gen);
  const TapSums t = run_tap_sums(s, xp, 1);
  for (int64_t c = 0; c < s.channels; ++c) {
    double sum = 0.0, abs = 0.0;
    for (size_t e = c; e < xp.size(); e += s.channels) {
      sum += xp[e];
      abs += std::fabs(xp[e]);
    }
    EXPECT_NEAR(t.sum[c], sum, 1e-12 * abs) << "channel " << c;
    EXPECT_NEAR(t.abs[c], abs, 1e-12 * abs) << "channel " << c;
  }
}

TEST(ConvChecksum, WeightChecksumsSumOverTheGroupsOutputChannels) {
  // Grouped W [out_c=6, 2, 1, 1] with 3 groups: channel c of group g sums W[2g, c%2] and
  // W[2g+1, c%2] (expected values worked by hand from the 12 weights).
  ConvChecksumShape s = make_shape({1, 1, 1, 6, 1, 1, 1, 1, 1, 1, 3, 6});
  const std::vector<float> w = {1, 2, 3, -4, 5, 6, 7, 8, -9, 10, 11, 12};
  std::vector<double> wsum(6), wabs(6);
  conv_weight_checksums(s, w.data(), wsum.data(), wabs.data());
  const std::vector<double> want_sum = {4, -2, 12, 14, 2, 22}, want_abs = {4, 6, 12, 14, 20, 22};
  for (int c = 0; c < 6; ++c) {
    EXPECT_EQ(wsum[c], want_sum[c]) << "channel " << c;
    EXPECT_EQ(wabs[c], want_abs[c]) << "channel " << c;
  }
}

TEST(ConvChecksum, ThreadsAndChannelRangesAreBitIdentical) {
  for (const Geo& geo : {Geo{2, 9, 10, 64, 3, 3, 2, 2, 1, 1, 1, 8},
                         Geo{1, 12, 12, 61, 5, 5, 1, 1, 2, 2, 1, 8},
                         Geo{1, 9, 9, 48, 1, 1, 2, 2, 1, 1, 1, 8},
                         Geo{1, 13, 14, 50, 3, 3, 2, 2, 2, 2, 1, 8}}) {
    const ConvChecksumShape s = make_shape(geo);
    const std::vector<float> xp = make_input(s, 11);
    const TapSums one = run_tap_sums(s, xp, 1);
    for (int threads : {2, 3}) {
      const TapSums many = run_tap_sums(s, xp, threads);
      EXPECT_TRUE(same_bits(one.sum, many.sum)) << describe(s) << " threads " << threads;
      EXPECT_TRUE(same_bits(one.abs, many.abs)) << describe(s) << " threads " << threads;
    }
    // Ragged channel ranges sharing one scratch, as a caller with its own threads would use them.
    const int64_t n = s.channels * conv_checksum_taps(s);
    TapSums parts{std::vector<double>(n, -7.0), std::vector<double>(n, -7.0)};
    std::vector<double> scratch(conv_tap_sums_scratch(s), -3.0);
    const int64_t bounds[] = {0, 5, 6, 23, s.channels};
    for (int r = 0; r + 1 < 5; ++r) {
      conv_input_tap_sums_channels(s, xp.data(), bounds[r], bounds[r + 1], scratch.data(),
                                   parts.sum.data(), parts.abs.data());
    }
    EXPECT_TRUE(same_bits(one.sum, parts.sum)) << describe(s);
    EXPECT_TRUE(same_bits(one.abs, parts.abs)) << describe(s);
  }
}

TEST(ConvChecksum, InstructionSetVariantsAreBitIdentical) {
  uint32_t seed = 300;
  for (const Geo& geo : geometries()) {
    const ConvChecksumShape s = make_shape(geo);
    const std::vector<float> xp = make_input(s, seed++);
    TapSums scalar;
    {
      test::IsaCap cap(Isa::kScalar);
      scalar = run_tap_sums(s, xp, 1);
    }
    for (Isa isa : {Isa::kAvx2, Isa::kAvx512}) {
      if (!test::cpu_has(isa)) continue;
      test::IsaCap cap(isa);
      for (int threads : {1, 2}) {
        const TapSums got = run_tap_sums(s, xp, threads);
        EXPECT_TRUE(same_bits(scalar.sum, got.sum)) << describe(s) << " " << isa_name(isa);
        EXPECT_TRUE(same_bits(scalar.abs, got.abs)) << describe(s) << " " << isa_name(isa);
      }
    }
  }
}

TEST(ConvChecksum, EmptyOutputsGiveZeroSums) {
  ConvChecksumShape s = make_shape({0, 5, 5, 3, 3, 3, 1, 1, 1, 1, 1, 2});  // batch 0
  const TapSums t = run_tap_sums(s, {}, 1);
  for (double v : t.sum) EXPECT_EQ(v, 0.0);
  for (double v : t.abs) EXPECT_EQ(v, 0.0);
}

TEST(ConvChecksum, ValidateRejectsInconsistentShapes) {
  const ConvChecksumShape ok = make_shape({1, 9, 10, 6, 3, 3, 2, 2, 1, 1, 2, 4});
  EXPECT_TRUE(conv_checksum_validate(ok).is_ok());
  ConvChecksumShape s = ok;
  s.out_h += 1;  // the last output row would read row 10 of a 9-row input
  const Status st = conv_checksum_validate(s);
  EXPECT_FALSE(st.is_ok());
  EXPECT_NE(st.message().find("rows"), std::string::npos) << st.message();
  s = ok;
  s.out_w += 1;
  EXPECT_FALSE(conv_checksum_validate(s).is_ok());
  s = ok;
  s.group = 4;  // 6 channels are not a multiple of 4 groups
  EXPECT_FALSE(conv_checksum_validate(s).is_ok());
  s = ok;
  s.stride_w = 0;
  EXPECT_FALSE(conv_checksum_validate(s).is_ok());
  s = ok;
  s.batch = -1;
  EXPECT_FALSE(conv_checksum_validate(s).is_ok());
}

}  // namespace
}  // namespace sf::abft
