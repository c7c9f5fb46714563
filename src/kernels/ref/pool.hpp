// Reference pooling kernels.
//
// Windowed pools (MaxPool, AveragePool, LpPool) work on src [planes, D, H, W] -> dst
// [planes, OD, OH, OW], row-major, planes = N * C. 1-D and 2-D pools are the same problem with
// leading unit spatial dims (kernel 1, stride 1, dilation 1, pad 0). Output coordinate o of a dim
// covers the input positions o*stride - pad_begin + k*dilation, k in [0, kernel); only the taps
// that fall inside the input are read ("valid taps"), so padding is never materialised.
//   max: dst = max over valid taps. NaN propagates (as in PyTorch); ties keep the first tap in
//        row-major window order. Index output (MaxPool Indices): the flat input index of the
//        chosen tap including the plane offset, plane * D*H*W + (row-major: (d*H + h)*W + w;
//        column-major, storage_order=1: d + h*D + w*D*H), as ONNX Runtime. A window without
//        valid taps gives -inf (lowest for integers) and index -1.
//   avg: dst = sum(valid taps) / (count_include_pad ? kernel volume : number of valid taps).
//   lp:  dst = (sum over valid taps of |x|^p)^(1/p); padding would contribute 0.
// Accumulation type compute_t<T> (float for f16/bf16/f32, double for f64); max is exact.
//
// Global pools reduce each plane of src [planes, inner] to one value: max (NaN propagates),
// mean (double accumulator), (sum |x|^p)^(1/p) (double accumulator).
//
// MaxUnpool scatters dst[indices[j]] = src[j] into a zero-filled dst; indices are checked.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "kernels/ref/numeric.hpp"

