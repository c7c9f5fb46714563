// One registration function per op family (the second column of ops.def).
#pragma once

namespace sf::ir {

void register_elementwise_schemas();
void register_linalg_schemas();
void register_nn_schemas();
void register_reduce_schemas();
void register_tensor_schemas();
void register_recurrent_schemas();
void register_detection_schemas();
void register_control_schemas();
void register_signal_schemas();
void register_fused_schemas();
void register_layout_schemas();

inline void register_all_schemas() {
  register_elementwise_schemas();
  register_linalg_schemas();
  register_nn_schemas();
  register_reduce_schemas();
  register_tensor_schemas();
  register_recurrent_schemas();
  register_detection_schemas();
  register_control_schemas();
  register_signal_schemas();
  register_fused_schemas();
  register_layout_schemas();
}

}  // namespace sf::ir
