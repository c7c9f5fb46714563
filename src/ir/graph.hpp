// The IR: a Graph owns Values (named tensors: graph inputs, initializers, node outputs) and Nodes.
// Values are referred to by index (ValueId); an omitted optional input is kNoValue.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/dtype.hpp"
#include "core/shape.hpp"
#include "core/tensor.hpp"
#include "ir/attribute.hpp"
#include "ir/op_kind.hpp"

namespace sf::ir {

using ValueId = int32_t;
constexpr ValueId kNoValue = -1;

// What is known about a value before running: dtype, and shape if the rank is known
// (dims may be kUnknownDim).
struct TypeInfo {
  DType dtype = DType::kUndefined;
  std::optional<Shape> shape;
  std::string str() const;
};

struct Value {
  std::string name;
  TypeInfo type;
  int32_t producer = -1;            // node index, -1 for graph inputs and initializers
  std::optional<Tensor> constant;   // initializers and folded constants
};

struct Node {
  std::string name;
  OpKind op{};
  std::string domain;               // "" for the default ONNX domain
  int opset = 0;                    // version of the node's domain imported by the model
  std::vector<ValueId> inputs;
  std::vector<ValueId> outputs;
  AttrMap raw_attrs;
  std::shared_ptr<const OpAttrs> attrs;  // typed, set by the op's parse function

  template <typename A>
  const A& attrs_as() const {
    SF_ASSERT(attrs != nullptr);
    return static_cast<const A&>(*attrs);
  }
  bool has_input(size_t i) const { return i < inputs.size() && inputs[i] != kNoValue; }
  // "Conv 'layer1.0.conv1'" for messages.
  std::string label() const;
};

class Graph {
 public:
  std::vector<Value> values;
  std::vector<Node> nodes;          // topologically sorted once verified
  std::vector<ValueId> inputs;      // graph inputs that are not initializers
  std::vector<ValueId> outputs;
  std::string name;
  // Names of values from an enclosing graph used by a subgraph (If/Loop bodies).
  std::vector<std::string> outer_refs;

  Value& value(ValueId id) { return values[static_cast<size_t>(id)]; }
  const Value& value(ValueId id) const { return values[static_cast<size_t>(id)]; }
  std::optional<ValueId> find(const std::string& name) const;
  // Adds a value; fails on a duplicate name.
  Result<ValueId> add_value(const std::string& name);
  // Rebuilds the name index after values were edited.
  void reindex();
  // Number of parameters (elements of all initializers).
  int64_t parameter_count() const;

 private:
  std::unordered_map<std::string, ValueId> by_name_;
};

}  // namespace sf::ir
