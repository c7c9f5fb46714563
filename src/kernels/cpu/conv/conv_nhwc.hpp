// Direct 2-D convolution on channels-last (NHWC) activations through the BRGEMM primitive
// (kernels/cpu/gemm/brgemm.hpp), plus the NCHW <-> NHWC transposes the NCHW Conv binding uses.
//
//   y[n, oh, ow, g*mg + m] = act( sum_{i<kH, j<kW, c<cg} xp[n, oh*sh + i*dh, ow*sw + j*dw, g*cg + c]
//                                   * w[g*mg + m, c, i, j]  + bias[.] + residual[n, oh, ow, .] )
// with cg = C / group, mg = M / group, xp the input zero-padded by (pad_top, pad_left, ...).
//
// Mapping onto BRGEMM, one call per tile (a run of output pixels along one output row, one
// group, a block of output channels that starts on a panel boundary):
//   M = output pixels; A_i rows are input pixels, lda = C * stride_w
//   N = output channels of the group, B_i = the packed weights of tap i (panels of nr columns)
//   K = input channels of the group, blocked by kConvKBlockMax and kConvTapKMax / taps (later
//       blocks accumulate into C)
//   batch = kH * kW taps, addressed by element offsets from the tile's first input pixel
//   epilogue = bias + residual + activation, on the last K block only.
// A 1x1 stride-1 unpadded convolution is one GEMM over all pixels (tiles run along the flat
// pixel index, one tap).
// Narrow outputs (a row fills the mr-row register tile poorly, e.g. 7 or 14 pixels with mr = 6)
// use an im2col matrix instead: row p (flat output pixel over batch*out_h*out_w) holds the taps'
// input pixels [tap][in_c], so tiles run along the flat pixel index across output rows, with
// lda = taps * in_c and tap blocks at stride in_c. Same products summed in the same order.
// Few input channels (a stem over RGB): with dilation_w 1 and one group, the taps (i, 0..kW-1) of
// a kernel row read kW * C contiguous floats of the padded input, so a kernel row is one batch
// block with K = kW * C (row_merged(): 7 blocks of K 21 for a 7x7 stem instead of 49 of K 3). The
// products and their order over (i, j, c) are the same, and so are the results.
// Padding: the caller builds a zero-padded copy of the input in scratch (conv_nhwc_pad_row), so
// the inner loops never test the rim; an unpadded convolution reads the input directly.
// Accumulation: fp32 in the BRGEMM's registers over (tap, channel) in a fixed order, so results
// do not depend on the tiling or the thread count. Expected error against the reference Conv:
// |err| <= ~kH*kW*cg*eps*sum|x||w| (different summation order).
#pragma once

#include <cstdint>

#include "core/activation.hpp"
#include "kernels/cpu/gemm/brgemm.hpp"

namespace sf::cpu {

// The largest K block (input channels per group) one BRGEMM call reduces over.
inline constexpr int64_t kConvKBlockMax = 512;
// ... further limited so that one B panel of a call (taps * K block rows of nr floats) stays in
// L2 while the call's row blocks sweep it: taps * K block <= kConvTapKMax (at least 64 channels).
// Without it a 3x3 layer with 512 channels streams a 1.2 MB panel from L3 per 6-row block.
inline constexpr int64_t kConvTapKMax = 2048;
// Layers with at most this many input channels merge each kernel row's taps (row_merged()).
inline constexpr int64_t kConvRowMergeMaxC = 8;

struct ConvNhwcShape {
  int64_t batch = 1, in_h = 1, in_w = 1, in_c = 1;  // X [batch, in_h, in_w, in_c]
  int64_t out_h = 1, out_w = 1, out_c = 1;          // Y [batch, out_h, out_w, out_c]
  int64_t kernel_h = 1, kernel_w = 1;
  int64_t stride_h = 1, stride_w = 1, dilation_h = 1, dilation_w = 1;
  int64_t pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;
  int64_t group = 1;

