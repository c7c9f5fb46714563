// Reference normalisation kernels. Layout: row-major; statistics are accumulated in double
// with two passes (mean, then mean of squared deviations: variance is never negative), and
// the result is rounded once to T. Parameters (scale, bias, mean, var) arrive as double arrays
// converted by the caller, so mixed parameter types need no extra instantiations.
//
//   batch_norm:     src [N, C, inner]; y = (x - mean[c]) / sqrt(var[c] + eps) * scale[c] + bias[c]
//   channel_stats:  population mean and variance per channel of [N, C, inner] (over N, inner)
//   instance_norm:  as batch_norm with mean/var of each (n, c) plane over inner
//   layer_norm:     src [outer, inner]; per row mean, inv_std = 1 / sqrt(var + eps),
//                   y = (x - mean) * inv_std * scale[j] + bias[j]  (bias may be null)
//   lp_norm:        src [outer, n, inner]; y = x / ||x||_p along n (p = 1 or 2); a zero norm
//                   gives 0 (as ONNX Runtime)
//   mvn:            y = (x - mean) / (sqrt(var) + 1e-9) over the axes marked in `reduced`
//                   (ONNX function body of MeanVarianceNormalization); y = x - mean when
//                   !normalize_variance
//   lrn:            src [N, C, inner]; sq = sum of x^2 over channels
//                   [c - floor((size-1)/2), c + ceil((size-1)/2)] clipped to [0, C);
//                   y = x / (bias + alpha / size * sq)^beta
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "kernels/ref/broadcast.hpp"
#include "kernels/ref/numeric.hpp"

namespace sf::ref {

template <typename T>
inline double load_f64(T v) {
  return static_cast<double>(load(v));
}

template <typename T>
inline T store_f64(double v) {
  return store<T>(static_cast<compute_t<T>>(v));
}

template <typename T>
void batch_norm(const T* src, T* dst, int64_t n, int64_t channels, int64_t inner,
                const double* scale, const double* bias, const double* mean, const double* var,
                double eps) {
  for (int64_t c = 0; c < channels; ++c) {
    const double a = scale[c] / std::sqrt(var[c] + eps);
    const double b = bias[c] - mean[c] * a;
    for (int64_t i = 0; i < n; ++i) {
      const int64_t base = (i * channels + c) * inner;
      for (int64_t j = 0; j < inner; ++j) dst[base + j] = store_f64<T>(load_f64(src[base + j]) * a + b);
    }
  }
}

template <typename T>
void channel_stats(const T* src, int64_t n, int64_t channels, int64_t inner, double* mean,
                   double* var) {
  const double count = static_cast<double>(n * inner);
  for (int64_t c = 0; c < channels; ++c) {
    double sum = 0;
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < inner; ++j) sum += load_f64(src[(i * channels + c) * inner + j]);
    const double m = sum / count;
    double sq = 0;
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < inner; ++j) {
        const double d = load_f64(src[(i * channels + c) * inner + j]) - m;
        sq += d * d;
      }
    mean[c] = m;
    var[c] = sq / count;
  }
}

template <typename T>
void instance_norm(const T* src, T* dst, int64_t n, int64_t channels, int64_t inner,
                   const double* scale, const double* bias, double eps) {
  for (int64_t i = 0; i < n; ++i)
    for (int64_t c = 0; c < channels; ++c) {
      const int64_t base = (i * channels + c) * inner;
      double mean = 0, var = 0;
      channel_stats(src + base, 1, 1, inner, &mean, &var);
      const double a = scale[c] / std::sqrt(var + eps);
      const double b = bias[c] - mean * a;
      for (int64_t j = 0; j < inner; ++j) dst[base + j] = store_f64<T>(load_f64(src[base + j]) * a + b);
    }
}

