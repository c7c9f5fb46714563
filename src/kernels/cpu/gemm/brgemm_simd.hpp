// The register-tiled BRGEMM body shared by the SIMD variants, written once over a vector-traits
// type V (brgemm_avx2.cpp: 8 lanes, brgemm_avx512.cpp: 16 lanes). Include it only from ISA-flagged
// files and instantiate it with a traits type declared in that file's anonymous namespace: every
// instantiation then has internal linkage, so code compiled with different ISA flags can never be
// merged by the linker.
//
// Per variant: an MR x (NV * lanes) tile of fp32 accumulators lives in registers over the whole
// batch and k (sum over i, then k: the contract's order). A row of packed B is NV vector loads;
// each A element is broadcast once per k step and feeds NV FMAs. Columns past n are masked in the
// C / bias / residual accesses only (the packed panel is zero-padded); rows past m run a
// shorter-tile instantiation. The epilogue (C + acc, + bias, + residual, activation) is applied
// to the register tile before the one store.
//
// Vector activations match apply_activation() to ~1e-6 relative (exp: Cody-Waite reduction and a
// degree-7 Taylor polynomial; tanh: odd Taylor series below 0.5, 1 - 2/(e^2x + 1) above; erf: a
// least-squares polynomial in x^2 below 1, 1 - e^-x^2 Q(1/x) above, both fitted in double).
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <utility>
#include <vector>

#include "core/fp_bounds.hpp"
#include "kernels/cpu/gemm/abft.hpp"
#include "kernels/cpu/gemm/brgemm.hpp"

