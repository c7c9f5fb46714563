// Runs control-flow nodes (If, Loop, Scan): each executes its body graphs with run_graph(), binding
// the enclosing values the bodies read (the node's trailing inputs, see ir/ops/control.hpp) by
// name. Body outputs become node outputs without a copy (tensors share their buffers and are never
// written after they are produced); scan outputs are stacked.
#include "ir/ops/control.hpp"

#include <algorithm>
#include <cstring>

#include "ir/passes/passes.hpp"
#include "runtime/kernel_registry.hpp"
#include "runtime/session.hpp"

namespace sf::rt {

namespace {

using Outer = std::vector<std::pair<std::string, const Tensor*>>;

// The enclosing values the node's bodies read: its trailing inputs, with their names.
Result<Outer> outer_bindings(const KernelContext& ctx, size_t formal) {
  const std::vector<std::string> names = ir::subgraph_outer_names(ctx.node);
  if (ctx.in.size() != formal + names.size())
    return internal_error(ctx.node.label() + ": has " + std::to_string(ctx.in.size()) +
                          " inputs, expected " + std::to_string(formal) + " plus " +
                          std::to_string(names.size()) + " bound enclosing values");
  Outer outer;
  for (size_t k = 0; k < names.size(); ++k) {
    if (!ctx.has(formal + k))
      return internal_error(ctx.node.label() + ": enclosing value '" + names[k] + "' is unbound");
    outer.emplace_back(names[k], ctx.in[formal + k]);
  }
  return outer;
}

Status set_output(KernelContext& ctx, size_t i, Tensor t) {
  const DType want = i < ctx.inferred.size() ? ctx.inferred[i].dtype : DType::kUndefined;
  if (want != DType::kUndefined && want != t.dtype())
    return ctx.error("output " + std::to_string(i) + " should be " + dtype_name(want) +
                     " but the body produced " + t.describe());
  ctx.out[i] = std::move(t);
  return Status::ok();
}

Result<bool> read_bool(const KernelContext& ctx, const Tensor& t, const std::string& what) {
  if (t.dtype() != DType::kBool || t.numel() != 1)
    return ctx.error(what + " must be a single bool, got " + t.describe());
  return t.data<bool>()[0];
}

Result<Tensor> scalar_tensor(DType dtype, int64_t v, int64_t max_bytes) {
  SF_ASSIGN_OR_RETURN(Tensor t, Tensor::make(dtype, Shape{}, max_bytes));
  if (dtype == DType::kBool)
    t.data<bool>()[0] = v != 0;
  else
    t.data<int64_t>()[0] = v;
  return t;
}

// Element `index` along `axis` of t, with that axis removed.
Result<Tensor> take(const Tensor& t, int64_t axis, int64_t index, int64_t max_bytes) {
  const Shape& d = t.shape();
  Shape out_shape = d;
  out_shape.erase(out_shape.begin() + axis);
  SF_ASSIGN_OR_RETURN(Tensor out, Tensor::make(t.dtype(), out_shape, max_bytes));
  int64_t outer = 1, inner = static_cast<int64_t>(dtype_size(t.dtype()));
  for (int64_t i = 0; i < axis; ++i) outer *= d[static_cast<size_t>(i)];
  for (size_t i = static_cast<size_t>(axis) + 1; i < d.size(); ++i) inner *= d[i];
  const int64_t n = d[static_cast<size_t>(axis)];
  if (inner == 0 || outer == 0) return out;
  const auto* src = static_cast<const std::byte*>(t.raw());
  auto* dst = static_cast<std::byte*>(out.raw());
  for (int64_t o = 0; o < outer; ++o)
    std::memcpy(dst + o * inner, src + (o * n + index) * inner, static_cast<size_t>(inner));
  return out;
}

// Stacks `parts` (equal dtype and shape) along a new axis `axis`; with no parts the result has
// `empty_shape`'s dims with 0 inserted at `axis`.
Result<Tensor> stack(const KernelContext& ctx, const std::vector<Tensor>& parts, int64_t axis,
                     DType dtype, const Shape& empty_shape, const std::string& what) {
  const Shape part = parts.empty() ? empty_shape : parts[0].shape();
  if (!parts.empty()) dtype = parts[0].dtype();
  for (size_t p = 1; p < parts.size(); ++p)
    if (parts[p].dtype() != dtype || parts[p].shape() != part)
      return ctx.error(what + " is " + parts[0].describe() + " at iteration 0 but " +
                       parts[p].describe() + " at iteration " + std::to_string(p) +
                       "; scan outputs must keep one type and shape");
  if (axis < 0 || axis > static_cast<int64_t>(part.size()))
    return ctx.error(what + ": axis " + std::to_string(axis) + " is out of range for rank " +
                     std::to_string(part.size() + 1));
  Shape out_shape = part;
  const auto count = static_cast<int64_t>(parts.size());
  out_shape.insert(out_shape.begin() + axis, count);
  SF_ASSIGN_OR_RETURN(Tensor out, Tensor::make(dtype, out_shape, ctx.max_tensor_bytes));
  int64_t outer = 1, inner = static_cast<int64_t>(dtype_size(dtype));
  for (int64_t i = 0; i < axis; ++i) outer *= part[static_cast<size_t>(i)];
  for (size_t i = static_cast<size_t>(axis); i < part.size(); ++i) inner *= part[i];
  if (inner == 0 || outer == 0) return out;
  auto* dst = static_cast<std::byte*>(out.raw());
  for (int64_t p = 0; p < count; ++p) {
    const auto* src = static_cast<const std::byte*>(parts[static_cast<size_t>(p)].raw());
    for (int64_t o = 0; o < outer; ++o)
      std::memcpy(dst + (o * count + p) * inner, src + o * inner, static_cast<size_t>(inner));
  }
  return out;
}

// The shape of one iteration's part of output i when no iteration ran: the inferred shape without
// the stacked axis (and the batch axis for Scan-8), unknown dims taken as 0.
Shape empty_part_shape(const KernelContext& ctx, size_t i, int64_t axis, int64_t lead) {
  if (i >= ctx.inferred.size() || !ctx.inferred[i].shape) return Shape{};
  Shape s = *ctx.inferred[i].shape;
  for (int64_t k = 0; k < lead && !s.empty(); ++k) s.erase(s.begin());
  if (axis >= 0 && axis < static_cast<int64_t>(s.size())) s.erase(s.begin() + axis);
  for (int64_t& d : s) d = std::max<int64_t>(d, 0);
  return s;
}

// ---- If -----------------------------------------------------------------------------------------

Status run_if(KernelContext& ctx) {
  const auto& a = ctx.node.attrs_as<ir::IfAttrs>();
  SF_ASSIGN_OR_RETURN(Outer outer, outer_bindings(ctx, a.formal_inputs));
  SF_ASSIGN_OR_RETURN(bool cond, read_bool(ctx, ctx.input(0), "cond"));
  const ir::Graph& branch = cond ? *a.then_branch : *a.else_branch;
  auto outs = run_graph(branch, {}, outer, ctx.max_tensor_bytes);
  if (!outs)
    return outs.status().with_context(ctx.node.label() +
                                      (cond ? ": then_branch" : ": else_branch"));
  for (size_t i = 0; i < ctx.num_outputs(); ++i) SF_TRY(set_output(ctx, i, std::move((*outs)[i])));
  return Status::ok();
}

// ---- Loop ---------------------------------------------------------------------------------------

Status run_loop(KernelContext& ctx) {
  const auto& a = ctx.node.attrs_as<ir::LoopAttrs>();
  SF_ASSIGN_OR_RETURN(Outer outer, outer_bindings(ctx, a.formal_inputs));
  const size_t N = a.num_carried, K = a.num_scan_outputs;
  const int64_t max_bytes = ctx.max_tensor_bytes;
  int64_t trip = INT64_MAX;  // no M: run until the condition turns false
  if (ctx.has(0)) {
    const Tensor& m = ctx.input(0);
    if (m.dtype() != DType::kI64 || m.numel() != 1)
      return ctx.error("M (trip count) must be a single int64, got " + m.describe());
    trip = m.data<int64_t>()[0];
  }
  bool go = true;
  if (ctx.has(1)) {
    SF_ASSIGN_OR_RETURN(go, read_bool(ctx, ctx.input(1), "cond"));
  }
  std::vector<Tensor> body_in(2 + N);
  for (size_t i = 0; i < N; ++i) body_in[2 + i] = ctx.input(2 + i);
  std::vector<std::vector<Tensor>> scans(K);
  for (int64_t it = 0; it < trip && go; ++it) {
    SF_ASSIGN_OR_RETURN(body_in[0], scalar_tensor(DType::kI64, it, max_bytes));
    SF_ASSIGN_OR_RETURN(body_in[1], scalar_tensor(DType::kBool, go ? 1 : 0, max_bytes));
    auto outs = run_graph(*a.body, body_in, outer, max_bytes);
    if (!outs)
      return outs.status().with_context(ctx.node.label() + ": body, iteration " +
                                        std::to_string(it));
    std::vector<Tensor>& o = *outs;
    SF_ASSIGN_OR_RETURN(go, read_bool(ctx, o[0], "the body's condition output"));
    for (size_t i = 0; i < N; ++i) body_in[2 + i] = std::move(o[1 + i]);
    for (size_t k = 0; k < K; ++k) scans[k].push_back(std::move(o[1 + N + k]));
  }
  for (size_t i = 0; i < N; ++i) SF_TRY(set_output(ctx, i, std::move(body_in[2 + i])));
  for (size_t k = 0; k < K; ++k) {
    const size_t o = N + k;
    SF_ASSIGN_OR_RETURN(
        Tensor t, stack(ctx, scans[k], 0, ctx.inferred[o].dtype, empty_part_shape(ctx, o, 0, 0),
                        "scan output " + std::to_string(k)));
    SF_TRY(set_output(ctx, o, std::move(t)));
  }
  return Status::ok();
}

// ---- Scan ---------------------------------------------------------------------------------------

struct ScanResult {
  std::vector<Tensor> states;
  std::vector<std::vector<Tensor>> outputs;  // per scan output, per iteration (in run order)
};

// Runs the body `length` times over `xs`, slicing each along axes[j] (from the end when
// reverse[j]).
Result<ScanResult> scan_core(const KernelContext& ctx, const ir::ScanAttrs& a,
                             std::vector<Tensor> states, const std::vector<const Tensor*>& xs,
                             const std::vector<int64_t>& axes, int64_t length, const Outer& outer) {
  const size_t N = a.num_states, M = a.num_scan_inputs, K = a.num_scan_outputs;
  ScanResult r;
  r.outputs.resize(K);
  std::vector<Tensor> body_in(N + M);
  for (int64_t it = 0; it < length; ++it) {
    for (size_t i = 0; i < N; ++i) body_in[i] = states[i];
    for (size_t j = 0; j < M; ++j) {
      const int64_t t = a.input_directions[j] ? length - 1 - it : it;
      SF_ASSIGN_OR_RETURN(body_in[N + j], take(*xs[j], axes[j], t, ctx.max_tensor_bytes));
    }
    auto outs = run_graph(*a.body, body_in, outer, ctx.max_tensor_bytes);
    if (!outs)
      return outs.status().with_context(ctx.node.label() + ": body, iteration " +
                                        std::to_string(it));
    std::vector<Tensor>& o = *outs;
    for (size_t i = 0; i < N; ++i) states[i] = std::move(o[i]);
    for (size_t k = 0; k < K; ++k) r.outputs[k].push_back(std::move(o[N + k]));
  }
  r.states = std::move(states);
  return r;
}

Status run_scan_unbatched(KernelContext& ctx, const ir::ScanAttrs& a, const Outer& outer) {
  const size_t N = a.num_states, M = a.num_scan_inputs, K = a.num_scan_outputs;
  std::vector<Tensor> states;
  for (size_t i = 0; i < N; ++i) states.push_back(ctx.input(i));
  std::vector<const Tensor*> xs;
  std::vector<int64_t> axes;
  int64_t length = 0;
  for (size_t j = 0; j < M; ++j) {
    const Tensor& x = ctx.input(N + j);
    SF_ASSIGN_OR_RETURN(int64_t axis, normalize_axis(a.input_axes[j], x.rank()));
    xs.push_back(&x);
    axes.push_back(axis);
    length = x.dim(axis);  // inference checked that every scan input agrees
  }
  SF_ASSIGN_OR_RETURN(ScanResult r, scan_core(ctx, a, std::move(states), xs, axes, length, outer));
  for (size_t i = 0; i < N; ++i) SF_TRY(set_output(ctx, i, std::move(r.states[i])));
  for (size_t k = 0; k < K; ++k) {
    std::vector<Tensor>& parts = r.outputs[k];
    if (a.output_directions[k]) std::reverse(parts.begin(), parts.end());
    const size_t o = N + k;
    const int64_t part_rank =
        parts.empty()
            ? (ctx.inferred[o].shape ? static_cast<int64_t>(ctx.inferred[o].shape->size()) - 1 : 0)
            : parts[0].rank();
    SF_ASSIGN_OR_RETURN(int64_t axis, normalize_axis(a.output_axes[k], part_rank + 1));
    SF_ASSIGN_OR_RETURN(
        Tensor t, stack(ctx, parts, axis, ctx.inferred[o].dtype, empty_part_shape(ctx, o, axis, 0),
                        "scan output " + std::to_string(k)));
    SF_TRY(set_output(ctx, o, std::move(t)));
  }
  return Status::ok();
}

// Scan-8: inputs and outputs carry a batch axis 0; the scanned axis is 1; rows shorter than the
// sequence (sequence_lens) leave zeros in the scan outputs.
Status run_scan_batched(KernelContext& ctx, const ir::ScanAttrs& a, const Outer& outer) {
  const size_t N = a.num_states, M = a.num_scan_inputs, K = a.num_scan_outputs;
  const int64_t max_bytes = ctx.max_tensor_bytes;
  for (size_t j = 0; j < M; ++j)
    if (ctx.input(1 + N + j).rank() < 2)
      return ctx.error("scan input " + std::to_string(j) +
                       " must have batch and sequence axes, got " +
                       ctx.input(1 + N + j).describe());
  const int64_t batch = ctx.input(1 + N).dim(0), seq = ctx.input(1 + N).dim(1);
  std::vector<int64_t> lens(static_cast<size_t>(batch), seq);
  if (ctx.has(0)) {
    const Tensor& sl = ctx.input(0);
    if (sl.numel() != batch)
      return ctx.error("sequence_lens has " + std::to_string(sl.numel()) + " entries, expected " +
                       std::to_string(batch));
    for (int64_t b = 0; b < batch; ++b) {
      lens[static_cast<size_t>(b)] = sl.int_at(b);
      if (lens[static_cast<size_t>(b)] < 0 || lens[static_cast<size_t>(b)] > seq)
        return ctx.error("sequence_lens[" + std::to_string(b) +
                         "] = " + std::to_string(lens[static_cast<size_t>(b)]) +
                         " is outside [0, " + std::to_string(seq) + "]");
    }
  }
  std::vector<std::vector<Tensor>> final_states(N);
  std::vector<std::vector<std::vector<Tensor>>> per_batch(K);
  const std::vector<int64_t> axes(M, 0);
  for (int64_t b = 0; b < batch; ++b) {
    std::vector<Tensor> states;
    for (size_t i = 0; i < N; ++i) {
      if (ctx.input(1 + i).rank() < 1 || ctx.input(1 + i).dim(0) != batch)
        return ctx.error("state input " + std::to_string(i) + " must have batch " +
                         std::to_string(batch) + " first, got " + ctx.input(1 + i).describe());
      SF_ASSIGN_OR_RETURN(Tensor s, take(ctx.input(1 + i), 0, b, max_bytes));
      states.push_back(std::move(s));
    }
    std::vector<Tensor> rows;
    std::vector<const Tensor*> xs;
    for (size_t j = 0; j < M; ++j) {
      SF_ASSIGN_OR_RETURN(Tensor x, take(ctx.input(1 + N + j), 0, b, max_bytes));
      rows.push_back(std::move(x));
    }
    for (const Tensor& x : rows) xs.push_back(&x);
    SF_ASSIGN_OR_RETURN(ScanResult r, scan_core(ctx, a, std::move(states), xs, axes,
                                                lens[static_cast<size_t>(b)], outer));
    for (size_t i = 0; i < N; ++i) final_states[i].push_back(std::move(r.states[i]));
    for (size_t k = 0; k < K; ++k) per_batch[k].push_back(std::move(r.outputs[k]));
  }
  for (size_t i = 0; i < N; ++i) {
    SF_ASSIGN_OR_RETURN(Tensor t,
                        stack(ctx, final_states[i], 0, ctx.input(1 + i).dtype(),
                              empty_part_shape(ctx, i, -1, 1), "state " + std::to_string(i)));
    SF_TRY(set_output(ctx, i, std::move(t)));
  }
  for (size_t k = 0; k < K; ++k) {
    const size_t o = N + k;
    // One iteration's shape and type: from any row that ran, else from inference.
    Shape part = empty_part_shape(ctx, o, 0, 1);
    DType dtype = ctx.inferred[o].dtype;
    for (const auto& rows : per_batch[k])
      if (!rows.empty()) {
        part = rows[0].shape();
        dtype = rows[0].dtype();
        break;
      }
    std::vector<Tensor> stacked_rows;
    for (auto& rows : per_batch[k]) {
      while (static_cast<int64_t>(rows.size()) < seq) {
        SF_ASSIGN_OR_RETURN(Tensor z, Tensor::make(dtype, part, max_bytes));
        rows.push_back(std::move(z));
      }
      SF_ASSIGN_OR_RETURN(Tensor t,
                          stack(ctx, rows, 0, dtype, part, "scan output " + std::to_string(k)));
      stacked_rows.push_back(std::move(t));
    }
    Shape row_shape = part;
    row_shape.insert(row_shape.begin(), seq);
    SF_ASSIGN_OR_RETURN(Tensor t, stack(ctx, stacked_rows, 0, dtype, row_shape,
                                        "scan output " + std::to_string(k)));
    SF_TRY(set_output(ctx, o, std::move(t)));
  }
  return Status::ok();
}

Status run_scan(KernelContext& ctx) {
  const auto& a = ctx.node.attrs_as<ir::ScanAttrs>();
  SF_ASSIGN_OR_RETURN(Outer outer, outer_bindings(ctx, a.formal_inputs));
  return a.batched ? run_scan_batched(ctx, a, outer) : run_scan_unbatched(ctx, a, outer);
}

}  // namespace

void register_control_kernels() {
  register_kernel(ir::OpKind::kIf, run_if);
  register_kernel(ir::OpKind::kLoop, run_loop);
  register_kernel(ir::OpKind::kScan, run_scan);
}

}  // namespace sf::rt
