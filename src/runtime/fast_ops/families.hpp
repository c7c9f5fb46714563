// One registration function per fast-kernel family (src/runtime/fast_ops/<family>.cpp). Order
// matters: for one op, kernels registered first are offered the node first.
#pragma once

namespace sf::rt {

// Winograd F(2,3)/F(4,3) for 3x3 stride-1 Conv and FusedConv (winograd.cpp); must precede the
// direct conv family so it is offered eligible nodes first and declines the ones its cost model
// rejects.
void register_winograd_fast_kernels();
// Direct/1x1/grouped convolution on BRGEMM and depthwise, NCHW and channels-last (conv.cpp).
void register_conv_fast_kernels();
// MaxPool/AveragePool/GlobalAveragePool and their channels-last forms (pool.cpp).
void register_pool_fast_kernels();
// MatMul, Gemm, FusedMatMul on the BRGEMM driver (fast_ops/matmul.cpp).
void register_matmul_fast_kernels();
// Unary math / activations, Add/Sub/Mul/Div, Softmax, LayerNormalization (fast_ops/eltwise.cpp).
void register_eltwise_fast_kernels();
// The internal Attention op on the fused FlashAttention-2 kernel (fast_ops/attention.cpp).
void register_attention_fast_kernels();
// Transpose reducing to the batched swap [N, A, B, C] -> [N, B, A, C] or a copy (transpose.cpp).
void register_transpose_fast_kernels();
// Concat of static shapes along any axis as chunked memcpys of (row, input) blocks (concat.cpp).
void register_concat_fast_kernels();

inline void register_all_fast_kernels() {
  register_winograd_fast_kernels();
  register_conv_fast_kernels();
  register_pool_fast_kernels();
  register_matmul_fast_kernels();
  register_eltwise_fast_kernels();
  register_attention_fast_kernels();
  register_transpose_fast_kernels();
  register_concat_fast_kernels();
}

}  // namespace sf::rt
