// Execution knobs of a session. There is no non-deterministic mode: every kernel splits work
// over independent output blocks only, so outputs are bit-identical for any thread count.
// Every optimisation has a switch so benchmarks can turn one off
// at a time (the ablation table in docs/performance.md) and tests can compare paths.
#pragma once

#include "abft/scheme.hpp"

namespace sf::rt {

struct ExecOptions {
  int threads = 1;             // resolved: >= 1
  bool fast_kernels = true;    // false: reference kernels only
  bool fuse = true;            // graph fusion passes (BatchNorm folding, epilogues, patterns)
  bool layout = true;          // channels-last layout for convolution chains
  bool winograd = true;        // Winograd F(2,3)/F(4,3) for eligible 3x3 stride-1 convolutions
  bool pack_weights = true;    // pack constant weights once at load (else per run)
  bool memory_plan = true;     // one arena with liveness-based reuse
  // Soft-error protection (src/abft/README.md). Off by default.
  abft::Mode abft = abft::Mode::kOff;
  abft::Select abft_select = abft::Select::kIntensity;
  bool abft_dmr_other = false;  // also duplicate the layers no checksum covers (non-GEMM ops)
  double abft_balance = 0;      // FLOP per byte where layers turn compute-bound; 0: probe/cache
};

}  // namespace sf::rt
