#include "runtime/session.hpp"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <optional>
#include <unordered_map>

#include "ir/cost.hpp"
#include "ir/infer.hpp"
#include "ir/op_schema.hpp"
#include "runtime/abft_select.hpp"
#include "runtime/fast_ops/conv.hpp"
#include "runtime/machine.hpp"
#include "runtime/parallel.hpp"

namespace sf::rt {

namespace {

// Checks a user input against the declared type: dtype, rank and every fixed dim.
Status check_input(const IoInfo& info, const Tensor& t) {
  if (info.type.dtype != DType::kUndefined && t.dtype() != info.type.dtype)
    return invalid_argument("input '" + info.name + "' must be " + dtype_name(info.type.dtype) +
                            ", got " + dtype_name(t.dtype()));
  if (info.type.shape) {
    const Shape& want = *info.type.shape;
    bool ok = want.size() == t.shape().size();
    for (size_t i = 0; ok && i < want.size(); ++i)
      if (want[i] >= 0 && want[i] != t.shape()[i]) ok = false;
    if (!ok)
      return invalid_argument("input '" + info.name + "' must have shape " + shape_str(want) +
                              ", got " + shape_str(t.shape()));
  }
  return Status::ok();
}

// True when inference fixed every output and each has no elements: there is nothing to compute,
// and kernels need not walk huge outer dims of an empty tensor ([2^31, 0, ...]).
bool all_outputs_zero_sized(const KernelContext& k) {
  if (k.out.empty()) return false;
  for (const Tensor& t : k.out)
    if (t.empty() || t.numel() != 0) return false;
  return true;
}

// Infers one node's outputs from its actual inputs, allocates those whose shape inference fixed
// (under the memory cap), and runs the kernel, which allocates the data-dependent ones.
// `fast`, when set, runs instead of the reference `fn`.
Result<std::vector<Tensor>> run_node_with(const ir::Node& node, const std::vector<const Tensor*>& in,
                                          RunFn fn, int64_t max_bytes,
                                          const PreparedKernel* fast = nullptr, int threads = 1,
                                          const std::vector<Tensor>* planned = nullptr,
                                          const AbftNodePlan* abft = nullptr,
                                          abft::LayerStats* abft_stats = nullptr,
                                          abft::Report* abft_report = nullptr,
                                          const std::vector<ir::TypeInfo>* known_out = nullptr) {
  std::optional<ir::InferContext> ictx;
  if (!known_out) {
    std::vector<ir::InferInput> infer_in(in.size());
    for (size_t i = 0; i < in.size(); ++i)
      if (in[i]) infer_in[i] = ir::InferInput{true, in[i]->dtype(), in[i]->shape(), in[i]};
    ictx.emplace(node, std::move(infer_in));
    SF_TRY(ir::infer_node(*ictx));
  }
  if (!fn && !fast) return unsupported(node.label() + ": no kernel for " + ir::op_name(node.op));
  const std::vector<ir::TypeInfo>& out_types = known_out ? *known_out : ictx->out;
  KernelContext kctx(node, in, out_types, max_bytes);
  kctx.threads = threads;
  for (size_t o = 0; o < node.outputs.size(); ++o) {
    const ir::TypeInfo& t = out_types[o];
    // An arena slot planned at load time, when the run-time type is the planned one. Reference
    // kernels may rely on zeroed outputs; fast kernels overwrite every element.
    if (planned && o < planned->size() && !(*planned)[o].empty() && t.shape &&
        (*planned)[o].dtype() == t.dtype && (*planned)[o].shape() == *t.shape) {
      kctx.out[o] = (*planned)[o];
      if (!fast) std::memset(kctx.out[o].raw(), 0, kctx.out[o].nbytes());
      continue;
    }
    if (t.shape && shape_is_static(*t.shape) && dtype_is_supported(t.dtype)) {
      auto made = Tensor::make(t.dtype, *t.shape, max_bytes);
      if (!made) return made.status().with_context(node.label() + ": output " + std::to_string(o));
      kctx.out[o] = std::move(made).value();
    }
  }
  if (!all_outputs_zero_sized(kctx)) {
    if (abft && abft->scheme != abft::Scheme::kNone) {
      SF_TRY(run_protected(kctx, [&] { return fast ? fast->run(kctx) : fn(kctx); }, *abft,
                           abft_stats, abft_report));
    } else {
      SF_TRY(fast ? fast->run(kctx) : fn(kctx));
    }
  }
  for (size_t o = 0; o < node.outputs.size(); ++o) {
    if (kctx.out[o].empty())
      return internal_error(node.label() + ": kernel left output " + std::to_string(o) + " unset");
    // A kernel that replaced its planned slot (control flow returning a subgraph's tensor, which
    // may alias another value) has its result copied into the slot, so no value outlives its slot.
    if (planned && o < planned->size() && !(*planned)[o].empty() &&
        kctx.out[o].raw() != (*planned)[o].raw() && kctx.out[o].dtype() == (*planned)[o].dtype() &&
        kctx.out[o].shape() == (*planned)[o].shape()) {
      Tensor slot = (*planned)[o];
      std::memcpy(slot.raw(), kctx.out[o].raw(), slot.nbytes());
      kctx.out[o] = slot;
    }
  }
  return std::move(kctx.out);
}

// What a session's executor needs besides the graph; subgraphs run with none of it.
struct ExecPlan {
  const std::vector<RunFn>* kernels = nullptr;
  const std::vector<std::unique_ptr<PreparedKernel>>* fast = nullptr;
  const std::vector<std::vector<ir::ValueId>>* free_after = nullptr;
  // Per node: its output types when its inputs have their load-time static types (then shape
  // inference at run time would give the same; empty: infer).
  const std::vector<std::vector<ir::TypeInfo>>* static_out = nullptr;
  int threads = 1;
  RunObserver* observer = nullptr;
  const MemoryPlan* memory = nullptr;  // with `arena`: slots of the static-shape intermediates
  const Tensor* arena = nullptr;
  const std::vector<AbftNodePlan>* abft = nullptr;     // per node
  std::vector<abft::LayerStats*> abft_stats;          // per node (null: not reported)
  abft::Report* abft_report = nullptr;
  size_t first = 0;                                   // nodes before it already ran
  const RunOverrides* overrides = nullptr;
  // Incremental re-execution (Session::run_changed): the run the values are compared with.
  const Snapshot* golden = nullptr;
};

const PreparedKernel* fast_kernel_for(const ExecPlan& plan, size_t k) {
  if (plan.overrides)
    for (const auto& [node, kernel] : plan.overrides->kernels)
      if (node == k) return kernel;
  return plan.fast ? (*plan.fast)[k].get() : nullptr;
}

// A value's tensor: env's, or the graph's constant when env holds none (Session::run leaves
// constants out of env: copying each of them in and out cost a few microseconds a run).
const Tensor& value_of(const ir::Graph& g, const std::vector<Tensor>& env, ir::ValueId id) {
  const Tensor& t = env[static_cast<size_t>(id)];
  const ir::Value& v = g.value(id);
  return t.empty() && v.constant ? *v.constant : t;
}

// True when every input of `node` has the dtype and static shape inference gave it at load time.
bool inputs_as_planned(const ir::Graph& g, const ir::Node& node,
                       const std::vector<const Tensor*>& in) {
  for (size_t i = 0; i < in.size(); ++i) {
    if (!in[i]) continue;
    const ir::TypeInfo& t = g.value(node.inputs[i]).type;
    if (t.dtype != in[i]->dtype() || !t.shape || *t.shape != in[i]->shape()) return false;
  }
  return true;
}

// Node k's load-time output types when its inputs still have the types they were planned with
// (run-time inference would give the same), else nullptr.
const std::vector<ir::TypeInfo>* known_out_types(const ir::Graph& g, const ExecPlan& plan,
                                                 size_t k, const std::vector<const Tensor*>& in) {
  if (plan.static_out && !(*plan.static_out)[k].empty() && inputs_as_planned(g, g.nodes[k], in))
    return &(*plan.static_out)[k];
  return nullptr;
}

// Node `node`'s input tensors (nullptr for an omitted optional input).
Result<std::vector<const Tensor*>> node_inputs(const ir::Graph& g, const std::vector<Tensor>& env,
                                               const ir::Node& node) {
  std::vector<const Tensor*> in(node.inputs.size(), nullptr);
  for (size_t i = 0; i < node.inputs.size(); ++i) {
    const ir::ValueId id = node.inputs[i];
    if (id == ir::kNoValue) continue;
    const Tensor& t = value_of(g, env, id);
    if (t.empty())
      return internal_error(node.label() + ": input '" + g.value(id).name + "' has no value");
    in[i] = &t;
  }
  return in;
}

// Node `node`'s arena slots (an empty tensor for an output not planned), or none without an arena.
void arena_slots(const ir::Graph& g, const ir::Node& node, const ExecPlan& plan,
                 std::vector<Tensor>& planned) {
  planned.clear();
  if (!plan.memory || !plan.arena) return;
  planned.resize(node.outputs.size());
  for (size_t o = 0; o < node.outputs.size(); ++o) {
    const ir::ValueId id = node.outputs[o];
    if (id == ir::kNoValue) continue;
    const int64_t off = plan.memory->offset[static_cast<size_t>(id)];
    if (off == MemoryPlan::kNotPlanned) continue;
    const ir::TypeInfo& t = g.value(id).type;
    planned[o] = plan.arena->sub_buffer(off, t.dtype, *t.shape);
  }
}

// Where the values of an incremental run differ from the golden run's: per value, whether it
// differs at all, and for rank-4 values the NHWC region holding every difference.
class Changes {
 public:
  Changes(const ir::Graph& g, const Snapshot& golden)
      : golden_(golden), any_(g.values.size(), 0), where_(g.values.size()) {}
  bool any(ir::ValueId id) const { return any_[static_cast<size_t>(id)] != 0; }
  const Region& where(ir::ValueId id) const { return where_[static_cast<size_t>(id)]; }
  // Compares `now` (value id's new tensor) with the golden one, within `within` when given
  // (positions outside it are known to agree).
  void compare(ir::ValueId id, const Tensor& now, const Region* within) {
    const auto i = static_cast<size_t>(id);
    const Tensor& was = golden_.values[i];
    where_[i] = Region{};
    if (was.empty() || was.dtype() != now.dtype() || was.shape() != now.shape()) {
      any_[i] = 1;
      where_[i] = whole_nhwc(now);
    } else if (now.shape().size() == 4) {
      where_[i] = nhwc_diff_region(now, was, within ? *within : whole_nhwc(now));
      any_[i] = !where_[i].empty();
    } else {
      any_[i] = now.raw() != was.raw() && std::memcmp(now.raw(), was.raw(), now.nbytes()) != 0;
    }
  }

