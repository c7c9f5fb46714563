// Typed attributes of the elementwise ops (those that have any).
#pragma once

#include "ir/attribute.hpp"

namespace sf::ir {
}  // namespace sf::ir
