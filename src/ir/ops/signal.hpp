// Typed attributes of the signal ops (Det, the window functions, DFT, STFT, MelWeightMatrix,
// GridSample).
#pragma once

#include <cstdint>

#include "core/dtype.hpp"
#include "ir/attribute.hpp"

namespace sf::ir {

// HannWindow, HammingWindow, BlackmanWindow, MelWeightMatrix: the dtype of the generated tensor.
struct SignalGenAttrs : OpAttrs {
  bool periodic = true;  // windows only: periodic (N = size) or symmetric (N = size - 1)
  DType output_dtype = DType::kF32;
};

struct DftAttrs : OpAttrs {
  int64_t axis = 1;  // as written; normalised against the input rank at inference
  bool inverse = false;
  bool onesided = false;
};

struct StftAttrs : OpAttrs {
  bool onesided = true;
};

enum class GridSampleMode { kBilinear, kNearest, kBicubic };
enum class GridSamplePadding { kZeros, kBorder, kReflection };

struct GridSampleAttrs : OpAttrs {
  GridSampleMode mode = GridSampleMode::kBilinear;
  GridSamplePadding padding = GridSamplePadding::kZeros;
  bool align_corners = false;
};

}  // namespace sf::ir
