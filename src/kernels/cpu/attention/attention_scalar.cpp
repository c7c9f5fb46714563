// scalar fused attention variant: the FlashAttention-2 template of attention_simd.hpp on
// VecScalar (1 float per vector). Formula, layouts, tile, scratch and error: attention.hpp.
#include "kernels/cpu/attention/attention_simd.hpp"
#include "kernels/cpu/eltwise/vec_scalar.hpp"

namespace sf::cpu {

void attention_f32__scalar_64x64(const AttentionArgs& a, int64_t q_begin, int64_t rows,
                                float* scratch) {
  simd::attention_block<simd::VecScalar>(a, q_begin, rows, scratch);
}

void attention_f32__scalar_64x64_gemm(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda,
                                 const float* b, int64_t ldb, float* c, int64_t ldc,
                                 bool accumulate) {
  simd::small_gemm<simd::VecScalar>(m, n, k, a, lda, b, ldb, c, ldc, accumulate);
}

}  // namespace sf::cpu
