// Fast 2-D fp32 convolution (kernels/cpu/conv): direct NHWC convolution on BRGEMM, one GEMM for
// 1x1 stride-1 layers, per-group BRGEMM for grouped layers and a vectorised depthwise kernel.
// ONNX Conv (NCHW) is transposed to NHWC in scratch and back; a channels-last convolution
// (FusedConv with channels_last) reads and writes NHWC directly.
#pragma once

#include <memory>
#include <string>

#include "core/activation.hpp"
#include "ir/ops/linalg.hpp"
#include "runtime/fast_kernel.hpp"

namespace sf::rt {

// What one convolution node asks for; fixed at prepare time.
struct ConvFastSpec {
  std::string label;  // the node, for errors
  ir::ConvAttrs attrs;
  int64_t out_c = 0, in_per_group = 0, kernel_h = 0, kernel_w = 0;  // W [M, C/group, kH, kW]
  ActivationSpec act;
  bool channels_last = false;  // X, R, Y NHWC (else NCHW)
};

// Builds the fast kernel. Inputs at run time: X, W, [B], [R] (R has Y's shape and layout).
// `weights`, when given (a constant W and ExecOptions::pack_weights), is packed now; otherwise
// W is packed on every run. Returns nullptr for shapes the kernels do not cover. With
// abft == kTile, non-depthwise layers run the `_abft` BRGEMM twin with checksum columns.
// `static_x`, the input shape known at load time, lets runs on it skip the geometry.
Result<std::unique_ptr<PreparedKernel>> make_conv_fast_kernel(
    const ConvFastSpec& spec, const Tensor* weights, abft::Scheme abft = abft::Scheme::kNone,
    const Shape* static_x = nullptr);

// Depthwise: group == C == M (one filter per channel); runs on the depthwise kernels.
bool conv_is_depthwise(const ConvFastSpec& spec);
bool conv_is_depthwise(int64_t out_c, int64_t in_per_group, int64_t group);

// The global scheme's activation checksum of a BRGEMM convolution is taken tile by tile while
// the tile's input is in cache (conv.cpp), so the global check adds no pass over memory, when the
// layer has at least this many outputs per group (with fewer, those sums would cost more than a
// separate summed-area pass; so would per-tile sums over kConvTileSumsMaxFloats).
inline constexpr int64_t kConvTileSumsMinOutPerGroup = 16;
inline constexpr int64_t kConvTileSumsMaxFloats = int64_t{1} << 21;
// Whether a (non-depthwise) convolution with W [out_c, in_per_group, kH, kW] in `group` groups
// takes them in its tiles.
bool conv_global_sums_in_tiles(int64_t out_c, int64_t in_per_group, int64_t group);

// Depthwise layers take them per output row. That is taps * C adds per output pixel, about the
// layer's own work, plus per-row slots of taps * C; duplication costs the layer again plus a copy
// and a comparison of its output. Measured per layer on MobileNetV2 and EfficientNet-Lite0
// (docs/abft-overhead.md): the global check costs less on all six layers with outputs of 56x56
// pixels or more, and more on all but two of the 27 from 28x28 down (one cheaper, one even),
// where the output is small and the slots are not; `--abft auto` therefore gives depthwise layers
// the global check from this many output pixels, and duplication below.
inline constexpr int64_t kDepthwiseGlobalMinPixels = 56 * 56;

// Registers the Conv and FusedConv PrepareFns (2-D, fp32). They decline (reference runs) non-depthwise layers
// when the only BRGEMM variant max_isa() allows is the scalar one, which is slower than the
// reference; make_conv_fast_kernel itself builds any variant (tests use it).
void register_conv_fast_kernels();

}  // namespace sf::rt
