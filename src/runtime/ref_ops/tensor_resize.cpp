// Binding of Resize and Upsample to kernels/ref/resize.hpp: the output shape and per-axis scales
// come from ir::resize_plan (shared with inference), the taps from ref::resize_axis_taps.
#include "kernels/ref/resize.hpp"
#include "runtime/ref_ops/tensor_common.hpp"

namespace sf::rt::tensor_detail {

namespace {

ref::ResizeParams resize_params(const ir::ResizeAttrs& a) {
  ref::ResizeParams p;
  switch (a.mode) {
    case ir::ResizeMode::kNearest: p.mode = ref::InterpMode::kNearest; break;
    case ir::ResizeMode::kLinear: p.mode = ref::InterpMode::kLinear; break;
    case ir::ResizeMode::kCubic: p.mode = ref::InterpMode::kCubic; break;
  }
  switch (a.coord) {
    case ir::ResizeCoord::kHalfPixel: p.coord = ref::CoordTransform::kHalfPixel; break;
    case ir::ResizeCoord::kAsymmetric: p.coord = ref::CoordTransform::kAsymmetric; break;
    case ir::ResizeCoord::kAlignCorners: p.coord = ref::CoordTransform::kAlignCorners; break;
    case ir::ResizeCoord::kPytorchHalfPixel: p.coord = ref::CoordTransform::kPytorchHalfPixel; break;
    case ir::ResizeCoord::kTfCropAndResize: p.coord = ref::CoordTransform::kTfCropAndResize; break;
    case ir::ResizeCoord::kTfHalfPixelForNn: p.coord = ref::CoordTransform::kTfHalfPixelForNn; break;
  }
  switch (a.nearest) {
    case ir::ResizeNearest::kRoundPreferFloor: p.nearest = ref::NearestRound::kRoundPreferFloor; break;
    case ir::ResizeNearest::kRoundPreferCeil: p.nearest = ref::NearestRound::kRoundPreferCeil; break;
    case ir::ResizeNearest::kFloor: p.nearest = ref::NearestRound::kFloor; break;
    case ir::ResizeNearest::kCeil: p.nearest = ref::NearestRound::kCeil; break;
    case ir::ResizeNearest::kSimple: p.nearest = ref::NearestRound::kSimple; break;
  }
  p.cubic_a = a.cubic_a;
  p.exclude_outside = a.exclude_outside;
  return p;
}

Status run_resize(KernelContext& ctx) {
  const auto& a = ctx.node.attrs_as<ir::ResizeAttrs>();
  const Tensor& x = ctx.input(0);
  auto plan = ir::resize_plan(ctx.node, x.shape(), ctx.in);
  if (!plan) return with_node(ctx, plan.status());
  SF_ASSIGN_OR_RETURN(Tensor * y, ctx.output(0, x.dtype(), plan->out_shape));
  if (y->numel() == 0) return Status::ok();
  const ref::ResizeParams p = resize_params(a);
  const size_t r = static_cast<size_t>(x.rank());
  std::vector<ref::ResizeTaps> axes(r);
  for (size_t d = 0; d < r; ++d) {
    ref::ResizeAxis ax;
    ax.in_len = x.shape()[d];
    ax.out_len = y->shape()[d];
    ax.scale = plan->scales[d];
    ax.length = plan->lengths[d];
    if (!plan->roi.empty()) ax.roi_start = plan->roi[d], ax.roi_end = plan->roi[d + r];
    axes[d] = ref::resize_axis_taps(p, ax);
  }
  bool ok = false;
  visit_dtype(x.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (!std::is_same_v<T, bool>) {
      ref::resize_apply(x.data<T>(), x.shape(), y->data<T>(), y->shape(), axes,
                        static_cast<double>(a.extrapolation_value));
      ok = true;
    }
  });
  return ok ? Status::ok() : ctx.error(std::string("unsupported type ") + dtype_name(x.dtype()));
}

}  // namespace

void register_resize_kernels() {
  register_kernel(ir::OpKind::kResize, run_resize);
  register_kernel(ir::OpKind::kUpsample, run_resize);
}

}  // namespace sf::rt::tensor_detail
