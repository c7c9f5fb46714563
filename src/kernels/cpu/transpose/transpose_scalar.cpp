// Scalar 2-D transpose of 4-byte elements (formula in transpose.hpp): 8x8 blocks so that each
// block reads 8 source rows and writes 8 destination rows, both staying in cache; column strips
// outer, so each destination row is written front to back. Exact.
#include "kernels/cpu/transpose/transpose.hpp"

#include <algorithm>

namespace sf::cpu {

void transpose_b32__scalar_8x8(const uint32_t* src, int64_t lds, uint32_t* dst, int64_t ldd,
                               int64_t rows, int64_t cols) {
  constexpr int64_t kT = 8;
  for (int64_t j0 = 0; j0 < cols; j0 += kT) {
    const int64_t j1 = std::min(cols, j0 + kT);
    for (int64_t i0 = 0; i0 < rows; i0 += kT) {
      const int64_t i1 = std::min(rows, i0 + kT);
      for (int64_t j = j0; j < j1; ++j)
        for (int64_t i = i0; i < i1; ++i) dst[j * ldd + i] = src[i * lds + j];
    }
  }
}

}  // namespace sf::cpu
