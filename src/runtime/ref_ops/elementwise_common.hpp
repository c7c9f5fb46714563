// Shared helpers of the elementwise run functions (elementwise_*.cpp): which element types a
// run function instantiates for, and the registration entry points of each file.
#pragma once

#include <type_traits>

#include "core/dtype.hpp"
#include "kernels/ref/numeric.hpp"

namespace sf::rt::elementwise {

// Mirrors the type classes checked by inference in src/ir/ops/elementwise.cpp; a run function
// instantiates its kernel only for the types of its class.
enum class Types { kFloat, kSignedNumeric, kNumeric, kUnsigned, kBool, kAny };

template <Types K, typename T>
inline constexpr bool accepts_v = [] {
  constexpr bool is_bool = std::is_same_v<T, bool>;
  constexpr bool is_float = ref::is_floating_v<T>;
  constexpr bool is_int = std::is_integral_v<T> && !is_bool;
  switch (K) {
    case Types::kFloat: return is_float;
    case Types::kSignedNumeric: return is_float || (is_int && std::is_signed_v<T>);
    case Types::kNumeric: return is_float || is_int;
    case Types::kUnsigned: return is_int && std::is_unsigned_v<T>;
    case Types::kBool: return is_bool;
    case Types::kAny: return true;
  }
  return false;
}();

void register_unary_kernels();
void register_binary_kernels();
void register_cast_kernels();

}  // namespace sf::rt::elementwise
