// Per-node observers: the profiler, the ABFT checker and the fault injector attach to a run
// through this one interface (ARCHITECTURE.md), so the executor stays free of their logic.
#pragma once

#include <vector>

#include "core/status.hpp"
#include "core/tensor.hpp"
#include "ir/graph.hpp"

namespace sf::rt {

class RunObserver {
 public:
  virtual ~RunObserver() = default;
  // Before node `index` runs, with its inputs bound.
  virtual void before_node(size_t index, const ir::Node& node) {}
  // After it ran: its outputs (writable, so a fault injector may corrupt them) and the kernel's
  // wall time in seconds. A non-ok status stops the run with that error.
  virtual Status after_node(size_t index, const ir::Node& node, std::vector<Tensor>& outputs,
                            double seconds) {
    return Status::ok();
  }
};

}  // namespace sf::rt
