#include <unordered_set>

#include "ir/passes/passes.hpp"

namespace sf::ir {

Status verify(const Graph& g) {
  std::unordered_set<std::string> names;
  for (const Value& v : g.values)
    if (!names.insert(v.name).second) return invalid_model("duplicate value name '" + v.name + "'");
  std::vector<bool> defined(g.values.size(), false);
  for (size_t i = 0; i < g.values.size(); ++i)
    if (g.values[i].constant && g.values[i].producer < 0) defined[i] = true;
  for (ValueId id : g.inputs) defined[static_cast<size_t>(id)] = true;
  for (const std::string& r : g.outer_refs)
    if (auto id = g.find(r)) defined[static_cast<size_t>(*id)] = true;
  for (size_t n = 0; n < g.nodes.size(); ++n) {
    const Node& node = g.nodes[n];
    for (ValueId in : node.inputs) {
      if (in == kNoValue) continue;
      if (in < 0 || static_cast<size_t>(in) >= g.values.size())
        return internal_error(node.label() + ": input id out of range");
      if (!defined[static_cast<size_t>(in)])
        return invalid_model(node.label() + ": input '" + g.value(in).name +
                             "' is used before it is defined (undefined value or cycle)");
    }
    for (ValueId out : node.outputs) {
      if (out == kNoValue) continue;
      if (g.value(out).producer != static_cast<int32_t>(n))
        return internal_error(node.label() + ": output '" + g.value(out).name +
                              "' has an inconsistent producer");
      if (defined[static_cast<size_t>(out)])
        return invalid_model(node.label() + ": output '" + g.value(out).name +
                             "' is defined twice");
      defined[static_cast<size_t>(out)] = true;
    }
  }
  for (ValueId out : g.outputs)
    if (!defined[static_cast<size_t>(out)])
      return invalid_model("graph output '" + g.value(out).name + "' is never defined");
  return Status::ok();
}

}  // namespace sf::ir
