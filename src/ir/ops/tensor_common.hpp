// Internal to the tensor family's IR files: per-theme registration and small inference helpers.
#pragma once

#include <string>
#include <vector>

#include "ir/op_schema.hpp"
#include "ir/ops/tensor.hpp"

namespace sf::ir::tensor_detail {

void register_shape_schemas();     // tensor_shape.cpp
void register_layout_schemas();    // tensor_layout.cpp
void register_index_schemas();     // tensor_index.cpp
void register_generator_schemas(); // tensor_gen.cpp
void register_resize_schemas();    // tensor_resize.cpp

// Keeps the code of `s` and puts the node's label in front of its message.
inline Status with_node(const InferContext& ctx, const Status& s) {
  return Status(s.code(), ctx.node.label() + ": " + s.message());
}

// Sets output i; a fully known shape is first checked for element-count overflow.
inline Status set_checked_output(InferContext& ctx, size_t i, DType dtype, const Shape& shape) {
  if (shape_is_static(shape)) {
    auto n = shape_numel(shape);
    if (!n) return with_node(ctx, n.status());
  }
  ctx.set_output(i, dtype, shape);
  return Status::ok();
}

// The known values of integer input i (nullopt when not known yet). Checks the dtype is
// int32/int64 and the rank is at most 1.
inline Result<std::optional<std::vector<int64_t>>> known_ints(const InferContext& ctx, size_t i,
                                                             const char* what) {
  if (!ctx.has(i)) return std::optional<std::vector<int64_t>>();
  if (ctx.dtype(i) != DType::kI64 && ctx.dtype(i) != DType::kI32)
    return ctx.error(std::string(what) + " must be int32 or int64, got " +
                     dtype_name(ctx.dtype(i)));
  const Tensor* v = ctx.value(i);
  if (!v) return std::optional<std::vector<int64_t>>();
  auto r = tensor_to_ints(*v, what);
  if (!r) return with_node(ctx, r.status());
  return std::optional<std::vector<int64_t>>(std::move(r).value());
}

// The length of shape-like 1-D input i when its shape is known, else -1. A length over
// kMaxRank is an error: the input cannot describe a shape or axes of a valid tensor (and a
// declared length like 2^31 must not become the rank of an inferred shape).
inline Result<int64_t> known_length(const InferContext& ctx, size_t i) {
  if (!ctx.rank_known(i)) return int64_t{-1};
  const Shape& s = ctx.shape(i);
  if (s.empty()) return int64_t{1};
  if (s.size() != 1 || s[0] == kUnknownDim) return int64_t{-1};
  if (s[0] > static_cast<int64_t>(kMaxRank))
    return ctx.error("input " + std::to_string(i) + " holds " + std::to_string(s[0]) +
                     " values, more than the maximum rank " + std::to_string(kMaxRank));
  return s[0];
}

inline std::string ints_str(const std::vector<int64_t>& v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) s += ',';
    s += std::to_string(v[i]);
  }
  return s + "]";
}

constexpr int kVariadic = 1 << 20;

}  // namespace sf::ir::tensor_detail
