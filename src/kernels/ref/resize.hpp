// Reference Resize / Upsample, separable per axis but evaluated directly in N-D:
//   out[o_0..o_{r-1}] = sum over taps t_d of each axis of  prod_d w_d(o_d, t_d) * in[i_d(o_d, t_d)]
// where each axis maps its output coordinate o to x = coord_transform(o) in input coordinates
// and takes taps around x:
//   nearest: 1 tap (rounding per nearest_mode), linear: 2 taps (1-t, t), cubic: 4 taps (Keys
//   kernel with coefficient A; exclude_outside zeroes taps outside the input and renormalises).
// Tap indices are clamped to [0, in_len) (edge extension), as the ONNX reference does.
// tf_crop_and_resize: an output whose x falls outside [0, in_len-1] on any axis takes the
// extrapolation value. Weights and the sum are in double; the result is rounded once to T
// (integers: truncated toward zero and saturated, as ONNX Runtime and the ONNX reference do).
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <vector>

#include "kernels/ref/numeric.hpp"

namespace sf::ref {

enum class InterpMode { kNearest, kLinear, kCubic };
enum class CoordTransform {
  kHalfPixel,
  kAsymmetric,
  kAlignCorners,
  kPytorchHalfPixel,
  kTfCropAndResize,
  kTfHalfPixelForNn,
};
enum class NearestRound { kRoundPreferFloor, kRoundPreferCeil, kFloor, kCeil, kSimple };

struct ResizeParams {
  InterpMode mode = InterpMode::kNearest;
  CoordTransform coord = CoordTransform::kHalfPixel;
  NearestRound nearest = NearestRound::kRoundPreferFloor;
  double cubic_a = -0.75;
  bool exclude_outside = false;
};

// Taps of one axis: for output coordinate o, taps [o*taps, (o+1)*taps) of index/weight.
struct ResizeTaps {
  int64_t taps = 1;
  std::vector<int64_t> index;
  std::vector<double> weight;
  std::vector<uint8_t> outside;  // 1: extrapolate (tf_crop_and_resize)
};

// One axis: input and output lengths, the scale, the resized length before flooring (used by
// align_corners and tf_crop_and_resize; equals out_len when sizes were given) and the roi.
struct ResizeAxis {
  int64_t in_len = 0, out_len = 0;
  double scale = 1, length = 0;
  double roi_start = 0, roi_end = 1;
};

// The input coordinate of output coordinate `o` on one axis.
double resize_source_coord(const ResizeParams& p, const ResizeAxis& a, int64_t o);

ResizeTaps resize_axis_taps(const ResizeParams& p, const ResizeAxis& a);

template <typename T>
T resize_round(double v) {
  if constexpr (std::is_integral_v<T>) {
    if (std::isnan(v)) return 0;
    const double r = std::trunc(v);
    if (r <= static_cast<double>(std::numeric_limits<T>::min())) return std::numeric_limits<T>::min();
    if (r >= static_cast<double>(std::numeric_limits<T>::max())) return std::numeric_limits<T>::max();
    return static_cast<T>(r);
  } else {
    return store<T>(static_cast<compute_t<T>>(v));
  }
}

namespace detail {
template <typename T>
double resize_sum(const T* src, const std::vector<ResizeTaps>& axes,
                  const std::vector<int64_t>& strides, const std::vector<int64_t>& coord, size_t k,
                  int64_t off) {
  if (k == axes.size()) return static_cast<double>(load(src[off]));
  const ResizeTaps& a = axes[k];
  const auto base = static_cast<size_t>(coord[k] * a.taps);
  double acc = 0;
  for (int64_t t = 0; t < a.taps; ++t) {
    const double w = a.weight[base + static_cast<size_t>(t)];
    if (w == 0) continue;
    acc += w * resize_sum(src, axes, strides, coord, k + 1,
                          off + a.index[base + static_cast<size_t>(t)] * strides[k]);
  }
  return acc;
}
}  // namespace detail

template <typename T>
void resize_apply(const T* src, const std::vector<int64_t>& in_shape, T* dst,
                  const std::vector<int64_t>& out_shape, const std::vector<ResizeTaps>& axes,
                  double extrapolation_value) {
  const size_t r = out_shape.size();
  std::vector<int64_t> strides(r, 1);
  for (size_t k = r; k-- > 1;) strides[k - 1] = strides[k] * in_shape[k];
  int64_t n = 1;
  for (int64_t d : out_shape) n *= d;
  std::vector<int64_t> coord(r, 0);
  for (int64_t o = 0; o < n; ++o) {
    bool outside = false;
    for (size_t k = 0; k < r; ++k) outside |= axes[k].outside[static_cast<size_t>(coord[k])] != 0;
    dst[o] = resize_round<T>(outside ? extrapolation_value
                                     : detail::resize_sum(src, axes, strides, coord, 0, 0));
    for (size_t k = r; k-- > 0;) {
      if (++coord[k] < out_shape[k]) break;
      coord[k] = 0;
    }
  }
}

}  // namespace sf::ref
