// Fault injectors that attach to a run as observers (the ABFT demonstration, tests and campaigns;
// the fault-injection campaigns build on them):
//  - AccumulatorFaultObserver arms the BRGEMM accumulator fault hook (kernels/cpu/gemm/abft.hpp)
//    while one chosen node runs, so the run gets exactly one soft error inside that layer's GEMM,
//    before its checks: what ABFT is there to catch.
//  - OutputFaultObserver flips one bit of one element of a node's output after the node ran (and
//    after its checks): an error in stored activations. The checksums do not cover it by design
//    (a later layer's checks see the corrupted value as its input), so it measures propagation.
// Runs of other nodes are untouched.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "core/dtype.hpp"

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

class OutputFaultObserver : public RunObserver {
 public:
  // Bit `bit` (0 = least significant, of the element's little-endian bytes, so 0..31 for fp32) of
  // element `element` (row-major, taken modulo the output's size) of output `output` of node `node`.
  OutputFaultObserver(size_t node, size_t output, int64_t element, int bit)
      : node_(node), output_(output), element_(element), bit_(bit) {}
  Status after_node(size_t index, const ir::Node&, std::vector<Tensor>& outputs, double) override {
    if (index != node_ || output_ >= outputs.size()) return Status::ok();
    Tensor& t = outputs[output_];
    const size_t width = dtype_size(t.dtype());
    if (t.numel() <= 0 || width == 0 || bit_ < 0 || static_cast<size_t>(bit_) >= 8 * width)
      return Status::ok();
    element_ = ((element_ % t.numel()) + t.numel()) % t.numel();
    auto* bytes = static_cast<unsigned char*>(t.raw()) + static_cast<size_t>(element_) * width;
    std::memcpy(&before_, bytes, std::min(width, sizeof before_));
    bytes[bit_ / 8] ^= static_cast<unsigned char>(1u << (bit_ % 8));
    std::memcpy(&after_, bytes, std::min(width, sizeof after_));
    fired_ = true;
    return Status::ok();
  }
  bool fired() const { return fired_; }
  int64_t element() const { return element_; }  // the element hit (after the modulo)
  // The element's bytes before and after the flip (its first 8 bytes, zero-extended).
  uint64_t before() const { return before_; }
  uint64_t after() const { return after_; }

 private:
  size_t node_, output_;
  int64_t element_;
  int bit_;
  bool fired_ = false;
  uint64_t before_ = 0, after_ = 0;
};

}  // namespace sf::rt
