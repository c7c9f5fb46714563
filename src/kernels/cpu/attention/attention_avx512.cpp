// avx512 fused attention variant: the FlashAttention-2 template of attention_simd.hpp on
// VecAvx512 (16 floats per vector). Formula, layouts, tile, scratch and error: attention.hpp.
// vec_avx512.hpp first: its diagnostic settings must precede <immintrin.h>.
#include "kernels/cpu/eltwise/vec_avx512.hpp"
#include "kernels/cpu/attention/attention_simd.hpp"

namespace sf::cpu {

void attention_f32__avx512_64x64(const AttentionArgs& a, int64_t q_begin, int64_t rows,
                                float* scratch) {
  simd::attention_block<simd::VecAvx512>(a, q_begin, rows, scratch);
}

void attention_f32__avx512_64x64_gemm(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda,
                                 const float* b, int64_t ldb, float* c, int64_t ldc,
                                 bool accumulate) {
  simd::small_gemm<simd::VecAvx512>(m, n, k, a, lda, b, ldb, c, ldc, accumulate);
}

}  // namespace sf::cpu
