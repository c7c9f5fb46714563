// The FlashAttention-2 block written once over a vector type V (see eltwise_simd.hpp for V's
// interface), instantiated by attention_<isa>.cpp. Holds no intrinsics. Formula, layouts, tile and
// scratch: attention.hpp.
//
// small_gemm: C[m x n] (+)= A[m x k] B[k x n], A, B, C row-major with leading dimensions; register
// tiles of up to 4 rows x kNv vectors, the last vector of a row masked when n is not a multiple
// of the width. Sums over k run in order, so results do not depend on how rows are split.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <utility>

#include "kernels/cpu/attention/attention.hpp"
#include "kernels/cpu/eltwise/eltwise_simd.hpp"

namespace sf::cpu::simd {

template <class V>
constexpr int kNv = V::kW == 8 ? 2 : 4;  // AVX2 has 16 registers; AVX-512 and scalar 32+
template <class V>
constexpr int kMr = V::kW == 16 ? 6 : 4;  // AVX-512: 6 x 4 accumulators + 4 B vectors of 32 registers

template <class V, int MR, int NV, bool Tail>
void gemm_tile(int64_t k, const float* a, int64_t lda, const float* b, int64_t ldb, float* c,
               int64_t ldc, bool accumulate, int tail) {
  constexpr int W = V::kW;
  const auto ld = [&](const float* p, int v) {
    return (Tail && v == NV - 1) ? V::load_n(p + v * W, tail) : V::load(p + v * W);
  };
  Reg<V> acc[MR][NV];
  for (int i = 0; i < MR; ++i)
    for (int v = 0; v < NV; ++v) acc[i][v] = accumulate ? ld(c + i * ldc, v) : V::zero();
  for (int64_t kk = 0; kk < k; ++kk) {
    Reg<V> bv[NV];
    for (int v = 0; v < NV; ++v) bv[v] = ld(b + kk * ldb, v);
    for (int i = 0; i < MR; ++i) {
      const Reg<V> ai = V::set1(a[i * lda + kk]);
      for (int v = 0; v < NV; ++v) acc[i][v] = V::fma(ai, bv[v], acc[i][v]);
    }
  }
  for (int i = 0; i < MR; ++i)
    for (int v = 0; v < NV; ++v) {
      if (Tail && v == NV - 1)
        V::store_n(c + i * ldc + v * W, acc[i][v], tail);
      else
        V::store(c + i * ldc + v * W, acc[i][v]);
    }
}

template <class V>
using TileFn = void (*)(int64_t, const float*, int64_t, const float*, int64_t, float*, int64_t,
                        bool, int);

// table[mr - 1][nv - 1][tail]
template <class V, int MR, int NV>
constexpr std::array<TileFn<V>, 2> tile_pair() {
  return {gemm_tile<V, MR, NV, false>, gemm_tile<V, MR, NV, true>};
}
template <class V, int MR, int... NVs>
constexpr std::array<std::array<TileFn<V>, 2>, sizeof...(NVs)> tile_row(
    std::integer_sequence<int, NVs...>) {
  return {tile_pair<V, MR, NVs + 1>()...};
}
template <class V, int... MRs>
constexpr auto tile_table(std::integer_sequence<int, MRs...>) {
  return std::array{tile_row<V, MRs + 1>(std::make_integer_sequence<int, kNv<V>>())...};
}

template <class V>
void small_gemm(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b,
                int64_t ldb, float* c, int64_t ldc, bool accumulate) {
  static constexpr auto kTable = tile_table<V>(std::make_integer_sequence<int, kMr<V>>());
  constexpr int64_t W = V::kW;
  constexpr int64_t kCols = kNv<V> * W;
  for (int64_t i0 = 0; i0 < m; i0 += kMr<V>) {
    const int64_t mr = std::min<int64_t>(kMr<V>, m - i0);
    for (int64_t j0 = 0; j0 < n; j0 += kCols) {
      const int64_t nc = std::min(kCols, n - j0);
      const int64_t nv = (nc + W - 1) / W;
      const int tail = static_cast<int>(nc - (nv - 1) * W);
      kTable[mr - 1][nv - 1][tail != W](k, a + i0 * lda, lda, b + j0, ldb, c + i0 * ldc + j0, ldc,
                                        accumulate, tail);
    }
  }
}

// Row r of S (n valid columns): S = scale * S + mask for columns < limit, -inf after; returns
// the row max.
template <class V>
float scale_mask_max(float* s, int64_t n, int64_t limit, float scale, const float* mask,
                     int64_t mask_ld_col) {
  constexpr int64_t W = V::kW;
  const float ninf = -std::numeric_limits<float>::infinity();
  const int64_t lim = std::clamp<int64_t>(limit, 0, n);
  const Reg<V> vs = V::set1(scale);
  Reg<V> mx = V::set1(ninf);
  int64_t c = 0;
  for (; c + W <= lim; c += W) {
    Reg<V> x = V::mul(V::load(s + c), vs);
    if (mask) x = V::add(x, mask_ld_col ? V::load(mask + c) : V::set1(mask[0]));
    V::store(s + c, x);
    mx = V::max(mx, x);
  }
  if (c < lim) {
    const int cnt = static_cast<int>(lim - c);
    Reg<V> x = V::mul(V::load_n(s + c, cnt), vs);
    if (mask) x = V::add(x, mask_ld_col ? V::load_n(mask + c, cnt) : V::set1(mask[0]));
    V::store_n(s + c, x, cnt);
    mx = V::max(mx, V::select(V::first_n(cnt), x, V::set1(ninf)));
  }
  for (int64_t j = lim; j < n; ++j) s[j] = ninf;
  return V::hmax(mx);
}

// P = exp(S - shift) in place over n columns; returns the row sum.
template <class V>
float exp_shift_sum(float* s, int64_t n, float shift) {
  constexpr int64_t W = V::kW;
  const Reg<V> sh = V::set1(shift);
  Reg<V> acc = V::zero();
  int64_t c = 0;
  for (; c + W <= n; c += W) {
    const Reg<V> p = vexp<V>(V::sub(V::load(s + c), sh));
    V::store(s + c, p);
    acc = V::add(acc, p);
  }
  if (c < n) {
    const int cnt = static_cast<int>(n - c);
    const Reg<V> p = vexp<V>(V::sub(V::load_n(s + c, cnt), sh));
    V::store_n(s + c, p, cnt);
    acc = V::add(acc, V::select(V::first_n(cnt), p, V::zero()));
  }
  return V::hsum(acc);
}

template <class V>
void scale_row(float* x, int64_t n, float f) {
  constexpr int64_t W = V::kW;
  const Reg<V> vf = V::set1(f);
  int64_t c = 0;
  for (; c + W <= n; c += W) V::store(x + c, V::mul(V::load(x + c), vf));
  if (c < n) {
    const int cnt = static_cast<int>(n - c);
    V::store_n(x + c, V::mul(V::load_n(x + c, cnt), vf), cnt);
  }
}

template <class V>
void attention_block(const AttentionArgs& a, int64_t q0, int64_t rows, float* scratch) {
  // Blocks shrink to the sequence when it is shorter (the layout attention_scratch_floats sizes).
  const int64_t kBr = std::min(kAttentionBr, a.lq), kBc = std::min(kAttentionBc, a.lk);
  const float ninf = -std::numeric_limits<float>::infinity();
  float* kt = scratch;          // [D][Bc]: the key block transposed
  float* s = kt + kBc * a.d;    // [Br][Bc]: scores, then probabilities
  float* m = s + kBr * kBc;     // running max per row
  float* l = m + kBr;           // running sum per row
  const int64_t off = a.lk - a.lq;  // causal: key j is visible to query i when j <= i + off
  for (int64_t r = 0; r < rows; ++r) {
    m[r] = ninf;
    l[r] = 0.0f;
    std::fill_n(a.o + (q0 + r) * a.ld_o, a.dv, 0.0f);
  }
  // Keys past the last row's causal limit are masked for every row of the block.
  const int64_t kend = a.causal ? std::clamp<int64_t>(q0 + rows + off, 0, a.lk) : a.lk;
  for (int64_t j0 = 0; j0 < kend; j0 += kBc) {
    const int64_t n = std::min(kBc, kend - j0);
    const float* kb = a.k + j0;
    int64_t ldb = a.ld_k;
    if (!a.k_transposed) {
      for (int64_t j = 0; j < n; ++j) {
        const float* krow = a.k + (j0 + j) * a.ld_k;
        for (int64_t dd = 0; dd < a.d; ++dd) kt[dd * kBc + j] = krow[dd];
      }
      kb = kt;
      ldb = kBc;
    }
    small_gemm<V>(rows, n, a.d, a.q + q0 * a.ld_q, a.ld_q, kb, ldb, s, kBc, false);
    for (int64_t r = 0; r < rows; ++r) {
      const int64_t i = q0 + r;
      float* srow = s + r * kBc;
      const int64_t limit = a.causal ? i + off + 1 - j0 : n;
      const float* mrow = a.mask ? a.mask + i * a.mask_ld_row + j0 * a.mask_ld_col : nullptr;
      const float mx = scale_mask_max<V>(srow, n, limit, a.scale, mrow, a.mask_ld_col);
      const float m_new = std::max(m[r], mx);
      if (m_new == ninf) {  // every key so far masked: contributes nothing
        std::fill_n(srow, n, 0.0f);
        continue;
      }
      const float alpha = std::exp(m[r] - m_new);  // 0 when m was -inf
      const float sum = exp_shift_sum<V>(srow, n, m_new);
      l[r] = alpha * l[r] + sum;
      if (alpha != 1.0f) scale_row<V>(a.o + i * a.ld_o, a.dv, alpha);
      m[r] = m_new;
    }
    small_gemm<V>(rows, a.dv, n, s, kBc, a.v + j0 * a.ld_v, a.ld_v, a.o + q0 * a.ld_o, a.ld_o,
                  true);
  }
  for (int64_t r = 0; r < rows; ++r)
    scale_row<V>(a.o + (q0 + r) * a.ld_o, a.dv, l[r] > 0.0f ? 1.0f / l[r] : 0.0f);
}

}  // namespace sf::cpu::simd
