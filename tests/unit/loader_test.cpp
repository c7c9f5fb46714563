// ONNX loader: models built in memory with ONNX's protobuf classes, each with one defect, checked
// for the Status code and a message that names the problem (and the node or tensor).
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "io/onnx/loader.hpp"

namespace sf {
namespace {

using onnx_io::LoadOptions;

// A unique scratch folder for external-data files, removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = ::testing::TempDir() + "sf_loader_XXXXXX";
    path_ = mkdtemp(tmpl.data());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  void write(const std::string& name, const std::string& bytes) const {
    std::filesystem::create_directories(std::filesystem::path(file(name)).parent_path());
    std::ofstream f(file(name), std::ios::binary);
    f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }

 private:
  std::string path_;
};

void set_tensor_type(onnx::ValueInfoProto* vi, const std::string& name,
                     const std::vector<int64_t>& dims, int elem = onnx::TensorProto::FLOAT) {
  vi->set_name(name);
  auto* tt = vi->mutable_type()->mutable_tensor_type();
  tt->set_elem_type(elem);
  auto* shape = tt->mutable_shape();
  for (int64_t d : dims) shape->add_dim()->set_dim_value(d);
}

onnx::NodeProto* add_node(onnx::GraphProto* g, const std::string& op, const std::string& name,
                          const std::vector<std::string>& in, const std::vector<std::string>& out) {
  onnx::NodeProto* n = g->add_node();
  n->set_op_type(op);
  n->set_name(name);
  for (const auto& s : in) n->add_input(s);
  for (const auto& s : out) n->add_output(s);
  return n;
}

// y = x + w, x float[2,3] an input, w float[2,3] an initializer the test fills in.
onnx::ModelProto add_model(onnx::TensorProto** w, int opset = 13) {
  onnx::ModelProto m;
  m.set_ir_version(8);
  auto* os = m.add_opset_import();
  os->set_domain("");
  os->set_version(opset);
  onnx::GraphProto* g = m.mutable_graph();
  g->set_name("g");
  set_tensor_type(g->add_input(), "x", {2, 3});
  set_tensor_type(g->add_output(), "y", {2, 3});
  add_node(g, "Add", "add_w", {"x", "w"}, {"y"});
  *w = g->add_initializer();
  (*w)->set_name("w");
  (*w)->set_data_type(onnx::TensorProto::FLOAT);
  (*w)->add_dims(2);
  (*w)->add_dims(3);
  return m;
}

// x -> Relu 'relu' -> y, the smallest well-formed model.
onnx::ModelProto relu_model(int opset = 13) {
  onnx::ModelProto m;
  m.set_ir_version(8);
  auto* os = m.add_opset_import();
  os->set_domain("");
  os->set_version(opset);
  onnx::GraphProto* g = m.mutable_graph();
  g->set_name("g");
  set_tensor_type(g->add_input(), "x", {2, 3});
  set_tensor_type(g->add_output(), "y", {2, 3});
  add_node(g, "Relu", "relu", {"x"}, {"y"});
  return m;
}

void set_external(onnx::TensorProto* t, const std::string& location, int64_t offset = -1,
                  int64_t length = -1) {
  t->set_data_location(onnx::TensorProto::EXTERNAL);
  auto* e = t->add_external_data();
  e->set_key("location");
  e->set_value(location);
  if (offset >= 0) {
    e = t->add_external_data();
    e->set_key("offset");
    e->set_value(std::to_string(offset));
  }
  if (length >= 0) {
    e = t->add_external_data();
    e->set_key("length");
    e->set_value(std::to_string(length));
  }
}

Result<onnx_io::LoadedModel> load(const onnx::ModelProto& m, const std::string& dir = "",
                                  const LoadOptions& opts = {}) {
  const std::string bytes = m.SerializeAsString();
  return onnx_io::load_model_bytes(bytes.data(), bytes.size(), dir, opts);
}

// Expects a failure with `code` whose message contains every one of `parts`.
void expect_error(const Result<onnx_io::LoadedModel>& r, StatusCode code,
                  const std::vector<std::string>& parts) {
  ASSERT_FALSE(r) << "loaded, but expected: " << parts.front();
  EXPECT_EQ(r.status().code(), code) << r.status().to_string();
  for (const std::string& p : parts)
    EXPECT_NE(r.status().message().find(p), std::string::npos)
        << "message: " << r.status().message() << "\nmissing: " << p;
}

std::string floats_bytes(const std::vector<float>& v) {
  return std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(float));
}

