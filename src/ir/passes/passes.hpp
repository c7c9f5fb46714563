// Graph rewrites. Each pass keeps the graph valid (verify() holds before and after).
#pragma once

#include <functional>
#include <vector>

#include "core/status.hpp"
#include "ir/graph.hpp"

namespace sf::ir {

// Evaluates one node on constant inputs (provided by the runtime's reference kernels).
using ConstEvalFn =
    std::function<Result<std::vector<Tensor>>(const Node& node, const std::vector<const Tensor*>& in)>;

struct PassStats {
  int folded = 0;
  int identities_removed = 0;
  int dead_removed = 0;
};

// Replaces nodes whose inputs are all constant by their results (skipping results larger than
// `max_folded_bytes`, which would only grow the model).
Status fold_constants(Graph& g, const ConstEvalFn& eval, int64_t max_folded_bytes, PassStats& stats);
// Bypasses Identity nodes (and Dropout in inference mode with no mask output).
Status remove_identities(Graph& g, PassStats& stats);
// Removes nodes none of whose outputs reach a graph output, then unused values.
Status remove_dead_nodes(Graph& g, PassStats& stats);
// Structural checks: defined inputs, producers consistent, no cycles (nodes sorted), unique names.
Status verify(const Graph& g);

}  // namespace sf::ir
