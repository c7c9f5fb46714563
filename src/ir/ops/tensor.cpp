// tensor ops: typed attributes, validation and inference. The ops are split by theme:
//   tensor_shape.cpp   Identity Reshape Flatten Squeeze Unsqueeze Shape Size Expand Tile
//   tensor_layout.cpp  Transpose Concat Split Slice Pad DepthToSpace SpaceToDepth
//   tensor_index.cpp   Gather* Scatter* Compress NonZero Unique ReverseSequence OneHot Trilu
//   tensor_gen.cpp     Constant ConstantOfShape Range EyeLike
//   tensor_resize.cpp  Resize Upsample
#include "ir/ops/tensor.hpp"

#include "ir/op_schema.hpp"
#include "ir/ops/tensor_common.hpp"

namespace sf::ir {

Result<std::vector<int64_t>> tensor_to_ints(const Tensor& t, const char* what) {
  if (t.dtype() != DType::kI64 && t.dtype() != DType::kI32)
    return invalid_model(std::string(what) + " must be int32 or int64, got " +
                         dtype_name(t.dtype()));
  if (t.rank() > 1)
    return invalid_model(std::string(what) + " must be 1-D, got shape " + shape_str(t.shape()));
  std::vector<int64_t> v(static_cast<size_t>(t.numel()));
  for (int64_t i = 0; i < t.numel(); ++i) v[static_cast<size_t>(i)] = t.int_at(i);
  return v;
}

void register_tensor_schemas() {
  tensor_detail::register_shape_schemas();
  tensor_detail::register_layout_schemas();
  tensor_detail::register_index_schemas();
  tensor_detail::register_generator_schemas();
  tensor_detail::register_resize_schemas();
}

}  // namespace sf::ir
