#include "io/onnx/loader.hpp"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl.h>
#include <google/protobuf/message.h>
#include <google/protobuf/unknown_field_set.h>
#include <onnx/onnx_pb.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <limits>
#include <map>
#include <optional>

#include "io/onnx/tensor_proto.hpp"
#include "io/onnx/wire_scan.hpp"
#include "ir/op_schema.hpp"

namespace sf::onnx_io {

namespace {

using ir::Attribute;
using ir::Graph;
using ir::Node;
using ir::Value;
using ir::ValueId;

// The top graph's initializer payloads, when the wire scan kept them out of the parsed proto:
// one entry per initializer, read from `source` during conversion.
struct DetachedPayloads {
  const ByteSource* source = nullptr;
  const std::vector<RawDataRef>* raw_data = nullptr;
};

struct Ctx {
  std::string model_dir;
  LoadOptions opts;
  DetachedPayloads payloads;
  std::map<std::string, int> opsets;  // domain -> version
  int64_t node_count = 0;
};

Result<ir::TypeInfo> type_from_proto(const onnx::ValueInfoProto& vi) {
  ir::TypeInfo t;
  if (!vi.has_type()) return t;
  const auto& tp = vi.type();
  if (!tp.has_tensor_type())
    return unsupported("value '" + vi.name() + "': only tensor types are supported (sequence, map "
                       "and optional types are not)");
  const auto& tt = tp.tensor_type();
  const auto dt = dtype_from_onnx(tt.elem_type());
  if (!dt) return onnx_dtype_error(tt.elem_type(), "value '" + vi.name() + "'");
  t.dtype = *dt;
  if (tt.has_shape()) {
    if (static_cast<size_t>(tt.shape().dim_size()) > kMaxRank)
      return invalid_model("value '" + vi.name() + "': rank " +
                           std::to_string(tt.shape().dim_size()) + " exceeds " +
                           std::to_string(kMaxRank));
    Shape s;
    // Product of the fixed non-zero dims: checked here so that shape inference and kernels may
    // multiply declared dims (element counts, strides) without overflowing.
    int64_t product = 1;
    bool overflow = false;
    for (const auto& d : tt.shape().dim()) {
      if (d.has_dim_value()) {
        if (d.dim_value() < 0)
          return invalid_model("value '" + vi.name() + "': negative dim " +
                               std::to_string(d.dim_value()) + " in declared shape");
        s.push_back(d.dim_value());
        if (d.dim_value() == 0) continue;
        if (product > std::numeric_limits<int64_t>::max() / d.dim_value()) overflow = true;
        else product *= d.dim_value();
      } else {
        s.push_back(kUnknownDim);
      }
    }
    if (overflow)
      return invalid_model("value '" + vi.name() + "': element count of declared shape " +
                           shape_str(s) + " overflows int64");
    t.shape = s;
  }
  return t;
}

// ---- wire types --------------------------------------------------------------------------
// protobuf parses a known field that arrives with the wrong wire type (say ModelProto.graph
// encoded as a varint) into the unknown-field set instead of failing, which would surface later
// as a confusing "has no graph". check_wire_types() walks every parsed message and reports such a
// field by its path. Unknown field numbers (fields of a newer ONNX) stay accepted.

namespace pb = google::protobuf;

// One step of the path from the ModelProto to a message, rendered only when reporting.
struct PathStep {
  const PathStep* up;
  const pb::FieldDescriptor* field;  // null for the root
  int index;                         // -1 for a singular field
  const pb::Message* msg;
};

std::string render_path(const PathStep* step) {
  if (!step || !step->field) return "model";
  std::string s = render_path(step->up) + "." + step->field->name();
  if (step->index >= 0) s += "[" + std::to_string(step->index) + "]";
  // Name nodes, values and tensors so the message points at something a user can find.
  const pb::Descriptor* d = step->msg->GetDescriptor();
  const pb::Reflection* r = step->msg->GetReflection();
  const pb::FieldDescriptor* name = d->FindFieldByName("name");
  const pb::FieldDescriptor* op = d->FindFieldByName("op_type");
  std::string label;
  if (op && op->type() == pb::FieldDescriptor::TYPE_STRING && r->HasField(*step->msg, op))
    label = r->GetString(*step->msg, op);
  if (name && name->type() == pb::FieldDescriptor::TYPE_STRING && !name->is_repeated() &&
      r->HasField(*step->msg, name))
    label += (label.empty() ? "'" : " '") + r->GetString(*step->msg, name) + "'";
  if (!label.empty()) s += " (" + label + ")";
  return s;
}

const char* wire_type_name(pb::UnknownField::Type t) {
  switch (t) {
    case pb::UnknownField::TYPE_VARINT: return "varint";
    case pb::UnknownField::TYPE_FIXED32: return "fixed32";
    case pb::UnknownField::TYPE_FIXED64: return "fixed64";
    case pb::UnknownField::TYPE_LENGTH_DELIMITED: return "length-delimited";
    case pb::UnknownField::TYPE_GROUP: return "group";
  }
  return "unknown";
}

const char* expected_wire_type(const pb::FieldDescriptor& f) {
  switch (f.type()) {
    case pb::FieldDescriptor::TYPE_FIXED32:
    case pb::FieldDescriptor::TYPE_SFIXED32:
    case pb::FieldDescriptor::TYPE_FLOAT: return "fixed32";
    case pb::FieldDescriptor::TYPE_FIXED64:
    case pb::FieldDescriptor::TYPE_SFIXED64:
    case pb::FieldDescriptor::TYPE_DOUBLE: return "fixed64";
    case pb::FieldDescriptor::TYPE_STRING:
    case pb::FieldDescriptor::TYPE_BYTES:
    case pb::FieldDescriptor::TYPE_MESSAGE: return "length-delimited";
    case pb::FieldDescriptor::TYPE_GROUP: return "group";
    default: return "varint";
  }
}

Status check_wire_types(const pb::Message& m, const PathStep& here) {
  const pb::Reflection* r = m.GetReflection();
  const pb::Descriptor* d = m.GetDescriptor();
  const pb::UnknownFieldSet& unknown = r->GetUnknownFields(m);
  for (int i = 0; i < unknown.field_count(); ++i) {
    const pb::UnknownField& u = unknown.field(i);
    if (const pb::FieldDescriptor* f = d->FindFieldByNumber(u.number()))
      return invalid_model("not a valid ONNX model: " + render_path(&here) + ": field '" +
                           f->name() + "' (number " + std::to_string(u.number()) + " of " +
                           d->name() + ") has wire type " + wire_type_name(u.type()) +
                           ", expected " + expected_wire_type(*f));
  }
  std::vector<const pb::FieldDescriptor*> fields;
  r->ListFields(m, &fields);
  for (const pb::FieldDescriptor* f : fields) {
    if (f->cpp_type() != pb::FieldDescriptor::CPPTYPE_MESSAGE) continue;
    if (f->is_repeated()) {
      const int n = r->FieldSize(m, f);
      for (int i = 0; i < n; ++i) {
        const pb::Message& sub = r->GetRepeatedMessage(m, f, i);
        SF_TRY(check_wire_types(sub, PathStep{&here, f, i, &sub}));
      }
    } else {
      const pb::Message& sub = r->GetMessage(m, f);
      SF_TRY(check_wire_types(sub, PathStep{&here, f, -1, &sub}));
    }
  }
  return Status::ok();
}

// The chain of enclosing graphs whose values a subgraph may read.
struct Scope {
  const Graph* graph;
  const Scope* up;
  bool defines(const std::string& name) const {
    for (const Scope* s = this; s; s = s->up)
      if (s->graph->find(name)) return true;
    return false;
  }
};

Result<std::unique_ptr<Graph>> convert_graph(const onnx::GraphProto& gp, Ctx& ctx, int depth,
                                             const Scope* outer);

Result<Attribute> convert_attr(const onnx::AttributeProto& a, Ctx& ctx, int depth,
                               const Scope* scope, const std::string& where) {
  Attribute out;
  const std::string what = where + " attribute '" + a.name() + "'";
  using AP = onnx::AttributeProto;
  AP::AttributeType type = a.type();
  if (type == AP::UNDEFINED) {
    // Files from IR version 1 may omit the type; accept them when exactly one value is set.
    std::vector<AP::AttributeType> set;
    if (a.has_i()) set.push_back(AP::INT);
    if (a.has_f()) set.push_back(AP::FLOAT);
    if (a.has_s()) set.push_back(AP::STRING);
    if (a.has_t()) set.push_back(AP::TENSOR);
    if (a.has_g()) set.push_back(AP::GRAPH);
    if (a.ints_size() > 0) set.push_back(AP::INTS);
    if (a.floats_size() > 0) set.push_back(AP::FLOATS);
    if (a.strings_size() > 0) set.push_back(AP::STRINGS);
    if (set.size() != 1)
      return invalid_model(what + " has no type (UNDEFINED) and " +
                           (set.empty() ? std::string("no value")
                                        : std::to_string(set.size()) + " kinds of value"));
    type = set[0];
  }
  switch (type) {
    case AP::INT: out.kind = Attribute::Kind::kInt; out.i = a.i(); break;
    case AP::FLOAT: out.kind = Attribute::Kind::kFloat; out.f = a.f(); break;
    case AP::STRING: out.kind = Attribute::Kind::kString; out.s = a.s(); break;
    case AP::INTS:
      out.kind = Attribute::Kind::kInts;
      out.ints.assign(a.ints().begin(), a.ints().end());
      break;
    case AP::FLOATS:
      out.kind = Attribute::Kind::kFloats;
      out.floats.assign(a.floats().begin(), a.floats().end());
      break;
    case AP::STRINGS:
      out.kind = Attribute::Kind::kStrings;
      out.strings.assign(a.strings().begin(), a.strings().end());
      break;
    case AP::TENSOR: {
      out.kind = Attribute::Kind::kTensor;
      SF_ASSIGN_OR_RETURN(out.t, tensor_from_proto(a.t(), ctx.model_dir, ctx.opts, what));
      break;
    }
    case AP::GRAPH: {
      out.kind = Attribute::Kind::kGraph;
      if (depth + 1 > ctx.opts.max_subgraph_depth)
        return resource_limit(what + ": subgraphs nested deeper than " +
                              std::to_string(ctx.opts.max_subgraph_depth) + " levels");
      SF_ASSIGN_OR_RETURN(auto g, convert_graph(a.g(), ctx, depth + 1, scope));
      out.g = std::shared_ptr<Graph>(std::move(g));
      break;
    }
    case AP::UNDEFINED:
      return invalid_model(what + " has no type (UNDEFINED)");
    default:
      // SPARSE_TENSOR, TYPE_PROTO, GRAPHS and friends: keep the name so an op that needs it
      // reports a clear error; ops that do not use it ignore it.
      out.kind = Attribute::Kind::kOther;
      break;
  }
  return out;
}

// Pass 1 of a node: op, domain and outputs. Every node's outputs are declared before any input
// is resolved, so that nodes listed out of order load (they are sorted afterwards) and a cycle is
// reported as a cycle rather than as an undefined input.
Status declare_node(Graph& g, const onnx::NodeProto& np, size_t index, Ctx& ctx) {
  Node n;
  n.name = np.name().empty() ? np.op_type() + "_" + std::to_string(index) : np.name();
  n.domain = np.domain() == "ai.onnx" ? "" : np.domain();
  const std::string where = np.op_type() + " '" + n.name + "'";
  if (np.op_type().empty()) return invalid_model("node " + std::to_string(index) + " ('" + n.name +
                                                 "') has no op_type");
  auto dom = ctx.opsets.find(n.domain);
  if (dom == ctx.opsets.end())
    return invalid_model(where + ": domain '" + n.domain + "' is not imported by the model");
  n.opset = dom->second;
  if (!n.domain.empty())
    return unsupported(where + ": operator " + np.op_type() + " of domain '" + n.domain +
                       "' (opset " + std::to_string(n.opset) + ") is not supported");
  auto op = ir::op_from_name(np.op_type());
  if (!op)
    return unsupported(where + ": operator " + np.op_type() + " (opset " +
                       std::to_string(n.opset) + ") is not supported");
  if (ir::op_is_internal(*op))
    return unsupported(where + ": operator " + np.op_type() + " is internal to steadfast (made by " +
                       "its fusion passes) and cannot appear in a model file");
  n.op = *op;
  const auto node_index = static_cast<int32_t>(g.nodes.size());
  for (const std::string& out : np.output()) {
    if (out.empty()) {
      n.outputs.push_back(ir::kNoValue);
      continue;
    }
    if (auto prev = g.find(out)) {
      const Value& v = g.value(*prev);
      std::string by = "a graph input";
      if (v.producer == node_index) by = "this node (listed twice)";
      else if (v.producer >= 0) by = g.nodes[static_cast<size_t>(v.producer)].label();
      else if (v.constant) by = "an initializer";
      return invalid_model(where + ": output '" + out + "' is already produced by " + by);
    }
    SF_ASSIGN_OR_RETURN(ValueId id, g.add_value(out));
    g.value(id).producer = node_index;
    n.outputs.push_back(id);
  }
  g.nodes.push_back(std::move(n));
  return Status::ok();
}

// Pass 2 of a node: attributes (subgraphs included) and inputs.
Status resolve_node(Graph& g, const onnx::NodeProto& np, Node& n, Ctx& ctx, int depth,
                    const Scope* outer) {
  const Scope here{&g, outer};
  const std::string where = np.op_type() + " '" + n.name + "'";
  for (const auto& a : np.attribute()) {
    if (a.name().empty()) return invalid_model(where + ": attribute with an empty name");
    if (n.raw_attrs.count(a.name()))
      return invalid_model(where + ": attribute '" + a.name() + "' appears twice");
    if (!a.ref_attr_name().empty())
      return unsupported(where + ": attribute references (functions) are not supported");
    SF_ASSIGN_OR_RETURN(Attribute attr, convert_attr(a, ctx, depth, &here, where));
    n.raw_attrs.emplace(a.name(), std::move(attr));
  }
  for (const std::string& in : np.input()) {
    if (in.empty()) {
      n.inputs.push_back(ir::kNoValue);
      continue;
    }
    auto id = g.find(in);
    if (!id) {
      // A subgraph may read values of its enclosing graphs; they are bound at run time.
      if (!outer || !outer->defines(in))
        return invalid_model(where + ": input '" + in + "' is not defined by any node, input or "
                             "initializer" + (outer ? " of this subgraph or its enclosing graphs"
                                                    : ""));
      SF_ASSIGN_OR_RETURN(ValueId oid, g.add_value(in));
      g.outer_refs.push_back(in);
      id = oid;
    }
    n.inputs.push_back(*id);
  }
  return Status::ok();
}

// Names one cycle among the nodes Kahn's algorithm left over (indeg > 0): every leftover node
// has a leftover producer, so walking producers from any of them must revisit a node.
Status cycle_error(const Graph& g, const std::vector<int>& indeg) {
  size_t start = 0;
  while (indeg[start] == 0) ++start;
  std::vector<int> seen_at(g.nodes.size(), -1);
  std::vector<size_t> walk;
  size_t cur = start;
  while (seen_at[cur] < 0) {
    seen_at[cur] = static_cast<int>(walk.size());
    walk.push_back(cur);
    size_t next = cur;
    for (ValueId v : g.nodes[cur].inputs) {
      if (v == ir::kNoValue) continue;
      const int32_t p = g.value(v).producer;
      if (p >= 0 && indeg[static_cast<size_t>(p)] > 0) {
        next = static_cast<size_t>(p);
        break;
      }
    }
    cur = next;
  }
  // walk[seen_at[cur]..] is the cycle, each node reading the next one's output; print it in
  // data-flow order.
  std::string path = g.nodes[cur].label();
  for (size_t k = walk.size(); k-- > static_cast<size_t>(seen_at[cur]);)
    path += " -> " + g.nodes[walk[k]].label();
  return invalid_model("graph " + (g.name.empty() ? std::string() : "'" + g.name + "' ") +
                       "has a cycle: " + path);
}

// Kahn's algorithm over nodes; a leftover node sits on a cycle (or depends on one).
Status topo_sort(Graph& g) {
  const size_t n = g.nodes.size();
  std::vector<int> indeg(n, 0);
  std::vector<std::vector<size_t>> users(n);
  for (size_t i = 0; i < n; ++i)
    for (ValueId v : g.nodes[i].inputs) {
      if (v == ir::kNoValue) continue;
      const int32_t p = g.value(v).producer;
      if (p >= 0) {
        ++indeg[i];
        users[static_cast<size_t>(p)].push_back(i);
      }
    }
  std::vector<size_t> order;
  order.reserve(n);
  for (size_t i = 0; i < n; ++i)
    if (indeg[i] == 0) order.push_back(i);
  for (size_t k = 0; k < order.size(); ++k)
    for (size_t u : users[order[k]])
      if (--indeg[u] == 0) order.push_back(u);
  if (order.size() != n) return cycle_error(g, indeg);
  std::vector<Node> sorted;
  sorted.reserve(n);
  std::vector<int32_t> new_index(n);
  for (size_t k = 0; k < n; ++k) new_index[order[k]] = static_cast<int32_t>(k);
  for (size_t k = 0; k < n; ++k) sorted.push_back(std::move(g.nodes[order[k]]));
  g.nodes = std::move(sorted);
  for (auto& v : g.values)
    if (v.producer >= 0) v.producer = new_index[static_cast<size_t>(v.producer)];
  return Status::ok();
}

// Frees a converted initializer's payload (swap with empty containers: clear() keeps capacity).
void release_tensor_payload(onnx::TensorProto& t) {
  std::string().swap(*t.mutable_raw_data());
  google::protobuf::RepeatedField<float>().Swap(t.mutable_float_data());
  google::protobuf::RepeatedField<double>().Swap(t.mutable_double_data());
  google::protobuf::RepeatedField<int32_t>().Swap(t.mutable_int32_data());
  google::protobuf::RepeatedField<int64_t>().Swap(t.mutable_int64_data());
  google::protobuf::RepeatedField<uint64_t>().Swap(t.mutable_uint64_data());
}

Result<std::unique_ptr<Graph>> convert_graph(const onnx::GraphProto& gp, Ctx& ctx, int depth,
                                             const Scope* outer) {
  auto g = std::make_unique<Graph>();
  g->name = gp.name();
  if (gp.sparse_initializer_size() > 0)
    return unsupported("graph '" + gp.name() + "': sparse initializers are not supported");
  // Only the top graph's payloads are detached; subgraphs sit inside node attributes.
  const std::vector<RawDataRef>* detached = depth == 0 ? ctx.payloads.raw_data : nullptr;
  if (detached && detached->size() != static_cast<size_t>(gp.initializer_size()))
    return internal_error("the wire scan found " + std::to_string(detached->size()) +
                          " initializers, protobuf " + std::to_string(gp.initializer_size()));
  for (int i = 0; i < gp.initializer_size(); ++i) {
    const onnx::TensorProto& init = gp.initializer(i);
    if (init.name().empty()) return invalid_model("an initializer has an empty name");
    const std::string what = "initializer '" + init.name() + "'";
    if (g->find(init.name())) return invalid_model(what + " is listed twice");
    SF_ASSIGN_OR_RETURN(ValueId id, g->add_value(init.name()));
    const RawDataRef ref = detached ? (*detached)[static_cast<size_t>(i)] : RawDataRef{};
    const DetachedRawData raw{ctx.payloads.source, ref.offset, ref.size};
    SF_ASSIGN_OR_RETURN(Tensor t, tensor_from_proto(init, ctx.model_dir, ctx.opts, what,
                                                    ref.present() ? &raw : nullptr));
    g->value(id).type = ir::TypeInfo{t.dtype(), t.shape()};
    g->value(id).constant = std::move(t);
    // The bytes now live in the tensor: free the proto's copy (typed fields, or raw_data when the
    // whole file was parsed) at once. The ModelProto is the loader's own (non-const).
    release_tensor_payload(const_cast<onnx::TensorProto&>(init));
  }
  for (const auto& in : gp.input()) {
    if (in.name().empty()) return invalid_model("a graph input has an empty name");
    SF_ASSIGN_OR_RETURN(ir::TypeInfo t, type_from_proto(in));
    if (auto existing = g->find(in.name())) {
      // An initializer that is also listed as an input: a default value (IR < 4 style).
      const Value& v = g->value(*existing);
      if (!v.constant) return invalid_model("graph input '" + in.name() + "' is listed twice");
      if (t.dtype != DType::kUndefined && t.dtype != v.type.dtype)
        return invalid_model("input '" + in.name() + "' is declared " + dtype_name(t.dtype) +
                             " but its initializer is " + dtype_name(v.type.dtype));
      continue;
    }
    SF_ASSIGN_OR_RETURN(ValueId id, g->add_value(in.name()));
    if (outer == nullptr && t.dtype == DType::kUndefined)
      return invalid_model("graph input '" + in.name() + "' has no tensor type");
    if (t.dtype == DType::kString) return unsupported("graph input '" + in.name() + "' is a string tensor");
    g->value(id).type = t;
    g->inputs.push_back(id);
  }
  if (static_cast<int64_t>(gp.node_size()) + ctx.node_count > ctx.opts.max_nodes)
    return resource_limit("model has more than " + std::to_string(ctx.opts.max_nodes) + " nodes");
  ctx.node_count += gp.node_size();
  for (int i = 0; i < gp.node_size(); ++i)
    SF_TRY(declare_node(*g, gp.node(i), static_cast<size_t>(i), ctx));
  for (int i = 0; i < gp.node_size(); ++i)
    SF_TRY(resolve_node(*g, gp.node(i), g->nodes[static_cast<size_t>(i)], ctx, depth, outer));
  for (const auto& out : gp.output()) {
    auto id = g->find(out.name());
    if (!id && outer && outer->defines(out.name())) {
      // A branch may return a value of an enclosing graph unchanged.
      SF_ASSIGN_OR_RETURN(ValueId oid, g->add_value(out.name()));
      g->outer_refs.push_back(out.name());
      id = oid;
    }
    if (!id)
      return invalid_model("graph output '" + out.name() + "' is not produced by any node, input "
                           "or initializer");
    for (ValueId o : g->outputs)
      if (o == *id) return invalid_model("graph output '" + out.name() + "' is listed twice");
    SF_ASSIGN_OR_RETURN(ir::TypeInfo t, type_from_proto(out));
    Value& v = g->value(*id);
    if (v.type.dtype == DType::kUndefined) v.type = t;
    g->outputs.push_back(*id);
  }
  if (g->outputs.empty() && outer == nullptr) return invalid_model("graph has no outputs");
  SF_TRY(topo_sort(*g));
  for (Node& n : g->nodes) SF_TRY(ir::parse_node(n));
  return g;
}

}  // namespace


Status parse_model(google::protobuf::io::CodedInputStream& cis, const LoadOptions& opts,
                   onnx::ModelProto& mp) {
  cis.SetRecursionLimit(100);
  cis.SetTotalBytesLimit(static_cast<int>(std::min<int64_t>(opts.max_file_bytes, INT32_MAX)));
  if (!mp.ParseFromCodedStream(&cis) || !cis.ConsumedEntireMessage())
    return invalid_model("not a valid ONNX model: the protobuf could not be parsed (truncated, "
                         "corrupt, wrong wire types, or nested too deeply)");
  return Status::ok();
}

// Parses the skeleton of a scanned model (wire_scan.hpp); the skeleton is freed on return.
Status parse_skeleton(ScannedModel& scanned, const LoadOptions& opts, onnx::ModelProto& mp) {
  std::string skeleton = std::move(scanned.skeleton);
  if (skeleton.size() > static_cast<size_t>(std::numeric_limits<int>::max()))
    return invalid_model("not a valid ONNX model: the protobuf could not be parsed (over 2 GiB "
                         "without its initializers' raw_data)");
  google::protobuf::io::CodedInputStream cis(reinterpret_cast<const uint8_t*>(skeleton.data()),
                                             static_cast<int>(skeleton.size()));
  return parse_model(cis, opts, mp);
}

Result<LoadedModel> convert_model(onnx::ModelProto& mp, const std::string& model_dir,
                                  const LoadOptions& opts, const DetachedPayloads& payloads);

Result<LoadedModel> load_model_bytes(const void* data, size_t size, const std::string& model_dir,
                                     const LoadOptions& opts) {
  if (size == 0) return invalid_model("model file is empty");
  if (static_cast<int64_t>(size) > opts.max_file_bytes)
    return resource_limit("model file has " + std::to_string(size) + " bytes, over the limit of " +
                          std::to_string(opts.max_file_bytes));
  const MemorySource src(data, static_cast<int64_t>(size));
  onnx::ModelProto mp;
  std::optional<ScannedModel> scanned = scan_model(src);
  if (scanned) {
    SF_TRY(parse_skeleton(*scanned, opts, mp));
  } else {
    google::protobuf::io::CodedInputStream cis(static_cast<const uint8_t*>(data),
                                               static_cast<int>(size));
    SF_TRY(parse_model(cis, opts, mp));
  }
  return convert_model(mp, model_dir, opts,
                       scanned ? DetachedPayloads{&src, &scanned->raw_data} : DetachedPayloads{});
}

Result<LoadedModel> convert_model(onnx::ModelProto& mp, const std::string& model_dir,
                                  const LoadOptions& opts, const DetachedPayloads& payloads) {
  SF_TRY(check_wire_types(mp, PathStep{nullptr, nullptr, -1, &mp}));
  if (!mp.has_graph()) return invalid_model("not a valid ONNX model: it has no graph");
  Ctx ctx;
  ctx.model_dir = model_dir;
  ctx.opts = opts;
  ctx.payloads = payloads;
  for (const auto& os : mp.opset_import()) {
    const std::string dom = os.domain() == "ai.onnx" ? "" : os.domain();
    if (ctx.opsets.count(dom))
      return invalid_model("opset for domain '" + dom + "' is imported twice");
    ctx.opsets[dom] = static_cast<int>(std::clamp<int64_t>(os.version(), -1, 1 << 20));
  }
  if (mp.opset_import_size() == 0) ctx.opsets[""] = 1;  // IR v3 default
  LoadedModel out;
  out.info.ir_version = mp.ir_version();
  out.info.producer = mp.producer_name() + " " + mp.producer_version();
  if (auto it = ctx.opsets.find(""); it != ctx.opsets.end()) {
    out.info.default_opset = it->second;
    if (it->second < ir::kMinOpset || it->second > ir::kMaxOpset)
      return unsupported("default-domain opset " + std::to_string(it->second) +
                         " is not supported (supported: " + std::to_string(ir::kMinOpset) + " to " +
                         std::to_string(ir::kMaxOpset) + ")");
  }
  SF_ASSIGN_OR_RETURN(out.graph, convert_graph(mp.graph(), ctx, 0, nullptr));
  return out;
}

Result<LoadedModel> load_model_file(const std::string& path, const LoadOptions& opts) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) return io_error("cannot open model '" + path + "'");
  if (!S_ISREG(st.st_mode)) return io_error("model '" + path + "' is not a regular file");
  if (st.st_size > opts.max_file_bytes)
    return resource_limit("model file '" + path + "' has " + std::to_string(st.st_size) +
                          " bytes, over the limit of " + std::to_string(opts.max_file_bytes));
  if (st.st_size == 0) return invalid_model("model '" + path + "': model file is empty");
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return io_error("cannot open model '" + path + "'");
  // Open until conversion has read the initializers' payloads.
  struct FdCloser {
    int fd;
    ~FdCloser() { ::close(fd); }
  } closer{fd};
  struct stat fst {};
  if (::fstat(fd, &fst) != 0 || !S_ISREG(fst.st_mode) || fst.st_size != st.st_size)
    return io_error("model '" + path + "' changed while being opened");
  // Initializer payloads are read from the file straight into their tensors (wire_scan.hpp); a
  // file the scan leaves alone is parsed from the file in chunks. Neither keeps a whole-file
  // buffer beside the parsed message.
  const FileSource src(fd, st.st_size);
  onnx::ModelProto mp;
  std::optional<ScannedModel> scanned = scan_model(src);
  Status parsed;
  if (scanned) {
    parsed = parse_skeleton(*scanned, opts, mp);
  } else if (::lseek(fd, 0, SEEK_SET) != 0) {
    parsed = io_error("cannot read model: " + std::string(std::strerror(errno)));
  } else {
    google::protobuf::io::FileInputStream fis(fd);
    google::protobuf::io::CodedInputStream cis(&fis);
    parsed = parse_model(cis, opts, mp);
    if (parsed.is_ok() && fis.GetErrno() != 0)
      parsed = io_error("cannot read model: " + std::string(std::strerror(fis.GetErrno())));
  }
  if (!parsed.is_ok()) return parsed.with_context("model '" + path + "'");
  std::string dir = ".";
  if (auto slash = path.find_last_of('/'); slash != std::string::npos)
    dir = slash == 0 ? "/" : path.substr(0, slash);
  auto r = convert_model(mp, dir, opts,
                         scanned ? DetachedPayloads{&src, &scanned->raw_data} : DetachedPayloads{});
  if (!r) return r.status().with_context("model '" + path + "'");
  return r;
}

}  // namespace sf::onnx_io
