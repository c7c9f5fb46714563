// Fused attention variant list, selection and the workspace queries (see attention.hpp).
#include "kernels/cpu/attention/attention.hpp"

#include <algorithm>

namespace sf::cpu {

#define SF_ATTENTION(fn, isa, abft)                                \
  void fn(const AttentionArgs&, int64_t, int64_t, float*);         \
  void fn##_gemm(int64_t, int64_t, int64_t, const float*, int64_t, \
                 const float*, int64_t, float*, int64_t, bool);    \
  void fn##_checks(const AttentionArgs&, double*);
#include "kernels/cpu/attention/kernels.inc"
#undef SF_ATTENTION

namespace {
constexpr AttentionKernel kKernels[] = {
#define SF_ATTENTION(fn, isa, abft) {#fn, Isa::isa, fn, fn##_gemm, fn##_checks, abft},
#include "kernels/cpu/attention/kernels.inc"
#undef SF_ATTENTION
};
}  // namespace

std::span<const AttentionKernel> attention_kernels() { return kKernels; }

const AttentionKernel& attention_select(bool abft) {
  const Isa cap = max_isa();
  for (const AttentionKernel& k : kKernels)
    if (k.abft == abft && static_cast<int>(k.isa) <= static_cast<int>(cap)) return k;
  for (size_t i = std::size(kKernels); i-- > 0;)  // the scalar one of the requested kind
    if (kKernels[i].abft == abft) return kKernels[i];
  return kKernels[std::size(kKernels) - 1];
}

const AttentionKernel* attention_find(const std::string& name) {
  for (const AttentionKernel& k : kKernels)
    if (name == k.name) return &k;
  return nullptr;
}

int64_t attention_scratch_floats(int64_t lq, int64_t lk, int64_t d, bool abft) {
  const int64_t br = std::min(kAttentionBr, lq), bc = std::min(kAttentionBc, lk);
  const int64_t base = bc * d + br * bc + 2 * br;
  // The ABFT part starts 64-byte aligned relative to the scratch (its doubles stay aligned).
  return abft ? (base + 15) / 16 * 16 + 8 * d + bc + 16 : base;
}

int64_t attention_checks_doubles(int64_t lk, int64_t d) {
  if (lk <= 0) return 0;
  const int64_t bc = std::min(kAttentionBc, lk);
  return (lk + bc - 1) / bc * 2 * d + 2 * lk;
}

void attention_run(const AttentionKernel& k, const AttentionArgs& a, float* scratch) {
  for (int64_t q0 = 0; q0 < a.lq; q0 += kAttentionBr)
    k.fn(a, q0, std::min(kAttentionBr, a.lq - q0), scratch);
}

}  // namespace sf::cpu
