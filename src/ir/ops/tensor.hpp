// Typed attributes of the tensor ops (shape manipulation, indexing, generators, resize), and the
// "plans" that both shape inference and the kernels compute from a node's inputs (Slice ranges,
// Pad amounts, Split sizes, Resize scales), so that output shapes have one source.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "core/shape.hpp"
#include "core/tensor.hpp"
#include "ir/attribute.hpp"
#include "ir/graph.hpp"

namespace sf::ir {

// Reshape: `shape` from the attribute (opset < 5) or the second input.
struct ReshapeAttrs : OpAttrs {
  bool allowzero = false;
  std::optional<std::vector<int64_t>> shape;  // set for opset < 5
};

struct FlattenAttrs : OpAttrs {
  int64_t axis = 1;
};

struct TransposeAttrs : OpAttrs {
  std::optional<std::vector<int64_t>> perm;  // absent: reverse the dims
};

// Squeeze / Unsqueeze before opset 13 (axes as attribute); from 13 the axes are an input.
struct AxesAttrs : OpAttrs {
  std::optional<std::vector<int64_t>> axes;
};

// Ops with a single `axis` attribute: Concat, Gather, GatherElements, Scatter(Elements).
struct AxisAttrs : OpAttrs {
  int64_t axis = 0;
};

struct SplitAttrs : OpAttrs {
  int64_t axis = 0;
  std::optional<std::vector<int64_t>> split;  // set for opset < 13 when given
};

// Slice before opset 10 (ranges as attributes).
struct SliceAttrs : OpAttrs {
  std::vector<int64_t> starts, ends;
  std::optional<std::vector<int64_t>> axes;
};

struct GatherNDAttrs : OpAttrs {
  int64_t batch_dims = 0;
};

enum class ScatterReduction { kNone, kAdd, kMul, kMax, kMin };

struct ScatterAttrs : OpAttrs {
  int64_t axis = 0;  // ScatterElements only
  ScatterReduction reduction = ScatterReduction::kNone;
};

enum class PadMode { kConstant, kReflect, kEdge };

struct PadAttrs : OpAttrs {
  PadMode mode = PadMode::kConstant;
  std::optional<std::vector<int64_t>> pads;  // set for opset < 11
  float value = 0;                           // opset < 11
};

struct ShapeAttrs : OpAttrs {
  int64_t start = 0;
  std::optional<int64_t> end;
};

// Constant and ConstantOfShape: the value to produce (ConstantOfShape: one element).
struct ConstantAttrs : OpAttrs {
  Tensor value;
};

struct EyeLikeAttrs : OpAttrs {
  std::optional<DType> dtype;
  int64_t k = 0;
};

struct OneHotAttrs : OpAttrs {
  int64_t axis = -1;
};

struct TriluAttrs : OpAttrs {
  bool upper = true;
};

// Compress and Unique: an optional axis (absent: the input is flattened).
struct OptionalAxisAttrs : OpAttrs {
  std::optional<int64_t> axis;
  bool sorted = true;  // Unique only
};

struct ReverseSequenceAttrs : OpAttrs {
  int64_t batch_axis = 1;
  int64_t time_axis = 0;
};

struct DepthSpaceAttrs : OpAttrs {
  int64_t blocksize = 1;
  bool crd = false;  // DepthToSpace mode CRD (default DCR)
};

enum class ResizeMode { kNearest, kLinear, kCubic };
enum class ResizeCoord {
  kHalfPixel,
  kAsymmetric,
  kAlignCorners,
  kPytorchHalfPixel,
  kTfCropAndResize,
  kTfHalfPixelForNn,
};
// kSimple: Resize-10 / Upsample (no nearest_mode): floor when upsampling, ceil when downsampling.
enum class ResizeNearest { kRoundPreferFloor, kRoundPreferCeil, kFloor, kCeil, kSimple };

// Resize (opset 10..) and Upsample (opset 7..9).
struct ResizeAttrs : OpAttrs {
  ResizeMode mode = ResizeMode::kNearest;
  ResizeCoord coord = ResizeCoord::kHalfPixel;
  ResizeNearest nearest = ResizeNearest::kRoundPreferFloor;
  float cubic_a = -0.75f;
  bool exclude_outside = false;
  float extrapolation_value = 0;
  std::optional<std::vector<float>> scales;  // Upsample opset 7 attribute
};

// --- Plans shared by inference and kernels. Errors carry no node label; callers add it. ---

// Reads a 0-D or 1-D int32/int64 tensor as int64 values.
Result<std::vector<int64_t>> tensor_to_ints(const Tensor& t, const char* what);

// Slice over every dim of the input: element (i0,i1,..) of the output is input element
// (start[d] + i_d * step[d])_d.
struct SlicePlan {
  Shape out_shape;
  std::vector<int64_t> start, step;
};
// Computes the plan from the node's attributes (opset < 10) or its inputs (starts, ends, axes,
// steps; nullptr when omitted). `in` must be static.
Result<SlicePlan> slice_plan(const Node& node, const Shape& in, const Tensor* starts,
                             const Tensor* ends, const Tensor* axes, const Tensor* steps);

// Pad amounts [begin_0.., end_0..] (2*rank values, negative crops) from the attribute
// (opset < 11) or the pads input.
Result<std::vector<int64_t>> pad_amounts(const Node& node, int64_t rank, const Tensor* pads);

// Sizes of Split's outputs along the axis of length `dim`.
Result<std::vector<int64_t>> split_sizes(const Node& node, int64_t dim, size_t n_outputs,
                                         const Tensor* split_input);

// Resize: output shape, per-axis scale and resized length used by the coordinate transform
// (with scales given, the length is input * scale before flooring, as the ONNX reference has it),
// and the roi (2*rank values, only for tf_crop_and_resize).
struct ResizePlan {
  Shape out_shape;
  std::vector<double> scales;
  std::vector<double> lengths;
  std::vector<double> roi;
};
// Inputs by position as the node has them (Upsample: X, scales; Resize-10: X, scales;
// Resize-11+: X, roi, scales, sizes); nullptr when omitted. `in` must be static.
Result<ResizePlan> resize_plan(const Node& node, const Shape& in,
                               const std::vector<const Tensor*>& inputs);

}  // namespace sf::ir
