// Signal ops (Det, HannWindow, HammingWindow, BlackmanWindow, DFT, STFT, MelWeightMatrix,
// GridSample): typed attributes, validation and inference.
//
// Opset notes: Det exists from 11, GridSample from 16 (bilinear/nearest/bicubic, 4-D only; the
// renamed modes of opset 20 are beyond kMaxOpset), the windows, DFT, STFT and MelWeightMatrix
// from 17 (DFT's axis is an attribute there; it became an input at 20).
#include "ir/ops/signal.hpp"

#include <string>

#include "ir/op_schema.hpp"

namespace sf::ir {

namespace {

constexpr std::initializer_list<DType> kFloatTypes = {DType::kF32, DType::kF64, DType::kF16,
                                                      DType::kBF16};

// The value of scalar (or one-element) integer input `i` if known at this point.
Result<std::optional<int64_t>> scalar_int_input(InferContext& ctx, size_t i, const char* what) {
  SF_TRY(ctx.expect_dtype(i, {DType::kI32, DType::kI64}));
  SF_TRY(ctx.expect_rank(i, 0, 1));
  if (ctx.shape_known(i) && shape_numel_unchecked(ctx.shape(i)) != 1)
    return ctx.error(std::string(what) + " must hold one value, got shape " +
                     shape_str(ctx.shape(i)));
  const Tensor* v = ctx.value(i);
  if (!v) return std::optional<int64_t>();
  return std::optional<int64_t>(v->int_at(0));
}

Status check_scalar_float_input(InferContext& ctx, size_t i, const char* what) {
  SF_TRY(ctx.expect_dtype(i, kFloatTypes));
  SF_TRY(ctx.expect_rank(i, 0, 1));
  if (ctx.shape_known(i) && shape_numel_unchecked(ctx.shape(i)) != 1)
    return ctx.error(std::string(what) + " must hold one value, got shape " +
                     shape_str(ctx.shape(i)));
  return Status::ok();
}

// ---- Det ------------------------------------------------------------------------------------

Status parse_none(Node& node) {
  node.attrs = std::make_shared<OpAttrs>();
  return Status::ok();
}

// X [..., M, M] -> Y [...].
Status infer_det(InferContext& ctx) {
  SF_TRY(ctx.expect_dtype(0, kFloatTypes));
  if (!ctx.rank_known(0)) {
    ctx.set_output(0, ctx.dtype(0), std::nullopt);
    return Status::ok();
  }
  const Shape& s = ctx.shape(0);
  if (s.size() < 2) return ctx.error("input must have rank >= 2, got " + shape_str(s));
  const int64_t m = s[s.size() - 2], n = s[s.size() - 1];
  if (m != kUnknownDim && n != kUnknownDim && m != n)
    return ctx.error("input must hold square matrices [..., M, M], got " + shape_str(s));
  ctx.set_output(0, ctx.dtype(0), Shape(s.begin(), s.end() - 2));
  return Status::ok();
}

// ---- windows and MelWeightMatrix ------------------------------------------------------------

Result<DType> read_output_datatype(AttrReader& r) {
  SF_ASSIGN_OR_RETURN(int64_t v, r.get_int("output_datatype", 1));
  const std::optional<DType> t = dtype_from_onnx(static_cast<int32_t>(v));
  if (!t || !(dtype_is_float(*t) || dtype_is_integer(*t)))
    return r.error("output_datatype", "must name a numeric tensor type, got " + std::to_string(v));
  return *t;
}

Status parse_window(Node& node) {
  AttrReader r(node);
  auto a = std::make_shared<SignalGenAttrs>();
  SF_ASSIGN_OR_RETURN(int64_t periodic, r.get_int("periodic", 1));
  if (periodic != 0 && periodic != 1)
    return r.error("periodic", "must be 0 or 1, got " + std::to_string(periodic));
  a->periodic = periodic == 1;
  SF_ASSIGN_OR_RETURN(a->output_dtype, read_output_datatype(r));
  node.attrs = std::move(a);
  return Status::ok();
}

// size (scalar int) -> Y [size].
Status infer_window(InferContext& ctx) {
  const auto& a = ctx.node.attrs_as<SignalGenAttrs>();
  SF_ASSIGN_OR_RETURN(std::optional<int64_t> size, scalar_int_input(ctx, 0, "size"));
  if (size && *size < 0) return ctx.error("size must be >= 0, got " + std::to_string(*size));
  ctx.set_output(0, a.output_dtype, Shape{size ? *size : kUnknownDim});
  return Status::ok();
}

Status parse_mel(Node& node) {
  AttrReader r(node);
  auto a = std::make_shared<SignalGenAttrs>();
  SF_ASSIGN_OR_RETURN(a->output_dtype, read_output_datatype(r));
  node.attrs = std::move(a);
  return Status::ok();
}

// num_mel_bins, dft_length, sample_rate (scalar ints), lower_edge_hertz, upper_edge_hertz (scalar
// floats) -> Y [dft_length / 2 + 1, num_mel_bins].
Status infer_mel(InferContext& ctx) {
  const auto& a = ctx.node.attrs_as<SignalGenAttrs>();
  SF_ASSIGN_OR_RETURN(std::optional<int64_t> bins, scalar_int_input(ctx, 0, "num_mel_bins"));
  SF_ASSIGN_OR_RETURN(std::optional<int64_t> len, scalar_int_input(ctx, 1, "dft_length"));
  SF_ASSIGN_OR_RETURN(std::optional<int64_t> rate, scalar_int_input(ctx, 2, "sample_rate"));
  SF_TRY(check_scalar_float_input(ctx, 3, "lower_edge_hertz"));
  SF_TRY(check_scalar_float_input(ctx, 4, "upper_edge_hertz"));
  if (bins && *bins <= 0)
    return ctx.error("num_mel_bins must be > 0, got " + std::to_string(*bins));
  if (len && *len <= 0) return ctx.error("dft_length must be > 0, got " + std::to_string(*len));
  if (rate && *rate <= 0)
    return ctx.error("sample_rate must be > 0, got " + std::to_string(*rate));
  ctx.set_output(0, a.output_dtype,
                 Shape{len ? *len / 2 + 1 : kUnknownDim, bins ? *bins : kUnknownDim});
  return Status::ok();
}

// ---- DFT and STFT ---------------------------------------------------------------------------

Status parse_dft(Node& node) {
  AttrReader r(node);
  auto a = std::make_shared<DftAttrs>();
  SF_ASSIGN_OR_RETURN(a->axis, r.get_int("axis", 1));
  SF_ASSIGN_OR_RETURN(int64_t inverse, r.get_int("inverse", 0));
  SF_ASSIGN_OR_RETURN(int64_t onesided, r.get_int("onesided", 0));
  if (inverse != 0 && inverse != 1)
    return r.error("inverse", "must be 0 or 1, got " + std::to_string(inverse));
  if (onesided != 0 && onesided != 1)
    return r.error("onesided", "must be 0 or 1, got " + std::to_string(onesided));
  a->inverse = inverse == 1;
  a->onesided = onesided == 1;
  if (a->inverse && a->onesided)
    return r.error("onesided", "onesided=1 with inverse=1 is not supported by DFT");
  node.attrs = std::move(a);
  return Status::ok();
}

// The last dim of a signal input must be 1 (real) or 2 (complex).
Status check_signal_components(InferContext& ctx, const Shape& s) {
  const int64_t c = s.back();
  if (c != kUnknownDim && c != 1 && c != 2)
    return ctx.error("the last dim of the signal must be 1 (real) or 2 (complex), got " +
                     shape_str(s));
  return Status::ok();
}

// input [..., N, ..., 1|2], dft_length (optional scalar int) -> [..., L or L/2+1, ..., 2].
Status infer_dft(InferContext& ctx) {
  const auto& a = ctx.node.attrs_as<DftAttrs>();
  SF_TRY(ctx.expect_dtype(0, kFloatTypes));
  std::optional<int64_t> length;
  if (ctx.has(1)) {
    SF_ASSIGN_OR_RETURN(length, scalar_int_input(ctx, 1, "dft_length"));
    if (length && *length <= 0)
      return ctx.error("dft_length must be > 0, got " + std::to_string(*length));
  }
  if (!ctx.rank_known(0)) {
    ctx.set_output(0, ctx.dtype(0), std::nullopt);
    return Status::ok();
  }
  Shape s = ctx.shape(0);
  const int64_t rank = static_cast<int64_t>(s.size());
  if (rank < 2) return ctx.error("input must have rank >= 2, got " + shape_str(s));
  SF_TRY(check_signal_components(ctx, s));
  const int64_t axis = a.axis < 0 ? a.axis + rank : a.axis;
  if (axis < 0 || axis >= rank - 1)
    return ctx.error("axis " + std::to_string(a.axis) + " is out of range for input " +
                     shape_str(s) + " (the last dim holds the components)");
  const size_t ax = static_cast<size_t>(axis);
  int64_t n = length ? *length : (ctx.has(1) ? kUnknownDim : s[ax]);
  if (a.onesided && n != kUnknownDim) n = n / 2 + 1;
  s[ax] = n;
  s.back() = 2;
  ctx.set_output(0, ctx.dtype(0), s);
  return Status::ok();
}

Status parse_stft(Node& node) {
  AttrReader r(node);
  auto a = std::make_shared<StftAttrs>();
  SF_ASSIGN_OR_RETURN(int64_t onesided, r.get_int("onesided", 1));
  if (onesided != 0 && onesided != 1)
    return r.error("onesided", "must be 0 or 1, got " + std::to_string(onesided));
  a->onesided = onesided == 1;
  node.attrs = std::move(a);
  return Status::ok();
}

// signal [B, S, 1|2], frame_step (scalar int), window (optional [W]), frame_length (optional
// scalar int) -> [B, frames, bins, 2] with frames = (S - W) / frame_step + 1 and bins = W/2+1
// (onesided) or W.
Status infer_stft(InferContext& ctx) {
  const auto& a = ctx.node.attrs_as<StftAttrs>();
  SF_TRY(ctx.expect_dtype(0, kFloatTypes));
  SF_TRY(ctx.expect_rank(0, 3, 3));
  SF_ASSIGN_OR_RETURN(std::optional<int64_t> step, scalar_int_input(ctx, 1, "frame_step"));
  if (step && *step <= 0) return ctx.error("frame_step must be > 0, got " + std::to_string(*step));
  int64_t frame_len = kUnknownDim;
  if (ctx.has(2)) {
    if (ctx.dtype(2) != ctx.dtype(0))
      return ctx.error(std::string("window has type ") + dtype_name(ctx.dtype(2)) +
                       " but the signal has " + dtype_name(ctx.dtype(0)));
    SF_TRY(ctx.expect_rank(2, 1, 1));
    frame_len = ctx.shape(2)[0];
  }
  if (ctx.has(3)) {
    SF_ASSIGN_OR_RETURN(std::optional<int64_t> fl, scalar_int_input(ctx, 3, "frame_length"));
    if (fl) {
      if (*fl <= 0) return ctx.error("frame_length must be > 0, got " + std::to_string(*fl));
      if (frame_len != kUnknownDim && frame_len != *fl)
        return ctx.error("frame_length " + std::to_string(*fl) + " differs from the window size " +
                         std::to_string(frame_len));
      frame_len = *fl;
    }
  } else if (!ctx.has(2)) {
    return ctx.error("needs a window or a frame_length");
  }
  if (frame_len == 0) return ctx.error("the window must not be empty");
  Shape out{kUnknownDim, kUnknownDim, kUnknownDim, 2};
  if (ctx.rank_known(0)) {
    const Shape& s = ctx.shape(0);
    SF_TRY(check_signal_components(ctx, s));
    out[0] = s[0];
    if (s[1] != kUnknownDim && frame_len != kUnknownDim) {
      if (frame_len > s[1])
        return ctx.error("frame length " + std::to_string(frame_len) +
                         " exceeds the signal length " + std::to_string(s[1]));
      if (step) out[1] = (s[1] - frame_len) / *step + 1;
    }
  }
  if (frame_len != kUnknownDim) out[2] = a.onesided ? frame_len / 2 + 1 : frame_len;
  ctx.set_output(0, ctx.dtype(0), out);
  return Status::ok();
}

// ---- GridSample -----------------------------------------------------------------------------

Status parse_grid_sample(Node& node) {
  AttrReader r(node);
  auto a = std::make_shared<GridSampleAttrs>();
  SF_ASSIGN_OR_RETURN(std::string mode, r.get_string("mode", "bilinear"));
  if (mode == "bilinear") a->mode = GridSampleMode::kBilinear;
  else if (mode == "nearest") a->mode = GridSampleMode::kNearest;
  else if (mode == "bicubic") a->mode = GridSampleMode::kBicubic;
  else return r.error("mode", "must be bilinear, nearest or bicubic, got '" + mode + "'");
  SF_ASSIGN_OR_RETURN(std::string pad, r.get_string("padding_mode", "zeros"));
  if (pad == "zeros") a->padding = GridSamplePadding::kZeros;
  else if (pad == "border") a->padding = GridSamplePadding::kBorder;
  else if (pad == "reflection") a->padding = GridSamplePadding::kReflection;
  else return r.error("padding_mode", "must be zeros, border or reflection, got '" + pad + "'");
  SF_ASSIGN_OR_RETURN(int64_t ac, r.get_int("align_corners", 0));
  if (ac != 0 && ac != 1)
    return r.error("align_corners", "must be 0 or 1, got " + std::to_string(ac));
  a->align_corners = ac == 1;
  node.attrs = std::move(a);
  return Status::ok();
}

// X [N, C, H, W], grid [N, Ho, Wo, 2] (x, y in [-1, 1]) -> Y [N, C, Ho, Wo].
Status infer_grid_sample(InferContext& ctx) {
  if (ctx.dtype(0) == DType::kString || ctx.dtype(0) == DType::kBool)
    return ctx.error(std::string("unsupported input type ") + dtype_name(ctx.dtype(0)));
  SF_TRY(ctx.expect_dtype(1, kFloatTypes));
  SF_TRY(ctx.expect_rank(0, 4, 4));
  SF_TRY(ctx.expect_rank(1, 4, 4));
  Shape out{kUnknownDim, kUnknownDim, kUnknownDim, kUnknownDim};
  if (ctx.rank_known(0)) {
    out[0] = ctx.shape(0)[0];
    out[1] = ctx.shape(0)[1];
  }
  if (ctx.rank_known(1)) {
    const Shape& g = ctx.shape(1);
    if (g[3] != kUnknownDim && g[3] != 2)
      return ctx.error("grid must have shape [N, H_out, W_out, 2], got " + shape_str(g));
    if (out[0] != kUnknownDim && g[0] != kUnknownDim && g[0] != out[0])
      return ctx.error("grid " + shape_str(g) + " has a different batch than X " +
                       shape_str(ctx.shape(0)));
    if (out[0] == kUnknownDim) out[0] = g[0];
    out[2] = g[1];
    out[3] = g[2];
  }
  ctx.set_output(0, ctx.dtype(0), out);
  return Status::ok();
}

}  // namespace

void register_signal_schemas() {
  register_schema(OpKind::kDet, {1, 1, 1, 1, 11, kMaxOpset, parse_none, infer_det});
  for (OpKind k : {OpKind::kHannWindow, OpKind::kHammingWindow, OpKind::kBlackmanWindow})
    register_schema(k, {1, 1, 1, 1, 17, kMaxOpset, parse_window, infer_window});
  register_schema(OpKind::kDFT, {1, 2, 1, 1, 17, kMaxOpset, parse_dft, infer_dft});
  register_schema(OpKind::kSTFT, {2, 4, 1, 1, 17, kMaxOpset, parse_stft, infer_stft});
  register_schema(OpKind::kMelWeightMatrix, {5, 5, 1, 1, 17, kMaxOpset, parse_mel, infer_mel});
  register_schema(OpKind::kGridSample,
                  {2, 2, 1, 1, 16, kMaxOpset, parse_grid_sample, infer_grid_sample});
}

}  // namespace sf::ir
