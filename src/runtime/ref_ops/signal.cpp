// Binds signal nodes (Det, the windows, DFT, STFT, MelWeightMatrix, GridSample) to the kernels in
// kernels/ref/signal.hpp and kernels/ref/signal_grid.hpp.
#include "ir/ops/signal.hpp"

#include <cmath>
#include <string>
#include <type_traits>

#include "kernels/ref/signal.hpp"
#include "kernels/ref/signal_grid.hpp"
#include "runtime/kernel_registry.hpp"

namespace sf::rt {

namespace {

Status unsupported_type(KernelContext& ctx, DType t) {
  return ctx.error(std::string("unsupported type ") + dtype_name(t));
}

// Runs `f(TypeTag<T>)` for a floating-point dtype; an error for the others.
template <typename F>
Status visit_float(KernelContext& ctx, DType t, F&& f) {
  bool supported = false;
  visit_dtype(t, [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (ref::is_floating_v<T>) {
      supported = true;
      f(tag);
    }
  });
  return supported ? Status::ok() : unsupported_type(ctx, t);
}

// Runs `f(TypeTag<T>)` for a numeric (non-bool) dtype.
template <typename F>
Status visit_numeric(KernelContext& ctx, DType t, F&& f) {
  bool supported = false;
  visit_dtype(t, [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (ref::is_floating_v<T> || (std::is_integral_v<T> && !std::is_same_v<T, bool>)) {
      supported = true;
      f(tag);
    }
  });
  return supported ? Status::ok() : unsupported_type(ctx, t);
}

Status run_det(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  const int64_t m = x.dim(x.rank() - 1);
  Tensor& y = ctx.output(0);
  return visit_float(ctx, x.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    ref::det(x.data<T>(), y.data<T>(), y.numel(), m);
  });
}

Status run_window(KernelContext& ctx, ref::WindowKind kind) {
  const auto& a = ctx.node.attrs_as<ir::SignalGenAttrs>();
  Tensor& y = ctx.output(0);
  return visit_numeric(ctx, y.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    ref::window(kind, y.numel(), a.periodic, y.data<T>());
  });
}

Status run_hann(KernelContext& ctx) { return run_window(ctx, ref::WindowKind::kHann); }
Status run_hamming(KernelContext& ctx) { return run_window(ctx, ref::WindowKind::kHamming); }
Status run_blackman(KernelContext& ctx) { return run_window(ctx, ref::WindowKind::kBlackman); }

Status run_mel(KernelContext& ctx) {
  const int64_t bins = ctx.input(0).int_at(0);
  const int64_t len = ctx.input(1).int_at(0);
  const int64_t rate = ctx.input(2).int_at(0);
  const double lower = ctx.input(3).double_at(0);
  const double upper = ctx.input(4).double_at(0);
  // Frequencies at or below -700 Hz have no mel value (log of a non-positive number).
  if (!(std::isfinite(lower) && std::isfinite(upper) && lower > -700 && upper > -700))
    return ctx.error("edge frequencies must be finite and > -700 Hz, got " +
                     std::to_string(lower) + " and " + std::to_string(upper));
  Tensor& y = ctx.output(0);
  return visit_numeric(ctx, y.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    ref::mel_weight_matrix(bins, len, rate, lower, upper, y.data<T>());
  });
}

Status run_dft(KernelContext& ctx) {
  const auto& a = ctx.node.attrs_as<ir::DftAttrs>();
  const Tensor& x = ctx.input(0);
  const int64_t rank = x.rank();
  const int64_t axis = a.axis < 0 ? a.axis + rank : a.axis;
  ref::DftParams p;
  for (int64_t d = 0; d < axis; ++d) p.outer *= x.dim(d);
  p.n_in = x.dim(axis);
  for (int64_t d = axis + 1; d < rank - 1; ++d) p.inner *= x.dim(d);
  p.comps = x.dim(rank - 1);
  p.len = ctx.has(1) ? ctx.input(1).int_at(0) : p.n_in;
  if (p.len <= 0) return ctx.error("the DFT length must be > 0, got " + std::to_string(p.len));
  p.n_out = a.onesided ? p.len / 2 + 1 : p.len;
  p.inverse = a.inverse;
  Tensor& y = ctx.output(0);
  return visit_float(ctx, x.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    ref::dft(p, x.data<T>(), y.data<T>());
  });
}

