// Binds the unary elementwise ops (math, activations, Clip) to kernels/ref/elementwise*.hpp.
#include <cmath>
#include <limits>
#include <string>

#include "ir/ops/elementwise.hpp"
#include "kernels/ref/elementwise.hpp"
#include "kernels/ref/elementwise_math.hpp"
#include "runtime/kernel_registry.hpp"
#include "runtime/ref_ops/elementwise_common.hpp"

namespace sf::rt::elementwise {

namespace {

Status unsupported_type(const KernelContext& ctx, DType t) {
  return ctx.error(std::string("no kernel for input type ") + dtype_name(t));
}

// y[i] = fn(x[i]) for the types of class K; y has x's type, or bool when fn returns bool.
template <Types K, typename Fn>
Status map_unary(KernelContext& ctx, const Fn& fn) {
  const Tensor& x = ctx.input(0);
  Tensor& y = ctx.output(0);
  bool done = false;
  visit_dtype(x.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (accepts_v<K, T>) {
      using R = decltype(fn(ref::load(T{})));
      if constexpr (std::is_same_v<R, bool>) ref::unary_compute(x.data<T>(), y.data<bool>(), x.numel(), fn);
      else ref::unary_compute(x.data<T>(), y.data<T>(), x.numel(), fn);
      done = true;
    }
  });
  return done ? Status::ok() : unsupported_type(ctx, x.dtype());
}

// For ops without attributes.
template <Types K, typename Fn>
Status run_unary(KernelContext& ctx) {
  return map_unary<K>(ctx, Fn{});
}

Status run_is_inf(KernelContext& ctx) {
  const auto& a = ctx.node.attrs_as<ir::IsInfAttrs>();
  return map_unary<Types::kFloat>(ctx, ref::IsInfFn{a.detect_negative, a.detect_positive});
}

Status run_leaky_relu(KernelContext& ctx) {
  return map_unary<Types::kFloat>(ctx, ref::LeakyReluFn{ctx.node.attrs_as<ir::LeakyReluAttrs>().alpha});
}

Status run_elu(KernelContext& ctx) {
  return map_unary<Types::kFloat>(ctx, ref::EluFn{ctx.node.attrs_as<ir::EluAttrs>().alpha});
}

Status run_selu(KernelContext& ctx) {
  const auto& a = ctx.node.attrs_as<ir::SeluAttrs>();
  return map_unary<Types::kFloat>(ctx, ref::SeluFn{a.alpha, a.gamma});
}

Status run_celu(KernelContext& ctx) {
  return map_unary<Types::kFloat>(ctx, ref::CeluFn{ctx.node.attrs_as<ir::CeluAttrs>().alpha});
}

Status run_hard_sigmoid(KernelContext& ctx) {
  const auto& a = ctx.node.attrs_as<ir::HardSigmoidAttrs>();
  return map_unary<Types::kFloat>(ctx, ref::HardSigmoidFn{a.alpha, a.beta});
}

Status run_gelu(KernelContext& ctx) {
  const auto& a = ctx.node.attrs_as<ir::GeluAttrs>();
  return map_unary<Types::kFloat>(ctx,
                                  ref::GeluFn{a.approximate == ir::GeluApproximation::kTanh});
}

Status run_thresholded_relu(KernelContext& ctx) {
  return map_unary<Types::kFloat>(
      ctx, ref::ThresholdedReluFn{ctx.node.attrs_as<ir::ThresholdedReluAttrs>().alpha});
}

Status run_shrink(KernelContext& ctx) {
  const auto& a = ctx.node.attrs_as<ir::ShrinkAttrs>();
  return map_unary<Types::kNumeric>(ctx, ref::ShrinkFn{a.bias, a.lambd});
}

// Clip: bounds from attributes (opset < 11) or from optional scalar inputs 1 and 2; a missing
// bound does not clip.
Status run_clip(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  Tensor& y = ctx.output(0);
  for (size_t i = 1; i < 3; ++i)
    if (ctx.has(i) && ctx.input(i).numel() != 1)
      return ctx.error(std::string(i == 1 ? "min" : "max") + " must hold one value, got " +
                       ctx.input(i).describe());
  const auto* legacy = dynamic_cast<const ir::ClipAttrs*>(ctx.node.attrs.get());
  bool done = false;
  visit_dtype(x.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (accepts_v<Types::kNumeric, T>) {
      using C = ref::compute_t<T>;
      constexpr bool kFloat = std::is_floating_point_v<C>;
      C lo = kFloat ? -std::numeric_limits<C>::infinity() : std::numeric_limits<C>::lowest();
      C hi = kFloat ? std::numeric_limits<C>::infinity() : std::numeric_limits<C>::max();
      if (legacy) {
        if constexpr (kFloat) {
          lo = static_cast<C>(legacy->min);
          hi = static_cast<C>(legacy->max);
        } else {
          return;  // inference allows only float types before opset 11
        }
      } else {
        if (ctx.has(1)) lo = ref::load(ctx.input(1).data<T>()[0]);
        if (ctx.has(2)) hi = ref::load(ctx.input(2).data<T>()[0]);
      }
      ref::unary_compute(x.data<T>(), y.data<T>(), x.numel(), ref::ClipFn<C>{lo, hi});
      done = true;
    }
  });
  return done ? Status::ok() : unsupported_type(ctx, x.dtype());
}

}  // namespace

