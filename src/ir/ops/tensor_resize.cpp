// Resize (opset 10..17) and Upsample (opset 7..9): attributes, the output-size plan shared with
// the kernel, and inference.
#include <cmath>

#include "ir/ops/tensor_common.hpp"

namespace sf::ir {

namespace {

// Positions of the scales, sizes and roi inputs for this node (-1: none).
struct ResizeInputs {
  int roi = -1, scales = -1, sizes = -1;
};

ResizeInputs resize_inputs(const Node& node) {
  if (node.op == OpKind::kUpsample) return {-1, node.opset >= 9 ? 1 : -1, -1};
  if (node.opset < 11) return {-1, 1, -1};
  return {1, 2, 3};
}

const Tensor* input_at(const std::vector<const Tensor*>& in, int i) {
  if (i < 0 || static_cast<size_t>(i) >= in.size()) return nullptr;
  const Tensor* t = in[static_cast<size_t>(i)];
  return t && t->numel() > 0 ? t : nullptr;  // an empty tensor stands for "not given"
}

}  // namespace

Result<ResizePlan> resize_plan(const Node& node, const Shape& in,
                               const std::vector<const Tensor*>& inputs) {
  const auto& a = node.attrs_as<ResizeAttrs>();
  const ResizeInputs pos = resize_inputs(node);
  const size_t r = in.size();
  ResizePlan p;
  p.out_shape = in;
  p.scales.assign(r, 1.0);
  p.lengths.assign(r, 0.0);
  const Tensor* scales_t = input_at(inputs, pos.scales);
  const Tensor* sizes_t = input_at(inputs, pos.sizes);
  if (a.scales && scales_t) return invalid_model("scales given as both attribute and input");
  if ((a.scales || scales_t) && sizes_t) return invalid_model("only one of scales and sizes may be given");
  if (a.scales || scales_t) {
    std::vector<double> s;
    if (a.scales) {
      s.assign(a.scales->begin(), a.scales->end());
    } else {
      if (!dtype_is_float(scales_t->dtype()))
        return invalid_model(std::string("scales must be float, got ") + dtype_name(scales_t->dtype()));
      for (int64_t i = 0; i < scales_t->numel(); ++i) s.push_back(scales_t->double_at(i));
    }
    if (s.size() != r)
      return invalid_model("scales has " + std::to_string(s.size()) + " values for input rank " +
                           std::to_string(r));
    for (size_t i = 0; i < r; ++i) {
      if (!(s[i] > 0) || !std::isfinite(s[i]))
        return invalid_model("scale " + std::to_string(s[i]) + " for axis " + std::to_string(i) +
                             " must be positive and finite");
      p.scales[i] = s[i];
      if (in[i] == kUnknownDim) continue;
      p.lengths[i] = static_cast<double>(in[i]) * s[i];
      const double o = std::floor(p.lengths[i]);
      if (o > 9.0e18)
        return invalid_model("scale " + std::to_string(s[i]) + " makes axis " + std::to_string(i) +
                             " too large");
      p.out_shape[i] = static_cast<int64_t>(o);
    }
  } else if (sizes_t) {
    if (sizes_t->dtype() != DType::kI64)
      return invalid_model(std::string("sizes must be int64, got ") + dtype_name(sizes_t->dtype()));
    if (static_cast<size_t>(sizes_t->numel()) != r)
      return invalid_model("sizes has " + std::to_string(sizes_t->numel()) +
                           " values for input rank " + std::to_string(r));
    for (size_t i = 0; i < r; ++i) {
      const int64_t o = sizes_t->int_at(static_cast<int64_t>(i));
      if (o < 0) return invalid_model("sizes has a negative value " + std::to_string(o));
      p.out_shape[i] = o;
      p.lengths[i] = static_cast<double>(o);
      if (in[i] == kUnknownDim) continue;
      if (in[i] == 0 && o > 0)
        return invalid_model("cannot resize an empty axis " + std::to_string(i) + " to size " +
                             std::to_string(o));
      p.scales[i] = in[i] == 0 ? 1.0 : static_cast<double>(o) / static_cast<double>(in[i]);
    }
  } else {
    return invalid_model("one of scales and sizes must be given");
  }
  if (a.coord == ResizeCoord::kTfCropAndResize) {
    const Tensor* roi_t = input_at(inputs, pos.roi);
    if (!roi_t) return invalid_model("tf_crop_and_resize needs the roi input");
    if (static_cast<size_t>(roi_t->numel()) != 2 * r || !dtype_is_float(roi_t->dtype()))
      return invalid_model("roi must be a float tensor of 2 * rank = " + std::to_string(2 * r) +
                           " values, got " + roi_t->describe());
    for (int64_t i = 0; i < roi_t->numel(); ++i) p.roi.push_back(roi_t->double_at(i));
  }
  return p;
}

namespace tensor_detail {

namespace {

Status parse_resize(Node& node) {
  AttrReader r(node);
  auto a = std::make_shared<ResizeAttrs>();
  const bool modern = node.op == OpKind::kResize && node.opset >= 11;
  SF_ASSIGN_OR_RETURN(const std::string mode, r.get_string("mode", "nearest"));
  if (mode == "nearest") a->mode = ResizeMode::kNearest;
  else if (mode == "linear" || (node.op == OpKind::kUpsample && mode == "bilinear"))
    a->mode = ResizeMode::kLinear;
  else if (mode == "cubic" && modern) a->mode = ResizeMode::kCubic;
  else return r.error("mode", "has unsupported value '" + mode + "'");
  if (!modern) {
    a->coord = ResizeCoord::kAsymmetric;
    a->nearest = ResizeNearest::kSimple;
    if (node.op == OpKind::kUpsample && node.opset < 9) {
      SF_ASSIGN_OR_RETURN(a->scales, r.get_floats("scales"));
      if (!r.has("scales")) return invalid_model(node.label() + ": missing required attribute 'scales'");
    }
    const size_t want_inputs = node.op == OpKind::kUpsample && node.opset < 9 ? 1 : 2;
    if (node.inputs.size() != want_inputs)
      return invalid_model(node.label() + ": has " + std::to_string(node.inputs.size()) +
                           " inputs, expected " + std::to_string(want_inputs));
    node.attrs = a;
    return Status::ok();
  }
  SF_ASSIGN_OR_RETURN(const std::string coord,
                      r.get_string("coordinate_transformation_mode", "half_pixel"));
  if (coord == "half_pixel") a->coord = ResizeCoord::kHalfPixel;
  else if (coord == "asymmetric") a->coord = ResizeCoord::kAsymmetric;
  else if (coord == "align_corners") a->coord = ResizeCoord::kAlignCorners;
  else if (coord == "pytorch_half_pixel") a->coord = ResizeCoord::kPytorchHalfPixel;
  else if (coord == "tf_crop_and_resize") a->coord = ResizeCoord::kTfCropAndResize;
  else if (coord == "tf_half_pixel_for_nn") a->coord = ResizeCoord::kTfHalfPixelForNn;
  else if (coord == "half_pixel_symmetric")
    return unsupported(node.label() + ": coordinate_transformation_mode 'half_pixel_symmetric' "
                       "(opset 19) is not supported");
  else return r.error("coordinate_transformation_mode", "has unknown value '" + coord + "'");
  SF_ASSIGN_OR_RETURN(const std::string nearest, r.get_string("nearest_mode", "round_prefer_floor"));
  if (nearest == "round_prefer_floor") a->nearest = ResizeNearest::kRoundPreferFloor;
  else if (nearest == "round_prefer_ceil") a->nearest = ResizeNearest::kRoundPreferCeil;
  else if (nearest == "floor") a->nearest = ResizeNearest::kFloor;
  else if (nearest == "ceil") a->nearest = ResizeNearest::kCeil;
  else return r.error("nearest_mode", "has unknown value '" + nearest + "'");
  SF_ASSIGN_OR_RETURN(a->cubic_a, r.get_float("cubic_coeff_a", -0.75f));
  SF_ASSIGN_OR_RETURN(const int64_t excl, r.get_int("exclude_outside", 0));
  if (excl != 0 && excl != 1) return r.error("exclude_outside", "must be 0 or 1");
  a->exclude_outside = excl == 1;
  SF_ASSIGN_OR_RETURN(a->extrapolation_value, r.get_float("extrapolation_value", 0.0f));
  for (const char* n : {"antialias", "axes", "keep_aspect_ratio_policy"})
    if (r.has(n))
      return unsupported(node.label() + ": attribute '" + n + "' (opset 18) is not supported");
  node.attrs = a;
  return Status::ok();
}

Status infer_resize(InferContext& ctx) {
  const DType dt = ctx.dtype(0);
  if (dt == DType::kBool) return ctx.error("input must be numeric, got bool");
  const ResizeInputs pos = resize_inputs(ctx.node);
  if (!ctx.rank_known(0)) {
    ctx.set_output(0, dt, std::nullopt);
    return Status::ok();
  }
  // An input known to be empty counts as not given; roi matters only for tf_crop_and_resize.
  std::vector<const Tensor*> values(ctx.num_inputs(), nullptr);
  bool known = true;
  const bool need_roi = ctx.node.attrs_as<ResizeAttrs>().coord == ResizeCoord::kTfCropAndResize;
  for (int i : {pos.roi, pos.scales, pos.sizes}) {
    const auto k = static_cast<size_t>(i);
    if (i < 0 || !ctx.has(k) || (i == pos.roi && !need_roi)) continue;
    if (ctx.shape_known(k) && shape_numel_unchecked(ctx.shape(k)) == 0) continue;
    values[k] = ctx.value(k);
    known &= values[k] != nullptr;
  }
  if (!known) {
    ctx.set_output(0, dt, Shape(ctx.shape(0).size(), kUnknownDim));
    return Status::ok();
  }
  auto p = resize_plan(ctx.node, ctx.shape(0), values);
  if (!p) return with_node(ctx, p.status());
  return set_checked_output(ctx, 0, dt, p->out_shape);
}

}  // namespace

void register_resize_schemas() {
  register_schema(OpKind::kResize, {1, 4, 1, 1, 10, kMaxOpset, parse_resize, infer_resize});
  register_schema(OpKind::kUpsample, {1, 2, 1, 1, 7, 9, parse_resize, infer_resize});
}

}  // namespace tensor_detail

}  // namespace sf::ir
