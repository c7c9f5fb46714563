// Depthwise variant list, selection and weight packing (see depthwise.hpp).
#include "kernels/cpu/conv/depthwise.hpp"

namespace sf::cpu {

#define SF_DEPTHWISE(fn, isa) void fn(const DepthwiseRowArgs&);
#include "kernels/cpu/conv/kernels.inc"
#undef SF_DEPTHWISE

namespace {
constexpr DepthwiseKernel kKernels[] = {
#define SF_DEPTHWISE(fn, isa) {#fn, Isa::isa, fn},
#include "kernels/cpu/conv/kernels.inc"
#undef SF_DEPTHWISE
};
}  // namespace

std::span<const DepthwiseKernel> depthwise_kernels() { return kKernels; }

const DepthwiseKernel& depthwise_select() {
  const Isa cap = max_isa();
  for (const DepthwiseKernel& k : kKernels)
    if (static_cast<int>(k.isa) <= static_cast<int>(cap)) return k;
  return kKernels[std::size(kKernels) - 1];
}

void depthwise_pack_weights(const float* w, int64_t channels, int64_t taps, float* dst) {
  for (int64_t t = 0; t < taps; ++t)
    for (int64_t c = 0; c < channels; ++c) dst[t * channels + c] = w[c * taps + t];
}

void depthwise_apply_activation_row(const ActivationSpec& act, float* row, int64_t n) {
  if (act.kind == Activation::kNone) return;
  for (int64_t i = 0; i < n; ++i) row[i] = apply_activation(act, row[i]);
}

}  // namespace sf::cpu
