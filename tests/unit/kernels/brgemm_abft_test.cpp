// ABFT hooks of every BRGEMM variant (kernels/cpu/gemm/abft.hpp), against values computed here:
//  - the global sum (BrgemmAbft::out_sum) equals the double sum of the stored pre-epilogue outputs
//    (C + A*B computed by a second call with no epilogue), to the rounding of the sum itself;
//  - `_abft` variants store bit-identical results to their plain twin and raise no alarm on
//    fault-free data at magnitudes from 1e-30 to 1e30, with cancellation (zero-mean data);
//  - an accumulator fault whose effect on the tile sum exceeds the tolerance is always detected,
//    and the recomputed tile equals the fault-free result bit for bit; faults below it are counted
//    as benign (the effect is inside the bound the check proves).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "core/cpu_features.hpp"
#include "core/fp_bounds.hpp"
#include "kernels/cpu/gemm/brgemm.hpp"

namespace sf::cpu {
namespace {

bool supported(const BrgemmKernel& k) {
  return static_cast<int>(k.isa) <= static_cast<int>(detected_isa());
}

// One call's operands: batch blocks of A [m x k] (lda) and packed B with checksum columns.
struct Operands {
  int64_t m, n, k, batch, lda;
  std::vector<float> a, bp, checks;
  int64_t b_block, check_block;

  Operands(const BrgemmKernel& kern, int64_t m_, int64_t n_, int64_t k_, int64_t batch_,
           float scale, std::mt19937& rng)
      : m(m_), n(n_), k(k_), batch(batch_), lda(k_ + 3) {
    std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
    b_block = packed_b_floats(k, n, kern.nr);
    const int64_t panels = (n + kern.nr - 1) / kern.nr;
    check_block = panels * 2 * k;
    a.resize(static_cast<size_t>(batch * m * lda));
    for (float& v : a) v = dist(rng) * scale;
    std::vector<float> b(static_cast<size_t>(k * n));
    bp.resize(static_cast<size_t>(batch * b_block));
    checks.resize(static_cast<size_t>(batch * check_block));
    for (int64_t i = 0; i < batch; ++i) {
      for (float& v : b) v = dist(rng) * scale;
      pack_b_panels(b.data(), n, false, k, n, kern.nr, bp.data() + i * b_block);
      brgemm_pack_checks(bp.data() + i * b_block, panels, k, kern.nr, checks.data() + i * check_block);
    }
  }

