// Binds Softmax/LogSoftmax/Hardmax and SoftmaxCrossEntropyLoss/NegativeLogLikelihoodLoss to
// the reference kernels in kernels/ref/softmax.hpp and kernels/ref/softmax_loss.hpp.
#include "ir/ops/reduce.hpp"
#include "kernels/ref/softmax.hpp"
#include "kernels/ref/softmax_loss.hpp"
#include "runtime/kernel_registry.hpp"

namespace sf::rt {

void register_reduce_softmax_kernels();

namespace {

Status run_softmax(KernelContext& ctx) {
  const auto& a = ctx.node.attrs_as<ir::SoftmaxAttrs>();
  const Tensor& x = ctx.input(0);
  auto g = ir::softmax_geometry(a, x.shape());
  if (!g) return ctx.error(g.status().message());
  SF_ASSIGN_OR_RETURN(Tensor * y, ctx.output(0, x.dtype(), x.shape()));
  ref::SoftmaxOp op = ref::SoftmaxOp::kSoftmax;
  if (ctx.node.op == ir::OpKind::kLogSoftmax) op = ref::SoftmaxOp::kLogSoftmax;
  if (ctx.node.op == ir::OpKind::kHardmax) op = ref::SoftmaxOp::kHardmax;
  bool ran = false;
  visit_dtype(x.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (ref::is_floating_v<T>) {
      ref::softmax(op, x.data<T>(), y->data<T>(), g->outer, g->n, g->inner);
      ran = true;
    }
  });
  return ran ? Status::ok() : ctx.error(std::string("unsupported type ") + dtype_name(x.dtype()));
}

// Shared by both losses: checks shapes and labels, then calls `kernel(T*, L*, params)`.
template <typename Kernel>
Status run_loss_common(KernelContext& ctx, Kernel&& kernel) {
  const auto& a = ctx.node.attrs_as<ir::LossAttrs>();
  const Tensor& x = ctx.input(0);
  const Tensor& labels = ctx.input(1);
  if (x.rank() < 2 || labels.rank() != x.rank() - 1)
    return ctx.error("input shape " + shape_str(x.shape()) + " and labels shape " +
                     shape_str(labels.shape()) + " do not match");
  ref::LossParams p;
  p.n = x.dim(0);
  p.c = x.dim(1);
  for (int64_t d = 2; d < x.rank(); ++d) p.d *= x.dim(d);
  p.has_ignore_index = a.ignore_index.has_value();
  p.ignore_index = a.ignore_index.value_or(0);
  p.reduction = a.reduction == ir::LossReduction::kNone  ? ref::LossReduction::kNone
                : a.reduction == ir::LossReduction::kSum ? ref::LossReduction::kSum
                                                         : ref::LossReduction::kMean;
  if (ctx.has(2) && (ctx.input(2).rank() != 1 || ctx.input(2).dim(0) != p.c))
    return ctx.error("weights shape " + shape_str(ctx.input(2).shape()) + " does not match the " +
                     std::to_string(p.c) + " classes of input shape " + shape_str(x.shape()));
  const Shape out_shape = p.reduction == ref::LossReduction::kNone ? labels.shape() : Shape{};
  SF_ASSIGN_OR_RETURN(Tensor * y, ctx.output(0, x.dtype(), out_shape));
  Tensor* log_prob = nullptr;
  if (ctx.num_outputs() > 1) {
    SF_ASSIGN_OR_RETURN(log_prob, ctx.output(1, x.dtype(), x.shape()));
  }

  bool ran = false;
  Status st = Status::ok();
  visit_dtype(labels.dtype(), [&](auto ltag) {
    using L = typename decltype(ltag)::type;
    if constexpr (std::is_same_v<L, int32_t> || std::is_same_v<L, int64_t>) {
      const int64_t bad = ref::first_bad_label(labels.data<L>(), p);
      if (bad >= 0) {
        st = ctx.error("label " + std::to_string(static_cast<int64_t>(labels.data<L>()[bad])) +
                       " at flat index " + std::to_string(bad) + " is outside [0, " +
                       std::to_string(p.c) + ")" +
                       (p.has_ignore_index
                            ? " and is not ignore_index " + std::to_string(p.ignore_index)
                            : ""));
        ran = true;
        return;
      }
      visit_dtype(x.dtype(), [&](auto tag) {
        using T = typename decltype(tag)::type;
        if constexpr (ref::is_floating_v<T>) {
          const T* w = ctx.has(2) ? ctx.input(2).data<T>() : nullptr;
          kernel(x.data<T>(), labels.data<L>(), w, p, y->data<T>(),
                 log_prob ? log_prob->data<T>() : static_cast<T*>(nullptr));
          ran = true;
        }
      });
    }
  });
  if (!st.is_ok()) return st;
  return ran ? Status::ok()
             : ctx.error(std::string("unsupported types ") + dtype_name(x.dtype()) + ", " +
                         dtype_name(labels.dtype()));
}

Status run_sce(KernelContext& ctx) {
  return run_loss_common(ctx, [](const auto* x, const auto* labels, const auto* w,
                                 const ref::LossParams& p, auto* y, auto* log_prob) {
    ref::softmax_cross_entropy_loss(x, labels, w, p, y, log_prob);
  });
}

Status run_nll(KernelContext& ctx) {
  return run_loss_common(ctx, [](const auto* x, const auto* labels, const auto* w,
                                 const ref::LossParams& p, auto* y, auto* /*log_prob*/) {
    ref::nll_loss(x, labels, w, p, y);
  });
}

}  // namespace

void register_reduce_softmax_kernels() {
  register_kernel(ir::OpKind::kSoftmax, run_softmax);
  register_kernel(ir::OpKind::kLogSoftmax, run_softmax);
  register_kernel(ir::OpKind::kHardmax, run_softmax);
  register_kernel(ir::OpKind::kSoftmaxCrossEntropyLoss, run_sce);
  register_kernel(ir::OpKind::kNegativeLogLikelihoodLoss, run_nll);
}

}  // namespace sf::rt
