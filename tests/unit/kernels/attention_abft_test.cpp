// ABFT of the fused attention kernel (kernels/cpu/attention/attention.hpp, the `_abft` variants),
// through rt::attention_forward:
//  - every `_abft` variant the CPU runs stores bit-identical outputs to its plain twin and raises
//    no alarm on fault-free data with Q, K, V at magnitudes 1e-3 .. 1e3, with and without causal
//    and additive masks, with fully masked rows, K as [Lk, D] and [D, Lk], blocks cut short;
//  - an injected flip in a score block whose effect on the block sum exceeds the tolerance is
//    detected, and the output equals the fault-free one bit for bit. The effect is measured
//    outside the kernel: the faulty score is the same fp32 dot product split at the fault step
//    (the variant's small GEMM over the first steps, the flip, the GEMM continued from there),
//    the bound is checksum_tolerance() over the block's sum of |q| |k| computed here in double;
//  - the same for a flip in an output update: its effect is read from the plain twin's output
//    under the same fault and mapped back to the update through the softmax weights computed
//    here in double (delta = dY * l_final * exp(m_final - m_block));
//  - a fault that fires on every recomputation ends with a failed (uncorrected) alarm.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "core/fp_bounds.hpp"
#include "kernels/cpu/attention/attention.hpp"
#include "runtime/fast_ops/attention.hpp"
#include "tests/unit/kernels/fast_op_test_util.hpp"

