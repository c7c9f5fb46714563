// Fast Transpose (kernels/cpu/transpose, runtime/fast_ops/transpose): every 2-D variant in
// kernels.inc against a naive loop (edge tiles, padded strides, bytes outside the block left
// alone), and one-node sessions with fast kernels against the reference (fast kernels off) on
// perms that reduce to [N, A, B, C] -> [N, B, A, C] or a copy (taken: the kernel is not "ref")
// and ones that do not (declined: "ref"), under each ISA cap and 1, 2, 3 threads, bit for bit.
#include <gtest/gtest.h>

#include <cstring>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "kernels/cpu/transpose/transpose.hpp"
#include "tests/unit/kernels/fast_op_test_util.hpp"

namespace sf {
namespace {

using test::cpu_has;
using test::IsaCap;

using test::random_bits;
using test::same_bytes;

TEST(TransposeKernels, EveryVariantMatchesNaiveLoop) {
  const std::pair<int64_t, int64_t> sizes[] = {{1, 1},   {1, 17},  {17, 1},  {8, 8},  {16, 16},
                                               {7, 9},   {15, 17}, {16, 33}, {33, 16}, {31, 47},
                                               {64, 3},  {3, 64},  {40, 40}, {2, 100},
                                               {3, 50},  {3, 5},   {3, 16}};
  for (const cpu::TransposeKernel& k : cpu::transpose_kernels()) {
    if (!cpu_has(k.isa)) continue;
    // Padded destination rows, then dense ones (ldd == rows: three rows take the interleave).
    for (const int64_t pad : {5, 0}) {
      for (const auto& [rows, cols] : sizes) {
        const int64_t lds = cols + 3, ldd = rows + pad;
        std::mt19937 gen(static_cast<uint32_t>(rows * 131 + cols));
        std::vector<uint32_t> src(static_cast<size_t>(rows * lds));
        for (uint32_t& v : src) v = gen();
        // One element more than the block: no variant may write it.
        std::vector<uint32_t> dst(static_cast<size_t>(cols * ldd + 1), 0xDEADBEEFu);
        k.fn(src.data(), lds, dst.data(), ldd, rows, cols);
        for (int64_t j = 0; j < cols; ++j)
          for (int64_t i = 0; i < ldd; ++i) {
            const uint32_t want = i < rows ? src[static_cast<size_t>(i * lds + j)] : 0xDEADBEEFu;
            ASSERT_EQ(dst[static_cast<size_t>(j * ldd + i)], want)
                << k.name << " " << rows << "x" << cols << " ldd " << ldd << " at (" << j << ", "
                << i << ")";
          }
        EXPECT_EQ(dst.back(), 0xDEADBEEFu)
            << k.name << " " << rows << "x" << cols << " wrote past the end";
      }
    }
  }
}

TEST(TransposeKernels, RunsMoveEveryRun) {
  const int64_t a = 5, b = 7, c = 3;
  std::vector<uint16_t> src(a * b * c), dst(a * b * c, 0xFFFF);
  for (size_t i = 0; i < src.size(); ++i) src[i] = static_cast<uint16_t>(i);
  cpu::transpose_runs(src.data(), dst.data(), a, b, c * 2, 0, 4);
  cpu::transpose_runs(src.data(), dst.data(), a, b, c * 2, 4, b);
  for (int64_t j = 0; j < b; ++j)
    for (int64_t i = 0; i < a; ++i)
      for (int64_t e = 0; e < c; ++e)
        ASSERT_EQ(dst[(j * a + i) * c + e], src[(i * b + j) * c + e]) << j << " " << i << " " << e;
}

struct PermCase {
  DType dtype;
  Shape shape;
  std::optional<std::vector<int64_t>> perm;  // absent: reverse
  bool taken;                                // the fast kernel accepts it
};

std::vector<PermCase> perm_cases() {
  using V = std::vector<int64_t>;
  const DType f = DType::kF32;
  return {
      {f, {2, 19, 13, 11}, V{0, 2, 3, 1}, true},   // NCHW -> NHWC
      {f, {2, 13, 11, 19}, V{0, 3, 1, 2}, true},   // NHWC -> NCHW
      {f, {2, 17, 5, 8}, V{0, 2, 1, 3}, true},     // head split (C > 1)
      {f, {2, 5, 17, 8}, V{0, 2, 1, 3}, true},     // head merge
      {f, {2, 3, 17, 33}, V{0, 1, 3, 2}, true},    // K^T
      {f, {37, 45}, V{1, 0}, true},
      {f, {16, 16}, V{1, 0}, true},
      {f, {6, 7}, std::nullopt, true},             // no perm: reverse
      {f, {3, 1, 4}, V{2, 1, 0}, true},            // size-1 axis dropped -> 2-D
      {f, {1, 7, 1, 9}, V{0, 3, 2, 1}, true},
      {f, {3, 4, 5}, V{1, 2, 0}, true},            // (1,2) merge -> 2-D
      {f, {3, 4, 5}, V{2, 0, 1}, true},
      {f, {2, 3, 4, 5}, V{2, 3, 0, 1}, true},
      {f, {6, 1, 5, 1}, V{2, 0, 3, 1}, true},
      {f, {2, 96, 4100}, V{0, 2, 1}, true},        // >= 3 MB: split over 3 threads
      {f, {4100, 193}, V{1, 0}, true},
      {f, {1, 60, 780, 17}, V{0, 2, 1, 3}, true},
      {f, {1, 300, 2630}, V{1, 0, 2}, true},       // identity after dropping the 1
      {f, {5}, V{0}, true},
      {f, {1, 1}, V{1, 0}, true},
      {f, {2, 3, 4, 5}, V{0, 1, 2, 3}, true},
      {DType::kI32, {9, 31}, V{1, 0}, true},
      {DType::kI32, {3, 33, 17}, V{0, 2, 1}, true},
      {DType::kI64, {3, 4, 2}, V{1, 0, 2}, true},  // C > 1, 8-byte runs
      {DType::kU8, {2, 3, 4, 5}, V{0, 2, 1, 3}, true},
      {DType::kI64, {5, 7}, V{1, 0}, false},       // 2-D of 8-byte elements: reference
      {DType::kF16, {5, 7}, V{1, 0}, false},
      {f, {4, 5, 6}, V{2, 1, 0}, false},           // full reverse of 3 axes
      {f, {2, 3, 4, 5}, V{3, 2, 1, 0}, false},
      {f, {2, 3, 4, 5}, V{1, 0, 3, 2}, false},
      {f, {2, 3, 4, 5}, V{0, 3, 2, 1}, false},
      {f, {2, 0, 4}, V{0, 2, 1}, false},           // empty
  };
}

ir::AttrMap perm_attrs(const std::optional<std::vector<int64_t>>& perm) {
  ir::AttrMap a;
  if (perm) {
    ir::Attribute p;
    p.kind = ir::Attribute::Kind::kInts;
    p.ints = *perm;
    a["perm"] = p;
  }
  return a;
}

std::string describe(const PermCase& c) {
  std::string s = std::string(dtype_name(c.dtype)) + shape_str(c.shape) + " perm";
  if (!c.perm) return s + " (reverse)";
  for (int64_t p : *c.perm) {
    s += ' ';
    s += std::to_string(p);
  }
  return s;
}

TEST(TransposeFast, MatchesReferenceAtEveryIsaAndThreadCount) {
  uint32_t seed = 1;
  for (const PermCase& c : perm_cases()) {
    const Tensor x = random_bits(c.dtype, c.shape, seed++);
    const auto want = test::run_one_node(ir::OpKind::kTranspose, 13, perm_attrs(c.perm), {x},
                                         /*fast=*/false, 1);
    ASSERT_EQ(want.kernel, "ref");
    for (Isa isa : {Isa::kScalar, Isa::kAvx2, Isa::kAvx512}) {
      if (!cpu_has(isa)) continue;
      IsaCap cap(isa);
      for (int threads : {1, 2, 3}) {
        const auto got = test::run_one_node(ir::OpKind::kTranspose, 13, perm_attrs(c.perm), {x},
                                            /*fast=*/true, threads);
        const std::string what = describe(c) + " isa " + std::to_string(static_cast<int>(isa)) +
                                 " threads " + std::to_string(threads) + " kernel " + got.kernel;
        EXPECT_EQ(got.kernel != "ref", c.taken) << what;
        EXPECT_TRUE(same_bytes(got.out, want.out)) << what;
        if (c.taken && got.kernel.rfind("transpose_b32__", 0) == 0) {
          EXPECT_EQ(got.kernel, cpu::transpose_select().name) << what;
        }
      }
    }
  }
}

}  // namespace
}  // namespace sf
