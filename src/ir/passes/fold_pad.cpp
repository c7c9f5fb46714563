// fold_pad: a zero-padding Pad whose only reader is a convolution becomes part of the
// convolution's own padding:
//   Pad(X, pads = [0, 0, b_1.., 0, 0, e_1..], mode constant, value 0) -> Conv(pads = [p_1.., q_1..])
//   => Conv(X, pads = [p_1 + b_1, .., q_1 + e_1, ..])
// which is exact (the convolution reads the same zeros, it just no longer stores them).
// Conditions: Pad in constant mode with value 0 (the attribute before opset 11, the constant_value
// input from 11, absent = 0) and no axes input (opset 18); the pads known (attribute or constant
// input), non-negative, zero on N and C; the Pad output read once, by a Conv or an NCHW FusedConv
// as its X, with auto_pad NOTSET; no graph output. Other readers (AveragePool counts padded
// elements differently, MaxPool pads with -inf) keep the Pad.
#include <cmath>

#include "ir/ops/fused.hpp"
#include "ir/ops/linalg.hpp"
#include "ir/ops/tensor.hpp"
#include "ir/op_schema.hpp"
#include "ir/passes/fuse_util.hpp"
#include "ir/passes/passes.hpp"

namespace sf::ir {

namespace {

// Whether the Pad pads with +0 (a convolution's implicit padding value).
bool pads_with_zero(const Graph& g, const Node& pad) {
  const auto& a = pad.attrs_as<PadAttrs>();
  if (a.mode != PadMode::kConstant) return false;
  if (pad.opset < 11) return a.value == 0.0f && !std::signbit(a.value);
  if (pad.inputs.size() > 3 && pad.has_input(3)) return false;  // axes (opset 18)
  if (!pad.has_input(2)) return true;
  const Tensor* v = fuse::constant_of(g, pad.inputs[2]);
  if (!v || v->numel() != 1 || !dtype_is_float(v->dtype())) return false;
  const double z = v->double_at(0);
  return z == 0.0 && !std::signbit(z);
}

// The spatial pads [b_1.., e_1..] of a Pad over a rank-`rank` tensor, or empty when they are not
// known, negative, or touch N or C.
std::vector<int64_t> spatial_pads(const Graph& g, const Node& pad, int64_t rank) {
  const Tensor* pads_t = pad.opset >= 11 ? fuse::constant_of(g, pad.inputs[1]) : nullptr;
  if (pad.opset >= 11 && !pads_t) return {};
  auto pads = pad_amounts(pad, rank, pads_t);
  if (!pads.is_ok()) return {};
  const auto r = static_cast<size_t>(rank);
  const std::vector<int64_t>& p = *pads;
  if (p[0] != 0 || p[1] != 0 || p[r] != 0 || p[r + 1] != 0) return {};
  std::vector<int64_t> out;
  for (size_t half = 0; half < 2; ++half)
    for (size_t k = 2; k < r; ++k) {
      if (p[half * r + k] < 0) return {};
      out.push_back(p[half * r + k]);
    }
  return out;
}

}  // namespace

Status fold_pad(Graph& g, PassStats& stats) {
  if (fuse::has_subgraphs(g)) return Status::ok();
  fuse::Rewriter rw(g);
  for (size_t i = 0; i < rw.size(); ++i) {
    if (rw.dead(i)) continue;
    const Node& pad = rw.node(i);
    if (pad.op != OpKind::kPad || pad.outputs.size() != 1 || !pad.has_input(0)) continue;
    const TypeInfo& xt = g.value(pad.inputs[0]).type;
    if (!xt.shape || xt.shape->size() < 3 || !pads_with_zero(g, pad)) continue;
    const int c = rw.sole_consumer(pad.outputs[0]);
    if (c < 0) continue;
    const Node& conv = rw.node(static_cast<size_t>(c));
    if (conv.op != OpKind::kConv && conv.op != OpKind::kFusedConv) continue;
    if (conv.inputs.empty() || conv.inputs[0] != pad.outputs[0]) continue;
    if (conv.op == OpKind::kFusedConv && conv.attrs_as<FusedConvAttrs>().channels_last) continue;
    const auto& ca = conv.attrs_as<ConvAttrs>();
    if (ca.auto_pad != AutoPad::kNotSet) continue;
    const std::vector<int64_t> add = spatial_pads(g, pad, static_cast<int64_t>(xt.shape->size()));
    if (add.empty()) continue;
    const size_t sp = add.size() / 2;
    std::vector<int64_t> pads = ca.pads.empty() ? std::vector<int64_t>(2 * sp, 0) : ca.pads;
    if (pads.size() != 2 * sp) continue;
    for (size_t k = 0; k < 2 * sp; ++k) pads[k] += add[k];
    Node folded = conv;
    folded.inputs[0] = pad.inputs[0];
    Attribute pa;
    pa.kind = Attribute::Kind::kInts;
    pa.ints = std::move(pads);
    folded.raw_attrs["pads"] = std::move(pa);
    if (!parse_node(folded).is_ok()) continue;  // pads beyond the Conv attribute range: keep both
    rw.replace(static_cast<size_t>(c), std::move(folded));
    rw.kill(i);
    ++stats.pads_folded;
  }
  rw.finish();
  return Status::ok();
}

}  // namespace sf::ir