namespace sf {
namespace {

using cpu::AttentionKernel;

const AttentionKernel& twin_of(const AttentionKernel& k) {
  for (const AttentionKernel& t : cpu::attention_kernels())
    if (!t.abft && t.isa == k.isa && std::string(k.name) == std::string(t.name) + "_abft") return t;
  return k;
}

struct Case {
  int64_t b, h, lq, lk, d, dv;
  bool causal, k_transposed;
  Shape mask_shape;  // empty: no mask
};

struct Inputs {
  Tensor q, k, v, mask;
  ir::AttentionAttrs attrs;
  const Tensor* pm = nullptr;
  Shape y_shape;
};

// Q, K, V uniform in [-mag, mag]; the mask in [-2, 2] with every third key and (when it has
// query rows) all keys of row 1 at -inf.
Inputs make_inputs(const Case& c, float mag, uint32_t seed) {
  Inputs in;
  in.q = test::random_f32({c.b, c.h, c.lq, c.d}, seed, -mag, mag);
  in.k = test::random_f32(c.k_transposed ? Shape{c.b, c.h, c.d, c.lk} : Shape{c.b, c.h, c.lk, c.d},
                          seed + 1, -mag, mag);
  in.v = test::random_f32({c.b, c.h, c.lk, c.dv}, seed + 2, -mag, mag);
  if (!c.mask_shape.empty()) {
    in.mask = test::random_f32(c.mask_shape, seed + 3, -2, 2);
    const int64_t cols = c.mask_shape.back();
    const int64_t rows = c.mask_shape.size() >= 2 ? c.mask_shape[c.mask_shape.size() - 2] : 1;
    for (int64_t t = 0; t < in.mask.numel(); ++t) {
      const int64_t col = t % cols, row = (t / cols) % rows;
      if (col % 3 == 2 || (rows > 1 && row == 1))
        in.mask.data<float>()[t] = -std::numeric_limits<float>::infinity();
    }
    in.pm = &in.mask;
  }
  in.attrs.scale = 1.0f / std::sqrt(static_cast<float>(c.d));
  in.attrs.causal = c.causal;
  in.attrs.k_transposed = c.k_transposed;
  in.y_shape = {c.b, c.h, c.lq, c.dv};
  return in;
}

Tensor run(const AttentionKernel& kern, const Inputs& in, int threads,
           cpu::TileCheckLog* log = nullptr) {
  Tensor y = Tensor::make(DType::kF32, in.y_shape).value();
  const Status st = rt::attention_forward(kern, in.attrs, in.q, in.k, in.v, in.pm, y, threads, log);
  EXPECT_TRUE(st.is_ok()) << st.to_string();
  return y;
}

TEST(AttentionAbft, EveryCheckedVariantHasAPlainTwinAndSelectPicksByKind) {
  int checked = 0;
  for (const AttentionKernel& k : cpu::attention_kernels()) {
    if (!k.abft) continue;
    ++checked;
    const AttentionKernel& t = twin_of(k);
    EXPECT_FALSE(t.abft) << k.name;
  }
  EXPECT_EQ(checked, 3);
  EXPECT_TRUE(cpu::attention_select(true).abft);
  EXPECT_FALSE(cpu::attention_select(false).abft);
  test::IsaCap cap(Isa::kScalar);
  EXPECT_EQ(std::string(cpu::attention_select(true).name), "attention_f32__scalar_64x64_abft");
}

TEST(AttentionAbft, FaultFreeRunsMatchTheTwinBitForBitWithoutAlarms) {
  const Case cases[] = {
      {1, 2, 100, 130, 64, 64, false, false, {}},
      {2, 1, 70, 129, 32, 48, false, true, {}},
      {1, 2, 130, 130, 64, 64, true, false, {}},
      {1, 1, 40, 150, 80, 32, true, true, {}},     // Lk > Lq: causal blocks cut short
      {1, 1, 150, 70, 32, 32, true, false, {}},    // Lq > Lk: first rows fully masked
      {2, 2, 67, 131, 64, 64, false, false, {2, 1, 67, 131}},  // row 1 fully masked
      {1, 2, 66, 70, 64, 40, true, false, {66, 70}},           // causal + mask
      {1, 1, 5, 9, 16, 16, false, false, {}},                  // blocks shorter than 64
  };
  for (const AttentionKernel& kern : cpu::attention_kernels()) {
    if (!kern.abft || !test::cpu_has(kern.isa)) continue;
    const AttentionKernel& twin = twin_of(kern);
    uint32_t seed = 7;
    for (const Case& c : cases)
      for (float mag : {1e-3f, 1e-1f, 1.0f, 30.0f, 1e3f}) {
        const Inputs in = make_inputs(c, mag, seed += 5);
        const Tensor want = run(twin, in, 1);
        for (int threads : {1, 3}) {
          cpu::TileCheckLog log;
          const Tensor got = run(kern, in, threads, &log);
          const std::string what = std::string(kern.name) + " lq " + std::to_string(c.lq) +
                                   " lk " + std::to_string(c.lk) + " d " + std::to_string(c.d) +
                                   " causal " + std::to_string(c.causal) + " mask " +
                                   shape_str(c.mask_shape) + " magnitude " + std::to_string(mag) +
                                   " threads " + std::to_string(threads);
          EXPECT_TRUE(test::bit_equal(want, got)) << what;
          EXPECT_EQ(log.alarm_count(), 0) << what;
          EXPECT_GT(log.checks(), 0) << what;
          EXPECT_EQ(log.unverifiable(), 0) << what;
        }
        // Without a log the checked variant is the plain one.
        EXPECT_TRUE(test::bit_equal(want, run(kern, in, 2)));
      }
  }
}

// The claims one forward pass makes (one head, one thread): per query block, per key block, the
// score block then the output update.
struct Claim {
  int64_t q0, rows, j0, n;
  bool output;
};

std::vector<Claim> claims_of(const Case& c) {
  std::vector<Claim> out;
  const int64_t bc = std::min(cpu::kAttentionBc, c.lk);
  for (int64_t q0 = 0; q0 < c.lq; q0 += cpu::kAttentionBr) {
    const int64_t rows = std::min(cpu::kAttentionBr, c.lq - q0);
    const int64_t kend = c.causal ? std::clamp<int64_t>(q0 + rows + c.lk - c.lq, 0, c.lk) : c.lk;
    for (int64_t j0 = 0; j0 < kend; j0 += bc) {
      const int64_t n = std::min(bc, kend - j0);
      out.push_back({q0, rows, j0, n, false});
      out.push_back({q0, rows, j0, n, true});
    }
  }
  return out;
}

// Softmax state of row i in double: s_j = scale q.k_j (+ causal limit), the running max after
// keys [0, jend), the final max and the final sum l = sum_j exp(s_j - m_final).
struct RowState {
  std::vector<double> s;
  double m_block, m_final, l_final;
};

RowState row_state(const Case& c, const Inputs& in, int64_t i, int64_t jend) {
  RowState r;
  const double ninf = -std::numeric_limits<double>::infinity();
  r.s.assign(static_cast<size_t>(c.lk), ninf);
  for (int64_t j = 0; j < c.lk; ++j) {
    if (c.causal && j > i + c.lk - c.lq) continue;
    double dot = 0;
    for (int64_t dd = 0; dd < c.d; ++dd) {
      const double kv = c.k_transposed ? in.k.data<float>()[dd * c.lk + j]
                                       : in.k.data<float>()[j * c.d + dd];
      dot += static_cast<double>(in.q.data<float>()[i * c.d + dd]) * kv;
    }
    r.s[static_cast<size_t>(j)] = in.attrs.scale * dot;
  }
  r.m_block = r.m_final = ninf;
  for (int64_t j = 0; j < c.lk; ++j) {
    if (j < jend) r.m_block = std::max(r.m_block, r.s[static_cast<size_t>(j)]);
    r.m_final = std::max(r.m_final, r.s[static_cast<size_t>(j)]);
  }
  r.l_final = 0;
  for (double x : r.s) r.l_final += std::exp(x - r.m_final);
  return r;
}

double vabs(const Case& c, const Inputs& in, int64_t j) {
  double t = 0;
  for (int64_t e = 0; e < c.dv; ++e) t += std::fabs(in.v.data<float>()[j * c.dv + e]);
  return t;
}

// The kernel's tolerance for a check (attention_simd.hpp): checksum_tolerance(n_round, scale) +
// products * 2^-150, with n_round counting the chain of `steps` terms (steps + 1), the side sums in
// the register tiles (accumulators per tile + tiles per call; once for a score block, twice plus
// the rows of psum for an output update) and 4. The tile shapes of the variants: scalar 4 rows x 4
// columns (16 registers), AVX2 4 x 16 (8), AVX-512 6 x 64 (24).
double tolerance(const AttentionKernel& kern, bool output, int64_t rows, int64_t cols,
                 int64_t steps, double scale) {
  const int64_t mr = kern.isa == Isa::kAvx512 ? 6 : 4;
  const int64_t tile_cols = kern.isa == Isa::kAvx512 ? 64 : kern.isa == Isa::kAvx2 ? 16 : 4;
  const int64_t regs = kern.isa == Isa::kAvx512 ? 24 : kern.isa == Isa::kAvx2 ? 8 : 16;
  const int64_t tiles = (rows + mr - 1) / mr * ((cols + tile_cols - 1) / tile_cols);
  const double side = static_cast<double>(regs + tiles);
  const double n_round = output ? static_cast<double>(steps + 1) + 2 * side + rows + 4
                                : static_cast<double>(steps + 1) + side + 4;
  return checksum_tolerance(n_round, scale) +
         static_cast<double>(rows * cols) * static_cast<double>(steps + 1) * 0x1p-150;
}

struct Tally {
  int above = 0, detected = 0, below = 0;
};

// One fault at claim `ci`; checks detection against the effect measured outside the kernel.
void inject(const AttentionKernel& kern, const Case& c, const Inputs& in, const Tensor& clean,
            const std::vector<Claim>& claims, size_t ci, int bit, double at, uint32_t pick,
            Tally& tally) {
  const AttentionKernel& twin = twin_of(kern);
  const Claim& cl = claims[ci];
  cpu::AccumulatorFault f;
  f.skip_tiles = static_cast<int64_t>(ci);
  f.bit = bit;
  f.at = at;
  f.row_pick = pick;
  f.col_pick = pick * 7 + 3;
  const int64_t row = pick % cl.rows, i = cl.q0 + row;
  const int64_t cols = cl.output ? c.dv : cl.n;
  const int64_t col = (pick * 7 + 3) % cols;
  const int64_t steps = cl.output ? cl.n : c.d;
  const int64_t step = std::min<int64_t>(steps, static_cast<int64_t>(std::floor(at * steps)));
  cpu::TileCheckLog log;
  cpu::fault_arm(f);
  const Tensor got = run(kern, in, 1, &log);
  cpu::fault_disarm();
  ASSERT_TRUE(cpu::fault_fired()) << kern.name << " claim " << ci;
  const std::string what = std::string(kern.name) + (cl.output ? " output" : " score") +
                           " q0 " + std::to_string(cl.q0) + " j0 " + std::to_string(cl.j0) +
                           " bit " + std::to_string(bit) + " at " + std::to_string(at);
  if (log.alarm_count() > 0) {
    ++tally.detected;
    EXPECT_EQ(log.failed(), 0) << what;
    for (const cpu::TileAlarm& a : log.alarms()) EXPECT_TRUE(a.corrected) << what;
    EXPECT_TRUE(test::bit_equal(clean, got)) << what << ": recomputed output differs";
  }
  double effect = 0, limit = 0;
  bool nonfinite = false, applies = true;
  if (!cl.output) {
    // The score as the kernel computes it: a D-step fp32 chain, split at the fault step.
    const float* qrow = in.q.data<float>() + i * c.d;
    const int64_t j = cl.j0 + col;
    const float* kcol = c.k_transposed ? in.k.data<float>() + j : in.k.data<float>() + j * c.d;
    const int64_t ldb = c.k_transposed ? c.lk : 1;
    float full = 0, part = 0;
    kern.gemm(1, 1, c.d, qrow, c.d, kcol, ldb, &full, 1, false);
    kern.gemm(1, 1, step, qrow, c.d, kcol, ldb, &part, 1, false);
    part = cpu::flip_bit(part, bit);
    kern.gemm(1, 1, c.d - step, qrow + step, c.d, kcol + step * ldb, ldb, &part, 1, true);
    nonfinite = !std::isfinite(part);
    effect = static_cast<double>(part) - full;
    double scale = 0;
    for (int64_t r = 0; r < cl.rows; ++r)
      for (int64_t jj = cl.j0; jj < cl.j0 + cl.n; ++jj)
        for (int64_t dd = 0; dd < c.d; ++dd) {
          const double kv = c.k_transposed ? in.k.data<float>()[dd * c.lk + jj]
                                           : in.k.data<float>()[jj * c.d + dd];
          scale += std::fabs(in.q.data<float>()[(cl.q0 + r) * c.d + dd] * kv);
        }
    limit = tolerance(kern, false, cl.rows, cl.n, c.d, scale);
  } else {
    // The plain twin under the same fault: the output moves by delta exp(m_block - m_final) /
    // l_final (later blocks rescale by their alphas, the end divides by l).
    cpu::fault_arm(f);
    const Tensor faulty = run(twin, in, 1);
    cpu::fault_disarm();
    const size_t at_y = static_cast<size_t>(i * c.dv + col);
    const double dy = static_cast<double>(faulty.data<float>()[at_y]) - clean.data<float>()[at_y];
    nonfinite = !std::isfinite(dy);
    const RowState rs = row_state(c, in, i, cl.j0 + cl.n);
    const double factor = std::exp(rs.m_block - rs.m_final) / rs.l_final;
    applies = std::isfinite(rs.m_block) && factor > 1e-30;
    effect = dy / factor;
    // Scale: sum over the block's rows of sum_{j < j0 + n} exp(s_j - m_block) vabs_j (O before
    // the update plus P V), with 1% for the kernel's exp and roundings.
    double scale = 0;
    for (int64_t r = 0; r < cl.rows; ++r) {
      const RowState s = row_state(c, in, cl.q0 + r, cl.j0 + cl.n);
      if (!std::isfinite(s.m_block)) continue;
      for (int64_t j = 0; j < cl.j0 + cl.n; ++j)
        scale += std::exp(s.s[static_cast<size_t>(j)] - s.m_block) * vabs(c, in, j);
    }
    limit = tolerance(kern, true, cl.rows, c.dv, cl.n, 1.01 * scale);
  }
  if (nonfinite || (applies && std::fabs(effect) > 2 * limit)) {
    ++tally.above;
    EXPECT_GT(log.alarm_count(), 0) << what << " missed: effect " << effect << " bound " << limit;
  } else if (log.alarm_count() == 0) {
    ++tally.below;
  }
}

TEST(AttentionAbft, InjectedScoreAndOutputFlipsAboveToleranceAreDetectedAndCorrected) {
  const Case cases[] = {
      {1, 1, 100, 150, 64, 48, false, false, {}},  // 2 query blocks x 3 key blocks (64, 64, 22)
      {1, 1, 70, 90, 32, 40, true, true, {}},      // causal, K [D, Lk], a block cut short
  };
  for (const AttentionKernel& kern : cpu::attention_kernels()) {
    if (!kern.abft || !test::cpu_has(kern.isa)) continue;
    std::mt19937 rng(17);
    for (const Case& c : cases) {
      const Inputs in = make_inputs(c, 1.0f, 40);
      const Tensor clean = run(twin_of(kern), in, 1);
      const std::vector<Claim> claims = claims_of(c);
      Tally score, output;
      for (int trial = 0; trial < 192; ++trial) {
        const size_t ci = rng() % claims.size();
        const int bit = trial % 32;
        const double at = (trial / 32 % 5) / 4.0;
        inject(kern, c, in, clean, claims, ci, bit, at, static_cast<uint32_t>(rng() % 1000),
               claims[ci].output ? output : score);
      }
      // above: effect over twice the bound (must be detected); below: undetected, within it.
      std::printf("%s lq %lld: score above %d detected %d below %d, output above %d detected %d "
                  "below %d\n",
                  kern.name, static_cast<long long>(c.lq), score.above, score.detected,
                  score.below, output.above, output.detected, output.below);
      // The top exponent and sign flips of large partial sums are far above every bound.
      EXPECT_GE(score.above, 5) << kern.name;
      EXPECT_GE(output.above, 5) << kern.name;
      EXPECT_GE(score.detected, score.above) << kern.name;
      EXPECT_GE(output.detected, output.above) << kern.name;
    }
  }
}

TEST(AttentionAbft, PersistentFaultEndsWithAFailedAlarm) {
  const Case c{1, 1, 64, 128, 64, 64, false, false, {}};
  const Inputs in = make_inputs(c, 1.0f, 90);
  for (bool output : {false, true}) {
    for (const AttentionKernel& kern : cpu::attention_kernels()) {
      if (!kern.abft || !test::cpu_has(kern.isa)) continue;
      // Re-armed after every firing with the same countdown: the same claim of every pass and
      // every recomputation is hit (claim 0 = first score block, claim 1 = first output update).
      cpu::AccumulatorFault f;
      f.skip_tiles = output ? 1 : 0;
      f.bit = 30;
      f.at = 0.5;
      cpu::fault_set_persistent(true);
      cpu::fault_arm(f);
      cpu::TileCheckLog log;
      run(kern, in, 1, &log);
      cpu::fault_disarm();
      cpu::fault_set_persistent(false);
      EXPECT_GE(log.failed(), 1) << kern.name << (output ? " output" : " score");
      bool any_retried = false;
      for (const cpu::TileAlarm& a : log.alarms()) any_retried |= a.retries == cpu::kTileRetries;
      EXPECT_TRUE(any_retried) << kern.name;
    }
  }
}

}  // namespace
}  // namespace sf
