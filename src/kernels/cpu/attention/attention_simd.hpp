// The FlashAttention-2 block written once over a vector type V (see eltwise_simd.hpp for V's
// interface), instantiated by attention_<isa>.cpp. Holds no intrinsics. Formula, layouts, tile and
// scratch: attention.hpp.
//
// small_gemm: C[m x n] (+)= A[m x k] B[k x n], A, B, C row-major with leading dimensions; register
// tiles of up to kMr rows x kNv vectors, the last vector of a row masked when n is not a multiple
// of the width. Sums over k run in order, so results do not depend on how rows are split.
//
// ABFT (`_abft` variants, attention.hpp): small_gemm_x also sums, in the tile's registers, the
// stored results and (for the output update) the values loaded from C and their magnitudes, so the
// checks read no memory the GEMM does not; attention_block_checked runs the checks and the
// recomputations. Every element is computed by the same instructions in the same order as in the
// plain variant, so a checked run stores identical bits. The fault hook runs the hit tile through
// gemm_tile_faulty (same arithmetic plus one bit flip); every variant honours it.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <new>
#include <utility>

#include "core/fp_bounds.hpp"
#include "kernels/cpu/attention/attention.hpp"
#include "kernels/cpu/eltwise/eltwise_simd.hpp"
#include "kernels/cpu/gemm/abft.hpp"

