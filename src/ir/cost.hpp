// Static cost of a node from inferred shapes: floating-point operations (a multiply-add counts
// as 2) and compulsory bytes (every input and output read or written once).
#pragma once

#include "ir/graph.hpp"

namespace sf::ir {

struct NodeCost {
  double flops = 0;   // -1 when shapes are not known statically
  double bytes = 0;   // -1 when shapes are not known statically
};

NodeCost node_cost(const Graph& g, const Node& n);

}  // namespace sf::ir
