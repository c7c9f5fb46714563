// Detection ops (NonMaxSuppression, RoiAlign): typed attributes, validation and inference.
//
// Opset notes: NonMaxSuppression 10 and 11 compute the same thing (11 only documents that corner
// pairs may be flipped). RoiAlign-16 adds coordinate_transformation_mode, default half_pixel;
// RoiAlign-10 behaves as output_half_pixel.
#include "ir/ops/detection.hpp"

#include <algorithm>
#include <cmath>

#include "ir/op_schema.hpp"

namespace sf::ir {

namespace {

Status parse_nms(Node& node) {
  AttrReader r(node);
  auto a = std::make_shared<NonMaxSuppressionAttrs>();
  SF_ASSIGN_OR_RETURN(int64_t cpb, r.get_int("center_point_box", 0));
  if (cpb != 0 && cpb != 1)
    return r.error("center_point_box", "must be 0 or 1, got " + std::to_string(cpb));
  a->center_point_box = cpb == 1;
  node.attrs = std::move(a);
  return Status::ok();
}

// Inputs: boxes [B, n, 4], scores [B, classes, n], max_output_boxes_per_class, iou_threshold,
// score_threshold (scalars or [1]). Output: selected_indices [count, 3] int64.
Status infer_nms(InferContext& ctx) {
  SF_TRY(ctx.expect_dtype(0, {DType::kF32, DType::kF64, DType::kF16, DType::kBF16}));
  if (ctx.dtype(1) != ctx.dtype(0))
    return ctx.error(std::string("scores have type ") + dtype_name(ctx.dtype(1)) +
                     " but boxes have " + dtype_name(ctx.dtype(0)));
  SF_TRY(ctx.expect_dtype(2, {DType::kI64, DType::kI32}));
  SF_TRY(ctx.expect_dtype(3, {DType::kF32, DType::kF64, DType::kF16, DType::kBF16}));
  SF_TRY(ctx.expect_dtype(4, {DType::kF32, DType::kF64, DType::kF16, DType::kBF16}));
  SF_TRY(ctx.expect_rank(0, 3, 3));
  SF_TRY(ctx.expect_rank(1, 3, 3));
  for (size_t i = 2; i < 5; ++i) {
    SF_TRY(ctx.expect_rank(i, 0, 1));
    if (ctx.shape_known(i) && shape_numel_unchecked(ctx.shape(i)) != 1)
      return ctx.error("input " + std::to_string(i) + " must hold one value, got shape " +
                       shape_str(ctx.shape(i)));
  }
  if (ctx.rank_known(0)) {
    const Shape& b = ctx.shape(0);
    if (b[2] != kUnknownDim && b[2] != 4)
      return ctx.error("boxes must have shape [batches, boxes, 4], got " + shape_str(b));
    if (ctx.rank_known(1)) {
      const Shape& s = ctx.shape(1);
      const bool batch_ok = b[0] == kUnknownDim || s[0] == kUnknownDim || b[0] == s[0];
      const bool boxes_ok = b[1] == kUnknownDim || s[2] == kUnknownDim || b[1] == s[2];
      if (!batch_ok || !boxes_ok)
        return ctx.error("scores " + shape_str(s) + " do not match boxes " + shape_str(b) +
                         " (expected [batches, classes, boxes])");
    }
  }
  ctx.set_output(0, DType::kI64, Shape{kUnknownDim, 3});
  return Status::ok();
}

Status parse_roi_align(Node& node) {
  AttrReader r(node);
  auto a = std::make_shared<RoiAlignAttrs>();
  SF_ASSIGN_OR_RETURN(std::string mode, r.get_string("mode", "avg"));
  if (mode != "avg" && mode != "max")
    return r.error("mode", "must be avg or max, got '" + mode + "'");
  a->max_mode = mode == "max";
  if (node.opset >= 16) {
    SF_ASSIGN_OR_RETURN(std::string ctm,
                        r.get_string("coordinate_transformation_mode", "half_pixel"));
    if (ctm != "half_pixel" && ctm != "output_half_pixel")
      return r.error("coordinate_transformation_mode",
                     "must be half_pixel or output_half_pixel, got '" + ctm + "'");
    a->half_pixel = ctm == "half_pixel";
  } else {
    a->half_pixel = false;
  }
  SF_ASSIGN_OR_RETURN(a->output_height, r.get_int("output_height", 1));
  SF_ASSIGN_OR_RETURN(a->output_width, r.get_int("output_width", 1));
  if (a->output_height <= 0 || a->output_width <= 0)
    return r.error(
        a->output_height <= 0 ? "output_height" : "output_width",
        "must be positive, got " + std::to_string(std::min(a->output_height, a->output_width)));
  SF_ASSIGN_OR_RETURN(a->sampling_ratio, r.get_int("sampling_ratio", 0));
  if (a->sampling_ratio < 0)
    return r.error("sampling_ratio", "must be >= 0, got " + std::to_string(a->sampling_ratio));
  SF_ASSIGN_OR_RETURN(a->spatial_scale, r.get_float("spatial_scale", 1.0f));
  if (!std::isfinite(a->spatial_scale))
    return r.error("spatial_scale", "must be finite, got " + std::to_string(a->spatial_scale));
  node.attrs = std::move(a);
  return Status::ok();
}

// Inputs: X [N, C, H, W], rois [R, 4] (x1, y1, x2, y2), batch_indices [R] int64. Output: Y [R, C,
// output_height, output_width].
Status infer_roi_align(InferContext& ctx) {
  const auto& a = ctx.node.attrs_as<RoiAlignAttrs>();
  SF_TRY(ctx.expect_dtype(0, {DType::kF32, DType::kF64, DType::kF16, DType::kBF16}));
  if (ctx.dtype(1) != ctx.dtype(0))
    return ctx.error(std::string("rois have type ") + dtype_name(ctx.dtype(1)) + " but X has " +
                     dtype_name(ctx.dtype(0)));
  SF_TRY(ctx.expect_dtype(2, {DType::kI64, DType::kI32}));
  SF_TRY(ctx.expect_rank(0, 4, 4));
  SF_TRY(ctx.expect_rank(1, 2, 2));
  SF_TRY(ctx.expect_rank(2, 1, 1));
  int64_t rois = kUnknownDim, channels = kUnknownDim;
  if (ctx.rank_known(0)) channels = ctx.shape(0)[1];
  if (ctx.rank_known(1)) {
    const Shape& s = ctx.shape(1);
    if (s[1] != kUnknownDim && s[1] != 4)
      return ctx.error("rois must have shape [num_rois, 4], got " + shape_str(s));
    rois = s[0];
  }
  if (ctx.rank_known(2)) {
    const int64_t n = ctx.shape(2)[0];
    if (rois != kUnknownDim && n != kUnknownDim && n != rois)
      return ctx.error("batch_indices has " + std::to_string(n) + " entries but there are " +
                       std::to_string(rois) + " rois");
    if (rois == kUnknownDim) rois = n;
  }
  ctx.set_output(0, ctx.dtype(0), Shape{rois, channels, a.output_height, a.output_width});
  return Status::ok();
}

}  // namespace

void register_detection_schemas() {
  register_schema(OpKind::kNonMaxSuppression, {2, 5, 1, 1, 10, kMaxOpset, parse_nms, infer_nms});
  register_schema(OpKind::kRoiAlign, {3, 3, 1, 1, 10, kMaxOpset, parse_roi_align, infer_roi_align});
}

}  // namespace sf::ir