const ir::Value& value_named(const ir::Graph& g, const std::string& name) {
  auto id = g.find(name);
  EXPECT_TRUE(id.has_value()) << name;
  return g.value(*id);
}

// ---- external data ----------------------------------------------------------------------

TEST(LoaderExternalData, InsideFolderIsReadAtOffset) {
  TempDir dir;
  // 2 floats of padding, then the 6 values of w.
  dir.write("weights/w.bin", floats_bytes({-1, -1, 0.5f, 1.5f, 2.5f, 3.5f, 4.5f, 5.5f}));
  onnx::TensorProto* w;
  onnx::ModelProto m = add_model(&w);
  set_external(w, "weights/w.bin", 8, 24);
  auto r = load(m, dir.path());
  ASSERT_TRUE(r) << r.status().to_string();
  const ir::Value& v = value_named(*r->graph, "w");
  ASSERT_TRUE(v.constant.has_value());
  EXPECT_EQ(v.constant->describe(), "float32[2,3]");
  for (int i = 0; i < 6; ++i) EXPECT_EQ(v.constant->data<float>()[i], 0.5f + static_cast<float>(i));
}

TEST(LoaderExternalData, SymlinkInsideFolderIsAccepted) {
  TempDir dir;
  dir.write("data/w.bin", floats_bytes({1, 2, 3, 4, 5, 6}));
  std::filesystem::create_symlink("data/w.bin", dir.file("link.bin"));
  onnx::TensorProto* w;
  onnx::ModelProto m = add_model(&w);
  set_external(w, "link.bin");
  auto r = load(m, dir.path());
  ASSERT_TRUE(r) << r.status().to_string();
  EXPECT_EQ(value_named(*r->graph, "w").constant->data<float>()[5], 6.f);
}

TEST(LoaderExternalData, AbsolutePathIsRefused) {
  TempDir dir;
  dir.write("w.bin", floats_bytes({1, 2, 3, 4, 5, 6}));
  onnx::TensorProto* w;
  onnx::ModelProto m = add_model(&w);
  set_external(w, dir.file("w.bin"));  // exists, but absolute
  expect_error(load(m, dir.path()), StatusCode::kInvalidModel,
               {"initializer 'w'", "is an absolute path"});
}

TEST(LoaderExternalData, DotDotIsRefused) {
  TempDir dir;
  dir.write("secret.bin", floats_bytes({1, 2, 3, 4, 5, 6}));
  dir.write("model/placeholder", "");
  onnx::TensorProto* w;
  onnx::ModelProto m = add_model(&w);
  set_external(w, "../secret.bin");
  expect_error(load(m, dir.file("model")), StatusCode::kInvalidModel,
               {"initializer 'w'", "'../secret.bin'", "contains '..'"});
}

TEST(LoaderExternalData, SymlinkEscapingIsRefused) {
  TempDir dir;
  dir.write("outside/secret.bin", floats_bytes({1, 2, 3, 4, 5, 6}));
  dir.write("model/placeholder", "");
  std::filesystem::create_symlink("../outside/secret.bin", dir.file("model/w.bin"));
  std::filesystem::create_directory_symlink("../outside", dir.file("model/sub"));
  onnx::TensorProto* w;
  onnx::ModelProto m = add_model(&w);
  set_external(w, "w.bin");
  expect_error(load(m, dir.file("model")), StatusCode::kInvalidModel,
               {"initializer 'w'", "'w.bin'", "leads outside the model's folder"});
  m.mutable_graph()->mutable_initializer(0)->mutable_external_data(0)->set_value("sub/secret.bin");
  expect_error(load(m, dir.file("model")), StatusCode::kInvalidModel,
               {"'sub/secret.bin'", "leads outside the model's folder"});
}

TEST(LoaderExternalData, OffsetPlusLengthPastEndIsRefused) {
  TempDir dir;
  dir.write("w.bin", floats_bytes({1, 2, 3, 4, 5, 6}));
  onnx::TensorProto* w;
  onnx::ModelProto m = add_model(&w);
  set_external(w, "w.bin", 4);
  expect_error(load(m, dir.path()), StatusCode::kInvalidModel,
               {"initializer 'w'", "offset 4 + length 24 is past the end of the file (24 bytes)"});
}

TEST(LoaderExternalData, OffsetThatOverflowsIsRefused) {
  TempDir dir;
  dir.write("w.bin", floats_bytes({1, 2, 3, 4, 5, 6}));
  onnx::TensorProto* w;
  onnx::ModelProto m = add_model(&w);
  set_external(w, "w.bin");
  auto* e = w->add_external_data();
  e->set_key("offset");
  e->set_value("99999999999999999999");
  expect_error(load(m, dir.path()), StatusCode::kInvalidModel,
               {"initializer 'w'", "offset '99999999999999999999' is not a non-negative"});
}

