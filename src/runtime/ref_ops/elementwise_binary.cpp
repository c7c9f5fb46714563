// Binds the binary, variadic and ternary elementwise ops (arithmetic, comparisons, logic, PRelu,
// Sum/Mean/Max/Min, Where) to kernels/ref/elementwise*.hpp.
#include <cstring>
#include <string>

#include "ir/ops/elementwise.hpp"
#include "kernels/ref/elementwise.hpp"
#include "kernels/ref/elementwise_cast.hpp"
#include "kernels/ref/elementwise_math.hpp"
#include "runtime/kernel_registry.hpp"
#include "runtime/ref_ops/elementwise_common.hpp"

namespace sf::rt::elementwise {

namespace {

Status unsupported_type(const KernelContext& ctx, DType t) {
  return ctx.error(std::string("no kernel for input type ") + dtype_name(t));
}

// Input 1's shape as broadcasting sees it: before opset 7 with broadcast=1, B's dims are placed
// at `axis` of A's (see LegacyBroadcastAttrs).
Shape b_shape_of(const KernelContext& ctx) {
  const auto* legacy = dynamic_cast<const ir::LegacyBroadcastAttrs*>(ctx.node.attrs.get());
  if (legacy && legacy->broadcast)
    return ir::legacy_broadcast_b_shape(*legacy, ctx.input(0).shape(), ctx.input(1).shape());
  return ctx.input(1).shape();
}

// Integer Div and Mod: a zero divisor is a runtime error, never UB.
template <typename T>
Status check_divisor(const KernelContext& ctx, const Tensor& b) {
  if constexpr (std::is_integral_v<T>) {
    const T* p = b.data<T>();
    for (int64_t i = 0; i < b.numel(); ++i)
      if (p[i] == T(0))
        return ctx.error("integer division by zero: input 1 " + b.describe() +
                         " is 0 at flat index " + std::to_string(i));
  }
  return Status::ok();
}

// y = fn(a, b) with broadcasting, for the types of class K; y has a's type, or bool when fn
// returns bool. `divides`: refuse integer zero divisors first.
template <Types K, typename Fn>
Status apply_binary(KernelContext& ctx, const Fn& fn, bool divides = false) {
  const Tensor& a = ctx.input(0);
  const Tensor& b = ctx.input(1);
  Tensor& y = ctx.output(0);
  const Shape b_shape = b_shape_of(ctx);
  Status st;
  bool done = false;
  visit_dtype(a.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (accepts_v<K, T>) {
      done = true;
      if (divides) {
        st = check_divisor<T>(ctx, b);
        if (!st.is_ok()) return;
      }
      using C = ref::compute_t<T>;
      using R = decltype(fn(C{}, C{}));
      using TOut = std::conditional_t<std::is_same_v<R, bool>, bool, T>;
      ref::binary_compute(a.data<T>(), a.shape(), b.data<T>(), b_shape, y.data<TOut>(), y.shape(),
                          fn);
    }
  });
  if (!done) return unsupported_type(ctx, a.dtype());
  return st;
}

template <Types K, typename Fn>
Status run_binary(KernelContext& ctx) {
  return apply_binary<K>(ctx, Fn{});
}

Status run_div(KernelContext& ctx) {
  return apply_binary<Types::kNumeric>(ctx, ref::DivFn{}, /*divides=*/true);
}

Status run_mod(KernelContext& ctx) {
  return apply_binary<Types::kNumeric>(ctx, ref::ModFn{ctx.node.attrs_as<ir::ModAttrs>().fmod},
                                       /*divides=*/true);
}

Status run_bit_shift(KernelContext& ctx) {
  if (ctx.node.attrs_as<ir::BitShiftAttrs>().direction == ir::ShiftDirection::kLeft)
    return apply_binary<Types::kUnsigned>(ctx, ref::ShiftLeftFn{});
  return apply_binary<Types::kUnsigned>(ctx, ref::ShiftRightFn{});
}

// Pow: same types use PowFn (exact integer powers); mixed types convert the exponent to double
// and compute in double. A float base with one scalar exponent of 2 (common in normalisation
// layers) is squared directly.
Status run_pow(KernelContext& ctx) {
  const Tensor& a = ctx.input(0);
  const Tensor& b = ctx.input(1);
  Tensor& y = ctx.output(0);
  if (dtype_is_float(a.dtype()) && b.numel() == 1 && y.shape() == a.shape() &&
      b.double_at(0) == 2.0) {
    bool done = false;
    visit_dtype(a.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      if constexpr (ref::is_floating_v<T>) {
        ref::unary_compute(a.data<T>(), y.data<T>(), a.numel(), [](auto x) { return x * x; });
        done = true;
      }
    });
    return done ? Status::ok() : unsupported_type(ctx, a.dtype());
  }
  if (a.dtype() == b.dtype()) return apply_binary<Types::kNumeric>(ctx, ref::PowFn{});
  SF_ASSIGN_OR_RETURN(Tensor exponent, Tensor::make(DType::kF64, b.shape(), ctx.max_tensor_bytes));
  bool converted = visit_dtype(b.dtype(), [&](auto tag) {
    using TB = typename decltype(tag)::type;
    ref::cast_map(b.data<TB>(), exponent.data<double>(), b.numel());
  });
  if (!converted) return unsupported_type(ctx, b.dtype());
  const Shape b_shape = b_shape_of(ctx);
  bool done = false;
  visit_dtype(a.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (accepts_v<Types::kNumeric, T>) {
      ref::binary_compute(a.data<T>(), a.shape(), exponent.data<double>(), b_shape, y.data<T>(),
                          y.shape(), ref::PowMixedFn{});
      done = true;
    }
  });
  return done ? Status::ok() : unsupported_type(ctx, a.dtype());
}

