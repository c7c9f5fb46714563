// Internal ops made by the fusion passes (src/ir/passes/fuse_*.cpp), never read from a file.
// Their reference kernels compose the plain ones; fast kernels implement them in one pass.
//
// FusedConv   inputs X, W, [B], [R]  ->  Y = act(conv(X, W) + B + R)
//   ONNX Conv attributes plus the activation. channels_last: X, R and Y are NHWC ([N, H, W, C]);
//   W keeps the ONNX [M, C/group, kH, kW] layout (kernels pack it once). R, the residual, has Y's
//   shape and layout. An omitted B or R is an empty input.
// FusedMatMul inputs A, B, [bias], [R]  ->  Y = act(alpha * (A @ op(B)) + bias + R)
//   NumPy MatMul semantics; op(B) = B^T (last two dims) when trans_b; bias broadcasts over the
//   last dim ([N]); R has Y's shape.
// Attention   inputs Q, K, V, [mask] ->  Y = softmax(scale * Q K^T + mask [+ causal]) V
//   Q [B, H, Lq, D], K [B, H, Lk, D] (or [B, H, D, Lk] when k_transposed), V [B, H, Lk, Dv],
//   Y [B, H, Lq, Dv]; mask is additive and broadcasts to [B, H, Lq, Lk]; causal masks key j > i
//   (+ Lk - Lq offset). The fast kernel never stores the Lq x Lk score matrix.
#pragma once

#include "core/activation.hpp"
#include "ir/attribute.hpp"
#include "ir/ops/linalg.hpp"

namespace sf::ir {

struct FusedConvAttrs : ConvAttrs {
  ActivationSpec act;
  bool channels_last = false;
};

struct FusedMatMulAttrs : OpAttrs {
  ActivationSpec act;
  float alpha = 1.0f;
  bool trans_b = false;
};

struct AttentionAttrs : OpAttrs {
  float scale = 1.0f;
  bool causal = false;
  bool k_transposed = false;
};

}  // namespace sf::ir