TEST(LoaderExternalData, RefusedWithoutModelFolder) {
  onnx::TensorProto* w;
  onnx::ModelProto m = add_model(&w);
  set_external(w, "w.bin");
  expect_error(load(m, ""), StatusCode::kInvalidModel, {"initializer 'w'", "no model folder"});
}

// ---- tensors ----------------------------------------------------------------------------

TEST(LoaderTensor, NegativeDimIsRefused) {
  onnx::TensorProto* w;
  onnx::ModelProto m = add_model(&w);
  w->set_dims(1, -3);
  w->set_raw_data(floats_bytes({1, 2, 3, 4, 5, 6}));
  expect_error(load(m), StatusCode::kInvalidModel, {"initializer 'w'", "negative dim -3"});
}

TEST(LoaderTensor, DeclaredNegativeDimIsRefused) {
  onnx::ModelProto m = relu_model();
  m.mutable_graph()->mutable_input(0)->mutable_type()->mutable_tensor_type()->mutable_shape()
      ->mutable_dim(0)->set_dim_value(-1);
  expect_error(load(m), StatusCode::kInvalidModel, {"value 'x'", "negative dim -1"});
}

TEST(LoaderTensor, DimProductOverflowIsRefused) {
  onnx::TensorProto* w;
  onnx::ModelProto m = add_model(&w);
  w->set_dims(0, int64_t{1} << 40);
  w->set_dims(1, int64_t{1} << 40);
  expect_error(load(m), StatusCode::kInvalidModel, {"initializer 'w'", "overflows int64"});
}

TEST(LoaderTensor, ZeroDimDoesNotHideOverflowingDims) {
  // [0, 2^40, 2^40] holds no element, but strides computed from it would overflow.
  onnx::TensorProto* w;
  onnx::ModelProto m = add_model(&w);
  w->set_dims(0, 0);
  w->set_dims(1, int64_t{1} << 40);
  w->add_dims(int64_t{1} << 40);
  expect_error(load(m), StatusCode::kInvalidModel, {"initializer 'w'", "overflows int64"});
  onnx::ModelProto m2 = relu_model();
  auto* shape = m2.mutable_graph()->mutable_input(0)->mutable_type()->mutable_tensor_type()
                    ->mutable_shape();
  shape->mutable_dim(0)->set_dim_value(0);
  shape->mutable_dim(1)->set_dim_value(4);
  shape->add_dim()->set_dim_value(int64_t{1} << 62);
  expect_error(load(m2), StatusCode::kInvalidModel,
               {"value 'x'", "declared shape [0,4,4611686018427387904] overflows int64"});
}

TEST(LoaderTensor, RawDataTooShortIsRefused) {
  onnx::TensorProto* w;
  onnx::ModelProto m = add_model(&w);
  w->set_raw_data(floats_bytes({1, 2, 3, 4, 5}));
  expect_error(load(m), StatusCode::kInvalidModel,
               {"initializer 'w'", "raw_data has 20 bytes but float32[2,3] needs 24"});
}

TEST(LoaderTensor, TypedFieldCountMismatchIsRefused) {
  onnx::TensorProto* w;
  onnx::ModelProto m = add_model(&w);
  for (int i = 0; i < 7; ++i) w->add_float_data(1.f);
  expect_error(load(m), StatusCode::kInvalidModel,
               {"initializer 'w'", "float_data holds 7 values but shape [2,3] needs 6"});
}

TEST(LoaderTensor, TypedFieldsAreRead) {
  onnx::TensorProto* w;
  onnx::ModelProto m = add_model(&w);
  for (int i = 0; i < 6; ++i) w->add_float_data(static_cast<float>(i) * 2);
  auto r = load(m);
  ASSERT_TRUE(r) << r.status().to_string();
  EXPECT_EQ(value_named(*r->graph, "w").constant->data<float>()[4], 8.f);
}

TEST(LoaderTensor, UnknownDtypeIsRefused) {
  onnx::TensorProto* w;
  onnx::ModelProto m = add_model(&w);
  w->set_data_type(99);
  expect_error(load(m), StatusCode::kInvalidModel, {"initializer 'w'", "unknown data type 99"});
  w->set_data_type(14);  // complex64: a real ONNX type steadfast does not hold
  expect_error(load(m), StatusCode::kUnsupported, {"initializer 'w'", "complex64"});
}

