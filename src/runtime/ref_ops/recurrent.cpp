// Binds recurrent nodes to the reference kernels.
#include "runtime/kernel_registry.hpp"

namespace sf::rt {

void register_recurrent_kernels() {}

}  // namespace sf::rt
