// Recurrent ops and subgraph outer references.
//
// The recurrent cases use one hidden unit and one input feature, so the expected values are the
// ONNX equations written out directly with std::tanh / std::exp (no kernel code involved). The
// control-flow cases check that values read by bodies from enclosing graphs become node inputs
// (bind_subgraph_outer_refs) and that execution order follows those reads.
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <cmath>

#include "io/onnx/loader.hpp"
#include "ir/passes/passes.hpp"
#include "op_test_util.hpp"
#include "runtime/session.hpp"

namespace sf::test {
namespace {

// ---- building small ONNX models -----------------------------------------------------------------

void add_input(onnx::GraphProto& g, const std::string& name, int elem_type, const Shape& shape) {
  auto* vi = g.add_input();
  vi->set_name(name);
  auto* tt = vi->mutable_type()->mutable_tensor_type();
  tt->set_elem_type(elem_type);
  auto* sp = tt->mutable_shape();
  for (int64_t d : shape) sp->add_dim()->set_dim_value(d);
}

void add_output(onnx::GraphProto& g, const std::string& name, int elem_type) {
  auto* vi = g.add_output();
  vi->set_name(name);
  vi->mutable_type()->mutable_tensor_type()->set_elem_type(elem_type);
}

void add_output(onnx::GraphProto& g, const std::string& name, int elem_type, const Shape& shape) {
  add_output(g, name, elem_type);
  auto* sp =
      g.mutable_output(g.output_size() - 1)->mutable_type()->mutable_tensor_type()->mutable_shape();
  for (int64_t d : shape) sp->add_dim()->set_dim_value(d);
}

onnx::NodeProto* add_node(onnx::GraphProto& g, const std::string& op, std::vector<std::string> in,
                          std::vector<std::string> out) {
  auto* n = g.add_node();
  n->set_op_type(op);
  for (auto& s : in) n->add_input(s);
  for (auto& s : out) n->add_output(s);
  return n;
}

void attr_int(onnx::NodeProto* n, const std::string& name, int64_t v) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(v);
}

void attr_float(onnx::NodeProto* n, const std::string& name, float v) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::FLOAT);
  a->set_f(v);
}

void attr_string(onnx::NodeProto* n, const std::string& name, const std::string& v) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::STRING);
  a->set_s(v);
}

void attr_graph(onnx::NodeProto* n, const std::string& name, const onnx::GraphProto& g) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::GRAPH);
  *a->mutable_g() = g;
}

Result<std::unique_ptr<rt::Session>> make_session(const onnx::GraphProto& g, int opset) {
  onnx::ModelProto m;
  m.set_ir_version(8);
  auto* os = m.add_opset_import();
  os->set_domain("");
  os->set_version(opset);
  *m.mutable_graph() = g;
  const std::string bytes = m.SerializeAsString();
  SF_ASSIGN_OR_RETURN(onnx_io::LoadedModel lm,
                      onnx_io::load_model_bytes(bytes.data(), bytes.size(), ""));
  return rt::Session::from_graph(std::move(lm.graph), rt::SessionOptions{});
}

double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

constexpr int kF = onnx::TensorProto::FLOAT;
constexpr int kB = onnx::TensorProto::BOOL;
constexpr int kI64 = onnx::TensorProto::INT64;
constexpr int kI32 = onnx::TensorProto::INT32;

// ---- recurrent ----------------------------------------------------------------------------------

