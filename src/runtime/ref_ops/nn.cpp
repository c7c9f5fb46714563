// Binds nn pooling nodes to the reference kernels in kernels/ref/pool.hpp; the normalisation
// and Dropout bindings live in nn_norm.cpp and register through register_nn_norm_kernels().
#include <type_traits>

#include "ir/ops/nn.hpp"
#include "kernels/ref/pool.hpp"
#include "runtime/kernel_registry.hpp"

namespace sf::rt {

void register_nn_norm_kernels();  // nn_norm.cpp

namespace {

// Product of dims [from, to) of a static shape.
int64_t dims_product(const Shape& s, size_t from, size_t to) {
  int64_t n = 1;
  for (size_t i = from; i < to && i < s.size(); ++i) n *= s[i];
  return n;
}

// Maps the node's 1-3 spatial dims onto the kernel's [planes, D, H, W] problem.
Result<ref::Pool3dParams> pool_params(const KernelContext& ctx, const ir::PoolAttrs& a) {
  const Shape& x = ctx.input(0).shape();
  const size_t k = a.kernel_shape.size();
  const Shape spatial(x.begin() + 2, x.end());
  auto geom = ir::pool_geometry(a, spatial);
  if (!geom) return ctx.error(geom.status().message());
  ref::Pool3dParams p;
  p.planes = x[0] * x[1];
  const size_t off = 3 - k;
  for (size_t i = 0; i < k; ++i) {
    p.in[off + i] = spatial[i];
    p.out[off + i] = (*geom)[i].out;
    p.kernel[off + i] = a.kernel_shape[i];
    p.stride[off + i] = a.strides[i];
    p.dilation[off + i] = a.dilations[i];
    p.pad_begin[off + i] = (*geom)[i].pad_begin;
  }
  return p;
}

template <typename T>
constexpr bool is_max_pool_type_v =
    ref::is_floating_v<T> || std::is_same_v<T, int8_t> || std::is_same_v<T, uint8_t>;

Status run_max_pool(KernelContext& ctx) {
  const auto& a = ctx.node.attrs_as<ir::PoolAttrs>();
  SF_ASSIGN_OR_RETURN(const ref::Pool3dParams p, pool_params(ctx, a));
  const Tensor& x = ctx.input(0);
  Tensor& y = ctx.output(0);
  int64_t* indices = ctx.num_outputs() > 1 ? ctx.output(1).data<int64_t>() : nullptr;
  bool done = false;
  visit_dtype(x.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (is_max_pool_type_v<T>) {
      ref::max_pool3d(x.data<T>(), y.data<T>(), indices, p, a.storage_order == 1);
      done = true;
    }
  });
  return done ? Status::ok() : ctx.error(std::string("unsupported type ") + dtype_name(x.dtype()));
}

// AveragePool and LpPool take floating-point inputs only; pool(src, dst, params, attrs) calls
// the kernel for one element type.
template <typename Pool>
Status run_floating_pool(KernelContext& ctx, Pool&& pool) {
  const auto& a = ctx.node.attrs_as<ir::PoolAttrs>();
  SF_ASSIGN_OR_RETURN(const ref::Pool3dParams p, pool_params(ctx, a));
  const Tensor& x = ctx.input(0);
  Tensor& y = ctx.output(0);
  bool done = false;
  visit_dtype(x.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (ref::is_floating_v<T>) {
      pool(x.data<T>(), y.data<T>(), p, a);
      done = true;
    }
  });
  return done ? Status::ok() : ctx.error(std::string("unsupported type ") + dtype_name(x.dtype()));
}

Status run_average_pool(KernelContext& ctx) {
  return run_floating_pool(ctx, [](const auto* src, auto* dst, const ref::Pool3dParams& p,
                                   const ir::PoolAttrs& a) {
    ref::avg_pool3d(src, dst, p, a.count_include_pad);
  });
}

Status run_lp_pool(KernelContext& ctx) {
  return run_floating_pool(ctx, [](const auto* src, auto* dst, const ref::Pool3dParams& p,
                                   const ir::PoolAttrs& a) { ref::lp_pool3d(src, dst, p, a.p); });
}

enum class GlobalKind { kMax, kAverage, kLp };

template <GlobalKind K>
Status run_global_pool(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  Tensor& y = ctx.output(0);
  const int64_t planes = x.dim(0) * x.dim(1);
  const int64_t inner = dims_product(x.shape(), 2, x.shape().size());
  bool done = false;
  visit_dtype(x.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (ref::is_floating_v<T>) {
      if constexpr (K == GlobalKind::kMax) {
        ref::global_max_pool(x.data<T>(), y.data<T>(), planes, inner);
      } else if constexpr (K == GlobalKind::kAverage) {
        ref::global_avg_pool(x.data<T>(), y.data<T>(), planes, inner);
      } else {
        const double p = ctx.node.attrs_as<ir::GlobalPoolAttrs>().p;
        ref::global_lp_pool(x.data<T>(), y.data<T>(), planes, inner, p);
      }
      done = true;
    }
  });
  return done ? Status::ok() : ctx.error(std::string("unsupported type ") + dtype_name(x.dtype()));
}

Status run_max_unpool(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  const Tensor& idx = ctx.input(1);
  Tensor& y = ctx.output(0);
  if (idx.numel() != x.numel())
    return ctx.error("indices " + idx.describe() + " do not match input " + x.describe());
  int64_t bad = -1;
  bool done = false;
  visit_dtype(x.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (ref::is_floating_v<T>) {
      bad = ref::max_unpool(x.data<T>(), idx.data<int64_t>(), x.numel(), y.data<T>(), y.numel());
      done = true;
    }
  });
  if (!done) return ctx.error(std::string("unsupported type ") + dtype_name(x.dtype()));
  if (bad >= 0)
    return ctx.error("index " + std::to_string(idx.data<int64_t>()[bad]) + " at position " +
                     std::to_string(bad) + " is outside the output " + y.describe() +
                     " (valid: 0 to " + std::to_string(y.numel() - 1) + ")");
  return Status::ok();
}

}  // namespace

void register_nn_kernels() {
  register_kernel(ir::OpKind::kMaxPool, run_max_pool);
  register_kernel(ir::OpKind::kAveragePool, run_average_pool);
  register_kernel(ir::OpKind::kLpPool, run_lp_pool);
  register_kernel(ir::OpKind::kGlobalMaxPool, run_global_pool<GlobalKind::kMax>);
  register_kernel(ir::OpKind::kGlobalAveragePool, run_global_pool<GlobalKind::kAverage>);
  register_kernel(ir::OpKind::kGlobalLpPool, run_global_pool<GlobalKind::kLp>);
  register_kernel(ir::OpKind::kMaxUnpool, run_max_unpool);
  register_nn_norm_kernels();
}

}  // namespace sf::rt
