// Shapes: dims are int64; -1 marks a dimension not known before run time (static inference only).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.hpp"

namespace sf {

using Shape = std::vector<int64_t>;

constexpr int64_t kUnknownDim = -1;
// Largest rank accepted anywhere (ONNX has no limit; real models stay far below it).
constexpr size_t kMaxRank = 16;

std::string shape_str(const Shape& s);
bool shape_is_static(const Shape& s);
// Element count with overflow detection; an error names the shape.
Result<int64_t> shape_numel(const Shape& s);
// Element count for a shape already validated (static, no overflow).
int64_t shape_numel_unchecked(const Shape& s);
// Row-major strides in elements.
std::vector<int64_t> shape_strides(const Shape& s);
// Normalises an axis in [-rank, rank) (or [-rank-1, rank] when `inclusive`, for insert positions).
Result<int64_t> normalize_axis(int64_t axis, int64_t rank, bool inclusive = false);
// Multidirectional (NumPy) broadcast of two shapes; unknown dims propagate.
Result<Shape> broadcast_shapes(const Shape& a, const Shape& b);

}  // namespace sf
