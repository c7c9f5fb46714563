// OpSchema: what the IR knows about each op: arity, supported opsets, how to parse typed
// attributes and how to infer output types. The same inference runs at load time (with the
// constants known then) and at run time (with every input's value), so shapes have one source.
#pragma once

#include <string>
#include <vector>

#include "core/status.hpp"
#include "ir/graph.hpp"

namespace sf::ir {

// The default-domain opsets steadfast accepts.
constexpr int kMinOpset = 1;
constexpr int kMaxOpset = 17;

struct InferInput {
  bool present = false;
  DType dtype = DType::kUndefined;
  std::optional<Shape> shape;   // nullopt: rank unknown
  const Tensor* value = nullptr;  // known value (constant at load time; always at run time)
};

class InferContext {
 public:
  InferContext(const Node& n, std::vector<InferInput> inputs)
      : node(n), in(std::move(inputs)), out(n.outputs.size()) {}

  const Node& node;
  std::vector<InferInput> in;
  std::vector<TypeInfo> out;

  size_t num_inputs() const { return in.size(); }
  bool has(size_t i) const { return i < in.size() && in[i].present; }
  DType dtype(size_t i) const { return in[i].dtype; }
  // True when input i's shape (rank and every dim) is known.
  bool shape_known(size_t i) const { return has(i) && in[i].shape && shape_is_static(*in[i].shape); }
  bool rank_known(size_t i) const { return has(i) && in[i].shape.has_value(); }
  const Shape& shape(size_t i) const { return *in[i].shape; }
  int64_t rank(size_t i) const { return static_cast<int64_t>(in[i].shape->size()); }
  const Tensor* value(size_t i) const { return has(i) ? in[i].value : nullptr; }

  void set_output(size_t i, DType dtype, std::optional<Shape> shape) {
    if (i < out.size()) out[i] = TypeInfo{dtype, std::move(shape)};
  }
  // An InvalidModel status naming the node: "Conv 'c1': <what>".
  Status error(const std::string& what) const { return invalid_model(node.label() + ": " + what); }
  Status unsupported_here(const std::string& what) const {
    return unsupported(node.label() + ": " + what);
  }
  // Checks input i's dtype is one of `allowed`.
  Status expect_dtype(size_t i, std::initializer_list<DType> allowed) const;
  // Checks input i's rank is in [lo, hi] when known.
  Status expect_rank(size_t i, int64_t lo, int64_t hi) const;
};

using ParseFn = Status (*)(Node& node);       // fills node.attrs from node.raw_attrs
using InferFn = Status (*)(InferContext& ctx);

struct OpSchema {
  int min_inputs = 0, max_inputs = 0;
  int min_outputs = 1, max_outputs = 1;
  int min_opset = kMinOpset;  // oldest version of the op's semantics handled
  int max_opset = kMaxOpset;
  ParseFn parse = nullptr;    // may be null: no attributes
  InferFn infer = nullptr;
  // Variadic ops (Sum, Concat, Einsum, ...): any number of inputs, none of them may be omitted.
  bool variadic = false;
};

// The registered schema of `op`, or nullptr if steadfast does not implement it.
const OpSchema* find_schema(OpKind op);
// Used by the family files (src/ir/ops/<family>.cpp) through register_all_schemas().
void register_schema(OpKind op, const OpSchema& schema);

// Parses attributes and checks arity/opset of one node against its schema.
Status parse_node(Node& node);
// Runs inference for one node.
Status infer_node(InferContext& ctx);

}  // namespace sf::ir
