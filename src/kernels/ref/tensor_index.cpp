#include "kernels/ref/tensor_index.hpp"

namespace sf::ref {

void element_offsets(const std::vector<int64_t>& data_shape, const int64_t* idx,
                     const std::vector<int64_t>& idx_shape, int64_t axis, int64_t* offsets) {
  const size_t r = idx_shape.size();
  std::vector<int64_t> st(r, 1);
  for (size_t k = r; k-- > 1;) st[k - 1] = st[k] * data_shape[k];
  int64_t n = 1;
  for (int64_t d : idx_shape) n *= d;
  std::vector<int64_t> coord(r, 0);
  const auto ax = static_cast<size_t>(axis);
  int64_t base = 0;  // offset of coord with the axis component left out
  for (int64_t i = 0; i < n; ++i) {
    offsets[i] = base + idx[i] * st[ax];
    for (size_t k = r; k-- > 0;) {
      if (k != ax) base += st[k];
      if (++coord[k] < idx_shape[k]) break;
      if (k != ax) base -= st[k] * coord[k];
      coord[k] = 0;
    }
  }
}

void gather_elements(void* dst, const void* src, const std::vector<int64_t>& src_shape,
                     const int64_t* idx, const std::vector<int64_t>& idx_shape, int64_t axis,
                     size_t esize) {
  int64_t n = 1;
  for (int64_t d : idx_shape) n *= d;
  std::vector<int64_t> off(static_cast<size_t>(n));
  element_offsets(src_shape, idx, idx_shape, axis, off.data());
  auto* d = static_cast<std::byte*>(dst);
  const auto* s = static_cast<const std::byte*>(src);
  for (int64_t i = 0; i < n; ++i)
    std::memcpy(d + static_cast<size_t>(i) * esize, s + static_cast<size_t>(off[static_cast<size_t>(i)]) * esize,
                esize);
}

void gather_nd(void* dst, const void* src, int64_t batch, int64_t batch_stride,
               const std::vector<int64_t>& dim_strides, const int64_t* idx, int64_t n,
               int64_t slice, size_t esize) {
  auto* d = static_cast<std::byte*>(dst);
  const auto* s = static_cast<const std::byte*>(src);
  const auto m = static_cast<int64_t>(dim_strides.size());
  const size_t block = static_cast<size_t>(slice) * esize;
  for (int64_t b = 0; b < batch; ++b) {
    for (int64_t j = 0; j < n; ++j, d += block) {
      const int64_t* ix = idx + (b * n + j) * m;
      int64_t off = b * batch_stride;
      for (int64_t k = 0; k < m; ++k) off += ix[k] * dim_strides[static_cast<size_t>(k)];
      std::memcpy(d, s + static_cast<size_t>(off) * esize, block);
    }
  }
}

void reverse_sequence(void* dst, const void* src, int64_t time_len, int64_t batch,
                      int64_t time_stride, int64_t batch_stride, int64_t inner, const int64_t* lens,
                      size_t esize) {
  auto* d = static_cast<std::byte*>(dst);
  const auto* s = static_cast<const std::byte*>(src);
  const size_t block = static_cast<size_t>(inner) * esize;
  for (int64_t b = 0; b < batch; ++b) {
    for (int64_t t = 0; t < time_len; ++t) {
      const int64_t from = t < lens[b] ? lens[b] - 1 - t : t;
      std::memcpy(d + static_cast<size_t>(t * time_stride + b * batch_stride) * esize,
                  s + static_cast<size_t>(from * time_stride + b * batch_stride) * esize, block);
    }
  }
}

void trilu(void* dst, const void* src, int64_t n, int64_t rows, int64_t cols, int64_t k, bool upper,
           size_t esize) {
  auto* d = static_cast<std::byte*>(dst);
  const auto* s = static_cast<const std::byte*>(src);
  for (int64_t m = 0; m < n; ++m) {
    for (int64_t i = 0; i < rows; ++i) {
      for (int64_t j = 0; j < cols; ++j, d += esize, s += esize) {
        // j - i cannot overflow: both are dims of an allocated tensor.
        const bool keep = upper ? (j - i >= k) : (j - i <= k);
        if (keep) std::memcpy(d, s, esize);
        else std::memset(d, 0, esize);
      }
    }
  }
}

void onehot(void* dst, const int64_t* idx, int64_t outer, int64_t depth, int64_t inner,
            const void* off, const void* on, size_t esize) {
  auto* d = static_cast<std::byte*>(dst);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t k = 0; k < depth; ++k)
      for (int64_t i = 0; i < inner; ++i, d += esize)
        std::memcpy(d, idx[o * inner + i] == k ? on : off, esize);
}

}  // namespace sf::ref
