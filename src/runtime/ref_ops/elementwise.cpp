// Binds elementwise nodes to the reference kernels in kernels/ref/elementwise.hpp.
#include <cmath>

#include "ir/ops/elementwise.hpp"
#include "kernels/ref/elementwise.hpp"
#include "runtime/kernel_registry.hpp"

namespace sf::rt {

namespace {

Status run_relu(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  Tensor& y = ctx.output(0);
  bool ok = visit_dtype(x.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (ref::is_floating_v<T>) {
      ref::unary_map(x.data<T>(), y.data<T>(), x.numel(), [](T v) {
        const auto f = ref::load(v);
        return ref::store<T>(f > 0 ? f : (f == f ? 0 : f));
      });
    }
  });
  return ok ? Status::ok() : ctx.error("unsupported type");
}

Status run_add(KernelContext& ctx) {
  const Tensor& a = ctx.input(0);
  const Tensor& b = ctx.input(1);
  Tensor& y = ctx.output(0);
  bool ok = visit_dtype(a.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (!std::is_same_v<T, bool>) {
      ref::binary_broadcast(a.data<T>(), a.shape(), b.data<T>(), b.shape(), y.data<T>(), y.shape(),
                            [](T p, T q) { return ref::store<T>(ref::load(p) + ref::load(q)); });
    }
  });
  return ok ? Status::ok() : ctx.error("unsupported type");
}

}  // namespace

void register_elementwise_kernels() {
  register_kernel(ir::OpKind::kRelu, run_relu);
  register_kernel(ir::OpKind::kAdd, run_add);
}

}  // namespace sf::rt
