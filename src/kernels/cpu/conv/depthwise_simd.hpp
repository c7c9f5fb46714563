// The vector depthwise row kernel, one template over the vector types of kernels/cpu/eltwise
// (vec_avx512.hpp, vec_avx2.hpp); include only from the ISA files that define those types.
//
// Register blocking: kPixels output pixels x kVecs channel vectors of accumulators. For each tap
// the block loads its kVecs weight vectors once and reuses them for all kPixels pixels, so a tap
// costs kVecs * (kPixels + 1) loads for kVecs * kPixels FMAs (the per-pixel loop it replaces
// loaded a weight vector for every FMA, and was load-bound at half the FMA rate). Blocks run
// channel block by channel block, pixel run by pixel run inside a block (dw_sweep). Each
// accumulator still sums its taps in row-major order from zero, with one FMA per tap, so every
// variant's result is the same as before the blocking (and the fault hook's madd recomputes it
// exactly).
//
// ABFT (out_sum): each block's accumulators are added in fp32 in a fixed order (at most
// kDepthwiseOutSumAdds roundings a term), then widened into fp64 lanes, one set per row.
#pragma once

#include <algorithm>
#include <cstdint>

#include "kernels/cpu/conv/depthwise.hpp"

namespace sf::cpu::simd {

inline constexpr int kDwPixels = 6;
inline constexpr int kDwVecs = 2;
static_assert(kDwPixels * kDwVecs - 1 <= kDepthwiseOutSumAdds);

inline bool dw_vector_act(Activation a) {
  return a == Activation::kNone || a == Activation::kRelu || a == Activation::kClip ||
         a == Activation::kLeakyRelu;
}

template <class V>
inline typename V::reg dw_activate(typename V::reg v, const ActivationSpec& act) {
  switch (act.kind) {
    case Activation::kRelu: return V::max(v, V::zero());
    case Activation::kClip: return V::min(V::max(v, V::set1(act.alpha)), V::set1(act.beta));
    case Activation::kLeakyRelu: return V::select(V::lt(v, V::zero()), V::mul(v, V::set1(act.alpha)), v);
    default: return v;
  }
}

// kP pixels from ow0, kVV channel vectors from c; with kTail the last vector holds `last` (< W)
// channels and is loaded and stored masked. Every loop over pixels and vectors is unrolled and
// the tail is a template parameter, so the accumulators live in registers (with a runtime tail
// test inside the tap loop GCC kept the one-vector blocks' accumulators on the stack).
template <class V, int kP, int kVV, bool kTail>
inline void dw_block(const DepthwiseRowArgs& p, int64_t ow0, int64_t c, int last, bool act_in_regs,
                     double* lanes) {
  using R = typename V::reg;
  constexpr int W = V::kW;
  const int64_t ch = p.channels, step = p.stride_w * ch;
  const auto load = [&](const float* at, int v) -> R {
    if constexpr (kTail) {
      if (v == kVV - 1) return V::load_n(at, last);
    }
    return V::load(at);
  };
  R acc[kP][kVV];
#pragma GCC unroll 16
  for (int q = 0; q < kP; ++q)
#pragma GCC unroll 4
    for (int v = 0; v < kVV; ++v) acc[q][v] = V::zero();
  const float* src = p.src + ow0 * step + c;
  const int64_t row_step = p.dilation_h * p.padded_w * ch, tap_step = p.dilation_w * ch;
  const float* w = p.weights + c;
  for (int64_t i = 0; i < p.kernel_h; ++i, src += row_step)
    for (int64_t j = 0; j < p.kernel_w; ++j, w += ch) {
      const float* x = src + j * tap_step;
      R wv[kVV];
#pragma GCC unroll 4
      for (int v = 0; v < kVV; ++v) wv[v] = load(w + v * W, v);
#pragma GCC unroll 16
      for (int q = 0; q < kP; ++q)
#pragma GCC unroll 4
        for (int v = 0; v < kVV; ++v) acc[q][v] = V::fma(load(x + q * step + v * W, v), wv[v], acc[q][v]);
    }
  if (lanes) {  // masked lanes hold zeros
    R t = acc[0][0];
#pragma GCC unroll 16
    for (int q = 0; q < kP; ++q)
#pragma GCC unroll 4
      for (int v = q == 0 ? 1 : 0; v < kVV; ++v) t = V::add(t, acc[q][v]);
    alignas(64) float f[W];
    V::store(f, t);
    for (int l = 0; l < W; ++l) lanes[l] += f[l];
  }
  R bias[kVV];
#pragma GCC unroll 4
  for (int v = 0; v < kVV; ++v) bias[v] = p.bias ? load(p.bias + c + v * W, v) : V::zero();
#pragma GCC unroll 16
  for (int q = 0; q < kP; ++q) {
    const int64_t at = (ow0 + q) * ch + c;
#pragma GCC unroll 4
    for (int v = 0; v < kVV; ++v) {
      R r = acc[q][v];
      if (p.bias) r = V::add(r, bias[v]);
      if (p.residual) r = V::add(r, load(p.residual + at + v * W, v));
      if (act_in_regs) r = dw_activate<V>(r, p.act);
      if (kTail && v == kVV - 1)
        V::store_n(p.dst + at + v * W, r, last);
      else
        V::store(p.dst + at + v * W, r);
    }
  }
}

// One channel block across the row: every pixel run. The block's weights (taps x kVV vectors)
// stay in L1 and each run re-reads only the input columns it shares with the previous run, so
// wide layers (EfficientNet-Lite0's 5x5 over 480-1152 channels, whose weights alone fill L1) no
// longer stream every weight and window from L2 once per run.
template <class V, int kVV, bool kTail>
inline void dw_sweep(const DepthwiseRowArgs& p, int64_t c, int last, bool act_in_regs,
                     double* lanes) {
  int64_t ow = 0;
  for (; ow + kDwPixels <= p.out_w; ow += kDwPixels)
    dw_block<V, kDwPixels, kVV, kTail>(p, ow, c, last, act_in_regs, lanes);
  static_assert(kDwPixels == 6, "the remainder switch covers kDwPixels - 1 pixels");
  switch (p.out_w - ow) {
    case 5: dw_block<V, 5, kVV, kTail>(p, ow, c, last, act_in_regs, lanes); break;
    case 4: dw_block<V, 4, kVV, kTail>(p, ow, c, last, act_in_regs, lanes); break;
    case 3: dw_block<V, 3, kVV, kTail>(p, ow, c, last, act_in_regs, lanes); break;
    case 2: dw_block<V, 2, kVV, kTail>(p, ow, c, last, act_in_regs, lanes); break;
    case 1: dw_block<V, 1, kVV, kTail>(p, ow, c, last, act_in_regs, lanes); break;
    default: break;
  }
}

template <class V>
void depthwise_row(const DepthwiseRowArgs& p, float (*madd)(float, float, float)) {
  constexpr int W = V::kW;
  const bool act_in_regs = dw_vector_act(p.act.kind);
  alignas(64) double lanes[W] = {};
  double* sums = p.out_sum ? lanes : nullptr;
  const int64_t ch = p.channels;
  int64_t c = 0;
  for (; c + kDwVecs * W <= ch; c += kDwVecs * W)
    dw_sweep<V, kDwVecs, false>(p, c, W, act_in_regs, sums);
  static_assert(kDwVecs == 2, "the channel remainder below covers one and two vectors");
  const int64_t rest = ch - c;
  if (rest > W)
    dw_sweep<V, 2, true>(p, c, static_cast<int>(rest - W), act_in_regs, sums);
  else if (rest == W)
    dw_sweep<V, 1, false>(p, c, W, act_in_regs, sums);
  else if (rest > 0)
    dw_sweep<V, 1, true>(p, c, static_cast<int>(rest), act_in_regs, sums);
  if (!act_in_regs) depthwise_apply_activation_row(p.act, p.dst, p.out_w * p.channels);
  if (sums) {
    double s[4] = {0, 0, 0, 0};
    for (int l = 0; l < W; ++l) s[l & 3] += lanes[l];
    *p.out_sum += (s[0] + s[1]) + (s[2] + s[3]);
  }
  if (fault_armed()) depthwise_row_fault(p, madd);
}

}  // namespace sf::cpu::simd
