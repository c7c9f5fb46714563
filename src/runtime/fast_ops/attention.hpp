// The tensor-level driver of the fused attention kernel (kernels/cpu/attention): checks shapes,
// resolves the mask's broadcast strides and runs every (batch, head, query block) over the
// threads, each thread with its own O(Bc*D + Br*Bc) scratch. ABFT: the `_abft` variants' block
// checks (kernels/cpu/attention/attention.hpp), the tile scheme of src/abft/scheme.hpp. Shapes
// and attributes follow ir::AttentionAttrs (src/ir/ops/fused.hpp): Q [B,H,Lq,D], K [B,H,Lk,D] or
// [B,H,D,Lk] when k_transposed, V [B,H,Lk,Dv], optional additive mask broadcastable to
// [B,H,Lq,Lk]; Y [B,H,Lq,Dv].
#pragma once

#include <cstdint>

#include "core/status.hpp"
#include "core/tensor.hpp"
#include "ir/ops/fused.hpp"
#include "kernels/cpu/attention/attention.hpp"

namespace sf::rt {

// The output shape, or an error naming the offending shapes (the caller adds the node).
Result<Shape> attention_output_shape(const Shape& q, const Shape& k, const Shape& v,
                                     const Shape* mask, bool k_transposed);

// Computes y (allocated with attention_output_shape) with `threads` threads; deterministic.
// With an `_abft` kernel and a log, the per-head checksums of K and V are made first (threaded
// over heads) and every block of the kernel checks itself, reporting to *log.
Status attention_forward(const cpu::AttentionKernel& kernel, const ir::AttentionAttrs& attrs,
                         const Tensor& q, const Tensor& k, const Tensor& v, const Tensor* mask,
                         Tensor& y, int threads, cpu::TileCheckLog* log = nullptr);

// Scratch bytes attention_forward allocates with `threads` threads: the workspace query
// (bounded independently of the sequence lengths once they pass one block).
int64_t attention_workspace_bytes(int64_t lq, int64_t lk, int64_t d, int threads);

}  // namespace sf::rt
