// Binds nn nodes to the reference kernels.
#include "runtime/kernel_registry.hpp"

namespace sf::rt {

void register_nn_kernels() {}

}  // namespace sf::rt
