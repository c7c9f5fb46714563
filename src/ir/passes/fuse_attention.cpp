// match_attention (part of fuse_patterns): scaled dot-product attention as exporters write it,
//   s  = MatMul(Q, Kt)                 Kt [B, H, D, Lk]; Q [B, H, Lq, D]
//   s' = Mul(s, c) | Mul(c, s) | Div(s, c)      optional, c a scalar constant
//   t  = Add(s', mask) | Add(mask, s')          optional, mask broadcasting to [B, H, Lq, Lk]
//      | Where(cond, s', fill)                  cond and fill constant (GPT-2's causal mask)
//   p  = Softmax(t, last axis);  y = MatMul(p, V)      V [B, H, Lk, Dv]
// -> Attention(Q, K, V, [mask]; scale, causal, k_transposed). When Kt is Transpose(K, perm
// [0, 1, 3, 2]) read by the MatMul alone, that Transpose goes and K is used untransposed;
// otherwise Kt itself is the K input with k_transposed = 1. A Where whose cond is the causal
// pattern (cond[i, j] = j <= i + Lk - Lq, leading dims 1) and whose fill is below -1e30 becomes
// causal = 1; any other constant Where becomes the additive mask where(cond, 0, fill) (or
// where(cond, fill, 0) when the scores are Where's third input), a new constant. Batch and head
// dims must be equal (no broadcasting) and all shapes static.
#include <algorithm>

#include "ir/ops/reduce.hpp"
#include "ir/ops/tensor.hpp"
#include "ir/passes/fuse_util.hpp"

