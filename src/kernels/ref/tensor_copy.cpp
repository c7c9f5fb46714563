#include "kernels/ref/tensor_copy.hpp"

#include <cstring>

namespace sf::ref {

namespace {

// Strided line copy of elements of a fixed byte size (lets the compiler use plain moves).
template <size_t E>
void copy_line_fixed(std::byte* d, int64_t ds, const std::byte* s, int64_t ss, int64_t n) {
  const auto dstep = static_cast<std::ptrdiff_t>(ds * static_cast<int64_t>(E));
  const auto sstep = static_cast<std::ptrdiff_t>(ss * static_cast<int64_t>(E));
  for (int64_t i = 0; i < n; ++i, d += dstep, s += sstep) std::memcpy(d, s, E);
}

// Copies n elements with the given strides (in elements) along one line.
inline void copy_line(std::byte* d, int64_t ds, const std::byte* s, int64_t ss, int64_t n,
                      size_t esize) {
  if (ds == 1 && ss == 1) {
    std::memcpy(d, s, static_cast<size_t>(n) * esize);
    return;
  }
  switch (esize) {
    case 1: copy_line_fixed<1>(d, ds, s, ss, n); return;
    case 2: copy_line_fixed<2>(d, ds, s, ss, n); return;
    case 4: copy_line_fixed<4>(d, ds, s, ss, n); return;
    case 8: copy_line_fixed<8>(d, ds, s, ss, n); return;
    default: break;
  }
  const auto dstep = static_cast<std::ptrdiff_t>(ds * static_cast<int64_t>(esize));
  const auto sstep = static_cast<std::ptrdiff_t>(ss * static_cast<int64_t>(esize));
  for (int64_t i = 0; i < n; ++i, d += dstep, s += sstep) std::memcpy(d, s, esize);
}

}  // namespace

void copy_strided(void* dst, const std::vector<int64_t>& dst_strides, const void* src,
                  const std::vector<int64_t>& src_strides, const std::vector<int64_t>& shape,
                  size_t esize) {
  // Drop size-1 dims and merge neighbours that are contiguous in both tensors, so that whole
  // blocks become one memcpy.
  std::vector<int64_t> dims, ds, ss;
  for (size_t k = 0; k < shape.size(); ++k) {
    if (shape[k] == 0) return;
    if (shape[k] == 1) continue;
    if (!dims.empty() && ds.back() == dst_strides[k] * shape[k] &&
        ss.back() == src_strides[k] * shape[k]) {
      dims.back() *= shape[k];
      ds.back() = dst_strides[k];
      ss.back() = src_strides[k];
      continue;
    }
    dims.push_back(shape[k]);
    ds.push_back(dst_strides[k]);
    ss.push_back(src_strides[k]);
  }
  auto* d = static_cast<std::byte*>(dst);
  const auto* s = static_cast<const std::byte*>(src);
  if (dims.empty()) {
    std::memcpy(d, s, esize);
    return;
  }
  const size_t r = dims.size();
  const auto e = static_cast<int64_t>(esize);
  std::vector<int64_t> idx(r, 0);
  int64_t doff = 0, soff = 0;  // element offsets of the current line
  while (true) {
    copy_line(d + doff * e, ds[r - 1], s + soff * e, ss[r - 1], dims[r - 1], esize);
    size_t k = r - 1;
    while (true) {
      if (k == 0) return;
      --k;
      ++idx[k];
      doff += ds[k];
      soff += ss[k];
      if (idx[k] < dims[k]) break;
      doff -= ds[k] * dims[k];
      soff -= ss[k] * dims[k];
      idx[k] = 0;
    }
  }
}

void copy_strided(void* dst, const void* src, const std::vector<int64_t>& src_strides,
                  const std::vector<int64_t>& shape, size_t esize) {
  std::vector<int64_t> ds(shape.size(), 1);
  for (size_t k = shape.size(); k-- > 1;) ds[k - 1] = ds[k] * shape[k];
  copy_strided(dst, ds, src, src_strides, shape, esize);
}

void fill_elements(void* dst, int64_t n, const void* value, size_t esize) {
  auto* d = static_cast<std::byte*>(dst);
  for (int64_t i = 0; i < n; ++i, d += esize) std::memcpy(d, value, esize);
}

void pad_map(void* dst, const std::vector<int64_t>& dst_shape, const void* src,
             const std::vector<int64_t>& src_strides, const std::vector<std::vector<int64_t>>& maps,
             const void* value, size_t esize) {
  auto* d = static_cast<std::byte*>(dst);
  const auto* s = static_cast<const std::byte*>(src);
  const size_t r = dst_shape.size();
  for (int64_t n : dst_shape)
    if (n == 0) return;
  if (r == 0) {
    std::memcpy(d, s, esize);
    return;
  }
  const int64_t inner = dst_shape[r - 1];
  const std::vector<int64_t>& last = maps[r - 1];
  const int64_t last_stride = src_strides[r - 1];
  std::vector<int64_t> idx(r - 1, 0);
  while (true) {
    // Offset of this row in src, or -1 when an outer dim lands in the padding.
    int64_t base = 0;
    for (size_t k = 0; k + 1 < r && base >= 0; ++k) {
      const int64_t m = maps[k][static_cast<size_t>(idx[k])];
      base = m < 0 ? -1 : base + m * src_strides[k];
    }
    for (int64_t i = 0; i < inner; ++i, d += esize) {
      const int64_t m = last[static_cast<size_t>(i)];
      if (base < 0 || m < 0) std::memcpy(d, value, esize);
      else std::memcpy(d, s + (base + m * last_stride) * static_cast<int64_t>(esize), esize);
    }
    size_t k = r - 1;
    while (true) {
      if (k == 0) return;
      --k;
      if (++idx[k] < dst_shape[k]) break;
      idx[k] = 0;
    }
  }
}

void gather_blocks(void* dst, const void* src, int64_t outer, int64_t axis_dim, int64_t inner,
                   const int64_t* idx, int64_t n_idx, size_t esize) {
  auto* d = static_cast<std::byte*>(dst);
  const auto* s = static_cast<const std::byte*>(src);
  const auto block = static_cast<size_t>(inner) * esize;
  for (int64_t o = 0; o < outer; ++o) {
    const std::byte* so = s + static_cast<size_t>(o * axis_dim) * block;
    for (int64_t j = 0; j < n_idx; ++j, d += block)
      std::memcpy(d, so + static_cast<size_t>(idx[j]) * block, block);
  }
}

}  // namespace sf::ref
