// Reference Einsum over numbered labels (the caller resolves the equation and ellipsis):
//
//   dst[o_0, ..., o_{r-1}] = sum over reduced labels s of  prod_t  op_t[offset_t(o, s)]
//   offset_t(o, s) = sum_l index(l) * strides[t][l]
//
// strides[t][l] is operand t's stride for label l: the sum of the strides of every axis of t
// carrying l (so a label repeated within one operand walks its diagonal), 0 when t lacks l or
// broadcasts it (size-1 axis). dst is row-major over `out_dims`.
//
// einsum_permute_copy is the data movement of the binding's fast path (two operands that reduce
// to a batched matrix product): dst, row-major over `dims`, gets src read with `src_strides`.
//
// Accumulation: float types (float16/bfloat16 loaded as float) accumulate each output element in
// double and round once when storing: error below one rounding of the output type for sums of
// fewer than ~2^29 terms. Integers accumulate in uint64 and are truncated to T, i.e. modulo
// 2^bits(T), which is what NumPy's einsum gives for integer inputs, without signed overflow.
#pragma once

#include <cstdint>
#include <type_traits>
#include <vector>

#include "kernels/ref/numeric.hpp"

namespace sf::ref {

template <typename T>
using einsum_acc_t = std::conditional_t<is_floating_v<T>, double, uint64_t>;

template <typename T>
void einsum(const std::vector<const T*>& ops, const std::vector<std::vector<int64_t>>& strides,
            const std::vector<int64_t>& label_dims, const std::vector<int>& out_labels,
            const std::vector<int>& reduced_labels, T* dst) {
  using Acc = einsum_acc_t<T>;
  const size_t n_ops = ops.size();
  const size_t n_out = out_labels.size(), n_red = reduced_labels.size();
  int64_t out_total = 1, red_total = 1;
  std::vector<int64_t> out_dims(n_out), red_dims(n_red);
  for (size_t i = 0; i < n_out; ++i) out_total *= out_dims[i] = label_dims[static_cast<size_t>(out_labels[i])];
  for (size_t i = 0; i < n_red; ++i) red_total *= red_dims[i] = label_dims[static_cast<size_t>(reduced_labels[i])];
  // out_st[t][i], red_st[t][i]: operand t's stride along the i-th output / reduced label.
  std::vector<std::vector<int64_t>> out_st(n_ops, std::vector<int64_t>(n_out)),
      red_st(n_ops, std::vector<int64_t>(n_red));
  for (size_t t = 0; t < n_ops; ++t) {
    for (size_t i = 0; i < n_out; ++i) out_st[t][i] = strides[t][static_cast<size_t>(out_labels[i])];
    for (size_t i = 0; i < n_red; ++i) red_st[t][i] = strides[t][static_cast<size_t>(reduced_labels[i])];
  }
  std::vector<int64_t> out_idx(n_out, 0), red_idx(n_red, 0), base(n_ops, 0), off(n_ops, 0);
  for (int64_t o = 0; o < out_total; ++o) {
    Acc acc = 0;
    off = base;
    for (int64_t s = 0; s < red_total; ++s) {
      Acc prod = 1;
      for (size_t t = 0; t < n_ops; ++t) {
        if constexpr (is_floating_v<T>) prod *= static_cast<double>(load(ops[t][off[t]]));
        else prod *= static_cast<Acc>(static_cast<int64_t>(ops[t][off[t]]));
      }
      acc += prod;
      // Next reduced index (odometer, last label fastest).
      for (size_t i = n_red; i-- > 0;) {
        ++red_idx[i];
        for (size_t t = 0; t < n_ops; ++t) off[t] += red_st[t][i];
        if (red_idx[i] < red_dims[i]) break;
        for (size_t t = 0; t < n_ops; ++t) off[t] -= red_st[t][i] * red_dims[i];
        red_idx[i] = 0;
      }
    }
    if constexpr (is_floating_v<T>) dst[o] = store<T>(static_cast<compute_t<T>>(acc));
    else dst[o] = static_cast<T>(acc);
    for (size_t i = n_out; i-- > 0;) {
      ++out_idx[i];
      for (size_t t = 0; t < n_ops; ++t) base[t] += out_st[t][i];
      if (out_idx[i] < out_dims[i]) break;
      for (size_t t = 0; t < n_ops; ++t) base[t] -= out_st[t][i] * out_dims[i];
      out_idx[i] = 0;
    }
  }
}

// dst[i_0, ..., i_{r-1}] = src[sum_d i_d * src_strides[d]] (dst row-major over dims).
template <typename T>
void einsum_permute_copy(const T* src, const std::vector<int64_t>& dims,
                         const std::vector<int64_t>& src_strides, T* dst) {
  const size_t r = dims.size();
  int64_t total = 1;
  for (int64_t d : dims) total *= d;
  if (total == 0) return;
  if (r == 0) {
    dst[0] = src[0];
    return;
  }
  // The last dim is the inner loop; the others advance like an odometer.
  const int64_t inner = dims[r - 1], inner_st = src_strides[r - 1];
  std::vector<int64_t> idx(r, 0);
  int64_t off = 0;
  for (int64_t o = 0; o < total; o += inner) {
    for (int64_t j = 0; j < inner; ++j) dst[o + j] = src[off + j * inner_st];
    for (size_t d = r - 1; d-- > 0;) {
      ++idx[d];
      off += src_strides[d];
      if (idx[d] < dims[d]) break;
      off -= src_strides[d] * dims[d];
      idx[d] = 0;
    }
  }
}

}  // namespace sf::ref