// Sum, Mean, Max, Min: y = fn(...fn(fn(x0, x1), x2)..., xn) with broadcasting; Mean divides by
// n at the end. Later steps read and write y in place (same index, so no hazard).
template <Types K, typename Fn, bool kMean = false>
Status run_variadic(KernelContext& ctx) {
  const Fn fn{};
  const Tensor& x0 = ctx.input(0);
  Tensor& y = ctx.output(0);
  const size_t n = ctx.in.size();
  bool done = false;
  visit_dtype(x0.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (accepts_v<K, T>) {
      done = true;
      T* dst = y.data<T>();
      if (n == 1) {
        if (y.nbytes() > 0) std::memcpy(dst, x0.data<T>(), y.nbytes());
      } else {
        const Tensor& x1 = ctx.input(1);
        ref::binary_compute(x0.data<T>(), x0.shape(), x1.data<T>(), x1.shape(), dst, y.shape(), fn);
        for (size_t i = 2; i < n; ++i) {
          const Tensor& xi = ctx.input(i);
          ref::binary_compute(static_cast<const T*>(dst), y.shape(), xi.data<T>(), xi.shape(), dst,
                              y.shape(), fn);
        }
      }
      if constexpr (kMean) {
        using C = ref::compute_t<T>;
        const C count = static_cast<C>(n);
        ref::unary_compute(static_cast<const T*>(dst), dst, y.numel(), [count](C v) { return v / count; });
      }
    }
  });
  return done ? Status::ok() : unsupported_type(ctx, x0.dtype());
}

// PRelu: slope broadcasts to X (unidirectionally; inference checked it).
Status run_prelu(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  const Tensor& slope = ctx.input(1);
  Tensor& y = ctx.output(0);
  bool done = false;
  visit_dtype(x.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (accepts_v<Types::kSignedNumeric, T>) {
      ref::binary_compute(x.data<T>(), x.shape(), slope.data<T>(), slope.shape(), y.data<T>(),
                          y.shape(), ref::PReluFn{});
      done = true;
    }
  });
  return done ? Status::ok() : unsupported_type(ctx, x.dtype());
}

// Where: y = cond ? x : y, three-way broadcasting.
Status run_where(KernelContext& ctx) {
  const Tensor& cond = ctx.input(0);
  const Tensor& x = ctx.input(1);
  const Tensor& other = ctx.input(2);
  Tensor& y = ctx.output(0);
  bool done = visit_dtype(x.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    ref::ternary_broadcast(cond.data<bool>(), cond.shape(), x.data<T>(), x.shape(),
                           other.data<T>(), other.shape(), y.data<T>(), y.shape(),
                           [](bool c, T p, T q) { return c ? p : q; });
  });
  return done ? Status::ok() : unsupported_type(ctx, x.dtype());
}

}  // namespace

void register_binary_kernels() {
  using enum ir::OpKind;
  constexpr Types kN = Types::kNumeric;
  register_kernel(kAdd, run_binary<kN, ref::AddFn>);
  register_kernel(kSub, run_binary<kN, ref::SubFn>);
  register_kernel(kMul, run_binary<kN, ref::MulFn>);
  register_kernel(kDiv, run_div);
  register_kernel(kMod, run_mod);
  register_kernel(kPow, run_pow);
  register_kernel(kBitShift, run_bit_shift);
  register_kernel(kAnd, run_binary<Types::kBool, ref::AndFn>);
  register_kernel(kOr, run_binary<Types::kBool, ref::OrFn>);
  register_kernel(kXor, run_binary<Types::kBool, ref::XorFn>);
  register_kernel(kEqual, run_binary<Types::kAny, ref::EqualFn>);
  register_kernel(kGreater, run_binary<kN, ref::GreaterFn>);
  register_kernel(kGreaterOrEqual, run_binary<kN, ref::GreaterOrEqualFn>);
  register_kernel(kLess, run_binary<kN, ref::LessFn>);
  register_kernel(kLessOrEqual, run_binary<kN, ref::LessOrEqualFn>);
  register_kernel(kPRelu, run_prelu);
  register_kernel(kSum, run_variadic<kN, ref::AddFn>);
  register_kernel(kMean, run_variadic<Types::kFloat, ref::AddFn, true>);
  register_kernel(kMax, run_variadic<kN, ref::MaxFn>);
  register_kernel(kMin, run_variadic<kN, ref::MinFn>);
  register_kernel(kWhere, run_where);
}

}  // namespace sf::rt::elementwise
