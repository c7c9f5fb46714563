// Typed attributes of the elementwise ops (those that have any).
// Defaults are the ONNX defaults; parse functions in elementwise.cpp validate the values.
#pragma once

#include <cstdint>
#include <limits>

#include "core/dtype.hpp"
#include "core/shape.hpp"
#include "ir/attribute.hpp"

namespace sf::ir {

// Binary ops before opset 7 (Add, Sub, Mul, Div, Pow, And, Or, Xor, Equal, Greater, Less) did
// not broadcast NumPy-style: with broadcast=1, B's shape matches a contiguous run of A's dims
// starting at `axis` (default: A's trailing dims); with broadcast=0 the shapes must be equal.
struct LegacyBroadcastAttrs : OpAttrs {
  bool broadcast = false;
  bool has_axis = false;
  int64_t axis = 0;
};

// B's shape expanded with 1s to A's rank, so that NumPy broadcasting gives the legacy result.
// Requires rank(b) <= rank(a) and, when has_axis, axis in [-rank(a), rank(a)] with
// axis + rank(b) <= rank(a) (checked by inference).
inline Shape legacy_broadcast_b_shape(const LegacyBroadcastAttrs& attrs, const Shape& a,
                                      const Shape& b) {
  const int64_t ra = static_cast<int64_t>(a.size());
  const int64_t rb = static_cast<int64_t>(b.size());
  int64_t axis = attrs.has_axis ? attrs.axis : ra - rb;
  if (axis < 0) axis += ra;
  Shape out(a.size(), 1);
  for (int64_t i = 0; i < rb; ++i) out[static_cast<size_t>(axis + i)] = b[static_cast<size_t>(i)];
  return out;
}

struct LeakyReluAttrs : OpAttrs {
  float alpha = 0.01f;
};

struct EluAttrs : OpAttrs {
  float alpha = 1.0f;
};

struct SeluAttrs : OpAttrs {
  float alpha = 1.67326319217681884765625f;
  float gamma = 1.05070102214813232421875f;
};

struct CeluAttrs : OpAttrs {
  float alpha = 1.0f;  // never 0
};

struct HardSigmoidAttrs : OpAttrs {
  float alpha = 0.2f;
  float beta = 0.5f;
};

struct ThresholdedReluAttrs : OpAttrs {
  float alpha = 1.0f;
};

struct ShrinkAttrs : OpAttrs {
  float bias = 0.0f;
  float lambd = 0.5f;
};

enum class GeluApproximation { kNone, kTanh };

struct GeluAttrs : OpAttrs {
  GeluApproximation approximate = GeluApproximation::kNone;
};

struct IsInfAttrs : OpAttrs {
  bool detect_negative = true;
  bool detect_positive = true;
};

// Clip before opset 11 takes its bounds as attributes; from 11 on they are optional inputs and
// the node has no attributes.
struct ClipAttrs : OpAttrs {
  float min = std::numeric_limits<float>::lowest();
  float max = std::numeric_limits<float>::max();
};

// Cast's target type ("to"; a type name string before opset 6). Never kString or kUndefined.
struct CastAttrs : OpAttrs {
  DType to = DType::kF32;
};

struct ModAttrs : OpAttrs {
  bool fmod = false;  // false: integer result takes the divisor's sign (Python %)
};

enum class ShiftDirection { kLeft, kRight };

struct BitShiftAttrs : OpAttrs {
  ShiftDirection direction = ShiftDirection::kLeft;
};

}  // namespace sf::ir
