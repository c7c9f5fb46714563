// Detection reference kernels: NonMaxSuppression and RoiAlign (ONNX semantics, matching ONNX
// Runtime's CPU kernels, which the ONNX node tests were generated against).
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "kernels/ref/numeric.hpp"

namespace sf::ref {

// ---------------------------------------------------------------------------------------------
// NonMaxSuppression
//   boxes [B, n, 4]: [y1, x1, y2, x2] with either diagonal pair (center_point_box = false) or
//   [x_center, y_center, width, height]; scores [B, classes, n]. Per (batch, class): candidates are
//   boxes with score > score_threshold (all boxes when there is no threshold; NaN scores never
//   qualify), taken by decreasing score (ties: lower box index first); a candidate is kept unless
//   its IoU with an already kept box is > iou_threshold; at most max_per_class are kept. IoU is 0
//   (never suppresses) when either box or the intersection has no area. Output rows (batch, class,
//   box) in that order. Arithmetic in compute_t<T>.
// ---------------------------------------------------------------------------------------------

struct NmsParams {
  int64_t batches = 0, classes = 0, boxes = 0;
  bool center_point_box = false;
  int64_t max_per_class = 0;
  double iou_threshold = 0;
  bool has_score_threshold = false;
  double score_threshold = 0;
};

template <typename C>
struct NmsBox {
  C x_min, y_min, x_max, y_max;
};

template <typename T>
NmsBox<compute_t<T>> nms_box(const T* b, bool center_point_box) {
  using C = compute_t<T>;
  const C v0 = load(b[0]), v1 = load(b[1]), v2 = load(b[2]), v3 = load(b[3]);
  if (center_point_box) {
    const C hw = v2 / C(2), hh = v3 / C(2);
    return {v0 - hw, v1 - hh, v0 + hw, v1 + hh};
  }
  return {std::min(v1, v3), std::min(v0, v2), std::max(v1, v3), std::max(v0, v2)};
}

// True when the IoU of a and b exceeds `threshold`.
template <typename C>
bool nms_suppresses(const NmsBox<C>& a, const NmsBox<C>& b, C threshold) {
  const C ix_min = std::max(a.x_min, b.x_min), ix_max = std::min(a.x_max, b.x_max);
  if (!(ix_max > ix_min)) return false;
  const C iy_min = std::max(a.y_min, b.y_min), iy_max = std::min(a.y_max, b.y_max);
  if (!(iy_max > iy_min)) return false;
  const C inter = (ix_max - ix_min) * (iy_max - iy_min);
  const C area_a = (a.x_max - a.x_min) * (a.y_max - a.y_min);
  const C area_b = (b.x_max - b.x_min) * (b.y_max - b.y_min);
  const C uni = area_a + area_b - inter;
  if (!(inter > 0) || !(area_a > 0) || !(area_b > 0) || !(uni > 0)) return false;
  return inter / uni > threshold;
}

// Appends the selected (batch, class, box) triples to `selected`.
template <typename T>
void nms_select(const NmsParams& p, const T* boxes, const T* scores,
                std::vector<std::array<int64_t, 3>>& selected) {
  using C = compute_t<T>;
  const C iou = static_cast<C>(p.iou_threshold);
  const C score_min = static_cast<C>(p.score_threshold);
  std::vector<std::pair<C, int64_t>> order;
  std::vector<NmsBox<C>> kept;
  for (int64_t b = 0; b < p.batches; ++b) {
    const T* bx = boxes + b * p.boxes * 4;
    for (int64_t c = 0; c < p.classes; ++c) {
      const T* sc = scores + (b * p.classes + c) * p.boxes;
      order.clear();
      for (int64_t i = 0; i < p.boxes; ++i) {
        const C s = load(sc[i]);
        if (s != s) continue;
        if (p.has_score_threshold && !(s > score_min)) continue;
        order.emplace_back(s, i);
      }
      std::stable_sort(order.begin(), order.end(),
                       [](const auto& l, const auto& r) { return l.first > r.first; });
      kept.clear();
      for (const auto& [s, i] : order) {
        if (static_cast<int64_t>(kept.size()) >= p.max_per_class) break;
        const NmsBox<C> box = nms_box(bx + i * 4, p.center_point_box);
        bool keep = true;
        for (const NmsBox<C>& k : kept)
          if (nms_suppresses(box, k, iou)) {
            keep = false;
            break;
          }
        if (!keep) continue;
        kept.push_back(box);
        selected.push_back({b, c, i});
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// RoiAlign
//   X [N, C, H, W], rois [R, 4] as (x1, y1, x2, y2) in input coordinates before spatial_scale,
//   batch_indices [R] (checked in [0, N) by the caller), Y [R, C, oh, ow]. start = roi *
//   spatial_scale - (half_pixel ? 0.5 : 0); size = end - start (at least 1 when not half_pixel);
//   each output bin is sampled on a grid of sampling_ratio (or ceil(size / out)) points per axis at
//   bin_start + (k + 0.5) * bin / grid; each sample is the bilinear interpolation of X (points more
//   than one pixel outside the map contribute 0, points in the last half pixel are clamped to the
//   border). avg: mean of the samples. max: max over samples of the largest of the four weighted
//   corner terms (what ONNX Runtime and the ONNX reference compute). Arithmetic in compute_t<T>.
// ---------------------------------------------------------------------------------------------

struct RoiAlignParams {
  int64_t batch = 0, channels = 0, height = 0, width = 0;
  int64_t rois = 0, out_h = 1, out_w = 1;
  int64_t sampling_ratio = 0;
  double spatial_scale = 1.0;
  bool half_pixel = true;
  bool max_mode = false;
};

// Samples per bin along an axis; -1 when the roi is too large to sample (caller reports it).
inline int64_t roi_align_grid(int64_t sampling_ratio, double roi_size, int64_t out) {
  constexpr double kMaxGrid = 1 << 16;
  if (sampling_ratio > 0) return sampling_ratio;
  const double g = std::ceil(roi_size / static_cast<double>(out));
  if (!(g <= kMaxGrid)) return -1;  // also NaN
  return g > 0 ? static_cast<int64_t>(g) : 0;
}

struct RoiAlignRoi {
  double start_w, start_h, bin_w, bin_h;
  int64_t grid_h, grid_w;
};

// The sampling geometry of one roi (`roi` points at x1, y1, x2, y2).
template <typename T>
RoiAlignRoi roi_align_geometry(const RoiAlignParams& p, const T* roi) {
  const double offset = p.half_pixel ? 0.5 : 0.0;
  const double x1 = static_cast<double>(load(roi[0])) * p.spatial_scale - offset;
  const double y1 = static_cast<double>(load(roi[1])) * p.spatial_scale - offset;
  const double x2 = static_cast<double>(load(roi[2])) * p.spatial_scale - offset;
  const double y2 = static_cast<double>(load(roi[3])) * p.spatial_scale - offset;
  double w = x2 - x1, h = y2 - y1;
  if (!p.half_pixel) {
    w = std::max(w, 1.0);
    h = std::max(h, 1.0);
  }
  RoiAlignRoi g;
  g.start_w = x1;
  g.start_h = y1;
  g.bin_w = w / static_cast<double>(p.out_w);
  g.bin_h = h / static_cast<double>(p.out_h);
  g.grid_h = roi_align_grid(p.sampling_ratio, h, p.out_h);
  g.grid_w = roi_align_grid(p.sampling_ratio, w, p.out_w);
  return g;
}

// Bilinear sample weights and corner offsets of point (y, x) in an h x w map.
template <typename C>
struct RoiAlignSample {
  int64_t o1 = 0, o2 = 0, o3 = 0, o4 = 0;
  C w1 = 0, w2 = 0, w3 = 0, w4 = 0;
};

template <typename C>
RoiAlignSample<C> roi_align_sample(C y, C x, int64_t height, int64_t width) {
  RoiAlignSample<C> s;
  if (!(y >= C(-1) && y <= static_cast<C>(height) && x >= C(-1) && x <= static_cast<C>(width)))
    return s;  // outside (or NaN): contributes 0
  y = std::max(y, C(0));
  x = std::max(x, C(0));
  int64_t y_low = static_cast<int64_t>(y), x_low = static_cast<int64_t>(x);
  int64_t y_high, x_high;
  if (y_low >= height - 1) {
    y_high = y_low = height - 1;
    y = static_cast<C>(y_low);
  } else {
    y_high = y_low + 1;
  }
  if (x_low >= width - 1) {
    x_high = x_low = width - 1;
    x = static_cast<C>(x_low);
  } else {
    x_high = x_low + 1;
  }
  const C ly = y - static_cast<C>(y_low), lx = x - static_cast<C>(x_low);
  const C hy = C(1) - ly, hx = C(1) - lx;
  s.o1 = y_low * width + x_low;
  s.o2 = y_low * width + x_high;
  s.o3 = y_high * width + x_low;
  s.o4 = y_high * width + x_high;
  s.w1 = hy * hx;
  s.w2 = hy * lx;
  s.w3 = ly * hx;
  s.w4 = ly * lx;
  return s;
}

// `geo` holds roi_align_geometry() of every roi (each grid checked >= 0 by the caller).
template <typename T>
void roi_align(const RoiAlignParams& p, const T* x, const int64_t* batch_indices,
               const RoiAlignRoi* geo, T* y) {
  using C = compute_t<T>;
  const int64_t plane = p.height * p.width;
  for (int64_t r = 0; r < p.rois; ++r) {
    const RoiAlignRoi& g = geo[r];
    const int64_t count = std::max<int64_t>(g.grid_h * g.grid_w, 1);
    for (int64_t c = 0; c < p.channels; ++c) {
      const T* src = x + (batch_indices[r] * p.channels + c) * plane;
      T* dst = y + ((r * p.channels + c) * p.out_h) * p.out_w;
      if (plane == 0) {  // an empty map: every sample lies outside
        std::fill(dst, dst + p.out_h * p.out_w, store<T>(C(0)));
        continue;
      }
      for (int64_t ph = 0; ph < p.out_h; ++ph)
        for (int64_t pw = 0; pw < p.out_w; ++pw) {
          C acc = 0;
          bool first = true;
          for (int64_t iy = 0; iy < g.grid_h; ++iy) {
            const C yy = static_cast<C>(g.start_h + static_cast<double>(ph) * g.bin_h +
                                        (static_cast<double>(iy) + 0.5) * g.bin_h /
                                            static_cast<double>(g.grid_h));
            for (int64_t ix = 0; ix < g.grid_w; ++ix) {
              const C xx = static_cast<C>(g.start_w + static_cast<double>(pw) * g.bin_w +
                                          (static_cast<double>(ix) + 0.5) * g.bin_w /
                                              static_cast<double>(g.grid_w));
              const RoiAlignSample<C> s = roi_align_sample(yy, xx, p.height, p.width);
              const C t1 = s.w1 * load(src[s.o1]), t2 = s.w2 * load(src[s.o2]);
              const C t3 = s.w3 * load(src[s.o3]), t4 = s.w4 * load(src[s.o4]);
              if (p.max_mode) {
                const C v = std::max(std::max(std::max(t1, t2), t3), t4);
                acc = first ? v : std::max(acc, v);
                first = false;
              } else {
                acc += t1 + t2 + t3 + t4;
              }
            }
          }
          if (!p.max_mode) acc /= static_cast<C>(count);
          dst[ph * p.out_w + pw] = store<T>(acc);
        }
    }
  }
}

}  // namespace sf::ref
