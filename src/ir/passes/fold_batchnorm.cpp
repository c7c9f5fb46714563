// fold_batchnorm: Conv(X, W[, B]) -> BatchNormalization(scale, bias, mean, var) becomes
// Conv(X, W', B') with, per output channel m,
//   s[m] = scale[m] / sqrt(var[m] + eps)
//   W'[m, ...] = W[m, ...] * s[m]
//   B'[m] = (B[m] - mean[m]) * s[m] + bias[m]          (B = 0 when absent)
// computed in double and rounded once to float32. Conditions: float32; W, B and every BN
// parameter constant, each BN parameter of shape [M]; BN in inference mode (training_mode 0, one
// output, spatial); the Conv output read by the BN alone and no graph output. W and B are not
// edited in place (another node may share them): W' and B' are new constants.
#include <cmath>

#include "ir/ops/nn.hpp"
#include "ir/passes/fuse_util.hpp"
#include "ir/passes/passes.hpp"

namespace sf::ir {

namespace {

// The BN parameter `v` as M floats, or false when it is not a float32 [M] constant.
bool channel_param(const Graph& g, ValueId v, int64_t m, const float** out) {
  const Tensor* t = fuse::constant_of(g, v);
  if (!t || t->dtype() != DType::kF32 || t->shape() != Shape{m}) return false;
  *out = t->data<float>();
  return true;
}

}  // namespace

Status fold_batchnorm(Graph& g, PassStats& stats) {
  if (fuse::has_subgraphs(g)) return Status::ok();
  fuse::Rewriter rw(g);
  for (size_t i = 0; i < rw.size(); ++i) {
    if (rw.dead(i)) continue;
    const Node& conv = rw.node(i);
    if (conv.op != OpKind::kConv || conv.outputs.size() != 1) continue;
    const int c = rw.sole_consumer(conv.outputs[0]);
    if (c < 0) continue;
    const Node& bn = rw.node(static_cast<size_t>(c));
    if (bn.op != OpKind::kBatchNormalization || bn.outputs.size() != 1 ||
        bn.inputs[0] != conv.outputs[0])
      continue;
    const auto& ba = bn.attrs_as<BatchNormAttrs>();
    if (ba.training || !ba.spatial) continue;
    const Tensor* w = fuse::constant_of(g, conv.inputs[1]);
    if (!w || w->dtype() != DType::kF32 || w->rank() < 3) continue;
    const int64_t m = w->dim(0);
    const Tensor* b = nullptr;
    if (conv.has_input(2)) {
      b = fuse::constant_of(g, conv.inputs[2]);
      if (!b || b->dtype() != DType::kF32 || b->shape() != Shape{m}) continue;
    }
    const float *scale = nullptr, *bias = nullptr, *mean = nullptr, *var = nullptr;
    if (!channel_param(g, bn.inputs[1], m, &scale) || !channel_param(g, bn.inputs[2], m, &bias) ||
        !channel_param(g, bn.inputs[3], m, &mean) || !channel_param(g, bn.inputs[4], m, &var))
      continue;
    SF_ASSIGN_OR_RETURN(Tensor w2, Tensor::make(DType::kF32, w->shape()));
    SF_ASSIGN_OR_RETURN(Tensor b2, Tensor::make(DType::kF32, {m}));
    const int64_t per_m = m == 0 ? 0 : w->numel() / m;
    for (int64_t k = 0; k < m; ++k) {
      const double s = static_cast<double>(scale[k]) /
                       std::sqrt(static_cast<double>(var[k]) + static_cast<double>(ba.epsilon));
      for (int64_t j = 0; j < per_m; ++j)
        w2.data<float>()[k * per_m + j] =
            static_cast<float>(static_cast<double>(w->data<float>()[k * per_m + j]) * s);
      const double b0 = b ? static_cast<double>(b->data<float>()[k]) : 0.0;
      b2.data<float>()[k] = static_cast<float>((b0 - mean[k]) * s + bias[k]);
    }
    Node folded = conv;
    folded.inputs.resize(3);
    folded.inputs[1] = rw.add_constant(conv.name + "/folded_W", std::move(w2));
    folded.inputs[2] = rw.add_constant(conv.name + "/folded_B", std::move(b2));
    folded.outputs = bn.outputs;
    rw.replace(static_cast<size_t>(c), std::move(folded));
    rw.kill(i);
    ++stats.bn_folded;
  }
  rw.finish();
  return Status::ok();
}

}  // namespace sf::ir
