// linalg ops (MatMul, Gemm, Einsum, Conv, ConvTranspose and the quantised ops) run through
// parse -> infer -> reference kernel, compared with naive loops written here independently
// (direct convolution sums, triple-loop products, scatter-form transposed convolution), and the
// validation of malformed attributes and shapes.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "ir/op_schema.hpp"
#include "op_test_util.hpp"
#include "runtime/session.hpp"

namespace sf::test {
namespace {

using ir::OpKind;

// --- helpers ----------------------------------------------------------------------------------

std::vector<float> random_floats(size_t n, uint32_t seed, float lo = -1.0f, float hi = 1.0f) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> d(lo, hi);
  std::vector<float> v(n);
  for (float& x : v) x = d(rng);
  return v;
}

template <typename T>
std::vector<T> random_ints(size_t n, uint32_t seed, int lo, int hi) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> d(lo, hi);
  std::vector<T> v(n);
  for (T& x : v) x = static_cast<T>(d(rng));
  return v;
}

int64_t numel(const Shape& s) {
  int64_t n = 1;
  for (int64_t d : s) n *= d;
  return n;
}

// run_op, expecting success; an empty tensor on failure.
Tensor run_ok(OpKind op, const std::vector<const Tensor*>& in, ir::AttrMap attrs = {},
              int opset = kDefaultOpset) {
  auto r = run_op(op, in, std::move(attrs), opset);
  EXPECT_TRUE(r.is_ok()) << r.status().to_string();
  return r.is_ok() ? r.value() : Tensor();
}

// Expects a clean error whose message contains `needle`.
void expect_error(const Result<Tensor>& r, const std::string& needle) {
  ASSERT_FALSE(r.is_ok()) << "expected an error mentioning '" << needle << "'";
  EXPECT_TRUE(r.status().is_user_error()) << r.status().to_string();
  EXPECT_NE(r.status().message().find(needle), std::string::npos) << r.status().to_string();
}

// --- MatMul -----------------------------------------------------------------------------------

// Naive NumPy matmul in double: shapes promoted and broadcast here, independently of the engine.
std::vector<double> naive_matmul(const std::vector<float>& a, Shape as, const std::vector<float>& b,
                                 Shape bs, Shape& out_shape) {
  const bool a1 = as.size() == 1, b1 = bs.size() == 1;
  if (a1) as.insert(as.begin(), 1);
  if (b1) bs.push_back(1);
  const size_t r = std::max(as.size(), bs.size());
  while (as.size() < r) as.insert(as.begin(), 1);
  while (bs.size() < r) bs.insert(bs.begin(), 1);
  const int64_t m = as[r - 2], k = as[r - 1], n = bs[r - 1];
  Shape batch(r - 2);
  for (size_t i = 0; i + 2 < r; ++i) batch[i] = std::max(as[i], bs[i]);
  std::vector<double> out(static_cast<size_t>(numel(batch) * m * n), 0.0);
  std::vector<int64_t> idx(batch.size(), 0);
  for (int64_t bi = 0; bi < numel(batch); ++bi) {
    int64_t rem = bi, ao = 0, bo = 0, a_st = 1, b_st = 1;
    for (size_t d = batch.size(); d-- > 0;) {
      idx[d] = rem % batch[d];
      rem /= batch[d];
    }
    for (size_t d = batch.size(); d-- > 0;) {
      ao += (as[d] == 1 ? 0 : idx[d]) * a_st;
      bo += (bs[d] == 1 ? 0 : idx[d]) * b_st;
      a_st *= as[d];
      b_st *= bs[d];
    }
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        double s = 0;
        for (int64_t p = 0; p < k; ++p)
          s += static_cast<double>(a[static_cast<size_t>(ao * m * k + i * k + p)]) *
               b[static_cast<size_t>(bo * k * n + p * n + j)];
        out[static_cast<size_t>(bi * m * n + i * n + j)] = s;
      }
  }
  out_shape = batch;
  if (!a1) out_shape.push_back(m);
  if (!b1) out_shape.push_back(n);
  return out;
}

void check_matmul(const Shape& as, const Shape& bs, uint32_t seed) {
  SCOPED_TRACE("MatMul " + shape_str(as) + " x " + shape_str(bs));
  const auto av = random_floats(static_cast<size_t>(numel(as)), seed);
  const auto bv = random_floats(static_cast<size_t>(numel(bs)), seed + 1);
  Shape want_shape;
  const auto want = naive_matmul(av, as, bv, bs, want_shape);
  const Tensor a = make_tensor(as, av), b = make_tensor(bs, bv);
  const Tensor y = run_ok(OpKind::kMatMul, {&a, &b});
  EXPECT_EQ(y.shape(), want_shape) << shape_str(as) << " x " << shape_str(bs);
  expect_all_near_relative(y, want, 1e-5);
}

TEST(LinalgMatMul, MatchesNaiveProductAcrossShapes) {
  check_matmul({2, 3, 4}, {4, 5}, 1);
  check_matmul({3, 4}, {2, 4, 5}, 2);            // A broadcast over B's batch
  check_matmul({2, 1, 3, 4}, {1, 5, 4, 2}, 3);   // both batches broadcast
  check_matmul({4}, {4}, 4);                     // vector . vector -> scalar
  check_matmul({4}, {3, 4, 5}, 5);               // 1-D A
  check_matmul({2, 3, 4}, {4}, 6);               // 1-D B
  check_matmul({0, 4}, {4, 5}, 7);               // zero rows
  check_matmul({3, 0}, {0, 2}, 8);               // K = 0: zeros
  check_matmul({2, 0, 3}, {3, 4}, 9);
  check_matmul({5, 600}, {600, 530}, 10);        // crosses the K and N blocks
}

TEST(LinalgMatMul, Float64AndHalf) {
  const Shape as = {3, 5}, bs = {5, 2};
  const auto av = random_floats(15, 11), bv = random_floats(10, 12);
  Shape ws;
  const auto want = naive_matmul(av, as, bv, bs, ws);
  std::vector<double> ad(av.begin(), av.end()), bd(bv.begin(), bv.end());
  const Tensor a64 = make_tensor(as, ad), b64 = make_tensor(bs, bd);
  expect_all_near_relative(run_ok(OpKind::kMatMul, {&a64, &b64}), want, 1e-12);
  // float16 inputs: the inputs are rounded to half first, so compare with the product of the
  // rounded values, allowing one half rounding of the result.
  std::vector<Float16> ah, bh;
  std::vector<float> ar, br;
  for (float v : av) ah.push_back(Float16(v)), ar.push_back(static_cast<float>(Float16(v)));
  for (float v : bv) bh.push_back(Float16(v)), br.push_back(static_cast<float>(Float16(v)));
  const auto want_h = naive_matmul(ar, as, br, bs, ws);
  const Tensor a16 = make_tensor(as, ah), b16 = make_tensor(bs, bh);
  const Tensor y16 = run_ok(OpKind::kMatMul, {&a16, &b16});
  EXPECT_EQ(y16.dtype(), DType::kF16);
  for (size_t i = 0; i < want_h.size(); ++i)
    EXPECT_NEAR(y16.double_at(static_cast<int64_t>(i)), want_h[i], 1e-3 + std::fabs(want_h[i]) * 1e-3);
}

