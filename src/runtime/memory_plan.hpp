// Memory planning: every intermediate value whose shape is static at load time gets a slot in
// one arena, and values whose lifetimes do not overlap share bytes. Lifetime of a value = [the
// index of its producer, the index of its last reader]; graph outputs and constants stay out of
// the arena (outputs are handed to the caller, constants live in the graph). Placement is greedy
// by size, largest first, each at the lowest 64-byte-aligned offset that does not overlap an
// already placed value with an overlapping lifetime (the TFLite/ORT "greedy by size" planner),
// which is within a few percent of the lower bound max_t(sum of live bytes) on CNNs/transformers.
#pragma once

#include <cstdint>
#include <vector>

#include "ir/graph.hpp"

namespace sf::rt {

struct MemoryPlan {
  static constexpr int64_t kNotPlanned = -1;
  std::vector<int64_t> offset;   // per value id: byte offset in the arena, or kNotPlanned
  int64_t arena_bytes = 0;       // the arena: peak activation bytes with reuse
  int64_t unshared_bytes = 0;    // sum of the planned values' sizes (no reuse)
  int64_t live_lower_bound = 0;  // max over nodes of the bytes live at once
  int planned_values = 0;
};

// `last_use[v]` is the index of the last node reading value v (-1: none; INT64_MAX: graph output).
MemoryPlan plan_memory(const ir::Graph& g, const std::vector<int64_t>& last_use);

}  // namespace sf::rt
