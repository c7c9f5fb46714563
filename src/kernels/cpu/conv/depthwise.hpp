// Depthwise 2-D convolution on NHWC activations (group == C == M, one filter per channel),
// vectorised along channels. One call computes one output row of one image:
//
//   dst[ow, c] = act( sum_{i<kH, j<kW} src[i*dh, ow*sw + j*dw, c] * w[i*kW + j, c]
//                     + bias[c] + residual[ow, c] )
//
// Layouts: `src` points at the first padded-input row this output row reads ([padded_w, C] per
// row, rows padded_w * C apart; the caller zero-pads the input, as for conv_nhwc, or, for
// output pixels whose windows lie inside the input, points into the unpadded input with
// padded_w = its width, as the runtime binding does); weights are
// packed [kH*kW][C] (depthwise_pack_weights from ONNX [C, 1, kH, kW]); dst and residual are
// [out_w, C]. Tile: every variant walks channels in vectors (16 for AVX-512, 8 for AVX2, 1 for
// scalar; the vector ones in register blocks of pixels x channel vectors, depthwise_simd.hpp)
// and sums the taps in row-major order into an fp32 accumulator, so a variant's result does not
// depend on how rows are spread over threads. Expected error against the reference
// Conv: |err| <= ~kH*kW*eps*sum|x||w| (different summation order; FMA in the vector variants).
// ABFT: with out_sum set a variant also sums the row's pre-epilogue values (the global check's
// output side); every variant honours the accumulator fault hook (depthwise_row_fault).
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "core/activation.hpp"
#include "core/cpu_features.hpp"
#include "kernels/cpu/gemm/abft.hpp"

namespace sf::cpu {

struct DepthwiseRowArgs {
  const float* src = nullptr;
  int64_t padded_w = 0, channels = 0;
  int64_t kernel_h = 1, kernel_w = 1, stride_w = 1, dilation_h = 1, dilation_w = 1;
  int64_t out_w = 0;
  const float* weights = nullptr;   // [kernel_h * kernel_w][channels]
  const float* bias = nullptr;      // [channels] or nullptr
  const float* residual = nullptr;  // [out_w][channels] or nullptr
  float* dst = nullptr;             // [out_w][channels]
  ActivationSpec act;
  // ABFT global scheme: when set, += the sum over the row's pixels and channels of the values
  // before bias, residual and activation (in fp32 over one register block, at most
  // kDepthwiseOutSumAdds roundings a term, then in fp64 lanes).
  double* out_sum = nullptr;
};

// The most fp32 additions any variant makes to one term of out_sum before it is in fp64.
inline constexpr int kDepthwiseOutSumAdds = 11;

using DepthwiseFn = void (*)(const DepthwiseRowArgs&);

struct DepthwiseKernel {
  const char* name;  // depthwise_f32_nhwc__<isa>_<channels per vector>
  Isa isa;
  DepthwiseFn fn;
};

// Every compiled variant (kernels.inc), best first, scalar last.
std::span<const DepthwiseKernel> depthwise_kernels();
// The best variant max_isa() allows.
const DepthwiseKernel& depthwise_select();

// w [C, 1, taps] (ONNX layout) -> dst [taps][C].
void depthwise_pack_weights(const float* w, int64_t channels, int64_t taps, float* dst);

// The fault hook (gemm/abft.hpp) for one output row, called by every variant after it stored the
// row: claims the armed fault over the row's out_w x channels accumulators (taps steps each); if
// it fires, recomputes that accumulator with `madd` (the variant's own multiply-add, so the clean
// value is the one the variant stored, bit for bit), flips the bit at the chosen step, rewrites
// the element through bias, residual and activation, and moves *out_sum by the change.
void depthwise_row_fault(const DepthwiseRowArgs& p, float (*madd)(float x, float w, float acc));

// Applies the activation in place with apply_activation (vector variants call it for the
// activations they do not vectorise, so every variant matches the scalar definition).
void depthwise_apply_activation_row(const ActivationSpec& act, float* row, int64_t n);

}  // namespace sf::cpu
