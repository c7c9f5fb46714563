// Binds TopK and CumSum to the reference kernels in kernels/ref/reduce_select.hpp and
// kernels/ref/reduce_scan.hpp.
#include "ir/ops/reduce.hpp"
#include "kernels/ref/reduce_scan.hpp"
#include "kernels/ref/reduce_select.hpp"
#include "runtime/kernel_registry.hpp"

namespace sf::rt {

void register_reduce_select_kernels();

namespace {

struct AxisView {
  int64_t outer = 1, n = 1, inner = 1;
};

AxisView view_around(const Shape& s, int64_t axis) {
  AxisView v;
  for (int64_t d = 0; d < static_cast<int64_t>(s.size()); ++d) {
    const int64_t dim = s[static_cast<size_t>(d)];
    if (d < axis) v.outer *= dim;
    else if (d == axis) v.n = dim;
    else v.inner *= dim;
  }
  return v;
}

Status run_topk(KernelContext& ctx) {
  const auto& a = ctx.node.attrs_as<ir::TopKAttrs>();
  const Tensor& x = ctx.input(0);
  auto axis = normalize_axis(a.axis, x.rank());
  if (!axis) return ctx.error(axis.status().message());
  int64_t k = 0;
  if (a.k) {
    k = *a.k;
  } else {
    auto v = ir::single_int_value(ctx.input(1), "K");
    if (!v) return ctx.error(v.status().message());
    k = *v;
  }
  const AxisView v = view_around(x.shape(), *axis);
  if (k < 0 || k > v.n)
    return ctx.error("K = " + std::to_string(k) + " is outside [0, " + std::to_string(v.n) +
                     "] for axis " + std::to_string(*axis) + " of input shape " +
                     shape_str(x.shape()));
  Shape out_shape = x.shape();
  out_shape[static_cast<size_t>(*axis)] = k;
  SF_ASSIGN_OR_RETURN(Tensor * values, ctx.output(0, x.dtype(), out_shape));
  SF_ASSIGN_OR_RETURN(Tensor * indices, ctx.output(1, DType::kI64, out_shape));
  bool ran = false;
  visit_dtype(x.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (!std::is_same_v<T, bool>) {
      ref::topk(x.data<T>(), v.outer, v.n, v.inner, k, a.largest, values->data<T>(),
                indices->data<int64_t>());
      ran = true;
    }
  });
  return ran ? Status::ok() : ctx.error(std::string("unsupported type ") + dtype_name(x.dtype()));
}

Status run_cumsum(KernelContext& ctx) {
  const auto& a = ctx.node.attrs_as<ir::CumSumAttrs>();
  const Tensor& x = ctx.input(0);
  auto axis_value = ir::single_int_value(ctx.input(1), "axis");
  if (!axis_value) return ctx.error(axis_value.status().message());
  auto axis = normalize_axis(*axis_value, x.rank());
  if (!axis) return ctx.error(axis.status().message());
  SF_ASSIGN_OR_RETURN(Tensor * y, ctx.output(0, x.dtype(), x.shape()));
  const AxisView v = view_around(x.shape(), *axis);
  bool ran = false;
  visit_dtype(x.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (!std::is_same_v<T, bool>) {
      ref::cumsum(x.data<T>(), y->data<T>(), v.outer, v.n, v.inner, a.exclusive, a.reverse);
      ran = true;
    }
  });
  return ran ? Status::ok() : ctx.error(std::string("unsupported type ") + dtype_name(x.dtype()));
}

}  // namespace

void register_reduce_select_kernels() {
  register_kernel(ir::OpKind::kTopK, run_topk);
  register_kernel(ir::OpKind::kCumSum, run_cumsum);
}

}  // namespace sf::rt
