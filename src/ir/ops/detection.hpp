// Typed attributes of the detection ops (NonMaxSuppression, RoiAlign).
#pragma once

#include <cstdint>

#include "ir/attribute.hpp"

namespace sf::ir {

struct NonMaxSuppressionAttrs : OpAttrs {
  // false: boxes are [y1, x1, y2, x2] (any diagonal corner pair); true: [x_c, y_c, w, h].
  bool center_point_box = false;
};

struct RoiAlignAttrs : OpAttrs {
  bool max_mode = false;   // mode: "avg" (false) or "max"
  bool half_pixel = true;  // coordinate_transformation_mode (opset 16; opset 10
                           // behaves as output_half_pixel, i.e. false)
  int64_t output_height = 1;
  int64_t output_width = 1;
  int64_t sampling_ratio = 0;  // 0: adaptive, ceil(roi size / output size)
  float spatial_scale = 1.0f;
};

}  // namespace sf::ir
