// tensor ops: typed attributes, validation and inference.
#include "ir/op_schema.hpp"

namespace sf::ir {

void register_tensor_schemas() {}

}  // namespace sf::ir