Status run_stft(KernelContext& ctx) {
  const auto& a = ctx.node.attrs_as<ir::StftAttrs>();
  const Tensor& x = ctx.input(0);
  ref::StftParams p;
  p.batch = x.dim(0);
  p.length = x.dim(1);
  p.comps = x.dim(2);
  p.step = ctx.input(1).int_at(0);
  p.frame_len = ctx.has(2) ? ctx.input(2).dim(0) : ctx.input(3).int_at(0);
  if (p.step <= 0 || p.frame_len <= 0 || p.frame_len > p.length)
    return ctx.error("frame_step " + std::to_string(p.step) + " and frame length " +
                     std::to_string(p.frame_len) + " do not fit a signal of length " +
                     std::to_string(p.length));
  p.frames = (p.length - p.frame_len) / p.step + 1;
  p.bins = a.onesided ? p.frame_len / 2 + 1 : p.frame_len;
  Tensor& y = ctx.output(0);
  return visit_float(ctx, x.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    ref::stft(p, x.data<T>(), ctx.has(2) ? ctx.input(2).data<T>() : nullptr, y.data<T>());
  });
}

Status run_grid_sample(KernelContext& ctx) {
  const auto& a = ctx.node.attrs_as<ir::GridSampleAttrs>();
  const Tensor& x = ctx.input(0);
  const Tensor& grid = ctx.input(1);
  if (grid.dim(0) != x.dim(0))
    return ctx.error("grid batch " + std::to_string(grid.dim(0)) + " differs from X batch " +
                     std::to_string(x.dim(0)));
  ref::GridSampleParams p;
  p.n = x.dim(0);
  p.c = x.dim(1);
  p.h = x.dim(2);
  p.w = x.dim(3);
  p.out_h = grid.dim(1);
  p.out_w = grid.dim(2);
  switch (a.mode) {
    case ir::GridSampleMode::kBilinear: p.mode = ref::GridMode::kBilinear; break;
    case ir::GridSampleMode::kNearest: p.mode = ref::GridMode::kNearest; break;
    case ir::GridSampleMode::kBicubic: p.mode = ref::GridMode::kBicubic; break;
  }
  switch (a.padding) {
    case ir::GridSamplePadding::kZeros: p.padding = ref::GridPadding::kZeros; break;
    case ir::GridSamplePadding::kBorder: p.padding = ref::GridPadding::kBorder; break;
    case ir::GridSamplePadding::kReflection: p.padding = ref::GridPadding::kReflection; break;
  }
  p.align_corners = a.align_corners;
  Tensor& y = ctx.output(0);
  Status inner = Status::ok();
  SF_TRY(visit_numeric(ctx, x.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    inner = visit_float(ctx, grid.dtype(), [&](auto gtag) {
      using G = typename decltype(gtag)::type;
      ref::grid_sample(p, x.data<T>(), grid.data<G>(), y.data<T>());
    });
  }));
  return inner;
}

}  // namespace

void register_signal_kernels() {
  register_kernel(ir::OpKind::kDet, run_det);
  register_kernel(ir::OpKind::kHannWindow, run_hann);
  register_kernel(ir::OpKind::kHammingWindow, run_hamming);
  register_kernel(ir::OpKind::kBlackmanWindow, run_blackman);
  register_kernel(ir::OpKind::kMelWeightMatrix, run_mel);
  register_kernel(ir::OpKind::kDFT, run_dft);
  register_kernel(ir::OpKind::kSTFT, run_stft);
  register_kernel(ir::OpKind::kGridSample, run_grid_sample);
}

}  // namespace sf::rt
