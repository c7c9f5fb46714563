// Global-checksum pieces of a GEMM (gemm_checksum.hpp). Loops run along contiguous memory with one
// accumulator per column, so the compiler vectorises them without reassociating any sum.
#include "abft/gemm_checksum.hpp"

#include <cmath>

namespace sf::abft {

void weight_row_sums(const float* b, int64_t ldb, bool transposed, int64_t k, int64_t n,
                     double alpha, double* sum, double* abs) {
  for (int64_t r = 0; r < k; ++r) sum[r] = 0, abs[r] = 0;
  if (!transposed) {
    for (int64_t r = 0; r < k; ++r) {
      const float* row = b + r * ldb;
      double s = 0, t = 0;
      for (int64_t c = 0; c < n; ++c) s += row[c], t += std::fabs(row[c]);
      sum[r] = alpha * s;
      abs[r] = std::fabs(alpha) * t;
    }
    return;
  }
  for (int64_t c = 0; c < n; ++c) {  // B^T stored: column c of B is row c of the buffer
    const float* col = b + c * ldb;
    for (int64_t r = 0; r < k; ++r) sum[r] += col[r], abs[r] += std::fabs(col[r]);
  }
  for (int64_t r = 0; r < k; ++r) sum[r] *= alpha, abs[r] *= std::fabs(alpha);
}

void add_column_sums(const float* a, int64_t lda, int64_t i0, int64_t i1, int64_t k, double* sum,
                     double* abs) {
  for (int64_t i = i0; i < i1; ++i) {
    const float* row = a + i * lda;
    for (int64_t kk = 0; kk < k; ++kk) {
      const double v = row[kk];
      sum[kk] += v;
      abs[kk] += std::fabs(v);
    }
  }
}

Checksum checksum_dot(const double* a_sum, const double* a_abs, const double* b_sum,
                      const double* b_abs, int64_t k) {
  Checksum c;
  for (int64_t kk = 0; kk < k; ++kk) {
    c.expected += a_sum[kk] * b_sum[kk];
    c.scale += a_abs[kk] * b_abs[kk];
  }
  return c;
}

}  // namespace sf::abft
