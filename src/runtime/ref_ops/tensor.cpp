// Binds tensor nodes to the reference kernels (kernels/ref/tensor_copy, tensor_index,
// tensor_unique, resize). The bindings are split by theme like the IR files:
//   tensor_shape.cpp   Identity Reshape Flatten Squeeze Unsqueeze Shape Size Expand Tile Transpose
//   tensor_layout.cpp  Concat Split Slice Pad DepthToSpace SpaceToDepth
//   tensor_index.cpp   Gather* Scatter* Compress NonZero Unique ReverseSequence OneHot Trilu
//   tensor_gen.cpp     Constant ConstantOfShape Range EyeLike
//   tensor_resize.cpp  Resize Upsample
#include "runtime/ref_ops/tensor_common.hpp"

namespace sf::rt {

void register_tensor_kernels() {
  tensor_detail::register_shape_kernels();
  tensor_detail::register_layout_kernels();
  tensor_detail::register_index_kernels();
  tensor_detail::register_generator_kernels();
  tensor_detail::register_resize_kernels();
}

}  // namespace sf::rt
