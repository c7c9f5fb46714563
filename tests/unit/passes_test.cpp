// Graph passes: the simplified graph must compute what the unsimplified one computes, and the
// passes must actually remove what they claim to.
#include <gtest/gtest.h>

#include "ir/op_schema.hpp"
#include "ir/passes/passes.hpp"
#include "runtime/session.hpp"

namespace sf {
namespace {

using ir::Graph;
using ir::Node;
using ir::OpKind;
using ir::ValueId;

Tensor filled(const Shape& s, float start) {
  Tensor t = Tensor::make(DType::kF32, s).value();
  for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = start + static_cast<float>(i) * 0.5f;
  return t;
}

ValueId add_node(Graph& g, OpKind op, std::vector<ValueId> in, const std::string& out) {
  Node n;
  n.name = out + "_node";
  n.op = op;
  n.opset = 13;
  n.inputs = std::move(in);
  const ValueId o = g.add_value(out).value();
  g.value(o).producer = static_cast<int32_t>(g.nodes.size());
  n.outputs = {o};
  EXPECT_TRUE(ir::parse_node(n).is_ok());
  g.nodes.push_back(std::move(n));
  return o;
}

// x -> Add(x, Relu(c1 + c2)) -> Identity -> Relu -> y, plus a dead branch Relu(x).
std::unique_ptr<Graph> make_graph() {
  auto g = std::make_unique<Graph>();
  const ValueId x = g->add_value("x").value();
  g->value(x).type = {DType::kF32, Shape{2, 3}};
  g->inputs = {x};
  const ValueId c1 = g->add_value("c1").value();
  g->value(c1).constant = filled({2, 3}, -2.0f);
  const ValueId c2 = g->add_value("c2").value();
  g->value(c2).constant = filled({3}, 0.25f);
  const ValueId s = add_node(*g, OpKind::kAdd, {c1, c2}, "s");
  const ValueId r = add_node(*g, OpKind::kRelu, {s}, "r");
  const ValueId a = add_node(*g, OpKind::kAdd, {x, r}, "a");
  const ValueId i = add_node(*g, OpKind::kIdentity, {a}, "i");
  const ValueId y = add_node(*g, OpKind::kRelu, {i}, "y");
  add_node(*g, OpKind::kRelu, {x}, "dead");
  g->outputs = {y};
  return g;
}

TEST(Passes, SimplifiedGraphComputesTheSame) {
  rt::SessionOptions plain;
  plain.optimize = false;
  auto reference = rt::Session::from_graph(make_graph(), plain);
  ASSERT_TRUE(reference.is_ok()) << reference.status().to_string();
  auto optimized = rt::Session::from_graph(make_graph(), rt::SessionOptions{});
  ASSERT_TRUE(optimized.is_ok()) << optimized.status().to_string();

  const auto& stats = (*optimized)->pass_stats();
  EXPECT_EQ(stats.folded, 2);              // c1 + c2 and its Relu
  EXPECT_EQ(stats.identities_removed, 1);
  EXPECT_EQ(stats.dead_removed, 1);
  EXPECT_EQ((*optimized)->graph().nodes.size(), 2u);  // Add, Relu

  const Tensor x = filled({2, 3}, -1.0f);
  auto want = (*reference)->run({{"x", x}});
  auto got = (*optimized)->run({{"x", x}});
  ASSERT_TRUE(want.is_ok() && got.is_ok());
  const Tensor& w = (*want)[0].second;
  const Tensor& o = (*got)[0].second;
  ASSERT_EQ(w.shape(), o.shape());
  for (int64_t k = 0; k < w.numel(); ++k) EXPECT_EQ(w.data<float>()[k], o.data<float>()[k]);
  // Independent check of one element: x[0]=-1, c1[0]+c2[0] = -2+0.25 -> relu 0 -> y = relu(-1) = 0;
  // last: x[5]=1.5, c1[5]+c2[2] = 0.5+1.25 = 1.75 -> y = 3.25.
  EXPECT_EQ(o.data<float>()[0], 0.0f);
  EXPECT_FLOAT_EQ(o.data<float>()[5], 3.25f);
}

TEST(Passes, VerifyRejectsUseBeforeDefinition) {
  auto g = make_graph();
  std::swap(g->nodes[0], g->nodes[1]);  // Relu(s) now runs before s is produced
  EXPECT_FALSE(ir::verify(*g).is_ok());
}

}  // namespace
}  // namespace sf
