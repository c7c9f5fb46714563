// Reference convolution helpers: im2col for Conv (then gemm_acc), col2im for ConvTranspose.
//
// Geometry (one image, one group), n spatial dims, row-major:
//   image  src[c, q_0, ..., q_{n-1}]           q_d < img[d]
//   col    col[(c * K + kk) * P + p]           kk: kernel position (k_0..k_{n-1}), K = prod(kernel)
//                                              p:  iterated position (p_0..p_{n-1}), P = prod(iter)
//   mapping q_d = p_d * stride_d + k_d * dilation_d - pad_d    (outside [0, img[d]) = padding)
//
//   Conv:           iter = output dims, img = input dims;  im2col gathers col from the input
//                   (padding reads as 0), then Y[m, p] = sum_{c,kk} W[m, c, kk] * col[c*K+kk, p].
//   ConvTranspose:  iter = input dims, img = output dims; col[m*K+kk, p] = sum_c W[c, m, kk] X[c, p]
//                   and col2im scatters Y[m, q] += col[m*K+kk, p] (positions outside are dropped).
//
// No arithmetic happens in im2col (it copies); col2im adds in T, one addend per kernel tap that
// lands on an output position, in kernel-position order, so ConvTranspose accumulates in T (float32
// for float32) with error about (#taps + #input channels) * 2^-24 relative to sum |terms|.
#pragma once

#include <cstdint>
#include <vector>

namespace sf::ref {

struct ConvLayout {
  std::vector<int64_t> img;      // dims of the image side (Conv: input, ConvTranspose: output)
  std::vector<int64_t> iter;     // dims iterated by col's columns (Conv: output, CT: input)
  std::vector<int64_t> kernel;
  std::vector<int64_t> strides, dilations, pad_begin;
};

namespace detail {

inline int64_t prod(const std::vector<int64_t>& v) {
  int64_t n = 1;
  for (int64_t d : v) n *= d;
  return n;
}

// Calls row(col_offset, img_offset_of_row, valid, kpos_last) for every (channel, kernel position,
// iterated row), where a row runs over the last iterated dim; `valid` is false when the row's
// image position is outside the image in some dim other than the last. img_offset_of_row is the
// image offset of the row's image position with the last dim's position taken as 0.
template <typename F>
void for_each_conv_row(int64_t channels, const ConvLayout& g, F&& row) {
  const size_t n = g.iter.size();
  const size_t last = n - 1;
  const int64_t k_total = prod(g.kernel);
  const int64_t p_total = prod(g.iter);
  const int64_t row_len = g.iter[last];
  const int64_t rows = row_len == 0 ? 0 : p_total / row_len;
  const int64_t img_total = prod(g.img);
  std::vector<int64_t> img_stride(n, 1), kpos(n), ppos(n);
  for (size_t d = last; d-- > 0;) img_stride[d] = img_stride[d + 1] * g.img[d + 1];
  for (int64_t c = 0; c < channels; ++c) {
    for (int64_t kk = 0; kk < k_total; ++kk) {
      int64_t rem = kk;
      for (size_t d = n; d-- > 0;) {
        kpos[d] = rem % g.kernel[d];
        rem /= g.kernel[d];
      }
      const int64_t col_base = (c * k_total + kk) * p_total;
      for (int64_t r = 0; r < rows; ++r) {
        rem = r;
        for (size_t d = last; d-- > 0;) {
          ppos[d] = rem % g.iter[d];
          rem /= g.iter[d];
        }
        bool valid = true;
        int64_t off = c * img_total;
        for (size_t d = 0; d < last; ++d) {
          const int64_t q = ppos[d] * g.strides[d] + kpos[d] * g.dilations[d] - g.pad_begin[d];
          if (q < 0 || q >= g.img[d]) valid = false;
          off += q * img_stride[d];
        }
        row(col_base + r * row_len, off, valid, kpos[last]);
      }
    }
  }
}

}  // namespace detail

// col[(c*K + kk) * P + p] = src[c, q(p, kk)] or 0 in the padding. src is [channels, img...].
template <typename T>
void im2col(const T* src, int64_t channels, const ConvLayout& g, T* col) {
  const size_t last = g.iter.size() - 1;
  const int64_t len = g.iter[last], s = g.strides[last], dil = g.dilations[last];
  const int64_t pad = g.pad_begin[last], lim = g.img[last];
  detail::for_each_conv_row(channels, g, [&](int64_t col_off, int64_t img_off, bool valid,
                                             int64_t k_last) {
    T* dst = col + col_off;
    if (!valid) {
      for (int64_t p = 0; p < len; ++p) dst[p] = T(0);
      return;
    }
    const T* row = src + img_off;
    int64_t q = k_last * dil - pad;
    for (int64_t p = 0; p < len; ++p, q += s) dst[p] = (q >= 0 && q < lim) ? row[q] : T(0);
  });
}

// dst[c, q(p, kk)] += col[(c*K + kk) * P + p] for positions q inside dst. dst is [channels, img...].
template <typename T>
void col2im_add(const T* col, int64_t channels, const ConvLayout& g, T* dst) {
  const size_t last = g.iter.size() - 1;
  const int64_t len = g.iter[last], s = g.strides[last], dil = g.dilations[last];
  const int64_t pad = g.pad_begin[last], lim = g.img[last];
  detail::for_each_conv_row(channels, g, [&](int64_t col_off, int64_t img_off, bool valid,
                                             int64_t k_last) {
    if (!valid) return;
    const T* src = col + col_off;
    T* row = dst + img_off;
    int64_t q = k_last * dil - pad;
    for (int64_t p = 0; p < len; ++p, q += s)
      if (q >= 0 && q < lim) row[q] += src[p];
  });
}

}  // namespace sf::ref
