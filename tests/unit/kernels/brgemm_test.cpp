// Every BRGEMM variant in kernels.inc the CPU supports against a naive double-precision loop
// written here: tile edges (m, n, k around mr and nr), batch 1..4, the three block addressing
// modes, lda / ldc / ld_residual larger than the extents, accumulate on and off, bias, residual
// and every activation. Tolerance: (k * batch + 3) * eps * (sum |a||b| + |C| + |bias| + |res|),
// through the activation's slope, plus 1e-6 relative for the vector activations.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "core/cpu_features.hpp"
#include "kernels/cpu/gemm/brgemm.hpp"

namespace sf::cpu {
namespace {

bool supported(const BrgemmKernel& k) {
  return static_cast<int>(k.isa) <= static_cast<int>(detected_isa());
}

struct Case {
  int64_t m, n, k, batch;
  BrgemmBlocks::Mode mode;
  bool accumulate, bias, residual;
  ActivationSpec act;
};

// Largest |d act / dx| of each activation (bounds how a pre-activation error propagates).
double slope(const ActivationSpec& a) {
  switch (a.kind) {
    case Activation::kLeakyRelu: return std::max(1.0, std::fabs(static_cast<double>(a.alpha)));
    case Activation::kHardSigmoid: return std::fabs(a.alpha);
    case Activation::kHardSwish: return 1.5;
    case Activation::kGelu:
    case Activation::kGeluTanh: return 1.2;
    default: return 1.0;
  }
}

// Gelu forms compute 0.5 x (1 + erf or tanh) in float: near the negative tail one ulp of the
// erf / tanh term (6e-8) is amplified by 0.5 |x| after the cancellation, in the reference too.
double cancellation(const ActivationSpec& a, double x) {
  const bool gelu = a.kind == Activation::kGelu || a.kind == Activation::kGeluTanh;
  return gelu ? 1.2e-7 * std::fabs(x) : 0.0;
}

void run_case(const BrgemmKernel& kern, const Case& cs, std::mt19937& rng) {
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  const int64_t lda = cs.k + 3, ldc = cs.n + 5, ldr = cs.n + 2;
  const int64_t a_block = cs.m * lda + 1;  // blocks not back to back
  const int64_t b_block = packed_b_floats(cs.k, cs.n, kern.nr) + 16;
  std::vector<float> a(static_cast<size_t>(a_block * cs.batch + 1));
  std::vector<float> b(static_cast<size_t>(cs.k * cs.n * cs.batch));
  std::vector<float> bp(static_cast<size_t>(b_block * cs.batch + 1), 123.0f);
  for (float& v : a) v = dist(rng);
  for (float& v : b) v = dist(rng);
  // Pack batch element i at bp[i * b_block]; kOffsets reverses the order of the blocks.
  std::vector<int64_t> a_off(static_cast<size_t>(cs.batch)), b_off(a_off.size());
  std::vector<const float*> a_ptr(a_off.size()), b_ptr(a_off.size());
  for (int64_t i = 0; i < cs.batch; ++i) {
    const int64_t slot = cs.mode == BrgemmBlocks::Mode::kOffsets ? cs.batch - 1 - i : i;
    pack_b_panels(b.data() + i * cs.k * cs.n, cs.n, false, cs.k, cs.n, kern.nr,
                  bp.data() + slot * b_block);
    a_off[static_cast<size_t>(i)] = slot * a_block;
    b_off[static_cast<size_t>(i)] = slot * b_block;
    a_ptr[static_cast<size_t>(i)] = a.data() + slot * a_block;
    b_ptr[static_cast<size_t>(i)] = bp.data() + slot * b_block;
  }
  std::vector<float> c(static_cast<size_t>(cs.m * ldc)), bias(static_cast<size_t>(cs.n)),
      res(static_cast<size_t>(cs.m * ldr));
  for (float& v : c) v = dist(rng);
  for (float& v : bias) v = dist(rng);
  for (float& v : res) v = dist(rng);
  const std::vector<float> c0 = c;

  // The naive sum in double, in A(i) B(i) order (A(i) is the i-th block of the batch).
  auto a_at = [&](int64_t i, int64_t r, int64_t kk) {
    const int64_t slot = cs.mode == BrgemmBlocks::Mode::kOffsets ? cs.batch - 1 - i : i;
    return static_cast<double>(a[static_cast<size_t>(slot * a_block + r * lda + kk)]);
  };
  std::vector<double> want(static_cast<size_t>(cs.m * cs.n)), tol(want.size());
  for (int64_t r = 0; r < cs.m; ++r)
    for (int64_t j = 0; j < cs.n; ++j) {
      double s = cs.accumulate ? c0[static_cast<size_t>(r * ldc + j)] : 0.0;
      double mag = std::fabs(s);
      for (int64_t i = 0; i < cs.batch; ++i)
        for (int64_t kk = 0; kk < cs.k; ++kk) {
          const double p = a_at(i, r, kk) * b[static_cast<size_t>(i * cs.k * cs.n + kk * cs.n + j)];
          s += p;
          mag += std::fabs(p);
        }
      if (cs.bias) s += bias[static_cast<size_t>(j)], mag += std::fabs(bias[static_cast<size_t>(j)]);
      if (cs.residual)
        s += res[static_cast<size_t>(r * ldr + j)], mag += std::fabs(res[static_cast<size_t>(r * ldr + j)]);
      const double pre_tol = static_cast<double>(cs.k * cs.batch + 3) * 1.2e-7 * mag;
      const double y = apply_activation(cs.act, static_cast<float>(s));
      want[static_cast<size_t>(r * cs.n + j)] = y;
      tol[static_cast<size_t>(r * cs.n + j)] =
          slope(cs.act) * pre_tol + 2e-6 * std::fabs(y) + cancellation(cs.act, s) + 1e-7;
    }

  Epilogue e;
  e.bias = cs.bias ? bias.data() : nullptr;
  e.residual = cs.residual ? res.data() : nullptr;
  e.ld_residual = ldr;
  e.act = cs.act;
  BrgemmArgs args;
  args.m = cs.m;
  args.n = cs.n;
  args.k = cs.k;
  args.batch = cs.batch;
  args.lda = lda;
  args.c = c.data();
  args.ldc = ldc;
  args.accumulate = cs.accumulate;
  const bool use_epilogue = cs.bias || cs.residual || cs.act.kind != Activation::kNone;
  args.epilogue = use_epilogue ? &e : nullptr;
  switch (cs.mode) {
    case BrgemmBlocks::Mode::kPointers:
      args.a = BrgemmBlocks::pointers(a_ptr.data());
      args.b = BrgemmBlocks::pointers(b_ptr.data());
      break;
    case BrgemmBlocks::Mode::kOffsets:
      args.a = BrgemmBlocks::offset(a.data(), a_off.data());
      args.b = BrgemmBlocks::offset(bp.data(), b_off.data());
      break;
    case BrgemmBlocks::Mode::kStride:
      args.a = BrgemmBlocks::strided(a.data(), a_block);
      args.b = BrgemmBlocks::strided(bp.data(), b_block);
      break;
  }
  kern.fn(args);

  const std::string where = std::string(kern.name) + " m=" + std::to_string(cs.m) +
                            " n=" + std::to_string(cs.n) + " k=" + std::to_string(cs.k) +
                            " batch=" + std::to_string(cs.batch) +
                            " mode=" + std::to_string(static_cast<int>(cs.mode)) +
                            " acc=" + std::to_string(cs.accumulate) + " act=" +
                            activation_name(cs.act.kind);
  int bad = 0;
  for (int64_t r = 0; r < cs.m && bad < 5; ++r)
    for (int64_t j = 0; j < cs.n && bad < 5; ++j) {
      const size_t w = static_cast<size_t>(r * cs.n + j);
      const double got = c[static_cast<size_t>(r * ldc + j)];
      if (!(std::fabs(got - want[w]) <= tol[w])) {
        ++bad;
        ADD_FAILURE() << where << " at (" << r << ", " << j << "): got " << got << " want "
                      << want[w] << " tol " << tol[w];
      }
    }
  // Padding columns of C (between n and ldc) are never written.
  for (int64_t r = 0; r < cs.m; ++r)
    for (int64_t j = cs.n; j < ldc; ++j)
      ASSERT_EQ(c[static_cast<size_t>(r * ldc + j)], c0[static_cast<size_t>(r * ldc + j)])
          << where << " wrote padding column " << j;
}

std::vector<ActivationSpec> all_activations() {
  std::vector<ActivationSpec> v;
  for (int i = 0; i <= static_cast<int>(Activation::kGeluTanh); ++i) {
    ActivationSpec s;
    s.kind = static_cast<Activation>(i);
    if (s.kind == Activation::kClip) s.alpha = -0.5f, s.beta = 0.75f;
    if (s.kind == Activation::kLeakyRelu) s.alpha = 0.1f;
    if (s.kind == Activation::kHardSigmoid) s.alpha = 0.2f, s.beta = 0.5f;
    v.push_back(s);
  }
  return v;
}

TEST(BrgemmKernels, ListEndsWithScalarAndSelectHonoursCap) {
  const auto ks = brgemm_kernels();
  ASSERT_FALSE(ks.empty());
  EXPECT_EQ(ks.back().isa, Isa::kScalar);
  for (int level = 0; level <= 2; ++level) {
    set_max_isa_for_testing(level);
    EXPECT_LE(static_cast<int>(brgemm_select().isa), std::min(level, static_cast<int>(detected_isa())));
  }
  set_max_isa_for_testing(-1);
}

// brgemm_select_for_n: the best ISA's variant with the fullest panels among those it may take
// (a tile narrower than half the first one's only when n fits one of its panels), the list's
// first on ties, an `_abft` variant exactly when asked for, checked against a fill computed here.
TEST(BrgemmKernels, SelectForNPicksTheFullestPanels) {
  for (bool abft : {false, true})
    for (int64_t n : {1, 16, 24, 32, 40, 64, 80, 96, 100, 112, 128, 144, 1000}) {
      const BrgemmKernel& k = brgemm_select_for_n(n, abft);
      const BrgemmKernel& first = brgemm_select(abft);
      EXPECT_EQ(k.abft, abft);
      EXPECT_EQ(k.isa, first.isa);
      auto fill = [n](const BrgemmKernel& v) {
        return static_cast<double>(n) / static_cast<double>((n + v.nr - 1) / v.nr * v.nr);
      };
      auto allowed = [&](const BrgemmKernel& v) { return 2 * v.nr >= first.nr || n <= v.nr; };
      EXPECT_TRUE(allowed(k)) << k.name << " for n " << n;
      for (const BrgemmKernel& other : brgemm_kernels()) {
        if (other.isa != k.isa || other.abft != abft || !allowed(other)) continue;
        EXPECT_GE(fill(k), fill(other)) << k.name << " vs " << other.name << " for n " << n;
        if (&other == &k) break;  // earlier entries must fill strictly less
        EXPECT_GT(fill(k), fill(other)) << k.name << " vs " << other.name << " for n " << n;
      }
    }
  // On AVX-512: 16 columns take the 24x16 tile, 40 and 80 stay on the wide ones.
  if (brgemm_select().isa == Isa::kAvx512) {
    EXPECT_EQ(brgemm_select_for_n(16).nr, 16);
    EXPECT_GE(brgemm_select_for_n(40).nr, 32);
    EXPECT_GE(brgemm_select_for_n(80).nr, 32);
  }
}

TEST(BrgemmKernels, ShapesModesAndEpilogues) {
  const auto acts = all_activations();
  const BrgemmBlocks::Mode modes[] = {BrgemmBlocks::Mode::kStride, BrgemmBlocks::Mode::kPointers,
                                      BrgemmBlocks::Mode::kOffsets};
  for (const BrgemmKernel& kern : brgemm_kernels()) {
    if (!supported(kern)) continue;
    std::mt19937 rng(7);
    const int64_t mr = kern.mr, nr = kern.nr;
    const std::vector<int64_t> ms = {1, mr - 1, mr, mr + 1, 2 * mr + 3, 100};
    const std::vector<int64_t> ns = {1, nr - 1, nr, nr + 1, 2 * nr + 3, 100};
    const std::vector<int64_t> ks = {1, 5, 64, 100};
    int step = 0;
    for (int64_t m : ms)
      for (int64_t n : ns)
        for (int64_t k : ks) {
          if (m < 1) continue;
          Case cs{m, n, k, 1 + step % 4, modes[step % 3], step % 2 == 1, step % 3 != 0,
                  step % 5 < 2, acts[static_cast<size_t>(step) % acts.size()]};
          run_case(kern, cs, rng);
          ++step;
        }
  }
}

TEST(BrgemmKernels, EveryActivationWithEveryMode) {
  for (const BrgemmKernel& kern : brgemm_kernels()) {
    if (!supported(kern)) continue;
    std::mt19937 rng(11);
    for (const ActivationSpec& act : all_activations())
      for (int mode = 0; mode < 3; ++mode)
        for (int acc = 0; acc < 2; ++acc)
          run_case(kern,
                   Case{kern.mr + 1, 2 * kern.nr + 3, 17, 3, static_cast<BrgemmBlocks::Mode>(mode),
                        acc == 1, true, true, act},
                   rng);
  }
}

// act(1 * x) is exact before the activation, so the vector activations are compared with
// apply_activation() directly over [-12, 12], the branch points and large magnitudes.
TEST(BrgemmKernels, VectorActivationsMatchScalarDefinition) {
  std::vector<float> xs;
  for (int i = -2400; i <= 2400; ++i) xs.push_back(static_cast<float>(i) * 0.005f);
  for (float x : {1e-7f, -1e-7f, 3e-4f, -3e-4f, 0.2499f, 0.5f, -0.5f, 0.50001f, 1.0f, -1.0f,
                  3.99f, 4.01f, 20.0f, -20.0f, 80.0f, -80.0f, 100.0f, -100.0f})
    xs.push_back(x);
  const int64_t n = static_cast<int64_t>(xs.size());
  for (const BrgemmKernel& kern : brgemm_kernels()) {
    if (!supported(kern)) continue;
    std::vector<float> bp(static_cast<size_t>(packed_b_floats(1, n, kern.nr)));
    pack_b_panels(xs.data(), n, false, 1, n, kern.nr, bp.data());
    const float one = 1.0f;
    for (const ActivationSpec& act : all_activations()) {
      std::vector<float> c(static_cast<size_t>(n));
      Epilogue e;
      e.act = act;
      BrgemmArgs args;
      args.m = 1;
      args.n = n;
      args.k = 1;
      args.a = BrgemmBlocks::strided(&one, 0);
      args.lda = 1;
      args.b = BrgemmBlocks::strided(bp.data(), 0);
      args.c = c.data();
      args.ldc = n;
      args.epilogue = &e;
      kern.fn(args);
      for (int64_t j = 0; j < n; ++j) {
        const float want = apply_activation(act, xs[static_cast<size_t>(j)]);
        const double tol =
            1e-6 * std::fabs(want) + cancellation(act, xs[static_cast<size_t>(j)]) + 1e-7;
        ASSERT_NEAR(c[static_cast<size_t>(j)], want, tol)
            << kern.name << " " << activation_name(act.kind) << "(" << xs[static_cast<size_t>(j)]
            << ")";
      }
    }
  }
}

}  // namespace
}  // namespace sf::cpu
