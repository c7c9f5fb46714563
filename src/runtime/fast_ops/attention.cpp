// Tensor-level driver of the fused attention kernel (see attention.hpp).
#include "runtime/fast_ops/attention.hpp"

#include <algorithm>
#include <vector>

#include "runtime/abft_guard.hpp"
#include "runtime/fast_kernel.hpp"
#include "runtime/fast_ops/families.hpp"
#include "runtime/parallel.hpp"
#include "runtime/scratch.hpp"

namespace sf::rt {

Result<Shape> attention_output_shape(const Shape& q, const Shape& k, const Shape& v,
                                     const Shape* mask, bool k_transposed) {
  const auto bad = [&](const std::string& why) -> Result<Shape> {
    return invalid_argument("attention " + why + ": Q " + shape_str(q) + ", K " + shape_str(k) +
                            ", V " + shape_str(v) + (mask ? ", mask " + shape_str(*mask) : ""));
  };
  if (q.size() != 4 || k.size() != 4 || v.size() != 4) return bad("needs rank-4 Q, K and V");
  const int64_t d = q[3];
  const int64_t lk = k_transposed ? k[3] : k[2];
  const int64_t kd = k_transposed ? k[2] : k[3];
  if (k[0] != q[0] || v[0] != q[0] || k[1] != q[1] || v[1] != q[1])
    return bad("batch and head dims differ");
  if (kd != d) return bad("head size of K differs from Q's");
  if (v[2] != lk) return bad("V's sequence length differs from K's");
  const Shape y = {q[0], q[1], q[2], v[3]};
  if (mask) {
    if (mask->size() > 4) return bad("mask rank exceeds 4");
    const Shape full = {q[0], q[1], q[2], lk};
    const size_t off = 4 - mask->size();
    for (size_t i = 0; i < mask->size(); ++i)
      if ((*mask)[i] != 1 && (*mask)[i] != full[off + i])
        return bad("mask does not broadcast to [B, H, Lq, Lk]");
  }
  return y;
}

int64_t attention_workspace_bytes(int64_t lq, int64_t lk, int64_t d, int threads) {
  return cpu::attention_scratch_floats(lq, lk, d) * static_cast<int64_t>(sizeof(float)) *
         std::max(threads, 1);
}

Status attention_forward(const cpu::AttentionKernel& kernel, const ir::AttentionAttrs& attrs,
                         const Tensor& q, const Tensor& k, const Tensor& v, const Tensor* mask,
                         Tensor& y, int threads, cpu::TileCheckLog* log) {
  SF_ASSIGN_OR_RETURN(const Shape ys, attention_output_shape(q.shape(), k.shape(), v.shape(),
                                                             mask ? &mask->shape() : nullptr,
                                                             attrs.k_transposed));
  if (y.shape() != ys) return internal_error("attention output has shape " + shape_str(y.shape()));
  const int64_t b = ys[0], h = ys[1], lq = ys[2], dv = ys[3], d = q.dim(3);
  const int64_t lk = attrs.k_transposed ? k.dim(3) : k.dim(2);
  // Broadcast strides of the mask over [B, H, Lq, Lk] (0 on size-1 dims).
  int64_t ms[4] = {0, 0, 0, 0};
  if (mask) {
    const Shape& m = mask->shape();
    int64_t stride = 1;
    for (size_t i = m.size(); i-- > 0;) {
      ms[4 - m.size() + i] = m[i] == 1 ? 0 : stride;
      stride *= m[i];
    }
  }
  cpu::AttentionArgs base;
  base.lq = lq;
  base.lk = lk;
  base.d = d;
  base.dv = dv;
  base.scale = attrs.scale;
  base.causal = attrs.causal;
  base.k_transposed = attrs.k_transposed;
  base.ld_q = d;
  base.ld_k = attrs.k_transposed ? lk : d;
  base.ld_v = dv;
  base.ld_o = dv;
  base.mask_ld_row = ms[2];
  base.mask_ld_col = ms[3];
  const int64_t q_blocks = (lq + cpu::kAttentionBr - 1) / cpu::kAttentionBr;
  const float* pq = q.data<float>();
  const float* pk = k.data<float>();
  const float* pv = v.data<float>();
  const float* pm = mask ? mask->data<float>() : nullptr;
  float* po = y.data<float>();
  // ABFT: each thread makes a head's checksums of K and V (the variant's make_checks, L * (D + Dv)
  // adds) when its static range of tasks reaches the head, right before the head's blocks read
  // the same K and V; a head split between two threads is summed by both (same values).
  const bool checked = kernel.abft && log;
  const int64_t per_head = checked ? cpu::attention_checks_doubles(lk, d) : 0;
  const int64_t scratch_floats = cpu::attention_scratch_floats(lq, lk, d, checked);
  const bool ran = parallel_for_with_scratch(threads, b * h * q_blocks, scratch_floats,
                                             [&](int64_t t0, int64_t t1, float* scratch) {
    std::vector<double> checks(static_cast<size_t>(per_head));
    int64_t checks_of = -1;  // the head `checks` holds
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t bh = t / q_blocks, qb = t % q_blocks;
      const int64_t bi = bh / h, hi = bh % h;
      cpu::AttentionArgs a = base;
      a.q = pq + bh * lq * d;
      a.k = pk + bh * lk * d;
      a.v = pv + bh * lk * dv;
      a.o = po + bh * lq * dv;
      a.mask = pm ? pm + bi * ms[0] + hi * ms[1] : nullptr;
      if (checked) {
        if (checks_of != bh) {
          kernel.make_checks(a, checks.data());
          checks_of = bh;
        }
        a.checks = checks.data();
        a.log = log;
      }
      const int64_t q0 = qb * cpu::kAttentionBr;
      kernel.fn(a, q0, std::min(cpu::kAttentionBr, lq - q0), scratch);
    }
  });
  if (!ran) return resource_limit("out of memory for attention scratch");
  return Status::ok();
}

