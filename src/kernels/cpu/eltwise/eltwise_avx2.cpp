// AVX2 element-wise variant: the templates of eltwise_simd.hpp on VecAvx2
// (8 floats per vector, masked remainders). Formulas, layouts and error: eltwise.hpp.
#include "kernels/cpu/eltwise/eltwise_simd.hpp"
#include "kernels/cpu/eltwise/vec_avx2.hpp"

namespace sf::cpu {

void eltwise_f32__avx2_unary(const UnaryArgs& a) { simd::unary<simd::VecAvx2>(a); }
void eltwise_f32__avx2_binary(const BinaryArgs& a) { simd::binary<simd::VecAvx2>(a); }
void eltwise_f32__avx2_reduce(const ReduceArgs& a) { simd::reduce<simd::VecAvx2>(a); }

}  // namespace sf::cpu
