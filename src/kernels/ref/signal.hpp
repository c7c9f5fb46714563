// Reference kernels of the signal ops: determinant, window functions, discrete Fourier
// transforms (DFT, STFT), the mel filter bank and GridSample. All arithmetic is in double;
// results are converted to the element type at the store (cast_value: integers truncate and
// saturate, NaN -> 0).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <vector>

#include "kernels/ref/elementwise_cast.hpp"
#include "kernels/ref/numeric.hpp"

namespace sf::ref {

template <typename T>
inline double load_double(T v) {
  return static_cast<double>(load(v));
}

// ---- Det ------------------------------------------------------------------------------------
// det(A) for `batch` row-major m x m matrices: LU decomposition with partial pivoting in double,
// det = sign(permutation) * prod(U_ii). det of a 0 x 0 matrix is 1. A zero pivot column gives 0.
template <typename T>
void det(const T* src, T* dst, int64_t batch, int64_t m) {
  const auto n = static_cast<size_t>(m);
  std::vector<double> a(n * n);
  for (int64_t b = 0; b < batch; ++b) {
    const T* s = src + b * m * m;
    for (size_t i = 0; i < n * n; ++i) a[i] = load_double(s[i]);
    double d = 1.0;
    for (size_t k = 0; k < n; ++k) {
      size_t p = k;
      for (size_t i = k + 1; i < n; ++i)
        if (std::fabs(a[i * n + k]) > std::fabs(a[p * n + k])) p = i;
      if (a[p * n + k] == 0.0) {
        d = 0.0;
        break;
      }
      if (p != k) {
        for (size_t j = 0; j < n; ++j) std::swap(a[k * n + j], a[p * n + j]);
        d = -d;
      }
      const double pivot = a[k * n + k];
      d *= pivot;
      for (size_t i = k + 1; i < n; ++i) {
        const double f = a[i * n + k] / pivot;
        for (size_t j = k + 1; j < n; ++j) a[i * n + j] -= f * a[k * n + j];
      }
    }
    dst[b] = cast_value<T>(d);
  }
}

// ---- windows --------------------------------------------------------------------------------
// w[n] for n in [0, size), with N = size (periodic) or size - 1 (symmetric), x = 2 pi n / N
// (x = 0 when N = 0, i.e. a symmetric window of size 1):
//   Hann:     0.5 - 0.5 cos(x)
//   Hamming:  25/46 - 21/46 cos(x)
//   Blackman: 0.42 - 0.5 cos(x) + 0.08 cos(2x)
enum class WindowKind { kHann, kHamming, kBlackman };

template <typename T>
void window(WindowKind kind, int64_t size, bool periodic, T* dst) {
  const int64_t n_den = periodic ? size : size - 1;
  constexpr double kTwoPi = 2.0 * std::numbers::pi;
  for (int64_t n = 0; n < size; ++n) {
    const double x = n_den > 0 ? kTwoPi * static_cast<double>(n) / static_cast<double>(n_den) : 0;
    double w = 0;
    switch (kind) {
      case WindowKind::kHann: w = 0.5 - 0.5 * std::cos(x); break;
      case WindowKind::kHamming: w = 25.0 / 46.0 - 21.0 / 46.0 * std::cos(x); break;
      case WindowKind::kBlackman: w = 0.42 - 0.5 * std::cos(x) + 0.08 * std::cos(2 * x); break;
    }
    dst[n] = cast_value<T>(w);
  }
}

// ---- DFT ------------------------------------------------------------------------------------
// One transform of length `len` on complex samples in (re, im), of which the first `n_in` are
// given (the rest are zero; samples past `len` are dropped):
//   X[k] = s * sum_{n < len} x[n] exp(-+ 2 pi i k n / len), k in [0, n_out)
// with sign + and s = 1/len for the inverse, sign - and s = 1 otherwise. Direct O(len * n_out)
// summation in double; angles use (k n mod len) so they stay exact for large k n.
inline void dft_1d(const double* re, const double* im, int64_t n_in, int64_t len, int64_t n_out,
                   bool inverse, double* out_re, double* out_im) {
  const int64_t n_used = std::min(n_in, len);
  const double sign = inverse ? 1.0 : -1.0;
  const double scale = inverse ? 1.0 / static_cast<double>(len) : 1.0;
  const double step = 2.0 * std::numbers::pi / static_cast<double>(len);
  for (int64_t k = 0; k < n_out; ++k) {
    double sr = 0, si = 0;
    for (int64_t n = 0; n < n_used; ++n) {
      const double ang = sign * step * static_cast<double>((k * n) % len);
      const double c = std::cos(ang), s = std::sin(ang);
      sr += re[n] * c - im[n] * s;
      si += re[n] * s + im[n] * c;
    }
    out_re[k] = sr * scale;
    out_im[k] = si * scale;
  }
}

// Input viewed as [outer, n_in, inner, comps] (comps 1: real, 2: complex), output as
// [outer, n_out, inner, 2]; the transform runs along the n axis with length `len`.
struct DftParams {
  int64_t outer = 1, n_in = 0, inner = 1, comps = 1;
  int64_t len = 0, n_out = 0;
  bool inverse = false;
};

template <typename T>
void dft(const DftParams& p, const T* src, T* dst) {
  const auto n_in = static_cast<size_t>(p.n_in), n_out = static_cast<size_t>(p.n_out);
  std::vector<double> re(n_in), im(n_in), ore(n_out), oim(n_out);
  for (int64_t o = 0; o < p.outer; ++o)
    for (int64_t i = 0; i < p.inner; ++i) {
      for (int64_t n = 0; n < p.n_in; ++n) {
        const T* x = src + ((o * p.n_in + n) * p.inner + i) * p.comps;
        re[static_cast<size_t>(n)] = load_double(x[0]);
        im[static_cast<size_t>(n)] = p.comps == 2 ? load_double(x[1]) : 0.0;
      }
      dft_1d(re.data(), im.data(), p.n_in, p.len, p.n_out, p.inverse, ore.data(), oim.data());
      for (int64_t k = 0; k < p.n_out; ++k) {
        T* y = dst + ((o * p.n_out + k) * p.inner + i) * 2;
        y[0] = cast_value<T>(ore[static_cast<size_t>(k)]);
        y[1] = cast_value<T>(oim[static_cast<size_t>(k)]);
      }
    }
}

// ---- STFT -----------------------------------------------------------------------------------
// signal [batch, length, comps] -> [batch, frames, bins, 2]:
//   Y[b, f, k] = sum_{n < frame_len} w[n] x[b, f * step + n] exp(-2 pi i k n / frame_len)
// with w = 1 when no window is given, k in [0, bins).
struct StftParams {
  int64_t batch = 0, length = 0, comps = 1;
  int64_t frame_len = 0, step = 1, frames = 0, bins = 0;
};

template <typename T>
void stft(const StftParams& p, const T* src, const T* win, T* dst) {
  const auto fl = static_cast<size_t>(p.frame_len), nb = static_cast<size_t>(p.bins);
  std::vector<double> re(fl), im(fl), ore(nb), oim(nb);
  for (int64_t b = 0; b < p.batch; ++b)
    for (int64_t f = 0; f < p.frames; ++f) {
      for (int64_t n = 0; n < p.frame_len; ++n) {
        const T* x = src + (b * p.length + f * p.step + n) * p.comps;
        const double w = win ? load_double(win[n]) : 1.0;
        re[static_cast<size_t>(n)] = w * load_double(x[0]);
        im[static_cast<size_t>(n)] = p.comps == 2 ? w * load_double(x[1]) : 0.0;
      }
      dft_1d(re.data(), im.data(), p.frame_len, p.frame_len, p.bins, false, ore.data(),
             oim.data());
      for (int64_t k = 0; k < p.bins; ++k) {
        T* y = dst + ((b * p.frames + f) * p.bins + k) * 2;
        y[0] = cast_value<T>(ore[static_cast<size_t>(k)]);
        y[1] = cast_value<T>(oim[static_cast<size_t>(k)]);
      }
    }
}

// ---- MelWeightMatrix ------------------------------------------------------------------------
// Triangular filters, as the ONNX reference implementation:
//   mel(f) = 2595 log10(1 + f / 700), m_j = mel(lower) + j (mel(upper) - mel(lower)) / (bins + 2)
//   for j in [0, bins + 2) (the reference divides by bins + 2, so m_{bins+1} < mel(upper));
//   bin_j = floor((dft_length + 1) * hz(m_j) / sample_rate) with
//   hz(m) = 700 (10^(m / 2595) - 1). Filter i rises linearly from bin_i (0) to bin_{i+1} (1) and
//   falls to bin_{i+2} (exclusive). Output [dft_length / 2 + 1, bins]; rows outside the output
//   are skipped.
template <typename T>
void mel_weight_matrix(int64_t num_bins, int64_t dft_length, int64_t sample_rate, double lower,
                       double upper, T* dst) {
  const int64_t rows = dft_length / 2 + 1;
  std::vector<double> w(static_cast<size_t>(rows * num_bins), 0.0);
  const double lo_mel = 2595.0 * std::log10(1.0 + lower / 700.0);
  const double hi_mel = 2595.0 * std::log10(1.0 + upper / 700.0);
  const double mel_step = (hi_mel - lo_mel) / static_cast<double>(num_bins + 2);
  std::vector<int64_t> pts(static_cast<size_t>(num_bins + 2));
  for (int64_t j = 0; j < num_bins + 2; ++j) {
    const double m = static_cast<double>(j) * mel_step + lo_mel;
    const double hz = 700.0 * (std::pow(10.0, m / 2595.0) - 1.0);
    const double bin =
        std::floor(static_cast<double>(dft_length + 1) * hz / static_cast<double>(sample_rate));
    // Clamped before the conversion so that NaN and huge values stay defined.
    pts[static_cast<size_t>(j)] =
        std::isnan(bin) ? -1 : static_cast<int64_t>(std::clamp(bin, -1.0, double(rows + 1)));
  }
  auto set = [&](int64_t r, int64_t c, double v) {
    if (r >= 0 && r < rows) w[static_cast<size_t>(r * num_bins + c)] = v;
  };
  for (int64_t i = 0; i < num_bins; ++i) {
    const int64_t left = pts[static_cast<size_t>(i)];
    const int64_t center = pts[static_cast<size_t>(i + 1)];
    const int64_t right = pts[static_cast<size_t>(i + 2)];
    const int64_t up = center - left;
    if (up == 0) {
      set(center, i, 1.0);
    } else {
      for (int64_t j = left; j <= center; ++j)
        set(j, i, static_cast<double>(j - left) / static_cast<double>(up));
    }
    const int64_t down = right - center;
    if (down > 0)
      for (int64_t j = center; j < right; ++j)
        set(j, i, static_cast<double>(right - j) / static_cast<double>(down));
  }
  for (size_t i = 0; i < w.size(); ++i) dst[i] = cast_value<T>(w[i]);
}

}  // namespace sf::ref
