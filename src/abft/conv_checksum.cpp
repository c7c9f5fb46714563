// Exact convolution checksums (formulas in conv_checksum.hpp, derivation in README_conv.md).
//
// How S[c, tap] is formed in one pass. Tap (i, j) reads the rows i*dh + sh*p, p < out_h, and the
// columns j*dw + sw*q, q < out_w. Split the columns by residue rw = w mod sw: in the lattice of
// residue rw (columns rw, rw+sw, rw+2sw, ...) tap column j reads the contiguous index range
// [bj, bj + out_w) with bj = j*dw / sw and rw = j*dw mod sw. A running prefix sum per residue,
// read just before index bj and just after index bj + out_w - 1, gives the window sum as a
// difference. With NHWC the sw*channels floats of one "super-column" (columns b*sw .. b*sw+sw-1)
// are contiguous, and lane l = rw*channels + c of it belongs to residue rw and channel c, so the
// prefix sums of all residues and channels advance together: blocks of 8, 16 or 32 lanes (scalar,
// AVX2, AVX-512 variant, conv_tap_sums.inc) keep their running sums in registers while walking the
// super-columns of a row (column_block in conv_tap_sums_impl.hpp).
// Rows work the same way one level up: per row h (summed over the batch) the column pass gives
// win[j, c]; a running prefix per row residue rh = h mod sh over these, read before row i*dh and
// after row i*dh + (out_h-1)*sh, gives S[c, i*kw + j]. Only the prefix values the taps need are
// kept (summed-area tables evaluated where needed), so the scratch is (kw + sh*kw + taps) *
// channels * 2 doubles and no table is written.
//
// Rows and column residues that no tap reads are skipped, so 1x1 stride-2 convolutions read a
// quarter of xp. Every channel's arithmetic is the same sequence whatever the channel range or
// lane block, so splitting channels over threads cannot change a bit.
#include "abft/conv_checksum.hpp"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <string>

#include "abft/conv_tap_sums_impl.hpp"
#include "core/cpu_features.hpp"