 private:
  const Snapshot& golden_;
  std::vector<char> any_;
  std::vector<Region> where_;
};

// execute() for an incremental run (plan.golden; Session::run_changed): env holds the golden
// values with some replaced. A node none of whose inputs differs takes its golden outputs; a
// fast kernel that can bound where its output changes (PreparedKernel::output_region) recomputes
// only that region over a copy of its golden output; any other node runs whole. Each new output
// is compared with the golden one, so later nodes see exactly where the values differ. Every
// value computed is bit-identical to what execute() gives.
Status execute_changed(const ir::Graph& g, std::vector<Tensor>& env, const ExecPlan& plan,
                       int64_t max_bytes) {
  const Snapshot& golden = *plan.golden;
  Changes changes(g, golden);
  if (plan.overrides)
    for (const auto& [id, t] : plan.overrides->values) changes.compare(id, *t, nullptr);
  std::vector<Tensor> planned;
  std::vector<std::optional<Region>> changed;
  for (size_t k = plan.first; k < g.nodes.size(); ++k) {
    const ir::Node& node = g.nodes[k];
    SF_ASSIGN_OR_RETURN(std::vector<const Tensor*> in, node_inputs(g, env, node));
    bool any = false, regional = node.outputs.size() == 1 && node.outputs[0] != ir::kNoValue;
    changed.assign(node.inputs.size(), std::nullopt);
    for (size_t i = 0; i < node.inputs.size(); ++i) {
      const ir::ValueId id = node.inputs[i];
      if (id == ir::kNoValue || !changes.any(id)) continue;
      any = true;
      if (in[i]->shape().size() == 4) changed[i] = changes.where(id);
      else regional = false;
    }
    bool kept = !any;
    for (ir::ValueId id : node.outputs)
      if (id != ir::kNoValue && golden.values[static_cast<size_t>(id)].empty()) kept = false;
    const PreparedKernel* fast = fast_kernel_for(plan, k);
    std::optional<Region> reach;
    if (!kept && regional && fast) reach = fast->output_region(in, changed);
    if (reach && reach->empty()) kept = true;  // the changes reach no output position
    if (kept) {
      for (ir::ValueId id : node.outputs)
        if (id != ir::kNoValue) env[static_cast<size_t>(id)] = golden.values[static_cast<size_t>(id)];
    } else if (reach) {
      const ir::ValueId id = node.outputs[0];
      const Tensor& was = golden.values[static_cast<size_t>(id)];
      arena_slots(g, node, plan, planned);
      Tensor y;
      if (!planned.empty() && !planned[0].empty() && planned[0].shape() == was.shape() &&
          planned[0].dtype() == was.dtype()) {
        y = planned[0];
        std::memcpy(y.raw(), was.raw(), was.nbytes());
      } else {
        y = was.clone();
      }
      const std::vector<ir::TypeInfo> types{g.value(id).type};
      KernelContext kctx(node, in, types, max_bytes);
      kctx.threads = plan.threads;
      kctx.out[0] = y;
      SF_TRY(fast->run_region(kctx, *reach));
      env[static_cast<size_t>(id)] = kctx.out[0];
      changes.compare(id, kctx.out[0], &*reach);
    } else {
      arena_slots(g, node, plan, planned);
      SF_ASSIGN_OR_RETURN(
          std::vector<Tensor> out,
          run_node_with(node, in, plan.kernels ? (*plan.kernels)[k] : find_kernel(node.op),
                        max_bytes, fast, plan.threads, planned.empty() ? nullptr : &planned,
                        nullptr, nullptr, nullptr, known_out_types(g, plan, k, in)));
      for (size_t o = 0; o < node.outputs.size(); ++o) {
        const ir::ValueId id = node.outputs[o];
        if (id == ir::kNoValue) continue;
        env[static_cast<size_t>(id)] = std::move(out[o]);
        changes.compare(id, env[static_cast<size_t>(id)], nullptr);
      }
    }
    if (plan.free_after)
      for (ir::ValueId id : (*plan.free_after)[k]) env[static_cast<size_t>(id)] = Tensor();
  }
  return Status::ok();
}

// Executes nodes [0, n) of g over `env` (a tensor per value id); an incremental run when
// plan.golden is set.
Status execute(const ir::Graph& g, std::vector<Tensor>& env, const ExecPlan& plan, int64_t max_bytes) {
  if (plan.golden) return execute_changed(g, env, plan, max_bytes);
  using Clock = std::chrono::steady_clock;
  std::vector<Tensor> planned;  // node k's arena slots, reused across nodes
  for (size_t k = plan.first; k < g.nodes.size(); ++k) {
    const ir::Node& node = g.nodes[k];
    SF_ASSIGN_OR_RETURN(std::vector<const Tensor*> in, node_inputs(g, env, node));
    arena_slots(g, node, plan, planned);
    const std::vector<ir::TypeInfo>* known_out = known_out_types(g, plan, k, in);
    if (plan.observer) plan.observer->before_node(k, node);
    const auto start = Clock::now();
    SF_ASSIGN_OR_RETURN(
        std::vector<Tensor> out,
        run_node_with(node, in, plan.kernels ? (*plan.kernels)[k] : find_kernel(node.op), max_bytes,
                      fast_kernel_for(plan, k), plan.threads,
                      planned.empty() ? nullptr : &planned, plan.abft ? &(*plan.abft)[k] : nullptr,
                      plan.abft_stats.empty() ? nullptr : plan.abft_stats[k], plan.abft_report,
                      known_out));
    if (plan.observer) {
      const double secs = std::chrono::duration<double>(Clock::now() - start).count();
      SF_TRY(plan.observer->after_node(k, node, out, secs));
    }
    for (size_t o = 0; o < node.outputs.size(); ++o)
      if (node.outputs[o] != ir::kNoValue) env[static_cast<size_t>(node.outputs[o])] = std::move(out[o]);
    if (plan.free_after)
      for (ir::ValueId id : (*plan.free_after)[k]) env[static_cast<size_t>(id)] = Tensor();
  }
  return Status::ok();
}

}  // namespace

Result<std::unique_ptr<Session>> Session::load(const std::string& path, const SessionOptions& opts) {
  onnx_io::LoadOptions lo;
  lo.max_tensor_bytes = opts.max_tensor_bytes;
  SF_ASSIGN_OR_RETURN(onnx_io::LoadedModel m, onnx_io::load_model_file(path, lo));
  auto s = std::unique_ptr<Session>(new Session());
  s->graph_ = std::move(m.graph);
  s->opts_ = opts;
  s->opts_.exec.threads = opts.threads > 0 ? opts.threads : default_threads();
  s->info_ = m.info;
  auto st = s->prepare();
  if (!st.is_ok()) return st.with_context("model '" + path + "'");
  return s;
}

Result<std::unique_ptr<Session>> Session::from_graph(std::unique_ptr<ir::Graph> graph,
                                                     const SessionOptions& opts) {
  auto s = std::unique_ptr<Session>(new Session());
  s->graph_ = std::move(graph);
  s->opts_ = opts;
  s->opts_.exec.threads = opts.threads > 0 ? opts.threads : default_threads();
  SF_TRY(s->prepare());
  return s;
}

Status Session::prepare() {
  ir::Graph& g = *graph_;
  SF_TRY(ir::bind_subgraph_outer_refs(g));  // subgraph reads become node inputs
  SF_TRY(ir::verify(g));
  SF_TRY(ir::infer_graph(g));
  if (opts_.optimize) {
    const int64_t cap = opts_.max_tensor_bytes;
    ir::ConstEvalFn eval = [cap](const ir::Node& n, const std::vector<const Tensor*>& in) {
      return run_node(n, in, cap);
    };
    // Folding makes more values constant and, after inference, more shapes static, which lets
    // the next round fold more (Shape -> Gather -> Concat -> Reshape chains); a few rounds suffice.
    constexpr int kMaxFoldRounds = 8;
    for (int round = 0; round < kMaxFoldRounds; ++round) {
      const int before = stats_.folded;
      SF_TRY(ir::fold_constants(g, eval, opts_.max_folded_bytes, stats_));
      SF_TRY(ir::infer_graph(g));
      if (stats_.folded == before) break;
    }
    SF_TRY(ir::remove_identities(g, stats_));
    SF_TRY(ir::remove_dead_nodes(g, stats_));
    SF_TRY(ir::verify(g));
    SF_TRY(ir::infer_graph(g));
    if (opts_.exec.fuse) {
      SF_TRY(ir::fuse_for_cpu(g, ir::FuseOptions{}, stats_));
      SF_TRY(ir::infer_graph(g));
    }
    // After the fusion passes (regions are built from their FusedConvs). Only with fast
    // kernels: the reference FusedConv runs channels-last through transposes.
    if (opts_.exec.layout && opts_.exec.fast_kernels) {
      SF_TRY(ir::layout_nhwc(g, stats_));
      SF_TRY(ir::verify(g));
    }
  }
  kernels_.clear();
  fast_.clear();
  abft_plan_.clear();
  if (opts_.exec.abft == abft::Mode::kAuto) {
    abft_balance_ = opts_.exec.abft_balance;
    if (abft_balance_ <= 0) {
      SF_ASSIGN_OR_RETURN(MachineLoad m, load_or_probe());
      const double bw = m.info.bandwidth_gbs_for(opts_.exec.threads);
      abft_balance_ = bw > 0 ? m.info.peak_gflops_for(opts_.exec.threads) / bw : 0;
    }
  }
  std::vector<int> readers_left(g.values.size(), 0);
  std::vector<bool> releasable(g.values.size(), true);
  for (const ir::Node& n : g.nodes)
    for (ir::ValueId id : n.inputs)
      if (id != ir::kNoValue) ++readers_left[static_cast<size_t>(id)];
  for (ir::ValueId o : g.outputs) releasable[static_cast<size_t>(o)] = false;
  for (const ir::Node& n : g.nodes) {
    RunFn fn = find_kernel(n.op);
    if (!fn)
      return unsupported(n.label() + ": operator " + ir::op_name(n.op) + " (opset " +
                         std::to_string(n.opset) + ") has no kernel");
    kernels_.push_back(fn);
    SF_ASSIGN_OR_RETURN(AbftNodePlan ap, choose_abft(n));
    const bool checksum = ap.scheme == abft::Scheme::kGlobal || ap.scheme == abft::Scheme::kTile;
    auto fast = prepare_fast_kernel(g, n, opts_.exec, checksum ? ap.scheme : abft::Scheme::kNone);
    if (!fast) return fast.status().with_context(n.label());
    fast_.push_back(std::move(fast).value());
    if (checksum && (!fast_.back() || fast_.back()->abft_scheme() != ap.scheme)) {
      const std::string kernel = fast_.back() ? fast_.back()->name() : std::string("reference");
      if (fast_.back() && fast_.back()->abft_scheme() != abft::Scheme::kNone) {
        ap.scheme = fast_.back()->abft_scheme();
        ap.reason += "; kernel " + kernel + " implements " + std::string(abft::scheme_name(ap.scheme)) + " only";
      } else {
        ap.scheme = abft::Scheme::kDmr;
        ap.reason += "; kernel " + kernel + " has no checksum: duplicated";
      }
    }
    abft_plan_.push_back(std::move(ap));
    if (!opts_.keep_constants) release_packed_inputs(fast_.size() - 1, readers_left, releasable);
  }
  // Liveness: free each intermediate value after its last reader.
  std::vector<int64_t> last_use(g.values.size(), -1);
  for (size_t k = 0; k < g.nodes.size(); ++k)
    for (ir::ValueId id : g.nodes[k].inputs)
      if (id != ir::kNoValue) last_use[static_cast<size_t>(id)] = static_cast<int64_t>(k);
  for (ir::ValueId o : g.outputs) last_use[static_cast<size_t>(o)] = INT64_MAX;
  free_after_.assign(g.nodes.size(), {});
  for (size_t v = 0; v < g.values.size(); ++v) {
    const int64_t k = last_use[v];
    if (k >= 0 && k != INT64_MAX && !(g.values[v].constant && g.values[v].producer < 0))
      free_after_[static_cast<size_t>(k)].push_back(static_cast<ir::ValueId>(v));
  }
  memory_ = MemoryPlan{};
  if (opts_.exec.memory_plan) memory_ = plan_memory(g, last_use);
  // Nodes whose inputs and outputs all have static types skip shape inference at run time
  // while their inputs keep those types (it allocated and cost a few microseconds a node).
  static_out_.assign(g.nodes.size(), {});
  const auto is_static = [&](ir::ValueId id) {
    const ir::TypeInfo& t = g.value(id).type;
    return t.dtype != DType::kUndefined && t.shape && shape_is_static(*t.shape);
  };
  // An input whose values inference may read (axes, shapes, repeats, pads: integer or bool
  // tensors) must also be a constant. A computed one can hold values that load-time inference
  // never saw, and only run-time inference checks them: a Squeeze of [3,5,0] by axes that come
  // from a graph input has the static output type [] at load (three axes dropped), but axes
  // that name dims other than 1 must fail, not reach the kernel.
  const auto values_seen = [&](ir::ValueId id) {
    const ir::Value& v = g.value(id);
    return v.constant || dtype_is_float(v.type.dtype);
  };
  for (size_t k = 0; k < g.nodes.size(); ++k) {
    const ir::Node& n = g.nodes[k];
    bool ok = !n.outputs.empty();
    for (ir::ValueId id : n.inputs)
      ok = ok && (id == ir::kNoValue || (is_static(id) && values_seen(id)));
    for (ir::ValueId id : n.outputs) ok = ok && id != ir::kNoValue && is_static(id);
    if (!ok) continue;
    for (ir::ValueId id : n.outputs) static_out_[k].push_back(g.value(id).type);
  }
  return Status::ok();
}

namespace {
bool gemm_like(ir::OpKind op) {
  return op == ir::OpKind::kMatMul || op == ir::OpKind::kGemm || op == ir::OpKind::kFusedMatMul ||
         op == ir::OpKind::kConv || op == ir::OpKind::kFusedConv || op == ir::OpKind::kAttention;
}
}  // namespace

// The scheme a node asks for (the kernel may not implement it: see prepare()).
Result<AbftNodePlan> Session::choose_abft(const ir::Node& n) {
  AbftNodePlan p;
  const abft::Mode mode = opts_.exec.abft;
  if (mode == abft::Mode::kOff) return p;
  // The intensity on the inferred shapes, free dimensions (a dynamic batch) taken as 1.
  std::vector<ir::TypeInfo> types;
  types.reserve(n.inputs.size() + n.outputs.size());
  auto fixed = [&](ir::ValueId id) -> const ir::TypeInfo* {
    if (id == ir::kNoValue) return nullptr;
    ir::TypeInfo t = graph_->value(id).type;
    if (t.shape)
      for (int64_t& d : *t.shape) d = d < 0 ? 1 : d;
    types.push_back(std::move(t));
    return &types.back();
  };
  std::vector<const ir::TypeInfo*> in, out;
  for (ir::ValueId id : n.inputs) in.push_back(fixed(id));
  for (ir::ValueId id : n.outputs) out.push_back(fixed(id));
  const ir::NodeCost cost = ir::node_cost(n, in, out);
  if (cost.flops > 0 && cost.bytes > 0) p.intensity = cost.flops / cost.bytes;
  if (!gemm_like(n.op)) {
    if (mode == abft::Mode::kDmr || opts_.exec.abft_dmr_other) {
      p.scheme = abft::Scheme::kDmr;
      p.reason = "no checksum for this op: duplicated";
    } else {
      p.reason = "not a GEMM-like op: unprotected (--abft dmr or --abft-dmr-other duplicate it)";
    }
    return p;
  }
  switch (mode) {
    case abft::Mode::kGlobal: p.scheme = abft::Scheme::kGlobal, p.reason = "forced"; return p;
    case abft::Mode::kTile: p.scheme = abft::Scheme::kTile, p.reason = "forced"; return p;
    case abft::Mode::kDmr: p.scheme = abft::Scheme::kDmr, p.reason = "forced"; return p;
    default: break;
  }
  // The fused attention kernel has block checks only (fast_ops/attention.cpp).
  if (n.op == ir::OpKind::kAttention) {
    p.scheme = abft::Scheme::kTile;
    p.reason = "attention: block checks in the fused kernel (no global invariant through softmax)";
    return p;
  }
  char buf[160];
  if (opts_.exec.abft_select == abft::Select::kMeasured) {
    SF_ASSIGN_OR_RETURN(std::optional<MeasuredChoice> m, measure_abft_choice(*graph_, n, opts_.exec));
    if (m) {
      p.scheme = m->scheme;
      std::snprintf(buf, sizeof buf, "measured%s: global %.3f ms, tile %.3f ms",
                    m->from_cache ? " (cached)" : "", m->global_ms, m->tile_ms);
      p.reason = buf;
      return p;
    }
  }
  // The intensity rule weighs the global check's extra memory traffic against the tile check's
  // extra arithmetic. A convolution that takes its activation checksum in its tiles has no extra
  // traffic, and its extra arithmetic (the input's column sums, once per pixel tile) is a part of
  // the tile scheme's (the same sums per row block and channel block, plus the checksum column
  // and a check per tile): global costs less whatever the intensity.
  if (n.op == ir::OpKind::kConv || n.op == ir::OpKind::kFusedConv) {
    const ir::Value& w = graph_->value(n.inputs[1]);
    const Shape* ws = w.constant ? &w.constant->shape() : w.type.shape ? &*w.type.shape : nullptr;
    const int64_t group = n.attrs_as<ir::ConvAttrs>().group;
    const bool known = ws && ws->size() == 4 && (*ws)[0] > 0 && (*ws)[1] > 0;
    if (known && conv_is_depthwise((*ws)[0], (*ws)[1], group)) {
      // Output pixels per image from the static output shape (NCHW or NHWC: numel / (N * C)).
      const ir::TypeInfo& yt = graph_->value(n.outputs[0]).type;
      int64_t pixels = -1;
      if (yt.shape && yt.shape->size() == 4 &&
          std::all_of(yt.shape->begin(), yt.shape->end(), [](int64_t d) { return d > 0; })) {
        const Shape& y = *yt.shape;
        pixels = y[0] * y[1] * y[2] * y[3] / (y[0] * (*ws)[0]);
      }
      const bool global = pixels >= kDepthwiseGlobalMinPixels;
      p.scheme = global ? abft::Scheme::kGlobal : abft::Scheme::kDmr;
      std::snprintf(buf, sizeof buf,
                    global ? "depthwise conv, %lld output pixels >= %lld: per-row checksums in the "
                             "kernel cost less than duplication: global"
                           : "depthwise conv, %lld output pixels < %lld (or unknown): duplication "
                             "costs less than per-row checksums: dmr",
                    static_cast<long long>(pixels), static_cast<long long>(kDepthwiseGlobalMinPixels));
      p.reason = buf;
      return p;
    }
    if (known && conv_global_sums_in_tiles((*ws)[0], (*ws)[1], group)) {
      p.scheme = abft::Scheme::kGlobal;
      std::snprintf(buf, sizeof buf,
                    "conv with its activation checksum in the tiles (no extra traffic; "
                    "intensity %.1f): global",
                    p.intensity);
      p.reason = buf;
      return p;
    }
  }
  if (p.intensity <= 0) {
    p.scheme = abft::Scheme::kGlobal;
    p.reason = "intensity unknown (dynamic shapes): global";
  } else if (p.intensity < abft_balance_) {
    p.scheme = abft::Scheme::kTile;
    std::snprintf(buf, sizeof buf, "intensity %.1f < balance %.1f FLOP/B: memory-bound, tile",
                  p.intensity, abft_balance_);
    p.reason = buf;
  } else {
    p.scheme = abft::Scheme::kGlobal;
    std::snprintf(buf, sizeof buf, "intensity %.1f >= balance %.1f FLOP/B: compute-bound, global",
                  p.intensity, abft_balance_);
    p.reason = buf;
  }
  return p;
}

std::vector<IoInfo> Session::inputs() const {
  std::vector<IoInfo> out;
  for (ir::ValueId id : graph_->inputs) out.push_back({graph_->value(id).name, graph_->value(id).type});
  return out;
}

std::vector<IoInfo> Session::outputs() const {
  std::vector<IoInfo> out;
  for (ir::ValueId id : graph_->outputs)
    out.push_back({graph_->value(id).name, graph_->value(id).type});
  return out;
}

// Called after node k's kernel is chosen: a constant whose readers have all been prepared and
// all hold it packed is freed at once, so preparing a model never holds all weights twice (peak
// RSS stays near one copy of the weights).
void Session::release_packed_inputs(size_t k, std::vector<int>& readers_left,
                                    std::vector<bool>& releasable) {
  ir::Graph& g = *graph_;
  const ir::Node& n = g.nodes[k];
  const std::vector<size_t> packed = fast_[k] ? fast_[k]->packed_inputs() : std::vector<size_t>{};
  for (size_t i = 0; i < n.inputs.size(); ++i) {
    const ir::ValueId id = n.inputs[i];
    if (id == ir::kNoValue) continue;
    const size_t v = static_cast<size_t>(id);
    if (std::find(packed.begin(), packed.end(), i) == packed.end()) releasable[v] = false;
    if (--readers_left[v] > 0 || !releasable[v]) continue;
    ir::Value& val = g.values[v];
    if (!val.constant || val.producer >= 0 || !val.constant->raw()) continue;
    released_bytes_ += static_cast<int64_t>(val.constant->nbytes());
    // Dtype and shape stay (kernels check them); the bytes go.
    val.constant = Tensor::view(val.constant->dtype(), val.constant->shape(), nullptr);
  }
}

std::string Session::kernel_name(size_t k) const {
  return k < fast_.size() && fast_[k] ? fast_[k]->name() : std::string("ref");
}

Result<NamedTensors> Session::run(const NamedTensors& inputs, RunObserver* observer,
                                  abft::Report* abft_report) const {
  const ir::Graph& g = *graph_;
  std::vector<Tensor> env(g.values.size());  // constants are read from the graph (value_of)
  const auto declared = this->inputs();
  std::vector<bool> given(declared.size(), false);
  for (const auto& [name, t] : inputs) {
    size_t i = 0;
    while (i < declared.size() && declared[i].name != name) ++i;
    if (i == declared.size()) {
      std::string names;
      for (const auto& d : declared) names += (names.empty() ? "" : ", ") + d.name;
      return invalid_argument("the model has no input named '" + name + "' (inputs: " + names + ")");
    }
    if (given[i]) return invalid_argument("input '" + name + "' is given twice");
    SF_TRY(check_input(declared[i], t));
    given[i] = true;
    env[static_cast<size_t>(g.inputs[i])] = t;
  }
  for (size_t i = 0; i < declared.size(); ++i)
    if (!given[i]) return invalid_argument("input '" + declared[i].name + "' is missing");
  return execute_run(env, 0, observer, abft_report, nullptr);
}

Result<NamedTensors> Session::execute_run(std::vector<Tensor>& env, size_t first,
                                          RunObserver* observer, abft::Report* abft_report,
                                          const RunOverrides* overrides,
                                          const Snapshot* golden) const {
  const ir::Graph& g = *graph_;
  Tensor arena;
  if (memory_.arena_bytes > 0) {
    if (memory_.arena_bytes > opts_.max_tensor_bytes)
      return resource_limit("the activation arena needs " + std::to_string(memory_.arena_bytes) +
                            " bytes, over the memory limit of " +
                            std::to_string(opts_.max_tensor_bytes) + " bytes");
    SF_ASSIGN_OR_RETURN(arena, Tensor::make_arena(memory_.arena_bytes));
  }
  ExecPlan plan{&kernels_, &fast_, &free_after_, &static_out_, opts_.exec.threads, observer,
                memory_.arena_bytes > 0 ? &memory_ : nullptr, &arena, &abft_plan_, {}, abft_report};
  if (abft_report) {
    if (abft_report->layers.empty())
      for (size_t k = 0; k < g.nodes.size(); ++k) {
        const AbftNodePlan& ap = abft_plan_[k];
        if (ap.scheme == abft::Scheme::kNone) continue;
        abft::LayerStats l;
        l.node = g.nodes[k].label();
        l.op = ir::op_name(g.nodes[k].op);
        l.scheme = ap.scheme;
        l.reason = ap.reason;
        l.intensity = ap.intensity;
        abft_report->layers.push_back(std::move(l));
      }
    plan.abft_stats.assign(g.nodes.size(), nullptr);
    size_t li = 0;
    for (size_t k = 0; k < g.nodes.size() && li < abft_report->layers.size(); ++k)
      if (abft_plan_[k].scheme != abft::Scheme::kNone) plan.abft_stats[k] = &abft_report->layers[li++];
    ++abft_report->runs;
  }
  plan.first = first;
  plan.overrides = overrides;
  plan.golden = golden;
  SF_TRY(execute(g, env, plan, opts_.max_tensor_bytes));
  NamedTensors out;
  for (ir::ValueId id : g.outputs) out.emplace_back(g.value(id).name, value_of(g, env, id));
  return out;
}

namespace {
// Keeps a private copy of every node output (the arena slots they live in are reused).
class CaptureObserver : public RunObserver {
 public:
  explicit CaptureObserver(std::vector<Tensor>& values) : values_(values) {}
  Status after_node(size_t, const ir::Node& node, std::vector<Tensor>& outputs, double) override {
    for (size_t o = 0; o < node.outputs.size() && o < outputs.size(); ++o)
      if (node.outputs[o] != ir::kNoValue && !outputs[o].empty())
        values_[static_cast<size_t>(node.outputs[o])] = outputs[o].clone();
    return Status::ok();
  }

