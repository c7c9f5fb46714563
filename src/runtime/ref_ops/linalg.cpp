// Binds linalg nodes to the reference kernels.
#include "runtime/kernel_registry.hpp"

namespace sf::rt {

void register_linalg_kernels() {}

}  // namespace sf::rt
