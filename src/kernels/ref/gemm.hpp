// Reference GEMM: the one matrix product behind MatMul, Gemm, Conv (im2col), ConvTranspose
// (col2im), MatMulInteger, ConvInteger, QLinearMatMul and QLinearConv.
//
//   gemm_acc:  C[i, j] += sum_k A(i, k) * B[k, j]      0 <= i < M, 0 <= j < N, 0 <= k < K
//     A(i, k) = a[i * a_rs + k * a_cs]   (any strides: a row-major A has a_rs = lda, a_cs = 1;
//                                         a transposed one a_rs = 1, a_cs = lda)
//     B       row-major, rows contiguous: B[k, j] = b[k * ldb + j]
//     C       row-major: C[i, j] = c[i * ldc + j]; the caller initialises it (zeros, bias, ...)
//
// Loop order: blocks of kBlockN columns and kBlockK depth (a block of B, kBlockK x kBlockN, stays
// in L2 while every row of A passes over it), then i, then k in steps of 4, then j innermost:
// the j loop is contiguous in B and C, so the compiler vectorises it; no intrinsics, no threads.
// A transposed B is not supported here: callers transpose it first (transpose_2d), which costs
// O(K*N) against the product's O(M*K*N).
//
// Accumulation type: T itself. float32 accumulates in float32 (four products are summed, then
// added to C): the result differs from the exact product by at most about K * 2^-24 * sum|a*b|
// (typically sqrt(K) * 2^-24 * sum|a*b|). float64 likewise with 2^-53. float16/bfloat16 are
// widened to float by the callers. Integers are computed in the unsigned type of the same width,
// i.e. modulo 2^bits (two's-complement wrap-around, no undefined overflow), which is what
// MatMul/MatMulInteger's int32 output means for products that do not fit.
#pragma once

#include <algorithm>
#include <cstdint>
#include <type_traits>

namespace sf::ref {

// Unsigned type of the same width for integers (wrap-around arithmetic); T for floats.
template <typename T, bool = std::is_integral_v<T>>
struct GemmArith { using type = T; };
template <typename T>
struct GemmArith<T, true> { using type = std::make_unsigned_t<T>; };
template <typename T>
using gemm_arith_t = typename GemmArith<T>::type;

namespace detail {

constexpr int64_t kBlockK = 256;
constexpr int64_t kBlockN = 512;

// c[j] += a0*b0[j] + a1*b1[j] + a2*b2[j] + a3*b3[j]  (separate function: restrict lets the
// compiler vectorise without alias checks)
template <typename T>
inline void axpy4(int64_t n, T a0, T a1, T a2, T a3, const T* __restrict b0,
                  const T* __restrict b1, const T* __restrict b2, const T* __restrict b3,
                  T* __restrict c) {
  for (int64_t j = 0; j < n; ++j) c[j] += a0 * b0[j] + a1 * b1[j] + a2 * b2[j] + a3 * b3[j];
}

template <typename T>
inline void axpy1(int64_t n, T a0, const T* __restrict b0, T* __restrict c) {
  for (int64_t j = 0; j < n; ++j) c[j] += a0 * b0[j];
}

}  // namespace detail

// C += A * B (see the file comment). T is float, double or an unsigned integer type.
template <typename T>
void gemm_acc(int64_t m, int64_t n, int64_t k, const T* a, int64_t a_rs, int64_t a_cs,
              const T* b, int64_t ldb, T* c, int64_t ldc) {
  static_assert(std::is_floating_point_v<T> || (std::is_unsigned_v<T> && sizeof(T) >= sizeof(int)),
                "gemm_acc computes in float, double or an unsigned type that does not promote");
  for (int64_t jb = 0; jb < n; jb += detail::kBlockN) {
    const int64_t nb = std::min(detail::kBlockN, n - jb);
    for (int64_t kb = 0; kb < k; kb += detail::kBlockK) {
      const int64_t ke = std::min(k, kb + detail::kBlockK);
      for (int64_t i = 0; i < m; ++i) {
        const T* arow = a + i * a_rs;
        T* crow = c + i * ldc + jb;
        int64_t p = kb;
        for (; p + 4 <= ke; p += 4) {
          const T* bp = b + p * ldb + jb;
          detail::axpy4<T>(nb, arow[p * a_cs], arow[(p + 1) * a_cs], arow[(p + 2) * a_cs],
                           arow[(p + 3) * a_cs], bp, bp + ldb, bp + 2 * ldb, bp + 3 * ldb, crow);
        }
        for (; p < ke; ++p) detail::axpy1<T>(nb, arow[p * a_cs], b + p * ldb + jb, crow);
      }
    }
  }
}

// dst[j, i] = src[i, j] for a rows x cols row-major src (dst is cols x rows).
template <typename T>
void transpose_2d(const T* src, int64_t rows, int64_t cols, T* dst) {
  constexpr int64_t kTile = 32;
  for (int64_t ib = 0; ib < rows; ib += kTile)
    for (int64_t jb = 0; jb < cols; jb += kTile)
      for (int64_t i = ib; i < std::min(rows, ib + kTile); ++i)
        for (int64_t j = jb; j < std::min(cols, jb + kTile); ++j) dst[j * rows + i] = src[i * cols + j];
}

}  // namespace sf::ref
