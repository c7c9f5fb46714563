// Static cost of a node from inferred shapes: floating-point operations (a multiply-add counts
// as 2) and compulsory bytes (every input, weights included, and every output read or written
// once). The profiler (runtime/profiler.hpp) uses the form on explicit types, filled with the
// shapes a run actually saw, so models with free dimensions are costed too.
#pragma once

#include <vector>

#include "ir/graph.hpp"

namespace sf::ir {

struct NodeCost {
  double flops = 0;   // -1 when shapes are not known statically
  double bytes = 0;   // -1 when shapes are not known statically
};

// From the graph's inferred types.
NodeCost node_cost(const Graph& g, const Node& n);
// From given types: in[i] / out[i] for node input / output i (nullptr for an omitted one).
NodeCost node_cost(const Node& n, const std::vector<const TypeInfo*>& in,
                   const std::vector<const TypeInfo*>& out);

}  // namespace sf::ir
