// Arms the BRGEMM accumulator fault hook (kernels/cpu/gemm/abft.hpp) while one chosen node runs,
// so a run gets exactly one injected soft error in that layer's GEMM (the ABFT demonstration and
// tests; the fault-injection campaigns build on it). Runs of other nodes are untouched.
#pragma once

#include "kernels/cpu/gemm/abft.hpp"
#include "runtime/observer.hpp"

namespace sf::rt {

class AccumulatorFaultObserver : public RunObserver {
 public:
  AccumulatorFaultObserver(size_t node, const cpu::AccumulatorFault& fault)
      : node_(node), fault_(fault) {}
  void before_node(size_t index, const ir::Node&) override {
    if (index == node_) cpu::fault_arm(fault_);
  }
  Status after_node(size_t index, const ir::Node&, std::vector<Tensor>&, double) override {
    if (index == node_) {
      fired_ = cpu::fault_fired();
      cpu::fault_disarm();
    }
    return Status::ok();
  }
  bool fired() const { return fired_; }

 private:
  size_t node_;
  cpu::AccumulatorFault fault_;
  bool fired_ = false;
};

}  // namespace sf::rt
