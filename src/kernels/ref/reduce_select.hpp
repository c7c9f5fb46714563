// Reference selection kernels: ArgMax/ArgMin and TopK.
//
// Layout: the input is viewed as [outer, n, inner] (row-major), the op running over n;
// element (o, j, i) is at (o * n + j) * inner + i.
//
//   arg_reduce: dst[o, i] = index j of the largest (smallest) src[o, j, i]; ties go to the
//               first index, or the last with select_last_index. NaN counts as the extreme
//               value (NumPy's argmax/argmin): the first (last) NaN wins.
//   topk:       values[o, t, i], indices[o, t, i] for t < k: the k largest (smallest) elements
//               of src[o, :, i] in order, ties broken by the lower index; NaN orders above
//               every number (first for largest, last for smallest).
//
// Comparisons run in T's compute type (float for float16/bfloat16); no accumulation.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "kernels/ref/numeric.hpp"

namespace sf::ref {

template <typename V>
inline bool is_nan_value(V v) {
  if constexpr (std::is_floating_point_v<V>) return v != v;
  else return false;
}

// Index in [0, n) of the extreme element of src[0], src[stride], ..., src[(n-1)*stride].
// Requires n > 0.
template <typename T>
int64_t arg_best(const T* src, int64_t n, int64_t stride, bool is_max, bool select_last) {
  int64_t best = 0;
  auto bv = load(src[0]);
  for (int64_t j = 1; j < n; ++j) {
    const auto v = load(src[j * stride]);
    bool take;
    if (is_nan_value(bv)) take = select_last && is_nan_value(v);
    else if (is_nan_value(v)) take = true;
    else take = (is_max ? v > bv : v < bv) || (select_last && v == bv);
    if (take) {
      best = j;
      bv = v;
    }
  }
  return best;
}

// dst has outer * inner elements; requires n > 0 unless outer * inner == 0.
template <typename T>
void arg_reduce(const T* src, int64_t outer, int64_t n, int64_t inner, bool is_max,
                bool select_last, int64_t* dst) {
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i)
      dst[o * inner + i] = arg_best(src + o * n * inner + i, n, inner, is_max, select_last);
}

// values/indices have shape [outer, k, inner]; requires 0 <= k <= n.
template <typename T>
void topk(const T* src, int64_t outer, int64_t n, int64_t inner, int64_t k, bool largest,
          T* values, int64_t* indices) {
  std::vector<int64_t> order(static_cast<size_t>(n));
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t i = 0; i < inner; ++i) {
      const T* row = src + o * n * inner + i;
      for (int64_t j = 0; j < n; ++j) order[static_cast<size_t>(j)] = j;
      // A strict total order: by value (NaN above every number), then by index.
      auto before = [&](int64_t a, int64_t b) {
        const auto va = load(row[a * inner]);
        const auto vb = load(row[b * inner]);
        const bool na = is_nan_value(va), nb = is_nan_value(vb);
        if (na != nb) return largest ? na : nb;
        if (!na && va != vb) return largest ? va > vb : va < vb;
        return a < b;
      };
      std::partial_sort(order.begin(), order.begin() + k, order.end(), before);
      for (int64_t t = 0; t < k; ++t) {
        const int64_t j = order[static_cast<size_t>(t)];
        values[(o * k + t) * inner + i] = row[j * inner];
        indices[(o * k + t) * inner + i] = j;
      }
    }
  }
}

}  // namespace sf::ref
