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

void depthwise_row_fault(const DepthwiseRowArgs& p, float (*madd)(float x, float w, float acc)) {
  const int64_t ch = p.channels, taps = p.kernel_h * p.kernel_w;
  FaultSite site;
  if (!fault_claim(p.dst, ch, static_cast<int>(p.out_w), ch, taps, &site)) return;
  const int64_t ow = site.row, c = site.col;
  float clean = 0.0f, faulty = 0.0f;
  bool flipped = false;
  auto flip = [&] {
    const float before = faulty;
    faulty = flip_bit(faulty, site.bit);
    fault_record_flip(before, faulty);
    flipped = true;
  };
  for (int64_t t = 0; t < taps; ++t) {
    if (t == site.step) flip();
    const int64_t i = t / p.kernel_w, j = t % p.kernel_w;
    const float x = p.src[(i * p.dilation_h * p.padded_w + ow * p.stride_w + j * p.dilation_w) * ch + c];
    const float w = p.weights[t * ch + c];
    clean = madd(x, w, clean);
    faulty = madd(x, w, faulty);
  }
  if (!flipped) flip();  // step == taps: the final value
  float r = faulty;
  if (p.bias) r += p.bias[c];
  if (p.residual) r += p.residual[ow * ch + c];
  p.dst[ow * ch + c] = apply_activation(p.act, r);
  if (p.out_sum) *p.out_sum += static_cast<double>(faulty) - static_cast<double>(clean);
}

void depthwise_apply_activation_row(const ActivationSpec& act, float* row, int64_t n) {
  if (act.kind == Activation::kNone) return;
  for (int64_t i = 0; i < n; ++i) row[i] = apply_activation(act, row[i]);
}

}  // namespace sf::cpu
