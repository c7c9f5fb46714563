// Reference Unique: the input is viewed as [outer, len, inner]; item j is the slice
// [:, j, :] (one element when no axis is given). Items compare lexicographically in row-major
// order of their elements; floats use a total order in which -0 == 0 and every NaN equals every
// other NaN and sorts last. Scratch: O(len) index vectors (inherent to sorting).
#pragma once

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <vector>

#include "kernels/ref/numeric.hpp"

namespace sf::ref {

// -1, 0 or 1 under the total order described above.
template <typename T>
inline int unique_compare(T a, T b) {
  if constexpr (is_floating_v<T>) {
    const auto x = load(a), y = load(b);
    const bool nx = x != x, ny = y != y;
    if (nx || ny) return nx == ny ? 0 : (nx ? 1 : -1);
    return x < y ? -1 : (y < x ? 1 : 0);
  } else {
    return a < b ? -1 : (b < a ? 1 : 0);
  }
}

struct UniqueResult {
  std::vector<int64_t> first;    // per unique item: index of its first occurrence
  std::vector<int64_t> inverse;  // per input item: position of its unique item
  std::vector<int64_t> counts;   // per unique item: number of occurrences
};

// Unique items in ascending order (`sorted`) or in order of first occurrence.
template <typename T>
UniqueResult unique_items(const T* src, int64_t outer, int64_t len, int64_t inner, bool sorted) {
  auto cmp_items = [&](int64_t p, int64_t q) {
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t i = 0; i < inner; ++i) {
        const int c = unique_compare(src[(o * len + p) * inner + i], src[(o * len + q) * inner + i]);
        if (c != 0) return c;
      }
    return 0;
  };
  std::vector<int64_t> order(static_cast<size_t>(len));
  std::iota(order.begin(), order.end(), int64_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](int64_t p, int64_t q) { return cmp_items(p, q) < 0; });
  // Group equal neighbours; the first of each group (stable sort) is its first occurrence.
  UniqueResult r;
  r.inverse.assign(static_cast<size_t>(len), 0);
  std::vector<int64_t> group_of(static_cast<size_t>(len), 0);
  for (size_t k = 0; k < order.size(); ++k) {
    if (k == 0 || cmp_items(order[k - 1], order[k]) != 0) {
      r.first.push_back(order[k]);
      r.counts.push_back(0);
    }
    group_of[static_cast<size_t>(order[k])] = static_cast<int64_t>(r.first.size()) - 1;
    ++r.counts.back();
  }
  std::vector<int64_t> rank(r.first.size());
  std::iota(rank.begin(), rank.end(), int64_t{0});
  if (!sorted) {  // reorder groups by first occurrence
    std::vector<int64_t> by_first(r.first.size());
    std::iota(by_first.begin(), by_first.end(), int64_t{0});
    std::sort(by_first.begin(), by_first.end(),
              [&](int64_t a, int64_t b) { return r.first[static_cast<size_t>(a)] < r.first[static_cast<size_t>(b)]; });
    std::vector<int64_t> first2, counts2;
    for (size_t u = 0; u < by_first.size(); ++u) {
      rank[static_cast<size_t>(by_first[u])] = static_cast<int64_t>(u);
      first2.push_back(r.first[static_cast<size_t>(by_first[u])]);
      counts2.push_back(r.counts[static_cast<size_t>(by_first[u])]);
    }
    r.first = std::move(first2);
    r.counts = std::move(counts2);
  }
  for (size_t j = 0; j < group_of.size(); ++j)
    r.inverse[j] = rank[static_cast<size_t>(group_of[j])];
  return r;
}

}  // namespace sf::ref