// mean_out / inv_std_out: one value per row (may be null).
template <typename T>
void layer_norm(const T* src, T* dst, int64_t outer, int64_t inner, const double* scale,
                const double* bias, double eps, double* mean_out, double* inv_std_out) {
  for (int64_t r = 0; r < outer; ++r) {
    const T* x = src + r * inner;
    T* y = dst + r * inner;
    double mean = 0, var = 0;
    channel_stats(x, 1, 1, inner, &mean, &var);
    const double inv_std = 1.0 / std::sqrt(var + eps);
    for (int64_t j = 0; j < inner; ++j)
      y[j] = store_f64<T>((load_f64(x[j]) - mean) * inv_std * scale[j] + (bias ? bias[j] : 0.0));
    if (mean_out) mean_out[r] = mean;
    if (inv_std_out) inv_std_out[r] = inv_std;
  }
}

template <typename T>
void lp_norm(const T* src, T* dst, int64_t outer, int64_t n, int64_t inner, int64_t p) {
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t j = 0; j < inner; ++j) {
      const int64_t base = o * n * inner + j;
      double norm = 0;
      for (int64_t k = 0; k < n; ++k) {
        const double v = load_f64(src[base + k * inner]);
        norm += p == 1 ? std::abs(v) : v * v;
      }
      if (p == 2) norm = std::sqrt(norm);
      for (int64_t k = 0; k < n; ++k) {
        const double v = load_f64(src[base + k * inner]);
        dst[base + k * inner] = store_f64<T>(norm == 0 ? 0.0 : v / norm);
      }
    }
}

template <typename T>
void mvn(const T* src, T* dst, const std::vector<int64_t>& shape, const std::vector<bool>& reduced,
         bool normalize_variance) {
  constexpr double kEps = 1e-9;
  // Statistics live in a tensor of `shape` with the reduced dims set to 1; broadcast strides
  // map every element to its statistic.
  std::vector<int64_t> stat_shape = shape;
  int64_t groups = 1, total = 1;
  for (size_t d = 0; d < shape.size(); ++d) {
    if (reduced[d]) stat_shape[d] = 1;
    groups *= stat_shape[d];
    total *= shape[d];
  }
  if (total == 0) return;
  const double count = static_cast<double>(total / groups);
  const std::array<std::vector<int64_t>, 1> strides = {broadcast_strides(stat_shape, shape)};
  std::vector<double> mean(static_cast<size_t>(groups), 0.0), var(static_cast<size_t>(groups), 0.0);
  for_each_broadcast<1>(shape, strides, [&](int64_t o, const std::array<int64_t, 1>& s) {
    mean[static_cast<size_t>(s[0])] += load_f64(src[o]);
  });
  for (double& m : mean) m /= count;
  for_each_broadcast<1>(shape, strides, [&](int64_t o, const std::array<int64_t, 1>& s) {
    const double d = load_f64(src[o]) - mean[static_cast<size_t>(s[0])];
    var[static_cast<size_t>(s[0])] += d * d;
  });
  for (double& v : var) v /= count;
  for_each_broadcast<1>(shape, strides, [&](int64_t o, const std::array<int64_t, 1>& s) {
    const auto g = static_cast<size_t>(s[0]);
    const double d = load_f64(src[o]) - mean[g];
    dst[o] = store_f64<T>(normalize_variance ? d / (std::sqrt(var[g]) + kEps) : d);
  });
}

template <typename T>
void lrn(const T* src, T* dst, int64_t n, int64_t channels, int64_t inner, int64_t size,
         double alpha, double beta, double bias) {
  const int64_t before = (size - 1) / 2, after = size - 1 - before;
  for (int64_t i = 0; i < n; ++i)
    for (int64_t c = 0; c < channels; ++c) {
      const int64_t lo = std::max<int64_t>(0, c - before);
      const int64_t hi = std::min(channels - 1, c + after);
      for (int64_t j = 0; j < inner; ++j) {
        double sq = 0;
        for (int64_t k = lo; k <= hi; ++k) {
          const double v = load_f64(src[(i * channels + k) * inner + j]);
          sq += v * v;
        }
        const int64_t at = (i * channels + c) * inner + j;
        const double scale = std::pow(bias + alpha / static_cast<double>(size) * sq, beta);
        dst[at] = store_f64<T>(load_f64(src[at]) / scale);
      }
    }
}

}  // namespace sf::ref
