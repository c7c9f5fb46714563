#include "ir/passes/fuse_util.hpp"

#include <cmath>
#include <utility>

#include "ir/op_schema.hpp"

namespace sf::ir::fuse {

Rewriter::Rewriter(Graph& g) : g_(g), dead_(g.nodes.size(), false) {
  rebuild();
  read_before_.resize(g_.values.size());
  for (size_t v = 0; v < g_.values.size(); ++v) read_before_[v] = !readers_[v].empty();
}

void Rewriter::rebuild() {
  readers_.assign(g_.values.size(), {});
  output_.assign(g_.values.size(), false);
  for (ValueId o : g_.outputs) output_[static_cast<size_t>(o)] = true;
  for (size_t i = 0; i < g_.nodes.size(); ++i) {
    if (dead_[i]) continue;
    for (ValueId in : g_.nodes[i].inputs)
      if (in != kNoValue) readers_[static_cast<size_t>(in)].push_back(static_cast<int>(i));
  }
}

int Rewriter::producer(ValueId v) const {
  if (v == kNoValue) return -1;
  const int32_t p = g_.value(v).producer;
  if (p < 0 || dead_[static_cast<size_t>(p)]) return -1;
  return p;
}

bool Rewriter::is_graph_output(ValueId v) const { return output_[static_cast<size_t>(v)]; }

int Rewriter::sole_consumer(ValueId v) const {
  if (v == kNoValue || is_graph_output(v)) return -1;
  const auto& r = readers_[static_cast<size_t>(v)];
  return r.size() == 1 ? r[0] : -1;
}

void Rewriter::replace(size_t slot, Node n) {
  for (ValueId o : n.outputs)
    if (o != kNoValue) g_.value(o).producer = static_cast<int32_t>(slot);
  g_.nodes[slot] = std::move(n);
  dead_[slot] = false;
  rebuild();
}

void Rewriter::kill(size_t i) {
  dead_[i] = true;
  for (ValueId o : g_.nodes[i].outputs)
    if (o != kNoValue && g_.value(o).producer == static_cast<int32_t>(i)) g_.value(o).producer = -1;
  rebuild();
}

ValueId Rewriter::add_constant(const std::string& base, Tensor t) {
  std::string name = base;
  for (int k = 1; g_.find(name); ++k) name = base + "_" + std::to_string(k);
  const ValueId id = g_.add_value(name).value();  // the name is unused: cannot fail
  g_.value(id).type = TypeInfo{t.dtype(), t.shape()};
  g_.value(id).constant = std::move(t);
  readers_.emplace_back();
  output_.push_back(false);
  return id;
}

void Rewriter::finish() {
  std::vector<Node> kept;
  kept.reserve(g_.nodes.size());
  for (size_t i = 0; i < g_.nodes.size(); ++i)
    if (!dead_[i]) kept.push_back(std::move(g_.nodes[i]));
  g_.nodes = std::move(kept);
  for (Value& v : g_.values) v.producer = -1;
  for (size_t i = 0; i < g_.nodes.size(); ++i)
    for (ValueId o : g_.nodes[i].outputs)
      if (o != kNoValue) g_.value(o).producer = static_cast<int32_t>(i);
  dead_.assign(g_.nodes.size(), false);
  rebuild();
  // Constants that only the replaced nodes read (BatchNorm parameters, a Conv's original W)
  // would otherwise still count as parameters and memory.
  for (size_t v = 0; v < read_before_.size(); ++v) {
    Value& val = g_.values[v];
    if (read_before_[v] && readers_[v].empty() && !output_[v] && val.constant && val.producer < 0)
      val.constant.reset();
  }
}

ValueId other_operand(const Node& n, ValueId v) {
  if (n.inputs.size() != 2) return kNoValue;
  if (n.inputs[0] == v) return n.inputs[1];
  if (n.inputs[1] == v) return n.inputs[0];
  return kNoValue;
}

const Node* sole_consumer_node(const Rewriter& rw, ValueId v, OpKind op) {
  const int c = rw.sole_consumer(v);
  if (c < 0 || rw.node(static_cast<size_t>(c)).op != op) return nullptr;
  return &rw.node(static_cast<size_t>(c));
}

int slot_of(const Rewriter& rw, const Node* n) { return static_cast<int>(n - &rw.node(0)); }

Status replace_chain(Rewriter& rw, const std::vector<int>& chain, Node fused) {
  const size_t last = static_cast<size_t>(chain.back());
  rw.replace(last, std::move(fused));
  for (size_t k = 0; k + 1 < chain.size(); ++k) rw.kill(static_cast<size_t>(chain[k]));
  return Status::ok();
}

bool has_subgraphs(const Graph& g) {
  for (const Node& n : g.nodes)
    for (const auto& [name, a] : n.raw_attrs)
      if (a.kind == Attribute::Kind::kGraph) return true;
  return false;
}

const Tensor* constant_of(const Graph& g, ValueId v) {
  if (v == kNoValue || !g.value(v).constant) return nullptr;
  return &*g.value(v).constant;
}

std::optional<double> scalar_constant(const Graph& g, ValueId v) {
  const Tensor* t = constant_of(g, v);
  if (!t || t->numel() != 1 || !dtype_is_float(t->dtype())) return std::nullopt;
  return t->double_at(0);
}

bool is_scalar(const Graph& g, ValueId v, double want) {
  const auto s = scalar_constant(g, v);
  return s && std::fabs(*s - want) <= 1e-5 * std::fabs(want);
}

std::optional<Shape> static_shape(const Graph& g, ValueId v) {
  if (v == kNoValue) return std::nullopt;
  const TypeInfo& t = g.value(v).type;
  if (!t.shape || !shape_is_static(*t.shape)) return std::nullopt;
  return *t.shape;
}

bool is_f32(const Graph& g, ValueId v) {
  return v != kNoValue && g.value(v).type.dtype == DType::kF32;
}

Result<Node> make_node(OpKind op, const std::string& name, int opset, std::vector<ValueId> inputs,
                       std::vector<ValueId> outputs, AttrMap attrs) {
  Node n;
  n.name = name;
  n.op = op;
  n.domain = op_is_internal(op) ? kInternalDomain : "";
  n.opset = opset;
  n.inputs = std::move(inputs);
  n.outputs = std::move(outputs);
  n.raw_attrs = std::move(attrs);
  SF_TRY(parse_node(n));
  return n;
}

Attribute int_attr(int64_t v) {
  Attribute a;
  a.kind = Attribute::Kind::kInt;
  a.i = v;
  return a;
}

Attribute float_attr(float v) {
  Attribute a;
  a.kind = Attribute::Kind::kFloat;
  a.f = v;
  return a;
}

Attribute string_attr(const std::string& v) {
  Attribute a;
  a.kind = Attribute::Kind::kString;
  a.s = v;
  return a;
}

}  // namespace sf::ir::fuse