  BrgemmArgs args(float* c, int64_t ldc) const {
    BrgemmArgs p;
    p.m = m, p.n = n, p.k = k, p.batch = batch;
    p.a = BrgemmBlocks::strided(a.data(), m * lda);
    p.lda = lda;
    p.b = BrgemmBlocks::strided(bp.data(), b_block);
    p.c = c;
    p.ldc = ldc;
    return p;
  }
};

TEST(BrgemmAbft, GlobalSumIsTheSumOfPreEpilogueOutputs) {
  std::mt19937 rng(11);
  for (const BrgemmKernel& kern : brgemm_kernels()) {
    if (!supported(kern)) continue;
    for (int64_t m : {1, kern.mr + 1, 37})
      for (int64_t n : {int64_t{1}, int64_t{kern.nr + 3}, int64_t{100}}) {
        Operands op(kern, m, n, 29, 2, 1.0f, rng);
        std::vector<float> c(static_cast<size_t>(m * n), 0.5f), plain = c;
        Epilogue e;
        std::vector<float> bias(static_cast<size_t>(n), 3.0f);
        e.bias = bias.data();
        e.act.kind = Activation::kRelu;
        double sum = 0;
        BrgemmAbft abft;
        abft.out_sum = &sum;
        BrgemmArgs p = op.args(c.data(), n);
        p.accumulate = true;
        p.epilogue = &e;
        p.abft = &abft;
        kern.fn(p);
        BrgemmArgs q = op.args(plain.data(), n);  // same call, no epilogue: the pre-epilogue C
        q.accumulate = true;
        kern.fn(q);
        double want = 0, mag = 0;
        for (float v : plain) want += v, mag += std::fabs(v);
        EXPECT_NEAR(sum, want, fp_gamma(static_cast<double>(kern.mr * kern.nr)) * mag)
            << kern.name << " m=" << m << " n=" << n;
      }
  }
}

TEST(BrgemmAbft, TileVariantsMatchTwinAndRaiseNoFalseAlarm) {
  std::mt19937 rng(5);
  for (const BrgemmKernel& kern : brgemm_kernels()) {
    if (!supported(kern) || !kern.abft) continue;
    const BrgemmKernel& twin = [&]() -> const BrgemmKernel& {
      for (const BrgemmKernel& t : brgemm_kernels())
        if (!t.abft && t.isa == kern.isa && t.mr == kern.mr && t.nr == kern.nr) return t;
      return kern;
    }();
    ASSERT_FALSE(twin.abft) << kern.name;
    EXPECT_EQ(&brgemm_abft_twin(twin), &kern);
    int64_t checks = 0;
    for (float scale : {1e-30f, 1e-3f, 1.0f, 1e3f, 1e15f})
      for (int64_t m : {1, kern.mr - 1, kern.mr, 2 * kern.mr + 1})
        for (int64_t n : {int64_t{1}, int64_t{kern.nr}, int64_t{2 * kern.nr + 5}})
          for (int64_t k : {1, 16, 17, 300}) {
            Operands op(kern, m, n, k, 1 + k % 3, scale, rng);
            std::vector<float> c(static_cast<size_t>(m * n)), ref(c.size());
            TileCheckLog log;
            BrgemmBlocks cb = BrgemmBlocks::strided(op.checks.data(), op.check_block);
            BrgemmAbft abft;
            abft.checks = &cb;
            abft.log = &log;
            BrgemmArgs p = op.args(c.data(), n);
            p.abft = &abft;
            kern.fn(p);
            twin.fn(op.args(ref.data(), n));
            ASSERT_EQ(0, std::memcmp(c.data(), ref.data(), c.size() * sizeof(float)))
                << kern.name << " m=" << m << " n=" << n << " k=" << k;
            EXPECT_EQ(log.alarm_count(), 0) << kern.name << " scale=" << scale << " m=" << m
                                            << " n=" << n << " k=" << k;
            checks += log.checks();
          }
    EXPECT_GT(checks, 0) << kern.name;
  }
}

TEST(BrgemmAbft, InjectedAccumulatorFlipsAboveToleranceAreDetectedAndCorrected) {
  std::mt19937 rng(3);
  for (const BrgemmKernel& kern : brgemm_kernels()) {
    if (!supported(kern) || !kern.abft) continue;
    const int64_t m = 2 * kern.mr + 1, n = 2 * kern.nr + 3, k = 64;
    Operands op(kern, m, n, k, 2, 1.0f, rng);
    std::vector<float> clean(static_cast<size_t>(m * n));
    kern.fn(op.args(clean.data(), n));
    int detected = 0, above = 0, below = 0;
    for (int trial = 0; trial < 200; ++trial) {
      const int bit = trial % 32;
      const int64_t i = static_cast<int64_t>(rng() % m), j = static_cast<int64_t>(rng() % n);
      std::vector<float> c(clean.size());
      TileCheckLog log;
      BrgemmBlocks cb = BrgemmBlocks::strided(op.checks.data(), op.check_block);
      BrgemmAbft abft;
      abft.checks = &cb;
      abft.log = &log;
      AccumulatorFault f;
      f.target = c.data() + i * n + j;
      f.at = (trial % 5) / 4.0;
      f.bit = bit;
      fault_arm(f);
      BrgemmArgs p = op.args(c.data(), n);
      p.abft = &abft;
      kern.fn(p);
      fault_disarm();
      ASSERT_TRUE(fault_fired()) << kern.name;
      // The effect of the flip on the tile sum, measured by the same call without checks.
      std::vector<float> faulty(clean.size());
      f.target = faulty.data() + i * n + j;
      fault_arm(f);
      kern.fn(op.args(faulty.data(), n));
      fault_disarm();
      double effect = 0;
      for (size_t e = 0; e < clean.size(); ++e)
        effect += static_cast<double>(faulty[e]) - static_cast<double>(clean[e]);
      const bool nonfinite = !std::isfinite(faulty[static_cast<size_t>(i * n + j)]);
      if (log.alarm_count() > 0) {
        ++detected;
        EXPECT_TRUE(log.alarms()[0].corrected) << kern.name;
        EXPECT_EQ(log.failed(), 0);
        EXPECT_EQ(0, std::memcmp(c.data(), clean.data(), c.size() * sizeof(float)))
            << kern.name << ": recomputed tile differs";
      }
      // Any effect over the bound (or a non-finite value) must have raised the alarm: the largest
      // tolerance over the call's tiles bounds the one of the hit tile (same k, scale <= total).
      double scale_all = 0;
      for (int64_t bi = 0; bi < op.batch; ++bi)
        for (int64_t r = 0; r < m; ++r)
          for (int64_t kk = 0; kk < k; ++kk) {
            double babs = 0;
            for (int64_t pj = 0; pj < (n + kern.nr - 1) / kern.nr; ++pj)
              babs += op.checks[static_cast<size_t>(bi * op.check_block + pj * 2 * k + k + kk)];
            scale_all += std::fabs(op.a[static_cast<size_t>(bi * m * op.lda + r * op.lda + kk)]) * babs;
          }
      const double bound = checksum_tolerance(2.0 * k * op.batch + 4.0 * kern.mr * kern.nr, scale_all);
      if (nonfinite || std::fabs(effect) > 2 * bound) {
        ++above;
        EXPECT_GT(log.alarm_count(), 0) << kern.name << " missed bit " << bit << " effect " << effect
                                        << " bound " << bound;
      } else if (log.alarm_count() == 0) {
        ++below;
      }
    }
    EXPECT_GE(above, 10) << kern.name;  // the high exponent flips
    EXPECT_GE(detected, above) << kern.name;
  }
}


// What fault campaigns read back from the hook (abft.cpp): the tile count the countdown passed,
// the flipped value before and after (against the fault-free output, computed by a clean call),
// and, in the `_abft` variants only, the faulty tile's check (its |sum - checksum| is the flip's
// size when the flip dwarfs the tile's other values).
TEST(BrgemmAbft, FaultHookRecordsTileCountFlipAndTileCheck) {
  std::mt19937 rng(9);
  for (const BrgemmKernel& kern : brgemm_kernels()) {
    if (!supported(kern)) continue;
    const int64_t m = 2 * kern.mr + 1, n = 2 * kern.nr + 3, k = 40;
    Operands op(kern, m, n, k, 2, 1.0f, rng);
    std::vector<float> clean(static_cast<size_t>(m * n)), c(clean.size());
    kern.fn(op.args(clean.data(), n));
    BrgemmBlocks cb = BrgemmBlocks::strided(op.checks.data(), op.check_block);
    auto run = [&] {
      TileCheckLog log;
      BrgemmAbft abft;
      abft.checks = &cb;
      abft.log = &log;
      BrgemmArgs p = op.args(c.data(), n);
      p.abft = kern.abft ? &abft : nullptr;
      kern.fn(p);
      fault_disarm();
    };
    AccumulatorFault count;
    count.skip_tiles = int64_t{1} << 40;
    fault_arm(count);
    run();
    EXPECT_FALSE(fault_fired()) << kern.name;
    const int64_t tiles = ((m + kern.mr - 1) / kern.mr) * ((n + kern.nr - 1) / kern.nr);
    EXPECT_EQ(fault_tiles_counted(), tiles) << kern.name;

    for (int trial = 0; trial < 20; ++trial) {
      const int64_t i = static_cast<int64_t>(rng() % m), j = static_cast<int64_t>(rng() % n);
      const int bit = trial % 2 ? 30 : static_cast<int>(rng() % 32);
      AccumulatorFault f;
      f.target = c.data() + i * n + j;
      f.at = trial % 3 == 0 ? 0.0 : 1.0;  // before the first step (0) or the output element
      f.bit = bit;
      fault_arm(f);
      float before = -1, after = -1;
      double tol = -1, diff = -1;
      EXPECT_FALSE(fault_last_flip(&before, &after));  // arming clears the records
      EXPECT_FALSE(fault_last_tile_check(&tol, &diff));
      run();
      ASSERT_TRUE(fault_fired()) << kern.name;
      ASSERT_TRUE(fault_last_flip(&before, &after)) << kern.name;
      const float want = f.at == 0.0 ? 0.0f : clean[static_cast<size_t>(i * n + j)];
      EXPECT_EQ(0, std::memcmp(&before, &want, sizeof want)) << kern.name << " " << before << " " << want;
      const float flipped = flip_bit(want, bit);
      EXPECT_EQ(0, std::memcmp(&after, &flipped, sizeof flipped)) << kern.name;
      const bool checked = fault_last_tile_check(&tol, &diff);
      EXPECT_EQ(checked, kern.abft) << kern.name;
      if (!checked) continue;
      EXPECT_GT(tol, 0.0) << kern.name;
      const double size = std::fabs(static_cast<double>(after) - static_cast<double>(before));
      if (std::isfinite(size) && size > 1e6) {
        EXPECT_NEAR(diff, size, 1e-6 * size) << kern.name << " bit " << bit;
      }
    }
  }
}

}  // namespace
}  // namespace sf::cpu
