// Winograd convolution F(m x m, 3 x 3) in fp32 for 3x3, stride 1, dilation 1, group 1 (Lavin &
// Gray 2016), built from four stages:
//
//   filter  U[xi][c][k] = (G g_{k,c} G^T)[xi]           once at prepare, packed as BRGEMM B
//   input   V[xi][t][c] = (B^T d_{t,c} B)[xi]            d: the alpha x alpha patch of tile t
//   GEMM    M[xi][t][k] = sum_c V[xi][t][c] U[xi][c][k]  alpha^2 independent [T x C] x [C x K]
//   output  Y_{t,k} = act(A^T M[.][t][k] A + bias[k] + residual)   the m x m outputs of tile t
//
// xi runs over the alpha^2 = (m + 2)^2 positions of a transformed tile. Two tile sizes:
//
//   F(2,3), alpha 4, points 0, 1, -1, inf:
//     B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]
//     G   = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1]
//     A^T = [1 1 1 0; 0 1 -1 -1]
//   F(4,3), alpha 6, points 0, 1, -1, 2, -1/2, inf (Toom-Cook; mixing 2 with -1/2 instead of
//   Lavin's 0, +-1, +-2 balances the entries' magnitudes: Barabasz et al. 2020, "Error analysis
//   and improving the accuracy of Winograd convolution"; measured 3x lower worst-case error):
//     B^T = [1 3/2 -2 -3/2 1 0; 0 -1 -5/2 -1/2 1 0; 0 1 1/2 -5/2 1 0;
//            0 -1/2 -1 1/2 1 0; 0 2 -1 -2 1 0; 0 1 3/2 -2 -3/2 1]
//     G   = [1 0 0; -1/3 -1/3 -1/3; 1/3 -1/3 1/3; 1/15 2/15 4/15; -16/15 8/15 -4/15; 0 0 1]
//     A^T = [1 1 1 1 1 0; 0 1 -1 2 -1/2 0; 0 1 1 4 1/4 0; 0 1 -1 8 -1/8 1]
//   B^T and A^T are exact in fp32; G is applied in double and U rounded once to fp32. Points
//   0, +-1, +-2, +-1/2 together (7 of them) only fit alpha 8 (F(6,3)), which is not offered.
//
// Expected error. Let S = sum_{c,kh,kw} |x| |w| over an output's receptive field and eps = 2^-24;
// for Winograd take S_tile, the largest S among the outputs of the tile (the transforms mix the
// whole alpha x alpha patch, so an edge output next to zero padding inherits its tile's scale).
// The worst-case bound of direct convolution is ~9C eps S; Winograd adds the rounding of the
// transforms, amplified by the size of their entries (F(2,3): B, A hold 0/+-1; F(4,3): |B^T| row
// sums up to 7, |A^T| row sums up to 11.1, G's thirds and fifteenths inexact). Rounding errors
// of random sign grow like the square root of the number of terms, so the bound the tests use is
//   |err| <= gamma sqrt(C + alpha^2) eps S_tile,   gamma = 2 for F(2,3), 4 for F(4,3).
// Measured (tests/unit/kernels/winograd_test.cpp, uniform [-1, 1] data, C = 64 / 256), worst
// err / (eps S or S_tile): direct (reference order) 2.9 / 2.1, F(2,3) 1.0 / 0.9, F(4,3) 7.7 / 5.2
// (Lavin's points: 14 / 9); so F(2,3) is as accurate as direct convolution and F(4,3) is 2-3x
// less accurate (about 1e-6 relative to S, far inside the 1e-3 / 1e-4 model tolerances).
//
// Layouts: X and Y are NCHW or NHWC (channels_last); the residual has Y's shape and layout; the
// weights are ONNX [K, C, 3, 3]. The transforms are vectorised along channels, so they work on
// channel-contiguous data: V and M are [alpha^2][T][C or K] (tile-major, channel-contiguous).
// NHWC interior tiles are read in place; border tiles (padding) and NCHW tiles are first gathered
// into an alpha x alpha x C patch (zeros outside the input). NHWC outputs are written in place;
// NCHW outputs go through an m x m x K staging tile that is scattered to the K planes.
//
// Accumulation: fp32 throughout (transforms, then BRGEMM over C in a fixed order). A tile's result
// depends only on its own data and the fixed block size, never on the thread count: blocks of
// tiles are the unit of parallelism and no reduction is split.
//
// ABFT (WinogradAbft; shared references/abft.md §2, §5, §7). Both schemes protect the GEMM
// stage, the alpha^2 products M[xi] = V[xi] U[xi] that hold nearly all of the FLOPs:
//   tile    the `_abft` BRGEMM twin checks every register tile against checksum columns of packed
//           U made at prepare (winograd_pack_u_checks, brgemm_pack_checks per xi) and recomputes
//           a failing tile in the kernel; alarms go to a TileCheckLog.
//   global  per block of tiles (T tiles) and per position xi, in the block's own call:
//             sum_{t,k} M[xi][t][k]  ==  sum_c (sum_t V[xi][t][c]) * Ubar[xi][c]
//           with Ubar[xi][c] = sum_k U[xi][c][k] summed in fp64 at prepare from the packed fp32
//           U the GEMM multiplies (winograd_u_sums), the V column sums taken in fp32 after the
//           block's input transform, just before position xi's GEMM reads V[xi] (in L2; the pass
//           brings it closer for the GEMM), and sum M from the BRGEMM's out_sum hook (the
//           pre-epilogue accumulators, one sum per block: deterministic for any thread count).
//           Scale S = sum_c (sum_t |V[xi][t][c]|) * (sum_k |U[xi][c][k]|) >= sum_{t,k,c} |V||U|.
//           Tolerance checksum_tolerance(n, S) (core/fp_bounds.hpp), n counting every rounding
//           on either side:
//             C            the C-term dot of each M element (fp32 FMA chain: gamma_C)
//             R + lanes    the kernel's tile sum: R = mr * nr / lanes fp32 register adds, then
//                          the lanes (in fp64; counted as fp32 roundings to stay on the safe side;
//                          the scalar BRGEMM is charged R = mr * nr with lanes = 1)
//             T            the fp32 column sums of V over the block's T tiles (error <= gamma_T S)
//             4            every fp64 step (Ubar over K, the C-term checksum dot, the sum of the
//                          tile sums): an fp64 rounding is 2^-29 of an fp32 one, so 4 covers up
//                          to 2^31 of them, far more than K + C + the tiles of any layer.
//           Each position is checked on its own (no sum over xi), so alpha^2 enters no count. A
//           block's result is its worst position (WinogradBlockCheck); the caller fails the layer
//           if any block fails and reports the worst block.
// Coverage: a fault in an accumulator of the GEMMs, or in V or U as the GEMM reads them after the
// checksums were taken (U's checksums are made at prepare, so later corruption of U in memory
// is seen), changes sum M against the checksum. Not covered by either scheme: the input transform
// and the NCHW gather before it (a wrong V is summed into the checksum as computed, so the check
// agrees with it), and after the GEMM the output transform, the NCHW scatter and the epilogue
// (bias, residual, activation): a checksum on the transformed-domain GEMM cannot see them. Only
// duplicating the layer (--abft dmr) covers those stages; they are O(alpha^2 T (C + K)) vector
// adds against the GEMMs' 2 alpha^2 T C K FLOPs.
#pragma once

