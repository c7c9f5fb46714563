// Element type helpers for reference kernels: arithmetic on float16/bfloat16 is done in float.
#pragma once

#include <type_traits>

#include "core/half.hpp"

namespace sf::ref {

template <typename T>
struct ComputeType { using type = T; };
template <> struct ComputeType<Float16> { using type = float; };
template <> struct ComputeType<BFloat16> { using type = float; };
template <typename T>
using compute_t = typename ComputeType<T>::type;

template <typename T>
inline compute_t<T> load(T v) { return static_cast<compute_t<T>>(v); }
template <typename T>
inline T store(compute_t<T> v) {
  if constexpr (std::is_same_v<T, Float16> || std::is_same_v<T, BFloat16>) return T(v);
  else return static_cast<T>(v);
}

template <typename T>
inline constexpr bool is_half_v = std::is_same_v<T, Float16> || std::is_same_v<T, BFloat16>;
template <typename T>
inline constexpr bool is_floating_v = std::is_floating_point_v<T> || is_half_v<T>;

}  // namespace sf::ref
