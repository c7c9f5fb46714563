// Element-wise primitives (kernels/cpu/eltwise): every variant in kernels.inc the CPU runs,
// against the scalar definitions (unary_ref, plain float ops) and double-precision loops, over
// odd sizes with remainders and padded leading dimensions; and the fast ops against the
// reference kernels (rt::run through a one-node session with fast kernels off), bit-identical
// for 1, 2 and 3 threads, under every ISA cap.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "kernels/cpu/eltwise/eltwise.hpp"
#include "tests/unit/kernels/fast_op_test_util.hpp"
#include "tests/unit/op_test_util.hpp"

namespace sf {
namespace {

using cpu::Bcast;
using cpu::BinaryOp;
using cpu::EltwiseKernel;
using cpu::ReduceOp;
using cpu::UnaryOp;

constexpr int64_t kSizes[] = {1, 7, 8, 16, 17, 33, 100};
constexpr float kPad = 12345.0f;  // sentinel in the padding between rows

std::vector<const EltwiseKernel*> runnable() {
  std::vector<const EltwiseKernel*> out;
  for (const EltwiseKernel& k : cpu::eltwise_kernels())
    if (test::cpu_has(k.isa)) out.push_back(&k);
  return out;
}

std::vector<float> random_vec(size_t n, uint32_t seed, float lo, float hi) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(n);
  for (float& x : v) x = dist(gen);
  return v;
}

TEST(EltwiseFast, ListEndsWithScalarAndSelectHonoursCap) {
  const auto ks = cpu::eltwise_kernels();
  ASSERT_FALSE(ks.empty());
  EXPECT_EQ(ks.back().isa, Isa::kScalar);
  test::IsaCap cap(Isa::kScalar);
  EXPECT_EQ(cpu::eltwise_select().isa, Isa::kScalar);
}

TEST(EltwiseFast, UnaryEveryOpMatchesDefinition) {
  for (const EltwiseKernel* k : runnable()) {
    for (int op = 0; op < cpu::kUnaryOpCount; ++op) {
      const auto uop = static_cast<UnaryOp>(op);
      const float alpha = uop == UnaryOp::kClip ? -0.5f : 0.3f;
      const float beta = uop == UnaryOp::kClip ? 0.75f : 0.4f;
      const bool positive = uop == UnaryOp::kSqrt || uop == UnaryOp::kReciprocal;
      for (int64_t n : kSizes) {
        const int64_t m = 3, ld = n + 5;
        std::vector<float> x = random_vec(static_cast<size_t>(m * ld), static_cast<uint32_t>(n + op),
                                          positive ? 0.05f : -6.0f, 6.0f);
        std::vector<float> y(x.size(), kPad), sums(m);
        k->unary({uop, alpha, beta, m, n, x.data(), ld, y.data(), ld, sums.data()});
        for (int64_t r = 0; r < m; ++r) {
          double sum = 0;
          for (int64_t c = 0; c < ld; ++c) {
            const float got = y[r * ld + c];
            if (c >= n) {
              ASSERT_EQ(got, kPad) << k->name << " wrote past the row, op " << op;
              continue;
            }
            const double want = cpu::unary_ref(uop, alpha, beta, x[r * ld + c]);
            sum += want;
            ASSERT_NEAR(got, want, 2e-6 * (1.0 + std::fabs(want)))
                << k->name << " op " << op << " x " << x[r * ld + c];
          }
          EXPECT_NEAR(sums[r], sum, 1e-5 * (1.0 + std::fabs(sum))) << k->name << " op " << op;
        }
      }
    }
  }
}

TEST(EltwiseFast, ExpErfTanhSpecialValuesAndRange) {
  const float inf = std::numeric_limits<float>::infinity();
  const float nan = std::numeric_limits<float>::quiet_NaN();
  std::vector<float> x = {-inf, -200.0f, -87.5f, -80.0f, 0.0f, 88.5f, 89.0f, inf, nan};
  std::vector<float> dense;
  for (float v = -20.0f; v <= 20.0f; v += 0.0173f) dense.push_back(v);
  for (const EltwiseKernel* k : runnable()) {
    std::vector<float> y(x.size());
    const auto n = static_cast<int64_t>(x.size());
    k->unary({UnaryOp::kExp, 0, 0, 1, n, x.data(), n, y.data(), n, nullptr});
    EXPECT_EQ(y[0], 0.0f);
    EXPECT_EQ(y[1], 0.0f);
    EXPECT_LE(y[2], 1.2e-38f);
    EXPECT_NEAR(y[3], std::exp(-80.0), 1e-6 * std::exp(-80.0));
    EXPECT_EQ(y[4], 1.0f);
    EXPECT_NEAR(y[5], std::exp(88.5), 1e-6 * std::exp(88.5)) << k->name;
    EXPECT_EQ(y[6], inf);
    EXPECT_EQ(y[7], inf);
    EXPECT_TRUE(std::isnan(y[8]));
    // Relative accuracy against double libm over a dense range (the ~1e-6 contract).
    const auto nd = static_cast<int64_t>(dense.size());
    std::vector<float> out(dense.size());
    for (UnaryOp op : {UnaryOp::kExp, UnaryOp::kTanh, UnaryOp::kErf, UnaryOp::kSigmoid}) {
      k->unary({op, 0, 0, 1, nd, dense.data(), nd, out.data(), nd, nullptr});
      for (size_t i = 0; i < dense.size(); ++i) {
        const double v = dense[i];
        const double want = op == UnaryOp::kExp    ? std::exp(v)
                            : op == UnaryOp::kTanh ? std::tanh(v)
                            : op == UnaryOp::kErf  ? std::erf(v)
                                                   : 1.0 / (1.0 + std::exp(-v));
        ASSERT_NEAR(out[i], want, 1e-6 * std::fabs(want) + 1e-30)
            << k->name << " op " << static_cast<int>(op) << " x " << v;
      }
    }
  }
}

TEST(EltwiseFast, BinaryEveryOpAndBroadcast) {
  const Bcast kinds[] = {Bcast::kNone, Bcast::kRow, Bcast::kCol, Bcast::kScalar};
  for (const EltwiseKernel* k : runnable()) {
    for (int op = 0; op <= static_cast<int>(BinaryOp::kMin); ++op) {
      for (Bcast ba : kinds) {
        for (Bcast bb : kinds) {
          for (int64_t n : {int64_t{1}, int64_t{13}, int64_t{40}}) {
            const int64_t m = 5, ld = n + 3;
            const auto a = random_vec(static_cast<size_t>(m * ld), 1u + op, -2, 2);
            auto b = random_vec(static_cast<size_t>(m * ld), 7u + op, 0.5f, 2);
            std::vector<float> y(static_cast<size_t>(m * ld), kPad);
            k->binary({static_cast<BinaryOp>(op), m, n, a.data(), ld, ba, b.data(), ld, bb,
                       y.data(), ld});
            const auto at = [&](const std::vector<float>& v, Bcast bc, int64_t r, int64_t c) {
              return bc == Bcast::kNone  ? v[r * ld + c]
                     : bc == Bcast::kRow ? v[c]
                     : bc == Bcast::kCol ? v[r]
                                         : v[0];
            };
            for (int64_t r = 0; r < m; ++r)
              for (int64_t c = 0; c < ld; ++c) {
                if (c >= n) {
                  ASSERT_EQ(y[r * ld + c], kPad);
                  continue;
                }
                const float p = at(a, ba, r, c), q = at(b, bb, r, c);
                const float want = op == 0   ? p + q
                                   : op == 1 ? p - q
                                   : op == 2 ? p * q
                                   : op == 3 ? p / q
                                   : op == 4 ? std::max(p, q)
                                             : std::min(p, q);
                ASSERT_EQ(y[r * ld + c], want) << k->name << " op " << op;
              }
          }
        }
      }
    }
  }
}

TEST(EltwiseFast, Reductions) {
  for (const EltwiseKernel* k : runnable()) {
    for (int64_t n : kSizes) {
      const int64_t m = 4, ld = n + 2;
      // A large common offset: the centred sums must not cancel.
      auto x = random_vec(static_cast<size_t>(m * ld), static_cast<uint32_t>(n), 999.0f, 1001.0f);
      std::vector<float> out(m), out2(m), center(m);
      k->reduce({ReduceOp::kSum, m, n, x.data(), ld, nullptr, out.data(), nullptr});
      for (int64_t r = 0; r < m; ++r) {
        double s = 0;
        for (int64_t c = 0; c < n; ++c) s += x[r * ld + c];
        EXPECT_NEAR(out[r], s, 1e-6 * s * n) << k->name;
        center[r] = static_cast<float>(s / n);
      }
      k->reduce({ReduceOp::kMax, m, n, x.data(), ld, nullptr, out.data(), nullptr});
      for (int64_t r = 0; r < m; ++r) {
        float mx = -std::numeric_limits<float>::infinity();
        for (int64_t c = 0; c < n; ++c) mx = std::max(mx, x[r * ld + c]);
        EXPECT_EQ(out[r], mx) << k->name;
      }
      k->reduce({ReduceOp::kSumSq, m, n, x.data(), ld, center.data(), out.data(), out2.data()});
      for (int64_t r = 0; r < m; ++r) {
        double s = 0, s2 = 0;
        for (int64_t c = 0; c < n; ++c) {
          const double d = static_cast<double>(x[r * ld + c]) - center[r];
          s += d;
          s2 += d * d;
        }
        EXPECT_NEAR(out[r], s, 1e-4 * n) << k->name;
        EXPECT_NEAR(out2[r], s2, 1e-5 * (s2 + 1e-3) * n) << k->name;
      }
    }
  }
}

// Column sums and |.| sums are added onto out / out2, down the rows: every variant must give the
// bits of that float loop (each column is one sequence), over widths with every remainder, with
// values of both signs and a padded leading dimension whose sentinel must not leak in.
TEST(EltwiseFast, ColumnSumAbsAccumulatesInRowOrderBitExact) {
  for (const EltwiseKernel* k : runnable()) {
    for (int64_t n : {1, 7, 16, 17, 63, 64, 65, 100, 147}) {
      for (int64_t m : {1, 5, 64}) {
        const int64_t ld = n + 3;
        auto x = random_vec(static_cast<size_t>(m * ld), static_cast<uint32_t>(n * 131 + m), -3.0f, 2.0f);
        for (int64_t r = 0; r < m; ++r)
          for (int64_t c = n; c < ld; ++c) x[static_cast<size_t>(r * ld + c)] = kPad;
        auto out = random_vec(static_cast<size_t>(n) + 1, 7, -1.0f, 1.0f);
        auto out2 = random_vec(static_cast<size_t>(n) + 1, 8, 0.0f, 1.0f);
        out[static_cast<size_t>(n)] = out2[static_cast<size_t>(n)] = kPad;  // must stay
        std::vector<float> want = out, want2 = out2;
        for (int64_t r = 0; r < m; ++r)
          for (int64_t c = 0; c < n; ++c) {
            const float v = x[static_cast<size_t>(r * ld + c)];
            want[static_cast<size_t>(c)] += v;
            want2[static_cast<size_t>(c)] += std::fabs(v);
          }
        k->reduce({ReduceOp::kColSumAbs, m, n, x.data(), ld, nullptr, out.data(), out2.data()});
        for (int64_t c = 0; c <= n; ++c) {
          ASSERT_EQ(out[static_cast<size_t>(c)], want[static_cast<size_t>(c)])
              << k->name << " n " << n << " m " << m << " column " << c;
          ASSERT_EQ(out2[static_cast<size_t>(c)], want2[static_cast<size_t>(c)])
              << k->name << " n " << n << " m " << m << " column " << c;
        }
      }
    }
  }
}

TEST(EltwiseFast, SoftmaxAndLayerNormRowsMatchDouble) {
  for (const EltwiseKernel* k : runnable()) {
    for (int64_t n : kSizes) {
      const int64_t m = 3;
      // LayerNorm input with |mean| >> std: E[x^2] - mean^2 would lose every digit here.
      auto x = random_vec(static_cast<size_t>(m * n), static_cast<uint32_t>(3 * n), -30, 30);
      auto shifted = x;
      for (float& v : shifted) v = 1000.0f + v * 0.01f;
      const auto scale = random_vec(static_cast<size_t>(n), 5, 0.5f, 1.5f);
      const auto bias = random_vec(static_cast<size_t>(n), 6, -1, 1);
      std::vector<float> y(x.size()), z(x.size()), mean(m), inv_std(m);
      cpu::softmax_rows(*k, m, n, x.data(), n, y.data(), n);
      cpu::layer_norm_rows(*k, m, n, shifted.data(), n, z.data(), n, scale.data(), bias.data(),
                           1e-5f, mean.data(), inv_std.data());
      for (int64_t r = 0; r < m; ++r) {
        double mx = -1e300, sum = 0, mu = 0, var = 0;
        for (int64_t c = 0; c < n; ++c) mx = std::max<double>(mx, x[r * n + c]);
        for (int64_t c = 0; c < n; ++c) sum += std::exp(x[r * n + c] - mx);
        for (int64_t c = 0; c < n; ++c) mu += shifted[r * n + c];
        mu /= n;
        for (int64_t c = 0; c < n; ++c) var += (shifted[r * n + c] - mu) * (shifted[r * n + c] - mu);
        var /= n;
        const double is = 1.0 / std::sqrt(var + 1e-5);
        EXPECT_NEAR(mean[r], mu, 1e-4);
        EXPECT_NEAR(inv_std[r], is, 1e-3 * is) << k->name << " n " << n;
        for (int64_t c = 0; c < n; ++c) {
          const double p = std::exp(x[r * n + c] - mx) / sum;
          EXPECT_NEAR(y[r * n + c], p, 4e-6 * p + 1e-9) << k->name;
          const double ln = (shifted[r * n + c] - mu) * is * scale[c] + bias[c];
          EXPECT_NEAR(z[r * n + c], ln, 2e-3) << k->name << " n " << n;
        }
      }
    }
  }
}

// ---- fast ops against the reference kernels ---------------------------------------------------

struct OpCase {
  ir::OpKind op;
  int opset;
  ir::AttrMap attrs;
  std::vector<Tensor> inputs;
  std::vector<bool> constant;
  double tol;  // |fast - ref| <= tol * (1 + |ref|)
};

void check_fast_op(const OpCase& c, const std::string& what) {
  const auto ref = test::run_one_node(c.op, c.opset, c.attrs, c.inputs, false, 1, c.constant);
  ASSERT_EQ(ref.kernel, "ref");
  for (Isa isa : {Isa::kScalar, Isa::kAvx2, Isa::kAvx512}) {
    if (!test::cpu_has(isa)) continue;
    test::IsaCap cap(isa);
    const auto one = test::run_one_node(c.op, c.opset, c.attrs, c.inputs, true, 1, c.constant);
    EXPECT_NE(one.kernel, "ref") << what;
    EXPECT_NE(one.kernel.find(isa_name(isa)), std::string::npos) << what << " " << one.kernel;
    ASSERT_EQ(one.out.shape(), ref.out.shape()) << what;
    for (int64_t i = 0; i < ref.out.numel(); ++i) {
      const double want = ref.out.data<float>()[i];
      ASSERT_NEAR(one.out.data<float>()[i], want, c.tol * (1.0 + std::fabs(want)))
          << what << " isa " << isa_name(isa) << " element " << i;
    }
    for (int threads : {2, 3}) {
      const auto many = test::run_one_node(c.op, c.opset, c.attrs, c.inputs, true, threads, c.constant);
      EXPECT_TRUE(test::bit_equal(one.out, many.out)) << what << " threads " << threads;
    }
  }
}

TEST(EltwiseFast, UnaryOpsMatchReference) {
  const Tensor x = test::random_f32({3, 5, 1001}, 11, -5, 5);
  const Tensor xp = test::random_f32({7, 999}, 12, 0.01f, 5);
  using ir::OpKind;
  for (OpKind op : {OpKind::kRelu, OpKind::kSigmoid, OpKind::kTanh, OpKind::kErf, OpKind::kExp,
                    OpKind::kNeg, OpKind::kAbs, OpKind::kHardSwish, OpKind::kGelu})
    check_fast_op({op, 17, {}, {x}, {}, 2e-6}, ir::op_name(op));
  for (OpKind op : {OpKind::kSqrt, OpKind::kReciprocal})
    check_fast_op({op, 17, {}, {xp}, {}, 2e-6}, ir::op_name(op));
  check_fast_op({OpKind::kGelu, 17, {{"approximate", test::string_attr("tanh")}}, {x}, {}, 2e-6},
                "Gelu tanh");
  check_fast_op({OpKind::kLeakyRelu, 16, {{"alpha", test::float_attr(0.2f)}}, {x}, {}, 0},
                "LeakyRelu");
  check_fast_op({OpKind::kHardSigmoid, 6, {}, {x}, {}, 1e-7}, "HardSigmoid");
  check_fast_op({OpKind::kClip, 6, {{"min", test::float_attr(-1)}, {"max", test::float_attr(2)}},
                 {x}, {}, 0}, "Clip-6");
  check_fast_op({OpKind::kClip, 13, {},
                 {x, test::make_tensor<float>({}, {-0.5f}), test::make_tensor<float>({}, {0.7f})},
                 {false, true, true}, 0},
                "Clip-13");
}

TEST(EltwiseFast, BinaryOpsMatchReferenceOnCommonBroadcasts) {
  using ir::OpKind;
  const Tensor a = test::random_f32({4, 3, 769}, 21, -3, 3);
  const Tensor b = test::random_f32({4, 3, 769}, 22, 0.5f, 3);
  const Tensor row = test::random_f32({769}, 23, 0.5f, 3);
  const Tensor row3 = test::random_f32({1, 1, 769}, 24, 0.5f, 3);
  const Tensor scalar = test::random_f32({}, 25, 0.5f, 3);
  const Tensor col = test::random_f32({4, 3, 1}, 26, 0.5f, 3);  // not fast: runs the reference
  for (OpKind op : {OpKind::kAdd, OpKind::kSub, OpKind::kMul, OpKind::kDiv}) {
    const std::string name = ir::op_name(op);
    check_fast_op({op, 14, {}, {a, b}, {}, 0}, name + " same shape");
    check_fast_op({op, 14, {}, {a, row}, {false, true}, 0}, name + " row");
    check_fast_op({op, 14, {}, {row3, a}, {}, 0}, name + " row first");
    check_fast_op({op, 14, {}, {a, scalar}, {}, 0}, name + " scalar");
    check_fast_op({op, 14, {}, {scalar, b}, {}, 0}, name + " scalar first");
    const auto ref = test::run_one_node(op, 14, {}, {a, col}, false, 1);
    const auto fast = test::run_one_node(op, 14, {}, {a, col}, true, 2);
    EXPECT_TRUE(test::bit_equal(ref.out, fast.out)) << name << " column falls back";
  }
}

TEST(EltwiseFast, SoftmaxAndLayerNormMatchReference) {
  using ir::OpKind;
  const Tensor x = test::random_f32({2, 3, 7, 129}, 31, -8, 8);
  check_fast_op({OpKind::kSoftmax, 13, {}, {x}, {}, 1e-6}, "Softmax-13");
  check_fast_op({OpKind::kSoftmax, 13, {{"axis", test::int_attr(3)}}, {x}, {}, 1e-6},
                "Softmax-13 axis 3");
  check_fast_op({OpKind::kSoftmax, 11, {{"axis", test::int_attr(2)}}, {x}, {}, 1e-6},
                "Softmax-11 coerce_2d");
  // Not the last axis: the fast kernel hands the node to the reference at run time.
  const auto ref = test::run_one_node(OpKind::kSoftmax, 13, {{"axis", test::int_attr(1)}}, {x},
                                      false, 1);
  const auto fast = test::run_one_node(OpKind::kSoftmax, 13, {{"axis", test::int_attr(1)}}, {x},
                                       true, 3);
  EXPECT_TRUE(test::bit_equal(ref.out, fast.out));

  const Tensor h = test::random_f32({5, 11, 771}, 32, 90, 110);
  const Tensor scale = test::random_f32({771}, 33, 0.5f, 1.5f);
  const Tensor bias = test::random_f32({771}, 34, -1, 1);
  check_fast_op({OpKind::kLayerNormalization, 17, {}, {h, scale, bias}, {false, true, true}, 2e-5},
                "LayerNorm");
  check_fast_op({OpKind::kLayerNormalization, 17, {{"axis", test::int_attr(2)}}, {h, scale},
                 {false, true}, 2e-5},
                "LayerNorm no bias");
}

}  // namespace
}  // namespace sf