namespace sf::cpu::simd {

template <class V>
constexpr int kNv = V::kW == 8 ? 2 : 4;  // AVX2 has 16 registers; AVX-512 and scalar 32+
template <class V>
constexpr int kMr = V::kW == 16 ? 6 : 4;  // AVX-512: 6 x 4 accumulators + 4 B vectors of 32 registers

// Side sums a small GEMM call takes for the ABFT checks (attention.hpp): none, the final
// accumulators (the score block), or also the values loaded from C and their magnitudes (the
// output update, whose C is O before the update).
enum class Sums { kNone, kOut, kInOut };

// What one small_gemm call with sums saw, and how many register tiles it ran. In registers, each
// tile adds its own registers into one vector and that vector into the call's (fp32, per lane
// at most kMr * kNv - 1 + tiles additions), reduced in double at the end of the call.
struct GemmSums {
  double out = 0, in = 0, in_abs = 0;
  int64_t tiles = 0;
};

template <class V, int MR, int NV>
SF_VEC_INLINE void add_in_sums(const Reg<V> (&acc)[MR][NV], Reg<V>* sums) {
  Reg<V> s = acc[0][0], t = V::abs(acc[0][0]);
  for (int i = 0; i < MR; ++i)
    for (int v = i == 0 ? 1 : 0; v < NV; ++v) {
      s = V::add(s, acc[i][v]);
      t = V::add(t, V::abs(acc[i][v]));
    }
  sums[1] = V::add(sums[1], s);
  sums[2] = V::add(sums[2], t);
}

// Lanes past the tile's last column (tail) are left out: they hold no output.
template <class V, int MR, int NV, bool Tail>
SF_VEC_INLINE void add_out_sum(const Reg<V> (&acc)[MR][NV], int tail, Reg<V>* sums) {
  const auto lanes = [&](int i, int v) {
    return (Tail && v == NV - 1) ? V::select(V::first_n(tail), acc[i][v], V::zero()) : acc[i][v];
  };
  Reg<V> s = lanes(0, 0);
  for (int i = 0; i < MR; ++i)
    for (int v = i == 0 ? 1 : 0; v < NV; ++v) s = V::add(s, lanes(i, v));
  sums[0] = V::add(sums[0], s);
}

template <class V, int MR, int NV, bool Tail, Sums S>
void gemm_tile(int64_t k, const float* a, int64_t lda, const float* b, int64_t ldb, float* c,
               int64_t ldc, bool accumulate, int tail, Reg<V>* sums) {
  constexpr int W = V::kW;
  const auto ld = [&](const float* p, int v) {
    return (Tail && v == NV - 1) ? V::load_n(p + v * W, tail) : V::load(p + v * W);
  };
  Reg<V> acc[MR][NV];
  for (int i = 0; i < MR; ++i)
    for (int v = 0; v < NV; ++v) acc[i][v] = accumulate ? ld(c + i * ldc, v) : V::zero();
  if constexpr (S == Sums::kInOut) add_in_sums<V, MR, NV>(acc, sums);
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
  if constexpr (S != Sums::kNone) add_out_sum<V, MR, NV, Tail>(acc, tail, sums);
}

// The tile of gemm_tile with an injected fault (kernels/cpu/gemm/abft.hpp): bit f.bit of the
// accumulator of element (f.row, f.col) of the tile flips before k step f.step (after the last
// when f.step == k). Sizes are run-time here (only a faulty tile runs it); every element sees
// the same loads and FMAs in the same order as in gemm_tile, so all other results are identical.
template <class V, Sums S>
void gemm_tile_faulty(int mr, int nv, bool tailed, int tail, int64_t k, const float* a,
                      int64_t lda, const float* b, int64_t ldb, float* c, int64_t ldc,
                      bool accumulate, Reg<V>* sums, const FaultSite& f) {
  constexpr int W = V::kW;
  const auto ld = [&](const float* p, int v) {
    return (tailed && v == nv - 1) ? V::load_n(p + v * W, tail) : V::load(p + v * W);
  };
  Reg<V> acc[kMr<V>][kNv<V>];
  for (int i = 0; i < mr; ++i)
    for (int v = 0; v < nv; ++v) acc[i][v] = accumulate ? ld(c + i * ldc, v) : V::zero();
  if constexpr (S == Sums::kInOut) {
    Reg<V> s = V::zero(), t = V::zero();
    for (int i = 0; i < mr; ++i)
      for (int v = 0; v < nv; ++v) {
        s = V::add(s, acc[i][v]);
        t = V::add(t, V::abs(acc[i][v]));
      }
    sums[1] = V::add(sums[1], s);
    sums[2] = V::add(sums[2], t);
  }
  const auto flip = [&] {
    alignas(64) float lanes[W];
    Reg<V>& r = acc[f.row][f.col / W];
    V::store(lanes, r);
    const float before = lanes[f.col % W];
    lanes[f.col % W] = flip_bit(before, f.bit);
    fault_record_flip(before, lanes[f.col % W]);
    r = V::load(lanes);
  };
  for (int64_t kk = 0; kk < k; ++kk) {
    if (kk == f.step) flip();
    Reg<V> bv[kNv<V>];
    for (int v = 0; v < nv; ++v) bv[v] = ld(b + kk * ldb, v);
    for (int i = 0; i < mr; ++i) {
      const Reg<V> ai = V::set1(a[i * lda + kk]);
      for (int v = 0; v < nv; ++v) acc[i][v] = V::fma(ai, bv[v], acc[i][v]);
    }
  }
  if (f.step >= k) flip();
  Reg<V> s = V::zero();
  for (int i = 0; i < mr; ++i)
    for (int v = 0; v < nv; ++v) {
      if (tailed && v == nv - 1) {
        V::store_n(c + i * ldc + v * W, acc[i][v], tail);
        s = V::add(s, V::select(V::first_n(tail), acc[i][v], V::zero()));
      } else {
        V::store(c + i * ldc + v * W, acc[i][v]);
        s = V::add(s, acc[i][v]);
      }
    }
  if constexpr (S != Sums::kNone) sums[0] = V::add(sums[0], s);
}

template <class V>
using TileFn = void (*)(int64_t, const float*, int64_t, const float*, int64_t, float*, int64_t,
                        bool, int, Reg<V>*);

// table[mr - 1][nv - 1][tail]
template <class V, Sums S, int MR, int NV>
constexpr std::array<TileFn<V>, 2> tile_pair() {
  return {gemm_tile<V, MR, NV, false, S>, gemm_tile<V, MR, NV, true, S>};
}
template <class V, Sums S, int MR, int... NVs>
constexpr std::array<std::array<TileFn<V>, 2>, sizeof...(NVs)> tile_row(
    std::integer_sequence<int, NVs...>) {
  return {tile_pair<V, S, MR, NVs + 1>()...};
}
template <class V, Sums S, int... MRs>
constexpr auto tile_table(std::integer_sequence<int, MRs...>) {
  return std::array{tile_row<V, S, MRs + 1>(std::make_integer_sequence<int, kNv<V>>())...};
}

template <class V>
double hsum_double(Reg<V> r) {
  alignas(64) float x[V::kW];
  V::store(x, r);
  double s = 0;
  for (float v : x) s += v;
  return s;
}

// small_gemm with the side sums S (added to *sums) and an optional fault at element
// (fault->row, fault->col) of C.
template <class V, Sums S>
void small_gemm_x(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b,
                  int64_t ldb, float* c, int64_t ldc, bool accumulate, GemmSums* sums,
                  const FaultSite* fault) {
  static constexpr auto kTable = tile_table<V, S>(std::make_integer_sequence<int, kMr<V>>());
  constexpr int64_t W = V::kW;
  constexpr int64_t kCols = kNv<V> * W;
  Reg<V> regs[3] = {V::zero(), V::zero(), V::zero()};
  int64_t tiles = 0;
  for (int64_t i0 = 0; i0 < m; i0 += kMr<V>) {
    const int64_t mr = std::min<int64_t>(kMr<V>, m - i0);
    for (int64_t j0 = 0; j0 < n; j0 += kCols, ++tiles) {
      const int64_t nc = std::min(kCols, n - j0);
      const int64_t nv = (nc + W - 1) / W;
      const int tail = static_cast<int>(nc - (nv - 1) * W);
      if (fault && fault->row >= i0 && fault->row < i0 + mr && fault->col >= j0 &&
          fault->col < j0 + nc) {
        FaultSite f = *fault;
        f.row -= static_cast<int>(i0);
        f.col -= j0;
        gemm_tile_faulty<V, S>(static_cast<int>(mr), static_cast<int>(nv), tail != W, tail, k,
                               a + i0 * lda, lda, b + j0, ldb, c + i0 * ldc + j0, ldc, accumulate,
                               regs, f);
        continue;
      }
      kTable[mr - 1][nv - 1][tail != W](k, a + i0 * lda, lda, b + j0, ldb, c + i0 * ldc + j0, ldc,
                                        accumulate, tail, regs);
    }
  }
  if constexpr (S != Sums::kNone) {
    sums->out += hsum_double<V>(regs[0]);
    if constexpr (S == Sums::kInOut) {
      sums->in += hsum_double<V>(regs[1]);
      sums->in_abs += hsum_double<V>(regs[2]);
    }
    sums->tiles += tiles;
  }
}

template <class V>
void small_gemm(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b,
                int64_t ldb, float* c, int64_t ldc, bool accumulate) {
  small_gemm_x<V, Sums::kNone>(m, n, k, a, lda, b, ldb, c, ldc, accumulate, nullptr, nullptr);
}

// Additions per lane in the side sums of a small_gemm call of `tiles` tiles (see GemmSums).
template <class V>
double side_sum_roundings(int64_t tiles) {
  return static_cast<double>(kMr<V> * kNv<V> + tiles);
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

// ---- ABFT (attention.hpp) -----------------------------------------------------------------------

// The checks' state of one call (query block).
struct BlockChecks {
  const double* k_checks = nullptr;  // per key block: ksum[D], kabs[D]
  const double* vsum = nullptr;      // [Lk]
  const double* vabs = nullptr;      // [Lk]
  double* qsum = nullptr;            // [D]: sums over the block's query rows
  double* qabs = nullptr;            // [D]
  double* ksum = nullptr;            // [D]: a key block cut short by the causal limit
  double* kabs = nullptr;            // [D]
  float* psum = nullptr;             // [Bc]: column sums of P
  int64_t checked = 0, unverifiable = 0;
};

// The double-precision helpers are templates on V, as everything here: a non-template inline
// function compiled in several ISA files could be linked from the wrong one.

// *sum = sum x[i], *abs = sum |x[i]| over i < n, in double: 8 interleaved partial sums kept in
// two GCC vectors of 4 doubles (ymm on AVX2 / AVX-512, SSE2 pairs in the scalar file; the
// compiler's own vectorisation of the plain loop built each vector from scalar loads), combined
// in a fixed tree at the end.
template <class V>
void sum_abs8(const float* x, int64_t n, double* sum, double* abs) {
  using F4 = float __attribute__((vector_size(16)));
  using D4 = double __attribute__((vector_size(32)));
  using I4 = long long __attribute__((vector_size(32)));
  constexpr long long kNoSign = 0x7fffffffffffffffLL;
  D4 s0 = {}, s1 = {}, t0 = {}, t1 = {};
  const int64_t chunks = n / 8;
  for (int64_t c = 0; c < chunks; ++c) {
    F4 f0, f1;
    std::memcpy(&f0, x + 8 * c, sizeof f0);
    std::memcpy(&f1, x + 8 * c + 4, sizeof f1);
    const D4 v0 = __builtin_convertvector(f0, D4), v1 = __builtin_convertvector(f1, D4);
    s0 += v0;
    s1 += v1;
    t0 += reinterpret_cast<D4>(reinterpret_cast<I4>(v0) & kNoSign);  // |v0|
    t1 += reinterpret_cast<D4>(reinterpret_cast<I4>(v1) & kNoSign);
  }
  const D4 s = s0 + s1, t = t0 + t1;
  double ss = (s[0] + s[2]) + (s[1] + s[3]);
  double tt = (t[0] + t[2]) + (t[1] + t[3]);
  for (int64_t i = 8 * chunks; i < n; ++i) {
    ss += static_cast<double>(x[i]);
    tt += std::fabs(static_cast<double>(x[i]));
  }
  *sum = ss;
  *abs = tt;
}

// *r1 = sum x1[i] y1[i], *r2 = sum x2[i] y2[i] over i < n, in double, 8 partial sums each.
template <class V, class T>
void dots8(const T* x1, const double* y1, const T* x2, const double* y2, int64_t n, double* r1,
           double* r2) {
  double s[8] = {}, t[8] = {};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int u = 0; u < 8; ++u) {
      s[u] += static_cast<double>(x1[i + u]) * y1[i + u];
      t[u] += static_cast<double>(x2[i + u]) * y2[i + u];
    }
  double ss = 0, tt = 0;
  for (int u = 0; u < 8; ++u) ss += s[u], tt += t[u];
  for (; i < n; ++i) {
    ss += static_cast<double>(x1[i]) * y1[i];
    tt += static_cast<double>(x2[i]) * y2[i];
  }
  *r1 = ss;
  *r2 = tt;
}

// AttentionChecksFn (attention.hpp). Per key block: K [Lk, D] adds whole rows into the D sums
// (independent sums side by side); K [D, Lk] sums each row segment with sum_abs8. V: sum_abs8 per
// key. Fixed orders, so every ISA gives the same doubles.
template <class V>
void make_checks(const AttentionArgs& a, double* dst) {
  if (a.lk <= 0) return;
  const int64_t bc = std::min(kAttentionBc, a.lk);
  double* kc = dst;
  for (int64_t j0 = 0; j0 < a.lk; j0 += bc, kc += 2 * a.d) {
    const int64_t j1 = std::min(a.lk, j0 + bc);
    double* __restrict ks = kc;
    double* __restrict ka = kc + a.d;
    if (a.k_transposed) {
      for (int64_t dd = 0; dd < a.d; ++dd)
        sum_abs8<V>(a.k + dd * a.ld_k + j0, j1 - j0, ks + dd, ka + dd);
      continue;
    }
    std::fill_n(kc, 2 * a.d, 0.0);
    for (int64_t j = j0; j < j1; ++j) {
      const float* __restrict row = a.k + j * a.ld_k;
      for (int64_t dd = 0; dd < a.d; ++dd) {
        ks[dd] += static_cast<double>(row[dd]);
        ka[dd] += std::fabs(static_cast<double>(row[dd]));
      }
    }
  }
  for (int64_t j = 0; j < a.lk; ++j) sum_abs8<V>(a.v + j * a.ld_v, a.dv, kc + j, kc + a.lk + j);
}

// One check: |result - checksum| <= checksum_tolerance(n_round, scale) + products * 2^-150, the
// last term for fp32 multiplications whose results underflowed (each errs by at most 2^-150 in
// absolute terms; additions with a subnormal result are exact). Unverifiable (counted, passes)
// when the checksum or the bound is not finite, or when the scale reaches FLT_MAX / 2: the fp32
// side may then overflow with no fault. Fills *alarm on a mismatch.
template <class V>
bool block_check(double result, double checksum, double scale, double n_round, double products,
                 BlockChecks& ck, TileAlarm* alarm, bool faulty = false) {
  const double tol = checksum_tolerance(n_round, scale) + products * 0x1p-150;
  if (faulty)  // the block holds the injected fault: its check is recorded for campaigns
    fault_record_tile_check(checksum_verifiable(checksum, tol) &&
                                scale <= 0.5 * static_cast<double>(std::numeric_limits<float>::max()),
                            tol, std::fabs(result - checksum));
  if (!checksum_verifiable(checksum, tol) ||
      !(scale <= 0.5 * static_cast<double>(std::numeric_limits<float>::max()))) {
    ++ck.unverifiable;
    return true;
  }
  ++ck.checked;
  if (checksum_agrees(result, checksum, tol)) return true;
  alarm->result = result;
  alarm->checksum = checksum;
  alarm->tolerance = tol;
  return false;
}

// out[c] = sum_r s[r * ld + c] for c < n, in fp32: per column two partial sums (even and odd
// rows) added at the end, at most rows - 1 roundings each (P >= 0: relative to the column sum).
// kNv columns of vectors at a time, so 2 * kNv independent add chains hide the add latency.
template <class V>
void column_sums(const float* s, int64_t ld, int64_t rows, int64_t n, float* out) {
  constexpr int64_t W = V::kW, NV = kNv<V>;
  for (int64_t c0 = 0; c0 < n; c0 += NV * W) {
    const int64_t nv = std::min<int64_t>(NV, (n - c0 + W - 1) / W);
    const int tail = static_cast<int>(n - c0 - (nv - 1) * W);  // lanes of the last vector
    const auto ld_v = [&](int64_t r, int64_t v) {
      const float* p = s + r * ld + c0 + v * W;
      return v == nv - 1 && tail < W ? V::load_n(p, tail) : V::load(p);
    };
    Reg<V> even[NV], odd[NV];
    for (int64_t v = 0; v < nv; ++v) {
      even[v] = ld_v(0, v);
      odd[v] = V::zero();
    }
    int64_t r = 1;
    for (; r + 1 < rows; r += 2)
      for (int64_t v = 0; v < nv; ++v) {
        odd[v] = V::add(odd[v], ld_v(r, v));
        even[v] = V::add(even[v], ld_v(r + 1, v));
      }
    if (r < rows)
      for (int64_t v = 0; v < nv; ++v) odd[v] = V::add(odd[v], ld_v(r, v));
    for (int64_t v = 0; v < nv; ++v) {
      const Reg<V> x = V::add(even[v], odd[v]);
      if (v == nv - 1 && tail < W)
        V::store_n(out + c0 + v * W, x, tail);
      else
        V::store(out + c0 + v * W, x);
    }
  }
}

// One pass over the key blocks for query rows [q0, q0 + rows): the FlashAttention-2 loop of
// attention.hpp. With kCheck, both GEMMs of every key block are verified (attention.hpp (a), (b));
// a failing score block is recomputed in place, a failing output update makes the pass return
// false (at once when `stop`, else at the end, the output then being known bad); *o_alarm gets
// the first output alarm.
template <class V, bool kCheck>
bool attention_pass(const AttentionArgs& a, int64_t q0, int64_t rows, float* scratch,
                    BlockChecks* ck, bool stop, TileAlarm* o_alarm) {
  // Blocks shrink to the sequence when it is shorter (the layout attention_scratch_floats sizes).
  const int64_t kBr = std::min(kAttentionBr, a.lq), kBc = std::min(kAttentionBc, a.lk);
  const float ninf = -std::numeric_limits<float>::infinity();
  float* kt = scratch;          // [D][Bc]: the key block transposed
  float* s = kt + kBc * a.d;    // [Br][Bc]: scores, then probabilities
  float* m = s + kBr * kBc;     // running max per row
  float* l = m + kBr;           // running sum per row
  float* o = a.o + q0 * a.ld_o;
  const float* q = a.q + q0 * a.ld_q;
  const int64_t off = a.lk - a.lq;  // causal: key j is visible to query i when j <= i + off
  for (int64_t r = 0; r < rows; ++r) {
    m[r] = ninf;
    l[r] = 0.0f;
    std::fill_n(o + r * a.ld_o, a.dv, 0.0f);
  }
  constexpr Sums kScoreSums = kCheck ? Sums::kOut : Sums::kNone;
  constexpr Sums kOutSums = kCheck ? Sums::kInOut : Sums::kNone;
  bool ok = true;
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
    // S = Q_blk K_blk^T (raw dot products; the fault hook may hit its accumulators).
    GemmSums sg;
    bool scores_hit = false;
    const auto scores = [&] {
      FaultSite site;
      const bool hit =
          fault_armed() && fault_claim(s, kBc, static_cast<int>(rows), n, a.d, &site);
      scores_hit = hit;
      small_gemm_x<V, kScoreSums>(rows, n, a.d, q, a.ld_q, kb, ldb, s, kBc, false, &sg,
                                  hit ? &site : nullptr);
    };
    scores();
    if constexpr (kCheck) {
      // (a): sum of the block's scores against qsum . ksum_blk. A block cut short by the causal
      // limit has no precomputed sums: they are made here from K (n * D adds, once per call).
      const double* ksum = ck->k_checks + (j0 / kBc) * 2 * a.d;
      const double* kabs = ksum + a.d;
      if (n != std::min(kBc, a.lk - j0)) {
        for (int64_t dd = 0; dd < a.d; ++dd) {
          double x = 0, y = 0;
          for (int64_t j = j0; j < j0 + n; ++j) {
            const float kv = a.k_transposed ? a.k[dd * a.ld_k + j] : a.k[j * a.ld_k + dd];
            x += kv;
            y += std::fabs(kv);
          }
          ck->ksum[dd] = x;
          ck->kabs[dd] = y;
        }
        ksum = ck->ksum;
        kabs = ck->kabs;
      }
      double checksum = 0, scale = 0;
      dots8<V>(ck->qsum, ksum, ck->qabs, kabs, a.d, &checksum, &scale);
      // Roundings: the D-term dot of each score (D + 1: the scalar variant rounds products and
      // sums apart), the fp32 side sums (side_sum_roundings), the double reduction of the lanes,
      // of qsum and of the checksum dot (one each), and one spare.
      const auto n_round = [&] {
        return static_cast<double>(a.d + 1) + side_sum_roundings<V>(sg.tiles) + 4;
      };
      const double products = static_cast<double>(rows * n) * static_cast<double>(a.d + 1);
      TileAlarm alarm;
      if (!block_check<V>(sg.out, checksum, scale, n_round(), products, *ck, &alarm, scores_hit)) {
        TileAlarm again;
        while (alarm.retries < kTileRetries && !alarm.corrected) {
          ++alarm.retries;
          sg = GemmSums{};
          scores();
          alarm.corrected =
              block_check<V>(sg.out, checksum, scale, n_round(), products, *ck, &again);
        }
        a.log->add_alarm(alarm);
      }
    }
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
      if (alpha != 1.0f) scale_row<V>(o + r * a.ld_o, a.dv, alpha);
      m[r] = m_new;
    }
    // O += P V_blk (the fault hook may hit its accumulators).
    double checksum = 0, scale_pv = 0;
    if constexpr (kCheck) {
      column_sums<V>(s, kBc, rows, n, ck->psum);
      dots8<V>(ck->psum, ck->vsum + j0, ck->psum, ck->vabs + j0, n, &checksum, &scale_pv);
    }
    GemmSums og;
    FaultSite site;
    const bool hit =
        fault_armed() && fault_claim(o, a.ld_o, static_cast<int>(rows), a.dv, n, &site);
    small_gemm_x<V, kOutSums>(rows, a.dv, n, s, kBc, a.v + j0 * a.ld_v, a.ld_v, o, a.ld_o, true,
                              &og, hit ? &site : nullptr);
    if constexpr (kCheck) {
      // (b): sum of O_new - O_before against psum . vsum_blk, scale sum |O_before| + psum . vabs.
      // Roundings: the n-step chain from O_before (n + 1), the side sums of O_before and O_new
      // (twice side_sum_roundings), psum (rows: P >= 0, no cancellation), the double reductions
      // and the subtraction (four).
      const double n_round = static_cast<double>(n + 1) +
                             2 * side_sum_roundings<V>(og.tiles) + static_cast<double>(rows) + 4;
      const double products = static_cast<double>(rows * a.dv) * static_cast<double>(n + 1);
      TileAlarm alarm;
      if (!block_check<V>(og.out - og.in, checksum, og.in_abs + scale_pv, n_round, products, *ck,
                       &alarm, hit)) {
        if (ok) *o_alarm = alarm;
        ok = false;
        if (stop) return false;
      }
    }
  }
  for (int64_t r = 0; r < rows; ++r)
    scale_row<V>(o + r * a.ld_o, a.dv, l[r] > 0.0f ? 1.0f / l[r] : 0.0f);
  return ok;
}

