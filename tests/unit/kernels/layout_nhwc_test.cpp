// The channels-last layout pass (ir/passes/layout_nhwc.cpp) on a small FusedConv chain: the
// rewritten graph's outputs equal those of the same graph without the pass (and of the reference
// kernels), with the transposes where values enter and leave the region.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "core/activation.hpp"
#include "ir/infer.hpp"
#include "ir/op_schema.hpp"
#include "ir/ops/fused.hpp"
#include "ir/ops/tensor.hpp"
#include "runtime/session.hpp"
#include "tests/unit/op_test_util.hpp"

namespace sf {
namespace {

using ir::Graph;
using ir::OpKind;
using ir::ValueId;

Tensor random_tensor(const Shape& s, uint32_t seed) { return test::lcg_tensor(s, seed, 99u); }

// Attribute builders shared with the op tests (tests/unit/op_test_util.hpp).
ir::Attribute ints(std::vector<int64_t> v) { return test::ints_attr(std::move(v)); }
ir::Attribute int1(int64_t v) { return test::int_attr(v); }
ir::Attribute str(const std::string& s) {
  ir::Attribute a;
  a.kind = ir::Attribute::Kind::kString;
  a.s = s;
  return a;
}
ir::Attribute f1(float v) {
  ir::Attribute a;
  a.kind = ir::Attribute::Kind::kFloat;
  a.f = v;
  return a;
}

class Builder {
 public:
  Builder() : g_(std::make_unique<Graph>()) {}

  ValueId input(const std::string& name, const Shape& s) {
    const ValueId v = g_->add_value(name).value();
    g_->value(v).type = {DType::kF32, s};
    g_->inputs.push_back(v);
    return v;
  }
  ValueId constant(const std::string& name, const Shape& s, uint32_t seed) {
    const ValueId v = g_->add_value(name).value();
    g_->value(v).constant = random_tensor(s, seed);
    g_->value(v).type = {DType::kF32, s};
    return v;
  }
  ValueId scalar(const std::string& name, float value) {
    const ValueId v = g_->add_value(name).value();
    Tensor t = Tensor::make(DType::kF32, {}).value();
    t.data<float>()[0] = value;
    g_->value(v).constant = t;
    g_->value(v).type = {DType::kF32, Shape{}};
    return v;
  }
  ValueId node(OpKind op, std::vector<ValueId> in, const std::string& out, ir::AttrMap attrs = {},
               int opset = 13) {
    ir::Node n;
    n.name = out + "_node";
    n.op = op;
    n.opset = opset;
    if (ir::op_is_internal(op)) n.domain = ir::kInternalDomain;
    n.inputs = std::move(in);
    n.raw_attrs = std::move(attrs);
    const ValueId o = g_->add_value(out).value();
    g_->value(o).producer = static_cast<int32_t>(g_->nodes.size());
    n.outputs = {o};
    EXPECT_TRUE(ir::parse_node(n).is_ok()) << out;
    g_->nodes.push_back(std::move(n));
    return o;
  }
  // FusedConv with square kernel k, pads p, the given activation and group.
  ValueId conv(std::vector<ValueId> in, const std::string& out, int64_t k, int64_t p,
               const std::string& act, int64_t group = 1) {
    ir::AttrMap a;
    a["kernel_shape"] = ints({k, k});
    a["pads"] = ints({p, p, p, p});
    a["group"] = int1(group);
    a["activation"] = str(act);
    if (act == "clip") {
      a["activation_alpha"] = f1(0.0f);
      a["activation_beta"] = f1(6.0f);
    }
    return node(OpKind::kFusedConv, std::move(in), out, std::move(a), 1);
  }
  std::unique_ptr<Graph> done(std::vector<ValueId> outputs) {
    g_->outputs = std::move(outputs);
    return std::move(g_);
  }

