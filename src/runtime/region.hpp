// Spatial regions of channels-last activations, for incremental re-execution: a fault campaign
// re-runs the nodes after a corrupted value, and a kernel that can recompute part of its output
// (PreparedKernel::output_region / run_region) recomputes only the positions the corruption can
// reach, leaving the golden run's values elsewhere (Session::run_from with a golden snapshot).
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "core/tensor.hpp"

namespace sf::rt {

// Rows [y0, y1) x columns [x0, x1) of an NHWC activation, in every image and every channel.
struct Region {
  int64_t y0 = 0, y1 = 0, x0 = 0, x1 = 0;

  bool empty() const { return y1 <= y0 || x1 <= x0; }
  int64_t positions() const { return empty() ? 0 : (y1 - y0) * (x1 - x0); }
  // The smallest region holding both.
  Region unite(const Region& o) const {
    if (empty()) return o;
    if (o.empty()) return *this;
    return {std::min(y0, o.y0), std::max(y1, o.y1), std::min(x0, o.x0), std::max(x1, o.x1)};
  }
  // Clipped to an h x w image.
  Region clip(int64_t h, int64_t w) const {
    return {std::max<int64_t>(y0, 0), std::min(y1, h), std::max<int64_t>(x0, 0), std::min(x1, w)};
  }
  bool operator==(const Region&) const = default;
};

// Region r of an image w positions wide as runs [begin, end) of row-major position indices
// (y * w + x): each row's span, with consecutive spans merged into one run while the gap between
// them is no longer than a span. A kernel that streams its weights once per run then
// recomputes a few positions outside r (which give the values they hold) instead of streaming
// the weights again for every row.
std::vector<std::pair<int64_t, int64_t>> region_runs(const Region& r, int64_t w);

// The whole of a rank-4 tensor read as NHWC.
Region whole_nhwc(const Tensor& t);

// The smallest region of `within` holding every NHWC position where a and b (same dtype and
// rank-4 shape) differ in any byte of any channel; an empty region when they agree there.
Region nhwc_diff_region(const Tensor& a, const Tensor& b, const Region& within);

// The output rows (or columns) of a sliding window (kernel k, stride s, dilation d, leading pad
// p, output extent out) whose window span [o*s - p, o*s - p + (k-1)*d] meets input rows [a, b),
// clipped to [0, out), as {begin, end}: exactly the outputs that read a row of [a, b) when
// d = 1, and a few more around them when d > 1 (taps skip rows inside the span).
std::pair<int64_t, int64_t> window_reach(int64_t a, int64_t b, int64_t k, int64_t s, int64_t d,
                                         int64_t p, int64_t out);

}  // namespace sf::rt
