// Binds control nodes to the reference kernels.
#include "runtime/kernel_registry.hpp"

namespace sf::rt {

void register_control_kernels() {}

}  // namespace sf::rt
