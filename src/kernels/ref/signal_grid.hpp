// Reference GridSample (opset 16, 4-D): X [N, C, H, W], grid [N, Ho, Wo, 2] -> Y [N, C, Ho, Wo].
//
// grid[n, h, w] = (gx, gy) in [-1, 1] is mapped to pixel coordinates
//   align_corners: x = (gx + 1) / 2 * (W - 1)       else: x = ((gx + 1) * W - 1) / 2
// (y likewise with H). nearest rounds x, y half to even. Coordinates outside the border box
// ([0, W-1] with align_corners, [-0.5, W-0.5] without) are clamped to [0, W-1] (border) or
// reflected into the box (reflection) before interpolation. Then:
//   nearest:  X[y, x]
//   bilinear: the 2 x 2 neighbours weighted by (1 - dx, dx) x (1 - dy, dy)
//   bicubic:  the 4 x 4 neighbours weighted by Keys' cubic kernel, a = -0.75
// A neighbour outside the image reads 0 (zeros), its clamped pixel (border) or its reflected
// pixel (reflection). This matches ONNX Runtime's CPU kernel. Arithmetic in double; a non-finite
// grid value gives 0.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "kernels/ref/elementwise_cast.hpp"
#include "kernels/ref/numeric.hpp"

namespace sf::ref {

enum class GridMode { kBilinear, kNearest, kBicubic };
enum class GridPadding { kZeros, kBorder, kReflection };

struct GridSampleParams {
  int64_t n = 0, c = 0, h = 0, w = 0, out_h = 0, out_w = 0;
  GridMode mode = GridMode::kBilinear;
  GridPadding padding = GridPadding::kZeros;
  bool align_corners = false;
};

// Reflects x into [lo, hi] (a point when hi <= lo).
inline double grid_reflect(double x, double lo, double hi) {
  const double range = hi - lo;
  if (!(range > 0)) return lo;
  if (x >= lo && x <= hi) return x;
  const double d = x < lo ? lo - x : x - hi;
  const double n = std::floor(d / range);
  const double r = d - n * range;
  const bool even = std::fmod(n, 2.0) == 0.0;
  if (x < lo) return even ? lo + r : hi - r;
  return even ? hi - r : lo + r;
}

// Keys' cubic convolution weights for the taps at offsets -1, 0, 1, 2 from floor(x), t = x -
// floor(x) in [0, 1).
inline void grid_cubic_weights(double t, double w[4]) {
  constexpr double a = -0.75;
  auto near = [](double d) { return ((a + 2) * d - (a + 3)) * d * d + 1; };             // |d| <= 1
  auto far = [](double d) { return ((a * d - 5 * a) * d + 8 * a) * d - 4 * a; };  // 1 < |d| < 2
  w[0] = far(t + 1);
  w[1] = near(t);
  w[2] = near(1 - t);
  w[3] = far(2 - t);
}

template <typename T, typename G>
void grid_sample(const GridSampleParams& p, const T* src, const G* grid, T* dst) {
  const bool ac = p.align_corners;
  const double x_lo = ac ? 0.0 : -0.5, x_hi = ac ? double(p.w - 1) : double(p.w) - 0.5;
  const double y_lo = ac ? 0.0 : -0.5, y_hi = ac ? double(p.h - 1) : double(p.h) - 0.5;
  const int64_t plane = p.h * p.w;
  // The value of pixel (r, c) of `img` under the padding mode.
  auto pixel = [&](const T* img, int64_t r, int64_t c) -> double {
    if (p.padding == GridPadding::kZeros) {
      if (r < 0 || r >= p.h || c < 0 || c >= p.w) return 0.0;
    } else if (p.padding == GridPadding::kReflection) {
      r = static_cast<int64_t>(grid_reflect(double(r), y_lo, y_hi));
      c = static_cast<int64_t>(grid_reflect(double(c), x_lo, x_hi));
    }
    r = std::clamp<int64_t>(r, 0, p.h - 1);
    c = std::clamp<int64_t>(c, 0, p.w - 1);
    return static_cast<double>(load(img[r * p.w + c]));
  };
  for (int64_t b = 0; b < p.n; ++b)
    for (int64_t oh = 0; oh < p.out_h; ++oh)
      for (int64_t ow = 0; ow < p.out_w; ++ow) {
        const G* g = grid + ((b * p.out_h + oh) * p.out_w + ow) * 2;
        const double gx = static_cast<double>(load(g[0])), gy = static_cast<double>(load(g[1]));
        double x = ac ? (gx + 1) / 2 * double(p.w - 1) : ((gx + 1) * double(p.w) - 1) / 2;
        double y = ac ? (gy + 1) / 2 * double(p.h - 1) : ((gy + 1) * double(p.h) - 1) / 2;
        const bool finite = std::isfinite(x) && std::isfinite(y) && plane > 0;
        if (finite) {
          if (p.mode == GridMode::kNearest) {
            x = std::nearbyint(x);
            y = std::nearbyint(y);
          }
          if (p.padding == GridPadding::kBorder) {
            x = std::clamp(x, 0.0, double(p.w - 1));
            y = std::clamp(y, 0.0, double(p.h - 1));
          } else if (p.padding == GridPadding::kReflection) {
            x = grid_reflect(x, x_lo, x_hi);
            y = grid_reflect(y, y_lo, y_hi);
          } else {
            // Zeros: far outside points read only zeros; clamping keeps the int conversion
            // defined without changing the result (every tap stays outside).
            x = std::clamp(x, -4.0, double(p.w) + 4.0);
            y = std::clamp(y, -4.0, double(p.h) + 4.0);
          }
        }
        for (int64_t ch = 0; ch < p.c; ++ch) {
          const T* img = src + (b * p.c + ch) * plane;
          double v = 0.0;
          if (finite) {
            const auto x0 = static_cast<int64_t>(std::floor(x));
            const auto y0 = static_cast<int64_t>(std::floor(y));
            const double dx = x - double(x0), dy = y - double(y0);
            switch (p.mode) {
              case GridMode::kNearest:
                v = pixel(img, static_cast<int64_t>(y), static_cast<int64_t>(x));
                break;
              case GridMode::kBilinear:
                v = (1 - dy) * ((1 - dx) * pixel(img, y0, x0) + dx * pixel(img, y0, x0 + 1)) +
                    dy * ((1 - dx) * pixel(img, y0 + 1, x0) + dx * pixel(img, y0 + 1, x0 + 1));
                break;
              case GridMode::kBicubic: {
                double wx[4], wy[4];
                grid_cubic_weights(dx, wx);
                grid_cubic_weights(dy, wy);
                for (int64_t i = 0; i < 4; ++i) {
                  double row = 0;
                  for (int64_t j = 0; j < 4; ++j) row += wx[j] * pixel(img, y0 - 1 + i, x0 - 1 + j);
                  v += wy[i] * row;
                }
                break;
              }
            }
          }
          dst[((b * p.c + ch) * p.out_h + oh) * p.out_w + ow] = cast_value<T>(v);
        }
      }
}

}  // namespace sf::ref