namespace sf::cpu::simd {

// ---- vector math ------------------------------------------------------------------------------

// e^x; inputs are clamped to [-87.3, 88] so 2^n stays a normal float (the results at the clamp
// are 1.2e-38 and 1.65e38, within absolute float noise of what the activations need).
template <class V>
inline typename V::Reg vexp(typename V::Reg x) {
  using R = typename V::Reg;
  x = V::min(V::max(x, V::set1(-87.3365f)), V::set1(88.0f));
  const R n = V::round(V::mul(x, V::set1(1.44269504088896341f)));
  R r = V::fnmadd(n, V::set1(0.693145751953125f), x);  // ln2 split: hi has 16 bits
  r = V::fnmadd(n, V::set1(1.428606765330187e-06f), r);
  R p = V::set1(1.0f / 5040.0f);
  p = V::fmadd(p, r, V::set1(1.0f / 720.0f));
  p = V::fmadd(p, r, V::set1(1.0f / 120.0f));
  p = V::fmadd(p, r, V::set1(1.0f / 24.0f));
  p = V::fmadd(p, r, V::set1(1.0f / 6.0f));
  p = V::fmadd(p, r, V::set1(0.5f));
  p = V::fmadd(p, r, V::set1(1.0f));
  p = V::fmadd(p, r, V::set1(1.0f));
  return V::mul(p, V::pow2(n));
}

template <class V>
inline typename V::Reg vtanh(typename V::Reg x) {
  using R = typename V::Reg;
  const R ax = V::abs(x);
  // |x| < 0.5: x + x^3 (c3 + x^2 (c5 + ...)), Taylor to x^15 (truncation < 1e-8 relative).
  const R x2 = V::mul(x, x);
  R p = V::set1(-929569.0f / 638512875.0f);
  p = V::fmadd(p, x2, V::set1(21844.0f / 6081075.0f));
  p = V::fmadd(p, x2, V::set1(-1382.0f / 155925.0f));
  p = V::fmadd(p, x2, V::set1(62.0f / 2835.0f));
  p = V::fmadd(p, x2, V::set1(-17.0f / 315.0f));
  p = V::fmadd(p, x2, V::set1(2.0f / 15.0f));
  p = V::fmadd(p, x2, V::set1(-1.0f / 3.0f));
  const R small = V::fmadd(V::mul(p, x2), x, x);
  // |x| >= 0.5: 1 - 2 / (e^{2|x|} + 1), |x| capped at 9 where tanh is 1 in float.
  const R e = vexp<V>(V::mul(V::set1(2.0f), V::min(ax, V::set1(9.0f))));
  const R big = V::sub(V::set1(1.0f), V::div(V::set1(2.0f), V::add(e, V::set1(1.0f))));
  return V::select(V::lt(ax, V::set1(0.5f)), small, V::copysign(big, x));
}

template <class V>
inline typename V::Reg verf(typename V::Reg x) {
  using R = typename V::Reg;
  const R ax = V::min(V::abs(x), V::set1(4.0f));
  // |x| < 1: x P(x^2), relative error 1.2e-9 in exact arithmetic.
  const R w = V::mul(ax, ax);
  R p = V::set1(7.847259126694817e-05f);
  p = V::fmadd(p, w, V::set1(-0.000800818932314637f));
  p = V::fmadd(p, w, V::set1(0.005188098889403914f));
  p = V::fmadd(p, w, V::set1(-0.026853691099719273f));
  p = V::fmadd(p, w, V::set1(0.11283582247992976f));
  p = V::fmadd(p, w, V::set1(-0.3761262556739928f));
  p = V::fmadd(p, w, V::set1(1.1283791656893227f));
  const R small = V::mul(p, ax);
  // 1 <= |x| <= 4: 1 - e^{-x^2} Q(1/x), erfc relative error 8e-8 in exact arithmetic.
  const R t = V::div(V::set1(1.0f), V::max(ax, V::set1(1.0f)));
  R q = V::set1(-0.010075769854588454f);
  q = V::fmadd(q, t, V::set1(0.03165554393305506f));
  q = V::fmadd(q, t, V::set1(0.017212812741536215f));
  q = V::fmadd(q, t, V::set1(-0.23427069612287904f));
  q = V::fmadd(q, t, V::set1(0.49155047540002905f));
  q = V::fmadd(q, t, V::set1(-0.469251367228318f));
  q = V::fmadd(q, t, V::set1(0.041355109831179765f));
  q = V::fmadd(q, t, V::set1(0.5591439190499782f));
  q = V::fmadd(q, t, V::set1(0.000263527108434822f));
  const R big = V::sub(V::set1(1.0f), V::mul(q, vexp<V>(V::sub(V::zero(), w))));
  return V::copysign(V::select(V::lt(ax, V::set1(1.0f)), small, big), x);
}

// act(x) for `count` registers, with the switch outside the loop.
template <class V>
inline void apply_activation_regs(const ActivationSpec& a, typename V::Reg* x, int count) {
  using R = typename V::Reg;
  const R one = V::set1(1.0f), zero = V::zero(), half = V::set1(0.5f);
  switch (a.kind) {
    case Activation::kNone: return;
    case Activation::kRelu:
      for (int i = 0; i < count; ++i) x[i] = V::max(x[i], zero);  // max(NaN, 0) = 0, as x > 0
      return;
    case Activation::kClip: {
      const R lo = V::set1(a.alpha), hi = V::set1(a.beta);
      for (int i = 0; i < count; ++i) x[i] = V::min(V::max(x[i], lo), hi);
      return;
    }
    case Activation::kLeakyRelu: {
      const R al = V::set1(a.alpha);
      for (int i = 0; i < count; ++i) x[i] = V::select(V::lt(x[i], zero), V::mul(al, x[i]), x[i]);
      return;
    }
    case Activation::kSigmoid:
      for (int i = 0; i < count; ++i)
        x[i] = V::div(one, V::add(one, vexp<V>(V::sub(zero, x[i]))));
      return;
    case Activation::kTanh:
      for (int i = 0; i < count; ++i) x[i] = vtanh<V>(x[i]);
      return;
    case Activation::kSilu:
      for (int i = 0; i < count; ++i)
        x[i] = V::div(x[i], V::add(one, vexp<V>(V::sub(zero, x[i]))));
      return;
    case Activation::kHardSigmoid: {
      const R al = V::set1(a.alpha), be = V::set1(a.beta);
      for (int i = 0; i < count; ++i)
        x[i] = V::max(zero, V::min(one, V::add(V::mul(al, x[i]), be)));
      return;
    }
    case Activation::kHardSwish: {
      const R six = V::set1(6.0f);
      for (int i = 0; i < count; ++i)
        x[i] = V::mul(x[i], V::max(zero, V::min(one, V::add(V::div(x[i], six), half))));
      return;
    }
    case Activation::kGelu: {
      const R rs2 = V::set1(0.70710678118654752f);
      for (int i = 0; i < count; ++i)
        x[i] = V::mul(V::mul(half, x[i]), V::add(one, verf<V>(V::mul(x[i], rs2))));
      return;
    }
    case Activation::kGeluTanh: {
      const R c0 = V::set1(0.79788456080286536f), c1 = V::set1(0.044715f);
      for (int i = 0; i < count; ++i) {
        const R x3 = V::mul(V::mul(x[i], x[i]), x[i]);
        const R u = V::mul(c0, V::add(x[i], V::mul(c1, x3)));
        x[i] = V::mul(V::mul(half, x[i]), V::add(one, vtanh<V>(u)));
      }
      return;
    }
  }
}

// ---- the microkernel --------------------------------------------------------------------------

// Sum of `count` registers' lanes in double (the tile and checksum reductions of abft.hpp): the
// registers into four partial sums in fp32 (register i into sum i mod 4; regs_sum), then the lanes
// into four partial sums in fp64. Any term sees at most count - 1 fp32 roundings, so the bounds
// that count one per register still hold; the four independent chains keep the reduction after
// every tile short (one chain of count - 1 adds measured 6-10% of a Winograd F(4,3) 56x56x64
// layer, whose GEMMs have K = 64). The order is fixed, so the sum is deterministic.
template <class V>
inline __attribute__((always_inline)) typename V::Reg regs_sum(const typename V::Reg* x, int count) {
  using R = typename V::Reg;
  R s[4] = {x[0], V::zero(), V::zero(), V::zero()};
  for (int i = 1; i < count; ++i) s[i & 3] = V::add(s[i & 3], x[i]);
  return V::add(V::add(s[0], s[1]), V::add(s[2], s[3]));
}

template <class V>
inline __attribute__((always_inline)) double lanes_sum(const typename V::Reg* x, int count) {
  alignas(64) float lanes[V::kLanes];
  V::store(lanes, regs_sum<V>(x, count));
  double d[4] = {0, 0, 0, 0};
  for (int i = 0; i < V::kLanes; ++i) d[i & 3] += lanes[i];
  return (d[0] + d[1]) + (d[2] + d[3]);
}

// The global scheme's running sum of one call: each tile's regs_sum is widened lane by lane into
// kLanes doubles (V::add_to_f64, a few vector instructions instead of a horizontal sum per tile,
// which cost ~15% of the small-K 1x1 layers of MobileNetV2), and the lanes are added up once at
// the end of the call. Same fp32 roundings as lanes_sum per tile; the rest is in fp64.
template <class V>
inline double f64_lanes_sum(const double* lanes) {
  double d[4] = {0, 0, 0, 0};
  for (int i = 0; i < V::kLanes; ++i) d[i & 3] += lanes[i];
  return (d[0] + d[1]) + (d[2] + d[3]);
}

// sum_i x[i] * y[i] over n floats, vector FMAs in fp32 then the lanes in double.
template <class V>
inline double dot_f32(const float* x, const float* y, int64_t n) {
  typename V::Reg acc = V::zero();
  int64_t i = 0;
  for (; i + V::kLanes <= n; i += V::kLanes) acc = V::fmadd(V::load(x + i), V::load(y + i), acc);
  double d = lanes_sum<V>(&acc, 1);
  for (; i < n; ++i) d += static_cast<double>(x[i]) * y[i];
  return d;
}

template <class V, int MR, int NV, bool kAbft = false>
struct BrgemmTile {
  using R = typename V::Reg;
  using Mask = typename V::Mask;
  static constexpr int kLanes = V::kLanes;
  static constexpr int kNr = NV * kLanes;

