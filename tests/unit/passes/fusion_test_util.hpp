// Helpers of the fusion pass tests: a graph builder, seeded inputs, and check(), which loads a
// graph with exec.fuse on and off, checks the fused node kinds and compares the outputs.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "ir/op_schema.hpp"
#include "ir/ops/fused.hpp"
#include "runtime/session.hpp"
#include "tests/unit/op_test_util.hpp"

namespace sf::fusion_test {

using ir::Attribute;
using ir::OpKind;
using ir::ValueId;

inline Tensor random_tensor(const Shape& shape, uint32_t seed, float lo = -1.0f, float hi = 1.0f) {
  return test::lcg_tensor(shape, seed, 7, lo, hi);
}

inline Tensor scalar(float v) {
  Tensor t = Tensor::make(DType::kF32, {}).value();
  t.data<float>()[0] = v;
  return t;
}

inline Attribute ints(std::vector<int64_t> v) {
  Attribute a;
  a.kind = Attribute::Kind::kInts;
  a.ints = std::move(v);
  return a;
}
inline Attribute int1(int64_t v) {
  Attribute a;
  a.kind = Attribute::Kind::kInt;
  a.i = v;
  return a;
}
inline Attribute float1(float v) {
  Attribute a;
  a.kind = Attribute::Kind::kFloat;
  a.f = v;
  return a;
}

// Builds a graph node by node (opset 13 unless given).
class Builder {
 public:
  Builder() : g_(std::make_unique<ir::Graph>()) {}
  ValueId input(const std::string& name, const Shape& shape) {
    const ValueId v = g_->add_value(name).value();
    g_->value(v).type = {DType::kF32, shape};
    g_->inputs.push_back(v);
    return v;
  }
  ValueId constant(const std::string& name, Tensor t) {
    const ValueId v = g_->add_value(name).value();
    g_->value(v).type = {t.dtype(), t.shape()};
    g_->value(v).constant = std::move(t);
    return v;
  }
  ValueId node(OpKind op, std::vector<ValueId> in, ir::AttrMap attrs = {}, int opset = 13) {
    ir::Node n;
    n.name = std::string(ir::op_name(op)) + "_" + std::to_string(g_->nodes.size());
    n.op = op;
    n.opset = opset;
    n.inputs = std::move(in);
    n.raw_attrs = std::move(attrs);
    const ValueId o = g_->add_value(n.name + "_out").value();
    g_->value(o).producer = static_cast<int32_t>(g_->nodes.size());
    n.outputs = {o};
    const Status st = ir::parse_node(n);
    EXPECT_TRUE(st.is_ok()) << st.to_string();
    g_->nodes.push_back(std::move(n));
    return o;
  }
  void output(ValueId v) { g_->outputs.push_back(v); }
  std::unique_ptr<ir::Graph> take() { return std::move(g_); }

 private:
  std::unique_ptr<ir::Graph> g_;
};

struct Case {
  std::function<std::unique_ptr<ir::Graph>()> make;
  rt::NamedTensors inputs;
};

// Loads the case fused and unfused, checks the fused node kinds and that every output agrees
// within rel_tol * (1 + |want|). Returns the fused session for further checks.
inline std::unique_ptr<rt::Session> check(const Case& c, const std::vector<OpKind>& want_ops,
                                          double rel_tol = 1e-5) {
  rt::SessionOptions plain;
  plain.exec.fuse = false;
  auto unfused = rt::Session::from_graph(c.make(), plain);
  EXPECT_TRUE(unfused.is_ok()) << unfused.status().to_string();
  auto fused = rt::Session::from_graph(c.make(), rt::SessionOptions{});
  EXPECT_TRUE(fused.is_ok()) << fused.status().to_string();
  if (!unfused.is_ok() || !fused.is_ok()) return nullptr;
  std::vector<OpKind> ops;
  std::string names;
  for (const ir::Node& n : (*fused)->graph().nodes) {
    ops.push_back(n.op);
    names += std::string(ir::op_name(n.op)) + " ";
  }
  EXPECT_EQ(ops, want_ops) << "fused graph: " << names;
  auto want = (*unfused)->run(c.inputs);
  auto got = (*fused)->run(c.inputs);
  EXPECT_TRUE(want.is_ok()) << want.status().to_string();
  EXPECT_TRUE(got.is_ok()) << got.status().to_string();
  if (!want.is_ok() || !got.is_ok()) return nullptr;
  EXPECT_EQ(want->size(), got->size());
  for (size_t o = 0; o < want->size() && o < got->size(); ++o) {
    const Tensor& w = (*want)[o].second;
    const Tensor& f = (*got)[o].second;
    EXPECT_EQ(w.shape(), f.shape());
    if (w.shape() != f.shape()) continue;
    double worst = 0;
    for (int64_t k = 0; k < w.numel(); ++k) {
      const double wv = w.data<float>()[k], fv = f.data<float>()[k];
      EXPECT_FALSE(std::isnan(fv)) << "output " << o << " element " << k;
      worst = std::max(worst, std::fabs(wv - fv) / (1.0 + std::fabs(wv)));
    }
    EXPECT_LE(worst, rel_tol) << "output " << o;
  }
  return std::move(fused).value();
}

inline const ir::Node* find_op(const rt::Session& s, OpKind op) {
  for (const ir::Node& n : s.graph().nodes)
    if (n.op == op) return &n;
  return nullptr;
}

}  // namespace sf::fusion_test