 private:
  std::unique_ptr<Graph> g_;
};

// x -> conv(relu) -> MaxPool -> Conv(1x1) -> Add(pool) -> Relu (graph output) -> depthwise conv
// (clip, residual = relu) -> GlobalAveragePool (output); relu -> Mul(relu, relu) -> Clip(0, 0.5)
// -> conv(R = graph input e) (output).
std::unique_ptr<Graph> chain() {
  Builder b;
  const ValueId x = b.input("x", {1, 6, 9, 9});
  const ValueId e = b.input("e", {1, 8, 5, 5});
  const ValueId c1 = b.conv({x, b.constant("w1", {8, 6, 3, 3}, 1), b.constant("b1", {8}, 2)},
                            "c1", 3, 1, "relu");
  ir::AttrMap pool;
  pool["kernel_shape"] = ints({3, 3});
  pool["strides"] = ints({2, 2});
  pool["pads"] = ints({1, 1, 1, 1});
  const ValueId p = b.node(OpKind::kMaxPool, {c1}, "p", pool);
  // A plain Conv: the pass makes it a channels-last FusedConv.
  ir::AttrMap conv;
  conv["kernel_shape"] = ints({1, 1});
  const ValueId c2 = b.node(OpKind::kConv, {p, b.constant("w2", {8, 8, 1, 1}, 3), b.constant("b2", {8}, 4)},
                            "c2", conv);
  const ValueId a = b.node(OpKind::kAdd, {c2, p}, "a");
  const ValueId r = b.node(OpKind::kRelu, {a}, "r");
  const ValueId c3 = b.conv({r, b.constant("w3", {8, 1, 3, 3}, 5), b.constant("b3", {8}, 6), r},
                            "c3", 3, 1, "clip", 8);
  const ValueId g = b.node(OpKind::kGlobalAveragePool, {c3}, "g");
  const ValueId m = b.node(OpKind::kMul, {r, r}, "m");
  const ValueId q = b.node(OpKind::kClip, {m, b.scalar("lo", 0.0f), b.scalar("hi", 0.5f)}, "q");
  const ValueId c4 = b.conv({q, b.constant("w4", {8, 8, 3, 3}, 7), ir::kNoValue, e}, "c4", 3, 1,
                            "none");
  return b.done({g, r, c4});
}

rt::NamedTensors run(std::unique_ptr<Graph> graph, bool layout, bool fast,
                     std::unique_ptr<rt::Session>* keep = nullptr, bool fuse = false) {
  rt::SessionOptions o;
  o.threads = 2;
  o.exec.fuse = fuse;
  o.exec.layout = layout;
  o.exec.fast_kernels = fast;
  auto s = rt::Session::from_graph(std::move(graph), o);
  EXPECT_TRUE(s.is_ok()) << s.status().to_string();
  const rt::NamedTensors in = {{"x", random_tensor({1, 6, 9, 9}, 11)},
                               {"e", random_tensor({1, 8, 5, 5}, 12)}};
  auto out = (*s)->run(in);
  EXPECT_TRUE(out.is_ok()) << out.status().to_string();
  if (keep) *keep = std::move(s).value();
  return *out;
}

int count(const Graph& g, OpKind op) {
  int n = 0;
  for (const ir::Node& node : g.nodes) n += node.op == op;
  return n;
}

void expect_same(const rt::NamedTensors& got, const rt::NamedTensors& want, const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(got[i].first, want[i].first) << what;
    const Tensor& a = got[i].second;
    const Tensor& b = want[i].second;
    ASSERT_EQ(a.shape(), b.shape()) << what << " " << want[i].first;
    for (int64_t k = 0; k < b.numel(); ++k)
      ASSERT_NEAR(a.data<float>()[k], b.data<float>()[k], 1e-4 * (1 + std::fabs(b.data<float>()[k])))
          << what << " " << want[i].first << " element " << k;
  }
}

TEST(LayoutNhwc, ConvChainComputesTheSameAsWithoutThePass) {
  const rt::NamedTensors want = run(chain(), false, false);
  // The rewritten graph on the reference kernels (FusedConv channels-last, Nhwc pools).
  auto rewritten = chain();
  ASSERT_TRUE(ir::infer_graph(*rewritten).is_ok());
  ir::PassStats stats;
  ASSERT_TRUE(ir::layout_nhwc(*rewritten, stats).is_ok());
  rt::SessionOptions plain;
  plain.optimize = false;
  plain.exec.fast_kernels = false;
  auto ref = rt::Session::from_graph(std::move(rewritten), plain);
  ASSERT_TRUE(ref.is_ok()) << ref.status().to_string();
  auto ref_out = (*ref)->run({{"x", random_tensor({1, 6, 9, 9}, 11)},
                              {"e", random_tensor({1, 8, 5, 5}, 12)}});
  ASSERT_TRUE(ref_out.is_ok()) << ref_out.status().to_string();
  expect_same(*ref_out, want, "reference kernels");
  // The session's own pass run, on the fast kernels, without and with the fusion passes first
  // (fusion absorbs c2's residual Add and Relu; the counts below are for the unfused graph).
  std::unique_ptr<rt::Session> fused;
  expect_same(run(chain(), true, true, &fused, true), want, "fast kernels after fusion");
  EXPECT_GT(fused->pass_stats().layout_nodes, 0);
  std::unique_ptr<rt::Session> s;
  expect_same(run(chain(), true, true, &s), want, "fast kernels");
  // Enter: x and e; leave: g, r, c4 (graph outputs, which keep their names and NCHW shapes).
  const Graph& g = s->graph();
  EXPECT_EQ(count(g, OpKind::kTranspose), 5);
  EXPECT_EQ(count(g, OpKind::kMaxPool), 0);
  EXPECT_EQ(count(g, OpKind::kConv), 0);
  EXPECT_EQ(count(g, OpKind::kFusedConv), 4);
  EXPECT_EQ(count(g, OpKind::kMaxPoolNhwc), 1);
  EXPECT_EQ(count(g, OpKind::kGlobalAveragePoolNhwc), 1);
  EXPECT_EQ(s->pass_stats().layout_nodes, 10);
  EXPECT_EQ(s->pass_stats().layout_transposes, 5);
  for (const ir::Node& n : g.nodes)
    if (n.op == OpKind::kFusedConv) {
      EXPECT_TRUE(n.attrs_as<ir::FusedConvAttrs>().channels_last) << n.name;
      EXPECT_EQ(g.value(n.outputs[0]).type.shape->back(), 8) << n.name;  // NHWC: C last
    }
}

// SqueezeNet's fire modules: x -> conv -> {1x1 conv, 3x3 conv} -> Concat(axis 1) -> MaxPool ->
// 1x1 conv -> Concat(conv, pool, axis -3) (output); the first Concat is also read by a Concat
// along H (output), which stays outside the region.
std::unique_ptr<Graph> concat_chain() {
  Builder b;
  const ValueId x = b.input("x", {1, 6, 9, 9});
  b.input("e", {1, 8, 5, 5});  // read by no node (run() feeds it)
  const ValueId c1 = b.conv({x, b.constant("w1", {8, 6, 3, 3}, 1)}, "c1", 3, 1, "relu");
  const ValueId e1 = b.conv({c1, b.constant("we1", {4, 8, 1, 1}, 2), b.constant("be1", {4}, 3)},
                            "e1", 1, 0, "relu");
  const ValueId e3 = b.conv({c1, b.constant("we3", {5, 8, 3, 3}, 4)}, "e3", 3, 1, "relu");
  ir::AttrMap ax1;
  ax1["axis"] = int1(1);
  const ValueId cat = b.node(OpKind::kConcat, {e1, e3}, "cat", ax1);
  ir::AttrMap pool;
  pool["kernel_shape"] = ints({3, 3});
  pool["strides"] = ints({2, 2});
  const ValueId p = b.node(OpKind::kMaxPool, {cat}, "p", pool);
  const ValueId f = b.conv({p, b.constant("wf", {6, 9, 1, 1}, 5)}, "f", 1, 0, "none");
  ir::AttrMap axm3;
  axm3["axis"] = int1(-3);
  const ValueId cat2 = b.node(OpKind::kConcat, {f, p}, "cat2", axm3);
  ir::AttrMap ax2;
  ax2["axis"] = int1(2);
  const ValueId h = b.node(OpKind::kConcat, {cat, cat}, "h", ax2);
  return b.done({cat2, h});
}

TEST(LayoutNhwc, ConcatAlongChannelsJoinsTheRegion) {
  const rt::NamedTensors want = run(concat_chain(), false, false);
  auto rewritten = concat_chain();
  ASSERT_TRUE(ir::infer_graph(*rewritten).is_ok());
  ir::PassStats stats;
  ASSERT_TRUE(ir::layout_nhwc(*rewritten, stats).is_ok());
  rt::SessionOptions plain;
  plain.optimize = false;
  plain.exec.fast_kernels = false;
  auto ref = rt::Session::from_graph(std::move(rewritten), plain);
  ASSERT_TRUE(ref.is_ok()) << ref.status().to_string();
  auto ref_out = (*ref)->run({{"x", random_tensor({1, 6, 9, 9}, 11)},
                              {"e", random_tensor({1, 8, 5, 5}, 12)}});
  ASSERT_TRUE(ref_out.is_ok()) << ref_out.status().to_string();
  expect_same(*ref_out, want, "reference kernels");
  std::unique_ptr<rt::Session> s;
  expect_same(run(concat_chain(), true, true, &s), want, "fast kernels");
  // Enter: x; leave: cat (read by h) and cat2 (graph output).
  const Graph& g = s->graph();
  EXPECT_EQ(count(g, OpKind::kTranspose), 3);
  EXPECT_EQ(count(g, OpKind::kMaxPoolNhwc), 1);
  EXPECT_EQ(s->pass_stats().layout_nodes, 7);
  int along_c = 0, along_h = 0;
  for (const ir::Node& n : g.nodes) {
    if (n.op != OpKind::kConcat) continue;
    const int64_t axis = n.attrs_as<ir::AxisAttrs>().axis;
    if (axis == 3) {
      ++along_c;
      EXPECT_EQ(g.value(n.outputs[0]).type.shape->back(), n.name == "cat_node" ? 9 : 15) << n.name;
    }
    along_h += axis == 2;
  }
  EXPECT_EQ(along_c, 2);
  EXPECT_EQ(along_h, 1);
}

TEST(LayoutNhwc, LoneConvolutionIsLeftInNchw) {
  Builder b;
  const ValueId x = b.input("x", {1, 6, 9, 9});
  const ValueId e = b.input("e", {1, 8, 5, 5});
  const ValueId c = b.conv({x, b.constant("w", {8, 6, 3, 3}, 1)}, "c", 3, 1, "relu");
  const ValueId r = b.node(OpKind::kRelu, {c}, "r");
  std::unique_ptr<rt::Session> s;
  (void)e;  // an input the graph does not read
  run(b.done({r}), true, true, &s);
  EXPECT_EQ(count(s->graph(), OpKind::kTranspose), 0);
  EXPECT_EQ(s->pass_stats().layout_nodes, 0);
}

}  // namespace
}  // namespace sf