namespace sf::abft {

// The baseline variant (no ISA flags: SSE2 vectors of 2 doubles, 4 + 4 of them per block).
void conv_tap_sums_rows__scalar_8(const TapSumsRowsArgs& args) { tap_sums_rows<2, 4>(args); }

namespace {

// Channel ranges handed to threads are multiples of this (8 doubles = one 64-byte line, so
// threads rarely share a cache line of the per-channel arrays).
constexpr int64_t kChannelGrain = 8;
// Below this many channels per thread the per-row bookkeeping outweighs the split.
constexpr int64_t kMinChannelsPerThread = 16;

struct TapSumsVariant {
  Isa isa;
  TapSumsRowsFn fn;
};
constexpr TapSumsVariant kVariants[] = {
#define SF_CONV_TAP_SUMS(fn, isa) {Isa::isa, fn},
#include "abft/conv_tap_sums.inc"
#undef SF_CONV_TAP_SUMS
};

// The best variant max_isa() allows (read per call: it is one load and tests may change the cap).
TapSumsRowsFn select_tap_sums_rows() {
  const Isa cap = max_isa();
  for (const TapSumsVariant& v : kVariants)
    if (static_cast<int>(v.isa) <= static_cast<int>(cap)) return v.fn;
  return kVariants[std::size(kVariants) - 1].fn;
}

}  // namespace

Status conv_checksum_validate(const ConvChecksumShape& s) {
  auto shape_str = [&] {
    return "batch " + std::to_string(s.batch) + ", padded " + std::to_string(s.padded_h) + "x" +
           std::to_string(s.padded_w) + "x" + std::to_string(s.channels) + ", kernel " +
           std::to_string(s.kernel_h) + "x" + std::to_string(s.kernel_w) + ", stride " +
           std::to_string(s.stride_h) + "x" + std::to_string(s.stride_w) + ", dilation " +
           std::to_string(s.dilation_h) + "x" + std::to_string(s.dilation_w) + ", out " +
           std::to_string(s.out_h) + "x" + std::to_string(s.out_w) + "x" + std::to_string(s.out_c) +
           ", group " + std::to_string(s.group);
  };
  if (s.kernel_h < 1 || s.kernel_w < 1 || s.stride_h < 1 || s.stride_w < 1 || s.dilation_h < 1 ||
      s.dilation_w < 1 || s.group < 1) {
    return invalid_argument("conv checksum: kernel, stride, dilation and group must be >= 1 (" +
                            shape_str() + ")");
  }
  if (s.batch < 0 || s.padded_h < 0 || s.padded_w < 0 || s.channels < 0 || s.out_h < 0 ||
      s.out_w < 0 || s.out_c < 0) {
    return invalid_argument("conv checksum: negative size (" + shape_str() + ")");
  }
  if (s.channels % s.group != 0 || s.out_c % s.group != 0) {
    return invalid_argument("conv checksum: channels and out_c must be multiples of group (" +
                            shape_str() + ")");
  }
  if (s.out_h > 0 && (s.out_h - 1) * s.stride_h + (s.kernel_h - 1) * s.dilation_h >= s.padded_h) {
    return invalid_argument("conv checksum: output rows read past the padded input (" +
                            shape_str() + ")");
  }
  if (s.out_w > 0 && (s.out_w - 1) * s.stride_w + (s.kernel_w - 1) * s.dilation_w >= s.padded_w) {
    return invalid_argument("conv checksum: output columns read past the padded input (" +
                            shape_str() + ")");
  }
  return Status::ok();
}

void conv_weight_checksums(const ConvChecksumShape& s, const float* w, double* wsum, double* wabs) {
  const int64_t taps = conv_checksum_taps(s);
  const int64_t cpg = s.channels / s.group, opg = s.out_c / s.group;
  for (int64_t c = 0; c < s.channels; ++c) {
    const int64_t g = c / cpg, cl = c % cpg;
    for (int64_t tap = 0; tap < taps; ++tap) {
      double sum = 0.0, abs = 0.0;
      for (int64_t k = g * opg; k < (g + 1) * opg; ++k) {
        const double v = w[(k * cpg + cl) * taps + tap];
        sum += v;
        abs += std::fabs(v);
      }
      wsum[c * taps + tap] = sum;
      wabs[c * taps + tap] = abs;
    }
  }
}

int64_t conv_tap_sums_scratch(const ConvChecksumShape& s) {
  // Per-row window sums, running sums per row residue and tap-major S, each for sum and |.|.
  const int64_t c = s.channels;
  return 2 * (s.kernel_w * c + s.stride_h * s.kernel_w * c + conv_checksum_taps(s) * c);
}

void conv_input_tap_sums_channels(const ConvChecksumShape& s, const float* xp, int64_t c_begin,
                                  int64_t c_end, double* scratch, double* sum, double* abs) {
  SF_ASSERT(conv_checksum_validate(s).is_ok());
  SF_ASSERT(0 <= c_begin && c_begin <= c_end && c_end <= s.channels);
  const int64_t taps = conv_checksum_taps(s), c = s.channels;
  double* win = scratch;                 // [kw][C] this row's window sums
  double* awin = win + s.kernel_w * c;
  double* acc2 = awin + s.kernel_w * c;  // [sh][kw][C] running sums per row residue
  double* aacc2 = acc2 + s.stride_h * s.kernel_w * c;
  double* st = aacc2 + s.stride_h * s.kernel_w * c;  // [taps][C]: S tap-major, transposed below
  double* ast = st + taps * c;
  for (int64_t r = 0; r < s.stride_h * s.kernel_w; ++r) {
    std::fill(acc2 + r * c + c_begin, acc2 + r * c + c_end, 0.0);
    std::fill(aacc2 + r * c + c_begin, aacc2 + r * c + c_end, 0.0);
  }
  for (int64_t tap = 0; tap < taps; ++tap) {
    std::fill(st + tap * c + c_begin, st + tap * c + c_end, 0.0);
    std::fill(ast + tap * c + c_begin, ast + tap * c + c_end, 0.0);
  }
  if (c_begin < c_end && s.batch > 0 && s.out_h > 0 && s.out_w > 0) {
    select_tap_sums_rows()({&s, xp, c_begin, c_end, win, awin, acc2, aacc2, st, ast});
  }
  for (int64_t ch = c_begin; ch < c_end; ++ch) {
    for (int64_t tap = 0; tap < taps; ++tap) {
      sum[ch * taps + tap] = st[tap * c + ch];
      abs[ch * taps + tap] = ast[tap * c + ch];
    }
  }
}

void conv_input_tap_sums(const ConvChecksumShape& s, const float* xp, double* scratch, double* sum,
                         double* abs, int threads) {
  const int64_t c = s.channels;
  const int64_t grains = (c + kChannelGrain - 1) / kChannelGrain;
  const int64_t nt = std::clamp<int64_t>(std::min<int64_t>(threads, c / kMinChannelsPerThread), 1,
                                         std::max<int64_t>(grains, 1));
  if (nt <= 1) {
    conv_input_tap_sums_channels(s, xp, 0, c, scratch, sum, abs);
    return;
  }
  // Static split into nt contiguous ranges of whole grains; each channel's arithmetic does not
  // depend on which range holds it.
#pragma omp parallel for num_threads(static_cast<int>(nt)) schedule(static)
  for (int64_t t = 0; t < nt; ++t) {
    const int64_t g0 = grains * t / nt, g1 = grains * (t + 1) / nt;
    const int64_t c0 = std::min(c, g0 * kChannelGrain), c1 = std::min(c, g1 * kChannelGrain);
    conv_input_tap_sums_channels(s, xp, c0, c1, scratch, sum, abs);
  }
}

ConvChecksum conv_checksum(const ConvChecksumShape& s, const double* wsum, const double* wabs,
                           const double* sum, const double* abs) {
  const int64_t n = s.channels * conv_checksum_taps(s);
  ConvChecksum r{0.0, 0.0};
  for (int64_t k = 0; k < n; ++k) {
    r.expected += wsum[k] * sum[k];
    r.scale += wabs[k] * abs[k];
  }
  return r;
}

}  // namespace sf::abft
