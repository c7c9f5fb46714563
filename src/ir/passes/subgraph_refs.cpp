// bind_subgraph_outer_refs: turns the by-name reads of subgraph bodies into explicit node inputs.
//
// A body (If branch, Loop/Scan body) may read any value of its enclosing graphs by name. The loader
// records the names a body's own nodes read in `Graph::outer_refs`, but the owning node does not
// list them as inputs, so the executor would neither pass them to the kernel nor keep them alive.
// This pass appends them as trailing inputs of the owning node (names from subgraph_outer_names(),
// in order), nested bodies first so that a value read two levels down also becomes an outer
// reference of the body in between.
#include <queue>
#include <unordered_set>

#include "ir/op_schema.hpp"
#include "ir/passes/passes.hpp"

namespace sf::ir {

std::vector<std::string> subgraph_outer_names(const Node& node) {
  std::vector<std::string> names;
  std::unordered_set<std::string> seen;
  for (const auto& [attr_name, a] : node.raw_attrs) {  // std::map: attribute-name order
    if (a.kind != Attribute::Kind::kGraph || !a.g) continue;
    for (const std::string& r : a.g->outer_refs)
      if (seen.insert(r).second) names.push_back(r);
  }
  return names;
}

namespace {

// Re-sorts g.nodes topologically if some input is produced by a later node, keeping the original
// order wherever possible (Kahn's algorithm, lowest original index first).
Status restore_topological_order(Graph& g) {
  bool sorted = true;
  for (size_t i = 0; i < g.nodes.size() && sorted; ++i)
    for (ValueId v : g.nodes[i].inputs)
      if (v != kNoValue && g.value(v).producer >= static_cast<int32_t>(i)) sorted = false;
  if (sorted) return Status::ok();
  const size_t n = g.nodes.size();
  std::vector<int> indeg(n, 0);
  std::vector<std::vector<size_t>> users(n);
  for (size_t i = 0; i < n; ++i)
    for (ValueId v : g.nodes[i].inputs) {
      if (v == kNoValue) continue;
      const int32_t p = g.value(v).producer;
      if (p >= 0) {
        ++indeg[i];
        users[static_cast<size_t>(p)].push_back(i);
      }
    }
  std::priority_queue<size_t, std::vector<size_t>, std::greater<>> ready;
  for (size_t i = 0; i < n; ++i)
    if (indeg[i] == 0) ready.push(i);
  std::vector<size_t> order;
  order.reserve(n);
  while (!ready.empty()) {
    const size_t k = ready.top();
    ready.pop();
    order.push_back(k);
    for (size_t u : users[k])
      if (--indeg[u] == 0) ready.push(u);
  }
  if (order.size() != n) {
    for (size_t i = 0; i < n; ++i)
      if (indeg[i] > 0)
        return invalid_model("graph '" + g.name + "' has a cycle through a subgraph: " +
                             g.nodes[i].label() + " (directly or indirectly) reads its own output");
  }
  std::vector<Node> nodes;
  nodes.reserve(n);
  for (size_t k : order) nodes.push_back(std::move(g.nodes[k]));
  g.nodes = std::move(nodes);
  for (Value& v : g.values) v.producer = -1;
  for (size_t i = 0; i < n; ++i)
    for (ValueId o : g.nodes[i].outputs)
      if (o != kNoValue) g.value(o).producer = static_cast<int32_t>(i);
  return Status::ok();
}

Status bind_graph(Graph& g, bool is_root) {
  bool changed = false;
  for (Node& node : g.nodes) {
    bool has_body = false;
    for (auto& [attr_name, a] : node.raw_attrs)
      if (a.kind == Attribute::Kind::kGraph && a.g) {
        has_body = true;
        // Copies of a Graph share their bodies: edit a private copy.
        a.g = std::make_shared<Graph>(*a.g);
        SF_TRY(bind_graph(*a.g, false));
      }
    if (!has_body) continue;
    for (const std::string& name : subgraph_outer_names(node)) {
      std::optional<ValueId> id = g.find(name);
      if (!id) {
        // Defined further out: this graph reads it from its own enclosing scope.
        if (is_root)
          return invalid_model(node.label() + ": a subgraph reads '" + name +
                               "', which no enclosing graph defines");
        SF_ASSIGN_OR_RETURN(ValueId added, g.add_value(name));
        g.outer_refs.push_back(name);
        id = added;
      }
      node.inputs.push_back(*id);
      changed = true;
    }
    SF_TRY(parse_node(node));  // the typed attributes must point at the copied bodies
  }
  return changed ? restore_topological_order(g) : Status::ok();
}

}  // namespace

Status bind_subgraph_outer_refs(Graph& root) { return bind_graph(root, true); }

}  // namespace sf::ir