TEST(LoaderTensor, MemoryLimitRefusesBeforeAllocating) {
  onnx::TensorProto* w;
  onnx::ModelProto m = add_model(&w);
  // No data at all: the size check must come first, so the message is about the limit.
  w->set_dims(0, 1000);
  w->set_dims(1, 1000);
  LoadOptions opts;
  opts.max_tensor_bytes = 1'000'000;
  expect_error(load(m, "", opts), StatusCode::kResourceLimit,
               {"initializer 'w'", "float32[1000,1000] needs 4000000 bytes",
                "over the limit of 1000000 bytes"});
}

// ---- graph structure ----------------------------------------------------------------------

TEST(LoaderGraph, UndefinedInputIsRefused) {
  onnx::ModelProto m = relu_model();
  m.mutable_graph()->mutable_node(0)->set_input(0, "nope");
  expect_error(load(m), StatusCode::kInvalidModel, {"Relu 'relu'", "input 'nope' is not defined"});
}

TEST(LoaderGraph, CycleIsRefusedAndNamed) {
  onnx::ModelProto m = relu_model();
  onnx::GraphProto* g = m.mutable_graph();
  g->clear_node();
  add_node(g, "Relu", "a", {"b_out"}, {"a_out"});
  add_node(g, "Add", "b", {"a_out", "x"}, {"b_out"});
  add_node(g, "Relu", "tail", {"b_out"}, {"y"});
  expect_error(load(m), StatusCode::kInvalidModel,
               {"has a cycle: Relu 'a' -> Add 'b' -> Relu 'a'"});
}

TEST(LoaderGraph, SelfLoopIsACycle) {
  onnx::ModelProto m = relu_model();
  onnx::GraphProto* g = m.mutable_graph();
  add_node(g, "Add", "loop", {"x", "z"}, {"z"});
  expect_error(load(m), StatusCode::kInvalidModel, {"has a cycle: Add 'loop' -> Add 'loop'"});
}

TEST(LoaderGraph, UnsortedNodesAreSorted) {
  onnx::ModelProto m = relu_model();
  onnx::GraphProto* g = m.mutable_graph();
  g->clear_node();
  add_node(g, "Relu", "second", {"t"}, {"y"});
  add_node(g, "Relu", "first", {"x"}, {"t"});
  auto r = load(m);
  ASSERT_TRUE(r) << r.status().to_string();
  ASSERT_EQ(r->graph->nodes.size(), 2u);
  EXPECT_EQ(r->graph->nodes[0].name, "first");
  EXPECT_EQ(r->graph->nodes[1].name, "second");
}

TEST(LoaderGraph, DuplicateOutputIsRefused) {
  onnx::ModelProto m = relu_model();
  add_node(m.mutable_graph(), "Relu", "relu2", {"x"}, {"y"});
  expect_error(load(m), StatusCode::kInvalidModel,
               {"Relu 'relu2'", "output 'y' is already produced by Relu 'relu'"});
  onnx::ModelProto m2 = relu_model();
  m2.mutable_graph()->mutable_node(0)->set_output(0, "x");
  m2.mutable_graph()->mutable_output(0)->set_name("x");
  expect_error(load(m2), StatusCode::kInvalidModel,
               {"Relu 'relu'", "output 'x' is already produced by a graph input"});
  onnx::ModelProto m3 = relu_model();
  *m3.mutable_graph()->add_output() = m3.graph().output(0);
  expect_error(load(m3), StatusCode::kInvalidModel, {"graph output 'y' is listed twice"});
}

TEST(LoaderGraph, UnknownOpIsUnsupported) {
  onnx::ModelProto m = relu_model();
  m.mutable_graph()->mutable_node(0)->set_op_type("FrobnicateTensor");
  expect_error(load(m), StatusCode::kUnsupported,
               {"FrobnicateTensor 'relu'", "operator FrobnicateTensor (opset 13) is not supported"});
}

TEST(LoaderGraph, Opset99IsUnsupported) {
  expect_error(load(relu_model(99)), StatusCode::kUnsupported,
               {"default-domain opset 99 is not supported"});
}