  // Column state of one panel: how many of its kNr columns are real, and their masks.
  struct Cols {
    int64_t j0;
    bool full;
    Mask mask[NV];
  };

  // Per-call ABFT state: the global sum, and for the tile checks the row block's column sums of A
  // ([batch * k] sums, then [batch * k] sums of |A|) and the counts.
  struct Check {
    double* out_sum = nullptr;
    alignas(64) double out_lanes[kLanes] = {};  // the running sum behind out_sum (f64_lanes_sum)
    const BrgemmBlocks* checks = nullptr;
    TileCheckLog* log = nullptr;
    const float* asum = nullptr;
    const float* aabs = nullptr;
    int64_t checked = 0, unverifiable = 0;
  };

  static R load_cols(const float* p, const Cols& c, int v) {
    return c.full ? V::load(p) : V::load_mask(p, c.mask[v]);
  }

  // Prefetch of BrgemmArgs::b_next: the tile (row block rb, panel pi) of a call with `panels`
  // panels pulls lines [q * k, q * k + k) of every next block, q = rb * panels + pi, one a k step,
  // so a call covers the next blocks' panels * k * NV lines within its first NV row blocks.
  // Returns the first line, or -1 when there is nothing left to pull. Only the 64-column tiles
  // prefetch: they serve the wide layers whose weights come from L3, and the extra load-port
  // instruction cost the broadcast-heavy 12x32 and 24x16 tiles 5-10% even on cached weights.
  static constexpr bool kPrefetch = kNr >= 64;
  static int64_t prefetch_line(const BrgemmArgs& p, int64_t i0, int64_t pi) {
    if (!kPrefetch || p.b_next.none()) return -1;
    const int64_t panels = (p.n + kNr - 1) / kNr;
    const int64_t line = (i0 / MR * panels + pi) * p.k;
    return line < panels * p.k * NV ? line : -1;
  }

