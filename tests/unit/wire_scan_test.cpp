// Wire scan of initializer payloads (io/onnx/wire_scan.hpp), checked against protobuf itself: the
// skeleton must parse to the model protobuf reads from the file with the top graph's initializer
// raw_data cleared, each reference must point at protobuf's raw_data bytes, and every file the
// scan declines must still load through the whole-file parse with protobuf's verdict.
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "io/onnx/loader.hpp"
#include "io/onnx/wire_scan.hpp"

namespace sf {
namespace {

using onnx_io::MemorySource;
using onnx_io::scan_model;

std::string floats_bytes(const std::vector<float>& v) {
  return std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(float));
}

void set_type(onnx::ValueInfoProto* vi, const std::string& name, const std::vector<int64_t>& dims) {
  vi->set_name(name);
  auto* tt = vi->mutable_type()->mutable_tensor_type();
  tt->set_elem_type(onnx::TensorProto::FLOAT);
  for (int64_t d : dims) tt->mutable_shape()->add_dim()->set_dim_value(d);
}

onnx::TensorProto* add_init(onnx::GraphProto* g, const std::string& name,
                            const std::vector<int64_t>& dims, int type = onnx::TensorProto::FLOAT) {
  onnx::TensorProto* t = g->add_initializer();
  t->set_name(name);
  t->set_data_type(type);
  for (int64_t d : dims) t->add_dims(d);
  return t;
}

onnx::NodeProto* add_node(onnx::GraphProto* g, const std::string& op,
                          const std::vector<std::string>& in, const std::string& out) {
  onnx::NodeProto* n = g->add_node();
  n->set_op_type(op);
  n->set_name(out + "_node");
  for (const auto& s : in) n->add_input(s);
  n->add_output(out);
  return n;
}

const std::vector<float> kA = {0.5f, -1.25f, 2.f, 3.5f, -4.f, 8.25f};
const std::vector<float> kB = {2.f, -3.f, 0.25f};
const std::vector<int64_t> kC = {7, -9};

// y = (x + a) * b with a float[2,3] in raw_data, b float[3] in float_data and an unused int64[2]
// c in raw_data: the three ways an initializer holds its values.
onnx::ModelProto small_model() {
  onnx::ModelProto m;
  m.set_ir_version(8);
  m.set_producer_name("wire_scan_test");
  m.add_opset_import()->set_version(13);
  onnx::GraphProto* g = m.mutable_graph();
  g->set_name("g");
  set_type(g->add_input(), "x", {2, 3});
  set_type(g->add_output(), "y", {2, 3});
  add_node(g, "Add", {"x", "a"}, "s");
  add_node(g, "Mul", {"s", "b"}, "y");
  add_init(g, "a", {2, 3})->set_raw_data(floats_bytes(kA));
  onnx::TensorProto* b = add_init(g, "b", {3});
  for (float v : kB) b->add_float_data(v);
  add_init(g, "c", {2}, onnx::TensorProto::INT64)
      ->set_raw_data(std::string(reinterpret_cast<const char*>(kC.data()), 16));
  return m;
}

// Unknown fields of every wire type (a newer ONNX's fields), whose bytes look like the tags the
// scan looks for (0x3a graph, 0x2a initializer, 0x4a raw_data): a scan that skipped any of them
// by the wrong length would take them for fields.
void add_unknown_fields(google::protobuf::Message* msg) {
  auto* u = msg->GetReflection()->MutableUnknownFields(msg);
  u->AddVarint(1000, 0x4a3a2a);
  u->AddFixed32(1001, 0x4a3a2a4a);
  u->AddFixed64(1002, 0x4a3a2a4a3a2a4a3aull);
  u->AddLengthDelimited(1003, "\x4a\x02\x3a\x2a");
}

// small_model() plus an If whose branches hold initializers of their own (with raw_data, which
// the scan must leave in the skeleton: only the top graph's payloads are detached), and unknown
// fields in the model, the graph and an initializer.
onnx::ModelProto model_with_subgraphs() {
  onnx::ModelProto m = small_model();
  onnx::GraphProto* g = m.mutable_graph();
  add_unknown_fields(&m);
  add_unknown_fields(g);
  add_unknown_fields(g->mutable_initializer(0));
  onnx::TensorProto* cond = add_init(g, "cond", {}, onnx::TensorProto::BOOL);
  cond->set_raw_data(std::string(1, '\1'));
  onnx::NodeProto* n = add_node(g, "If", {"cond"}, "z");
  for (const char* branch : {"then_branch", "else_branch"}) {
    onnx::AttributeProto* a = n->add_attribute();
    a->set_name(branch);
    a->set_type(onnx::AttributeProto::GRAPH);
    onnx::GraphProto* sg = a->mutable_g();
    sg->set_name(branch);
    add_init(sg, std::string(branch) + "_k", {3})->set_raw_data(floats_bytes(kB));
    add_node(sg, "Identity", {std::string(branch) + "_k"}, std::string(branch) + "_out");
    set_type(sg->add_output(), std::string(branch) + "_out", {3});
  }
  set_type(g->add_output(), "z", {3});
  return m;
}

template <typename T>
std::vector<T> values_of(const ir::Graph& g, const std::string& name) {
  auto id = g.find(name);
  EXPECT_TRUE(id.has_value()) << name;
  if (!id || !g.value(*id).constant) return {};
  const Tensor& t = *g.value(*id).constant;
  return std::vector<T>(t.data<T>(), t.data<T>() + t.numel());
}

// The property every scanned file must have, with protobuf's own parse as the reference.
void expect_scan_matches_protobuf(const std::string& bytes, const std::string& label) {
  const auto scanned = scan_model(MemorySource(bytes.data(), static_cast<int64_t>(bytes.size())));
  if (!scanned) return;  // declined: the loader parses the whole file (tested below)
  onnx::ModelProto whole, skeleton;
  const bool whole_ok = whole.ParseFromString(bytes);
  const bool skeleton_ok = skeleton.ParseFromString(scanned->skeleton);
  ASSERT_EQ(whole_ok, skeleton_ok) << label;
  if (!whole_ok) return;
  ASSERT_EQ(scanned->raw_data.size(), static_cast<size_t>(whole.graph().initializer_size())) << label;
  for (int i = 0; i < whole.graph().initializer_size(); ++i) {
    onnx::TensorProto* t = whole.mutable_graph()->mutable_initializer(i);
    const onnx_io::RawDataRef& ref = scanned->raw_data[static_cast<size_t>(i)];
    ASSERT_EQ(ref.present(), t->has_raw_data()) << label << " initializer " << i;
    if (ref.present()) {
      EXPECT_EQ(bytes.substr(static_cast<size_t>(ref.offset), static_cast<size_t>(ref.size)),
                t->raw_data())
          << label << " initializer " << i;
    }
    t->clear_raw_data();
  }
  EXPECT_EQ(skeleton.SerializeAsString(), whole.SerializeAsString()) << label;
}

TEST(WireScan, SkeletonIsTheModelWithoutTopLevelRawData) {
  const std::string bytes = model_with_subgraphs().SerializeAsString();
  const auto scanned = scan_model(MemorySource(bytes.data(), static_cast<int64_t>(bytes.size())));
  ASSERT_TRUE(scanned.has_value());
  // a, c and cond have raw_data; b has float_data.
  ASSERT_EQ(scanned->raw_data.size(), 4u);
  EXPECT_TRUE(scanned->raw_data[0].present());
  EXPECT_FALSE(scanned->raw_data[1].present());
  EXPECT_EQ(scanned->raw_data[2].size, 16);
  EXPECT_LT(scanned->skeleton.size(), bytes.size() - 24 - 16);
  expect_scan_matches_protobuf(bytes, "unmodified");
  // The branches keep their initializers' raw_data.
  onnx::ModelProto skeleton;
  ASSERT_TRUE(skeleton.ParseFromString(scanned->skeleton));
  const onnx::NodeProto& if_node = skeleton.graph().node(2);
  EXPECT_EQ(if_node.attribute(0).g().initializer(0).raw_data(), floats_bytes(kB));
}

TEST(WireScan, AgreesWithProtobufOnTruncatedAndCorruptedFiles) {
  const std::string bytes = model_with_subgraphs().SerializeAsString();
  for (size_t n = 0; n < bytes.size(); ++n)
    expect_scan_matches_protobuf(bytes.substr(0, n), "truncated to " + std::to_string(n));
  const unsigned char kValues[] = {0x00, 0x01, 0x08, 0x0a, 0x2a, 0x3a, 0x4a, 0x7f, 0x80, 0xff};
  for (size_t i = 0; i < bytes.size(); ++i)
    for (unsigned char v : kValues) {
      std::string bad = bytes;
      bad[i] = static_cast<char>(v);
      expect_scan_matches_protobuf(bad, "byte " + std::to_string(i) + " = " + std::to_string(v));
    }
}

TEST(WireScan, LoadedValuesComeFromTheDetachedPayloads) {
  const std::string bytes = small_model().SerializeAsString();
  auto r = onnx_io::load_model_bytes(bytes.data(), bytes.size(), "");
  ASSERT_TRUE(r) << r.status().to_string();
  EXPECT_EQ(values_of<float>(*r->graph, "a"), kA);
  EXPECT_EQ(values_of<float>(*r->graph, "b"), kB);
  EXPECT_EQ(values_of<int64_t>(*r->graph, "c"), kC);
}

// A graph field that appears twice is merged by protobuf (its initializers concatenated): the
// scan declines it and the whole-file parse loads both halves.
TEST(WireScan, RepeatedGraphFieldIsLeftToProtobuf) {
  onnx::ModelProto second;
  add_init(second.mutable_graph(), "d", {3})->set_raw_data(floats_bytes(kB));
  const std::string bytes = small_model().SerializeAsString() + second.SerializeAsString();
  EXPECT_FALSE(scan_model(MemorySource(bytes.data(), static_cast<int64_t>(bytes.size()))));
  auto r = onnx_io::load_model_bytes(bytes.data(), bytes.size(), "");
  ASSERT_TRUE(r) << r.status().to_string();
  EXPECT_EQ(values_of<float>(*r->graph, "a"), kA);
  EXPECT_EQ(values_of<float>(*r->graph, "d"), kB);
}

// raw_data written twice in one initializer: protobuf keeps the last.
TEST(WireScan, RepeatedRawDataIsLeftToProtobuf) {
  onnx::ModelProto m = small_model();
  onnx::TensorProto* a = m.mutable_graph()->mutable_initializer(0);
  const std::vector<float> last = {6, 5, 4, 3, 2, 1};
  a->GetReflection()->MutableUnknownFields(a)->AddLengthDelimited(9, floats_bytes(last));
  const std::string bytes = m.SerializeAsString();
  EXPECT_FALSE(scan_model(MemorySource(bytes.data(), static_cast<int64_t>(bytes.size()))));
  auto r = onnx_io::load_model_bytes(bytes.data(), bytes.size(), "");
  ASSERT_TRUE(r) << r.status().to_string();
  EXPECT_EQ(values_of<float>(*r->graph, "a"), last);
}

// ModelProto.graph's tag written in two bytes (0xba 0x00 instead of 0x3a): declined, and the
// loader's verdict is protobuf's.
TEST(WireScan, OverlongTagIsLeftToProtobuf) {
  onnx::ModelProto m = small_model();
  m.clear_ir_version();  // so the graph field comes first
  m.clear_producer_name();
  const std::string good = m.SerializeAsString();
  ASSERT_EQ(static_cast<unsigned char>(good[0]), 0x3a);
  const std::string bytes = std::string("\xba\x00", 2) + good.substr(1);
  EXPECT_FALSE(scan_model(MemorySource(bytes.data(), static_cast<int64_t>(bytes.size()))));
  onnx::ModelProto reference;
  const bool protobuf_ok = reference.ParseFromString(bytes);
  auto r = onnx_io::load_model_bytes(bytes.data(), bytes.size(), "");
  EXPECT_EQ(static_cast<bool>(r), protobuf_ok) << (r ? "" : r.status().to_string());
}

class TempDir {
 public:
  TempDir() {
    std::string tmpl = ::testing::TempDir() + "sf_wire_scan_XXXXXX";
    path_ = mkdtemp(tmpl.data());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string write(const std::string& name, const std::string& bytes) const {
    const std::string p = path_ + "/" + name;
    std::ofstream(p, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    return p;
  }

 private:
  std::string path_;
};

// From a file: payloads read with pread, external data beside them still resolved.
TEST(WireScan, FileWithRawAndExternalInitializers) {
  TempDir dir;
  const std::vector<float> ext = {1.5f, 2.5f, 3.5f};
  dir.write("ext.bin", floats_bytes({-7.f}) + floats_bytes(ext));
  onnx::ModelProto m = small_model();
  onnx::TensorProto* e = add_init(m.mutable_graph(), "e", {3});
  e->set_data_location(onnx::TensorProto::EXTERNAL);
  auto* kv = e->add_external_data();
  kv->set_key("location");
  kv->set_value("ext.bin");
  kv = e->add_external_data();
  kv->set_key("offset");
  kv->set_value("4");
  const std::string path = dir.write("m.onnx", m.SerializeAsString());
  auto r = onnx_io::load_model_file(path);
  ASSERT_TRUE(r) << r.status().to_string();
  EXPECT_EQ(values_of<float>(*r->graph, "a"), kA);
  EXPECT_EQ(values_of<float>(*r->graph, "b"), kB);
  EXPECT_EQ(values_of<int64_t>(*r->graph, "c"), kC);
  EXPECT_EQ(values_of<float>(*r->graph, "e"), ext);
}

// A file cut inside a payload: declined by the scan, refused by the whole-file parse.
TEST(WireScan, TruncatedFileIsRefused) {
  TempDir dir;
  const std::string bytes = small_model().SerializeAsString();
  const std::string a = floats_bytes(kA);
  const size_t in_a = bytes.find(a) + a.size() / 2;
  const std::string path = dir.write("cut.onnx", bytes.substr(0, in_a));
  auto r = onnx_io::load_model_file(path);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidModel);
  EXPECT_NE(r.status().message().find("the protobuf could not be parsed"), std::string::npos)
      << r.status().message();
}

}  // namespace
}  // namespace sf
