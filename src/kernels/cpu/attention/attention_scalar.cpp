// scalar fused attention variant: the FlashAttention-2 template of attention_simd.hpp on
// VecScalar (1 float per vector). Formula, layouts, tile, scratch and error: attention.hpp;
// the `_abft` twin adds the block checks described there.
#include "kernels/cpu/attention/attention_simd.hpp"
#include "kernels/cpu/eltwise/vec_scalar.hpp"

namespace sf::cpu {

void attention_f32__scalar_64x64(const AttentionArgs& a, int64_t q_begin, int64_t rows,
                                 float* scratch) {
  simd::attention_block<simd::VecScalar, false>(a, q_begin, rows, scratch);
}

void attention_f32__scalar_64x64_abft(const AttentionArgs& a, int64_t q_begin, int64_t rows,
                                      float* scratch) {
  simd::attention_block<simd::VecScalar, true>(a, q_begin, rows, scratch);
}

void attention_f32__scalar_64x64_gemm(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda,
                                      const float* b, int64_t ldb, float* c, int64_t ldc,
                                      bool accumulate) {
  simd::small_gemm<simd::VecScalar>(m, n, k, a, lda, b, ldb, c, ldc, accumulate);
}

// The checked variant's GEMM is the plain one (the checks live in the block kernel).
void attention_f32__scalar_64x64_abft_gemm(int64_t m, int64_t n, int64_t k, const float* a,
                                           int64_t lda, const float* b, int64_t ldb, float* c,
                                           int64_t ldc, bool accumulate) {
  simd::small_gemm<simd::VecScalar>(m, n, k, a, lda, b, ldb, c, ldc, accumulate);
}

// The per-head ABFT checksums (the same for both variants).
void attention_f32__scalar_64x64_checks(const AttentionArgs& a, double* dst) {
  simd::make_checks<simd::VecScalar>(a, dst);
}

void attention_f32__scalar_64x64_abft_checks(const AttentionArgs& a, double* dst) {
  simd::make_checks<simd::VecScalar>(a, dst);
}

}  // namespace sf::cpu
