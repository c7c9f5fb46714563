// Vector math and the element-wise primitives written once over a vector type V, instantiated by
// eltwise_avx2.cpp (V = 8 floats) and eltwise_avx512.cpp (V = 16 floats). This header holds no
// intrinsics: V supplies them (reg, mask, kW, set1, zero, load, store, load_n / store_n for the
// first `count` lanes with the rest zero / untouched, add, sub, mul, div, fma(a, b, c) = a * b + c,
// max, min (hardware: the second operand when either is NaN), sqrt, abs, round (to nearest),
// ldexp(y, n) = y * 2^n for integral n in [-126, 128], lt, gt, isnan, first_n (mask of the first
// count lanes), select(mask, if_true, if_false), hsum, hmax). The V types live in vec_avx2.hpp /
// vec_avx512.hpp (included only by files built with the ISA) and vec_scalar.hpp.
//
// Approximations (Cephes single precision, relative error measured against libm in double):
//   exp    n = round(x log2 e), r = x - n ln2 (two-part ln2), degree-6 polynomial, times 2^n;
//          |rel| <= 2e-7; exp(x) = 0 below ln(FLT_MIN), +inf above ln(FLT_MAX), NaN kept.
//   tanh   |x| < 0.625: x + x^3 P(x^2) (degree 4); else sign(x) (1 - 2 / (exp(2|x|) + 1)); 3e-7.
//   erf    |x| < 1: x P(x^2) (degree 6), 1.7e-7; else 1 - t Q(t) exp(-x^2), t = 1 / (1 + p|x|)
//          (Abramowitz-Stegun 7.1.26), 3e-7.
#pragma once

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <limits>

#include "kernels/cpu/eltwise/eltwise.hpp"

// The math is inlined into the row loops so that independent vectors' polynomial chains overlap
// (an out-of-line call per vector left exp latency-bound).
#if defined(__GNUC__)
#define SF_VEC_INLINE [[gnu::always_inline]] inline
#else
#define SF_VEC_INLINE inline
#endif

