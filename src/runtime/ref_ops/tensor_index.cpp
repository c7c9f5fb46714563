// Bindings of Gather, GatherElements, GatherND, Scatter, ScatterElements, ScatterND, Compress,
// NonZero, Unique, ReverseSequence, OneHot and Trilu. Index values are checked here (the
// kernels take normalised int64 indices) so that an error names the value and the dim size.
#include <cmath>
#include <optional>
#include <vector>

#include "kernels/ref/tensor_copy.hpp"
#include "kernels/ref/tensor_index.hpp"
#include "kernels/ref/tensor_unique.hpp"
#include "runtime/ref_ops/tensor_common.hpp"

namespace sf::rt::tensor_detail {

namespace {

int64_t prod(const Shape& s, size_t from, size_t to) {
  int64_t p = 1;
  for (size_t i = from; i < to && i < s.size(); ++i) p *= s[i];
  return p;
}

std::string axis_name(int64_t axis) { return "axis " + std::to_string(axis); }

Status run_gather(KernelContext& ctx) {
  const auto& a = ctx.node.attrs_as<ir::AxisAttrs>();
  const Tensor& x = ctx.input(0);
  SF_ASSIGN_OR_RETURN(const int64_t axis, normalize_axis(a.axis, x.rank()));
  SF_ASSIGN_OR_RETURN(const auto idx,
                      normalized_indices(ctx, ctx.input(1), x.dim(axis), axis_name(axis)));
  SF_ASSIGN_OR_RETURN(Tensor * y, inferred_output(ctx, 0));
  const auto ax = static_cast<size_t>(axis);
  ref::gather_blocks(y->raw(), x.raw(), prod(x.shape(), 0, ax), x.dim(axis),
                     prod(x.shape(), ax + 1, x.shape().size()), idx.data(),
                     static_cast<int64_t>(idx.size()), esize(x));
  return Status::ok();
}

Status run_gather_elements(KernelContext& ctx) {
  const auto& a = ctx.node.attrs_as<ir::AxisAttrs>();
  const Tensor& x = ctx.input(0);
  const Tensor& ind = ctx.input(1);
  SF_ASSIGN_OR_RETURN(const int64_t axis, normalize_axis(a.axis, x.rank()));
  SF_ASSIGN_OR_RETURN(const auto idx, normalized_indices(ctx, ind, x.dim(axis), axis_name(axis)));
  SF_ASSIGN_OR_RETURN(Tensor * y, inferred_output(ctx, 0));
  ref::gather_elements(y->raw(), x.raw(), x.shape(), idx.data(), ind.shape(), axis, esize(x));
  return Status::ok();
}

// Normalises the last-dim components of ND indices [.., m] against data dims first..first+m-1.
Result<std::vector<int64_t>> nd_indices(const KernelContext& ctx, const Tensor& ind,
                                        const Shape& data, size_t first) {
  const int64_t m = ind.dim(ind.rank() - 1);
  std::vector<int64_t> out(static_cast<size_t>(ind.numel()));
  for (int64_t i = 0; i < ind.numel(); ++i) {
    const auto d = first + static_cast<size_t>(i % m);
    const int64_t dim = data[d];
    const int64_t v = ind.int_at(i);
    const int64_t n = v < 0 ? v + dim : v;
    if (n < 0 || n >= dim)
      return ctx.error("index " + std::to_string(v) + " (flat position " + std::to_string(i) +
                       " of the indices) is out of range for data axis " + std::to_string(d) +
                       " of size " + std::to_string(dim));
    out[static_cast<size_t>(i)] = n;
  }
  return out;
}

Status run_gathernd(KernelContext& ctx) {
  const auto b = static_cast<size_t>(ctx.node.attrs_as<ir::GatherNDAttrs>().batch_dims);
  const Tensor& x = ctx.input(0);
  const Tensor& ind = ctx.input(1);
  const Shape& xs = x.shape();
  const Shape& is = ind.shape();
  const auto m = static_cast<size_t>(is.back());
  SF_ASSIGN_OR_RETURN(const auto idx, nd_indices(ctx, ind, xs, b));
  SF_ASSIGN_OR_RETURN(Tensor * y, inferred_output(ctx, 0));
  const std::vector<int64_t> st = strides_of(xs);
  const std::vector<int64_t> dim_strides(st.begin() + static_cast<int64_t>(b),
                                         st.begin() + static_cast<int64_t>(b + m));
  ref::gather_nd(y->raw(), x.raw(), prod(is, 0, b), prod(xs, b, xs.size()), dim_strides, idx.data(),
                 prod(is, b, is.size() - 1), prod(xs, b + m, xs.size()), esize(x));
  return Status::ok();
}

ref::ScatterOp scatter_op(ir::ScatterReduction r) {
  switch (r) {
    case ir::ScatterReduction::kNone: return ref::ScatterOp::kNone;
    case ir::ScatterReduction::kAdd: return ref::ScatterOp::kAdd;
    case ir::ScatterReduction::kMul: return ref::ScatterOp::kMul;
    case ir::ScatterReduction::kMax: return ref::ScatterOp::kMax;
    case ir::ScatterReduction::kMin: return ref::ScatterOp::kMin;
  }
  return ref::ScatterOp::kNone;
}

// Copies data to the output and applies `offsets` (one per update element/row).
Status scatter_common(KernelContext& ctx, const std::vector<int64_t>& offsets, int64_t slice) {
  const auto& a = ctx.node.attrs_as<ir::ScatterAttrs>();
  const Tensor& x = ctx.input(0);
  const Tensor& upd = ctx.input(2);
  SF_ASSIGN_OR_RETURN(Tensor * y, inferred_output(ctx, 0));
  if (x.nbytes()) std::memcpy(y->raw(), x.raw(), x.nbytes());
  const ref::ScatterOp op = scatter_op(a.reduction);
  const auto n = static_cast<int64_t>(offsets.size());
  visit_dtype(x.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    if (slice == 1) ref::scatter_elements(y->data<T>(), offsets.data(), upd.data<T>(), n, op);
    else ref::scatter_nd(y->data<T>(), offsets.data(), n, upd.data<T>(), slice, op);
  });
  return Status::ok();
}

Status run_scatter_elements(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  const Tensor& ind = ctx.input(1);
  if (ind.shape() != ctx.input(2).shape())
    return ctx.error("indices " + ind.describe() + " and updates " + ctx.input(2).describe() +
                     " differ in shape");
  SF_ASSIGN_OR_RETURN(const int64_t axis,
                      normalize_axis(ctx.node.attrs_as<ir::ScatterAttrs>().axis, x.rank()));
  SF_ASSIGN_OR_RETURN(const auto idx, normalized_indices(ctx, ind, x.dim(axis), axis_name(axis)));
  std::vector<int64_t> offsets(idx.size());
  ref::element_offsets(x.shape(), idx.data(), ind.shape(), axis, offsets.data());
  return scatter_common(ctx, offsets, 1);
}

Status run_scatternd(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  const Tensor& ind = ctx.input(1);
  const auto k = static_cast<size_t>(ind.dim(ind.rank() - 1));
  SF_ASSIGN_OR_RETURN(const auto idx, nd_indices(ctx, ind, x.shape(), 0));
  const std::vector<int64_t> st = strides_of(x.shape());
  const int64_t rows = prod(ind.shape(), 0, ind.shape().size() - 1);
  std::vector<int64_t> offsets(static_cast<size_t>(rows), 0);
  for (size_t j = 0; j < offsets.size(); ++j)
    for (size_t c = 0; c < k; ++c) offsets[j] += idx[j * k + c] * st[c];
  return scatter_common(ctx, offsets, prod(x.shape(), k, x.shape().size()));
}

// Compress and Unique pick whole slices of x along an optional axis; without one, x is
// flattened. x is viewed as [outer, count, inner] around that axis.
struct AxisSlices {
  std::optional<size_t> axis;
  int64_t outer = 1, count = 0, inner = 1;
};

Result<AxisSlices> axis_slices(const Tensor& x, const std::optional<int64_t>& axis) {
  AxisSlices s;
  s.count = x.numel();
  if (axis) {
    SF_ASSIGN_OR_RETURN(const int64_t ax, normalize_axis(*axis, x.rank()));
    s.axis = static_cast<size_t>(ax);
    s.outer = prod(x.shape(), 0, *s.axis);
    s.count = x.dim(ax);
    s.inner = prod(x.shape(), *s.axis + 1, x.shape().size());
  }
  return s;
}

// Output 0 = the slices `kept` of x, in that order.
Status gather_slices(KernelContext& ctx, const Tensor& x, const AxisSlices& s,
                     const std::vector<int64_t>& kept) {
  const auto n = static_cast<int64_t>(kept.size());
  Shape out{n};
  if (s.axis) {
    out = x.shape();
    out[*s.axis] = n;
  }
  SF_ASSIGN_OR_RETURN(Tensor * y, ctx.output(0, x.dtype(), out));
  ref::gather_blocks(y->raw(), x.raw(), s.outer, s.count, s.inner, kept.data(), n, esize(x));
  return Status::ok();
}

Status run_compress(KernelContext& ctx) {
  const auto& a = ctx.node.attrs_as<ir::OptionalAxisAttrs>();
  const Tensor& x = ctx.input(0);
  const Tensor& cond = ctx.input(1);
  SF_ASSIGN_OR_RETURN(const AxisSlices s, axis_slices(x, a.axis));
  std::vector<int64_t> kept;
  const bool* c = cond.data<bool>();
  for (int64_t j = 0; j < cond.numel(); ++j) {
    if (!c[j]) continue;
    if (j >= s.count)
      return ctx.error("condition " + cond.describe() + " selects position " + std::to_string(j) +
                       ", beyond the " + std::to_string(s.count) + " slices of input " +
                       x.describe());
    kept.push_back(j);
  }
  return gather_slices(ctx, x, s, kept);
}

Status run_nonzero(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  Status st = Status::ok();
  visit_dtype(x.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const int64_t count = ref::count_nonzero(x.data<T>(), x.numel());
    auto y = ctx.output(0, DType::kI64, Shape{std::max<int64_t>(x.rank(), 1), count});
    if (!y) {
      st = y.status();
      return;
    }
    ref::nonzero(x.data<T>(), x.shape(), count, (*y)->data<int64_t>());
  });
  return st;
}