// If nodes nested `levels` deep through then_branch (else_branch is a leaf each time).
onnx::ModelProto nested_if_model(int levels) {
  onnx::ModelProto m = relu_model();
  onnx::GraphProto* top = m.mutable_graph();
  top->clear_node();
  set_tensor_type(top->add_input(), "c", {}, onnx::TensorProto::BOOL);
  auto leaf = [](onnx::GraphProto* g, const std::string& out) {
    g->set_name("leaf_" + out);
    add_node(g, "Relu", "leaf_" + out, {"x"}, {out});
    set_tensor_type(g->add_output(), out, {2, 3});
  };
  // Names built with append: GCC 12 warns (-Wrestrict, a false positive) on "lit" + to_string().
  auto numbered = [](std::string prefix, int i) { return prefix.append(std::to_string(i)); };
  onnx::GraphProto* g = top;
  std::string out = "y";
  for (int level = 0; level < levels; ++level) {
    onnx::NodeProto* n = add_node(g, "If", numbered("if", level), {"c"}, {out});
    onnx::AttributeProto* then_a = n->add_attribute();
    then_a->set_name("then_branch");
    then_a->set_type(onnx::AttributeProto::GRAPH);
    onnx::AttributeProto* else_a = n->add_attribute();
    else_a->set_name("else_branch");
    else_a->set_type(onnx::AttributeProto::GRAPH);
    leaf(else_a->mutable_g(), numbered("e", level));
    g = then_a->mutable_g();
    g->set_name(numbered("then", level));
    out = numbered("o", level);
    set_tensor_type(g->add_output(), out, {2, 3});
  }
  add_node(g, "Relu", "innermost", {"x"}, {out});
  return m;
}

TEST(LoaderGraph, NestedSubgraphDepthIsLimited) {
  LoadOptions opts;
  opts.max_subgraph_depth = 4;
  auto ok = load(nested_if_model(4), "", opts);
  ASSERT_TRUE(ok) << ok.status().to_string();
  expect_error(load(nested_if_model(5), "", opts), StatusCode::kResourceLimit,
               {"If 'if4'", "subgraphs nested deeper than 4 levels"});
}

TEST(LoaderGraph, BranchMayReturnAnOuterValue) {
  onnx::ModelProto m = nested_if_model(1);
  // then_branch: no nodes, its output is the outer graph's input x.
  onnx::GraphProto* then_g =
      m.mutable_graph()->mutable_node(0)->mutable_attribute(0)->mutable_g();
  then_g->clear_node();
  then_g->mutable_output(0)->set_name("x");
  auto r = load(m);
  ASSERT_TRUE(r) << r.status().to_string();
}

// ---- attributes and protobuf encoding ---------------------------------------------------

TEST(LoaderAttr, UntypedAttributeTakesTheTypeOfItsValue) {
  onnx::ModelProto m = relu_model();
  onnx::AttributeProto* a = m.mutable_graph()->mutable_node(0)->add_attribute();
  a->set_name("legacy");
  a->set_i(3);  // IR v1 files may leave `type` unset
  auto r = load(m);
  ASSERT_TRUE(r) << r.status().to_string();
  const ir::Attribute& attr = r->graph->nodes[0].raw_attrs.at("legacy");
  EXPECT_EQ(attr.kind, ir::Attribute::Kind::kInt);
  EXPECT_EQ(attr.i, 3);
  a->set_f(1.5f);  // now two kinds of value: ambiguous
  expect_error(load(m), StatusCode::kInvalidModel,
               {"Relu 'relu' attribute 'legacy'", "has no type (UNDEFINED) and 2 kinds of value"});
}

TEST(LoaderProto, WrongWireTypeIsNamed) {
  onnx::ModelProto m = relu_model();
  // Replace the node's op_type (field 4, a string) by a varint with the same field number.
  m.mutable_graph()->mutable_node(0)->clear_op_type();
  m.mutable_graph()->mutable_node(0)->GetReflection()->MutableUnknownFields(
      m.mutable_graph()->mutable_node(0))->AddVarint(4, 7);
  expect_error(load(m), StatusCode::kInvalidModel,
               {"model.graph ('g').node[0] ('relu')",
                "field 'op_type' (number 4 of NodeProto) has wire type varint, expected "
                "length-delimited"});
}

TEST(LoaderProto, GarbageAndEmptyAreRefused) {
  expect_error(onnx_io::load_model_bytes("", 0, ""), StatusCode::kInvalidModel,
               {"model file is empty"});
  const std::string garbage = "\xff\xff\xff\xff not a model";
  expect_error(onnx_io::load_model_bytes(garbage.data(), garbage.size(), ""),
               StatusCode::kInvalidModel, {"not a valid ONNX model"});
  const std::string whole = relu_model().SerializeAsString();
  expect_error(onnx_io::load_model_bytes(whole.data(), whole.size() - 3, ""),
               StatusCode::kInvalidModel, {"not a valid ONNX model"});
}

}  // namespace
}  // namespace sf
