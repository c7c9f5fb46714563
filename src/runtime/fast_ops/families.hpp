// One registration function per fast-kernel family (src/runtime/fast_ops/<family>.cpp). Order
// matters: for one op, kernels registered first are offered the node first.
#pragma once

namespace sf::rt {

void register_conv_fast_kernels();
void register_pool_fast_kernels();

inline void register_all_fast_kernels() {
  register_conv_fast_kernels();
  register_pool_fast_kernels();
}

}  // namespace sf::rt
