// Binds detection nodes (NonMaxSuppression, RoiAlign) to the kernels in kernels/ref/detection.hpp.
#include "ir/ops/detection.hpp"

#include <cmath>
#include <sstream>

#include "kernels/ref/detection.hpp"
#include "runtime/kernel_registry.hpp"

namespace sf::rt {

namespace {

Status run_nms(KernelContext& ctx) {
  const auto& a = ctx.node.attrs_as<ir::NonMaxSuppressionAttrs>();
  const Tensor& boxes = ctx.input(0);
  const Tensor& scores = ctx.input(1);
  ref::NmsParams p;
  p.batches = boxes.dim(0);
  p.boxes = boxes.dim(1);
  p.classes = scores.dim(1);
  p.center_point_box = a.center_point_box;
  // Absent inputs: no boxes per class, IoU threshold 0, no score threshold.
  p.max_per_class = ctx.has(2) ? std::max<int64_t>(ctx.input(2).int_at(0), 0) : 0;
  if (ctx.has(3)) {
    p.iou_threshold = ctx.input(3).double_at(0);
    if (!(p.iou_threshold >= 0 && p.iou_threshold <= 1))
      return ctx.error("iou_threshold must be in [0, 1], got " + std::to_string(p.iou_threshold));
  }
  if (ctx.has(4)) {
    p.has_score_threshold = true;
    p.score_threshold = ctx.input(4).double_at(0);
    if (std::isnan(p.score_threshold)) return ctx.error("score_threshold is NaN");
  }
  std::vector<std::array<int64_t, 3>> selected;
  bool supported = false;
  visit_dtype(boxes.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (ref::is_floating_v<T>) {
      ref::nms_select(p, boxes.data<T>(), scores.data<T>(), selected);
      supported = true;
    }
  });
  if (!supported) return ctx.error(std::string("unsupported type ") + dtype_name(boxes.dtype()));
  SF_ASSIGN_OR_RETURN(Tensor * out,
                      ctx.output(0, DType::kI64, Shape{static_cast<int64_t>(selected.size()), 3}));
  int64_t* dst = out->data<int64_t>();
  for (size_t i = 0; i < selected.size(); ++i)
    for (size_t k = 0; k < 3; ++k) dst[i * 3 + k] = selected[i][k];
  return Status::ok();
}

Status run_roi_align(KernelContext& ctx) {
  const auto& a = ctx.node.attrs_as<ir::RoiAlignAttrs>();
  const Tensor& x = ctx.input(0);
  const Tensor& rois = ctx.input(1);
  const Tensor& bi = ctx.input(2);
  ref::RoiAlignParams p;
  p.batch = x.dim(0);
  p.channels = x.dim(1);
  p.height = x.dim(2);
  p.width = x.dim(3);
  p.rois = rois.dim(0);
  p.out_h = a.output_height;
  p.out_w = a.output_width;
  p.sampling_ratio = a.sampling_ratio;
  p.spatial_scale = a.spatial_scale;
  p.half_pixel = a.half_pixel;
  p.max_mode = a.max_mode;
  std::vector<int64_t> batch_indices(static_cast<size_t>(p.rois));
  for (int64_t r = 0; r < p.rois; ++r) {
    const int64_t b = bi.int_at(r);
    if (b < 0 || b >= p.batch)
      return ctx.error("batch_indices[" + std::to_string(r) + "] = " + std::to_string(b) +
                       " is outside [0, " + std::to_string(p.batch) + ")");
    batch_indices[static_cast<size_t>(r)] = b;
  }
  Tensor& y = ctx.output(0);
  bool supported = false;
  Status st = Status::ok();
  visit_dtype(x.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (ref::is_floating_v<T>) {
      supported = true;
      std::vector<ref::RoiAlignRoi> geo(static_cast<size_t>(p.rois));
      const T* roi = rois.data<T>();
      for (int64_t r = 0; r < p.rois; ++r) {
        geo[static_cast<size_t>(r)] = ref::roi_align_geometry(p, roi + r * 4);
        const auto& g = geo[static_cast<size_t>(r)];
        if (g.grid_h < 0 || g.grid_w < 0) {
          std::ostringstream os;
          os << "roi " << r << " (" << ref::load(roi[r * 4]) << ", " << ref::load(roi[r * 4 + 1])
             << ", " << ref::load(roi[r * 4 + 2]) << ", " << ref::load(roi[r * 4 + 3])
             << ") is too large or not finite for adaptive sampling";
          st = ctx.error(os.str());
          return;
        }
      }
      ref::roi_align(p, x.data<T>(), batch_indices.data(), geo.data(), y.data<T>());
    }
  });
  if (!supported) return ctx.error(std::string("unsupported type ") + dtype_name(x.dtype()));
  return st;
}

}  // namespace

void register_detection_kernels() {
  register_kernel(ir::OpKind::kNonMaxSuppression, run_nms);
  register_kernel(ir::OpKind::kRoiAlign, run_roi_align);
}

}  // namespace sf::rt
