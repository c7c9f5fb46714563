// Bindings of Concat, Split, Slice, Pad, DepthToSpace and SpaceToDepth (strided copies and
// index maps from kernels/ref/tensor_copy.hpp).
#include <algorithm>

#include "kernels/ref/tensor_copy.hpp"
#include "runtime/ref_ops/tensor_common.hpp"

namespace sf::rt::tensor_detail {

namespace {

// Sizes of the dims before and after `axis`.
void outer_inner(const Shape& s, int64_t axis, int64_t& outer, int64_t& inner) {
  outer = 1, inner = 1;
  for (int64_t d = 0; d < static_cast<int64_t>(s.size()); ++d) {
    if (d < axis) outer *= s[static_cast<size_t>(d)];
    else if (d > axis) inner *= s[static_cast<size_t>(d)];
  }
}

Status run_concat(KernelContext& ctx) {
  const auto& a = ctx.node.attrs_as<ir::AxisAttrs>();
  SF_ASSIGN_OR_RETURN(Tensor * y, inferred_output(ctx, 0));
  SF_ASSIGN_OR_RETURN(const int64_t axis, normalize_axis(a.axis, y->rank()));
  int64_t outer = 0, inner = 0;
  outer_inner(y->shape(), axis, outer, inner);
  const int64_t total = y->dim(axis) * inner;
  const size_t es = esize(*y);
  int64_t offset = 0;  // elements into each output row
  for (size_t i = 0; i < ctx.in.size(); ++i) {
    const Tensor& x = ctx.input(i);
    const int64_t block = x.dim(axis) * inner;
    ref::copy_strided(static_cast<std::byte*>(y->raw()) + static_cast<size_t>(offset) * es,
                      {total, 1}, x.raw(), {block, 1}, {outer, block}, es);
    offset += block;
  }
  return Status::ok();
}

Status run_split(KernelContext& ctx) {
  const auto& a = ctx.node.attrs_as<ir::SplitAttrs>();
  const Tensor& x = ctx.input(0);
  SF_ASSIGN_OR_RETURN(const int64_t axis, normalize_axis(a.axis, x.rank()));
  auto sizes = ir::split_sizes(ctx.node, x.dim(axis), ctx.num_outputs(),
                               ctx.has(1) ? &ctx.input(1) : nullptr);
  if (!sizes) return with_node(ctx, sizes.status());
  int64_t outer = 0, inner = 0;
  outer_inner(x.shape(), axis, outer, inner);
  const int64_t total = x.dim(axis) * inner;
  const size_t es = esize(x);
  int64_t offset = 0;
  for (size_t i = 0; i < ctx.num_outputs(); ++i) {
    Shape s = x.shape();
    s[static_cast<size_t>(axis)] = (*sizes)[i];
    SF_ASSIGN_OR_RETURN(Tensor * y, ctx.output(i, x.dtype(), s));
    const int64_t block = (*sizes)[i] * inner;
    ref::copy_strided(y->raw(), {block, 1},
                      static_cast<const std::byte*>(x.raw()) + static_cast<size_t>(offset) * es,
                      {total, 1}, {outer, block}, es);
    offset += block;
  }
  return Status::ok();
}

Status run_slice(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  auto in = [&](size_t i) { return ctx.has(i) ? &ctx.input(i) : nullptr; };
  auto plan = ir::slice_plan(ctx.node, x.shape(), in(1), in(2), in(3), in(4));
  if (!plan) return with_node(ctx, plan.status());
  SF_ASSIGN_OR_RETURN(Tensor * y, ctx.output(0, x.dtype(), plan->out_shape));
  if (y->numel() == 0) return Status::ok();
  const std::vector<int64_t> st = strides_of(x.shape());
  std::vector<int64_t> src_strides(st.size());
  int64_t offset = 0;
  for (size_t d = 0; d < st.size(); ++d) {
    offset += plan->start[d] * st[d];
    src_strides[d] = plan->step[d] * st[d];
  }
  ref::copy_strided(y->raw(),
                    static_cast<const std::byte*>(x.raw()) + static_cast<size_t>(offset) * esize(x),
                    src_strides, y->shape(), esize(x));
  return Status::ok();
}

// Input index read by output index o of an axis of input length d with `begin` padding
// (negative: cropped), or -1 for the constant.
int64_t pad_source(ir::PadMode mode, int64_t o, int64_t begin, int64_t d) {
  const int64_t j = o - begin;
  if (j >= 0 && j < d) return j;
  switch (mode) {
    case ir::PadMode::kConstant: return -1;
    case ir::PadMode::kEdge: return j < 0 ? 0 : d - 1;
    case ir::PadMode::kReflect: {
      if (d == 1) return 0;
      const int64_t period = 2 * (d - 1);
      int64_t m = j % period;
      if (m < 0) m += period;
      return m < d ? m : period - m;
    }
  }
  return -1;
}

Status run_pad(KernelContext& ctx) {
  const auto& a = ctx.node.attrs_as<ir::PadAttrs>();
  const Tensor& x = ctx.input(0);
  SF_ASSIGN_OR_RETURN(Tensor * y, inferred_output(ctx, 0));
  auto pads = ir::pad_amounts(ctx.node, x.rank(), ctx.has(1) ? &ctx.input(1) : nullptr);
  if (!pads) return with_node(ctx, pads.status());
  const size_t es = esize(x);
  std::vector<std::byte> value(es, std::byte{0});
  if (ctx.node.opset < 11) store_scalar(x.dtype(), a.value, value.data());
  else if (ctx.has(2) && ctx.input(2).numel() == 1) std::memcpy(value.data(), ctx.input(2).raw(), es);
  const auto r = static_cast<size_t>(x.rank());
  std::vector<std::vector<int64_t>> maps(r);
  for (size_t d = 0; d < r; ++d) {
    maps[d].resize(static_cast<size_t>(y->dim(static_cast<int64_t>(d))));
    for (size_t o = 0; o < maps[d].size(); ++o)
      maps[d][o] = pad_source(a.mode, static_cast<int64_t>(o), (*pads)[d], x.dim(static_cast<int64_t>(d)));
  }
  ref::pad_map(y->raw(), y->shape(), x.raw(), strides_of(x.shape()), maps, value.data(), es);
  return Status::ok();
}

// DepthToSpace: output [N, C', H*b, W*b] viewed as [N, C', H, b, W, b] reads input channel
// (i*b + j)*C' + c (DCR) or c*b*b + i*b + j (CRD) at (h, w).
// SpaceToDepth: output [N, C*b*b, H/b, W/b] viewed as [N, b, b, C, H/b, W/b] reads input
// (c, h*b + i, w*b + j).
Status run_depth_space(KernelContext& ctx) {
  const auto& a = ctx.node.attrs_as<ir::DepthSpaceAttrs>();
  const Tensor& x = ctx.input(0);
  SF_ASSIGN_OR_RETURN(Tensor * y, inferred_output(ctx, 0));
  const int64_t b = a.blocksize;
  const int64_t n = x.dim(0), c = x.dim(1), h = x.dim(2), w = x.dim(3);
  Shape view;
  std::vector<int64_t> st;
  if (ctx.node.op == ir::OpKind::kDepthToSpace) {
    const int64_t co = c / (b * b);
    view = {n, co, h, b, w, b};
    if (a.crd) st = {c * h * w, b * b * h * w, w, b * h * w, 1, h * w};
    else st = {c * h * w, h * w, w, b * co * h * w, 1, co * h * w};
  } else {
    view = {n, b, b, c, h / b, w / b};
    st = {c * h * w, w, 1, h * w, b * w, b};
  }
  ref::copy_strided(y->raw(), x.raw(), st, view, esize(x));
  return Status::ok();
}

}  // namespace

void register_layout_kernels() {
  register_kernel(ir::OpKind::kConcat, run_concat);
  register_kernel(ir::OpKind::kSplit, run_split);
  register_kernel(ir::OpKind::kSlice, run_slice);
  register_kernel(ir::OpKind::kPad, run_pad);
  register_kernel(ir::OpKind::kDepthToSpace, run_depth_space);
  register_kernel(ir::OpKind::kSpaceToDepth, run_depth_space);
}

}  // namespace sf::rt::tensor_detail
