// Channels-last (NHWC) forms of the layout-sensitive ops, internal ops made by the layout pass
// (src/ir/passes/layout_nhwc.cpp), never read from a file:
//   MaxPoolNhwc, AveragePoolNhwc   X [N, H, W, C] -> Y [N, OH, OW, C]; PoolAttrs and window
//                                  placement (pool_geometry) exactly as MaxPool / AveragePool
//                                  with 2 spatial dims; MaxPoolNhwc has no Indices output.
//   GlobalAveragePoolNhwc          X [N, H, W, C] -> Y [N, 1, 1, C]
// All take float32 only (the layout pass rewrites fp32 convolution regions).
#pragma once

#include "ir/ops/nn.hpp"

namespace sf::ir {

// Spatial dims [H, W] of an NHWC shape.
inline Shape nhwc_spatial(const Shape& s) { return Shape{s[1], s[2]}; }

}  // namespace sf::ir
