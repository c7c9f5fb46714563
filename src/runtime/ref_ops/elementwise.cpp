// Registers the elementwise run functions; they live in elementwise_{unary,binary,cast}.cpp.
#include "runtime/ref_ops/elementwise_common.hpp"
#include "runtime/ref_ops/families.hpp"

namespace sf::rt {

void register_elementwise_kernels() {
  elementwise::register_unary_kernels();
  elementwise::register_binary_kernels();
  elementwise::register_cast_kernels();
}

}  // namespace sf::rt
