// 2-D max and average pooling on fp32, channels-last row kernels (vectorised along channels) and
// NCHW plane kernels.
//
//   max: y = max over the window taps inside the input (NaN propagates; -inf when none)
//   avg: y = (sum of those taps, row-major window order, fp32) / (count_include_pad ? kH*kW :
//        number of taps inside); 0/0 = NaN for a window with no tap inside
// Window of output (oh, ow): input rows oh*sh - pad_top + u*dh, columns ow*sw - pad_left + v*dw;
// taps outside the input are skipped (no padded copy). Max is exact; the windowed average sums
// in the reference's order, so it matches ref::avg_pool3d bit for bit. Global average pooling
// sums in fp32 (NHWC: per channel over pixels in order; NCHW: 8 interleaved partial sums), error
// <= ~H*W*eps*max|x| against the double-accumulating reference.
// NHWC variants (kernels.inc) differ only in the ISA the same loops are compiled for.
#pragma once

#include <cstdint>
#include <span>

#include "core/cpu_features.hpp"

namespace sf::cpu {

struct PoolWindow {
  int64_t in_h = 1, in_w = 1;
  int64_t kernel_h = 1, kernel_w = 1, stride_h = 1, stride_w = 1;
  int64_t dilation_h = 1, dilation_w = 1, pad_top = 0, pad_left = 0;
  int64_t out_w = 1;
  bool count_include_pad = false;
};

// One output row of one NHWC image: src [in_h, in_w, channels] -> dst [out_w, channels].
struct PoolRowArgs {
  const float* src = nullptr;
  int64_t channels = 0;
  PoolWindow win;
  int64_t oh = 0;
  float* dst = nullptr;
};

using PoolRowFn = void (*)(const PoolRowArgs&);
// src [pixels, channels] -> dst [channels]: the mean over pixels.
using GlobalAvgFn = void (*)(const float* src, int64_t pixels, int64_t channels, float* dst);

struct PoolKernel {
  const char* name;  // pool_f32_nhwc__<isa>
  Isa isa;
  PoolRowFn max_row, avg_row;
  GlobalAvgFn global_avg;
};

// Every compiled NHWC variant, best first (scalar last), and the best max_isa() allows.
std::span<const PoolKernel> pool_kernels();
const PoolKernel& pool_select();

// One NCHW plane: src [in_h, in_w] -> dst [out_h, out_w].
void pool_max_nchw_plane(const float* src, const PoolWindow& w, int64_t out_h, float* dst);
void pool_avg_nchw_plane(const float* src, const PoolWindow& w, int64_t out_h, float* dst);
// Mean of each of `planes` contiguous planes of `pixels` values.
void global_avg_pool_nchw(const float* src, int64_t planes, int64_t pixels, float* dst);

}  // namespace sf::cpu
