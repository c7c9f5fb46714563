// Internal to the tensor family's runtime bindings: per-theme registration and helpers.
#pragma once

#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include "kernels/ref/numeric.hpp"

#include "ir/ops/tensor.hpp"
#include "runtime/kernel_registry.hpp"

namespace sf::rt::tensor_detail {

void register_shape_kernels();      // tensor_shape.cpp
void register_layout_kernels();     // tensor_layout.cpp
void register_index_kernels();      // tensor_index.cpp
void register_generator_kernels();  // tensor_gen.cpp
void register_resize_kernels();     // tensor_resize.cpp

inline size_t esize(const Tensor& t) { return dtype_size(t.dtype()); }

// Output i with the dtype and shape inference gave it (at run time inference is exact for
// every op whose output shape does not depend on input data).
inline Result<Tensor*> inferred_output(KernelContext& ctx, size_t i) {
  const ir::TypeInfo& t = ctx.inferred[i];
  if (!t.shape || !shape_is_static(*t.shape))
    return internal_error(ctx.node.label() + ": output " + std::to_string(i) +
                          " has no inferred shape at run time");
  return ctx.output(i, t.dtype, *t.shape);
}

// Keeps the code of `s` and puts the node's label in front of its message.
inline Status with_node(const KernelContext& ctx, const Status& s) {
  return Status(s.code(), ctx.node.label() + ": " + s.message());
}

// Reads an int32/int64 index tensor, adds `dim` to negative values and checks each lands in
// [0, dim); an error names the index value, its position and the dim (`what`, e.g. "axis 1").
inline Result<std::vector<int64_t>> normalized_indices(const KernelContext& ctx, const Tensor& idx,
                                                       int64_t dim, const std::string& what) {
  std::vector<int64_t> out(static_cast<size_t>(idx.numel()));
  for (int64_t i = 0; i < idx.numel(); ++i) {
    const int64_t v = idx.int_at(i);
    const int64_t n = v < 0 ? v + dim : v;
    if (n < 0 || n >= dim)
      return ctx.error("index " + std::to_string(v) + " (flat position " + std::to_string(i) +
                       " of the indices) is out of range for " + what + " of size " +
                       std::to_string(dim));
    out[static_cast<size_t>(i)] = n;
  }
  return out;
}

// Writes `v` converted to dtype `dt` at dst: floats round to nearest, integers saturate (NaN
// becomes 0), bool is v != 0.
inline void store_scalar(DType dt, double v, void* dst) {
  visit_dtype(dt, [&](auto tag) {
    using T = typename decltype(tag)::type;
    T out{};
    if constexpr (std::is_same_v<T, bool>) {
      out = v != 0;
    } else if constexpr (std::is_integral_v<T>) {
      if (std::isnan(v)) out = 0;
      else if (v <= static_cast<double>(std::numeric_limits<T>::min())) out = std::numeric_limits<T>::min();
      else if (v >= static_cast<double>(std::numeric_limits<T>::max())) out = std::numeric_limits<T>::max();
      else out = static_cast<T>(v);
    } else {
      out = ref::store<T>(static_cast<ref::compute_t<T>>(v));
    }
    std::memcpy(dst, &out, sizeof(T));
  });
}

// Row-major strides of `s` (in elements).
inline std::vector<int64_t> strides_of(const Shape& s) { return shape_strides(s); }

}  // namespace sf::rt::tensor_detail
