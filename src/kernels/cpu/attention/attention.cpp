// Fused attention variant list, selection and the workspace query (see attention.hpp).
#include "kernels/cpu/attention/attention.hpp"

#include <algorithm>

namespace sf::cpu {

#define SF_ATTENTION(fn, isa)                                      \
  void fn(const AttentionArgs&, int64_t, int64_t, float*);         \
  void fn##_gemm(int64_t, int64_t, int64_t, const float*, int64_t, \
                 const float*, int64_t, float*, int64_t, bool);
#include "kernels/cpu/attention/kernels.inc"
#undef SF_ATTENTION

namespace {
constexpr AttentionKernel kKernels[] = {
#define SF_ATTENTION(fn, isa) {#fn, Isa::isa, fn, fn##_gemm},
#include "kernels/cpu/attention/kernels.inc"
#undef SF_ATTENTION
};
}  // namespace

std::span<const AttentionKernel> attention_kernels() { return kKernels; }

const AttentionKernel& attention_select() {
  const Isa cap = max_isa();
  for (const AttentionKernel& k : kKernels)
    if (static_cast<int>(k.isa) <= static_cast<int>(cap)) return k;
  return kKernels[std::size(kKernels) - 1];
}

const AttentionKernel* attention_find(const std::string& name) {
  for (const AttentionKernel& k : kKernels)
    if (name == k.name) return &k;
  return nullptr;
}

int64_t attention_scratch_floats(int64_t lq, int64_t lk, int64_t d) {
  const int64_t br = std::min(kAttentionBr, lq), bc = std::min(kAttentionBc, lk);
  return bc * d + br * bc + 2 * br;
}

void attention_run(const AttentionKernel& k, const AttentionArgs& a, float* scratch) {
  for (int64_t q0 = 0; q0 < a.lq; q0 += kAttentionBr)
    k.fn(a, q0, std::min(kAttentionBr, a.lq - q0), scratch);
}

}  // namespace sf::cpu
