// Winograd convolution binding (winograd.cpp): the per-layer choice between F(4,3), F(2,3) and
// the direct convolution, exposed so tests and benchmarks can print and check it.
#pragma once

#include <cstdint>
#include <string>

#include "core/cpu_features.hpp"
#include "core/status.hpp"

namespace sf::rt {

enum class WinogradMode : uint8_t { kOff, kF23, kF43, kAuto };

// STEADFAST_WINOGRAD = off | f23 | f43 | auto (unset: auto); an unknown value is an error.
Result<WinogradMode> winograd_mode_from_env();

// Estimated cycles of one convolution (one core) for each way of computing it.
struct WinogradEstimate {
  double direct = 0, f23 = 0, f43 = 0;
  WinogradMode choice = WinogradMode::kOff;  // kOff: the direct convolution wins
};

// The cost model (documented in winograd.cpp). gemm_isa is the BRGEMM variant's ISA, mr its row
// tile; transform_isa the transforms'. channels_last: NHWC (no gather/scatter of NCHW tiles).
WinogradEstimate winograd_estimate(int64_t n, int64_t c, int64_t k, int64_t oh, int64_t ow,
                                   bool channels_last, Isa gemm_isa, int gemm_mr,
                                   Isa transform_isa);

}  // namespace sf::rt
