#include "runtime/parallel.hpp"

#include <omp.h>

#include <algorithm>
#include <atomic>
#include <memory>

#include "core/cpu_features.hpp"

namespace sf::rt {

void parallel_for(int threads, int64_t n, const std::function<void(int64_t, int64_t)>& fn) {
  if (n <= 0) return;
  const int t = static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(threads, n)));
  if (t == 1) {
    fn(0, n);
    return;
  }
#pragma omp parallel num_threads(t)
  {
    const int id = omp_get_thread_num();
    const int nt = omp_get_num_threads();
    const int64_t chunk = n / nt, extra = n % nt;
    const int64_t begin = id * chunk + std::min<int64_t>(id, extra);
    const int64_t end = begin + chunk + (id < extra ? 1 : 0);
    if (begin < end) fn(begin, end);
  }
}

std::vector<int64_t> balanced_cuts(const std::vector<double>& prefix, int parts) {
  const int64_t n = prefix.empty() ? 0 : static_cast<int64_t>(prefix.size()) - 1;
  parts = std::max(1, parts);
  std::vector<int64_t> cuts(static_cast<size_t>(parts) + 1, n);
  cuts[0] = 0;
  const double total = n > 0 ? prefix.back() : 0.0;
  if (total <= 0.0) {  // no costs: even counts
    for (int j = 1; j < parts; ++j) cuts[static_cast<size_t>(j)] = n * j / parts;
    return cuts;
  }
  // Cut j: the first item whose cost midpoint lies at or past j / parts of the total.
  for (int j = 1; j < parts; ++j) {
    const double target = total * j / parts;
    int64_t lo = cuts[static_cast<size_t>(j) - 1], hi = n;
    while (lo < hi) {
      const int64_t mid = lo + (hi - lo) / 2;
      const auto m = static_cast<size_t>(mid);
      if ((prefix[m] + prefix[m + 1]) * 0.5 >= target)
        hi = mid;
      else
        lo = mid + 1;
    }
    cuts[static_cast<size_t>(j)] = lo;
  }
  return cuts;
}

double cut_imbalance(const std::vector<double>& prefix, const std::vector<int64_t>& cuts) {
  if (prefix.size() < 2 || cuts.size() < 2 || prefix.back() <= 0.0) return 1.0;
  double worst = 0.0;
  for (size_t j = 0; j + 1 < cuts.size(); ++j)
    worst = std::max(worst, prefix[static_cast<size_t>(cuts[j + 1])] -
                                prefix[static_cast<size_t>(cuts[j])]);
  return worst * static_cast<double>(cuts.size() - 1) / prefix.back();
}

namespace {

// A thread's remaining items [front, back), packed in one word so that its owner (taking the
// front) and thieves (taking the back) agree on every item's single taker.
class alignas(64) ItemRange {
 public:
  void reset(int64_t front, int64_t back) {
    bits_.store(pack(front, back), std::memory_order_relaxed);
  }
  int64_t take_front() { return take(true); }
  int64_t take_back() { return take(false); }
  int64_t back() const { return unpack_back(bits_.load(std::memory_order_relaxed)); }

 private:
  static uint64_t pack(int64_t front, int64_t back) {
    return static_cast<uint64_t>(front) | (static_cast<uint64_t>(back) << 32);
  }
  static int64_t unpack_front(uint64_t v) { return static_cast<int64_t>(v & 0xffffffffu); }
  static int64_t unpack_back(uint64_t v) { return static_cast<int64_t>(v >> 32); }
  int64_t take(bool front) {
    uint64_t v = bits_.load(std::memory_order_relaxed);
    for (;;) {
      const int64_t f = unpack_front(v), b = unpack_back(v);
      if (f >= b) return -1;
      const uint64_t next = front ? pack(f + 1, b) : pack(f, b - 1);
      if (bits_.compare_exchange_weak(v, next, std::memory_order_relaxed)) return front ? f : b - 1;
    }
  }
  std::atomic<uint64_t> bits_{0};
};

// Each of up to `threads` threads runs one range of balanced_cuts, whole.
void parallel_for_balanced(int threads, const std::vector<double>& prefix,
                           const std::function<void(int64_t, int64_t)>& fn) {
  const int64_t n = prefix.empty() ? 0 : static_cast<int64_t>(prefix.size()) - 1;
  if (n <= 0) return;
  const int t = static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(threads, n)));
  if (t == 1) {
    fn(0, n);
    return;
  }
  const std::vector<int64_t> cuts = balanced_cuts(prefix, t);
  parallel_for(t, t, [&](int64_t b, int64_t e) {
    for (int64_t j = b; j < e; ++j) {
      const int64_t lo = cuts[static_cast<size_t>(j)], hi = cuts[static_cast<size_t>(j) + 1];
      if (lo < hi) fn(lo, hi);
    }
  });
}

}  // namespace

void parallel_for_stealing(int threads, const std::vector<double>& prefix,
                           const std::function<void(int64_t, int64_t)>& fn) {
  const int64_t n = prefix.empty() ? 0 : static_cast<int64_t>(prefix.size()) - 1;
  if (n <= 0) return;
  const int t = static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(threads, n)));
  if (t == 1 || n > 0xffffffffLL) {
    parallel_for_balanced(t, prefix, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) fn(i, i + 1 < e ? i + 1 : -1);
    });
    return;
  }
  const std::vector<int64_t> cuts = balanced_cuts(prefix, t);
  const std::unique_ptr<ItemRange[]> ranges(new ItemRange[static_cast<size_t>(t)]);
  for (int j = 0; j < t; ++j)
    ranges[static_cast<size_t>(j)].reset(cuts[static_cast<size_t>(j)],
                                         cuts[static_cast<size_t>(j) + 1]);
  parallel_for(t, t, [&](int64_t b, int64_t e) {
    for (int64_t j = b; j < e; ++j) {
      ItemRange& own = ranges[static_cast<size_t>(j)];
      for (int64_t i = own.take_front(); i >= 0; i = own.take_front())
        fn(i, i + 1 < own.back() ? i + 1 : -1);  // a thief may yet take i + 1: a hint
      for (int v = 1; v < t; ++v) {  // then the others' backs, nearest first
        ItemRange& other = ranges[static_cast<size_t>((j + v) % t)];
        for (int64_t i = other.take_back(); i >= 0; i = other.take_back()) fn(i, -1);
      }
    }
  });
}

int default_threads() { return std::max(1, cpu_features().physical_cores); }

}  // namespace sf::rt
