// Fast pooling (kernels/cpu/pool, runtime/fast_ops/pool) and the channels-last pool ops
// (ir/ops/layout): NCHW fast pools against the reference pools (sessions with fast kernels off),
// the NHWC reference kernels against the NCHW reference on transposed data, and the NHWC fast
// pools against the NHWC reference, under each ISA cap and bit-identical across 1, 2, 3 threads.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "core/cpu_features.hpp"
#include "ir/op_schema.hpp"
#include "runtime/session.hpp"
#include "tests/unit/op_test_util.hpp"

namespace sf {
namespace {

using ir::Graph;
using ir::OpKind;
using ir::ValueId;

Tensor random_tensor(const Shape& s, uint32_t seed) { return test::lcg_tensor(s, seed, 777u); }

// Attribute builders shared with the op tests (tests/unit/op_test_util.hpp).
ir::Attribute ints(std::vector<int64_t> v) { return test::ints_attr(std::move(v)); }
ir::Attribute int1(int64_t v) { return test::int_attr(v); }

struct PoolCase {
  std::string what;
  int64_t k, stride, pad, dil;
  bool ceil, include_pad;
};

std::vector<PoolCase> pool_cases() {
  return {{"3x3_s2_p1", 3, 2, 1, 1, false, false}, {"2x2_s2", 2, 2, 0, 1, false, false},
          {"3x3_s1_p1_incl", 3, 1, 1, 1, false, true}, {"3x3_s2_ceil", 3, 2, 0, 1, true, false},
          {"3x3_dil2_p2", 3, 1, 2, 2, false, false}, {"5x5_s3_p2_ceil_incl", 5, 3, 2, 1, true, true}};
}

ir::AttrMap pool_attrs(const PoolCase& c, bool average) {
  ir::AttrMap a;
  a["kernel_shape"] = ints({c.k, c.k});
  a["strides"] = ints({c.stride, c.stride});
  a["pads"] = ints({c.pad, c.pad, c.pad, c.pad});
  a["dilations"] = ints({c.dil, c.dil});
  a["ceil_mode"] = int1(c.ceil ? 1 : 0);
  if (average) a["count_include_pad"] = int1(c.include_pad ? 1 : 0);
  return a;
}

std::unique_ptr<Graph> one_node_graph(OpKind op, const Shape& xs, ir::AttrMap attrs) {
  auto g = std::make_unique<Graph>();
  const ValueId x = g->add_value("x").value();
  g->value(x).type = {DType::kF32, xs};
  g->inputs = {x};
  ir::Node n;
  n.name = "pool";
  n.op = op;
  n.opset = 13;
  n.inputs = {x};
  n.raw_attrs = std::move(attrs);
  const ValueId y = g->add_value("y").value();
  g->value(y).producer = 0;
  n.outputs = {y};
  EXPECT_TRUE(ir::parse_node(n).is_ok()) << ir::op_name(op);
  g->nodes.push_back(std::move(n));
  g->outputs = {y};
  return g;
}

Tensor run(OpKind op, const Tensor& x, const ir::AttrMap& attrs, bool fast, int threads,
           std::string* kernel = nullptr) {
  rt::SessionOptions o;
  o.threads = threads;
  o.exec.fast_kernels = fast;
  auto s = rt::Session::from_graph(one_node_graph(op, x.shape(), attrs), o);
  EXPECT_TRUE(s.is_ok()) << s.status().to_string();
  if (kernel) *kernel = (*s)->kernel_name(0);
  auto out = (*s)->run({{"x", x}});
  EXPECT_TRUE(out.is_ok()) << out.status().to_string();
  return (*out)[0].second;
}

Tensor to_nhwc(const Tensor& t) {
  const int64_t n = t.dim(0), c = t.dim(1), h = t.dim(2), w = t.dim(3);
  Tensor r = Tensor::make(DType::kF32, {n, h, w, c}).value();
  for (int64_t i = 0; i < n; ++i)
    for (int64_t ch = 0; ch < c; ++ch)
      for (int64_t p = 0; p < h * w; ++p)
        r.data<float>()[(i * h * w + p) * c + ch] = t.data<float>()[(i * c + ch) * h * w + p];
  return r;
}

bool bit_equal(const Tensor& a, const Tensor& b) {
  return a.shape() == b.shape() &&
         std::equal(a.data<float>(), a.data<float>() + a.numel(), b.data<float>(),
                    [](float u, float v) { return u == v || (std::isnan(u) && std::isnan(v)); });
}

void expect_close(const Tensor& got, const Tensor& want, double tol, const std::string& what) {
  ASSERT_EQ(got.shape(), want.shape()) << what;
  for (int64_t i = 0; i < want.numel(); ++i)
    ASSERT_NEAR(got.data<float>()[i], want.data<float>()[i], tol) << what << " element " << i;
}

std::vector<int> isa_levels() {
  std::vector<int> levels;
  for (int l = 0; l <= static_cast<int>(detected_isa()); ++l) levels.push_back(l);
  return levels;
}

// Checks the fast path of `op` against `want` (bit-exact when exact) for every ISA cap and
// thread count, and that a fast kernel was chosen.
void check_fast(OpKind op, const Tensor& x, const ir::AttrMap& attrs, const Tensor& want,
                bool exact, const std::string& what) {
  for (int level : isa_levels()) {
    set_max_isa_for_testing(level);
    std::string kernel;
    const Tensor t1 = run(op, x, attrs, true, 1, &kernel);
    EXPECT_NE(kernel, "ref") << what;
    if (exact) EXPECT_TRUE(bit_equal(t1, want)) << what << " isa " << level;
    else expect_close(t1, want, 1e-5, what);
    for (int threads : {2, 3})
      EXPECT_TRUE(bit_equal(run(op, x, attrs, true, threads), t1)) << what << " threads " << threads;
  }
  set_max_isa_for_testing(-1);
}

TEST(PoolFast, NchwPoolsMatchReference) {
  const Tensor x = random_tensor({2, 19, 13, 12}, 4);
  for (const PoolCase& c : pool_cases()) {
    const ir::AttrMap max_attrs = pool_attrs(c, false), avg_attrs = pool_attrs(c, true);
    check_fast(OpKind::kMaxPool, x, max_attrs, run(OpKind::kMaxPool, x, max_attrs, false, 1), true,
               "MaxPool " + c.what);
    check_fast(OpKind::kAveragePool, x, avg_attrs,
               run(OpKind::kAveragePool, x, avg_attrs, false, 1), false, "AveragePool " + c.what);
  }
  check_fast(OpKind::kGlobalAveragePool, x, {}, run(OpKind::kGlobalAveragePool, x, {}, false, 1),
             false, "GlobalAveragePool");
}

TEST(PoolFast, NhwcReferenceAndFastPoolsMatchNchwReference) {
  const Tensor x = random_tensor({2, 37, 11, 10}, 9);
  const Tensor xh = to_nhwc(x);
  for (const PoolCase& c : pool_cases()) {
    const ir::AttrMap max_attrs = pool_attrs(c, false), avg_attrs = pool_attrs(c, true);
    // Max and the windowed average sum in the same order: exactly equal.
    const Tensor max_want = to_nhwc(run(OpKind::kMaxPool, x, max_attrs, false, 1));
    const Tensor max_ref = run(OpKind::kMaxPoolNhwc, xh, max_attrs, false, 1);
    EXPECT_TRUE(bit_equal(max_ref, max_want)) << "MaxPoolNhwc ref " << c.what;
    check_fast(OpKind::kMaxPoolNhwc, xh, max_attrs, max_want, true, "MaxPoolNhwc " + c.what);
    const Tensor avg_want = to_nhwc(run(OpKind::kAveragePool, x, avg_attrs, false, 1));
    const Tensor avg_ref = run(OpKind::kAveragePoolNhwc, xh, avg_attrs, false, 1);
    EXPECT_TRUE(bit_equal(avg_ref, avg_want)) << "AveragePoolNhwc ref " << c.what;
    check_fast(OpKind::kAveragePoolNhwc, xh, avg_attrs, avg_want, false,
               "AveragePoolNhwc " + c.what);
  }
  const Tensor g_want = to_nhwc(run(OpKind::kGlobalAveragePool, x, {}, false, 1));
  expect_close(run(OpKind::kGlobalAveragePoolNhwc, xh, {}, false, 1), g_want, 1e-6,
               "GlobalAveragePoolNhwc ref");
  check_fast(OpKind::kGlobalAveragePoolNhwc, xh, {}, g_want, false, "GlobalAveragePoolNhwc");
}

TEST(PoolFast, NhwcPoolRejectsWrongRankNamingTheNode) {
  ir::Node n;
  n.name = "p9";
  n.op = OpKind::kMaxPoolNhwc;
  n.opset = 13;
  n.inputs = {0};
  n.outputs = {1};
  n.raw_attrs["kernel_shape"] = ints({3});
  ASSERT_TRUE(ir::parse_node(n).is_ok());
  const Tensor x = random_tensor({1, 4, 5}, 1);
  auto r = rt::run_node(n, {&x}, MemoryLimit::kDefaultBytes);
  ASSERT_FALSE(r.is_ok());
  EXPECT_NE(r.status().to_string().find("p9"), std::string::npos) << r.status().to_string();
}

}  // namespace
}  // namespace sf
