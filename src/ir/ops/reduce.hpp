// Typed attributes of the reduce family: reductions, ArgMax/ArgMin, the softmax family,
// CumSum, TopK and the two classification losses.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "core/shape.hpp"
#include "core/status.hpp"
#include "core/tensor.hpp"
#include "ir/attribute.hpp"

namespace sf::ir {

// ReduceSum/Mean/Max/Min/Prod/L1/L2/LogSum/LogSumExp/SumSquare.
struct ReduceAttrs : OpAttrs {
  // Axes from the attribute (every op before ReduceSum-13); nullopt when the attribute is
  // absent. For ReduceSum-13+ the axes come from input 1 and this stays nullopt.
  std::optional<std::vector<int64_t>> axes;
  bool axes_from_input = false;       // ReduceSum opset >= 13
  bool keepdims = true;
  bool noop_with_empty_axes = false;  // ReduceSum opset >= 13: empty axes -> identity
};

// ArgMax/ArgMin.
struct ArgReduceAttrs : OpAttrs {
  int64_t axis = 0;
  bool keepdims = true;
  bool select_last_index = false;
};

// Softmax/LogSoftmax/Hardmax.
struct SoftmaxAttrs : OpAttrs {
  int64_t axis = -1;
  // Opset < 13: the input is viewed as 2-D [prod(d[0:axis]), prod(d[axis:])] and the op runs
  // over the second dimension. Opset 13+: the op runs over the single axis.
  bool coerce_2d = false;
};

struct CumSumAttrs : OpAttrs {
  bool exclusive = false;
  bool reverse = false;
};

struct TopKAttrs : OpAttrs {
  std::optional<int64_t> k;  // opset 1: attribute; later versions: input 1
  int64_t axis = -1;
  bool largest = true;
  bool sorted = true;
};

enum class LossReduction { kNone, kSum, kMean };

// SoftmaxCrossEntropyLoss and NegativeLogLikelihoodLoss.
struct LossAttrs : OpAttrs {
  LossReduction reduction = LossReduction::kMean;
  std::optional<int64_t> ignore_index;
};

// Helpers shared by inference and the kernel bindings, so both read inputs the same way.
// Errors carry no node name; callers add it (ctx.error).

// The axes a reduction runs over for an input of rank `rank`: normalised, sorted and unique;
// every axis when none are given. `axes_input` is input 1 of ReduceSum-13+ (null when absent).
// Sets *noop when noop_with_empty_axes applies (the output is the input unchanged).
Result<std::vector<int64_t>> resolve_reduce_axes(const ReduceAttrs& a, int64_t rank,
                                                 const Tensor* axes_input, bool* noop);

// Output shape of a reduction over `axes` (as from resolve_reduce_axes); dims may be unknown.
Shape reduced_shape(const Shape& in, const std::vector<int64_t>& axes, bool keepdims);

// The single integer held by a scalar or one-element 1-D integer tensor (CumSum axis, TopK K).
Result<int64_t> single_int_value(const Tensor& t, const char* what);

// Softmax/LogSoftmax/Hardmax view of the input as [outer, n, inner], the op running over n.
struct SoftmaxGeometry {
  int64_t outer = 1, n = 1, inner = 1;
};
Result<SoftmaxGeometry> softmax_geometry(const SoftmaxAttrs& a, const Shape& shape);

}  // namespace sf::ir
