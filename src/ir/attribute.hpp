// Attributes as read from a model file, before an op turns them into its typed struct.
// Op files read them only through AttrReader, which names the node on every error.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/status.hpp"
#include "core/tensor.hpp"

namespace sf::ir {

class Graph;
struct Node;

struct Attribute {
  enum class Kind { kInt, kFloat, kString, kInts, kFloats, kStrings, kTensor, kGraph, kOther };
  Kind kind = Kind::kOther;
  int64_t i = 0;
  float f = 0;
  std::string s;
  std::vector<int64_t> ints;
  std::vector<float> floats;
  std::vector<std::string> strings;
  Tensor t;
  std::shared_ptr<Graph> g;
};

const char* attr_kind_name(Attribute::Kind k);

using AttrMap = std::map<std::string, Attribute>;

// Base of every op's typed attribute struct (see src/ir/ops/*.hpp).
struct OpAttrs {
  virtual ~OpAttrs() = default;
};

// Typed, validated access to a node's raw attributes.
class AttrReader {
 public:
  explicit AttrReader(const Node& node) : node_(node) {}
  bool has(const std::string& name) const;
  Result<int64_t> get_int(const std::string& name, int64_t def) const;
  Result<int64_t> req_int(const std::string& name) const;
  Result<float> get_float(const std::string& name, float def) const;
  Result<float> req_float(const std::string& name) const;
  Result<std::string> get_string(const std::string& name, const std::string& def) const;
  Result<std::vector<int64_t>> get_ints(const std::string& name,
                                        const std::vector<int64_t>& def = {}) const;
  Result<std::vector<int64_t>> req_ints(const std::string& name) const;
  Result<std::vector<float>> get_floats(const std::string& name,
                                        const std::vector<float>& def = {}) const;
  Result<std::vector<std::string>> get_strings(const std::string& name) const;
  Result<Tensor> req_tensor(const std::string& name) const;
  Result<std::shared_ptr<Graph>> req_graph(const std::string& name) const;
  // An error about attribute `name` of this node.
  Status error(const std::string& name, const std::string& what) const;

 private:
  Result<const Attribute*> find(const std::string& name, Attribute::Kind kind, bool required) const;
  const Node& node_;
};

}  // namespace sf::ir
