// Control-flow ops (If, Loop, Scan): typed attributes, validation and inference.
//
// Output types come from the bodies' declared outputs; when a body leaves an output's type
// undeclared, a copy of the body is inferred with the node's input types and the types (and, when
// known, values) of the enclosing values it reads, which are the node's trailing inputs (see
// control.hpp). Shapes that depend on how many iterations run are unknown until run time.
//
// Opset notes: If 1/11/13/16 and Loop 1/11/13/16 differ only in the types they admit (sequences and
// optionals, which steadfast does not support); Scan-8 has a leading sequence_lens input and a
// batch axis, Scan-9 drops both and adds the axes/directions attributes, Scan-11 allows negative
// axes.
#include "ir/ops/control.hpp"

#include "ir/infer.hpp"
#include "ir/op_schema.hpp"
#include "ir/passes/passes.hpp"

namespace sf::ir {

namespace {

constexpr int kMaxVariadic = 1 << 20;

std::string count_str(size_t n) { return std::to_string(n); }

// Checks that the node carries one trailing input per value its bodies read from outside.
Status check_bound_inputs(const InferContext& ctx, size_t formal) {
  const size_t extra = subgraph_outer_names(ctx.node).size();
  if (ctx.num_inputs() != formal + extra)
    return ctx.error("has " + count_str(ctx.num_inputs()) + " inputs, expected " +
                     count_str(formal) + " of its own plus " + count_str(extra) +
                     " enclosing value(s) its bodies read");
  return Status::ok();
}

// The declared types of `body`'s outputs, completed by inferring a copy of the body when a declared
// dtype is missing, or a declared shape when `want_shapes` (a loop known to run no iteration takes
// its empty scan outputs' shapes from here). `inputs`: the types to give the body's inputs (an
// undefined dtype or unknown rank keeps the declared one).
Result<std::vector<TypeInfo>> body_output_types(const InferContext& ctx, const Graph& body,
                                                size_t formal, const std::vector<TypeInfo>& inputs,
                                                const std::string& what, bool want_shapes = false) {
  std::vector<TypeInfo> out;
  bool complete = true;
  for (ValueId o : body.outputs) {
    out.push_back(body.value(o).type);
    if (out.back().dtype == DType::kUndefined) complete = false;
    if (want_shapes && !(out.back().shape && shape_is_static(*out.back().shape))) complete = false;
  }
  if (complete) return out;
  Graph g = body;
  for (size_t i = 0; i < g.inputs.size() && i < inputs.size(); ++i) {
    TypeInfo& t = g.value(g.inputs[i]).type;
    if (inputs[i].dtype != DType::kUndefined) t.dtype = inputs[i].dtype;
    if (inputs[i].shape) t.shape = inputs[i].shape;
  }
  const std::vector<std::string> names = subgraph_outer_names(ctx.node);
  for (const std::string& r : g.outer_refs) {
    size_t k = 0;
    while (k < names.size() && names[k] != r) ++k;
    const size_t idx = formal + k;
    auto id = g.find(r);
    if (k == names.size() || !ctx.has(idx) || !id)
      return ctx.error(what + " reads '" + r + "', which is not bound to an input of the node");
    Value& v = g.value(*id);
    v.type = TypeInfo{ctx.dtype(idx), ctx.in[idx].shape};
    if (ctx.value(idx)) v.constant = *ctx.value(idx);
  }
  Status st = infer_graph(g);
  if (!st.is_ok()) return st.with_context(ctx.node.label() + ": inferring " + what);
  for (size_t k = 0; k < out.size(); ++k) {
    const TypeInfo& t = g.value(g.outputs[k]).type;
    if (t.dtype != DType::kUndefined) out[k].dtype = t.dtype;
    // Keep a declared shape unless inference found a fully known one.
    if (t.shape && (shape_is_static(*t.shape) || !out[k].shape)) out[k].shape = t.shape;
  }
  return out;
}

// Checks that input i is one element of one of `allowed` (when known).
Status expect_scalar(const InferContext& ctx, size_t i, const char* what,
                     std::initializer_list<DType> allowed) {
  if (!ctx.has(i)) return Status::ok();
  SF_TRY(ctx.expect_dtype(i, allowed));
  if (ctx.shape_known(i) && shape_numel_unchecked(ctx.shape(i)) != 1)
    return ctx.error(std::string(what) + " must hold one value, got shape " +
                     shape_str(ctx.shape(i)));
  return Status::ok();
}

std::optional<Shape> merge_shapes(const std::optional<Shape>& a, const std::optional<Shape>& b) {
  if (!a || !b || a->size() != b->size()) return std::nullopt;
  Shape s = *a;
  for (size_t i = 0; i < s.size(); ++i)
    if (s[i] != (*b)[i]) s[i] = kUnknownDim;
  return s;
}

// ---- If -----------------------------------------------------------------------------------------

Status parse_if(Node& node) {
  AttrReader r(node);
  auto a = std::make_shared<IfAttrs>();
  SF_ASSIGN_OR_RETURN(a->then_branch, r.req_graph("then_branch"));
  SF_ASSIGN_OR_RETURN(a->else_branch, r.req_graph("else_branch"));
  if (!a->then_branch || !a->else_branch) return r.error("then_branch", "is empty");
  for (const Graph* g : {a->then_branch.get(), a->else_branch.get()}) {
    const char* which = g == a->then_branch.get() ? "then_branch" : "else_branch";
    if (!g->inputs.empty())
      return r.error(which, "must take no inputs, takes " + count_str(g->inputs.size()));
    if (g->outputs.size() != node.outputs.size())
      return r.error(which, "has " + count_str(g->outputs.size()) + " outputs but the node has " +
                                count_str(node.outputs.size()));
  }
  node.attrs = std::move(a);
  return Status::ok();
}

Status infer_if(InferContext& ctx) {
  const auto& a = ctx.node.attrs_as<IfAttrs>();
  SF_TRY(check_bound_inputs(ctx, a.formal_inputs));
  SF_TRY(expect_scalar(ctx, 0, "cond", {DType::kBool}));
  if (const Tensor* cond = ctx.value(0); cond && cond->numel() == 1) {
    const bool take_then = cond->data<bool>()[0];
    SF_ASSIGN_OR_RETURN(
        auto types,
        body_output_types(ctx, take_then ? *a.then_branch : *a.else_branch, a.formal_inputs, {},
                          take_then ? "then_branch" : "else_branch"));
    for (size_t i = 0; i < types.size(); ++i) ctx.set_output(i, types[i].dtype, types[i].shape);
    return Status::ok();
  }
  SF_ASSIGN_OR_RETURN(auto then_t,
                      body_output_types(ctx, *a.then_branch, a.formal_inputs, {}, "then_branch"));
  SF_ASSIGN_OR_RETURN(auto else_t,
                      body_output_types(ctx, *a.else_branch, a.formal_inputs, {}, "else_branch"));
  for (size_t i = 0; i < then_t.size(); ++i) {
    if (then_t[i].dtype != else_t[i].dtype)
      return ctx.error("output " + count_str(i) + " is " + dtype_name(then_t[i].dtype) +
                       " in then_branch but " + dtype_name(else_t[i].dtype) + " in else_branch");
    ctx.set_output(i, then_t[i].dtype, merge_shapes(then_t[i].shape, else_t[i].shape));
  }
  return Status::ok();
}

// ---- Loop ---------------------------------------------------------------------------------------

Status parse_loop(Node& node) {
  AttrReader r(node);
  auto a = std::make_shared<LoopAttrs>();
  SF_ASSIGN_OR_RETURN(a->body, r.req_graph("body"));
  if (!a->body) return r.error("body", "is empty");
  const Graph& b = *a->body;
  if (b.inputs.size() < 2)
    return r.error("body", "must take at least 2 inputs (iteration number, condition), takes " +
                               count_str(b.inputs.size()));
  a->formal_inputs = b.inputs.size();
  a->num_carried = b.inputs.size() - 2;
  if (node.inputs.size() < a->formal_inputs)
    return invalid_model(node.label() + ": has " + count_str(node.inputs.size()) +
                         " inputs but its body takes " + count_str(b.inputs.size()) +
                         " (M, cond and the loop-carried values)");
  if (b.outputs.size() < 1 + a->num_carried)
    return r.error("body", "has " + count_str(b.outputs.size()) + " outputs, expected at least " +
                               count_str(1 + a->num_carried) + " (condition and " +
                               count_str(a->num_carried) + " loop-carried values)");
  a->num_scan_outputs = b.outputs.size() - 1 - a->num_carried;
  if (node.outputs.size() != a->num_carried + a->num_scan_outputs)
    return invalid_model(node.label() + ": has " + count_str(node.outputs.size()) +
                         " outputs, expected " + count_str(a->num_carried + a->num_scan_outputs) +
                         " (loop-carried values and scan outputs of the body)");
  node.attrs = std::move(a);
  return Status::ok();
}

Status infer_loop(InferContext& ctx) {
  const auto& a = ctx.node.attrs_as<LoopAttrs>();
  SF_TRY(check_bound_inputs(ctx, a.formal_inputs));
  SF_TRY(expect_scalar(ctx, 0, "M (trip count)", {DType::kI64}));
  SF_TRY(expect_scalar(ctx, 1, "cond", {DType::kBool}));
  const Graph& b = *a.body;
  const size_t N = a.num_carried;
  std::vector<TypeInfo> in(2 + N);
  in[0] = TypeInfo{DType::kI64, Shape{}};
  in[1] = TypeInfo{DType::kBool, Shape{}};
  for (size_t i = 0; i < N; ++i) {
    if (!ctx.has(2 + i)) return ctx.error("loop-carried input " + count_str(2 + i) + " is empty");
    in[2 + i].dtype = ctx.dtype(2 + i);  // shapes may change from one iteration to the next
  }
  // With no iteration to run, the empty scan outputs need the body's per-iteration shapes.
  const bool no_iteration =
      (ctx.value(0) && ctx.value(0)->numel() == 1 && ctx.value(0)->data<int64_t>()[0] <= 0) ||
      (ctx.value(1) && ctx.value(1)->numel() == 1 && !ctx.value(1)->data<bool>()[0]);
  SF_ASSIGN_OR_RETURN(auto out, body_output_types(ctx, b, a.formal_inputs, in, "body",
                                                  no_iteration && a.num_scan_outputs > 0));
  for (size_t i = 0; i < N; ++i) {
    const TypeInfo& t = out[1 + i];
    if (t.dtype != DType::kUndefined && t.dtype != ctx.dtype(2 + i))
      return ctx.error("loop-carried value " + count_str(i) + " starts as " +
                       dtype_name(ctx.dtype(2 + i)) + " but the body makes it " +
                       dtype_name(t.dtype));
    ctx.set_output(i, ctx.dtype(2 + i), t.shape);
  }
  for (size_t k = 0; k < a.num_scan_outputs; ++k) {
    const TypeInfo& t = out[1 + N + k];
    std::optional<Shape> s;
    if (t.shape) {
      s = Shape{kUnknownDim};
      s->insert(s->end(), t.shape->begin(), t.shape->end());
    }
    ctx.set_output(N + k, t.dtype, s);
  }
  return Status::ok();
}

// ---- Scan ---------------------------------------------------------------------------------------

Status read_scan_list(const AttrReader& r, const char* name, size_t count,
                      std::vector<int64_t>& out, bool directions) {
  SF_ASSIGN_OR_RETURN(out, r.get_ints(name));
  if (out.empty()) {
    out.assign(count, 0);
    return Status::ok();
  }
  if (out.size() != count)
    return r.error(name,
                   "must have " + count_str(count) + " entries, got " + count_str(out.size()));
  if (directions)
    for (int64_t d : out)
      if (d != 0 && d != 1)
        return r.error(name, "entries must be 0 or 1, got " + std::to_string(d));
  return Status::ok();
}

Status parse_scan(Node& node) {
  AttrReader r(node);
  auto a = std::make_shared<ScanAttrs>();
  SF_ASSIGN_OR_RETURN(a->body, r.req_graph("body"));
  if (!a->body) return r.error("body", "is empty");
  const Graph& b = *a->body;
  SF_ASSIGN_OR_RETURN(int64_t m, r.req_int("num_scan_inputs"));
  if (m < 1 || static_cast<size_t>(m) > b.inputs.size())
    return r.error("num_scan_inputs", "must be in [1, " + count_str(b.inputs.size()) +
                                          "] (the body's input count), got " + std::to_string(m));
  a->batched = node.opset < 9;
  a->num_scan_inputs = static_cast<size_t>(m);
  a->num_states = b.inputs.size() - a->num_scan_inputs;
  a->formal_inputs = b.inputs.size() + (a->batched ? 1 : 0);
  if (node.inputs.size() < a->formal_inputs)
    return invalid_model(
        node.label() + ": has " + count_str(node.inputs.size()) + " inputs, expected " +
        count_str(a->formal_inputs) +
        (a->batched ? " (sequence_lens, then one per body input)" : " (one per body input)"));
  if (b.outputs.size() < a->num_states)
    return r.error("body", "has " + count_str(b.outputs.size()) + " outputs, fewer than its " +
                               count_str(a->num_states) + " state inputs");
  a->num_scan_outputs = b.outputs.size() - a->num_states;
  if (node.outputs.size() != b.outputs.size())
    return invalid_model(node.label() + ": has " + count_str(node.outputs.size()) +
                         " outputs but its body has " + count_str(b.outputs.size()));
  if (a->batched) {
    SF_TRY(read_scan_list(r, "directions", a->num_scan_inputs, a->input_directions, true));
    a->input_axes.assign(a->num_scan_inputs, 0);
    a->output_axes.assign(a->num_scan_outputs, 0);
    a->output_directions.assign(a->num_scan_outputs, 0);
  } else {
    SF_TRY(read_scan_list(r, "scan_input_axes", a->num_scan_inputs, a->input_axes, false));
    SF_TRY(
        read_scan_list(r, "scan_input_directions", a->num_scan_inputs, a->input_directions, true));
    SF_TRY(read_scan_list(r, "scan_output_axes", a->num_scan_outputs, a->output_axes, false));
    SF_TRY(read_scan_list(r, "scan_output_directions", a->num_scan_outputs, a->output_directions,
                          true));
  }
  node.attrs = std::move(a);
  return Status::ok();
}

Status infer_scan(InferContext& ctx) {
  const auto& a = ctx.node.attrs_as<ScanAttrs>();
  SF_TRY(check_bound_inputs(ctx, a.formal_inputs));
  const size_t first = a.batched ? 1 : 0;  // first state input
  const size_t N = a.num_states, M = a.num_scan_inputs, K = a.num_scan_outputs;
  if (a.batched) SF_TRY(ctx.expect_dtype(0, {DType::kI64, DType::kI32}));
  for (size_t i = first; i < first + N + M; ++i)
    if (!ctx.has(i)) return ctx.error("input " + count_str(i) + " is empty");
  // The sequence length (and for opset 8 the batch size) from the scan inputs.
  int64_t seq = kUnknownDim, batch = kUnknownDim;
  std::vector<TypeInfo> in(N + M);
  const int64_t lead = a.batched ? 1 : 0;  // batch axis before the scanned one
  for (size_t i = 0; i < N; ++i) {
    const size_t idx = first + i;
    in[i].dtype = ctx.dtype(idx);
    if (ctx.rank_known(idx)) {
      Shape s = ctx.shape(idx);
      if (a.batched) {
        if (s.empty()) return ctx.error("state input " + count_str(idx) + " has no batch axis");
        batch = s[0] != kUnknownDim ? s[0] : batch;
        s.erase(s.begin());
      }
      in[i].shape = s;
    }
  }
  for (size_t j = 0; j < M; ++j) {
    const size_t idx = first + N + j;
    in[N + j].dtype = ctx.dtype(idx);
    if (!ctx.rank_known(idx)) continue;
    Shape s = ctx.shape(idx);
    const int64_t rank = static_cast<int64_t>(s.size()) - lead;
    auto axis = normalize_axis(a.input_axes[j], rank);
    if (!axis)
      return ctx.error("scan input " + count_str(j) + " of shape " + shape_str(s) + ": axis " +
                       std::to_string(a.input_axes[j]) + " is out of range");
    const auto at = static_cast<size_t>(*axis + lead);
    if (a.batched) {
      if (s[0] != kUnknownDim && batch != kUnknownDim && s[0] != batch)
        return ctx.error("scan input " + count_str(j) + " has batch " + std::to_string(s[0]) +
                         ", other inputs have " + std::to_string(batch));
      if (s[0] != kUnknownDim) batch = s[0];
    }
    if (s[at] != kUnknownDim) {
      if (seq != kUnknownDim && s[at] != seq)
        return ctx.error("scan inputs have different sequence lengths: " + std::to_string(seq) +
                         " and " + std::to_string(s[at]));
      seq = s[at];
    }
    s.erase(s.begin() + static_cast<std::ptrdiff_t>(at));
    if (a.batched) s.erase(s.begin());
    in[N + j].shape = s;
  }
  SF_ASSIGN_OR_RETURN(
      auto out, body_output_types(ctx, *a.body, a.formal_inputs, in, "body", seq == 0 && K > 0));
  for (size_t i = 0; i < N; ++i) {
    const size_t idx = first + i;
    if (out[i].dtype != DType::kUndefined && out[i].dtype != ctx.dtype(idx))
      return ctx.error("state " + count_str(i) + " starts as " + dtype_name(ctx.dtype(idx)) +
                       " but the body makes it " + dtype_name(out[i].dtype));
    ctx.set_output(i, ctx.dtype(idx), ctx.in[idx].shape);
  }
  for (size_t k = 0; k < K; ++k) {
    const TypeInfo& t = out[N + k];
    std::optional<Shape> s;
    if (t.shape) {
      const int64_t rank = static_cast<int64_t>(t.shape->size()) + 1;
      auto axis = normalize_axis(a.output_axes[k], rank);
      if (!axis)
        return ctx.error("scan output " + count_str(k) + ": axis " +
                         std::to_string(a.output_axes[k]) + " is out of range for rank " +
                         std::to_string(rank));
      s = *t.shape;
      s->insert(s->begin() + *axis, seq);
      if (a.batched) s->insert(s->begin(), batch);
    }
    ctx.set_output(N + k, t.dtype, s);
  }
  return Status::ok();
}

}  // namespace

void register_control_schemas() {
  register_schema(OpKind::kIf,
                  {1, kMaxVariadic, 1, kMaxVariadic, 1, kMaxOpset, parse_if, infer_if});
  // Loop's M and cond and Scan-8's sequence_lens may be empty: their parse functions check counts.
  register_schema(OpKind::kLoop,
                  {0, kMaxVariadic, 1, kMaxVariadic, 1, kMaxOpset, parse_loop, infer_loop});
  register_schema(OpKind::kScan,
                  {0, kMaxVariadic, 1, kMaxVariadic, 8, kMaxOpset, parse_scan, infer_scan});
}

}  // namespace sf::ir
