// Binds reduce-family nodes to the reference kernels: the reductions and ArgMax/ArgMin here,
// Softmax/LogSoftmax/Hardmax and the losses in reduce_softmax.cpp, CumSum and TopK in
// reduce_select.cpp. Inference has already validated attributes and inputs for these exact
// tensors; the bindings re-derive what they need through the same ir helpers.
#include <cstring>

#include "ir/ops/reduce.hpp"
#include "kernels/ref/reduce.hpp"
#include "kernels/ref/reduce_select.hpp"
#include "runtime/kernel_registry.hpp"

namespace sf::rt {

// Defined in reduce_softmax.cpp and reduce_select.cpp.
void register_reduce_softmax_kernels();
void register_reduce_select_kernels();

namespace {

ref::ReduceOp reduce_op_of(ir::OpKind op) {
  using ir::OpKind;
  if (op == OpKind::kReduceMean) return ref::ReduceOp::kMean;
  if (op == OpKind::kReduceMax) return ref::ReduceOp::kMax;
  if (op == OpKind::kReduceMin) return ref::ReduceOp::kMin;
  if (op == OpKind::kReduceProd) return ref::ReduceOp::kProd;
  if (op == OpKind::kReduceL1) return ref::ReduceOp::kL1;
  if (op == OpKind::kReduceL2) return ref::ReduceOp::kL2;
  if (op == OpKind::kReduceLogSum) return ref::ReduceOp::kLogSum;
  if (op == OpKind::kReduceLogSumExp) return ref::ReduceOp::kLogSumExp;
  if (op == OpKind::kReduceSumSquare) return ref::ReduceOp::kSumSquare;
  return ref::ReduceOp::kSum;
}

Status run_reduce(KernelContext& ctx) {
  const auto& a = ctx.node.attrs_as<ir::ReduceAttrs>();
  const Tensor& x = ctx.input(0);
  bool noop = false;
  auto axes = ir::resolve_reduce_axes(a, x.rank(), ctx.has(1) ? &ctx.input(1) : nullptr, &noop);
  if (!axes) return ctx.error(axes.status().message());
  const Shape out_shape = noop ? x.shape() : ir::reduced_shape(x.shape(), *axes, a.keepdims);
  SF_ASSIGN_OR_RETURN(Tensor * y, ctx.output(0, x.dtype(), out_shape));
  if (noop) {
    if (x.nbytes() > 0) std::memcpy(y->raw(), x.raw(), x.nbytes());
    return Status::ok();
  }
  const ref::ReduceOp op = reduce_op_of(ctx.node.op);
  bool ran = false;
  visit_dtype(x.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (!std::is_same_v<T, bool>) {
      ref::reduce(op, x.data<T>(), x.shape(), *axes, y->data<T>());
      ran = true;
    }
  });
  return ran ? Status::ok() : ctx.error(std::string("unsupported type ") + dtype_name(x.dtype()));
}

Status run_arg_reduce(KernelContext& ctx) {
  const auto& a = ctx.node.attrs_as<ir::ArgReduceAttrs>();
  const Tensor& x = ctx.input(0);
  auto axis = normalize_axis(a.axis, x.rank());
  if (!axis) return ctx.error(axis.status().message());
  int64_t outer = 1, n = x.dim(*axis), inner = 1;
  for (int64_t d = 0; d < x.rank(); ++d) {
    if (d < *axis) outer *= x.dim(d);
    if (d > *axis) inner *= x.dim(d);
  }
  SF_ASSIGN_OR_RETURN(Tensor * y,
                      ctx.output(0, DType::kI64, ir::reduced_shape(x.shape(), {*axis}, a.keepdims)));
  if (n == 0 && outer * inner > 0)
    return ctx.error("cannot take " + std::string(ir::op_name(ctx.node.op)) +
                     " over axis " + std::to_string(*axis) + " of size 0 (input shape " +
                     shape_str(x.shape()) + ")");
  const bool is_max = ctx.node.op == ir::OpKind::kArgMax;
  bool ran = false;
  visit_dtype(x.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (!std::is_same_v<T, bool>) {
      ref::arg_reduce(x.data<T>(), outer, n, inner, is_max, a.select_last_index,
                      y->data<int64_t>());
      ran = true;
    }
  });
  return ran ? Status::ok() : ctx.error(std::string("unsupported type ") + dtype_name(x.dtype()));
}

}  // namespace

void register_reduce_kernels() {
  using ir::OpKind;
  for (OpKind op : {OpKind::kReduceSum, OpKind::kReduceMean, OpKind::kReduceMax,
                    OpKind::kReduceMin, OpKind::kReduceProd, OpKind::kReduceL1, OpKind::kReduceL2,
                    OpKind::kReduceLogSum, OpKind::kReduceLogSumExp, OpKind::kReduceSumSquare})
    register_kernel(op, run_reduce);
  register_kernel(OpKind::kArgMax, run_arg_reduce);
  register_kernel(OpKind::kArgMin, run_arg_reduce);
  register_reduce_softmax_kernels();
  register_reduce_select_kernels();
}

}  // namespace sf::rt
