// Batched blocked transpose, the canonical form every Transpose the runtime accepts reduces to:
//
//   src [N, A, B, C] (dense) -> dst [N, B, A, C] (dense):  dst[n, b, a, c] = src[n, a, b, c]
//
// C == 1 is a plain 2-D transpose of 4-byte elements (fp32, int32, uint32: moved as bits, so
// the result is exact, NaN payloads included) done in register tiles (16x16 with AVX-512
// unpack/shuffle transposes, masked at the edges; 8x8 with AVX2, scalar edges; 8x8 blocked scalar
// loops). C > 1 moves contiguous runs of C elements of any size with memcpy. No arithmetic, so
// every variant is bit-identical to the reference strided copy.
#pragma once

#include <cstdint>
#include <span>

#include "core/cpu_features.hpp"

namespace sf::cpu {

// dst[j * ldd + i] = src[i * lds + j] for i < rows, j < cols (4-byte elements, strides in
// elements). src and dst must not overlap.
using Transpose2dFn = void (*)(const uint32_t* src, int64_t lds, uint32_t* dst, int64_t ldd,
                               int64_t rows, int64_t cols);

struct TransposeKernel {
  const char* name;  // transpose_b32__<isa>_<tile>x<tile>
  Isa isa;
  int tile;
  Transpose2dFn fn;
};

// Every compiled 2-D variant, best first (the scalar one last).
std::span<const TransposeKernel> transpose_kernels();
// The best variant max_isa() allows.
const TransposeKernel& transpose_select();

// One [A, B, C] -> [B, A, C] slice, output rows b in [b_begin, b_end): each (b, a) pair moves
// one run of `run_bytes` (= C * element size) bytes. Pure memcpy, any element size.
void transpose_runs(const void* src, void* dst, int64_t a, int64_t b, int64_t run_bytes,
                    int64_t b_begin, int64_t b_end);

}  // namespace sf::cpu