Status run_unique(KernelContext& ctx) {
  const auto& a = ctx.node.attrs_as<ir::OptionalAxisAttrs>();
  const Tensor& x = ctx.input(0);
  SF_ASSIGN_OR_RETURN(const AxisSlices s, axis_slices(x, a.axis));
  ref::UniqueResult u;
  visit_dtype(x.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    u = ref::unique_items(x.data<T>(), s.outer, s.count, s.inner, a.sorted);
  });
  SF_TRY(gather_slices(ctx, x, s, u.first));
  const std::vector<int64_t>* extra[] = {&u.first, &u.inverse, &u.counts};
  for (size_t i = 1; i < ctx.num_outputs() && i < 4; ++i) {
    const std::vector<int64_t>& v = *extra[i - 1];
    SF_ASSIGN_OR_RETURN(Tensor * o, ctx.output(i, DType::kI64, Shape{static_cast<int64_t>(v.size())}));
    if (!v.empty()) std::memcpy(o->raw(), v.data(), v.size() * sizeof(int64_t));
  }
  return Status::ok();
}

Status run_reverse_sequence(KernelContext& ctx) {
  const auto& a = ctx.node.attrs_as<ir::ReverseSequenceAttrs>();
  const Tensor& x = ctx.input(0);
  const Tensor& lens = ctx.input(1);
  SF_ASSIGN_OR_RETURN(Tensor * y, inferred_output(ctx, 0));
  const int64_t t_len = x.dim(a.time_axis), batch = x.dim(a.batch_axis);
  const int64_t inner = prod(x.shape(), 2, x.shape().size());
  if (lens.numel() != batch)
    return ctx.error("sequence_lens " + lens.describe() + " must have one value per batch entry of " +
                     x.describe());
  for (int64_t b = 0; b < batch; ++b) {
    const int64_t l = lens.data<int64_t>()[b];
    if (l < 0 || l > t_len)
      return ctx.error("sequence_lens[" + std::to_string(b) + "] = " + std::to_string(l) +
                       " is outside [0, " + std::to_string(t_len) + "]");
  }
  const int64_t time_stride = a.time_axis == 0 ? batch * inner : inner;
  const int64_t batch_stride = a.time_axis == 0 ? inner : t_len * inner;
  ref::reverse_sequence(y->raw(), x.raw(), t_len, batch, time_stride, batch_stride, inner,
                        lens.data<int64_t>(), esize(x));
  return Status::ok();
}

