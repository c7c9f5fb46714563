// Reference 8-bit (de)quantisation, linear per tensor or per axis.
//
//   quantize:    y = saturate(round_half_even(x / scale[ch]) + zero_point[ch])   (Q = uint8/int8)
//   dequantize:  y = (x - zero_point[ch]) * scale[ch]
//   requantize:  y = saturate(round_half_even(acc * multiplier) + zero_point)     (QLinear* ops)
//
// Layout: x viewed as [outer, channels, inner] where `channels` is the quantisation axis (1 with
// inner = all elements for per-tensor); scale and zero_point have `channels` entries.
// Arithmetic: x / scale in float for float/float16/bfloat16 inputs (as ONNX Runtime and the ONNX
// reference do), in double for float64 and int32 inputs; the division is correctly rounded, so
// results are exact except where x / scale lands within one float rounding of a .5 tie.
// Requantisation multiplies the int32 accumulator by the float multiplier in double (exact for
// any int32), as the ONNX reference's float64 promotion does.
// Saturation is explicit: +-inf and out-of-range values clamp to the type's range and NaN maps to
// the type's minimum (as ONNX Runtime 1.23 and the ONNX reference on x86 do), so no float->int
// conversion is ever out of range.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>

namespace sf::ref {

// Round to nearest, ties to even, independent of the FP environment's rounding mode.
template <typename F>
inline F round_half_even(F v) {
  const F r = std::round(v);  // ties away from zero
  if (std::fabs(r - v) == F(0.5)) return F(2) * std::round(v * F(0.5));
  return r;
}

// saturate(round_half_even(v) + zp) into Q's range; NaN gives Q's minimum.
template <typename Q, typename F>
inline Q quant_saturate(F v, int32_t zp) {
  constexpr F lo = static_cast<F>(std::numeric_limits<Q>::min());
  constexpr F hi = static_cast<F>(std::numeric_limits<Q>::max());
  if (std::isnan(v)) return std::numeric_limits<Q>::min();
  F r = round_half_even(v) + static_cast<F>(zp);
  r = r < lo ? lo : (r > hi ? hi : r);
  return static_cast<Q>(r);
}

// F is the arithmetic type (float or double); X converts to F.
template <typename F, typename X, typename Q>
void quantize_linear(const X* x, Q* y, int64_t outer, int64_t channels, int64_t inner,
                     const F* scale, const int32_t* zero_point) {
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t c = 0; c < channels; ++c) {
      const F s = scale[c];
      const int32_t zp = zero_point[c];
      const int64_t base = (o * channels + c) * inner;
      for (int64_t i = 0; i < inner; ++i)
        y[base + i] = quant_saturate<Q>(static_cast<F>(x[base + i]) / s, zp);
    }
}

// Y is float, double or a half type constructible from float.
template <typename X, typename Y>
void dequantize_linear(const X* x, Y* y, int64_t outer, int64_t channels, int64_t inner,
                       const float* scale, const int32_t* zero_point) {
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t c = 0; c < channels; ++c) {
      const float s = scale[c];
      const int64_t zp = zero_point[c];
      const int64_t base = (o * channels + c) * inner;
      for (int64_t i = 0; i < inner; ++i)
        y[base + i] = Y(static_cast<float>(static_cast<int64_t>(x[base + i]) - zp) * s);
    }
}

// DynamicQuantizeLinear's parameters (uint8, range extended to include 0; NaNs ignored):
//   scale = (max(0, max x) - min(0, min x)) / 255, or 1/255 when that range is 0
//   zero_point = round_half_even(clamp(0 - min / scale, 0, 255))
inline void dynamic_quant_params(const float* x, int64_t n, float& scale, uint8_t& zero_point) {
  float mn = 0.0f, mx = 0.0f;
  for (int64_t i = 0; i < n; ++i) {
    if (x[i] < mn) mn = x[i];
    if (x[i] > mx) mx = x[i];
  }
  const float range = mx - mn;  // may be inf for inf inputs
  scale = (range == 0.0f ? 1.0f : range) / 255.0f;
  float zp = 0.0f - mn / scale;
  zp = std::isnan(zp) ? 0.0f : (zp < 0.0f ? 0.0f : (zp > 255.0f ? 255.0f : zp));
  zero_point = static_cast<uint8_t>(round_half_even(zp));
}

// y[i] = saturate(round_half_even(double(acc[i]) * multiplier[ch]) + zp); acc as
// [outer, channels, inner] like quantize_linear.
template <typename Q>
void requantize(const int32_t* acc, Q* y, int64_t outer, int64_t channels, int64_t inner,
                const float* multiplier, int32_t zp) {
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t c = 0; c < channels; ++c) {
      const double mul = multiplier[c];
      const int64_t base = (o * channels + c) * inner;
      for (int64_t i = 0; i < inner; ++i)
        y[base + i] = quant_saturate<Q>(static_cast<double>(acc[base + i]) * mul, zp);
    }
}

}  // namespace sf::ref
