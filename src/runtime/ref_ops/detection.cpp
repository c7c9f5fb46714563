// Binds detection nodes to the reference kernels.
#include "runtime/kernel_registry.hpp"

namespace sf::rt {

void register_detection_kernels() {}

}  // namespace sf::rt
