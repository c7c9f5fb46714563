#include "runtime/region.hpp"

#include <cstring>

namespace sf::rt {

std::vector<std::pair<int64_t, int64_t>> region_runs(const Region& r, int64_t w) {
  std::vector<std::pair<int64_t, int64_t>> runs;
  if (r.empty()) return runs;
  const int64_t span = r.x1 - r.x0, gap = w - span;
  for (int64_t y = r.y0; y < r.y1; ++y) {
    const int64_t b = y * w + r.x0, e = b + span;
    if (!runs.empty() && gap <= span) runs.back().second = e;
    else runs.emplace_back(b, e);
  }
  return runs;
}

Region whole_nhwc(const Tensor& t) {
  const Shape& s = t.shape();
  return s.size() == 4 ? Region{0, s[1], 0, s[2]} : Region{};
}

Region nhwc_diff_region(const Tensor& a, const Tensor& b, const Region& within) {
  const Shape& s = a.shape();
  const int64_t n = s[0], h = s[1], w = s[2];
  const size_t pixel = static_cast<size_t>(s[3]) * dtype_size(a.dtype());
  const Region r = within.clip(h, w);
  const auto* pa = static_cast<const uint8_t*>(a.raw());
  const auto* pb = static_cast<const uint8_t*>(b.raw());
  Region d{h, 0, w, 0};  // empty until a difference widens it
  for (int64_t img = 0; img < n; ++img)
    for (int64_t y = r.y0; y < r.y1; ++y) {
      const size_t row = static_cast<size_t>((img * h + y) * w) * pixel;
      // The row's differing span: its first and last differing pixels.
      int64_t first = -1, last = -1;
      for (int64_t x = r.x0; x < r.x1; ++x) {
        const size_t at = row + static_cast<size_t>(x) * pixel;
        if (std::memcmp(pa + at, pb + at, pixel) != 0) {
          if (first < 0) first = x;
          last = x;
        }
      }
      if (first < 0) continue;
      d.y0 = std::min(d.y0, y);
      d.y1 = std::max(d.y1, y + 1);
      d.x0 = std::min(d.x0, first);
      d.x1 = std::max(d.x1, last + 1);
    }
  return d.empty() ? Region{} : d;
}

std::pair<int64_t, int64_t> window_reach(int64_t a, int64_t b, int64_t k, int64_t s, int64_t d,
                                         int64_t p, int64_t out) {
  if (b <= a) return {0, 0};
  const int64_t span = (k - 1) * d;
  // o*s - p + span >= a  and  o*s - p <= b - 1
  const int64_t lo_num = a + p - span;
  const int64_t lo = lo_num <= 0 ? 0 : (lo_num + s - 1) / s;
  const int64_t hi_num = b - 1 + p;
  const int64_t hi = hi_num < 0 ? -1 : hi_num / s;  // last o, inclusive
  const int64_t begin = std::max<int64_t>(lo, 0), end = std::min(hi + 1, out);
  return begin < end ? std::pair{begin, end} : std::pair<int64_t, int64_t>{0, 0};
}

}  // namespace sf::rt
