// Fused attention (kernels/cpu/attention through rt::attention_forward): every variant the CPU
// runs against a naive softmax(scale Q K^T + mask) V computed in double, for sequence lengths that
// are not multiples of the 64 x 64 blocks, causal and masked (including fully masked rows, which
// must give 0), K as [Lk, D] and transposed [D, Lk], head sizes 32, 64 and 80; bit-identical for
// 1, 2 and 3 threads; and the workspace query stays linear (here: constant) in the sequence.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "kernels/cpu/attention/attention.hpp"
#include "runtime/fast_ops/attention.hpp"
#include "tests/unit/kernels/fast_op_test_util.hpp"
#include "tests/unit/op_test_util.hpp"

namespace sf {
namespace {

using cpu::AttentionKernel;

struct Case {
  int64_t b, h, lq, lk, d, dv;
  bool causal, k_transposed;
  Shape mask_shape;  // empty: no mask
};

// Y[b, h, i, :] in double; K is read as [.., Lk, D] or [.., D, Lk].
std::vector<double> naive(const Case& c, const Tensor& q, const Tensor& k, const Tensor& v,
                          const Tensor* mask, float scale) {
  std::vector<double> y(static_cast<size_t>(c.b * c.h * c.lq * c.dv), 0.0);
  const double ninf = -std::numeric_limits<double>::infinity();
  const int64_t off = c.lk - c.lq;
  int64_t ms[4] = {0, 0, 0, 0};
  if (mask) {
    int64_t stride = 1;
    const Shape& m = mask->shape();
    for (size_t i = m.size(); i-- > 0;) {
      ms[4 - m.size() + i] = m[i] == 1 ? 0 : stride;
      stride *= m[i];
    }
  }
  std::vector<double> s(static_cast<size_t>(c.lk));
  for (int64_t bi = 0; bi < c.b; ++bi)
    for (int64_t hi = 0; hi < c.h; ++hi) {
      const int64_t bh = bi * c.h + hi;
      for (int64_t i = 0; i < c.lq; ++i) {
        double mx = ninf;
        for (int64_t j = 0; j < c.lk; ++j) {
          double dot = 0;
          for (int64_t d = 0; d < c.d; ++d) {
            const double kv = c.k_transposed ? k.data<float>()[(bh * c.d + d) * c.lk + j]
                                             : k.data<float>()[(bh * c.lk + j) * c.d + d];
            dot += static_cast<double>(q.data<float>()[(bh * c.lq + i) * c.d + d]) * kv;
          }
          s[j] = scale * dot;
          if (mask) s[j] += mask->data<float>()[bi * ms[0] + hi * ms[1] + i * ms[2] + j * ms[3]];
          if (c.causal && j > i + off) s[j] = ninf;
          mx = std::max(mx, s[j]);
        }
        if (mx == ninf) continue;  // fully masked row: 0
        double sum = 0;
        for (int64_t j = 0; j < c.lk; ++j) sum += (s[j] = std::exp(s[j] - mx));
        for (int64_t j = 0; j < c.lk; ++j)
          for (int64_t e = 0; e < c.dv; ++e)
            y[static_cast<size_t>((bh * c.lq + i) * c.dv + e)] +=
                s[j] / sum * v.data<float>()[(bh * c.lk + j) * c.dv + e];
      }
    }
  return y;
}

void check(const Case& c, uint32_t seed) {
  const Tensor q = test::random_f32({c.b, c.h, c.lq, c.d}, seed);
  const Tensor k = test::random_f32(c.k_transposed ? Shape{c.b, c.h, c.d, c.lk}
                                                   : Shape{c.b, c.h, c.lk, c.d},
                                    seed + 1);
  const Tensor v = test::random_f32({c.b, c.h, c.lk, c.dv}, seed + 2);
  Tensor mask;
  if (!c.mask_shape.empty()) {
    mask = test::random_f32(c.mask_shape, seed + 3, -2, 2);
    // Mask every third key out, and when the mask has query rows, all keys of row 1.
    const int64_t cols = c.mask_shape.back();
    const int64_t rows = c.mask_shape.size() >= 2 ? c.mask_shape[c.mask_shape.size() - 2] : 1;
    for (int64_t t = 0; t < mask.numel(); ++t) {
      const int64_t col = t % cols, row = (t / cols) % rows;
      if (col % 3 == 2 || (rows > 1 && row == 1))
        mask.data<float>()[t] = -std::numeric_limits<float>::infinity();
    }
  }
  const Tensor* pm = c.mask_shape.empty() ? nullptr : &mask;
  ir::AttentionAttrs attrs;
  attrs.scale = 1.0f / std::sqrt(static_cast<float>(c.d));
  attrs.causal = c.causal;
  attrs.k_transposed = c.k_transposed;
  const std::vector<double> want = naive(c, q, k, v, pm, attrs.scale);
  const std::string what = "lq " + std::to_string(c.lq) + " lk " + std::to_string(c.lk) + " d " +
                           std::to_string(c.d) + " causal " + std::to_string(c.causal) + " kT " +
                           std::to_string(c.k_transposed) + " mask " + shape_str(c.mask_shape);
  auto ys = rt::attention_output_shape(q.shape(), k.shape(), v.shape(),
                                       pm ? &pm->shape() : nullptr, c.k_transposed);
  ASSERT_TRUE(ys.is_ok()) << ys.status().to_string();
  for (const AttentionKernel& kern : cpu::attention_kernels()) {
    if (!test::cpu_has(kern.isa)) continue;
    Tensor y1 = Tensor::make(DType::kF32, *ys).value();
    ASSERT_TRUE(rt::attention_forward(kern, attrs, q, k, v, pm, y1, 1).is_ok());
    for (int64_t t = 0; t < y1.numel(); ++t) {
      const double w = want[static_cast<size_t>(t)];
      ASSERT_NEAR(y1.data<float>()[t], w, 2e-6 * (1.0 + std::fabs(w)))
          << kern.name << " " << what << " element " << t;
      ASSERT_FALSE(std::isnan(y1.data<float>()[t]));
    }
    for (int threads : {2, 3}) {
      Tensor yn = Tensor::make(DType::kF32, *ys).value();
      ASSERT_TRUE(rt::attention_forward(kern, attrs, q, k, v, pm, yn, threads).is_ok());
      EXPECT_TRUE(test::bit_equal(y1, yn)) << kern.name << " " << what << " threads " << threads;
    }
  }
}

TEST(AttentionFast, ListEndsWithScalarAndSelectHonoursCap) {
  const auto ks = cpu::attention_kernels();
  ASSERT_FALSE(ks.empty());
  EXPECT_EQ(ks.back().isa, Isa::kScalar);
  test::IsaCap cap(Isa::kAvx2);
  EXPECT_LE(static_cast<int>(cpu::attention_select().isa), static_cast<int>(Isa::kAvx2));
}

TEST(AttentionFast, PlainOddLengthsAllHeadSizes) {
  uint32_t seed = 1;
  for (int64_t d : {32, 64, 80})
    for (auto [lq, lk] : {std::pair<int64_t, int64_t>{1, 1}, {65, 63}, {100, 130}, {7, 200}})
      check({1, 2, lq, lk, d, d, false, false, {}}, seed++);
}

TEST(AttentionFast, KTransposedAndOtherValueWidth) {
  check({2, 1, 70, 129, 64, 48, false, true, {}}, 50);
  check({1, 3, 33, 65, 32, 80, false, false, {}}, 51);
}

TEST(AttentionFast, CausalIncludingLongerKeys) {
  check({1, 2, 130, 130, 64, 64, true, false, {}}, 60);
  check({1, 1, 40, 150, 32, 32, true, true, {}}, 61);  // Lk > Lq: offset Lk - Lq
  check({1, 1, 150, 70, 32, 32, true, false, {}}, 62);  // Lq > Lk: first rows fully masked
}

TEST(AttentionFast, AdditiveMasksWithFullyMaskedRows) {
  check({2, 2, 67, 131, 64, 64, false, false, {131}}, 70);            // key padding
  check({2, 2, 67, 131, 64, 64, false, false, {2, 1, 67, 131}}, 71);   // per batch, row 1 masked
  check({1, 2, 66, 70, 80, 80, true, false, {66, 70}}, 72);            // causal + mask
  check({1, 1, 5, 9, 32, 32, false, false, {1, 1, 5, 1}}, 73);         // one value per row
}

// The registered fast kernel of the internal Attention op against its reference kernel
// (rt::run through a one-node session), every ISA cap, 1-3 threads bit-identical. No row is
// fully masked here: the reference's softmax of an all -inf row is not defined as 0.
TEST(AttentionFast, OpMatchesReferenceKernel) {
  const Tensor q = test::random_f32({1, 3, 70, 64}, 90);
  const Tensor k = test::random_f32({1, 3, 100, 64}, 91);
  const Tensor v = test::random_f32({1, 3, 100, 40}, 92);
  Tensor mask = test::random_f32({1, 1, 70, 100}, 93, -3, 1);
  for (int64_t t = 0; t < mask.numel(); t += 7) mask.data<float>()[t] = -1e9f;
  const ir::AttrMap attrs = {{"scale", test::float_attr(0.125f)}, {"causal", test::int_attr(1)}};
  const std::vector<Tensor> in = {q, k, v, mask};
  const auto ref = test::run_one_node(ir::OpKind::kAttention, 1, attrs, in, false, 1);
  ASSERT_EQ(ref.kernel, "ref");
  for (Isa isa : {Isa::kScalar, Isa::kAvx2, Isa::kAvx512}) {
    if (!test::cpu_has(isa)) continue;
    test::IsaCap cap(isa);
    const auto one = test::run_one_node(ir::OpKind::kAttention, 1, attrs, in, true, 1);
    EXPECT_EQ(one.kernel, cpu::attention_select().name);
    ASSERT_EQ(one.out.shape(), ref.out.shape());
    for (int64_t t = 0; t < ref.out.numel(); ++t) {
      const double w = ref.out.data<float>()[t];
      ASSERT_NEAR(one.out.data<float>()[t], w, 2e-6 * (1.0 + std::fabs(w))) << isa_name(isa);
    }
    for (int threads : {2, 3}) {
      const auto many = test::run_one_node(ir::OpKind::kAttention, 1, attrs, in, true, threads);
      EXPECT_TRUE(test::bit_equal(one.out, many.out)) << isa_name(isa) << " threads " << threads;
    }
  }
}

TEST(AttentionFast, ShapeErrorsAreReported) {
  auto r = rt::attention_output_shape({1, 2, 3, 64}, {1, 2, 5, 32}, {1, 2, 5, 64}, nullptr, false);
  ASSERT_FALSE(r.is_ok());
  EXPECT_NE(r.status().message().find("head size"), std::string::npos);
  const Shape bad_mask = {4, 5};  // Lq is 3
  r = rt::attention_output_shape({1, 2, 3, 64}, {1, 2, 5, 64}, {1, 2, 5, 64}, &bad_mask, false);
  EXPECT_FALSE(r.is_ok());
}

// Memory: the workspace stops growing once the sequence passes one block, so the fused kernel at
// 12 heads x 8192 keys needs a tiny fraction of the 8192^2 fp32 score matrix (the real seq-8192
// run and its peak RSS are in bench/kernels/attention_bench.cpp).
TEST(AttentionFast, ScratchIsLinearInSequenceAndFarBelowScores) {
  std::vector<int64_t> bytes;
  for (int64_t seq : {1024, 2048, 4096, 8192}) bytes.push_back(rt::attention_workspace_bytes(seq, seq, 64, 12));
  EXPECT_LE(static_cast<double>(bytes[3]), 8.0 * static_cast<double>(bytes[0]) * 1.1);
  const double scores = 8192.0 * 8192.0 * 4.0;
  EXPECT_LT(static_cast<double>(bytes[3]), scores / 100.0);
  EXPECT_LT(rt::attention_workspace_bytes(10, 20, 64, 1), bytes[0] / 12);  // short: clipped blocks
  EXPECT_LT(static_cast<double>(rt::attention_workspace_bytes(8192, 8192, 64, 16)), scores / 100.0);
  // Actually run a long sequence (one head, one query block) through every runnable variant and
  // check it against the naive result: the kernel streams 2048 keys through its fixed scratch.
  check({1, 1, 64, 2048, 64, 64, false, false, {}}, 80);
}

}  // namespace
}  // namespace sf