// Bidirectional RNN, H = I = 1, two rows of lengths 3 and 2.
TEST(Recurrent, RnnBidirectionalWithSequenceLengths) {
  onnx::GraphProto g;
  add_input(g, "X", kF, {3, 2, 1});
  add_input(g, "W", kF, {2, 1, 1});
  add_input(g, "R", kF, {2, 1, 1});
  add_input(g, "L", kI32, {2});
  auto* n = add_node(g, "RNN", {"X", "W", "R", "", "L"}, {"Y", "Y_h"});
  attr_int(n, "hidden_size", 1);
  attr_string(n, "direction", "bidirectional");
  add_output(g, "Y", kF);
  add_output(g, "Y_h", kF);
  auto s = make_session(g, 14);
  ASSERT_TRUE(s.is_ok()) << s.status().to_string();
  const std::vector<float> x = {0.5f, -1.0f, 0.25f, 2.0f, -0.75f, 9.0f};  // [t][n]
  Tensor lens = Tensor::make(DType::kI32, {2}).value();
  lens.data<int32_t>()[0] = 3;
  lens.data<int32_t>()[1] = 2;
  auto out = (*s)->run({{"X", make_tensor<float>({3, 2, 1}, x)},
                        {"W", make_tensor<float>({2, 1, 1}, {0.8f, -0.6f})},
                        {"R", make_tensor<float>({2, 1, 1}, {0.3f, 0.9f})},
                        {"L", lens}});
  ASSERT_TRUE(out.is_ok()) << out.status().to_string();
  const Tensor& y = (*out)[0].second;    // [3, 2, 2, 1]
  const Tensor& y_h = (*out)[1].second;  // [2, 2, 1]
  ASSERT_EQ(y.shape(), (Shape{3, 2, 2, 1}));
  const float w[2] = {0.8f, -0.6f}, r[2] = {0.3f, 0.9f};
  const int len[2] = {3, 2};
  for (int d = 0; d < 2; ++d)
    for (int b = 0; b < 2; ++b) {
      double h = 0;
      std::vector<double> want(3, 0.0);
      for (int step = 0; step < len[b]; ++step) {
        const int t = d == 0 ? step : len[b] - 1 - step;
        h = std::tanh(w[d] * x[static_cast<size_t>(t * 2 + b)] + r[d] * h);
        want[static_cast<size_t>(t)] = h;
      }
      for (int t = 0; t < 3; ++t)
        EXPECT_NEAR(y.data<float>()[(t * 2 + d) * 2 + b], want[static_cast<size_t>(t)], 1e-6)
            << "t " << t << " dir " << d << " row " << b;
      EXPECT_NEAR(y_h.data<float>()[d * 2 + b], h, 1e-6) << "dir " << d << " row " << b;
    }
}

// GRU, H = I = 1, with bias and initial state, both linear_before_reset settings.
TEST(Recurrent, GruLinearBeforeReset) {
  for (int lbr : {0, 1}) {
    onnx::GraphProto g;
    add_input(g, "X", kF, {2, 1, 1});
    add_input(g, "W", kF, {1, 3, 1});
    add_input(g, "R", kF, {1, 3, 1});
    add_input(g, "B", kF, {1, 6});
    add_input(g, "H0", kF, {1, 1, 1});
    auto* n = add_node(g, "GRU", {"X", "W", "R", "B", "", "H0"}, {"", "Y_h"});
    attr_int(n, "hidden_size", 1);
    attr_int(n, "linear_before_reset", lbr);
    add_output(g, "Y_h", kF);
    auto s = make_session(g, 14);
    ASSERT_TRUE(s.is_ok()) << s.status().to_string();
    const double x[2] = {0.7, -0.4};
    const double W[3] = {0.5, -0.3, 0.8}, R[3] = {0.2, 0.6, -0.7};  // z, r, h
    const double Wb[3] = {0.1, -0.2, 0.05}, Rb[3] = {-0.15, 0.25, 0.3};
    auto out =
        (*s)->run({{"X", make_tensor<float>({2, 1, 1}, {0.7f, -0.4f})},
                   {"W", make_tensor<float>({1, 3, 1}, {0.5f, -0.3f, 0.8f})},
                   {"R", make_tensor<float>({1, 3, 1}, {0.2f, 0.6f, -0.7f})},
                   {"B", make_tensor<float>({1, 6}, {0.1f, -0.2f, 0.05f, -0.15f, 0.25f, 0.3f})},
                   {"H0", make_tensor<float>({1, 1, 1}, {0.4f})}});
    ASSERT_TRUE(out.is_ok()) << out.status().to_string();
    double h = 0.4;
    for (double xt : x) {
      const double z = sigmoid(W[0] * xt + R[0] * h + Wb[0] + Rb[0]);
      const double r = sigmoid(W[1] * xt + R[1] * h + Wb[1] + Rb[1]);
      const double n_pre = lbr ? W[2] * xt + r * (R[2] * h + Rb[2]) + Wb[2]
                               : W[2] * xt + R[2] * (r * h) + Rb[2] + Wb[2];
      h = (1 - z) * std::tanh(n_pre) + z * h;
    }
    EXPECT_NEAR((*out)[0].second.data<float>()[0], h, 1e-6) << "linear_before_reset " << lbr;
  }
}

