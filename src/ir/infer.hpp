// Graph-level type and shape inference: runs each node's InferFn in topological order with
// the constants known at load time, storing results on the output values.
#pragma once

#include "core/status.hpp"
#include "ir/graph.hpp"
#include "ir/op_schema.hpp"

namespace sf::ir {

// Builds the inference inputs of `node` from the values' static types and constants.
std::vector<InferInput> static_infer_inputs(const Graph& g, const Node& node);
Status infer_graph(Graph& g);

}  // namespace sf::ir
