// Binds tensor nodes to the reference kernels.
#include "runtime/kernel_registry.hpp"

namespace sf::rt {

void register_tensor_kernels() {}

}  // namespace sf::rt