namespace sf::ref {

struct Pool3dParams {
  int64_t planes = 0;
  std::array<int64_t, 3> in{1, 1, 1}, out{1, 1, 1};
  std::array<int64_t, 3> kernel{1, 1, 1}, stride{1, 1, 1}, dilation{1, 1, 1};
  std::array<int64_t, 3> pad_begin{0, 0, 0};
};

// Valid taps of one output coordinate along one dim: input position of tap 0 and the kernel
// tap range [k_lo, k_hi) whose positions lie in [0, in).
struct PoolTaps {
  int64_t start = 0, k_lo = 0, k_hi = 0;
};

inline std::vector<PoolTaps> pool_taps(const Pool3dParams& p, size_t dim) {
  const int64_t in = p.in[dim], k = p.kernel[dim], d = p.dilation[dim];
  std::vector<PoolTaps> taps(static_cast<size_t>(p.out[dim]));
  for (int64_t o = 0; o < p.out[dim]; ++o) {
    PoolTaps& t = taps[static_cast<size_t>(o)];
    t.start = o * p.stride[dim] - p.pad_begin[dim];
    t.k_lo = t.start < 0 ? (-t.start + d - 1) / d : 0;
    t.k_hi = t.start <= in - 1 ? std::min(k, (in - 1 - t.start) / d + 1) : 0;
    t.k_hi = std::max(t.k_hi, t.k_lo);
  }
  return taps;
}

// Calls f(plane, dst_index, taps_d, taps_h, taps_w) for every output element in order.
template <typename F>
void pool3d_for_each(const Pool3dParams& p, F&& f) {
  const std::vector<PoolTaps> td = pool_taps(p, 0), th = pool_taps(p, 1), tw = pool_taps(p, 2);
  int64_t o = 0;
  for (int64_t c = 0; c < p.planes; ++c)
    for (const PoolTaps& a : td)
      for (const PoolTaps& b : th)
        for (const PoolTaps& e : tw) f(c, o++, a, b, e);
}

template <typename T>
bool pool_is_nan(T v) {
  if constexpr (std::is_floating_point_v<T>) return std::isnan(v);
  else return false;
}

template <typename T>
void max_pool3d(const T* src, T* dst, int64_t* indices, const Pool3dParams& p,
                bool column_major) {
  using C = compute_t<T>;
  const int64_t D = p.in[0], H = p.in[1], W = p.in[2], vol = D * H * W;
  const C empty = std::numeric_limits<C>::has_infinity ? -std::numeric_limits<C>::infinity()
                                                       : std::numeric_limits<C>::lowest();
  pool3d_for_each(p, [&](int64_t c, int64_t o, const PoolTaps& td, const PoolTaps& th,
                         const PoolTaps& tw) {
    const T* plane = src + c * vol;
    C best = empty;
    int64_t best_pos = -1;
    for (int64_t kd = td.k_lo; kd < td.k_hi; ++kd) {
      const int64_t id = td.start + kd * p.dilation[0];
      for (int64_t kh = th.k_lo; kh < th.k_hi; ++kh) {
        const int64_t ih = th.start + kh * p.dilation[1];
        const T* row = plane + (id * H + ih) * W;
        for (int64_t kw = tw.k_lo; kw < tw.k_hi; ++kw) {
          const int64_t iw = tw.start + kw * p.dilation[2];
          const C v = load(row[iw]);
          if (best_pos < 0 || v > best || (pool_is_nan(v) && !pool_is_nan(best))) {
            best = v;
            best_pos = column_major ? id + ih * D + iw * D * H : (id * H + ih) * W + iw;
          }
        }
      }
    }
    dst[o] = store<T>(best);
    if (indices) indices[o] = best_pos < 0 ? -1 : c * vol + best_pos;
  });
}

// Sum over the valid taps of one window of `plane` of term(x), x loaded as compute_t<T>, in
// row-major tap order.
template <typename T, typename Term>
compute_t<T> pool_window_sum(const T* plane, const Pool3dParams& p, const PoolTaps& td,
                             const PoolTaps& th, const PoolTaps& tw, Term&& term) {
  const int64_t H = p.in[1], W = p.in[2];
  compute_t<T> sum = 0;
  for (int64_t kd = td.k_lo; kd < td.k_hi; ++kd) {
    const int64_t id = td.start + kd * p.dilation[0];
    for (int64_t kh = th.k_lo; kh < th.k_hi; ++kh) {
      const T* row = plane + (id * H + th.start + kh * p.dilation[1]) * W + tw.start;
      for (int64_t kw = tw.k_lo; kw < tw.k_hi; ++kw) sum += term(load(row[kw * p.dilation[2]]));
    }
  }
  return sum;
}

template <typename T>
void avg_pool3d(const T* src, T* dst, const Pool3dParams& p, bool count_include_pad) {
  using C = compute_t<T>;
  const int64_t vol = p.in[0] * p.in[1] * p.in[2];
  const int64_t kernel_volume = p.kernel[0] * p.kernel[1] * p.kernel[2];
  pool3d_for_each(p, [&](int64_t c, int64_t o, const PoolTaps& td, const PoolTaps& th,
                         const PoolTaps& tw) {
    const C sum = pool_window_sum(src + c * vol, p, td, th, tw, [](C v) { return v; });
    const int64_t n = count_include_pad
                          ? kernel_volume
                          : (td.k_hi - td.k_lo) * (th.k_hi - th.k_lo) * (tw.k_hi - tw.k_lo);
    dst[o] = store<T>(sum / static_cast<C>(n));  // n == 0 (no valid tap) gives NaN
  });
}

template <typename T>
void lp_pool3d(const T* src, T* dst, const Pool3dParams& p, double power) {
  using C = compute_t<T>;
  const int64_t vol = p.in[0] * p.in[1] * p.in[2];
  const C pw = static_cast<C>(power);
  pool3d_for_each(p, [&](int64_t c, int64_t o, const PoolTaps& td, const PoolTaps& th,
                         const PoolTaps& tw) {
    const C sum = pool_window_sum(src + c * vol, p, td, th, tw, [&](C v) {
      const C a = std::abs(v);
      return power == 2 ? a * a : power == 1 ? a : std::pow(a, pw);
    });
    dst[o] = store<T>(power == 2 ? std::sqrt(sum) : power == 1 ? sum : std::pow(sum, 1 / pw));
  });
}

template <typename T>
void global_max_pool(const T* src, T* dst, int64_t planes, int64_t inner) {
  using C = compute_t<T>;
  for (int64_t c = 0; c < planes; ++c) {
    const T* x = src + c * inner;
    C best = -std::numeric_limits<C>::infinity();
    for (int64_t i = 0; i < inner; ++i) {
      const C v = load(x[i]);
      if (i == 0 || v > best || (pool_is_nan(v) && !pool_is_nan(best))) best = v;
    }
    dst[c] = store<T>(best);
  }
}

template <typename T>
void global_avg_pool(const T* src, T* dst, int64_t planes, int64_t inner) {
  for (int64_t c = 0; c < planes; ++c) {
    const T* x = src + c * inner;
    double sum = 0;
    for (int64_t i = 0; i < inner; ++i) sum += static_cast<double>(load(x[i]));
    dst[c] = store<T>(static_cast<compute_t<T>>(sum / static_cast<double>(inner)));
  }
}

template <typename T>
void global_lp_pool(const T* src, T* dst, int64_t planes, int64_t inner, double power) {
  for (int64_t c = 0; c < planes; ++c) {
    const T* x = src + c * inner;
    double sum = 0;
    for (int64_t i = 0; i < inner; ++i) {
      const double a = std::abs(static_cast<double>(load(x[i])));
      sum += power == 2 ? a * a : std::pow(a, power);
    }
    const double r = power == 2 ? std::sqrt(sum) : std::pow(sum, 1 / power);
    dst[c] = store<T>(static_cast<compute_t<T>>(r));
  }
}

// Returns -1, or the position j of the first index outside [0, dst_n) (dst is then partly
// written but never out of bounds).
template <typename T>
int64_t max_unpool(const T* src, const int64_t* indices, int64_t n, T* dst, int64_t dst_n) {
  std::fill(dst, dst + dst_n, store<T>(0));
  for (int64_t j = 0; j < n; ++j) {
    const int64_t i = indices[j];
    if (i < 0 || i >= dst_n) return j;
    dst[i] = src[j];
  }
  return -1;
}

}  // namespace sf::ref
