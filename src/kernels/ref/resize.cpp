#include "kernels/ref/resize.hpp"

#include <algorithm>

namespace sf::ref {

double resize_source_coord(const ResizeParams& p, const ResizeAxis& a, int64_t o) {
  const auto x = static_cast<double>(o);
  const auto in = static_cast<double>(a.in_len);
  const double out = a.length, scale = a.scale, roi_start = a.roi_start, roi_end = a.roi_end;
  const int64_t out_len = a.out_len;
  switch (p.coord) {
    case CoordTransform::kHalfPixel: return (x + 0.5) / scale - 0.5;
    case CoordTransform::kAsymmetric: return x / scale;
    case CoordTransform::kAlignCorners: return out_len == 1 ? 0.0 : x * (in - 1) / (out - 1);
    case CoordTransform::kPytorchHalfPixel: return out_len > 1 ? (x + 0.5) / scale - 0.5 : 0.0;
    case CoordTransform::kTfHalfPixelForNn: return (x + 0.5) / scale;
    case CoordTransform::kTfCropAndResize:
      return out_len > 1 ? roi_start * (in - 1) + x * (roi_end - roi_start) * (in - 1) / (out - 1)
                         : 0.5 * (roi_start + roi_end) * (in - 1);
  }
  return 0;
}

namespace {

int64_t nearest_index(NearestRound mode, double x, double scale) {
  const double f = std::floor(x);
  const double t = x - f;
  double v = f;
  switch (mode) {
    case NearestRound::kRoundPreferFloor: v = t <= 0.5 ? f : f + 1; break;
    case NearestRound::kRoundPreferCeil: v = t < 0.5 ? f : f + 1; break;
    case NearestRound::kFloor: v = f; break;
    case NearestRound::kCeil: v = t > 0 ? f + 1 : f; break;
    case NearestRound::kSimple: v = scale < 1 ? std::ceil(x) : std::trunc(x); break;
  }
  // Coordinates stay within a few input lengths of the axis; clamp before converting.
  return static_cast<int64_t>(std::clamp(v, -1.0e15, 1.0e15));
}

void cubic_coeffs(double t, double a, double* c) {
  const double t1 = t + 1, u = 1 - t, u1 = u + 1;
  c[0] = ((a * t1 - 5 * a) * t1 + 8 * a) * t1 - 4 * a;
  c[1] = ((a + 2) * t - (a + 3)) * t * t + 1;
  c[2] = ((a + 2) * u - (a + 3)) * u * u + 1;
  c[3] = ((a * u1 - 5 * a) * u1 + 8 * a) * u1 - 4 * a;
}

}  // namespace

ResizeTaps resize_axis_taps(const ResizeParams& p, const ResizeAxis& a) {
  const int64_t in_len = a.in_len, out_len = a.out_len;
  ResizeTaps r;
  r.taps = p.mode == InterpMode::kNearest ? 1 : (p.mode == InterpMode::kLinear ? 2 : 4);
  const auto n = static_cast<size_t>(out_len * r.taps);
  r.index.assign(n, 0);
  r.weight.assign(n, 0.0);
  r.outside.assign(static_cast<size_t>(out_len), 0);
  const int64_t last = std::max<int64_t>(in_len - 1, 0);
  for (int64_t o = 0; o < out_len; ++o) {
    const double x = resize_source_coord(p, a, o);
    int64_t* idx = r.index.data() + o * r.taps;
    double* w = r.weight.data() + o * r.taps;
    if (p.coord == CoordTransform::kTfCropAndResize &&
        (x < 0 || x > static_cast<double>(in_len - 1))) {
      r.outside[static_cast<size_t>(o)] = 1;
      continue;
    }
    if (!std::isfinite(x)) {  // degenerate scale: read the first element
      w[0] = 1;
      continue;
    }
    const double xc = std::clamp(x, -1.0e15, 1.0e15);
    const double f = std::floor(xc);
    const double t = xc - f;
    const auto i0 = static_cast<int64_t>(f);
    switch (p.mode) {
      case InterpMode::kNearest:
        idx[0] = nearest_index(p.nearest, xc, a.scale);
        w[0] = 1;
        break;
      case InterpMode::kLinear:
        idx[0] = i0, w[0] = 1 - t;
        idx[1] = i0 + 1, w[1] = t;
        break;
      case InterpMode::kCubic: {
        cubic_coeffs(t, p.cubic_a, w);
        for (int64_t k = 0; k < 4; ++k) idx[k] = i0 - 1 + k;
        if (p.exclude_outside) {
          double sum = 0;
          for (int64_t k = 0; k < 4; ++k) {
            if (idx[k] < 0 || idx[k] >= in_len) w[k] = 0;
            sum += w[k];
          }
          if (sum != 0)
            for (int64_t k = 0; k < 4; ++k) w[k] /= sum;
        }
        break;
      }
    }
    for (int64_t k = 0; k < r.taps; ++k) idx[k] = std::clamp<int64_t>(idx[k], 0, last);
  }
  return r;
}

}  // namespace sf::ref
