// Threading for the runtime's fast ops (kernels themselves never start threads). Work is split
// into contiguous static ranges; each index is computed by exactly one thread with the same
// arithmetic, so results do not depend on the thread count (deterministic mode).
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <vector>

namespace sf::rt {

// Calls fn(begin, end) over a static partition of [0, n) across up to `threads` threads.
void parallel_for(int threads, int64_t n, const std::function<void(int64_t, int64_t)>& fn);

inline int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// [0, extent) cut into `count` tiles of whole units (register rows or panels; the last unit may
// be partial), as even as whole units allow: tile sizes differ by at most one unit, and the
// larger tiles come last, with the partial unit.
struct EvenTiles {
  int64_t extent = 0, unit = 1, count = 1;
  // The fewest tiles of at most max_units units each.
  static EvenTiles at_most(int64_t extent, int64_t unit, int64_t max_units) {
    EvenTiles t{extent, unit, 1};
    t.count = std::max<int64_t>(1, ceil_div(t.units(), std::max<int64_t>(1, max_units)));
    return t;
  }
  int64_t units() const { return ceil_div(extent, unit); }
  int64_t start(int64_t i) const { return std::min(extent, i * units() / count * unit); }
  int64_t len(int64_t i) const { return start(i + 1) - start(i); }
};

// Items [0, n) with costs given as prefix sums (prefix.size() == n + 1, prefix[0] == 0,
// non-decreasing) cut into `parts` contiguous ranges of about equal cost: range j is
// [cuts[j], cuts[j + 1]). An item goes to the range its cost midpoint falls in, so a range is off
// the ideal share by at most half an item on each side.
std::vector<int64_t> balanced_cuts(const std::vector<double>& prefix, int parts);
// The largest range's cost over the ideal share (1: even) for those cuts.
double cut_imbalance(const std::vector<double>& prefix, const std::vector<int64_t>& cuts);
// parallel_for over items of unequal cost: each of up to `threads` threads first runs one range
// of balanced_cuts, then takes items one by one from the back of the others' ranges, so a thread slowed by the memory system or the OS does not
// hold the rest up. fn(i, next): item i, and the item the thread expects to run after it, or -1
// (a hint, e.g. for prefetching). Each item still runs whole on one thread, so results do not
// depend on who runs it.
void parallel_for_stealing(int threads, const std::vector<double>& prefix,
                           const std::function<void(int64_t, int64_t)>& fn);
// One per physical core (at least 1).
int default_threads();

}  // namespace sf::rt
