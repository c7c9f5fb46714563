// AVX512 element-wise variant: the templates of eltwise_simd.hpp on VecAvx512
// (16 floats per vector, masked remainders). Formulas, layouts and error: eltwise.hpp.
// vec_avx512.hpp first: its diagnostic settings must precede <immintrin.h>.
#include "kernels/cpu/eltwise/vec_avx512.hpp"
#include "kernels/cpu/eltwise/eltwise_simd.hpp"

namespace sf::cpu {

void eltwise_f32__avx512_unary(const UnaryArgs& a) { simd::unary<simd::VecAvx512>(a); }
void eltwise_f32__avx512_binary(const BinaryArgs& a) { simd::binary<simd::VecAvx512>(a); }
void eltwise_f32__avx512_reduce(const ReduceArgs& a) { simd::reduce<simd::VecAvx512>(a); }

}  // namespace sf::cpu
