// Exact full-output checksum of a convolution (global ABFT, references/abft.md §3), for a "valid"
// convolution on an already zero-padded NHWC input xp [batch, padded_h, padded_w, channels]:
//
//   out[n,p,q,k] = sum_{c in group(k), i<kh, j<kw} W[k, c_local, i, j]
//                    * xp[n, p*sh + i*dh, q*sw + j*dw, c]
//
//   sum_{n,p,q,k} out[n,p,q,k] = sum_{c, tap} wsum[c, tap] * S[c, tap]            (the invariant)
//   wsum[c, tap] = sum_{k in group(c)} W[k, c_local, tap]              (weights, once at load)
//   S[c, tap]    = sum_n sum_{p<out_h} sum_{q<out_w} xp[n, p*sh + i*dh, q*sw + j*dw, c]
//                = the column sums of the im2col matrix                (input, per run)
//
// and the scale of its rounding error, scale = sum wabs * Sabs (the same with |W| and |xp|), which
// equals sum over all outputs of sum_{c,tap} |W||xp| = 1^T |A||B| 1 of the im2col GEMM, the
// quantity the tolerance of §7 multiplies. Taps are numbered tap = i * kernel_w + j.
//
// S is computed in one pass over xp with running prefix sums (summed-area tables evaluated only
// where needed): the rows a tap reads form an arithmetic progression of step sh, so per row
// residue class (h mod sh) a prefix sum over rows gives every tap's row range as a difference,
// and likewise for columns per residue (w mod sw). Padding, stride, dilation, groups and input
// rows/columns that no output reads are therefore all exact; see README_conv.md.
//
// Accumulation: everything in double, in an order that depends only on the shape (each channel's
// sums follow the same sequence whatever the thread count), so results are bit-identical for any
// `threads`. Rounding of the checksum side: each S is a difference of prefix sums over at most
// n = batch*padded_h*padded_w values of its channel, so |S error| <= ~2n * 2^-53 * (sum of |xp|
// over the channel's positions the pass walks: the read ones plus, with dilation, the gaps
// between them); for ResNet-sized layers that is ~1e-10 of `scale` or less, far below the fp32
// roundoff of the convolution the checksum is compared with.
#pragma once

#include <cstdint>

#include "core/status.hpp"

namespace sf::abft {

struct ConvChecksumShape {
  int64_t batch = 0, padded_h = 0, padded_w = 0, channels = 0;  // channels: all groups
  int64_t kernel_h = 1, kernel_w = 1, stride_h = 1, stride_w = 1, dilation_h = 1, dilation_w = 1;
  int64_t out_h = 0, out_w = 0;
  int64_t group = 1;  // out_c / group outputs and channels / group inputs per group
  int64_t out_c = 0;
};

// Checks that the shape describes a valid convolution: positive kernel/stride/dilation/group,
// non-negative sizes, channels and out_c divisible by group, and every output's window inside xp
// ((out_h-1)*sh + (kh-1)*dh < padded_h, columns alike). The functions below assume it passed.
Status conv_checksum_validate(const ConvChecksumShape& s);

// Number of taps (kernel_h * kernel_w); wsum, wabs, sum and abs hold channels * taps doubles.
inline int64_t conv_checksum_taps(const ConvChecksumShape& s) { return s.kernel_h * s.kernel_w; }

// Weight side, once at load, from ONNX W [out_c, channels/group, kernel_h, kernel_w]:
// wsum[c*taps + tap] = sum over output channels k of c's group of W[k, c % (channels/group), tap];
// wabs the same over |W|.
void conv_weight_checksums(const ConvChecksumShape& s, const float* w, double* wsum, double* wabs);

// Doubles of scratch conv_input_tap_sums needs (independent of the thread count).
int64_t conv_tap_sums_scratch(const ConvChecksumShape& s);

// Input side, per run: sum[c*taps + tap] = S[c, tap], abs[c*taps + tap] = the same over |xp|.
// Cost: one read of the rows and columns of xp that some output reads, plus
// O(padded_h * kernel_w * channels) for the row-level sums. threads > 1 splits the channels over
// OpenMP threads (results identical for any thread count).
void conv_input_tap_sums(const ConvChecksumShape& s, const float* xp, double* scratch, double* sum,
                         double* abs, int threads = 1);
// The same for channels [c_begin, c_end) only, for callers that own their threads: calls on
// disjoint channel ranges may run concurrently on the same scratch, sum and abs.
void conv_input_tap_sums_channels(const ConvChecksumShape& s, const float* xp, int64_t c_begin,
                                  int64_t c_end, double* scratch, double* sum, double* abs);

struct ConvChecksum {
  double expected;  // sum_{c,tap} wsum * S: what the outputs (before bias/activation) sum to
  double scale;     // sum_{c,tap} wabs * Sabs >= |sum of |products||; tolerances scale with it
};
ConvChecksum conv_checksum(const ConvChecksumShape& s, const double* wsum, const double* wabs,
                           const double* sum, const double* abs);

}  // namespace sf::abft