namespace {

// ABFT: the tile scheme is the `_abft` variant's block checks (one score and one output-update
// check per query block and key block, in-kernel recompute). There is no global scheme: no
// invariant links the output sums to the inputs through the softmax without recomputing the
// scores, so a session asking for global gets kNone here and duplicates the node instead.
class AttentionKernel final : public PreparedKernel {
 public:
  AttentionKernel(const cpu::AttentionKernel& k, abft::Scheme abft) : k_(k), abft_(abft) {}
  std::string name() const override { return k_.name; }
  abft::Scheme abft_scheme() const override { return abft_; }
  Status run(KernelContext& ctx) const override {
    const bool tile = ctx.abft && abft_ == abft::Scheme::kTile;
    cpu::TileCheckLog log;
    const Status st =
        attention_forward(k_, ctx.node.attrs_as<ir::AttentionAttrs>(), ctx.input(0),
                          ctx.input(1), ctx.input(2), ctx.has(3) ? &ctx.input(3) : nullptr,
                          ctx.output(0), ctx.threads, tile ? &log : nullptr);
    if (!st.is_ok()) return ctx.error(st.message());
    if (tile) report_tiles(log, *ctx.abft);
    return st;
  }

 private:
  const cpu::AttentionKernel& k_;
  abft::Scheme abft_;
};

Result<std::unique_ptr<PreparedKernel>> prepare_attention(const PrepareContext& ctx) {
  for (size_t i = 0; i < ctx.num_inputs(); ++i) {
    const ir::TypeInfo* t = ctx.input_type(i);
    if (t && t->dtype != DType::kF32) return std::unique_ptr<PreparedKernel>();
  }
  const bool tile = ctx.abft == abft::Scheme::kTile;
  return std::unique_ptr<PreparedKernel>(std::make_unique<AttentionKernel>(
      cpu::attention_select(tile), tile ? abft::Scheme::kTile : abft::Scheme::kNone));
}

}  // namespace

void register_attention_fast_kernels() {
  register_fast_kernel(ir::OpKind::kAttention, prepare_attention);
}

}  // namespace sf::rt