  int64_t padded_h() const { return in_h + pad_top + pad_bottom; }
  int64_t padded_w() const { return in_w + pad_left + pad_right; }
  int64_t taps() const { return kernel_h * kernel_w; }
  int64_t in_per_group() const { return in_c / group; }
  int64_t out_per_group() const { return out_c / group; }
  bool padded() const { return pad_top || pad_left || pad_bottom || pad_right; }
  // A kernel row's taps form one batch block of K = kernel_w * in_c (see the header comment).
  bool row_merged() const {
    return group == 1 && kernel_w > 1 && dilation_w == 1 && in_c <= kConvRowMergeMaxC &&
           kernel_w * in_c <= kConvKBlockMax;
  }
  // The BRGEMM's view: batch blocks per K block and the K they reduce over (per group).
  int64_t batch_taps() const { return row_merged() ? kernel_h : taps(); }
  int64_t tap_k() const { return row_merged() ? kernel_w * in_c : in_per_group(); }
  // 1x1, stride 1, no padding: one GEMM over all pixels.
  bool pointwise() const {
    return kernel_h == 1 && kernel_w == 1 && stride_h == 1 && stride_w == 1 && !padded();
  }
};

// K blocking: the BRGEMM's K (tap_k(): input channels per group, or a merged kernel row) split
// into equal blocks of at most kConvKBlockMax.
int64_t conv_nhwc_k_block(const ConvNhwcShape& s);

// Packed weights: for each group, K block and tap, the [k_len x mg] matrix
// B[c][m] = w[g*mg + m, k0 + c, i, j] packed into panels of nr columns (brgemm.hpp layout);
// row_merged(): for each kernel row i, B[j*C + c][m] = w[m, c, i, j].
// `w` is the ONNX [M, C/group, kH, kW] tensor. Depends only on M, C, group, kH, kW, dilation_w.
int64_t conv_nhwc_packed_floats(const ConvNhwcShape& s, int nr);
void conv_nhwc_pack_weights(const ConvNhwcShape& s, int nr, const float* w, float* dst);
// The tile scheme's checksum columns (gemm/abft.hpp) of packed weights: for every (group, K block,
// tap) block, its panels' [2][k_len] columns, at 2 / nr of the block's packed offset. dst holds
// conv_nhwc_check_floats() floats.
int64_t conv_nhwc_check_floats(const ConvNhwcShape& s, int nr);
void conv_nhwc_pack_checks(const ConvNhwcShape& s, int nr, const float* packed, float* dst);

// Element offsets of the taps (row-major i, j) relative to the input pixel of tap (0, 0), in a
// [padded_h, padded_w, in_c] image. `offsets` holds taps() entries.
void conv_nhwc_tap_offsets(const ConvNhwcShape& s, int64_t* offsets);

// Writes row `prow` (< padded_h) of image `img` of the padded input: zeros in the rim, the
// input elsewhere. dst is [batch, padded_h, padded_w, in_c].
void conv_nhwc_pad_row(const ConvNhwcShape& s, const float* src, float* dst, int64_t img,
                       int64_t prow);
// Writes the window [prow0, prow0 + rows) x [pcol0, pcol0 + cols) of image `img` of the padded
// input contiguously at dst ([rows, cols, in_c]): a patch of the padded input, for kernels that
// pad only where their windows cross the rim.
void conv_nhwc_pad_patch(const ConvNhwcShape& s, const float* src, int64_t img, int64_t prow0,
                         int64_t rows, int64_t pcol0, int64_t cols, float* dst);

// The im2col matrix is used when the BRGEMM's row efficiency on one output row,
// out_w / roundup(out_w, mr), is below 0.85 and the matrix holds at most kConvIm2colMaxFloats.
inline constexpr int64_t kConvIm2colMaxFloats = int64_t{4} << 20;
int64_t conv_nhwc_im2col_floats(const ConvNhwcShape& s);
bool conv_nhwc_use_im2col(const ConvNhwcShape& s, int mr);
// Writes im2col rows [p0, p1) (flat output pixels) from the padded input `xp`:
// dst[p][t][c] = xp[img, oh*sh + i*dh, ow*sw + j*dw, c] for tap t = (i, j).
void conv_nhwc_im2col_rows(const ConvNhwcShape& s, const float* xp, float* dst, int64_t p0,
                           int64_t p1);

// One tile of output. For a pointwise shape or an im2col operand, `ow0` is a flat pixel index over batch*out_h*out_w
// and img/oh are ignored. n0 must be a multiple of the variant's nr.
struct ConvNhwcTile {
  int64_t img = 0, oh = 0, ow0 = 0, ow_len = 0;
  int64_t group = 0, n0 = 0, n_len = 0;
  double* out_sum = nullptr;  // ABFT global scheme: += the tile's pre-epilogue output sum
  // The (group, n0) of the tile the caller computes next, or -1: its first K block's weights are
  // prefetched during this tile's last one (BrgemmArgs::b_next), as each K block prefetches the
  // next. A hint: it changes no result.
  int64_t next_group = -1, next_n0 = -1;
};

struct ConvNhwcOperands {
  const float* x = nullptr;         // padded input (or the input when unpadded / pointwise),
                                    // or the im2col matrix when `im2col`
  bool im2col = false;
  const float* packed_w = nullptr;  // conv_nhwc_pack_weights for the variant's nr
  const int64_t* tap_offsets = nullptr;
  const float* bias = nullptr;      // [out_c] or nullptr
  const float* residual = nullptr;  // Y-shaped NHWC or nullptr
  float* y = nullptr;               // [batch, out_h, out_w, out_c]
  ActivationSpec act;
  // ABFT tile scheme (with an `_abft` variant): conv_nhwc_pack_checks of packed_w, and the log.
  const float* checks = nullptr;
  TileCheckLog* log = nullptr;
};

void conv_nhwc_tile(const ConvNhwcShape& s, const BrgemmKernel& kernel, const ConvNhwcOperands& op,
                    const ConvNhwcTile& t);

// Layout transposes for one image: src [c, hw] -> dst [hw, c] over pixels [p0, p1), and
// src [hw, c] -> dst [c, hw] over channels [c0, c1).
void nchw_to_nhwc(const float* src, int64_t c, int64_t hw, float* dst, int64_t p0, int64_t p1);
void nhwc_to_nchw(const float* src, int64_t c, int64_t hw, float* dst, int64_t c0, int64_t c1);

}  // namespace sf::cpu