void register_unary_kernels() {
  using enum ir::OpKind;
  constexpr Types kF = Types::kFloat;
  constexpr Types kSN = Types::kSignedNumeric;
  constexpr Types kN = Types::kNumeric;
  register_kernel(kAbs, run_unary<kN, ref::AbsFn>);
  register_kernel(kNeg, run_unary<kSN, ref::NegFn>);
  register_kernel(kSign, run_unary<kN, ref::SignFn>);
  register_kernel(kErf, run_unary<kN, ref::ErfFn>);
  register_kernel(kCeil, run_unary<kF, ref::CeilFn>);
  register_kernel(kFloor, run_unary<kF, ref::FloorFn>);
  register_kernel(kRound, run_unary<kF, ref::RoundFn>);
  register_kernel(kReciprocal, run_unary<kF, ref::ReciprocalFn>);
  register_kernel(kSqrt, run_unary<kF, ref::SqrtFn>);
  register_kernel(kExp, run_unary<kF, ref::ExpFn>);
  register_kernel(kLog, run_unary<kF, ref::LogFn>);
  register_kernel(kTanh, run_unary<kF, ref::TanhFn>);
  register_kernel(kSin, run_unary<kF, ref::SinFn>);
  register_kernel(kCos, run_unary<kF, ref::CosFn>);
  register_kernel(kTan, run_unary<kF, ref::TanFn>);
  register_kernel(kAsin, run_unary<kF, ref::AsinFn>);
  register_kernel(kAcos, run_unary<kF, ref::AcosFn>);
  register_kernel(kAtan, run_unary<kF, ref::AtanFn>);
  register_kernel(kSinh, run_unary<kF, ref::SinhFn>);
  register_kernel(kCosh, run_unary<kF, ref::CoshFn>);
  register_kernel(kAsinh, run_unary<kF, ref::AsinhFn>);
  register_kernel(kAcosh, run_unary<kF, ref::AcoshFn>);
  register_kernel(kAtanh, run_unary<kF, ref::AtanhFn>);
  register_kernel(kIsNaN, run_unary<kF, ref::IsNaNFn>);
  register_kernel(kIsInf, run_is_inf);
  register_kernel(kNot, run_unary<Types::kBool, ref::NotFn>);

  register_kernel(kRelu, run_unary<kSN, ref::ReluFn>);
  register_kernel(kLeakyRelu, run_leaky_relu);
  register_kernel(kElu, run_elu);
  register_kernel(kSelu, run_selu);
  register_kernel(kCelu, run_celu);
  register_kernel(kSigmoid, run_unary<kF, ref::SigmoidFn>);
  register_kernel(kHardSigmoid, run_hard_sigmoid);
  register_kernel(kHardSwish, run_unary<kF, ref::HardSwishFn>);
  register_kernel(kSoftplus, run_unary<kF, ref::SoftplusFn>);
  register_kernel(kSoftsign, run_unary<kF, ref::SoftsignFn>);
  register_kernel(kGelu, run_gelu);
  register_kernel(kThresholdedRelu, run_thresholded_relu);
  register_kernel(kShrink, run_shrink);
  register_kernel(kClip, run_clip);
}

}  // namespace sf::rt::elementwise