// Reverse LSTM, H = I = 1, with peepholes, initial states and clip.
TEST(Recurrent, LstmReversePeepholesClip) {
  onnx::GraphProto g;
  add_input(g, "X", kF, {3, 1, 1});
  add_input(g, "W", kF, {1, 4, 1});
  add_input(g, "R", kF, {1, 4, 1});
  add_input(g, "H0", kF, {1, 1, 1});
  add_input(g, "C0", kF, {1, 1, 1});
  add_input(g, "P", kF, {1, 3});
  auto* n = add_node(g, "LSTM", {"X", "W", "R", "", "", "H0", "C0", "P"}, {"Y", "Y_h", "Y_c"});
  attr_int(n, "hidden_size", 1);
  attr_string(n, "direction", "reverse");
  attr_float(n, "clip", 0.9f);
  for (const char* o : {"Y", "Y_h", "Y_c"}) add_output(g, o, kF);
  auto s = make_session(g, 14);
  ASSERT_TRUE(s.is_ok()) << s.status().to_string();
  const double x[3] = {1.5, -0.5, 0.8};
  const double W[4] = {0.9, -0.4, 0.7, 1.1}, R[4] = {0.3, 0.5, -0.6, 0.2};  // i, o, f, c
  const double P[3] = {0.2, -0.3, 0.4};                                     // i, o, f
  auto out = (*s)->run({{"X", make_tensor<float>({3, 1, 1}, {1.5f, -0.5f, 0.8f})},
                        {"W", make_tensor<float>({1, 4, 1}, {0.9f, -0.4f, 0.7f, 1.1f})},
                        {"R", make_tensor<float>({1, 4, 1}, {0.3f, 0.5f, -0.6f, 0.2f})},
                        {"H0", make_tensor<float>({1, 1, 1}, {-0.2f})},
                        {"C0", make_tensor<float>({1, 1, 1}, {0.6f})},
                        {"P", make_tensor<float>({1, 3}, {0.2f, -0.3f, 0.4f})}});
  ASSERT_TRUE(out.is_ok()) << out.status().to_string();
  auto clip = [](double v) { return std::min(0.9, std::max(-0.9, v)); };
  double h = -0.2, c = 0.6;
  double y[3];
  for (int t = 2; t >= 0; --t) {
    const double i = sigmoid(clip(W[0] * x[t] + R[0] * h + P[0] * c));
    const double f = sigmoid(clip(W[2] * x[t] + R[2] * h + P[2] * c));
    const double cc = std::tanh(clip(W[3] * x[t] + R[3] * h));
    c = f * c + i * cc;
    const double o = sigmoid(clip(W[1] * x[t] + R[1] * h + P[1] * c));
    h = o * std::tanh(c);
    y[t] = h;
  }
  for (int t = 0; t < 3; ++t) EXPECT_NEAR((*out)[0].second.data<float>()[t], y[t], 1e-6) << t;
  EXPECT_NEAR((*out)[1].second.data<float>()[0], h, 1e-6);
  EXPECT_NEAR((*out)[2].second.data<float>()[0], c, 1e-6);
}