Status run_onehot(KernelContext& ctx) {
  const Tensor& ind = ctx.input(0);
  const Tensor& values = ctx.input(2);
  SF_ASSIGN_OR_RETURN(Tensor * y, inferred_output(ctx, 0));
  SF_ASSIGN_OR_RETURN(const int64_t axis,
                      normalize_axis(ctx.node.attrs_as<ir::OneHotAttrs>().axis, ind.rank() + 1));
  const int64_t depth = y->dim(axis);
  std::vector<int64_t> idx(static_cast<size_t>(ind.numel()));
  for (int64_t i = 0; i < ind.numel(); ++i) {
    const double v = std::trunc(ind.double_at(i));
    int64_t k = -1;  // out of [-depth, depth): every output is the off value
    if (v >= -static_cast<double>(depth) && v < static_cast<double>(depth)) {
      k = static_cast<int64_t>(v);
      if (k < 0) k += depth;
    }
    idx[static_cast<size_t>(i)] = k;
  }
  const auto ax = static_cast<size_t>(axis);
  const size_t es = esize(values);
  const auto* vals = static_cast<const std::byte*>(values.raw());
  ref::onehot(y->raw(), idx.data(), prod(ind.shape(), 0, ax), depth,
              prod(ind.shape(), ax, ind.shape().size()), vals, vals + es, es);
  return Status::ok();
}