TEST(LinalgMatMul, IntegerWrapsModulo) {
  // int32: 2^30 * 4 wraps to 0, as int32 two's-complement arithmetic (NumPy int32 matmul).
  const Tensor a = make_tensor<int32_t>({1, 2}, {1 << 30, 3});
  const Tensor b = make_tensor<int32_t>({2, 1}, {4, -5});
  const Tensor y = run_ok(OpKind::kMatMul, {&a, &b});
  EXPECT_EQ(y.data<int32_t>()[0], static_cast<int32_t>(0u - 15u));  // 2^32 - 15 wraps to -15
  const Tensor a64 = make_tensor<int64_t>({2, 2}, {1, 2, 3, 4});
  const Tensor b64 = make_tensor<int64_t>({2, 2}, {5, 6, 7, 8});
  const Tensor y64 = run_ok(OpKind::kMatMul, {&a64, &b64});
  EXPECT_EQ(std::vector<int64_t>(y64.data<int64_t>(), y64.data<int64_t>() + 4),
            (std::vector<int64_t>{19, 22, 43, 50}));
}

TEST(LinalgMatMul, RejectsMismatchedShapes) {
  const Tensor a = make_tensor<float>({2, 3}, std::vector<float>(6, 1));
  const Tensor b = make_tensor<float>({4, 2}, std::vector<float>(8, 1));
  expect_error(run_op(OpKind::kMatMul, {&a, &b}), "inner dims differ");
  const Tensor c = make_tensor<float>({2, 3, 4}, std::vector<float>(24, 1));
  const Tensor d = make_tensor<float>({3, 4, 2}, std::vector<float>(24, 1));
  expect_error(run_op(OpKind::kMatMul, {&c, &d}), "batch dims");
  const Tensor s = make_tensor<float>({}, {1.0f});
  expect_error(run_op(OpKind::kMatMul, {&s, &a}), "rank >= 1");
  const Tensor i = make_tensor<int32_t>({3, 2}, std::vector<int32_t>(6, 1));
  expect_error(run_op(OpKind::kMatMul, {&a, &i}), "type");
}

// --- Gemm -------------------------------------------------------------------------------------

void check_gemm(bool ta, bool tb, float alpha, float beta, const Shape& c_shape, uint32_t seed) {
  const int64_t m = 3, k = 4, n = 5;
  const Shape as = ta ? Shape{k, m} : Shape{m, k}, bs = tb ? Shape{n, k} : Shape{k, n};
  const auto av = random_floats(static_cast<size_t>(m * k), seed);
  const auto bv = random_floats(static_cast<size_t>(k * n), seed + 1);
  const auto cv = random_floats(static_cast<size_t>(numel(c_shape)), seed + 2);
  std::vector<double> want(static_cast<size_t>(m * n));
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      double s = 0;
      for (int64_t p = 0; p < k; ++p)
        s += static_cast<double>(av[static_cast<size_t>(ta ? p * m + i : i * k + p)]) *
             bv[static_cast<size_t>(tb ? j * k + p : p * n + j)];
      double c = 0;
      if (c_shape.size() == 0) c = cv[0];
      else if (c_shape.size() == 1) c = cv[static_cast<size_t>(c_shape[0] == 1 ? 0 : j)];
      else c = cv[static_cast<size_t>((c_shape[0] == 1 ? 0 : i) * c_shape[1] + (c_shape[1] == 1 ? 0 : j))];
      want[static_cast<size_t>(i * n + j)] = alpha * s + beta * c;
    }
  const Tensor a = make_tensor(as, av), b = make_tensor(bs, bv), c = make_tensor(c_shape, cv);
  ir::AttrMap at = {{"transA", int_attr(ta)}, {"transB", int_attr(tb)},
                    {"alpha", float_attr(alpha)}, {"beta", float_attr(beta)}};
  const Tensor y = run_ok(OpKind::kGemm, {&a, &b, &c}, at);
  EXPECT_EQ(y.shape(), (Shape{m, n}));
  expect_all_near_relative(y, want, 1e-5);
}

TEST(LinalgGemm, TransposesScalesAndBroadcastsC) {
  check_gemm(false, false, 1.0f, 1.0f, {3, 5}, 20);
  check_gemm(true, false, 0.5f, 2.0f, {5}, 21);
  check_gemm(false, true, 1.0f, 0.25f, {3, 1}, 22);
  check_gemm(true, true, -2.0f, 1.0f, {}, 23);
  check_gemm(false, true, 1.0f, 1.0f, {1, 1}, 24);
}

TEST(LinalgGemm, OptionalCAndIntegers) {
  const Tensor a = make_tensor<float>({2, 2}, {1, 2, 3, 4});
  const Tensor b = make_tensor<float>({2, 2}, {5, 6, 7, 8});
  const Tensor y = run_ok(OpKind::kGemm, {&a, &b, nullptr});
  expect_all_near_relative(y, {19, 22, 43, 50}, 0);
  const Tensor ai = make_tensor<int32_t>({2, 2}, {1, 2, 3, 4});
  const Tensor bi = make_tensor<int32_t>({2, 2}, {5, 6, 7, 8});
  const Tensor ci = make_tensor<int32_t>({2}, {100, -100});
  const Tensor yi = run_ok(OpKind::kGemm, {&ai, &bi, &ci}, {{"transB", int_attr(1)}});
  // A * B^T = [[17, 23], [39, 53]] + C
  EXPECT_EQ(std::vector<int32_t>(yi.data<int32_t>(), yi.data<int32_t>() + 4),
            (std::vector<int32_t>{117, -77, 139, -47}));
}

TEST(LinalgGemm, RejectsBadShapesAndAttributes) {
  const Tensor a = make_tensor<float>({2, 3}, std::vector<float>(6, 1));
  const Tensor b = make_tensor<float>({3, 4}, std::vector<float>(12, 1));
  const Tensor c_bad = make_tensor<float>({3}, std::vector<float>(3, 1));
  expect_error(run_op(OpKind::kGemm, {&a, &b, &c_bad}), "does not broadcast");
  expect_error(run_op(OpKind::kGemm, {&a, &b}, {{"transA", int_attr(1)}}), "inner dims differ");
  expect_error(run_op(OpKind::kGemm, {&a, &b}, {{"transA", int_attr(2)}}), "transA");
  const Tensor v = make_tensor<float>({3}, std::vector<float>(3, 1));
  expect_error(run_op(OpKind::kGemm, {&v, &b}), "rank");
}

// --- Einsum -----------------------------------------------------------------------------------

Tensor einsum(const std::string& eq, const std::vector<const Tensor*>& in) {
  return run_ok(OpKind::kEinsum, in, {{"equation", string_attr(eq)}});
}

