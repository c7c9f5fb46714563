// The Winograd tile transforms (formulas and matrices in winograd.hpp) written once over a vector
// type V that holds V::kWidth consecutive channels. Each ISA file (winograd_<isa>.cpp) defines
// its V from intrinsics and instantiates these templates; this header itself uses no intrinsics.
// Channels past the last full vector run through VScalar, so any channel count works. Include it
// only from the winograd_<isa>.cpp files.
//
// V provides: kWidth, load(p), store(p, v), set1(f), add, sub, mul, fmadd(a, b, c) = a * b + c,
// max(a, b) / min(a, b) with x86 semantics (the second operand when either is NaN),
// leaky(x, alpha) = x < 0 ? alpha * x : x and abs(x) (the sign bit cleared).
#pragma once

#include <cmath>
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
  friend VScalar abs(VScalar x) { return {std::fabs(x.v)}; }
};

// Rows of B^T applied to one line d[0..alpha) of vectors (stride `s` between elements).
template <class V>
inline void bt_f23(const V* d, int s, V* r, int rs) {
  r[0] = sub(d[0], d[2 * s]);
  r[rs] = add(d[s], d[2 * s]);
  r[2 * rs] = sub(d[2 * s], d[s]);
  r[3 * rs] = sub(d[s], d[3 * s]);
}

// Rows of A^T applied to one line m[0..alpha).
template <class V>
inline void at_f23(const V* m, int s, V* r, int rs) {
  r[0] = add(add(m[0], m[s]), m[2 * s]);
  r[rs] = sub(sub(m[s], m[2 * s]), m[3 * s]);
}

// F(4,3)'s B^T and A^T (points 0, 1, -1, 2, -1/2, inf; winograd.hpp). Every entry is exact in
// fp32; the loops below unroll over these constants, so zero entries cost nothing and +-1 become
// adds and subtracts.
constexpr float kBt43[6][6] = {{1, 1.5f, -2, -1.5f, 1, 0},     {0, -1, -2.5f, -0.5f, 1, 0},
                               {0, 1, 0.5f, -2.5f, 1, 0},      {0, -0.5f, -1, 0.5f, 1, 0},
                               {0, 2, -1, -2, 1, 0},           {0, 1, 1.5f, -2, -1.5f, 1}};
constexpr float kAt43[4][6] = {{1, 1, 1, 1, 1, 0},
                               {0, 1, -1, 2, -0.5f, 0},
                               {0, 1, 1, 4, 0.25f, 0},
                               {0, 1, -1, 8, -0.125f, 1}};

// r[i * rs] = sum_k mat[i][k] d[k * s], terms in increasing k.
template <class V, int kRows, int kCols>
inline void apply_matrix(const float (&mat)[kRows][kCols], const V* d, int s, V* r, int rs) {
#pragma GCC unroll 8
  for (int i = 0; i < kRows; ++i) {
    V acc = V::set1(0.0f);
    bool first = true;
#pragma GCC unroll 8
    for (int k = 0; k < kCols; ++k) {
      const float c = mat[i][k];
      if (c == 0.0f) continue;
      const V x = d[k * s];
      if (first) acc = c == 1.0f ? x : mul(V::set1(c), x);
      else if (c == 1.0f) acc = add(acc, x);
      else if (c == -1.0f) acc = sub(acc, x);
      else acc = fmadd(V::set1(c), x, acc);
      first = false;
    }
    r[i * rs] = acc;
  }
}

template <class V>
inline void bt_f43(const V* d, int s, V* r, int rs) {
  apply_matrix(kBt43, d, s, r, rs);
}

template <class V>
inline void at_f43(const V* m, int s, V* r, int rs) {
  apply_matrix(kAt43, m, s, r, rs);
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

// The global ABFT check's column sums (WinogradColumnSumsFn): kVecs vectors of columns at a
// time, down all rows in order, so every column sees the same sequence of fp32 adds on every ISA.
// Four vectors give eight independent add chains: one vector alone would wait on the add latency
// at every row, ~4 cycles per 16 channels, an eighth of the GEMM's 64 FMAs on them at K = 64.
template <class V, int kVecs>
inline void column_sums_vecs(const float* src, int64_t rows, int64_t ld, int64_t c, float* sum,
                             float* abs_sum) {
  V s[kVecs], a[kVecs];
  for (int i = 0; i < kVecs; ++i) s[i] = a[i] = V::set1(0.0f);
  for (int64_t r = 0; r < rows; ++r) {
    const float* row = src + r * ld + c;
    for (int i = 0; i < kVecs; ++i) {
      const V x = V::load(row + i * V::kWidth);
      s[i] = add(s[i], x);
      a[i] = add(a[i], abs(x));
    }
  }
  for (int i = 0; i < kVecs; ++i) {
    V::store(sum + c + i * V::kWidth, s[i]);
    V::store(abs_sum + c + i * V::kWidth, a[i]);
  }
}

template <class V>
void column_sums(const float* src, int64_t rows, int64_t ld, int64_t cols, float* sum,
                 float* abs_sum) {
  constexpr int kVecs = 4;
  int64_t c = 0;
  for (; c + kVecs * V::kWidth <= cols; c += kVecs * V::kWidth)
    column_sums_vecs<V, kVecs>(src, rows, ld, c, sum, abs_sum);
  for (; c + V::kWidth <= cols; c += V::kWidth)
    column_sums_vecs<V, 1>(src, rows, ld, c, sum, abs_sum);
  for (; c + kVecs <= cols; c += kVecs)
    column_sums_vecs<VScalar, kVecs>(src, rows, ld, c, sum, abs_sum);
  for (; c < cols; ++c) column_sums_vecs<VScalar, 1>(src, rows, ld, c, sum, abs_sum);
}

}  // namespace
}  // namespace sf::cpu::wino

// Defines the five entry points of one ISA (named in kernels.inc) from its vector type.
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
  void winograd_output_f43__##isa(const WinogradOutputArgs& a) {                               \
    wino::output_transform<V, 6>(a);                                                           \
  }                                                                                            \
  void winograd_column_sums__##isa(const float* s, int64_t rows, int64_t ld, int64_t cols,     \
                                   float* sum, float* abs) {                                   \
    wino::column_sums<V>(s, rows, ld, cols, sum, abs);                                         \
  }
