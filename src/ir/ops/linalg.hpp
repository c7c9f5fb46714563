// Typed attributes of the linalg ops (GEMM-like ops, convolution, quantisation), and the
// geometry shared by shape inference and the kernels' bindings (convolution pads, einsum labels),
// so that shapes and the loops that fill them come from one place.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/shape.hpp"
#include "core/status.hpp"
#include "ir/attribute.hpp"

namespace sf::ir {

// Gemm: Y = alpha * op(A) * op(B) + beta * C.
struct GemmAttrs : OpAttrs {
  float alpha = 1.0f;
  float beta = 1.0f;
  bool trans_a = false;
  bool trans_b = false;
};

// Einsum: the equation split into per-operand label lists. Labels are letters; the ellipsis is
// stored as the single character kEllipsis and expanded once the operand ranks are known.
struct EinsumAttrs : OpAttrs {
  static constexpr char kEllipsis = '.';
  std::string equation;
  std::vector<std::string> inputs;  // one label string per operand
  bool explicit_output = false;     // "->" present
  std::string output;               // labels after "->" (explicit mode only)
};

// Einsum with every label numbered and the ellipsis expanded into broadcast labels.
struct EinsumPlan {
  int num_labels = 0;
  std::vector<int64_t> label_dims;                 // per label (kUnknownDim at load time)
  std::vector<std::vector<int>> operand_labels;    // per operand, per axis: label id
  std::vector<int> output_labels;                  // per output axis: label id
  std::vector<int> reduced_labels;                 // labels summed over (not in the output)
};

// Numbers the labels of `a` for operands of the given shapes (dims may be kUnknownDim). A label's
// dim is the broadcast of its operand dims (size 1 broadcasts, as in NumPy).
Result<EinsumPlan> einsum_plan(const EinsumAttrs& a, const std::vector<Shape>& shapes,
                               const std::string& who);

enum class AutoPad { kNotSet, kSameUpper, kSameLower, kValid };

// Conv, ConvInteger, QLinearConv and ConvTranspose. Empty vectors mean "not given" (defaults
// depend on the spatial rank, known only at inference).
struct ConvAttrs : OpAttrs {
  AutoPad auto_pad = AutoPad::kNotSet;
  std::vector<int64_t> kernel_shape;
  std::vector<int64_t> strides;
  std::vector<int64_t> pads;  // [begin_0..begin_n-1, end_0..end_n-1]
  std::vector<int64_t> dilations;
  int64_t group = 1;
  // ConvTranspose only.
  std::vector<int64_t> output_padding;
  std::vector<int64_t> output_shape;
};

// Fills `a` from the node's raw Conv attributes (auto_pad, kernel_shape, strides, dilations,
// pads, group; output_padding and output_shape when `transpose`). Shared with FusedConv.
Status parse_conv_attrs(const Node& node, bool transpose, ConvAttrs* a);

// QuantizeLinear / DequantizeLinear.
struct QuantAttrs : OpAttrs {
  int64_t axis = 1;
};

// The resolved geometry of one convolution; every vector has `spatial` entries. For
// ConvTranspose, `in` is the (small) input and `out` the (large) output, and pads may be
// negative when output_shape asks for more than the full transposed result (extra zeros).
struct ConvGeometry {
  size_t spatial = 0;
  std::vector<int64_t> in;      // input spatial dims
  std::vector<int64_t> kernel;  // kernel spatial dims
  std::vector<int64_t> strides, dilations;
  std::vector<int64_t> pad_begin, pad_end;
  std::vector<int64_t> out;  // output spatial dims (kUnknownDim where not yet known)
};

// Resolves pads (auto_pad) and output dims of a forward convolution. `in_spatial` and
// `kernel_spatial` (W's spatial dims) may hold kUnknownDim at load time; then the dims that
// depend on them are unknown. `who` names the node for errors.
Result<ConvGeometry> conv_geometry(const ConvAttrs& a, const Shape& in_spatial,
                                   const Shape& kernel_spatial, const std::string& who);
// The same for ConvTranspose (output_shape, output_padding and its own pad rules).
Result<ConvGeometry> conv_transpose_geometry(const ConvAttrs& a, const Shape& in_spatial,
                                             const Shape& kernel_spatial, const std::string& who);

}  // namespace sf::ir