 private:
  std::vector<Tensor>& values_;
};
}  // namespace

Result<Snapshot> Session::capture(const NamedTensors& inputs) const {
  const ir::Graph& g = *graph_;
  Snapshot snap;
  snap.values.resize(g.values.size());
  CaptureObserver capture(snap.values);
  const auto start = std::chrono::steady_clock::now();
  SF_ASSIGN_OR_RETURN(snap.outputs, run(inputs, &capture));
  snap.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  for (const auto& [name, t] : inputs)
    if (auto id = g.find(name)) snap.values[static_cast<size_t>(*id)] = t.clone();
  // The outputs may live in the arena, which the next run reuses: take the kept copies.
  for (size_t o = 0; o < g.outputs.size(); ++o) {
    const Tensor& kept = snap.values[static_cast<size_t>(g.outputs[o])];
    snap.outputs[o].second = kept.empty() ? snap.outputs[o].second.clone() : kept;
  }
  return snap;
}

Result<NamedTensors> Session::run_from(const Snapshot& snap, size_t first, RunObserver* observer,
                                       abft::Report* abft_report,
                                       const RunOverrides* overrides) const {
  std::vector<Tensor> env;
  SF_TRY(env_from(snap, first, overrides, env));
  return execute_run(env, first, observer, abft_report, overrides);
}

Result<NamedTensors> Session::run_changed(const Snapshot& snap, size_t first,
                                          const RunOverrides& overrides) const {
  if (!overrides.kernels.empty())
    return invalid_argument("run_changed: replaced kernels change every output of their nodes");
  std::vector<Tensor> env;
  SF_TRY(env_from(snap, first, &overrides, env));
  return execute_run(env, first, nullptr, nullptr, &overrides, &snap);
}

Status Session::env_from(const Snapshot& snap, size_t first, const RunOverrides* overrides,
                         std::vector<Tensor>& env) const {
  const ir::Graph& g = *graph_;
  if (snap.values.size() != g.values.size())
    return invalid_argument("snapshot has " + std::to_string(snap.values.size()) +
                            " values, the graph " + std::to_string(g.values.size()));
  if (first > g.nodes.size())
    return invalid_argument("run_from: node " + std::to_string(first) + " of " +
                            std::to_string(g.nodes.size()));
  env.assign(g.values.size(), Tensor());
  for (size_t v = 0; v < g.values.size(); ++v) {
    const ir::Value& val = g.values[v];
    if (val.constant)
      env[v] = *val.constant;
    else if (val.producer < static_cast<int32_t>(first))
      env[v] = snap.values[v];  // graph inputs (producer -1) and values made before `first`
  }
  if (overrides)
    for (const auto& [id, t] : overrides->values) env[static_cast<size_t>(id)] = *t;
  return Status::ok();
}

Result<std::unique_ptr<PreparedKernel>> Session::prepare_with_constant(size_t k, ir::ValueId value,
                                                                       const Tensor& replacement) {
  ir::Graph& g = *graph_;
  if (k >= g.nodes.size() || value == ir::kNoValue || static_cast<size_t>(value) >= g.values.size())
    return invalid_argument("prepare_with_constant: no node " + std::to_string(k) + " / value " +
                            std::to_string(value));
  ir::Value& val = g.values[static_cast<size_t>(value)];
  if (!val.constant || val.constant->dtype() != replacement.dtype() ||
      val.constant->shape() != replacement.shape())
    return invalid_argument(g.nodes[k].label() + ": value '" + val.name +
                            "' is not a constant of the replacement's type " + replacement.describe());
  if (!fast_[k]) return std::unique_ptr<PreparedKernel>();
  Tensor kept = *val.constant;
  val.constant = replacement;
  // The scheme its kernel runs (a checksum the kernel implements, else none: duplication and
  // no protection need nothing from the kernel).
  auto made = prepare_fast_kernel(g, g.nodes[k], opts_.exec, fast_[k]->abft_scheme());
  val.constant = kept;
  return made;
}

Result<std::vector<Tensor>> run_node(const ir::Node& node, const std::vector<const Tensor*>& in,
                                     int64_t max_tensor_bytes) {
  return run_node_with(node, in, find_kernel(node.op), max_tensor_bytes);
}

Result<std::vector<Tensor>> run_graph(const ir::Graph& g, const std::vector<Tensor>& inputs,
                                      const std::vector<std::pair<std::string, const Tensor*>>& outer,
                                      int64_t max_tensor_bytes) {
  std::vector<Tensor> env(g.values.size());
  for (size_t v = 0; v < g.values.size(); ++v)
    if (g.values[v].constant) env[v] = *g.values[v].constant;
  if (inputs.size() != g.inputs.size())
    return invalid_model("subgraph '" + g.name + "' takes " + std::to_string(g.inputs.size()) +
                         " inputs, got " + std::to_string(inputs.size()));
  for (size_t i = 0; i < inputs.size(); ++i) env[static_cast<size_t>(g.inputs[i])] = inputs[i];
  for (const std::string& r : g.outer_refs) {
    const Tensor* found = nullptr;
    for (auto it = outer.rbegin(); it != outer.rend() && !found; ++it)
      if (it->first == r) found = it->second;
    if (!found) return invalid_model("subgraph '" + g.name + "': outer value '" + r + "' is unbound");
    env[static_cast<size_t>(*g.find(r))] = *found;
  }
  SF_TRY(execute(g, env, ExecPlan{}, max_tensor_bytes));
  std::vector<Tensor> out;
  for (ir::ValueId id : g.outputs) out.push_back(env[static_cast<size_t>(id)]);
  return out;
}

}  // namespace sf::rt
