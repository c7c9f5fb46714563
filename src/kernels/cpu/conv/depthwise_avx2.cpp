// depthwise_f32_nhwc__avx2_8: the AVX2 + FMA depthwise variant, 8 channels per vector: the
// register-blocked row kernel of depthwise_simd.hpp on the VecAvx2 type (masked loads and
// stores for the channel tail, so every channel takes the same FMA sequence whatever its
// position). Relu/Clip/LeakyRelu are applied in registers; other activations by
// depthwise_apply_activation_row (the scalar definition). Formula, layouts and error bound in
// depthwise.hpp.
#include <cmath>

#include "kernels/cpu/conv/depthwise_simd.hpp"
#include "kernels/cpu/eltwise/vec_avx2.hpp"

namespace sf::cpu {

namespace {
// The accumulators' operation, for the fault hook's exact recomputation.
float madd(float x, float w, float acc) { return std::fma(x, w, acc); }
}  // namespace

void depthwise_f32_nhwc__avx2_8(const DepthwiseRowArgs& p) {
  simd::depthwise_row<simd::VecAvx2>(p, madd);
}

}  // namespace sf::cpu
