// brgemm_f32__scalar_4x16[_abft]: the portable BRGEMM variants (no ISA flags). A 4x16 tile of fp32
// accumulators is reduced over the whole batch and k, in the same (i, k) order as every variant,
// then C (when accumulating), bias and residual are added and the activation applied on the tile
// before it is stored (so a residual that aliases C is read before C is written, as in the SIMD
// variants). Runs on any x86-64 (and is the fallback that STEADFAST_MAX_ISA=scalar forces).
// The ABFT hooks (abft.hpp) behave as in brgemm_simd.hpp: the global sum of C + acc before the
// epilogue, the accumulator fault hook, and in the `_abft` variant the register-tile check.
// Expected error against the reference: |err| <= ~k*batch*eps*sum|a||b|.
#include <algorithm>
#include <cmath>

#include "core/fp_bounds.hpp"
#include "kernels/cpu/gemm/brgemm.hpp"

namespace sf::cpu {

namespace {

constexpr int kMr = 4, kNr = 16;
using Tile = float[kMr][kNr];

void flip(const FaultSite& site, Tile& acc) {
  float& x = acc[site.row][site.col];
  const float before = x;
  x = flip_bit(before, site.bit);
  fault_record_flip(before, x);
}

void kloop(const BrgemmArgs& p, int64_t i0, int64_t mb, int64_t panel, const FaultSite* site,
           Tile& acc) {
  for (auto& row : acc) std::fill(row, row + kNr, 0.0f);
  int64_t step = 0;
  for (int64_t bi = 0; bi < p.batch; ++bi) {
    const float* a = p.a.at(bi) + i0 * p.lda;
    const float* b = p.b.at(bi) + panel;
    for (int64_t kk = 0; kk < p.k; ++kk, ++step) {
      if (site && step == site->step) flip(*site, acc);
      const float* brow = b + kk * kNr;
      for (int64_t r = 0; r < mb; ++r) {
        const float av = a[r * p.lda + kk];
        for (int c = 0; c < kNr; ++c) acc[r][c] += av * brow[c];
      }
    }
  }
  if (site && step == site->step) flip(*site, acc);
}

// The register-tile check of abft.hpp for rows [i0, i0 + mb) of panel pi; `faulty`: the tile
// holds the injected fault (its check is recorded for campaigns).
bool verify(const BrgemmArgs& p, int64_t i0, int64_t mb, int64_t pi, const Tile& acc,
            int64_t& checked, int64_t& unverifiable, TileAlarm* alarm, bool faulty = false) {
  double checksum = 0, scale = 0, result = 0;
  for (int64_t bi = 0; bi < p.batch; ++bi) {
    const float* a = p.a.at(bi) + i0 * p.lda;
    const float* col = p.abft->checks->at(bi) + pi * 2 * p.k;
    for (int64_t kk = 0; kk < p.k; ++kk) {
      float s = 0, t = 0;
      for (int64_t r = 0; r < mb; ++r) s += a[r * p.lda + kk], t += std::fabs(a[r * p.lda + kk]);
      checksum += static_cast<double>(s) * col[kk];
      scale += static_cast<double>(t) * col[p.k + kk];
    }
  }
  for (int64_t r = 0; r < mb; ++r)
    for (int c = 0; c < kNr; ++c) result += acc[r][c];
  // Roundings: the k-term dot of every element (a multiply and an add per term: the portable
  // code may not contract them), the mb-row sums of A, the two columns.
  const double n = 2.0 * static_cast<double>(p.batch * p.k) + static_cast<double>(mb) + 8;
  const double tol = checksum_tolerance(n, scale, 2.0 * static_cast<double>(p.batch * p.k) * (mb * kNr + 1));
  if (faulty)
    fault_record_tile_check(checksum_verifiable(checksum, tol), tol, std::fabs(result - checksum));
  if (!checksum_verifiable(checksum, tol)) {
    ++unverifiable;
    return true;
  }
  ++checked;
  if (checksum_agrees(result, checksum, tol)) return true;
  alarm->result = result;
  alarm->checksum = checksum;
  alarm->tolerance = tol;
  return false;
}

template <bool kAbft>
void run(const BrgemmArgs& p) {
  const Epilogue* e = p.epilogue;
  double* out_sum = p.abft ? p.abft->out_sum : nullptr;
  const bool checks = kAbft && p.abft && p.abft->checks && p.k > 0;
  int64_t checked = 0, unverifiable = 0;
  for (int64_t j0 = 0; j0 < p.n; j0 += kNr) {
    const int64_t nb = std::min<int64_t>(kNr, p.n - j0);
    const int64_t pi = j0 / kNr, panel = pi * p.k * kNr;
    for (int64_t i0 = 0; i0 < p.m; i0 += kMr) {
      const int64_t mb = std::min<int64_t>(kMr, p.m - i0);
      float acc[kMr][kNr];
      FaultSite site;
      const bool faulty = fault_armed() && fault_claim(p.c + i0 * p.ldc + j0, p.ldc,
                                                       static_cast<int>(mb), nb, p.batch * p.k, &site);
      kloop(p, i0, mb, panel, faulty ? &site : nullptr, acc);
      if (checks) {
        TileAlarm alarm, again;
        if (!verify(p, i0, mb, pi, acc, checked, unverifiable, &alarm, faulty)) {
          while (alarm.retries < kTileRetries && !alarm.corrected) {
            ++alarm.retries;
            kloop(p, i0, mb, panel, nullptr, acc);
            alarm.corrected = verify(p, i0, mb, pi, acc, checked, unverifiable, &again);
          }
          p.abft->log->add_alarm(alarm);
        }
      }
      double tile_sum = 0;
      for (int64_t r = 0; r < mb; ++r) {
        float* crow = p.c + (i0 + r) * p.ldc + j0;
        const float* res =
            e && e->residual ? e->residual + (i0 + r) * e->ld_residual + j0 : nullptr;
        for (int64_t c = 0; c < nb; ++c) {
          float v = p.accumulate ? crow[c] + acc[r][c] : acc[r][c];
          tile_sum += v;
          if (e) {
            if (e->bias) v += e->bias[j0 + c];
            if (res) v += res[c];
            v = apply_activation(e->act, v);
          }
          acc[r][c] = v;
        }
        for (int64_t c = 0; c < nb; ++c) crow[c] = acc[r][c];
      }
      if (out_sum) *out_sum += tile_sum;
    }
  }
  if (checks) p.abft->log->add_checks(checked, unverifiable);
}

}  // namespace

void brgemm_f32__scalar_4x16(const BrgemmArgs& p) { run<false>(p); }
void brgemm_f32__scalar_4x16_abft(const BrgemmArgs& p) { run<true>(p); }

}  // namespace sf::cpu