  // acc = sum over the whole batch and k (the contract's order). pf_line: prefetch_line().
  template <int M>
  static inline __attribute__((always_inline)) void kloop(const BrgemmArgs& p, int64_t i0,
                                                          int64_t panel, int64_t pf_line,
                                                          R (&acc)[M][NV]) {
    constexpr int64_t kLineFloats = 16;
    // Every loop over the tile's registers is unrolled explicitly: GCC peels at most 16
    // iterations on its own, and the 24-row tile's accumulators then lived on the stack (a load
    // and a store around every FMA, at a third of the unrolled speed).
#pragma GCC unroll 32
    for (int r = 0; r < M; ++r)
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) acc[r][v] = V::zero();
    const int64_t lda = p.lda;
    for (int64_t bi = 0; bi < p.batch; ++bi) {
      const float* a = p.a.at(bi) + i0 * lda;
      const float* b = p.b.at(bi) + panel;
      // Without a line to pull, the prefetch touches the row being loaded (no traffic, no branch).
      const float* pf = pf_line >= 0 ? p.b_next.at(bi) + pf_line * kLineFloats : b;
      const int64_t pf_step = pf_line >= 0 ? kLineFloats : kNr;
#pragma GCC unroll 4
      for (int64_t kk = 0; kk < p.k; ++kk) {
        if constexpr (kPrefetch) __builtin_prefetch(pf + kk * pf_step, 0, 2);
        R bv[NV];
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v) bv[v] = V::load(b + kk * kNr + v * kLanes);
#pragma GCC unroll 32
        for (int r = 0; r < M; ++r) {
          const R av = V::set1(a[r * lda + kk]);
#pragma GCC unroll 4
          for (int v = 0; v < NV; ++v) acc[r][v] = V::fmadd(av, bv[v], acc[r][v]);
        }
      }
    }
  }

  // The same sum with an injected fault: steps [0, site.step), the flip, then the rest.
  template <int M>
  static void kloop_faulty(const BrgemmArgs& p, int64_t i0, int64_t panel, const FaultSite& site,
                           R (&acc)[M][NV]) {
    for (int r = 0; r < M; ++r)
      for (int v = 0; v < NV; ++v) acc[r][v] = V::zero();
    const int64_t lda = p.lda;
    auto flip = [&] {
      alignas(64) float lanes[kLanes];
      const int v = static_cast<int>(site.col / kLanes);
      V::store(lanes, acc[site.row][v]);
      const float before = lanes[site.col % kLanes];
      lanes[site.col % kLanes] = flip_bit(before, site.bit);
      fault_record_flip(before, lanes[site.col % kLanes]);
      acc[site.row][v] = V::load(lanes);
    };
    int64_t step = 0;
    for (int64_t bi = 0; bi < p.batch; ++bi) {
      const float* a = p.a.at(bi) + i0 * lda;
      const float* b = p.b.at(bi) + panel;
      for (int64_t kk = 0; kk < p.k; ++kk, ++step) {
        if (step == site.step) flip();
        R bv[NV];
        for (int v = 0; v < NV; ++v) bv[v] = V::load(b + kk * kNr + v * kLanes);
        for (int r = 0; r < M; ++r) {
          const R av = V::set1(a[r * lda + kk]);
          for (int v = 0; v < NV; ++v) acc[r][v] = V::fmadd(av, bv[v], acc[r][v]);
        }
      }
    }
    if (step == site.step) flip();
  }

  // The tile check of abft.hpp on rows [0, M) of panel pi; true when the tile agrees.
  // `faulty`: this tile holds the injected fault (its check is recorded for campaigns).
  template <int M>
  static bool verify(const BrgemmArgs& p, int64_t pi, Check& ck, R (&acc)[M][NV],
                     TileAlarm* alarm, bool faulty = false) {
    const int64_t k = p.k;
    double checksum = 0, scale = 0;
    for (int64_t bi = 0; bi < p.batch; ++bi) {
      const float* col = ck.checks->at(bi) + pi * 2 * k;
      checksum += dot_f32<V>(ck.asum + bi * k, col, k);
      scale += dot_f32<V>(ck.aabs + bi * k, col + k, k);
    }
    const double result = lanes_sum<V>(&acc[0][0], M * NV);
    // Roundings: the k-term dot of every element, the tile sum over M * NV registers, the M-row
    // column sums of A, the fp32 checksum dots (k / lanes + 1 terms a lane), the two columns.
    const double kt = static_cast<double>(p.batch * k);
    const double n = kt + kt / kLanes + M * NV + M + 8;
    const double tol = checksum_tolerance(n, scale, 2.0 * kt * (M * kNr + 1));
    if (faulty)
      fault_record_tile_check(checksum_verifiable(checksum, tol), tol, std::fabs(result - checksum));
    if (!checksum_verifiable(checksum, tol)) {
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

  // Rows [i0, i0 + M) of panel pi.
  template <int M>
  static void tile(const BrgemmArgs& p, int64_t i0, int64_t pi, const Cols& cols, Check& ck) {
    const int64_t panel = pi * p.k * kNr;
    R acc[M][NV];
    FaultSite site;
    const bool faulty =
        fault_armed() &&
        fault_claim(p.c + i0 * p.ldc + cols.j0, p.ldc, M, std::min<int64_t>(kNr, p.n - cols.j0),
                    p.batch * p.k, &site);
    const int64_t pf_line = prefetch_line(p, i0, pi);
    if (faulty)
      kloop_faulty<M>(p, i0, panel, site, acc);
    else
      kloop<M>(p, i0, panel, pf_line, acc);
    if constexpr (kAbft) {
      if (ck.checks) {
        TileAlarm alarm;
        if (!verify<M>(p, pi, ck, acc, &alarm, faulty)) {
          TileAlarm again;
          while (alarm.retries < kTileRetries && !alarm.corrected) {
            ++alarm.retries;
            kloop<M>(p, i0, panel, -1, acc);
            alarm.corrected = verify<M>(p, pi, ck, acc, &again);
          }
          ck.log->add_alarm(alarm);
        }
      }
    }
    store(p, i0, cols, &acc[0][0], M, ck.out_sum ? ck.out_lanes : nullptr);
  }

  // C = (accumulate ? C : 0) + acc, then the epilogue, then one masked store per register; the
  // global scheme's sum is taken on C + acc, before the epilogue.
  static void store(const BrgemmArgs& p, int64_t i0, const Cols& cols, R* acc, int rows,
                    double* out_lanes) {
    const Epilogue* e = p.epilogue;
    if (p.accumulate)
      for (int r = 0; r < rows; ++r) {
        const float* c = p.c + (i0 + r) * p.ldc + cols.j0;
        for (int v = 0; v < NV; ++v)
          acc[r * NV + v] = V::add(load_cols(c + v * kLanes, cols, v), acc[r * NV + v]);
      }
    if (out_lanes) V::add_to_f64(out_lanes, regs_sum<V>(acc, rows * NV));
    if (e) {
      for (int r = 0; r < rows; ++r)
        for (int v = 0; v < NV; ++v) {
          R x = acc[r * NV + v];
          if (e->bias) x = V::add(x, load_cols(e->bias + cols.j0 + v * kLanes, cols, v));
          if (e->residual)
            x = V::add(x, load_cols(e->residual + (i0 + r) * e->ld_residual + cols.j0 + v * kLanes,
                                    cols, v));
          acc[r * NV + v] = x;
        }
      apply_activation_regs<V>(e->act, acc, rows * NV);
    }
    for (int r = 0; r < rows; ++r) {
      float* c = p.c + (i0 + r) * p.ldc + cols.j0;
      for (int v = 0; v < NV; ++v) {
        if (cols.full)
          V::store(c + v * kLanes, acc[r * NV + v]);
        else
          V::store_mask(c + v * kLanes, acc[r * NV + v], cols.mask[v]);
      }
    }
  }

  using TileFn = void (*)(const BrgemmArgs&, int64_t, int64_t, const Cols&, Check&);
  template <size_t... I>
  static constexpr auto make_table(std::index_sequence<I...>) {
    return std::array<TileFn, sizeof...(I)>{&tile<static_cast<int>(I) + 1>...};
  }

  static Cols columns(int64_t j0, int64_t n) {
    Cols cols;
    cols.j0 = j0;
    const int64_t nb = std::min<int64_t>(kNr, n - j0);
    cols.full = nb == kNr;
    for (int v = 0; v < NV; ++v)
      cols.mask[v] = V::mask_first(static_cast<int>(std::clamp<int64_t>(nb - v * kLanes, 0, kLanes)));
    return cols;
  }

  // Column sums of rows [i0, i0 + rows) of every A block, and of their absolute values.
  static void row_block_sums(const BrgemmArgs& p, int64_t i0, int64_t rows, float* asum,
                             float* aabs) {
    for (int64_t bi = 0; bi < p.batch; ++bi) {
      const float* a = p.a.at(bi) + i0 * p.lda;
      float* s = asum + bi * p.k;
      float* t = aabs + bi * p.k;
      for (int64_t kk = 0; kk < p.k; ++kk) {
        s[kk] = a[kk];
        t[kk] = std::fabs(a[kk]);
      }
      for (int64_t r = 1; r < rows; ++r)
        for (int64_t kk = 0; kk < p.k; ++kk) {
          s[kk] += a[r * p.lda + kk];
          t[kk] += std::fabs(a[r * p.lda + kk]);
        }
    }
  }

  // m-tiles outer, panels inner: the tile's mr rows of A (the broadcast operand, mr x k) stay in
  // L1 while the packed panels (the vector operand, contiguous) stream from L2.
  static void run(const BrgemmArgs& p) {
    static constexpr auto kTiles = make_table(std::make_index_sequence<MR>{});
    const int64_t panels = (p.n + kNr - 1) / kNr;
    if (panels == 0) return;
    Check ck;
    if (p.abft) {
      ck.out_sum = p.abft->out_sum;
      if (kAbft && p.abft->checks && p.k > 0) {
        ck.checks = p.abft->checks;
        ck.log = p.abft->log;
      }
    }
    thread_local std::vector<float> sums;
    if (ck.checks) {
      sums.resize(static_cast<size_t>(2 * p.batch * p.k));
      ck.asum = sums.data();
      ck.aabs = sums.data() + p.batch * p.k;
    }
    Cols cols = columns(0, p.n);
    const Cols last = columns((panels - 1) * kNr, p.n);
    for (int64_t i0 = 0; i0 < p.m; i0 += MR) {
      const int64_t rows = std::min<int64_t>(MR, p.m - i0);
      if (ck.checks) row_block_sums(p, i0, rows, sums.data(), sums.data() + p.batch * p.k);
      for (int64_t pi = 0; pi < panels; ++pi) {
        const Cols* c = &last;
        if (pi + 1 < panels) {
          cols.j0 = pi * kNr;
          c = &cols;
        }
        if (rows == MR)
          tile<MR>(p, i0, pi, *c, ck);
        else
          kTiles[static_cast<size_t>(rows - 1)](p, i0, pi, *c, ck);
      }
    }
    if (ck.out_sum) *ck.out_sum += f64_lanes_sum<V>(ck.out_lanes);
    if (ck.log) ck.log->add_checks(ck.checked, ck.unverifiable);
  }
};

}  // namespace sf::cpu::simd