// ---- subgraph outer references ------------------------------------------------------------------

// Nodes in an order where the If comes before the Relu whose output its branch reads (the loader's
// sort only sees explicit inputs): the read must become an input and reorder them.
TEST(SubgraphRefs, BodyReadBecomesInputAndOrdersNodes) {
  onnx::GraphProto then_g, else_g, g;
  then_g.set_name("then");
  add_node(then_g, "Add", {"b", "b"}, {"t"});
  add_output(then_g, "t", kF);
  else_g.set_name("else");
  add_node(else_g, "Relu", {"x"}, {"e"});
  add_output(else_g, "e", kF);
  add_input(g, "x", kF, {3});
  add_input(g, "cond", kB, {});
  add_node(g, "Add", {"x", "x"}, {"a"});
  add_node(g, "Relu", {"a"}, {"b"});
  auto* n = add_node(g, "If", {"cond"}, {"y"});
  attr_graph(n, "then_branch", then_g);
  attr_graph(n, "else_branch", else_g);
  add_output(g, "y", kF);
  auto s = make_session(g, 13);
  ASSERT_TRUE(s.is_ok()) << s.status().to_string();
  const ir::Graph& ir = (*s)->graph();
  const ir::Node& if_node = ir.nodes.back();
  ASSERT_EQ(if_node.op, ir::OpKind::kIf);
  // cond, then the values the branches read in attribute-name order: else reads x, then reads b.
  ASSERT_EQ(if_node.inputs.size(), 3u);
  EXPECT_EQ(ir.value(if_node.inputs[1]).name, "x");
  EXPECT_EQ(ir.value(if_node.inputs[2]).name, "b");
  for (bool c : {true, false}) {
    auto out = (*s)->run(
        {{"x", make_tensor<float>({3}, {-1.f, 0.5f, 2.f})}, {"cond", make_tensor<bool>({}, {c})}});
    ASSERT_TRUE(out.is_ok()) << out.status().to_string();
    const float* y = (*out)[0].second.data<float>();
    const float want_then[3] = {0.f, 2.f, 8.f}, want_else[3] = {0.f, 0.5f, 2.f};
    for (int i = 0; i < 3; ++i) EXPECT_FLOAT_EQ(y[i], c ? want_then[i] : want_else[i]) << i;
  }
}

// A Loop body holding an If whose branch reads a top-level value: the value must reach the If
// through the Loop (the body gains it as an outer reference).
TEST(SubgraphRefs, NestedReadThreadsThroughBodies) {
  onnx::GraphProto then_g, else_g, body, g;
  then_g.set_name("then");
  add_node(then_g, "Add", {"acc_in", "step"}, {"t"});
  add_output(then_g, "t", kF);
  else_g.set_name("else");
  add_node(else_g, "Relu", {"acc_in"}, {"e"});
  add_output(else_g, "e", kF);
  body.set_name("body");
  add_input(body, "i", kI64, {});
  add_input(body, "cond_in", kB, {});
  add_input(body, "acc_in", kF, {2});
  auto* inner = add_node(body, "If", {"cond_in"}, {"acc_out"});
  attr_graph(inner, "then_branch", then_g);
  attr_graph(inner, "else_branch", else_g);
  add_node(body, "Relu", {"acc_out"}, {"scan"});
  add_output(body, "cond_in", kB);
  add_output(body, "acc_out", kF);
  add_output(body, "scan", kF, {2});  // gives the empty scan output of M = 0 its shape [0, 2]
  add_input(g, "M", kI64, {});
  add_input(g, "acc0", kF, {2});
  add_input(g, "step", kF, {2});
  auto* loop = add_node(g, "Loop", {"M", "", "acc0"}, {"acc", "scans"});
  attr_graph(loop, "body", body);
  add_output(g, "acc", kF);
  add_output(g, "scans", kF);
  auto s = make_session(g, 13);
  ASSERT_TRUE(s.is_ok()) << s.status().to_string();
  const ir::Node& loop_node = (*s)->graph().nodes.back();
  ASSERT_EQ(loop_node.inputs.size(), 4u);
  EXPECT_EQ((*s)->graph().value(loop_node.inputs[3]).name, "step");

  for (int64_t m : {0, 3}) {
    auto out = (*s)->run({{"M", make_tensor<int64_t>({}, {m})},
                          {"acc0", make_tensor<float>({2}, {1.f, -2.f})},
                          {"step", make_tensor<float>({2}, {0.5f, 1.f})}});
    ASSERT_TRUE(out.is_ok()) << out.status().to_string();
    const Tensor& acc = (*out)[0].second;
    const Tensor& scans = (*out)[1].second;
    ASSERT_EQ(scans.shape(), (Shape{m, 2}));
    float a[2] = {1.f, -2.f};
    for (int64_t it = 0; it < m; ++it)
      for (int k = 0; k < 2; ++k) {
        a[k] += k == 0 ? 0.5f : 1.f;  // the condition stays true: then_branch every time
        EXPECT_FLOAT_EQ(scans.data<float>()[it * 2 + k], std::max(a[k], 0.f));
      }
    EXPECT_FLOAT_EQ(acc.data<float>()[0], a[0]);
    EXPECT_FLOAT_EQ(acc.data<float>()[1], a[1]);
  }
}

