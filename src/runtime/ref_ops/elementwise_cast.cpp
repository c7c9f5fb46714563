// Binds Cast and CastLike to kernels/ref/elementwise_cast.hpp.
#include <cstring>
#include <string>

#include "kernels/ref/elementwise_cast.hpp"
#include "runtime/kernel_registry.hpp"
#include "runtime/ref_ops/elementwise_common.hpp"

namespace sf::rt::elementwise {

namespace {

Status cast_into(KernelContext& ctx, const Tensor& x, Tensor& y) {
  if (x.dtype() == y.dtype()) {
    if (x.nbytes() > 0) std::memcpy(y.raw(), x.raw(), x.nbytes());
    return Status::ok();
  }
  bool done = false;
  visit_dtype(x.dtype(), [&](auto in_tag) {
    using TIn = typename decltype(in_tag)::type;
    done = visit_dtype(y.dtype(), [&](auto out_tag) {
      using TOut = typename decltype(out_tag)::type;
      ref::cast_map(x.data<TIn>(), y.data<TOut>(), x.numel());
    });
  });
  if (!done)
    return ctx.error(std::string("cannot cast ") + dtype_name(x.dtype()) + " to " +
                     dtype_name(y.dtype()));
  return Status::ok();
}

Status run_cast(KernelContext& ctx) { return cast_into(ctx, ctx.input(0), ctx.output(0)); }

Status run_cast_like(KernelContext& ctx) { return cast_into(ctx, ctx.input(0), ctx.output(0)); }

}  // namespace

void register_cast_kernels() {
  register_kernel(ir::OpKind::kCast, run_cast);
  register_kernel(ir::OpKind::kCastLike, run_cast_like);
}

}  // namespace sf::rt::elementwise
