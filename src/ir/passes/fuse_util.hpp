// Helpers shared by the fusion passes (fold_batchnorm, fuse_conv, fuse_matmul, fuse_patterns):
// a Rewriter that tracks who reads each value while nodes are replaced, and small queries on
// constants and static shapes. Internal to src/ir/passes.
//
// How a pass rewrites a chain a -> b -> c into one node f: it builds f with a's inputs (plus any
// extra operands) and c's outputs, puts it in c's slot (replace()) and kills a and b. Every
// input of f is defined before c's slot (a's inputs come before a; extra operands are read by
// b or c), so the node order stays topological and verify() keeps holding. A chain is only
// merged when every intermediate value has its chain successor as its only reader and is no
// graph output (sole_consumer()), so no other node loses a value.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/status.hpp"
#include "ir/graph.hpp"
#include "ir/passes/passes.hpp"

namespace sf::ir::fuse {

class Rewriter {
 public:
  explicit Rewriter(Graph& g);

  Graph& graph() { return g_; }
  const Graph& graph_const() const { return g_; }
  const Node& node(size_t i) const { return g_.nodes[i]; }
  size_t size() const { return g_.nodes.size(); }
  bool dead(size_t i) const { return dead_[i]; }

  // The live node that produces v, or -1 (graph input, constant, or none).
  int producer(ValueId v) const;
  // Live nodes reading v, one entry per read.
  const std::vector<int>& readers(ValueId v) const { return readers_[static_cast<size_t>(v)]; }
  bool is_graph_output(ValueId v) const;
  // The node that alone reads v, once, when v is no graph output; otherwise -1.
  int sole_consumer(ValueId v) const;

  // Puts `n` in slot `slot` (replacing the node there) and refreshes the readers.
  void replace(size_t slot, Node n);
  // Removes node i (it must no longer be needed by any live reader).
  void kill(size_t i);
  // A new constant value named after `base` (made unique).
  ValueId add_constant(const std::string& base, Tensor t);

  // Drops killed nodes and renumbers producers; killed nodes' outputs become unused values, and
  // constants read before the rewrite but by no node now are dropped.
  void finish();

 private:
  void rebuild();
  Graph& g_;
  std::vector<bool> dead_;
  std::vector<std::vector<int>> readers_;
  std::vector<bool> output_;
  std::vector<bool> read_before_;  // per value present at construction: read by some node
};

// The other operand of binary node n when one of its inputs is v (v itself for n(v, v)), or
// kNoValue.
ValueId other_operand(const Node& n, ValueId v);
// v's sole consumer (Rewriter::sole_consumer) when it is an `op` node, or nullptr.
const Node* sole_consumer_node(const Rewriter& rw, ValueId v, OpKind op);
// The slot of a node reference obtained from rw.
int slot_of(const Rewriter& rw, const Node* n);
// Puts `fused` in the slot of chain.back() (the chain's latest node) and kills the others.
Status replace_chain(Rewriter& rw, const std::vector<int>& chain, Node fused);
// Softmax in `slot` as the middle of scaled dot-product attention (fuse_attention.cpp).
Status match_attention(Rewriter& rw, size_t slot, PassStats& stats);

// True when g has nodes with subgraph bodies: the passes then leave it alone (bodies read
// outer values by name, which the reader counts cannot see).
bool has_subgraphs(const Graph& g);

// The constant tensor of v, or nullptr.
const Tensor* constant_of(const Graph& g, ValueId v);
// The value of a one-element float constant (any rank), or nullopt.
std::optional<double> scalar_constant(const Graph& g, ValueId v);
// True when v is a one-element float constant within rel 1e-5 of `want`.
bool is_scalar(const Graph& g, ValueId v, double want);
// v's shape when fully known, or nullopt.
std::optional<Shape> static_shape(const Graph& g, ValueId v);
bool is_f32(const Graph& g, ValueId v);

// A node of `op` named `name` (opset given), parsed from `attrs`; internal ops get the
// "steadfast" domain.
Result<Node> make_node(OpKind op, const std::string& name, int opset, std::vector<ValueId> inputs,
                       std::vector<ValueId> outputs, AttrMap attrs = {});

// Epilogue absorption shared by fuse_conv and fuse_matmul (fuse_epilogue.cpp). The node in
// `slot` is a FusedConv or FusedMatMul without activation; absorbs, in this order, a following
// residual Add (the other operand of the output's exact static shape, when the node has no
// residual yet) and a following activation (Relu, Clip with constant bounds, LeakyRelu, Sigmoid,
// Tanh, HardSigmoid, HardSwish, Gelu, and x * Sigmoid(x)), each only when the intermediate value
// has no other reader and is no graph output.
Status absorb_epilogue(Rewriter& rw, size_t slot, PassStats& stats);

Attribute int_attr(int64_t v);
Attribute float_attr(float v);
Attribute string_attr(const std::string& v);

}  // namespace sf::ir::fuse