#include <cstdint>
#include <span>

#include "core/activation.hpp"
#include "core/cpu_features.hpp"
#include "kernels/cpu/gemm/brgemm.hpp"

namespace sf::cpu {

enum class WinogradTile : uint8_t { kF23 = 0, kF43 = 1 };

constexpr int winograd_m(WinogradTile t) { return t == WinogradTile::kF23 ? 2 : 4; }
constexpr int winograd_alpha(WinogradTile t) { return winograd_m(t) + 2; }
const char* winograd_tile_name(WinogradTile t);  // "f23" | "f43"

// Input transform of one tile over `channels` channels: src holds the alpha x alpha patch with
// element (i, j, c) at src[i * row_stride + j * col_stride + c] (channels contiguous); writes
// V position xi = i * alpha + j of channel c to dst[xi * dst_stride + c].
using WinogradInputFn = void (*)(const float* src, int64_t row_stride, int64_t col_stride,
                                 int64_t channels, float* dst, int64_t dst_stride);

// Output transform of one tile: src[xi * src_stride + k] is M at position xi for channel k.
// Writes dst[i * dst_row + j * dst_col + k] = act(Y(i, j, k) + bias[k] + residual(i, j, k)) for
// i < rows, j < cols (a tile at the bottom/right edge keeps only rows x cols of its m x m).
struct WinogradOutputArgs {
  const float* src = nullptr;
  int64_t src_stride = 0;
  int64_t channels = 0;
  const float* bias = nullptr;  // [channels] or nullptr
  float* dst = nullptr;
  int64_t dst_row = 0, dst_col = 0;
  int rows = 0, cols = 0;
  const float* residual = nullptr;  // or nullptr; element (i, j, k) at i*res_row + j*res_col + k
  int64_t res_row = 0, res_col = 0;
  ActivationSpec act;
};
using WinogradOutputFn = void (*)(const WinogradOutputArgs& args);

// Column sums of a row-major block (the global check's V sums): sum[c] = sum_{r < rows} src[r *
// ld + c] and abs[c] = sum_r |src[r * ld + c]| in fp32, rows added in order (c < cols).
using WinogradColumnSumsFn = void (*)(const float* src, int64_t rows, int64_t ld, int64_t cols,
                                      float* sum, float* abs);

// One ISA's transforms (the list is kernels.inc), indexed by WinogradTile.
struct WinogradKernel {
  const char* isa_name;  // "avx512" | "avx2" | "scalar"
  Isa isa;
  WinogradInputFn input[2];
  WinogradOutputFn output[2];
  WinogradColumnSumsFn column_sums;
};

// Every compiled variant, best first (scalar last); the best max_isa() allows.
std::span<const WinogradKernel> winograd_kernels();
const WinogradKernel& winograd_select();

// Filter transform + packing: w is [K, C, 3, 3]; dst receives alpha^2 packed B operands of
// [C x K] (pack_b_panels layout with `nr`), position xi at dst + xi * packed_b_floats(C, K, nr).
int64_t winograd_packed_u_floats(WinogradTile t, int64_t c, int64_t k, int nr);
void winograd_transform_filter(WinogradTile t, const float* w, int64_t k, int64_t c, int nr,
                               float* dst);

// ABFT side data of the packed U (see the ABFT paragraph above), made once at prepare.
// Tile scheme: brgemm_pack_checks of every position's packed U, position xi at
// dst + xi * (winograd_u_check_floats / alpha^2).
int64_t winograd_u_check_floats(WinogradTile t, int64_t c, int64_t k, int nr);
void winograd_pack_u_checks(WinogradTile t, const float* u, int64_t c, int64_t k, int nr,
                            float* dst);
// Global scheme: sum[xi * c + ic] = sum_k U[xi][ic][k] and abs[...] = sum_k |U[xi][ic][k]|, in
// fp64 from the packed fp32 U (alpha^2 * c entries each).
void winograd_u_sums(WinogradTile t, const float* u, int64_t c, int64_t k, int nr, double* sum,
                     double* abs);

// The checks one call of winograd_conv_tiles runs (either or both; nullptr: none).
struct WinogradAbft {
  // Tile scheme: `gemm` must be an `_abft` variant (BrgemmKernel::abft).
  const float* u_checks = nullptr;  // winograd_pack_u_checks
  TileCheckLog* log = nullptr;      // required with u_checks
  // Global scheme.
  const double* u_sum = nullptr;    // winograd_u_sums
  const double* u_abs = nullptr;
};

// The global check of one block: the position whose comparison is worst (winograd_check_merge).
struct WinogradBlockCheck {
  double result = 0, checksum = 0, tolerance = 0;
  bool verified = true;  // every position's checksum and tolerance were finite
  bool passed = true;    // every verifiable position agreed
  bool any = false;      // a position has been merged in
};
// Folds c into `into`: the flags combine (all verified, all passed) and the numbers become the
// worse comparison's: a failing one over a passing one, then the larger |result - checksum| /
// tolerance (non-finite counts as largest), a verifiable one over an unverifiable one.
void winograd_check_merge(WinogradBlockCheck& into, const WinogradBlockCheck& c);

// One convolution's geometry and epilogue.
struct WinogradConv {
  WinogradTile tile = WinogradTile::kF43;
  bool channels_last = false;
  int64_t n = 0, c = 0, h = 0, w = 0;  // input
  int64_t k = 0, oh = 0, ow = 0;       // output channels and size
  int64_t pad_top = 0, pad_left = 0;
  const float* bias = nullptr;         // [k] or nullptr
  const float* residual = nullptr;     // Y-shaped and laid out, or nullptr
  ActivationSpec act;
};

// Tiles of the whole batch (n * ceil(oh/m) * ceil(ow/m)), and their blocks: a block's V and M
// (alpha^2 * T * (C + K) floats) stay within about half of a 1 MiB L2 at T = at least 8 tiles;
// a layer of more tiles is split into an even number of blocks whose sizes differ by at most
// one tile (block b is [winograd_block_begin(b), winograd_block_begin(b + 1)); 49 tiles in 4
// blocks: 12, 12, 12, 13, not 13, 13, 13, 10, which gave one of two threads 13% more), and
// winograd_block_tiles is the largest. All depend only on the layer, never on the thread count.
int64_t winograd_tile_count(const WinogradConv& p);
int64_t winograd_block_count(const WinogradConv& p);
int64_t winograd_block_tiles(const WinogradConv& p);
int64_t winograd_block_begin(const WinogradConv& p, int64_t b);
// Scratch floats one call of winograd_conv_tiles needs for `block` tiles.
int64_t winograd_scratch_floats(const WinogradConv& p, int64_t block);

// Computes the outputs of tiles [tile_begin, tile_end) (at most `block` of them, the block the
// scratch was sized for): input transform, alpha^2 BRGEMMs with `gemm` against the packed u,
// output transform with the epilogue. Tiles are numbered image-major, then tile row, tile column.
// With `abft`, runs its checks on the GEMMs; the global one writes the block's result to *check
// (required when abft->u_sum is set). The outputs are bit-identical with and without checks.
void winograd_conv_tiles(const WinogradConv& p, const WinogradKernel& transforms,
                         const BrgemmKernel& gemm, const float* u, const float* x, float* y,
                         int64_t tile_begin, int64_t tile_end, float* scratch,
                         const WinogradAbft* abft = nullptr, WinogradBlockCheck* check = nullptr);

}  // namespace sf::cpu
