// Fast Concat (runtime/fast_ops/concat): one-node sessions with fast kernels against the
// reference (fast kernels off) over axes (negative too), ranks 1-5, odd sizes, an empty input,
// 1/2/4/8-byte dtypes and outputs large enough to split over threads, under each ISA cap and 1,
// 2, 3 threads, bit for bit; dynamic-free cases are taken (kernel not "ref").
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "tests/unit/kernels/fast_op_test_util.hpp"

namespace sf {
namespace {

using test::cpu_has;
using test::IsaCap;

using test::random_bits;
using test::same_bytes;

struct ConcatCase {
  DType dtype;
  std::vector<Shape> shapes;
  int64_t axis;
};

std::vector<ConcatCase> concat_cases() {
  const DType f = DType::kF32;
  return {
      {f, {{5}, {3}, {1}}, 0},
      {f, {{3, 5}, {2, 5}}, 0},
      {f, {{3, 5}, {3, 7}, {3, 1}}, 1},
      {f, {{3, 5}, {3, 7}}, -1},
      {f, {{1, 7, 5, 3}, {1, 7, 5, 4}}, 3},            // channels-last fire-module concat
      {f, {{1, 55, 55, 64}, {1, 55, 55, 64}}, 3},      // SqueezeNet's first (> 256 KB)
      {f, {{1, 64, 55, 55}, {1, 64, 55, 55}}, 1},      // NCHW form
      {f, {{2, 3, 4, 5}, {2, 1, 4, 5}, {2, 2, 4, 5}}, 1},
      {f, {{2, 3, 4, 5}, {2, 3, 1, 5}}, -2},
      {f, {{2, 3, 4, 5}, {2, 3, 0, 5}, {2, 3, 2, 5}}, 2},  // an empty input
      {f, {{2, 3, 2, 2, 3}, {2, 3, 2, 2, 5}}, 4},
      {f, {{3, 1, 2, 3, 1}, {3, 2, 2, 3, 1}}, 1},
      {f, {{300, 257}, {300, 300}}, 1},                // rows of odd bytes over several chunks
      {f, {{70001}, {3}, {65536}}, 0},                 // one long row split into chunks
      {DType::kI64, {{4, 3}, {4, 5}}, 1},
      {DType::kI64, {{7}, {0}, {2}}, 0},
      {DType::kU8, {{3, 5, 7}, {3, 2, 7}}, 1},
      {DType::kF16, {{9, 3}, {9, 11}}, -1},
  };
}

ir::AttrMap axis_attrs(int64_t axis) {
  ir::AttrMap a;
  ir::Attribute p;
  p.kind = ir::Attribute::Kind::kInt;
  p.i = axis;
  a["axis"] = p;
  return a;
}

std::string describe(const ConcatCase& c) {
  std::string s = std::string(dtype_name(c.dtype)) + " axis " + std::to_string(c.axis);
  for (const Shape& sh : c.shapes) {
    s += ' ';
    s += shape_str(sh);
  }
  return s;
}

TEST(ConcatFast, MatchesReferenceAtEveryIsaAndThreadCount) {
  uint32_t seed = 1;
  for (const ConcatCase& c : concat_cases()) {
    std::vector<Tensor> xs;
    for (const Shape& s : c.shapes) xs.push_back(random_bits(c.dtype, s, seed++));
    const auto want = test::run_one_node(ir::OpKind::kConcat, 13, axis_attrs(c.axis), xs,
                                         /*fast=*/false, 1);
    ASSERT_EQ(want.kernel, "ref");
    for (Isa isa : {Isa::kScalar, Isa::kAvx2, Isa::kAvx512}) {
      if (!cpu_has(isa)) continue;
      IsaCap cap(isa);
      for (int threads : {1, 2, 3}) {
        const auto got = test::run_one_node(ir::OpKind::kConcat, 13, axis_attrs(c.axis), xs,
                                            /*fast=*/true, threads);
        const std::string what = describe(c) + " isa " + std::to_string(static_cast<int>(isa)) +
                                 " threads " + std::to_string(threads) + " kernel " + got.kernel;
        EXPECT_EQ(got.kernel, "concat__memcpy") << what;
        EXPECT_TRUE(same_bytes(got.out, want.out)) << what;
      }
    }
  }
}

TEST(ConcatFast, ConstantInputsTakenToo) {
  const std::vector<Tensor> xs = {test::random_f32({2, 3}, 1), test::random_f32({2, 4}, 2)};
  const auto want = test::run_one_node(ir::OpKind::kConcat, 13, axis_attrs(1), xs, false, 1,
                                       {false, true});
  const auto got = test::run_one_node(ir::OpKind::kConcat, 13, axis_attrs(1), xs, true, 2,
                                      {false, true});
  EXPECT_TRUE(same_bytes(got.out, want.out));
}

}  // namespace
}  // namespace sf