// attention_pass with the checks: the query block's column sums once, then up to 1 +
// kTileRetries passes while an output update fails its check (its O was overwritten, so the
// block restarts from the first key block; deterministic, so a clean pass gives the fault-free
// result bit for bit). One alarm per call for the output updates: corrected when a pass came
// through clean, else logged as failed (the caller escalates).
template <class V>
void attention_block_checked(const AttentionArgs& a, int64_t q0, int64_t rows, float* scratch) {
  const int64_t kBc = std::min(kAttentionBc, a.lk);
  const int64_t base = attention_scratch_floats(a.lq, a.lk, a.d);
  // The doubles of the ABFT part of the scratch (attention_scratch_floats with abft), created
  // zeroed in storage the caller provides.
  double* dbl = reinterpret_cast<double*>(scratch + (base + 15) / 16 * 16);
  for (int64_t t = 0; t < 4 * a.d; ++t) new (dbl + t) double(0.0);
  BlockChecks ck;
  ck.k_checks = a.checks;
  ck.vsum = a.checks + (a.lk + kBc - 1) / kBc * 2 * a.d;
  ck.vabs = ck.vsum + a.lk;
  ck.qsum = dbl;
  ck.qabs = dbl + a.d;
  ck.ksum = dbl + 2 * a.d;
  ck.kabs = dbl + 3 * a.d;
  ck.psum = reinterpret_cast<float*>(dbl + 4 * a.d);
  double* __restrict qsum = ck.qsum;
  double* __restrict qabs = ck.qabs;
  for (int64_t r = 0; r < rows; ++r) {  // independent column sums side by side: vectorised
    const float* __restrict qrow = a.q + (q0 + r) * a.ld_q;
    for (int64_t dd = 0; dd < a.d; ++dd) {
      qsum[dd] += static_cast<double>(qrow[dd]);
      qabs[dd] += std::fabs(static_cast<double>(qrow[dd]));
    }
  }
  TileAlarm first;
  bool alarmed = false;
  for (int attempt = 0;; ++attempt) {
    const bool last = attempt == kTileRetries;
    TileAlarm seen;
    const bool ok = attention_pass<V, true>(a, q0, rows, scratch, &ck, !last, &seen);
    if (!ok && !alarmed) first = seen, alarmed = true;
    if (ok || last) {
      if (alarmed) {
        first.retries = attempt;
        first.corrected = ok;
        a.log->add_alarm(first);
      }
      break;
    }
  }
  a.log->add_checks(ck.checked, ck.unverifiable);
}

// The block kernel of the variants: kAbft variants check when the caller asked (a.checks and
// a.log set) and otherwise run exactly the plain pass.
template <class V, bool kAbft>
void attention_block(const AttentionArgs& a, int64_t q0, int64_t rows, float* scratch) {
  if constexpr (kAbft) {
    if (a.checks && a.log) {
      attention_block_checked<V>(a, q0, rows, scratch);
      return;
    }
  }
  attention_pass<V, false>(a, q0, rows, scratch, nullptr, false, nullptr);
}

}  // namespace sf::cpu::simd
