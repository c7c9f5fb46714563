// Helpers for the fast-kernel tests: random fp32 tensors and a one-node session that runs either
// the fast kernels (with a thread count) or the reference kernels only.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "core/cpu_features.hpp"
#include "ir/op_schema.hpp"
#include "runtime/fast_ops/conv.hpp"
#include "runtime/session.hpp"

namespace sf::test {

// The fast-conv spec of a FusedConv 'fused' with a k x k kernel, the same stride and pad on
// every side, `group` groups, C -> M channels and activation `act`.
inline rt::ConvFastSpec square_conv_spec(int64_t c, int64_t m, int64_t k, int64_t stride,
                                         int64_t pad, int64_t group, const ActivationSpec& act,
                                         bool channels_last) {
  rt::ConvFastSpec spec;
  spec.label = "FusedConv 'fused'";
  spec.attrs.kernel_shape = {k, k};
  spec.attrs.strides = {stride, stride};
  spec.attrs.pads = {pad, pad, pad, pad};
  spec.attrs.group = group;
  spec.out_c = m;
  spec.in_per_group = c / group;
  spec.kernel_h = spec.kernel_w = k;
  spec.act = act;
  spec.channels_last = channels_last;
  return spec;
}

// The node behind square_conv_spec: 'fused', inputs X, W, B, R (value ids 0-3), one output, for
// kernels run directly on a KernelContext.
inline ir::Node fused_conv_node() {
  ir::Node node;
  node.name = "fused";
  node.op = ir::OpKind::kConv;
  node.inputs = {0, 1, 2, 3};
  node.outputs = {4};
  return node;
}

inline Tensor random_f32(const Shape& s, uint32_t seed, float lo = -1.0f, float hi = 1.0f) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  Tensor t = Tensor::make(DType::kF32, s).value();
  for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = dist(gen);
  return t;
}

// A tensor of any dtype filled with random bytes (for kernels that only move data).
inline Tensor random_bits(DType dt, const Shape& s, uint32_t seed) {
  Tensor t = Tensor::make(dt, s).value();
  std::mt19937 gen(seed);
  auto* p = static_cast<unsigned char*>(t.raw());
  for (size_t i = 0; i < t.nbytes(); ++i) p[i] = static_cast<unsigned char>(gen());
  return t;
}

inline bool same_bytes(const Tensor& a, const Tensor& b) {
  return a.dtype() == b.dtype() && a.shape() == b.shape() && a.nbytes() == b.nbytes() &&
         std::memcmp(a.raw(), b.raw(), a.nbytes()) == 0;
}

// Two runs' outputs agree bit for bit, name for name.
inline bool same_outputs(const rt::NamedTensors& a, const rt::NamedTensors& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i].first != b[i].first || !same_bytes(a[i].second, b[i].second)) return false;
  return true;
}

struct OneNodeResult {
  Tensor out;
  std::string kernel;  // the chosen kernel's name ("ref" for the reference)
};

// A graph with one node `op` (opset, attrs, named "n1") whose inputs are `inputs` (graph inputs
// named in0, in1, ...; a tensor in `constants` at the same index is an initializer instead),
// with the feeds for its graph inputs; nullptr when the node does not parse.
inline std::unique_ptr<ir::Graph> one_node_graph(ir::OpKind op, int opset, ir::AttrMap attrs,
                                                 const std::vector<Tensor>& inputs,
                                                 const std::vector<bool>& constant,
                                                 rt::NamedTensors& feeds) {
  auto g = std::make_unique<ir::Graph>();
  ir::Node n;
  n.name = "n1";
  n.op = op;
  n.opset = opset;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const std::string name = "in" + std::to_string(i);
    const ir::ValueId id = g->add_value(name).value();
    g->value(id).type = {inputs[i].dtype(), inputs[i].shape()};
    if (i < constant.size() && constant[i]) {
      g->value(id).constant = inputs[i];
    } else {
      g->inputs.push_back(id);
      feeds.emplace_back(name, inputs[i]);
    }
    n.inputs.push_back(id);
  }
  const ir::ValueId out = g->add_value("out").value();
  g->value(out).producer = 0;
  n.outputs = {out};
  n.raw_attrs = std::move(attrs);
  const Status parsed = ir::parse_node(n);
  EXPECT_TRUE(parsed.is_ok()) << parsed.to_string();
  if (!parsed.is_ok()) return nullptr;
  g->nodes.push_back(std::move(n));
  g->outputs = {out};
  return g;
}

// Runs one_node_graph and returns output 0. fast = false: reference kernels only.
inline OneNodeResult run_one_node(ir::OpKind op, int opset, ir::AttrMap attrs,
                                  const std::vector<Tensor>& inputs, bool fast, int threads,
                                  const std::vector<bool>& constant = {}) {
  rt::NamedTensors feeds;
  auto g = one_node_graph(op, opset, std::move(attrs), inputs, constant, feeds);
  if (!g) return {};
  rt::SessionOptions opts;
  opts.threads = threads;
  opts.optimize = false;
  opts.exec.fast_kernels = fast;
  auto s = rt::Session::from_graph(std::move(g), opts);
  EXPECT_TRUE(s.is_ok()) << s.status().to_string();
  if (!s.is_ok()) return {};
  auto r = (*s)->run(feeds);
  EXPECT_TRUE(r.is_ok()) << r.status().to_string();
  if (!r.is_ok()) return {};
  return {std::move((*r)[0].second), (*s)->kernel_name(0)};
}

// Caps max_isa() for one scope (tests walk every level the CPU has).
class IsaCap {
 public:
  explicit IsaCap(Isa cap) { set_max_isa_for_testing(static_cast<int>(cap)); }
  ~IsaCap() { set_max_isa_for_testing(-1); }
  IsaCap(const IsaCap&) = delete;
  IsaCap& operator=(const IsaCap&) = delete;
};

inline bool cpu_has(Isa isa) { return static_cast<int>(isa) <= static_cast<int>(detected_isa()); }

inline bool bit_equal(const Tensor& a, const Tensor& b) {
  if (a.shape() != b.shape() || a.dtype() != b.dtype()) return false;
  for (int64_t i = 0; i < a.numel(); ++i)
    if (std::memcmp(a.data<float>() + i, b.data<float>() + i, sizeof(float)) != 0) return false;
  return true;
}

}  // namespace sf::test
