// linalg ops: typed attributes, validation and inference.
#include "ir/op_schema.hpp"

namespace sf::ir {

void register_linalg_schemas() {}

}  // namespace sf::ir
