// Channels-last layout pass: regions of 4-D FusedConv nodes and the layout-agnostic ops between
// them run on NHWC tensors, with one Transpose where an NCHW value enters a region and one where a
// region value leaves it. See passes.hpp (layout_nhwc) for the rules.
#include <algorithm>
#include <map>
#include <memory>
#include <numeric>
#include <vector>

#include "ir/infer.hpp"
#include "ir/op_schema.hpp"
#include "ir/ops/fused.hpp"
#include "ir/ops/tensor.hpp"
#include "ir/passes/passes.hpp"

namespace sf::ir {

namespace {

const std::vector<int64_t> kToNhwc = {0, 2, 3, 1};
const std::vector<int64_t> kToNchw = {0, 3, 1, 2};
constexpr int kTransposeOpset = 13;
constexpr int kInternalOpset = 1;  // as the fusion passes build internal ops

bool is_rank4_f32(const Graph& g, ValueId id) {
  if (id == kNoValue) return false;
  const TypeInfo& t = g.value(id).type;
  return t.dtype == DType::kF32 && t.shape && t.shape->size() == 4;
}

bool is_unary_agnostic(OpKind op) {
  switch (op) {
    case OpKind::kRelu:
    case OpKind::kLeakyRelu:
    case OpKind::kSigmoid:
    case OpKind::kTanh:
    case OpKind::kHardSigmoid:
    case OpKind::kHardSwish:
    case OpKind::kElu:
    case OpKind::kSelu:
    case OpKind::kCelu:
    case OpKind::kSoftplus:
    case OpKind::kSoftsign:
    case OpKind::kGelu:
    case OpKind::kNeg:
    case OpKind::kAbs:
    case OpKind::kExp:
    case OpKind::kErf:
    case OpKind::kSqrt: return true;
    default: return false;
  }
}

// The anchor of a region: a 4-D fp32 FusedConv still in NCHW, or a plain Conv (rewritten into
// a channels-last FusedConv without activation, so regions form before the fusion passes ran).
bool is_anchor(const Graph& g, const Node& n) {
  const bool conv = n.op == OpKind::kConv ||
                    (n.op == OpKind::kFusedConv && !n.attrs_as<FusedConvAttrs>().channels_last);
  return conv && n.outputs.size() == 1 && n.has_input(0) && is_rank4_f32(g, n.inputs[0]);
}

// The inputs of a region node that carry activations (the ones that change layout).
std::vector<size_t> data_inputs(const Node& n) {
  switch (n.op) {
    case OpKind::kConcat: {
      std::vector<size_t> all(n.inputs.size());
      std::iota(all.begin(), all.end(), size_t{0});
      return all;
    }
    case OpKind::kFusedConv: return n.has_input(3) ? std::vector<size_t>{0, 3} : std::vector<size_t>{0};
    case OpKind::kConv: return {0};
    case OpKind::kAdd:
    case OpKind::kSub:
    case OpKind::kMul: return {0, 1};
    default: return {0};
  }
}

// Whether node n may join a region given which values are region values.
bool can_join(const Graph& g, const Node& n, const std::vector<bool>& region_value) {
  if (n.outputs.size() != 1 || n.inputs.empty() || !n.has_input(0)) return false;
  const ValueId x = n.inputs[0];
  if (!region_value[static_cast<size_t>(x)] || !is_rank4_f32(g, x)) return false;
  if (is_unary_agnostic(n.op)) return n.inputs.size() == 1;
  switch (n.op) {
    case OpKind::kClip:
      for (size_t i = 1; i < n.inputs.size(); ++i)
        if (n.has_input(i) && !g.value(n.inputs[i]).constant) return false;
      return true;
    case OpKind::kAdd:
    case OpKind::kSub:
    case OpKind::kMul: {
      if (n.inputs.size() != 2 || !n.has_input(1)) return false;
      const ValueId y = n.inputs[1];
      const auto& sx = g.value(x).type.shape;
      const auto& sy = g.value(y).type.shape;
      return region_value[static_cast<size_t>(y)] && sy && shape_is_static(*sx) && *sx == *sy;
    }
    // Along the channels (axis 1 of NCHW, 3 of NHWC); every input a region value.
    case OpKind::kConcat: {
      const int64_t axis = n.attrs_as<AxisAttrs>().axis;
      if (axis != 1 && axis != -3) return false;
      for (size_t i = 0; i < n.inputs.size(); ++i)
        if (!n.has_input(i) || !region_value[static_cast<size_t>(n.inputs[i])] ||
            !is_rank4_f32(g, n.inputs[i]))
          return false;
      return true;
    }
    // A rank-4 input means a 2-D window (inference checks rank = kernel dims + 2).
    case OpKind::kMaxPool:
    case OpKind::kAveragePool:
    case OpKind::kGlobalAveragePool: return n.inputs.size() == 1;
    default: return false;
  }
}

int find_root(std::vector<int>& parent, int i) {
  while (parent[static_cast<size_t>(i)] != i) {
    parent[static_cast<size_t>(i)] = parent[static_cast<size_t>(parent[static_cast<size_t>(i)])];
    i = parent[static_cast<size_t>(i)];
  }
  return i;
}

Attribute ints_attr(const std::vector<int64_t>& v) {
  Attribute a;
  a.kind = Attribute::Kind::kInts;
  a.ints = v;
  return a;
}

Attribute int_attr(int64_t v) {
  Attribute a;
  a.kind = Attribute::Kind::kInt;
  a.i = v;
  return a;
}

Result<Node> make_transpose(const std::string& name, ValueId in, ValueId out,
                            const std::vector<int64_t>& perm) {
  Node t;
  t.name = name;
  t.op = OpKind::kTranspose;
  t.opset = kTransposeOpset;
  t.inputs = {in};
  t.outputs = {out};
  t.raw_attrs["perm"] = ints_attr(perm);
  SF_TRY(parse_node(t));
  return t;
}

// Rewrites a region node into its channels-last form (raw attributes and typed ones agree, as
// for a loaded node).
Status to_channels_last(Node& n) {
  switch (n.op) {
    case OpKind::kConv:
      n.op = OpKind::kFusedConv;
      n.opset = kInternalOpset;
      n.raw_attrs["channels_last"] = int_attr(1);
      break;
    case OpKind::kFusedConv: n.raw_attrs["channels_last"] = int_attr(1); break;
    case OpKind::kMaxPool: n.op = OpKind::kMaxPoolNhwc; break;
    case OpKind::kAveragePool: n.op = OpKind::kAveragePoolNhwc; break;
    case OpKind::kGlobalAveragePool: n.op = OpKind::kGlobalAveragePoolNhwc; break;
    case OpKind::kConcat: n.raw_attrs["axis"] = int_attr(3); break;
    default: return Status::ok();  // layout-agnostic: unchanged
  }
  if (op_is_internal(n.op)) n.domain = kInternalDomain;
  return parse_node(n);
}

}  // namespace

Status layout_nhwc(Graph& g, PassStats& stats) {
  const size_t nn = g.nodes.size();
  // 1. Region membership, forward in topological order; components by union-find.
  std::vector<bool> in_region(nn, false), region_value(g.values.size(), false);
  std::vector<int> parent(nn);
  std::iota(parent.begin(), parent.end(), 0);
  for (size_t i = 0; i < nn; ++i) {
    const Node& n = g.nodes[i];
    if (!(is_anchor(g, n) || can_join(g, n, region_value))) continue;
    in_region[i] = true;
    region_value[static_cast<size_t>(n.outputs[0])] = true;
    for (size_t k : data_inputs(n)) {
      if (!n.has_input(k)) continue;
      const int32_t p = g.value(n.inputs[k]).producer;
      if (p >= 0 && in_region[static_cast<size_t>(p)])
        parent[static_cast<size_t>(find_root(parent, p))] = find_root(parent, static_cast<int>(i));
    }
  }
  // 2. Keep components worth the transposes: two convolutions, or a convolution and a pool.
  std::map<int, std::pair<int, int>> counts;  // root -> (anchors, pools)
  for (size_t i = 0; i < nn; ++i) {
    if (!in_region[i]) continue;
    auto& c = counts[find_root(parent, static_cast<int>(i))];
    const OpKind op = g.nodes[i].op;
    if (op == OpKind::kFusedConv || op == OpKind::kConv) ++c.first;
    if (op == OpKind::kMaxPool || op == OpKind::kAveragePool || op == OpKind::kGlobalAveragePool)
      ++c.second;
  }
  bool any = false;
  for (size_t i = 0; i < nn; ++i) {
    if (!in_region[i]) continue;
    const auto& c = counts[find_root(parent, static_cast<int>(i))];
    in_region[i] = c.first >= 2 || (c.first >= 1 && c.second >= 1);
    any = any || in_region[i];
  }
  if (!any) return Status::ok();
  std::fill(region_value.begin(), region_value.end(), false);
  for (size_t i = 0; i < nn; ++i)
    if (in_region[i]) region_value[static_cast<size_t>(g.nodes[i].outputs[0])] = true;

  // 3. Which region values are read outside the region (or are graph outputs).
  std::vector<bool> leaves(g.values.size(), false);
  for (size_t i = 0; i < nn; ++i)
    for (ValueId id : g.nodes[i].inputs)
      if (id != kNoValue && region_value[static_cast<size_t>(id)] && !in_region[i])
        leaves[static_cast<size_t>(id)] = true;
  for (ValueId o : g.outputs) leaves[static_cast<size_t>(o)] = true;

  // 4. Rebuild the node list: transposes in before first use, region outputs renamed to NHWC
  //    values, transposes out after the producer.
  std::vector<ValueId> nhwc_of(g.values.size(), kNoValue);  // NCHW value -> its NHWC form
  std::vector<Node> out;
  out.reserve(nn + 8);
  auto new_value = [&](const std::string& base) -> Result<ValueId> {
    std::string name = base;
    for (int k = 1; g.find(name); ++k) name = base + "_" + std::to_string(k);
    return g.add_value(name);
  };
  for (size_t i = 0; i < nn; ++i) {
    Node n = std::move(g.nodes[i]);
    if (!in_region[i]) {
      out.push_back(std::move(n));
      continue;
    }
    for (size_t k : data_inputs(n)) {
      if (!n.has_input(k)) continue;
      const ValueId v = n.inputs[k];
      if (nhwc_of[static_cast<size_t>(v)] == kNoValue) {
        SF_ASSIGN_OR_RETURN(ValueId t, new_value(g.value(v).name + "_nhwc"));
        nhwc_of[static_cast<size_t>(v)] = t;
        SF_ASSIGN_OR_RETURN(Node tn, make_transpose(g.value(v).name + "_to_nhwc", v, t, kToNhwc));
        out.push_back(std::move(tn));
        ++stats.layout_transposes;
      }
      n.inputs[k] = nhwc_of[static_cast<size_t>(v)];
    }
    SF_TRY(to_channels_last(n));
    const ValueId y = n.outputs[0];
    SF_ASSIGN_OR_RETURN(ValueId yh, new_value(g.value(y).name + "_nhwc"));
    nhwc_of[static_cast<size_t>(y)] = yh;
    g.value(yh).type = TypeInfo{};
    n.outputs[0] = yh;
    const std::string name = n.name;
    out.push_back(std::move(n));
    ++stats.layout_nodes;
    if (leaves[static_cast<size_t>(y)]) {
      SF_ASSIGN_OR_RETURN(Node tn, make_transpose(name + "_to_nchw", yh, y, kToNchw));
      out.push_back(std::move(tn));
      ++stats.layout_transposes;
    }
  }
  g.nodes = std::move(out);
  for (Value& v : g.values) v.producer = -1;
  for (size_t i = 0; i < g.nodes.size(); ++i)
    for (ValueId o : g.nodes[i].outputs)
      if (o != kNoValue) g.value(o).producer = static_cast<int32_t>(i);
  return infer_graph(g);
}

}  // namespace sf::ir
