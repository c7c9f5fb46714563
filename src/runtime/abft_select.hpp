// `--abft-select measured`: the intensity rule (abft.md §6) guesses which scheme is cheaper for a
// layer; measurement decides. For each GEMM-like layer shape this times the layer's fast kernel
// prepared with the global and with the tile scheme, on the layer's own constants and seeded
// random activations of its static shapes (best of a few alternating runs each), and keeps the
// faster. Choices are cached in <cache dir>/abft_select.json (the directory of machine.json),
// keyed by op, input and output shapes, thread count and ISA, so each shape is timed once per
// machine; a missing, unreadable or corrupt cache only means timing again.
#pragma once

#include <optional>
#include <string>

#include "core/status.hpp"
#include "ir/graph.hpp"
#include "runtime/abft_guard.hpp"
#include "runtime/exec_options.hpp"

namespace sf::rt {

struct MeasuredChoice {
  abft::Scheme scheme = abft::Scheme::kNone;
  double global_ms = 0, tile_ms = 0;
  bool from_cache = false;
};

// The faster of global and tile for node n, or nullopt when the node cannot be timed alone
// (free dimensions, no fast kernel implementing both schemes).
Result<std::optional<MeasuredChoice>> measure_abft_choice(const ir::Graph& g, const ir::Node& n,
                                                          const ExecOptions& opts);

}  // namespace sf::rt
