// One registration function per op family, matching src/ir/ops/families.hpp.
#pragma once

namespace sf::rt {

void register_elementwise_kernels();
void register_linalg_kernels();
void register_nn_kernels();
void register_reduce_kernels();
void register_tensor_kernels();
void register_recurrent_kernels();
void register_detection_kernels();
void register_control_kernels();
void register_signal_kernels();
void register_fused_kernels();
void register_layout_kernels();

inline void register_all_ref_kernels() {
  register_elementwise_kernels();
  register_linalg_kernels();
  register_nn_kernels();
  register_reduce_kernels();
  register_tensor_kernels();
  register_recurrent_kernels();
  register_detection_kernels();
  register_control_kernels();
  register_signal_kernels();
  register_fused_kernels();
  register_layout_kernels();
}

}  // namespace sf::rt