Status run_trilu(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  SF_ASSIGN_OR_RETURN(Tensor * y, inferred_output(ctx, 0));
  const int64_t k = ctx.has(1) ? ctx.input(1).int_at(0) : 0;
  const auto r = x.shape().size();
  ref::trilu(y->raw(), x.raw(), prod(x.shape(), 0, r - 2), x.dim(x.rank() - 2),
             x.dim(x.rank() - 1), k, ctx.node.attrs_as<ir::TriluAttrs>().upper, esize(x));
  return Status::ok();
}

}  // namespace

void register_index_kernels() {
  register_kernel(ir::OpKind::kGather, run_gather);
  register_kernel(ir::OpKind::kGatherElements, run_gather_elements);
  register_kernel(ir::OpKind::kGatherND, run_gathernd);
  register_kernel(ir::OpKind::kScatter, run_scatter_elements);
  register_kernel(ir::OpKind::kScatterElements, run_scatter_elements);
  register_kernel(ir::OpKind::kScatterND, run_scatternd);
  register_kernel(ir::OpKind::kCompress, run_compress);
  register_kernel(ir::OpKind::kNonZero, run_nonzero);
  register_kernel(ir::OpKind::kUnique, run_unique);
  register_kernel(ir::OpKind::kReverseSequence, run_reverse_sequence);
  register_kernel(ir::OpKind::kOneHot, run_onehot);
  register_kernel(ir::OpKind::kTrilu, run_trilu);
}

}  // namespace sf::rt::tensor_detail
