// Bindings of Identity, Reshape, Flatten, Squeeze, Unsqueeze (plain copies), Shape, Size,
// Expand, Tile and Transpose (strided copies).
#include <algorithm>
#include <cstring>

#include "kernels/ref/broadcast.hpp"
#include "kernels/ref/tensor_copy.hpp"
#include "runtime/ref_ops/tensor_common.hpp"

namespace sf::rt::tensor_detail {

namespace {

// Identity, Reshape, Flatten, Squeeze, Unsqueeze: same bytes, new shape.
Status run_copy(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  SF_ASSIGN_OR_RETURN(Tensor * y, inferred_output(ctx, 0));
  if (y->nbytes() != x.nbytes())
    return internal_error(ctx.node.label() + ": output " + y->describe() + " and input " +
                          x.describe() + " differ in size");
  if (x.nbytes()) std::memcpy(y->raw(), x.raw(), x.nbytes());
  return Status::ok();
}

Status run_shape(KernelContext& ctx) {
  const auto& a = ctx.node.attrs_as<ir::ShapeAttrs>();
  const Tensor& x = ctx.input(0);
  SF_ASSIGN_OR_RETURN(Tensor * y, inferred_output(ctx, 0));
  const int64_t r = x.rank();
  auto clamp = [r](int64_t v) { return std::clamp(v < 0 ? v + r : v, int64_t{0}, r); };
  const int64_t start = clamp(a.start);
  for (int64_t i = 0; i < y->numel(); ++i) y->data<int64_t>()[i] = x.dim(start + i);
  return Status::ok();
}

Status run_size(KernelContext& ctx) {
  SF_ASSIGN_OR_RETURN(Tensor * y, inferred_output(ctx, 0));
  y->data<int64_t>()[0] = ctx.input(0).numel();
  return Status::ok();
}

Status run_expand(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  SF_ASSIGN_OR_RETURN(Tensor * y, inferred_output(ctx, 0));
  ref::copy_strided(y->raw(), x.raw(), ref::broadcast_strides(x.shape(), y->shape()), y->shape(),
                    esize(x));
  return Status::ok();
}

// Tile: the output viewed as [r_0, d_0, r_1, d_1, ...] reads input (i_0, i_1, ...) for every
// repeat, i.e. a strided copy with stride 0 on the repeat dims.
Status run_tile(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  SF_ASSIGN_OR_RETURN(Tensor * y, inferred_output(ctx, 0));
  const std::vector<int64_t> st = strides_of(x.shape());
  Shape view;
  std::vector<int64_t> src_strides;
  for (int64_t d = 0; d < x.rank(); ++d) {
    const int64_t dim = x.dim(d);
    view.push_back(dim == 0 ? 0 : y->dim(d) / dim);
    view.push_back(dim);
    src_strides.push_back(0);
    src_strides.push_back(st[static_cast<size_t>(d)]);
  }
  if (y->numel() > 0) ref::copy_strided(y->raw(), x.raw(), src_strides, view, esize(x));
  return Status::ok();
}

Status run_transpose(KernelContext& ctx) {
  const auto& a = ctx.node.attrs_as<ir::TransposeAttrs>();
  const Tensor& x = ctx.input(0);
  SF_ASSIGN_OR_RETURN(Tensor * y, inferred_output(ctx, 0));
  const std::vector<int64_t> st = strides_of(x.shape());
  const auto r = static_cast<size_t>(x.rank());
  std::vector<int64_t> src_strides(r);
  for (size_t i = 0; i < r; ++i)
    src_strides[i] = st[a.perm ? static_cast<size_t>((*a.perm)[i]) : r - 1 - i];
  ref::copy_strided(y->raw(), x.raw(), src_strides, y->shape(), esize(x));
  return Status::ok();
}

}  // namespace

void register_shape_kernels() {
  for (ir::OpKind op : {ir::OpKind::kIdentity, ir::OpKind::kReshape, ir::OpKind::kFlatten,
                        ir::OpKind::kSqueeze, ir::OpKind::kUnsqueeze})
    register_kernel(op, run_copy);
  register_kernel(ir::OpKind::kShape, run_shape);
  register_kernel(ir::OpKind::kSize, run_size);
  register_kernel(ir::OpKind::kExpand, run_expand);
  register_kernel(ir::OpKind::kTile, run_tile);
  register_kernel(ir::OpKind::kTranspose, run_transpose);
}

}  // namespace sf::rt::tensor_detail
