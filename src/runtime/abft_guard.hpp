// Protected execution of one node under its ABFT scheme (src/abft/README.md):
//   global / tile  the kernel checks itself and fills KernelContext::abft; a failed check (a global
//                  mismatch, or a tile the kernel's own retries could not clear) recomputes the
//                  layer, at most kLayerRetries times
//   dmr            the kernel runs twice and the output bytes are compared (kernels are
//                  deterministic, so fault-free runs are bit-identical); on a mismatch it runs
//                  again until a run matches an earlier one, at most kLayerRetries more times
// Every alarm becomes an event of the run report; a mismatch that survives the retries returns a
// detected-unrecoverable Status, so a corrupted result is never returned silently. The layer's
// inputs stay alive and unaliased while it runs (the memory plan never shares a node's input and
// output slots), so recomputation reads the same operands.
#pragma once

#include <functional>
#include <string>

#include "abft/scheme.hpp"
#include "core/status.hpp"
#include "kernels/cpu/gemm/abft.hpp"
#include "runtime/kernel_registry.hpp"

namespace sf::rt {

inline constexpr int kLayerRetries = 2;

// What the session decided for one node.
struct AbftNodePlan {
  abft::Scheme scheme = abft::Scheme::kNone;
  std::string reason;
  double intensity = 0;  // FLOP per compulsory byte (0: unknown)
};

// Runs `once` (the node's kernel on kctx) under `plan`; counts and events go to `stats` and
// `report` when given.
Status run_protected(KernelContext& kctx, const std::function<Status()>& once,
                     const AbftNodePlan& plan, abft::LayerStats* stats, abft::Report* report);

// Copies what the tile checks of one kernel run saw into its check result.
void report_tiles(const cpu::TileCheckLog& log, abft::CheckResult& r);

}  // namespace sf::rt
