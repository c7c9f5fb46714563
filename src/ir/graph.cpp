#include "ir/graph.hpp"

namespace sf::ir {

std::string TypeInfo::str() const {
  return std::string(dtype_name(dtype)) + (shape ? shape_str(*shape) : std::string("[?]"));
}

std::string Node::label() const {
  std::string s = op_name(op);
  s += " '" + name + "'";
  return s;
}

std::optional<ValueId> Graph::find(const std::string& n) const {
  auto it = by_name_.find(n);
  if (it == by_name_.end()) return std::nullopt;
  return it->second;
}

Result<ValueId> Graph::add_value(const std::string& n) {
  if (by_name_.count(n)) return invalid_model("duplicate value name '" + n + "'");
  const auto id = static_cast<ValueId>(values.size());
  values.push_back(Value{n, {}, -1, std::nullopt});
  by_name_.emplace(n, id);
  return id;
}

void Graph::reindex() {
  by_name_.clear();
  for (size_t i = 0; i < values.size(); ++i) by_name_[values[i].name] = static_cast<ValueId>(i);
}

int64_t Graph::parameter_count() const {
  int64_t n = 0;
  for (const Value& v : values)
    if (v.constant && v.producer < 0) n += v.constant->numel();
  return n;
}

}  // namespace sf::ir
