// Constant folding, identity removal and dead-node removal.
#include <unordered_set>

#include "ir/passes/passes.hpp"

namespace sf::ir {

namespace {

bool has_subgraphs(const Graph& g) {
  for (const Node& n : g.nodes)
    for (const auto& [name, a] : n.raw_attrs)
      if (a.kind == Attribute::Kind::kGraph) return true;
  return false;
}

bool is_graph_output(const Graph& g, ValueId id) {
  for (ValueId o : g.outputs)
    if (o == id) return true;
  return false;
}

// Drops nodes flagged in `dead` and renumbers producers.
void compact(Graph& g, const std::vector<bool>& dead) {
  std::vector<Node> kept;
  kept.reserve(g.nodes.size());
  for (size_t i = 0; i < g.nodes.size(); ++i)
    if (!dead[i]) kept.push_back(std::move(g.nodes[i]));
  g.nodes = std::move(kept);
  for (Value& v : g.values) v.producer = -1;
  for (size_t i = 0; i < g.nodes.size(); ++i)
    for (ValueId o : g.nodes[i].outputs)
      if (o != kNoValue) g.value(o).producer = static_cast<int32_t>(i);
}

bool never_fold(OpKind op) {
  // Ops whose value must not be computed at load time.
  return op == OpKind::kDropout;  // may be random in training mode
}

}  // namespace

Status fold_constants(Graph& g, const ConstEvalFn& eval, int64_t max_folded_bytes,
                      PassStats& stats) {
  if (has_subgraphs(g)) return Status::ok();  // outer references are bound by name at run time
  std::vector<bool> dead(g.nodes.size(), false);
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& n = g.nodes[i];
    if (never_fold(n.op)) continue;
    std::vector<const Tensor*> in;
    bool all_const = true;
    for (ValueId id : n.inputs) {
      if (id == kNoValue) {
        in.push_back(nullptr);
        continue;
      }
      const Value& v = g.value(id);
      if (!v.constant) {
        all_const = false;
        break;
      }
      in.push_back(&*v.constant);
    }
    // Shape and Size read only the input's shape: fold them once that shape is static.
    Tensor shape_only;
    if (!all_const && (n.op == OpKind::kShape || n.op == OpKind::kSize) && n.has_input(0)) {
      const TypeInfo& t = g.value(n.inputs[0]).type;
      if (t.shape && shape_is_static(*t.shape) && dtype_is_supported(t.dtype)) {
        shape_only = Tensor::view(t.dtype, *t.shape, nullptr);
        in.assign(1, &shape_only);
        all_const = true;
      }
    }
    if (!all_const) continue;
    bool small = true;
    for (ValueId o : n.outputs) {
      if (o == kNoValue) continue;
      const TypeInfo& t = g.value(o).type;
      if (!t.shape || !shape_is_static(*t.shape)) {
        small = n.op == OpKind::kConstant;
        continue;
      }
      const auto bytes = static_cast<double>(shape_numel_unchecked(*t.shape)) *
                         static_cast<double>(dtype_size(t.dtype));
      if (bytes > static_cast<double>(max_folded_bytes)) small = false;
    }
    if (!small) continue;
    auto r = eval(n, in);
    if (!r) return r.status().with_context("constant folding");
    for (size_t k = 0; k < n.outputs.size(); ++k) {
      if (n.outputs[k] == kNoValue) continue;
      Value& v = g.value(n.outputs[k]);
      v.constant = std::move(r.value()[k]);
      v.type = TypeInfo{v.constant->dtype(), v.constant->shape()};
    }
    dead[i] = true;
    ++stats.folded;
  }
  compact(g, dead);
  return Status::ok();
}

Status remove_identities(Graph& g, PassStats& stats) {
  if (has_subgraphs(g)) return Status::ok();
  std::vector<bool> dead(g.nodes.size(), false);
  std::vector<ValueId> replace(g.values.size());
  for (size_t i = 0; i < replace.size(); ++i) replace[i] = static_cast<ValueId>(i);
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    Node& n = g.nodes[i];
    for (ValueId& in : n.inputs)
      if (in != kNoValue) in = replace[static_cast<size_t>(in)];
    const bool identity = n.op == OpKind::kIdentity ||
                          (n.op == OpKind::kDropout && n.outputs.size() == 1 && n.inputs.size() == 1);
    if (!identity || n.inputs.empty() || n.inputs[0] == kNoValue) continue;
    const ValueId out = n.outputs[0];
    if (out == kNoValue || is_graph_output(g, out)) continue;
    replace[static_cast<size_t>(out)] = n.inputs[0];
    dead[i] = true;
    ++stats.identities_removed;
  }
  compact(g, dead);
  return Status::ok();
}

Status remove_dead_nodes(Graph& g, PassStats& stats) {
  if (has_subgraphs(g)) return Status::ok();  // bodies read outer values by name
  std::vector<bool> live_value(g.values.size(), false);
  for (ValueId o : g.outputs) live_value[static_cast<size_t>(o)] = true;
  for (const std::string& r : g.outer_refs)
    if (auto id = g.find(r)) live_value[static_cast<size_t>(*id)] = true;
  std::vector<bool> dead(g.nodes.size(), true);
  for (size_t k = g.nodes.size(); k-- > 0;) {
    const Node& n = g.nodes[k];
    bool live = false;
    for (ValueId o : n.outputs)
      if (o != kNoValue && live_value[static_cast<size_t>(o)]) live = true;
    if (!live) continue;
    dead[k] = false;
    for (ValueId in : n.inputs)
      if (in != kNoValue) live_value[static_cast<size_t>(in)] = true;
  }
  for (bool d : dead) stats.dead_removed += d ? 1 : 0;
  compact(g, dead);
  // Drop constants nothing reads any more, so they do not count as parameters or memory.
  for (size_t i = 0; i < g.values.size(); ++i)
    if (!live_value[i] && g.values[i].constant) g.values[i].constant.reset();
  return Status::ok();
}

}  // namespace sf::ir