namespace sf::cpu::simd {

template <class V>
using Reg = typename V::reg;

template <class V>
Reg<V> poly(Reg<V> x, std::initializer_list<float> c) {
  auto it = c.begin();
  Reg<V> p = V::set1(*it++);
  for (; it != c.end(); ++it) p = V::fma(p, x, V::set1(*it));
  return p;
}

template <class V>
SF_VEC_INLINE Reg<V> vexp(Reg<V> x) {
  constexpr float kLo = -87.3365447505531f;  // ln(FLT_MIN): below, the result is flushed to 0
  constexpr float kHi = 88.7228391116729f;   // ln(FLT_MAX): above, +inf
  const Reg<V> xc = V::min(V::max(x, V::set1(kLo)), V::set1(kHi));
  const Reg<V> n = V::round(V::mul(xc, V::set1(1.44269504088896341f)));
  Reg<V> r = V::fma(n, V::set1(-0.693359375f), xc);
  r = V::fma(n, V::set1(2.12194440e-4f), r);
  const Reg<V> z = V::mul(r, r);
  Reg<V> y = poly<V>(r, {1.9875691500E-4f, 1.3981999507E-3f, 8.3334519073E-3f, 4.1665795894E-2f,
                         1.6666665459E-1f, 5.0000001201E-1f});
  y = V::add(V::fma(y, z, r), V::set1(1.0f));
  y = V::ldexp(y, n);  // n in [-126, 128]
  y = V::select(V::lt(x, V::set1(kLo)), V::zero(), y);
  y = V::select(V::gt(x, V::set1(kHi)), V::set1(std::numeric_limits<float>::infinity()), y);
  return V::select(V::isnan(x), x, y);
}

template <class V>
SF_VEC_INLINE Reg<V> vsigmoid(Reg<V> x) {
  const Reg<V> one = V::set1(1.0f);
  return V::div(one, V::add(one, vexp<V>(V::sub(V::zero(), x))));
}

template <class V>
SF_VEC_INLINE Reg<V> vtanh(Reg<V> x) {
  const Reg<V> ax = V::abs(x);
  const Reg<V> z = V::mul(x, x);
  const Reg<V> p = poly<V>(z, {-5.70498872745E-3f, 2.06390887954E-2f, -5.37397155531E-2f,
                               1.33314422036E-1f, -3.33332819422E-1f});
  const Reg<V> small = V::fma(V::mul(p, z), x, x);
  const Reg<V> one = V::set1(1.0f);
  const Reg<V> e = vexp<V>(V::add(ax, ax));
  Reg<V> big = V::sub(one, V::div(V::set1(2.0f), V::add(e, one)));
  big = V::select(V::lt(x, V::zero()), V::sub(V::zero(), big), big);
  return V::select(V::lt(ax, V::set1(0.625f)), small, big);
}

template <class V>
SF_VEC_INLINE Reg<V> verf(Reg<V> x) {
  const Reg<V> ax = V::abs(x);
  const Reg<V> z = V::mul(x, x);
  const Reg<V> small =
      V::mul(x, poly<V>(z, {7.853861353153693E-5f, -8.010193625184903E-4f, 5.188327685732524E-3f,
                            -2.685381193529856E-2f, 1.128358514861418E-1f,
                            -3.761262582423300E-1f, 1.128379165726710E+0f}));
  const Reg<V> one = V::set1(1.0f);
  const Reg<V> t = V::div(one, V::fma(V::set1(0.3275911f), ax, one));
  const Reg<V> q = V::mul(t, poly<V>(t, {1.061405429f, -1.453152027f, 1.421413741f, -0.284496736f,
                                         0.254829592f}));
  Reg<V> big = V::sub(one, V::mul(q, vexp<V>(V::sub(V::zero(), z))));
  big = V::select(V::lt(x, V::zero()), V::sub(V::zero(), big), big);
  return V::select(V::lt(ax, one), small, big);
}

// One unary op on a vector; Op is a compile-time UnaryOp so the loops carry no switch.
template <class V, UnaryOp Op>
SF_VEC_INLINE Reg<V> vunary(Reg<V> x, float alpha, float beta) {
  const Reg<V> zero = V::zero();
  const Reg<V> one = V::set1(1.0f);
  if constexpr (Op == UnaryOp::kCopy) return x;
  if constexpr (Op == UnaryOp::kRelu) return V::select(V::gt(x, zero), x, zero);
  if constexpr (Op == UnaryOp::kClip) {  // std::min(std::max(x, alpha), beta), NaN kept
    const Reg<V> lo = V::set1(alpha), hi = V::set1(beta);
    const Reg<V> t = V::select(V::lt(x, lo), lo, x);
    return V::select(V::lt(hi, t), hi, t);
  }
  if constexpr (Op == UnaryOp::kLeakyRelu)
    return V::select(V::lt(x, zero), V::mul(x, V::set1(alpha)), x);
  if constexpr (Op == UnaryOp::kSigmoid) return vsigmoid<V>(x);
  if constexpr (Op == UnaryOp::kTanh) return vtanh<V>(x);
  if constexpr (Op == UnaryOp::kSilu) return V::mul(x, vsigmoid<V>(x));
  if constexpr (Op == UnaryOp::kHardSigmoid)
    return V::max(zero, V::min(one, V::fma(V::set1(alpha), x, V::set1(beta))));
  if constexpr (Op == UnaryOp::kHardSwish)
    return V::mul(x, V::max(zero, V::min(one, V::fma(x, V::set1(1.0f / 6.0f), V::set1(0.5f)))));
  if constexpr (Op == UnaryOp::kGelu)
    return V::mul(V::mul(V::set1(0.5f), x),
                  V::add(one, verf<V>(V::mul(x, V::set1(0.70710678118654752f)))));
  if constexpr (Op == UnaryOp::kGeluTanh) {
    const Reg<V> x3 = V::mul(V::mul(x, x), x);
    const Reg<V> u = V::mul(V::set1(0.79788456080286536f), V::fma(V::set1(0.044715f), x3, x));
    return V::mul(V::mul(V::set1(0.5f), x), V::add(one, vtanh<V>(u)));
  }
  if constexpr (Op == UnaryOp::kExp) return vexp<V>(x);
  if constexpr (Op == UnaryOp::kExpAffine) return vexp<V>(V::fma(V::set1(alpha), x, V::set1(beta)));
  if constexpr (Op == UnaryOp::kErf) return verf<V>(x);
  if constexpr (Op == UnaryOp::kSqrt) return V::sqrt(x);
  if constexpr (Op == UnaryOp::kNeg) return V::sub(zero, x);
  if constexpr (Op == UnaryOp::kAbs) return V::abs(x);
  if constexpr (Op == UnaryOp::kReciprocal) return V::div(one, x);
  if constexpr (Op == UnaryOp::kAffine) return V::fma(V::set1(alpha), x, V::set1(beta));
}

template <class V, UnaryOp Op>
void unary_rows(const UnaryArgs& a) {
  constexpr int64_t W = V::kW;
  for (int64_t r = 0; r < a.m; ++r) {
    const float* x = a.src + r * a.ld_src;
    float* y = a.dst + r * a.ld_dst;
    Reg<V> acc = V::zero();
    int64_t c = 0;
    for (; c + W <= a.n; c += W) {
      const Reg<V> v = vunary<V, Op>(V::load(x + c), a.alpha, a.beta);
      V::store(y + c, v);
      acc = V::add(acc, v);
    }
    if (c < a.n) {
      const int cnt = static_cast<int>(a.n - c);
      // Lanes past the row end must not reach the sum: select them to zero.
      const Reg<V> v = vunary<V, Op>(V::load_n(x + c, cnt), a.alpha, a.beta);
      V::store_n(y + c, v, cnt);
      acc = V::add(acc, V::select(V::first_n(cnt), v, V::zero()));
    }
    if (a.row_sum) a.row_sum[r] = V::hsum(acc);
  }
}

template <class V>
void unary(const UnaryArgs& a) {
  switch (a.op) {
#define SF_CASE(op) \
  case UnaryOp::op: return unary_rows<V, UnaryOp::op>(a);
    SF_CASE(kCopy) SF_CASE(kRelu) SF_CASE(kClip) SF_CASE(kLeakyRelu) SF_CASE(kSigmoid)
    SF_CASE(kTanh) SF_CASE(kSilu) SF_CASE(kHardSigmoid) SF_CASE(kHardSwish) SF_CASE(kGelu)
    SF_CASE(kGeluTanh) SF_CASE(kExp) SF_CASE(kExpAffine) SF_CASE(kErf) SF_CASE(kSqrt) SF_CASE(kNeg) SF_CASE(kAbs)
    SF_CASE(kReciprocal) SF_CASE(kAffine)
#undef SF_CASE
  }
}

template <class V, BinaryOp Op>
Reg<V> vbinary(Reg<V> a, Reg<V> b) {
  if constexpr (Op == BinaryOp::kAdd) return V::add(a, b);
  if constexpr (Op == BinaryOp::kSub) return V::sub(a, b);
  if constexpr (Op == BinaryOp::kMul) return V::mul(a, b);
  if constexpr (Op == BinaryOp::kDiv) return V::div(a, b);
  // std::max(a, b) = a < b ? b : a and std::min(a, b) = b < a ? b : a, NaN handling included.
  if constexpr (Op == BinaryOp::kMax) return V::select(V::lt(a, b), b, a);
  if constexpr (Op == BinaryOp::kMin) return V::select(V::lt(b, a), b, a);
}

// Loads lanes [c, c + cnt) of row r of a broadcast input (cnt == kW: a full vector).
template <class V>
Reg<V> load_bcast(const float* p, int64_t ld, Bcast b, int64_t r, int64_t c, int cnt) {
  switch (b) {
    case Bcast::kNone: return cnt == V::kW ? V::load(p + r * ld + c) : V::load_n(p + r * ld + c, cnt);
    case Bcast::kRow: return cnt == V::kW ? V::load(p + c) : V::load_n(p + c, cnt);
    case Bcast::kCol: return V::set1(p[r]);
    case Bcast::kScalar: return V::set1(p[0]);
  }
  return V::zero();
}

template <class V, BinaryOp Op>
void binary_rows(const BinaryArgs& a) {
  constexpr int64_t W = V::kW;
  for (int64_t r = 0; r < a.m; ++r) {
    float* y = a.dst + r * a.ld_dst;
    int64_t c = 0;
    for (; c + W <= a.n; c += W)
      V::store(y + c, vbinary<V, Op>(load_bcast<V>(a.a, a.lda, a.bcast_a, r, c, V::kW),
                                      load_bcast<V>(a.b, a.ldb, a.bcast_b, r, c, V::kW)));
    if (c < a.n) {
      const int cnt = static_cast<int>(a.n - c);
      V::store_n(y + c,
                 vbinary<V, Op>(load_bcast<V>(a.a, a.lda, a.bcast_a, r, c, cnt),
                                load_bcast<V>(a.b, a.ldb, a.bcast_b, r, c, cnt)),
                 cnt);
    }
  }
}

template <class V>
void binary(const BinaryArgs& a) {
  switch (a.op) {
    case BinaryOp::kAdd: return binary_rows<V, BinaryOp::kAdd>(a);
    case BinaryOp::kSub: return binary_rows<V, BinaryOp::kSub>(a);
    case BinaryOp::kMul: return binary_rows<V, BinaryOp::kMul>(a);
    case BinaryOp::kDiv: return binary_rows<V, BinaryOp::kDiv>(a);
    case BinaryOp::kMax: return binary_rows<V, BinaryOp::kMax>(a);
    case BinaryOp::kMin: return binary_rows<V, BinaryOp::kMin>(a);
  }
}

// kColSumAbs: four column vectors at a time (eight independent add chains), rows in order.
template <class V>
void col_sum_abs(const ReduceArgs& a) {
  constexpr int64_t W = V::kW;
  constexpr int kU = 4;
  int64_t c = 0;
  for (; c + kU * W <= a.n; c += kU * W) {
    Reg<V> s[kU], t[kU];
    for (int u = 0; u < kU; ++u) {
      s[u] = V::load(a.out + c + u * W);
      t[u] = V::load(a.out2 + c + u * W);
    }
    for (int64_t r = 0; r < a.m; ++r) {
      const float* x = a.src + r * a.ld_src + c;
      for (int u = 0; u < kU; ++u) {
        const Reg<V> v = V::load(x + u * W);
        s[u] = V::add(s[u], v);
        t[u] = V::add(t[u], V::abs(v));
      }
    }
    for (int u = 0; u < kU; ++u) {
      V::store(a.out + c + u * W, s[u]);
      V::store(a.out2 + c + u * W, t[u]);
    }
  }
  for (; c < a.n; c += W) {
    const int cnt = static_cast<int>(std::min<int64_t>(W, a.n - c));
    Reg<V> s = V::load_n(a.out + c, cnt), t = V::load_n(a.out2 + c, cnt);
    for (int64_t r = 0; r < a.m; ++r) {
      const Reg<V> v = V::load_n(a.src + r * a.ld_src + c, cnt);
      s = V::add(s, v);
      t = V::add(t, V::abs(v));
    }
    V::store_n(a.out + c, s, cnt);
    V::store_n(a.out2 + c, t, cnt);
  }
}

template <class V>
void reduce(const ReduceArgs& a) {
  constexpr int64_t W = V::kW;
  if (a.op == ReduceOp::kColSumAbs) return col_sum_abs<V>(a);
  const Reg<V> ninf = V::set1(-std::numeric_limits<float>::infinity());
  for (int64_t r = 0; r < a.m; ++r) {
    const float* x = a.src + r * a.ld_src;
    const int64_t full = a.n / W * W;
    const int cnt = static_cast<int>(a.n - full);
    switch (a.op) {
      case ReduceOp::kSum: {
        Reg<V> s = V::zero();
        for (int64_t c = 0; c < full; c += W) s = V::add(s, V::load(x + c));
        if (cnt) s = V::add(s, V::load_n(x + full, cnt));
        a.out[r] = V::hsum(s);
        break;
      }
      case ReduceOp::kMax: {
        Reg<V> mx = ninf;
        for (int64_t c = 0; c < full; c += W) mx = V::max(mx, V::load(x + c));
        if (cnt) mx = V::max(mx, V::select(V::first_n(cnt), V::load_n(x + full, cnt), ninf));
        a.out[r] = V::hmax(mx);
        break;
      }
      case ReduceOp::kSumSq: {
        const Reg<V> center = V::set1(a.center ? a.center[r] : 0.0f);
        Reg<V> s = V::zero(), s2 = V::zero();
        for (int64_t c = 0; c < full; c += W) {
          const Reg<V> d = V::sub(V::load(x + c), center);
          s = V::add(s, d);
          s2 = V::fma(d, d, s2);
        }
        if (cnt) {
          const Reg<V> d = V::select(V::first_n(cnt), V::sub(V::load_n(x + full, cnt), center),
                                     V::zero());
          s = V::add(s, d);
          s2 = V::fma(d, d, s2);
        }
        a.out[r] = V::hsum(s);
        a.out2[r] = V::hsum(s2);
        break;
      }
      case ReduceOp::kColSumAbs: break;  // handled above
    }
  }
}

}  // namespace sf::cpu::simd
