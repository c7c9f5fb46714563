// Bindings of the generator ops: Constant, ConstantOfShape, Range, EyeLike.
//   Range:   dst[i] = start + i * delta (in double for floats, wrapping int64 for integers)
//   EyeLike: dst[i, i + k] = 1, every other element 0
#include <cstring>

#include "kernels/ref/tensor_copy.hpp"
#include "runtime/ref_ops/tensor_common.hpp"

namespace sf::rt::tensor_detail {

namespace {

Status run_constant(KernelContext& ctx) {
  const Tensor& v = ctx.node.attrs_as<ir::ConstantAttrs>().value;
  SF_ASSIGN_OR_RETURN(Tensor * y, ctx.output(0, v.dtype(), v.shape()));
  if (v.nbytes()) std::memcpy(y->raw(), v.raw(), v.nbytes());
  return Status::ok();
}

Status run_constant_of_shape(KernelContext& ctx) {
  const Tensor& v = ctx.node.attrs_as<ir::ConstantAttrs>().value;
  SF_ASSIGN_OR_RETURN(Tensor * y, inferred_output(ctx, 0));
  ref::fill_elements(y->raw(), y->numel(), v.raw(), esize(v));
  return Status::ok();
}

Status run_range(KernelContext& ctx) {
  SF_ASSIGN_OR_RETURN(Tensor * y, inferred_output(ctx, 0));
  const Tensor& start = ctx.input(0);
  const Tensor& delta = ctx.input(2);
  visit_dtype(y->dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* d = y->data<T>();
    if constexpr (std::is_integral_v<T>) {
      const auto s = static_cast<uint64_t>(start.int_at(0));
      const auto step = static_cast<uint64_t>(delta.int_at(0));
      for (int64_t i = 0; i < y->numel(); ++i)
        d[i] = static_cast<T>(static_cast<int64_t>(s + static_cast<uint64_t>(i) * step));
    } else {
      const double s = start.double_at(0), step = delta.double_at(0);
      for (int64_t i = 0; i < y->numel(); ++i)
        store_scalar(y->dtype(), s + static_cast<double>(i) * step, &d[i]);
    }
  });
  return Status::ok();
}

Status run_eyelike(KernelContext& ctx) {
  SF_ASSIGN_OR_RETURN(Tensor * y, inferred_output(ctx, 0));
  const int64_t k = ctx.node.attrs_as<ir::EyeLikeAttrs>().k;
  const int64_t rows = y->dim(0), cols = y->dim(1);
  const size_t es = esize(*y);
  std::vector<std::byte> one(es);
  store_scalar(y->dtype(), 1.0, one.data());
  std::memset(y->raw(), 0, y->nbytes());
  auto* d = static_cast<std::byte*>(y->raw());
  for (int64_t i = 0; i < rows; ++i) {
    // j = i + k without overflow: only rows with 0 <= i + k < cols have a one.
    if (k < -i || k >= cols - i) continue;
    std::memcpy(d + static_cast<size_t>(i * cols + i + k) * es, one.data(), es);
  }
  return Status::ok();
}

}  // namespace

void register_generator_kernels() {
  register_kernel(ir::OpKind::kConstant, run_constant);
  register_kernel(ir::OpKind::kConstantOfShape, run_constant_of_shape);
  register_kernel(ir::OpKind::kRange, run_range);
  register_kernel(ir::OpKind::kEyeLike, run_eyelike);
}

}  // namespace sf::rt::tensor_detail