// Scan-11 with a reversed input and a reversed output along axis 1: a running sum.
TEST(SubgraphRefs, ScanDirectionsAndAxes) {
  onnx::GraphProto body, g;
  body.set_name("body");
  add_input(body, "s_in", kF, {2});
  add_input(body, "x_in", kF, {2});
  add_node(body, "Add", {"s_in", "x_in"}, {"s_out"});
  add_node(body, "Add", {"s_out", "bias"}, {"o"});
  add_output(body, "s_out", kF);
  add_output(body, "o", kF);
  add_input(g, "s0", kF, {2});
  add_input(g, "X", kF, {2, 3});  // scanned along axis 1
  add_input(g, "bias", kF, {2});
  auto* n = add_node(g, "Scan", {"s0", "X"}, {"s", "O"});
  attr_graph(n, "body", body);
  attr_int(n, "num_scan_inputs", 1);
  for (const char* name :
       {"scan_input_axes", "scan_input_directions", "scan_output_axes", "scan_output_directions"}) {
    auto* a = n->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INTS);
    a->add_ints(std::string(name).find("axes") != std::string::npos ? -1 : 1);
  }
  add_output(g, "s", kF);
  add_output(g, "O", kF);
  auto s = make_session(g, 11);
  ASSERT_TRUE(s.is_ok()) << s.status().to_string();
  auto out = (*s)->run({{"s0", make_tensor<float>({2}, {0.f, 10.f})},
                        {"X", make_tensor<float>({2, 3}, {1.f, 2.f, 3.f, 4.f, 5.f, 6.f})},
                        {"bias", make_tensor<float>({2}, {100.f, 200.f})}});
  ASSERT_TRUE(out.is_ok()) << out.status().to_string();
  // Iterations read columns 2, 1, 0: sums row 0: 3, 5, 6; row 1: 16, 21, 25. Output column j holds
  // iteration 2 - j (reversed output).
  const float want_s[2] = {6.f, 25.f};
  const float want_o[6] = {106.f, 105.f, 103.f, 225.f, 221.f, 216.f};
  ASSERT_EQ((*out)[1].second.shape(), (Shape{2, 3}));
  for (int i = 0; i < 2; ++i) EXPECT_FLOAT_EQ((*out)[0].second.data<float>()[i], want_s[i]);
  for (int i = 0; i < 6; ++i) EXPECT_FLOAT_EQ((*out)[1].second.data<float>()[i], want_o[i]) << i;
}

}  // namespace
}  // namespace sf::test
