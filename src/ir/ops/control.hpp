// Typed attributes of the control-flow ops (If, Loop, Scan).
//
// Bodies read values of enclosing graphs by name. bind_subgraph_outer_refs() (ir/passes) turns
// those reads into trailing inputs of the node: inputs [0, formal_inputs) are the op's own, the
// rest are the values named by subgraph_outer_names(node), in that order.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "ir/attribute.hpp"
#include "ir/graph.hpp"

namespace sf::ir {

struct IfAttrs : OpAttrs {
  std::shared_ptr<Graph> then_branch, else_branch;
  size_t formal_inputs = 1;  // cond
};

// Loop: inputs M (trip count), cond, v_initial[N]; body inputs (iteration, cond, v[N]); body
// outputs (cond, v[N], scan[K]); node outputs (v_final[N], scan_stacked[K]).
struct LoopAttrs : OpAttrs {
  std::shared_ptr<Graph> body;
  size_t formal_inputs = 2;
  size_t num_carried = 0;       // N
  size_t num_scan_outputs = 0;  // K
};

// Scan: inputs (sequence_lens when opset 8) state[N], scan_input[M]; body inputs (state[N],
// slice[M]); body outputs (state[N], scan_output[K]); node outputs (state_final[N], scan[K]). Opset
// 8 has a batch axis 0 on every input and output and scans axis 1.
struct ScanAttrs : OpAttrs {
  std::shared_ptr<Graph> body;
  bool batched = false;  // opset 8
  size_t formal_inputs = 0;
  size_t num_states = 0;                   // N
  size_t num_scan_inputs = 0;              // M
  size_t num_scan_outputs = 0;             // K
  std::vector<int64_t> input_axes;         // M entries, not yet normalised (rank known later)
  std::vector<int64_t> input_directions;   // M entries, 0 forward, 1 reverse
  std::vector<int64_t> output_axes;        // K entries, not yet normalised
  std::vector<int64_t> output_directions;  // K entries
};

}  // namespace sf::ir