namespace sf::ir::fuse {

namespace {

constexpr double kCausalFillBelow = -1e30;

bool last_axis_softmax(const Graph& g, const Node& n) {
  const auto s = static_shape(g, n.inputs[0]);
  if (!s || s->size() != 4) return false;
  const int64_t ax = n.attrs_as<SoftmaxAttrs>().axis;
  return ax == -1 || ax == 3;
}

// mask (static shape, rank <= 4) broadcasts to `scores` without growing it.
bool broadcasts_to(const Shape& mask, const Shape& scores) {
  if (mask.size() > scores.size()) return false;
  for (size_t i = 0; i < mask.size(); ++i) {
    const int64_t m = mask[mask.size() - 1 - i], s = scores[scores.size() - 1 - i];
    if (m != 1 && m != s) return false;
  }
  return true;
}

bool is_causal(const Tensor& cond, int64_t lq, int64_t lk) {
  const Shape& s = cond.shape();
  if (s.size() < 2 || s[s.size() - 2] != lq || s.back() != lk) return false;
  for (size_t i = 0; i + 2 < s.size(); ++i)
    if (s[i] != 1) return false;
  const bool* c = cond.data<bool>();
  for (int64_t i = 0; i < lq; ++i)
    for (int64_t j = 0; j < lk; ++j)
      if (c[i * lk + j] != (j <= i + lk - lq)) return false;
  return true;
}

struct MaskMatch {
  int node = -1;              // the Add or Where
  ValueId scores = kNoValue;  // its scores operand
  ValueId mask = kNoValue;    // additive mask value, or none
  bool causal = false;
  // A Where that is no causal pattern: the additive mask is made from it once the rest matches.
  const Tensor* cond = nullptr;
  float fill = 0.0f;
  bool keep_when_true = true;  // the scores are Where's second input
};

// The additive mask of a Where: 0 where the scores are kept, fill elsewhere.
Tensor additive_mask(const MaskMatch& m) {
  Tensor add = Tensor::make(DType::kF32, m.cond->shape()).value();
  for (int64_t e = 0; e < m.cond->numel(); ++e) {
    const bool keep = m.cond->data<bool>()[e] == m.keep_when_true;
    add.data<float>()[e] = keep ? 0.0f : m.fill;
  }
  return add;
}

// The mask step producing t (the Softmax input), or a match with node -1 when t comes straight
// from the scores. `scores_shape` is the Softmax input's static shape.
std::optional<MaskMatch> match_mask(const Rewriter& rw, ValueId t, const Shape& scores_shape) {
  const Graph& g = rw.graph_const();
  MaskMatch m;
  const int p = rw.producer(t);
  if (p < 0) return std::nullopt;
  const Node& n = rw.node(static_cast<size_t>(p));
  if (n.op == OpKind::kAdd && n.inputs.size() == 2) {
    // The scores operand is the one computed by a scale or by the Q K^T MatMul.
    for (size_t k = 0; k < 2; ++k) {
      const int sp = rw.producer(n.inputs[k]);
      if (sp < 0 || rw.sole_consumer(n.inputs[k]) != p) continue;
      const OpKind op = rw.node(static_cast<size_t>(sp)).op;
      if (op != OpKind::kMul && op != OpKind::kDiv && op != OpKind::kMatMul) continue;
      const ValueId mask = n.inputs[1 - k];
      const auto ms = static_shape(g, mask);
      if (!ms || !is_f32(g, mask) || !broadcasts_to(*ms, scores_shape)) continue;
      if (static_shape(g, n.inputs[k]) != scores_shape) continue;
      m.node = p;
      m.scores = n.inputs[k];
      m.mask = mask;
      return m;
    }
    return std::nullopt;
  }
  if (n.op == OpKind::kWhere) {
    const Tensor* cond = constant_of(g, n.inputs[0]);
    if (!cond || cond->dtype() != DType::kBool || !broadcasts_to(cond->shape(), scores_shape))
      return std::nullopt;
    for (size_t k = 1; k < 3; ++k) {
      const ValueId s = n.inputs[k];
      const auto fill = scalar_constant(g, n.inputs[3 - k]);
      if (!fill || rw.sole_consumer(s) != p || static_shape(g, s) != scores_shape) continue;
      m.node = p;
      m.scores = s;
      const int64_t lq = scores_shape[2], lk = scores_shape[3];
      if (k == 1 && *fill < kCausalFillBelow && is_causal(*cond, lq, lk)) {
        m.causal = true;
        return m;
      }
      m.cond = cond;
      m.fill = static_cast<float>(*fill);
      m.keep_when_true = k == 1;
      return m;
    }
    return std::nullopt;
  }
  m.scores = t;
  return m;
}

}  // namespace

Status match_attention(Rewriter& rw, size_t slot, PassStats& stats) {
  const Graph& g = rw.graph_const();
  const Node& sm = rw.node(slot);
  if (!last_axis_softmax(g, sm) || !is_f32(g, sm.inputs[0])) return Status::ok();
  const ValueId t = sm.inputs[0];
  const Shape scores_shape = *static_shape(g, t);
  if (rw.sole_consumer(t) != static_cast<int>(slot)) return Status::ok();
  const Node* pv = sole_consumer_node(rw, sm.outputs[0], OpKind::kMatMul);
  if (!pv || pv->inputs[0] != sm.outputs[0]) return Status::ok();
  std::vector<int> chain;
  const auto mm = match_mask(rw, t, scores_shape);
  if (!mm) return Status::ok();
  if (mm->node >= 0) chain.push_back(mm->node);
  const ValueId s = mm->scores;
  double scale = 1.0;
  int qk_slot = rw.producer(s);
  if (qk_slot < 0) return Status::ok();
  const Node& sn = rw.node(static_cast<size_t>(qk_slot));
  if (sn.op == OpKind::kMul || sn.op == OpKind::kDiv) {
    ValueId raw = kNoValue;
    for (size_t k = 0; k < 2 && raw == kNoValue; ++k) {
      if (sn.op == OpKind::kDiv && k == 1) break;
      const auto c = scalar_constant(g, sn.inputs[1 - k]);
      if (c && *c != 0.0) {
        raw = sn.inputs[k];
        scale = sn.op == OpKind::kDiv ? 1.0 / *c : *c;
      }
    }
    if (raw == kNoValue || rw.sole_consumer(raw) != qk_slot) return Status::ok();
    chain.push_back(qk_slot);
    qk_slot = rw.producer(raw);
    if (qk_slot < 0) return Status::ok();
  }
  const Node& qk = rw.node(static_cast<size_t>(qk_slot));
  if (qk.op != OpKind::kMatMul) return Status::ok();
  const ValueId q = qk.inputs[0], kt = qk.inputs[1], v = pv->inputs[1];
  const auto qs = static_shape(g, q), ks = static_shape(g, kt), vs = static_shape(g, v);
  if (!qs || !ks || !vs || qs->size() != 4 || ks->size() != 4 || vs->size() != 4 || !is_f32(g, q) ||
      !is_f32(g, kt) || !is_f32(g, v))
    return Status::ok();
  for (size_t d = 0; d < 2; ++d)
    if ((*qs)[d] != (*ks)[d] || (*qs)[d] != (*vs)[d]) return Status::ok();
  if ((*qs)[3] != (*ks)[2] || (*ks)[3] != (*vs)[2]) return Status::ok();
  chain.push_back(qk_slot);
  // K untransposed when Kt is a last-two-dims Transpose read by this MatMul alone.
  ValueId k = kt;
  bool k_transposed = true;
  const int tp = rw.producer(kt);
  if (tp >= 0 && rw.sole_consumer(kt) == qk_slot) {
    const Node& tn = rw.node(static_cast<size_t>(tp));
    const auto& perm = tn.op == OpKind::kTranspose ? tn.attrs_as<TransposeAttrs>().perm
                                                   : std::optional<std::vector<int64_t>>();
    if (perm && *perm == std::vector<int64_t>{0, 1, 3, 2}) {
      k = tn.inputs[0];
      k_transposed = false;
      chain.push_back(tp);
    }
  }
  chain.push_back(static_cast<int>(slot));
  chain.push_back(slot_of(rw, pv));
  std::sort(chain.begin(), chain.end());
  std::vector<ValueId> in = {q, k, v};
  if (mm->mask != kNoValue) in.push_back(mm->mask);
  if (mm->cond) in.push_back(rw.add_constant(sm.name + "/additive_mask", additive_mask(*mm)));
  SF_ASSIGN_OR_RETURN(Node att,
                      make_node(OpKind::kAttention, sm.name + "/attention", 1, in, pv->outputs,
                                {{"scale", float_attr(static_cast<float>(scale))},
                                 {"causal", int_attr(mm->causal ? 1 : 0)},
                                 {"k_transposed", int_attr(k_transposed ? 1 : 0)}}));
  SF_TRY(replace_chain(rw, chain, std::move(att)));
  ++stats.attentions;
  return Status::ok();
}

}  // namespace sf::ir::fuse