TEST(LinalgEinsum, CommonForms) {
  const auto av = random_floats(12, 30), bv = random_floats(20, 31);
  const Tensor a = make_tensor<float>({3, 4}, av), b = make_tensor<float>({4, 5}, bv);
  Shape ws;
  const auto mm = naive_matmul(av, {3, 4}, bv, {4, 5}, ws);
  for (const char* eq : {"ij,jk->ik", "ij,jk"}) {
    const Tensor y = einsum(eq, {&a, &b});
    EXPECT_EQ(y.shape(), (Shape{3, 5})) << eq;
    expect_all_near_relative(y, mm, 1e-6);
  }
  // Transpose, implicit transpose ("ba" -> output "ab" = transpose), reductions.
  const Tensor t = einsum("ij->ji", {&a});
  EXPECT_EQ(t.shape(), (Shape{4, 3}));
  EXPECT_EQ(t.data<float>()[1 * 3 + 2], av[2 * 4 + 1]);
  const Tensor ti = einsum("ba", {&a});
  EXPECT_EQ(ti.shape(), (Shape{4, 3}));
  double total = 0, row1 = 0;
  for (size_t i = 0; i < 12; ++i) total += av[i];
  for (size_t j = 0; j < 4; ++j) row1 += av[4 + j];
  expect_all_near_relative(einsum("ij->", {&a}), {total}, 1e-6);
  EXPECT_NEAR(einsum("ij->i", {&a}).data<float>()[1], row1, 1e-6);
  // Diagonal and trace of a square matrix.
  const Tensor sq = make_tensor<float>({3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
  expect_all_near_relative(einsum("ii->i", {&sq}), {1, 5, 9}, 0);
  expect_all_near_relative(einsum("ii", {&sq}), {15}, 0);
  // Outer product.
  const Tensor u = make_tensor<float>({2}, {1, 2}), v = make_tensor<float>({3}, {3, 4, 5});
  const Tensor o = einsum("i,j->ij", {&u, &v});
  EXPECT_EQ(o.shape(), (Shape{2, 3}));
  expect_all_near_relative(o, {3, 4, 5, 6, 8, 10}, 0);
}

TEST(LinalgEinsum, BatchedWithEllipsisBroadcast) {
  const Shape as = {2, 1, 3, 4}, bs = {5, 4, 2};
  const auto av = random_floats(24, 32), bv = random_floats(40, 33);
  Shape ws;
  const auto want = naive_matmul(av, as, bv, bs, ws);
  const Tensor a = make_tensor(as, av), b = make_tensor(bs, bv);
  const Tensor y = einsum("...ij,...jk->...ik", {&a, &b});
  EXPECT_EQ(y.shape(), ws);
  expect_all_near_relative(y, want, 1e-6);
  const Tensor yi = einsum("...ij,...jk", {&a, &b});
  EXPECT_EQ(yi.shape(), ws);
}

TEST(LinalgEinsum, GenericAndProductPathsAgreeWithNaive) {
  // Three operands (generic loop): (A B) C.
  const auto av = random_floats(6, 34), bv = random_floats(12, 35), cv = random_floats(8, 36);
  const Tensor a = make_tensor<float>({2, 3}, av), b = make_tensor<float>({3, 4}, bv),
               c = make_tensor<float>({4, 2}, cv);
  Shape ws;
  const auto ab = naive_matmul(av, {2, 3}, bv, {3, 4}, ws);
  const std::vector<float> abf(ab.begin(), ab.end());
  const auto abc = naive_matmul(abf, {2, 4}, cv, {4, 2}, ws);
  expect_all_near_relative(einsum("ij,jk,kl->il", {&a, &b, &c}), abc, 1e-5);
  // Matrix-vector and a transposed output (product path), in float64.
  std::vector<double> ad(av.begin(), av.end()), bd(bv.begin(), bv.end());
  const Tensor a64 = make_tensor<double>({2, 3}, ad), b64 = make_tensor<double>({3, 4}, bd);
  const Tensor ki = einsum("ij,jk->ki", {&a64, &b64});
  ASSERT_EQ(ki.shape(), (Shape{4, 2}));
  const auto ab64 = naive_matmul(av, {2, 3}, bv, {3, 4}, ws);
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t k = 0; k < 4; ++k) EXPECT_NEAR(ki.data<double>()[k * 2 + i], ab64[static_cast<size_t>(i * 4 + k)], 1e-12);
  const Tensor v = make_tensor<float>({3}, {1, -2, 0.5f});
  std::vector<double> mv(2, 0.0);
  for (size_t i = 0; i < 2; ++i)
    for (size_t j = 0; j < 3; ++j) mv[i] += static_cast<double>(av[i * 3 + j]) * v.data<float>()[j];
  expect_all_near_relative(einsum("ij,j->i", {&a, &v}), mv, 1e-6);
  // Elementwise product, full contraction, and label broadcasting (size 1 against 3).
  const Tensor a2 = make_tensor<float>({2, 3}, {1, 2, 3, 4, 5, 6});
  const Tensor r = make_tensor<float>({1, 3}, {1, 10, 100});
  expect_all_near_relative(einsum("ij,ij->ij", {&a2, &a2}), {1, 4, 9, 16, 25, 36}, 0);
  expect_all_near_relative(einsum("ij,ij->", {&a2, &a2}), {91}, 0);
  expect_all_near_relative(einsum("ij,ij->ij", {&a2, &r}), {1, 20, 300, 4, 50, 600}, 0);
  // Diagonal inside a two-operand product (generic): sum_i A[i,i] * x[i].
  const Tensor sq = make_tensor<float>({2, 2}, {1, 2, 3, 4});
  const Tensor x = make_tensor<float>({2}, {10, 100});
  expect_all_near_relative(einsum("ii,i->", {&sq, &x}), {410}, 0);
  // Sum within one operand of a product (generic): out[k] = sum_{i,j} A[i,j] B[j,k].
  double col0 = 0;
  for (int64_t i = 0; i < 2; ++i) col0 += ab[static_cast<size_t>(i * 4)];
  EXPECT_NEAR(einsum("ij,jk->k", {&a, &b}).data<float>()[0], col0, 1e-5);
}

TEST(LinalgEinsum, IntegersAndErrors) {
  const Tensor a = make_tensor<int32_t>({2, 2}, {1, 2, 3, 4});
  const Tensor y = einsum("ij,jk->ik", {&a, &a});
  EXPECT_EQ(std::vector<int32_t>(y.data<int32_t>(), y.data<int32_t>() + 4),
            (std::vector<int32_t>{7, 10, 15, 22}));
  const Tensor b = make_tensor<int32_t>({3, 2}, std::vector<int32_t>(6, 1));
  expect_error(run_op(OpKind::kEinsum, {&a, &b}, {{"equation", string_attr("ij,jk->ik")}}), "size");
  expect_error(run_op(OpKind::kEinsum, {&a}, {{"equation", string_attr("ij,jk->ik")}}),
               "operand terms");
  expect_error(run_op(OpKind::kEinsum, {&a}, {{"equation", string_attr("ijk->i")}}),
               "does not match");
  expect_error(run_op(OpKind::kEinsum, {&a}, {{"equation", string_attr("ij->iz")}}),
               "appears in no input");
  expect_error(run_op(OpKind::kEinsum, {&a}, {{"equation", string_attr("i1->i")}}),
               "invalid character");
}

// --- Conv -------------------------------------------------------------------------------------

struct ConvCase {
  Shape x, w;                  // [N, C, in...], [M, C/group, k...]
  std::vector<int64_t> strides, dilations, pads;  // empty: defaults
  int64_t group = 1;
  std::string auto_pad;        // empty: NOTSET
  bool bias = true;
};

// Direct convolution in double: out[n, m, o...] = b[m] + sum_{c, k...} x[n, g*Cg + c, o*s + k*d -
// pad] * w[m, c, k...]. Pads are resolved here from the ONNX formulas.
std::vector<double> naive_conv(const ConvCase& cc, const std::vector<float>& x,
                               const std::vector<float>& w, const std::vector<float>& b,
                               Shape& out_shape) {
  const size_t ns = cc.x.size() - 2;
  std::vector<int64_t> s(ns, 1), d(ns, 1), pb(ns, 0), pe(ns, 0), out(ns);
  if (!cc.strides.empty()) s = cc.strides;
  if (!cc.dilations.empty()) d = cc.dilations;
  for (size_t i = 0; i < ns && !cc.pads.empty(); ++i) pb[i] = cc.pads[i], pe[i] = cc.pads[i + ns];
  for (size_t i = 0; i < ns; ++i) {
    const int64_t in = cc.x[i + 2], ek = (cc.w[i + 2] - 1) * d[i] + 1;
    if (cc.auto_pad == "SAME_UPPER" || cc.auto_pad == "SAME_LOWER") {
      out[i] = (in + s[i] - 1) / s[i];
      const int64_t total = std::max<int64_t>(0, (out[i] - 1) * s[i] + ek - in);
      pb[i] = cc.auto_pad == "SAME_UPPER" ? total / 2 : (total + 1) / 2;
      pe[i] = total - pb[i];
    } else {
      if (cc.auto_pad == "VALID") pb[i] = pe[i] = 0;
      out[i] = (in + pb[i] + pe[i] - ek) / s[i] + 1;
    }
  }
  const int64_t n_img = cc.x[0], c = cc.x[1], m = cc.w[0], cg = c / cc.group, mg = m / cc.group;
  out_shape = {n_img, m};
  for (int64_t o : out) out_shape.push_back(o);
  const Shape ksp(cc.w.begin() + 2, cc.w.end());
  const int64_t kn = numel(ksp), on = numel(out);
  const Shape xsp(cc.x.begin() + 2, cc.x.end());
  const int64_t xn = numel(xsp);
  std::vector<double> y(static_cast<size_t>(n_img * m * on));
  std::vector<int64_t> oi(ns), ki(ns);
  for (int64_t n = 0; n < n_img; ++n)
    for (int64_t oc = 0; oc < m; ++oc)
      for (int64_t op = 0; op < on; ++op) {
        int64_t rem = op;
        for (size_t i = ns; i-- > 0;) oi[i] = rem % out[i], rem /= out[i];
        double acc = b.empty() ? 0.0 : b[static_cast<size_t>(oc)];
        const int64_t g = oc / mg;
        for (int64_t ic = 0; ic < cg; ++ic)
          for (int64_t kp = 0; kp < kn; ++kp) {
            rem = kp;
            for (size_t i = ns; i-- > 0;) ki[i] = rem % ksp[i], rem /= ksp[i];
            int64_t xo = 0;
            bool inside = true;
            for (size_t i = 0; i < ns; ++i) {
              const int64_t q = oi[i] * s[i] + ki[i] * d[i] - pb[i];
              if (q < 0 || q >= xsp[i]) inside = false;
              xo = xo * xsp[i] + q;
            }
            if (!inside) continue;
            acc += static_cast<double>(x[static_cast<size_t>((n * c + g * cg + ic) * xn + xo)]) *
                   w[static_cast<size_t>((oc * cg + ic) * kn + kp)];
          }
        y[static_cast<size_t>((n * m + oc) * on + op)] = acc;
      }
  return y;
}

ir::AttrMap conv_attrs(const ConvCase& cc) {
  ir::AttrMap at;
  if (!cc.strides.empty()) at["strides"] = ints_attr(cc.strides);
  if (!cc.dilations.empty()) at["dilations"] = ints_attr(cc.dilations);
  if (!cc.pads.empty()) at["pads"] = ints_attr(cc.pads);
  if (cc.group != 1) at["group"] = int_attr(cc.group);
  if (!cc.auto_pad.empty()) at["auto_pad"] = string_attr(cc.auto_pad);
  return at;
}

void check_conv(const ConvCase& cc, uint32_t seed) {
  SCOPED_TRACE("Conv case seed " + std::to_string(seed));
  const auto xv = random_floats(static_cast<size_t>(numel(cc.x)), seed);
  const auto wv = random_floats(static_cast<size_t>(numel(cc.w)), seed + 1);
  const auto bv = cc.bias ? random_floats(static_cast<size_t>(cc.w[0]), seed + 2) : std::vector<float>{};
  Shape want_shape;
  const auto want = naive_conv(cc, xv, wv, bv, want_shape);
  const Tensor x = make_tensor(cc.x, xv), w = make_tensor(cc.w, wv),
               b = make_tensor<float>(
                   {cc.w[0]},
                   bv.empty() ? std::vector<float>(static_cast<size_t>(cc.w[0]), 0) : bv);
  std::vector<const Tensor*> in = {&x, &w};
  if (cc.bias) in.push_back(&b);
  const Tensor y = run_ok(OpKind::kConv, in, conv_attrs(cc));
  EXPECT_EQ(y.shape(), want_shape) << "case seed " << seed;
  expect_all_near_relative(y, want, 1e-5);
}

TEST(LinalgConv, MatchesDirectConvolution) {
  uint32_t seed = 100;
  check_conv({{1, 3, 7, 6}, {4, 3, 3, 3}, {}, {}, {}, 1, "", true}, seed++);
  check_conv({{2, 4, 9, 8}, {6, 2, 3, 2}, {2, 1}, {1, 2}, {1, 0, 2, 1}, 2, "", true}, seed++);
  check_conv({{1, 6, 5, 5}, {6, 1, 3, 3}, {1, 1}, {}, {1, 1, 1, 1}, 6, "", false}, seed++);  // depthwise
  check_conv({{1, 4, 5, 5}, {8, 1, 3, 3}, {2, 2}, {}, {1, 1, 1, 1}, 4, "", true}, seed++);   // multiplier 2
  check_conv({{1, 8, 4, 4}, {5, 8, 1, 1}, {}, {}, {}, 1, "", true}, seed++);                 // pointwise
  check_conv({{1, 8, 5, 5}, {5, 8, 1, 1}, {2, 2}, {}, {}, 1, "", true}, seed++);             // strided 1x1
  check_conv({{1, 2, 7, 6}, {3, 2, 3, 2}, {2, 3}, {}, {}, 1, "SAME_UPPER", true}, seed++);
  check_conv({{1, 2, 7, 6}, {3, 2, 4, 2}, {2, 3}, {}, {}, 1, "SAME_LOWER", true}, seed++);
  check_conv({{1, 2, 7, 6}, {3, 2, 3, 3}, {2, 2}, {}, {9, 9, 9, 9}, 1, "VALID", true}, seed++);
  check_conv({{2, 3, 11}, {4, 3, 3}, {2}, {3}, {2, 1}, 1, "", true}, seed++);                // 1-D
  check_conv({{1, 2, 4, 5, 3}, {3, 2, 2, 3, 2}, {1, 2, 1}, {}, {1, 0, 1, 0, 1, 1}, 1, "", true}, seed++);  // 3-D
  check_conv({{1, 1, 2, 2}, {1, 1, 3, 3}, {}, {}, {1, 1, 1, 1}, 1, "", false}, seed++);      // kernel > input
  check_conv({{0, 3, 5, 5}, {2, 3, 3, 3}, {}, {}, {}, 1, "", true}, seed++);                 // no images
  check_conv({{1, 2, 40, 40}, {3, 2, 5, 5}, {}, {}, {2, 2, 2, 2}, 1, "", true}, seed++);     // many columns
}

TEST(LinalgConv, KernelShapeInferredAndHalfPrecision) {
  // kernel_shape given explicitly (matching W) and float16 data.
  ConvCase cc{{1, 2, 5, 5}, {2, 2, 3, 3}, {}, {}, {1, 1, 1, 1}, 1, "", true};
  const auto xv = random_floats(50, 140), wv = random_floats(36, 141), bv = random_floats(2, 142);
  std::vector<Float16> xh, wh, bh;
  std::vector<float> xr, wr, br;
  for (float v : xv) xh.push_back(Float16(v)), xr.push_back(static_cast<float>(Float16(v)));
  for (float v : wv) wh.push_back(Float16(v)), wr.push_back(static_cast<float>(Float16(v)));
  for (float v : bv) bh.push_back(Float16(v)), br.push_back(static_cast<float>(Float16(v)));
  Shape ws;
  const auto want = naive_conv(cc, xr, wr, br, ws);
  const Tensor x = make_tensor(cc.x, xh), w = make_tensor(cc.w, wh),
               b = make_tensor<Float16>({2}, bh);
  auto at = conv_attrs(cc);
  at["kernel_shape"] = ints_attr({3, 3});
  const Tensor y = run_ok(OpKind::kConv, {&x, &w, &b}, at);
  ASSERT_EQ(y.shape(), ws);
  for (size_t i = 0; i < want.size(); ++i)
    EXPECT_NEAR(y.double_at(static_cast<int64_t>(i)), want[i], 2e-3 * (1 + std::fabs(want[i])));
}

TEST(LinalgConv, RejectsMalformedModels) {
  const Tensor x = make_tensor<float>({1, 4, 5, 5}, std::vector<float>(100, 1));
  const Tensor w = make_tensor<float>({2, 4, 3, 3}, std::vector<float>(72, 1));
  const Tensor w3 = make_tensor<float>({2, 4, 3}, std::vector<float>(24, 1));
  const Tensor w_big = make_tensor<float>({2, 4, 7, 7}, std::vector<float>(392, 1));
  const Tensor w_g = make_tensor<float>({3, 2, 3, 3}, std::vector<float>(54, 1));
  const Tensor b3 = make_tensor<float>({3}, {1, 2, 3});
  expect_error(run_op(OpKind::kConv, {&x, &w3}), "rank of X");
  expect_error(run_op(OpKind::kConv, {&x, &w}, {{"group", int_attr(3)}}), "channels");
  expect_error(run_op(OpKind::kConv, {&x, &w_g}, {{"group", int_attr(2)}}),
               "not divisible by group");
  expect_error(run_op(OpKind::kConv, {&x, &w_big}), "more than the padded input");
  expect_error(run_op(OpKind::kConv, {&x, &w}, {{"strides", ints_attr({0, 1})}}), "strides");
  expect_error(run_op(OpKind::kConv, {&x, &w}, {{"strides", ints_attr({-1, 1})}}), "strides");
  expect_error(run_op(OpKind::kConv, {&x, &w}, {{"dilations", ints_attr({1, 0})}}), "dilations");
  expect_error(run_op(OpKind::kConv, {&x, &w}, {{"pads", ints_attr({-1, 0, 0, 0})}}), "pads");
  expect_error(run_op(OpKind::kConv, {&x, &w}, {{"pads", ints_attr({1, 1, 1})}}), "pads");
  expect_error(run_op(OpKind::kConv, {&x, &w}, {{"strides", ints_attr({1, 1, 1})}}), "strides");
  expect_error(run_op(OpKind::kConv, {&x, &w}, {{"group", int_attr(0)}}), "group");
  expect_error(run_op(OpKind::kConv, {&x, &w}, {{"auto_pad", string_attr("SAME")}}), "auto_pad");
  expect_error(run_op(OpKind::kConv, {&x, &w}, {{"kernel_shape", ints_attr({2, 2})}}),
               "kernel_shape");
  expect_error(run_op(OpKind::kConv, {&x, &w, &b3}), "bias has 3 elements");
  const Tensor x2 = make_tensor<float>({4, 5}, std::vector<float>(20, 1));
  expect_error(run_op(OpKind::kConv, {&x2, &w}), "rank >= 3");
}

// --- ConvTranspose ----------------------------------------------------------------------------

struct ConvTCase {
  Shape x, w;  // [N, C, in...], [C, M/group, k...]
  std::vector<int64_t> strides, dilations, pads, output_padding, output_shape;
  int64_t group = 1;
  std::string auto_pad;
};

// Scatter form in double: full[n, m, i*s + k*d] += x[n, c, i] * w[c, m', k], then the full
// result of size s*(in-1) + out_pad + (k-1)*d + 1 is cropped by pad_begin to `out`.
std::vector<double> naive_conv_transpose(const ConvTCase& cc, const std::vector<float>& x,
                                         const std::vector<float>& w, const std::vector<float>& b,
                                         Shape& out_shape) {
  const size_t ns = cc.x.size() - 2;
  std::vector<int64_t> s(ns, 1), d(ns, 1), pb(ns, 0), pe(ns, 0), op(ns, 0), full(ns), out(ns);
  if (!cc.strides.empty()) s = cc.strides;
  if (!cc.dilations.empty()) d = cc.dilations;
  if (!cc.output_padding.empty()) op = cc.output_padding;
  for (size_t i = 0; i < ns && !cc.pads.empty(); ++i) pb[i] = cc.pads[i], pe[i] = cc.pads[i + ns];
  for (size_t i = 0; i < ns; ++i) {
    full[i] = s[i] * (cc.x[i + 2] - 1) + op[i] + (cc.w[i + 2] - 1) * d[i] + 1;
    int64_t target = -1;
    if (!cc.output_shape.empty()) target = cc.output_shape[i];
    else if (cc.auto_pad == "SAME_UPPER" || cc.auto_pad == "SAME_LOWER") target = cc.x[i + 2] * s[i];
    if (target >= 0) {
      const int64_t total = full[i] - target;
      // ONNX reference (Python, floor division): SAME_UPPER puts total // 2 first, otherwise
      // total - total // 2. total is negative when output_shape exceeds the full result.
      const int64_t floor_half = static_cast<int64_t>(std::floor(static_cast<double>(total) / 2.0));
      pb[i] = cc.auto_pad == "SAME_UPPER" ? floor_half : total - floor_half;
      out[i] = target;
    } else {
      out[i] = full[i] - pb[i] - pe[i];
    }
  }
  const int64_t n_img = cc.x[0], c = cc.x[1], mg = cc.w[1], m = mg * cc.group, cg = c / cc.group;
  out_shape = {n_img, m};
  for (int64_t o : out) out_shape.push_back(o);
  const Shape isp(cc.x.begin() + 2, cc.x.end()), ksp(cc.w.begin() + 2, cc.w.end());
  const int64_t in_n = numel(isp), kn = numel(ksp), on = numel(out);
  std::vector<double> y(static_cast<size_t>(n_img * m * on), 0.0);
  for (int64_t n = 0; n < n_img; ++n)
    for (int64_t oc = 0; oc < m; ++oc)
      for (int64_t p = 0; p < on; ++p)
        y[static_cast<size_t>((n * m + oc) * on + p)] = b.empty() ? 0.0 : b[static_cast<size_t>(oc)];
  std::vector<int64_t> ii(ns), ki(ns);
  for (int64_t n = 0; n < n_img; ++n)
    for (int64_t ic = 0; ic < c; ++ic) {
      const int64_t g = ic / cg;
      for (int64_t ip = 0; ip < in_n; ++ip) {
        int64_t rem = ip;
        for (size_t i = ns; i-- > 0;) ii[i] = rem % isp[i], rem /= isp[i];
        for (int64_t mo = 0; mo < mg; ++mo)
          for (int64_t kp = 0; kp < kn; ++kp) {
            rem = kp;
            for (size_t i = ns; i-- > 0;) ki[i] = rem % ksp[i], rem /= ksp[i];
            int64_t yo = 0;
            bool inside = true;
            for (size_t i = 0; i < ns; ++i) {
              const int64_t q = ii[i] * s[i] + ki[i] * d[i] - pb[i];
              if (q < 0 || q >= out[i]) inside = false;
              yo = yo * out[i] + q;
            }
            if (!inside) continue;
            const int64_t oc = g * mg + mo;
            y[static_cast<size_t>((n * m + oc) * on + yo)] +=
                static_cast<double>(x[static_cast<size_t>((n * c + ic) * in_n + ip)]) *
                w[static_cast<size_t>((ic * mg + mo) * kn + kp)];
          }
      }
    }
  return y;
}

void check_conv_transpose(const ConvTCase& cc, uint32_t seed) {
  SCOPED_TRACE("ConvTranspose case seed " + std::to_string(seed));
  const auto xv = random_floats(static_cast<size_t>(numel(cc.x)), seed);
  const auto wv = random_floats(static_cast<size_t>(numel(cc.w)), seed + 1);
  const int64_t m = cc.w[1] * cc.group;
  const auto bv = random_floats(static_cast<size_t>(m), seed + 2);
  Shape want_shape;
  const auto want = naive_conv_transpose(cc, xv, wv, bv, want_shape);
  const Tensor x = make_tensor(cc.x, xv), w = make_tensor(cc.w, wv),
               b = make_tensor<float>({m}, bv);
  ir::AttrMap at;
  if (!cc.strides.empty()) at["strides"] = ints_attr(cc.strides);
  if (!cc.dilations.empty()) at["dilations"] = ints_attr(cc.dilations);
  if (!cc.pads.empty()) at["pads"] = ints_attr(cc.pads);
  if (!cc.output_padding.empty()) at["output_padding"] = ints_attr(cc.output_padding);
  if (!cc.output_shape.empty()) at["output_shape"] = ints_attr(cc.output_shape);
  if (cc.group != 1) at["group"] = int_attr(cc.group);
  if (!cc.auto_pad.empty()) at["auto_pad"] = string_attr(cc.auto_pad);
  const Tensor y = run_ok(OpKind::kConvTranspose, {&x, &w, &b}, at);
  EXPECT_EQ(y.shape(), want_shape) << "case seed " << seed;
  expect_all_near_relative(y, want, 1e-5);
}

TEST(LinalgConvTranspose, MatchesScatterForm) {
  uint32_t seed = 200;
  check_conv_transpose({{1, 2, 3, 3}, {2, 3, 3, 3}, {}, {}, {}, {}, {}, 1, ""}, seed++);
  check_conv_transpose({{2, 2, 3, 4}, {2, 2, 3, 2}, {2, 3}, {}, {1, 0, 1, 1}, {1, 2}, {}, 1, ""}, seed++);
  check_conv_transpose({{1, 4, 3, 3}, {4, 1, 2, 2}, {2, 2}, {2, 1}, {}, {}, {}, 2, ""}, seed++);
  check_conv_transpose({{1, 1, 3, 3}, {1, 2, 3, 3}, {3, 2}, {}, {}, {}, {10, 8}, 1, ""}, seed++);
  check_conv_transpose({{1, 1, 3, 3}, {1, 2, 3, 3}, {2, 2}, {}, {}, {}, {}, 1, "SAME_UPPER"}, seed++);
  check_conv_transpose({{1, 1, 3, 3}, {1, 2, 3, 3}, {2, 2}, {}, {}, {}, {}, 1, "SAME_LOWER"}, seed++);
  check_conv_transpose({{1, 3, 5}, {3, 2, 3}, {2}, {2}, {1, 2}, {}, {}, 1, ""}, seed++);       // 1-D
  check_conv_transpose({{1, 2, 2, 3, 2}, {2, 1, 2, 2, 2}, {2, 1, 2}, {}, {}, {}, {}, 1, ""}, seed++);  // 3-D
}

TEST(LinalgConvTranspose, RejectsMalformedModels) {
  const Tensor x = make_tensor<float>({1, 3, 3, 3}, std::vector<float>(27, 1));
  const Tensor w = make_tensor<float>({2, 2, 3, 3}, std::vector<float>(36, 1));
  expect_error(run_op(OpKind::kConvTranspose, {&x, &w}), "expects 2");
  const Tensor w3 = make_tensor<float>({3, 2, 3, 3}, std::vector<float>(54, 1));
  expect_error(run_op(OpKind::kConvTranspose, {&x, &w3}, {{"group", int_attr(2)}}),
               "not divisible");
  expect_error(run_op(OpKind::kConvTranspose, {&x, &w3}, {{"pads", ints_attr({4, 4, 4, 4})}}),
               "crop");
  expect_error(run_op(OpKind::kConvTranspose, {&x, &w3}, {{"output_padding", ints_attr({-1, 0})}}),
               "output_padding");
  expect_error(run_op(OpKind::kConvTranspose, {&x, &w3}, {{"output_shape", ints_attr({5, 5, 5})}}),
               "output_shape");
}

// --- Quantisation -----------------------------------------------------------------------------

TEST(LinalgQuant, QuantizeRoundsHalfToEvenAndSaturates) {
  const Tensor x = make_tensor<float>({9}, {0.5f, 1.5f, 2.5f, -0.5f, -1.5f, 300.0f, -300.0f,
                                     std::numeric_limits<float>::quiet_NaN(), 2.4f});
  const Tensor s = make_tensor<float>({}, {1.0f});
  const Tensor zu = make_tensor<uint8_t>({}, {10});
  const Tensor yu = run_ok(OpKind::kQuantizeLinear, {&x, &s, &zu});
  ASSERT_EQ(yu.dtype(), DType::kU8);
  // rint: 0, 2, 2, -0, -2 (+10); 300 -> 255, -300 -> 0; NaN -> 0 (the minimum, as ORT); 2 + 10.
  EXPECT_EQ(std::vector<uint8_t>(yu.data<uint8_t>(), yu.data<uint8_t>() + 9),
            (std::vector<uint8_t>{10, 12, 12, 10, 8, 255, 0, 0, 12}));
  const Tensor zi = make_tensor<int8_t>({}, {-1});
  const Tensor yi = run_ok(OpKind::kQuantizeLinear, {&x, &s, &zi});
  EXPECT_EQ(std::vector<int8_t>(yi.data<int8_t>(), yi.data<int8_t>() + 9),
            (std::vector<int8_t>{-1, 1, 1, -1, -3, 127, -128, -128, 1}));
  // No zero point: uint8 with zero point 0.
  const Tensor s2 = make_tensor<float>({}, {0.5f});
  const Tensor y0 = run_ok(OpKind::kQuantizeLinear, {&x, &s2});
  EXPECT_EQ(y0.dtype(), DType::kU8);
  EXPECT_EQ(y0.data<uint8_t>()[2], 5);  // 2.5 / 0.5 = 5
}

TEST(LinalgQuant, PerAxis) {
  // x [2, 3, 2], axis 1: scale[c], zero_point[c].
  std::vector<float> xv(12);
  for (size_t i = 0; i < 12; ++i) xv[i] = static_cast<float>(i) - 4.0f;
  const Tensor x = make_tensor<float>({2, 3, 2}, xv);
  const Tensor s = make_tensor<float>({3}, {1.0f, 2.0f, 4.0f});
  const Tensor z = make_tensor<int8_t>({3}, {0, 1, -2});
  const Tensor y = run_ok(OpKind::kQuantizeLinear, {&x, &s, &z}, {{"axis", int_attr(1)}});
  std::vector<int8_t> want(12);
  for (int64_t i = 0; i < 12; ++i) {
    const int64_t c = (i / 2) % 3;
    const double sc[] = {1, 2, 4};
    const int zp[] = {0, 1, -2};
    want[static_cast<size_t>(i)] = static_cast<int8_t>(std::nearbyint(xv[static_cast<size_t>(i)] / sc[c]) + zp[c]);
  }
  EXPECT_EQ(std::vector<int8_t>(y.data<int8_t>(), y.data<int8_t>() + 12), want);
  // Dequantize back with the same parameters, and a negative axis.
  const Tensor d = run_ok(OpKind::kDequantizeLinear, {&y, &s, &z}, {{"axis", int_attr(-2)}});
  for (int64_t i = 0; i < 12; ++i) {
    const int64_t c = (i / 2) % 3;
    const double sc[] = {1, 2, 4};
    const int zp[] = {0, 1, -2};
    EXPECT_DOUBLE_EQ(d.double_at(i), (want[static_cast<size_t>(i)] - zp[c]) * sc[c]);
  }
}

TEST(LinalgQuant, DequantizeTypes) {
  const Tensor x = make_tensor<int32_t>({3}, {-7, 0, 1 << 20});
  const Tensor s = make_tensor<float>({}, {0.5f});
  expect_all_near_relative(run_ok(OpKind::kDequantizeLinear, {&x, &s}), {-3.5, 0, 524288}, 0);
  const Tensor zbad = make_tensor<int32_t>({}, {3});
  expect_error(run_op(OpKind::kDequantizeLinear, {&x, &s, &zbad}), "zero point of 0");
  const Tensor xu = make_tensor<uint8_t>({2}, {0, 255});
  const Tensor zu = make_tensor<uint8_t>({}, {128});
  const Tensor sh = make_tensor<Float16>({}, {Float16(0.25f)});
  const Tensor yh = run_ok(OpKind::kDequantizeLinear, {&xu, &sh, &zu});
  EXPECT_EQ(yh.dtype(), DType::kF16);
  expect_all_near_relative(yh, {-32, 31.75}, 0);
}

TEST(LinalgQuant, RejectsBadParameters) {
  const Tensor x = make_tensor<float>({2, 3}, std::vector<float>(6, 1));
  const Tensor s0 = make_tensor<float>({}, {0.0f});
  const Tensor snan = make_tensor<float>({}, {std::numeric_limits<float>::quiet_NaN()});
  const Tensor s1 = make_tensor<float>({}, {1.0f});
  const Tensor s4 = make_tensor<float>({4}, {1, 1, 1, 1});
  const Tensor s3 = make_tensor<float>({3}, {1, 1, 1});
  const Tensor s2d = make_tensor<float>({1, 3}, {1, 1, 1});
  const Tensor z32 = make_tensor<int32_t>({}, {0});
  const Tensor z2 = make_tensor<uint8_t>({2}, {0, 0});
  expect_error(run_op(OpKind::kQuantizeLinear, {&x, &s0}), "non-zero");
  expect_error(run_op(OpKind::kQuantizeLinear, {&x, &snan}), "finite");
  expect_error(run_op(OpKind::kDequantizeLinear, {&x, &snan}), "type");  // float x
  expect_error(run_op(OpKind::kQuantizeLinear, {&x, &s4}), "3 elements");  // axis 1 has 3
  expect_error(run_op(OpKind::kQuantizeLinear, {&x, &s2d}), "scalar");
  expect_error(run_op(OpKind::kQuantizeLinear, {&x, &s1, &z32}), "type");
  expect_error(run_op(OpKind::kQuantizeLinear, {&x, &s3, &z2}), "zero point");
  expect_error(run_op(OpKind::kQuantizeLinear, {&x, &s3}, {{"axis", int_attr(2)}}), "axis");
  // No per-axis quantisation before opset 13.
  expect_error(run_op(OpKind::kQuantizeLinear, {&x, &s3}, {}, 10), "scalar");
  const Tensor xu = make_tensor<uint8_t>({2}, {1, 2});
  const Tensor snan_ok_shape = make_tensor<float>({}, {std::numeric_limits<float>::infinity()});
  expect_error(run_op(OpKind::kDequantizeLinear, {&xu, &snan_ok_shape}), "finite");
}

TEST(LinalgQuant, DynamicQuantizeLinear) {
  // ONNX reference formulas (op_dynamic_quantize_linear.py), evaluated by hand:
  // x = [-1, 0, 1.5, 3]: min -1, max 3, scale 4/255, zp = rint(0 + 1/(4/255)) = rint(63.75) = 64,
  // y = clip(rint(x / scale) + 64) = [0 (rint(-63.75)=-64), 64, 160 (rint(95.625)=96), 255 (191.25->191+64)].
  const Tensor x = make_tensor<float>({4}, {-1.0f, 0.0f, 1.5f, 3.0f});
  auto r = run_op_outputs(OpKind::kDynamicQuantizeLinear, {&x}, {}, 17, 3);
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  const auto& out = r.value();
  EXPECT_FLOAT_EQ(out[1].data<float>()[0], 4.0f / 255.0f);
  EXPECT_EQ(out[2].data<uint8_t>()[0], 64);
  EXPECT_EQ(std::vector<uint8_t>(out[0].data<uint8_t>(), out[0].data<uint8_t>() + 4),
            (std::vector<uint8_t>{0, 64, 160, 255}));
  // All zeros: range 0 -> scale 1/255 (reference), zero point 0.
  const Tensor z = make_tensor<float>({2}, {0.0f, 0.0f});
  auto rz = run_op_outputs(OpKind::kDynamicQuantizeLinear, {&z}, {}, 17, 3);
  ASSERT_TRUE(rz.is_ok());
  EXPECT_FLOAT_EQ(rz.value()[1].data<float>()[0], 1.0f / 255.0f);
  EXPECT_EQ(rz.value()[2].data<uint8_t>()[0], 0);
}

TEST(LinalgQuant, MatMulIntegerWithZeroPoints) {
  const Shape as = {2, 3, 4}, bs = {4, 5};
  const auto av = random_ints<uint8_t>(24, 300, 0, 255);
  const auto bv = random_ints<int8_t>(20, 301, -128, 127);
  const std::vector<uint8_t> az = {3, 200, 17};           // per row (M = 3)
  const std::vector<int8_t> bz = {-5, 0, 7, 127, -128};   // per column (N = 5)
  const Tensor a = make_tensor(as, av), b = make_tensor(bs, bv), ta = make_tensor<uint8_t>({3}, az),
               tb = make_tensor<int8_t>({5}, bz);
  const Tensor y = run_ok(OpKind::kMatMulInteger, {&a, &b, &ta, &tb});
  ASSERT_EQ(y.shape(), (Shape{2, 3, 5}));
  for (int64_t bt = 0; bt < 2; ++bt)
    for (int64_t i = 0; i < 3; ++i)
      for (int64_t j = 0; j < 5; ++j) {
        int64_t s = 0;
        for (int64_t p = 0; p < 4; ++p)
          s += (int64_t{av[static_cast<size_t>(bt * 12 + i * 4 + p)]} - az[static_cast<size_t>(i)]) *
               (int64_t{bv[static_cast<size_t>(p * 5 + j)]} - bz[static_cast<size_t>(j)]);
        EXPECT_EQ(y.data<int32_t>()[bt * 15 + i * 5 + j], s);
      }
  const Tensor bad = make_tensor<uint8_t>({2}, {1, 2});
  expect_error(run_op(OpKind::kMatMulInteger, {&a, &b, &bad}), "a_zero_point");
}

TEST(LinalgQuant, ConvIntegerAndQLinearConv) {
  ConvCase cc{{1, 2, 5, 5}, {3, 2, 3, 3}, {2, 1}, {}, {1, 1, 0, 1}, 1, "", false};
  const auto xv = random_ints<uint8_t>(50, 400, 0, 255);
  const auto wv = random_ints<uint8_t>(54, 401, 0, 255);
  const uint8_t xz = 120;
  const std::vector<uint8_t> wz = {128, 100, 3};
  // Expected in double via the direct convolution of (x - x_zp) and (w - w_zp[m]); padding is the
  // zero point, i.e. 0 after subtraction.
  std::vector<float> xf, wf;
  for (uint8_t v : xv) xf.push_back(static_cast<float>(v) - xz);
  for (size_t i = 0; i < wv.size(); ++i) wf.push_back(static_cast<float>(wv[i]) - wz[i / 18]);
  Shape ws;
  const auto want = naive_conv(cc, xf, wf, {}, ws);
  const Tensor x = make_tensor(cc.x, xv), w = make_tensor(cc.w, wv),
               txz = make_tensor<uint8_t>({}, {xz}), twz = make_tensor<uint8_t>({3}, wz);
  const Tensor y = run_ok(OpKind::kConvInteger, {&x, &w, &txz, &twz}, conv_attrs(cc));
  ASSERT_EQ(y.shape(), ws);
  ASSERT_EQ(y.dtype(), DType::kI32);
  for (size_t i = 0; i < want.size(); ++i) EXPECT_EQ(y.data<int32_t>()[i], static_cast<int32_t>(want[i]));

  // QLinearConv with per-channel weight scales and an int32 bias:
  // y = saturate(rint((acc + bias[m]) * x_scale * w_scale[m] / y_scale) + y_zp).
  const float x_scale = 0.02f, y_scale = 0.5f;
  const std::vector<float> w_scale = {0.01f, 0.003f, 0.02f};
  const std::vector<int32_t> bias = {100, -2000, 7};
  const uint8_t y_zp = 90;
  const Tensor txs = make_tensor<float>({}, {x_scale}), tws = make_tensor<float>({3}, w_scale),
               tys = make_tensor<float>({}, {y_scale}), tyz = make_tensor<uint8_t>({}, {y_zp}),
               tb = make_tensor<int32_t>({3}, bias);
  const Tensor q = run_ok(OpKind::kQLinearConv, {&x, &txs, &txz, &w, &tws, &twz, &tys, &tyz, &tb},
                          conv_attrs(cc));
  ASSERT_EQ(q.dtype(), DType::kU8);
  const int64_t per_m = numel(ws) / 3;
  for (size_t i = 0; i < want.size(); ++i) {
    const size_t m = i / static_cast<size_t>(per_m);
    const float mult = x_scale * w_scale[m] / y_scale;
    const double v = std::nearbyint((want[i] + bias[m]) * static_cast<double>(mult)) + y_zp;
    EXPECT_EQ(q.data<uint8_t>()[i], static_cast<uint8_t>(std::clamp(v, 0.0, 255.0))) << i;
  }
}

TEST(LinalgQuant, QLinearMatMul) {
  const auto av = random_ints<int8_t>(6, 500, -128, 127);
  const auto bv = random_ints<int8_t>(6, 501, -128, 127);
  const Tensor a = make_tensor<int8_t>({2, 3}, av), b = make_tensor<int8_t>({3, 2}, bv);
  const Tensor as = make_tensor<float>({}, {0.05f}), az = make_tensor<int8_t>({}, {3});
  const Tensor bs = make_tensor<float>({2}, {0.02f, 0.07f}), bz = make_tensor<int8_t>({2}, {-1, 4});
  const Tensor ys = make_tensor<float>({}, {0.1f}), yz = make_tensor<int8_t>({}, {-10});
  const Tensor y = run_ok(OpKind::kQLinearMatMul, {&a, &as, &az, &b, &bs, &bz, &ys, &yz});
  ASSERT_EQ(y.dtype(), DType::kI8);
  const float bsv[] = {0.02f, 0.07f};
  const int bzv[] = {-1, 4};
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t j = 0; j < 2; ++j) {
      int64_t acc = 0;
      for (int64_t p = 0; p < 3; ++p)
        acc += (av[static_cast<size_t>(i * 3 + p)] - 3) * (bv[static_cast<size_t>(p * 2 + j)] - bzv[j]);
      const float mult = 0.05f * bsv[j] / 0.1f;
      const double v = std::nearbyint(static_cast<double>(acc) * mult) - 10;
      EXPECT_EQ(y.data<int8_t>()[i * 2 + j], static_cast<int8_t>(std::clamp(v, -128.0, 127.0)));
    }
  const Tensor ys0 = make_tensor<float>({}, {0.0f});
  expect_error(run_op(OpKind::kQLinearMatMul, {&a, &as, &az, &b, &bs, &bz, &ys0, &yz}), "non-zero");
}

}  // namespace
}  // namespace sf::test
