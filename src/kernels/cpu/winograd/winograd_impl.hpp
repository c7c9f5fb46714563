// The Winograd tile transforms (formulas and matrices in winograd.hpp) written once over a vector
// type V that holds V::kWidth consecutive channels. Each ISA file (winograd_<isa>.cpp) defines
// its V from intrinsics and instantiates these templates; this header itself uses no intrinsics.
// Channels past the last full vector run through VScalar, so any channel count works. Include it
// only from the winograd_<isa>.cpp files.
//
// V provides: kWidth, load(p), store(p, v), set1(f), add, sub, mul, fmadd(a, b, c) = a * b + c,
// max(a, b) / min(a, b) with x86 semantics (the second operand when either is NaN) and
// leaky(x, alpha) = x < 0 ? alpha * x : x.
#pragma once

#include <cstdint>

#include "kernels/cpu/winograd/winograd.hpp"

namespace sf::cpu::wino {
// Internal linkage: each ISA file gets its own copies, compiled with its own flags, so the linker
// can never hand an AVX-512-compiled instantiation (of the VScalar tail, say) to the scalar path.
namespace {

struct VScalar {
  static constexpr int kWidth = 1;
  float v;
  static VScalar load(const float* p) { return {*p}; }
  static void store(float* p, VScalar a) { *p = a.v; }
  static VScalar set1(float f) { return {f}; }
  friend VScalar add(VScalar a, VScalar b) { return {a.v + b.v}; }
  friend VScalar sub(VScalar a, VScalar b) { return {a.v - b.v}; }
  friend VScalar mul(VScalar a, VScalar b) { return {a.v * b.v}; }
  friend VScalar fmadd(VScalar a, VScalar b, VScalar c) { return {a.v * b.v + c.v}; }
  friend VScalar max(VScalar a, VScalar b) { return {a.v > b.v ? a.v : b.v}; }
  friend VScalar min(VScalar a, VScalar b) { return {a.v < b.v ? a.v : b.v}; }
  friend VScalar leaky(VScalar x, float alpha) { return {x.v < 0.0f ? alpha * x.v : x.v}; }
};

// Rows of B^T applied to one line d[0..alpha) of vectors (stride `s` between elements).
template <class V>
inline void bt_f23(const V* d, int s, V* r, int rs) {
  r[0] = sub(d[0], d[2 * s]);
  r[rs] = add(d[s], d[2 * s]);
  r[2 * rs] = sub(d[2 * s], d[s]);
  r[3 * rs] = sub(d[s], d[3 * s]);
}

template <class V>
inline void bt_f43(const V* d, int s, V* r, int rs) {
  const V four = V::set1(4.0f), five = V::set1(5.0f), two = V::set1(2.0f);
  const V d0 = d[0], d1 = d[s], d2 = d[2 * s], d3 = d[3 * s], d4 = d[4 * s], d5 = d[5 * s];
  // r0 = 4 d0 - 5 d2 + d4;  r5 = 4 d1 - 5 d3 + d5
  r[0] = fmadd(four, d0, sub(d4, mul(five, d2)));
  r[5 * rs] = fmadd(four, d1, sub(d5, mul(five, d3)));
  // r1 = -4 (d1 + d2) + d3 + d4;  r2 = 4 (d1 - d2) - d3 + d4
  const V t34 = add(d3, d4), u34 = sub(d4, d3);
  r[rs] = sub(t34, mul(four, add(d1, d2)));
  r[2 * rs] = fmadd(four, sub(d1, d2), u34);
  // r3 = 2 (d3 - d1) + d4 - d2;  r4 = 2 (d1 - d3) + d4 - d2
  const V d42 = sub(d4, d2), d13 = sub(d1, d3);
  r[3 * rs] = sub(d42, mul(two, d13));
  r[4 * rs] = fmadd(two, d13, d42);
}

// Rows of A^T applied to one line m[0..alpha).
template <class V>
inline void at_f23(const V* m, int s, V* r, int rs) {
  r[0] = add(add(m[0], m[s]), m[2 * s]);
  r[rs] = sub(sub(m[s], m[2 * s]), m[3 * s]);
}

template <class V>
inline void at_f43(const V* m, int s, V* r, int rs) {
  const V two = V::set1(2.0f), four = V::set1(4.0f), eight = V::set1(8.0f);
  const V p12 = add(m[s], m[2 * s]), d12 = sub(m[s], m[2 * s]);
  const V p34 = add(m[3 * s], m[4 * s]), d34 = sub(m[3 * s], m[4 * s]);
  r[0] = add(add(m[0], p12), p34);
  r[rs] = fmadd(two, d34, d12);
  r[2 * rs] = fmadd(four, p34, p12);
  r[3 * rs] = add(fmadd(eight, d34, d12), m[5 * s]);
}

template <class V, int kAlpha>
inline void input_channels(const float* src, int64_t rs, int64_t cs, float* dst, int64_t ds,
                           int64_t c) {
  V d[kAlpha * kAlpha], t[kAlpha * kAlpha], v[kAlpha * kAlpha];
  for (int i = 0; i < kAlpha; ++i)
    for (int j = 0; j < kAlpha; ++j) d[i * kAlpha + j] = V::load(src + i * rs + j * cs + c);
  for (int j = 0; j < kAlpha; ++j) {  // columns: t = B^T d
    if constexpr (kAlpha == 4)
      bt_f23(d + j, kAlpha, t + j, kAlpha);
    else
      bt_f43(d + j, kAlpha, t + j, kAlpha);
  }
  for (int i = 0; i < kAlpha; ++i) {  // rows: v = t B
    if constexpr (kAlpha == 4)
      bt_f23(t + i * kAlpha, 1, v + i * kAlpha, 1);
    else
      bt_f43(t + i * kAlpha, 1, v + i * kAlpha, 1);
  }
  for (int xi = 0; xi < kAlpha * kAlpha; ++xi) V::store(dst + xi * ds + c, v[xi]);
}

template <class V, int kAlpha>
void input_transform(const float* src, int64_t rs, int64_t cs, int64_t channels, float* dst,
                     int64_t ds) {
  int64_t c = 0;
  for (; c + V::kWidth <= channels; c += V::kWidth)
    input_channels<V, kAlpha>(src, rs, cs, dst, ds, c);
  for (; c < channels; ++c) input_channels<VScalar, kAlpha>(src, rs, cs, dst, ds, c);
}

// True for the activations the vector epilogue computes itself; the others are applied with the
// scalar definition to the stored values.
inline bool vector_activation(Activation a) {
  return a == Activation::kNone || a == Activation::kRelu || a == Activation::kClip ||
         a == Activation::kLeakyRelu;
}

template <class V>
inline V activate(V y, const ActivationSpec& act) {
  if (act.kind == Activation::kRelu) return max(y, V::set1(0.0f));
  if (act.kind == Activation::kClip) return min(max(V::set1(act.alpha), y), V::set1(act.beta));
  if (act.kind == Activation::kLeakyRelu) return leaky(y, act.alpha);
  return y;
}

template <class V, int kAlpha>
inline void output_channels(const WinogradOutputArgs& a, int64_t c) {
  constexpr int kM = kAlpha - 2;
  V m[kAlpha * kAlpha], t[kM * kAlpha], y[kM * kM];
  for (int xi = 0; xi < kAlpha * kAlpha; ++xi) m[xi] = V::load(a.src + xi * a.src_stride + c);
  for (int j = 0; j < kAlpha; ++j) {  // columns: t = A^T m
    if constexpr (kAlpha == 4)
      at_f23(m + j, kAlpha, t + j, kAlpha);
    else
      at_f43(m + j, kAlpha, t + j, kAlpha);
  }
  for (int i = 0; i < kM; ++i) {  // rows: y = t A
    if constexpr (kAlpha == 4)
      at_f23(t + i * kAlpha, 1, y + i * kM, 1);
    else
      at_f43(t + i * kAlpha, 1, y + i * kM, 1);
  }
  const V b = a.bias ? V::load(a.bias + c) : V::set1(0.0f);
  const bool vec_act = vector_activation(a.act.kind);
  for (int i = 0; i < a.rows; ++i)
    for (int j = 0; j < a.cols; ++j) {
      V v = add(y[i * kM + j], b);
      if (a.residual) v = add(v, V::load(a.residual + i * a.res_row + j * a.res_col + c));
      if (vec_act) v = activate(v, a.act);
      float* p = a.dst + i * a.dst_row + j * a.dst_col + c;
      V::store(p, v);
      if (!vec_act)
        for (int l = 0; l < V::kWidth; ++l) p[l] = apply_activation(a.act, p[l]);
    }
}

template <class V, int kAlpha>
void output_transform(const WinogradOutputArgs& a) {
  int64_t c = 0;
  for (; c + V::kWidth <= a.channels; c += V::kWidth) output_channels<V, kAlpha>(a, c);
  for (; c < a.channels; ++c) output_channels<VScalar, kAlpha>(a, c);
}

}  // namespace
}  // namespace sf::cpu::wino

// Defines the four entry points of one ISA (named in kernels.inc) from its vector type.
#define SF_WINOGRAD_DEFINE(isa, V)                                                             \
  void winograd_input_f23__##isa(const float* s, int64_t rs, int64_t cs, int64_t ch, float* d, \
                                 int64_t ds) {                                                 \
    wino::input_transform<V, 4>(s, rs, cs, ch, d, ds);                                         \
  }                                                                                            \
  void winograd_input_f43__##isa(const float* s, int64_t rs, int64_t cs, int64_t ch, float* d, \
                                 int64_t ds) {                                                 \
    wino::input_transform<V, 6>(s, rs, cs, ch, d, ds);                                         \
  }                                                                                            \
  void winograd_output_f23__##isa(const WinogradOutputArgs& a) {                               \
    wino::output_transform<V, 4>(a);                                                           \
  }                                                                                            \
  void winograd_output_f43__##isa(const WinogradOutputArgs& a) { wino::output_transform<V, 6>(a); }
