// Reference indexing kernels. Indices arrive already normalised into range (the runtime checks
// them and reports the offending value), as int64. Gathers move opaque `esize`-byte elements;
// scatters with a reduction compute in compute_t<T> (float for float16/bfloat16).
//
//   gather_elements: out[i] = data[i with i_axis replaced by idx[i]]         (out shape = idx shape)
//   gather_nd:       out[b, j, :] = data[b, idx[b, j, 0..m-1], :]            (per batch b)
//   scatter_elements:out = data; out[i with i_axis = idx[i]] (op)= upd[i]    (in index order)
//   scatter_nd:      out = data; out[idx[j, 0..k-1], :] (op)= upd[j, :]      (in index order)
//   nonzero:         coords of elements != 0 (NaN counts as non-zero), row-major order
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "kernels/ref/numeric.hpp"

namespace sf::ref {

enum class ScatterOp { kNone, kAdd, kMul, kMax, kMin };

void gather_elements(void* dst, const void* src, const std::vector<int64_t>& src_shape,
                     const int64_t* idx, const std::vector<int64_t>& idx_shape, int64_t axis,
                     size_t esize);

// data viewed as [batch, d_0..d_{m-1}, slice] (dim_strides: element strides of d_k inside a
// batch); idx as [batch, n, m]; out as [batch, n, slice].
void gather_nd(void* dst, const void* src, int64_t batch, int64_t batch_stride,
               const std::vector<int64_t>& dim_strides, const int64_t* idx, int64_t n,
               int64_t slice, size_t esize);

// Offsets (in elements) into data for every element of idx (GatherElements/ScatterElements).
void element_offsets(const std::vector<int64_t>& data_shape, const int64_t* idx,
                     const std::vector<int64_t>& idx_shape, int64_t axis, int64_t* offsets);

template <typename T>
inline void scatter_apply(T& d, T u, ScatterOp op) {
  if constexpr (std::is_same_v<T, bool>) {
    switch (op) {
      case ScatterOp::kNone: d = u; break;
      case ScatterOp::kAdd: case ScatterOp::kMax: d = d || u; break;
      case ScatterOp::kMul: case ScatterOp::kMin: d = d && u; break;
    }
  } else {
    using C = compute_t<T>;
    const C a = load(d), b = load(u);
    switch (op) {
      case ScatterOp::kNone: d = u; break;
      case ScatterOp::kAdd: d = store<T>(static_cast<C>(a + b)); break;
      case ScatterOp::kMul: d = store<T>(static_cast<C>(a * b)); break;
      case ScatterOp::kMax: d = store<T>(a < b ? b : a); break;
      case ScatterOp::kMin: d = store<T>(b < a ? b : a); break;
    }
  }
}

// dst already holds a copy of data; offsets from element_offsets.
template <typename T>
void scatter_elements(T* dst, const int64_t* offsets, const T* upd, int64_t n, ScatterOp op) {
  for (int64_t i = 0; i < n; ++i) scatter_apply(dst[offsets[i]], upd[i], op);
}

// dst already holds a copy of data; row_offsets[j] is the element offset of update row j.
template <typename T>
void scatter_nd(T* dst, const int64_t* row_offsets, int64_t n, const T* upd, int64_t slice,
                ScatterOp op) {
  for (int64_t j = 0; j < n; ++j)
    for (int64_t i = 0; i < slice; ++i) scatter_apply(dst[row_offsets[j] + i], upd[j * slice + i], op);
}

template <typename T>
inline bool is_nonzero(T v) {
  if constexpr (std::is_same_v<T, bool>) return v;
  else return !(load(v) == 0);
}

template <typename T>
int64_t count_nonzero(const T* src, int64_t n) {
  int64_t c = 0;
  for (int64_t i = 0; i < n; ++i) c += is_nonzero(src[i]) ? 1 : 0;
  return c;
}

// dst is [rank, count] (row d: coordinate d of each non-zero element); rank 0 is written as 1.
template <typename T>
void nonzero(const T* src, const std::vector<int64_t>& shape, int64_t count, int64_t* dst) {
  const size_t r = shape.size();
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  std::vector<int64_t> coord(r, 0);
  int64_t j = 0;
  for (int64_t i = 0; i < n; ++i) {
    if (is_nonzero(src[i])) {
      if (r == 0) dst[j] = 0;
      for (size_t d = 0; d < r; ++d) dst[static_cast<int64_t>(d) * count + j] = coord[d];
      ++j;
    }
    for (size_t d = r; d-- > 0;) {
      if (++coord[d] < shape[d]) break;
      coord[d] = 0;
    }
  }
}

// ReverseSequence on data viewed as [time, batch, inner] (strides in elements):
// out[t, b] = in[lens[b] - 1 - t, b] for t < lens[b], else in[t, b].
void reverse_sequence(void* dst, const void* src, int64_t time_len, int64_t batch,
                      int64_t time_stride, int64_t batch_stride, int64_t inner, const int64_t* lens,
                      size_t esize);

// Trilu on [n, rows, cols] matrices: keeps element (i, j) when j - i >= k (upper) or
// j - i <= k (lower), else writes zero bytes (the zero of every dtype).
void trilu(void* dst, const void* src, int64_t n, int64_t rows, int64_t cols, int64_t k, bool upper,
           size_t esize);

// OneHot on [outer, depth, inner]: dst[o, d, i] = (idx[o, i] == d) ? on : off; idx -1 never hits.
void onehot(void* dst, const int64_t* idx, int64_t outer, int64_t depth, int64_t inner,
            const void* off, const void* on, size_t esize);

}  // namespace sf::ref
