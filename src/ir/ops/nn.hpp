// Typed attributes of the nn ops (pooling, normalisation, dropout) and the pooling geometry
// shared by shape inference and the kernels' bindings.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/dtype.hpp"
#include "core/shape.hpp"
#include "ir/attribute.hpp"

namespace sf::ir {

enum class AutoPad { kNotSet, kSameUpper, kSameLower, kValid };

// MaxPool, AveragePool, LpPool and MaxUnpool. After parsing, strides and dilations hold one
// entry per spatial dim and pads 2 * spatial entries ([b1, b2, ..., e1, e2, ...]).
struct PoolAttrs : OpAttrs {
  std::vector<int64_t> kernel_shape, strides, dilations, pads;
  AutoPad auto_pad = AutoPad::kNotSet;
  bool ceil_mode = false;
  bool count_include_pad = false;  // AveragePool
  int64_t storage_order = 0;       // MaxPool Indices: 0 row-major, 1 column-major
  double p = 2;                    // LpPool
};

// Output size and leading pad of one spatial dim (kUnknownDim where the input dim is unknown).
struct PoolDim {
  int64_t out = kUnknownDim;
  int64_t pad_begin = 0;
};

// Window placement for input spatial dims `in` (may hold kUnknownDim). Follows ONNX Runtime:
// NOTSET/VALID: out = floor-or-ceil((in + pads - ext) / stride) + 1, with ext = (k-1)*d + 1;
// in ceil mode a last window that would start inside the end padding is dropped.
// SAME_*: out = ceil(in / stride), total pad = max(0, (out-1)*stride + ext - in), the odd
// element at the end (SAME_UPPER) or beginning (SAME_LOWER). Errors name the dim and values.
Result<std::vector<PoolDim>> pool_geometry(const PoolAttrs& a, const Shape& in_spatial);

// Attribute parsing of MaxPool / AveragePool (PoolAttrs), shared with their channels-last forms
// (ops/layout.cpp).
struct Node;
Status parse_max_pool_attrs(Node& node);
Status parse_average_pool_attrs(Node& node);

struct GlobalPoolAttrs : OpAttrs {
  double p = 2;  // GlobalLpPool
};

struct BatchNormAttrs : OpAttrs {
  float epsilon = 1e-5f;
  float momentum = 0.9f;
  bool spatial = true;    // opset < 9: false means per-(C, D1, ...) statistics
  bool training = false;  // opset 14+: training_mode
};

struct InstanceNormAttrs : OpAttrs {
  float epsilon = 1e-5f;
};

struct LayerNormAttrs : OpAttrs {
  int64_t axis = -1;
  float epsilon = 1e-5f;
  DType stash = DType::kF32;  // type of the Mean / InvStdDev outputs
};

struct LpNormAttrs : OpAttrs {
  int64_t axis = -1;
  int64_t p = 2;
};

struct MvnAttrs : OpAttrs {
  std::vector<int64_t> axes = {0, 2, 3};  // may be negative; normalised in inference
  bool normalize_variance = true;
};

struct LrnAttrs : OpAttrs {
  int64_t size = 1;
  float alpha = 1e-4f, beta = 0.75f, bias = 1.0f;
};

struct DropoutAttrs : OpAttrs {
  float ratio = 0.5f;          // opset < 12 (an input afterwards)
  std::optional<int64_t> seed;  // opset 12+
  bool mask_is_bool = true;    // opset 10+; before that the mask has the input's type
};

}  // namespace sf::ir
