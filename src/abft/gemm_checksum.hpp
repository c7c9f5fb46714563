// Global-checksum pieces of a GEMM C = A B (A [m x k], B [k x n]), in fp64 (abft.md §2, §7):
//   weight side, once at load:  b_r[kk] = sum_j B[kk][j],  b_abs[kk] = sum_j |B[kk][j]|
//   activation side, per run:   a_c[kk] = sum_i A[i][kk],  a_abs[kk] = sum_i |A[i][kk]|
//   invariant:  sum_ij C_ij = a_c . b_r,  with scale a_abs . b_abs >= sum_ij (|A||B|)_ij.
#pragma once

#include <cstdint>

namespace sf::abft {

// Row sums of B (element (r, c) at b[r * ldb + c], or b[c * ldb + r] when transposed), times alpha.
void weight_row_sums(const float* b, int64_t ldb, bool transposed, int64_t k, int64_t n,
                     double alpha, double* sum, double* abs);

// Column sums of rows [i0, i1) of A (row stride lda) added into sum / abs (k entries each).
void add_column_sums(const float* a, int64_t lda, int64_t i0, int64_t i1, int64_t k, double* sum,
                     double* abs);

struct Checksum {
  double expected = 0;  // a_c . b_r
  double scale = 0;     // a_abs . b_abs
};
Checksum checksum_dot(const double* a_sum, const double* a_abs, const double* b_sum,
                      const double* b_abs, int64_t k);

}  // namespace sf::abft
