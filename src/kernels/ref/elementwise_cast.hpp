// Reference conversions between element types (Cast, CastLike, mixed-type Pow).
//
//   to bool:             v != 0 (NaN -> true)
//   from bool:           0 or 1
//   float -> integer:    truncate toward zero, saturating at the type's limits; NaN -> 0
//                        (defined for every input, unlike a C++ cast)
//   integer -> integer:  modular (two's complement wrap), as NumPy's astype
//   -> float16/bfloat16: through float, round to nearest even (double -> float16 rounds twice,
//                        which can differ from a single rounding by 1 ulp in rare halfway cases)
//   otherwise:           static_cast (round to nearest for int -> float and double -> float)
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "kernels/ref/numeric.hpp"

namespace sf::ref {

// Float -> integer conversion with saturation; NaN -> 0.
template <typename TInt>
inline TInt saturate_cast(double d) {
  static_assert(std::is_integral_v<TInt> && !std::is_same_v<TInt, bool>);
  constexpr TInt kLo = std::numeric_limits<TInt>::lowest();
  constexpr TInt kHi = std::numeric_limits<TInt>::max();
  if (std::isnan(d)) return 0;
  // For 64-bit types double(kHi) rounds up to 2^63 / 2^64, so '>=' catches every value that
  // does not fit; every double below it truncates to a representable value.
  if (d >= static_cast<double>(kHi)) return kHi;
  if (d <= static_cast<double>(kLo)) return kLo;
  return static_cast<TInt>(d);
}

template <typename TOut, typename TIn>
inline TOut cast_value(TIn v) {
  if constexpr (std::is_same_v<TOut, TIn>) {
    return v;
  } else if constexpr (std::is_same_v<TOut, bool>) {
    if constexpr (is_half_v<TIn>) return static_cast<float>(v) != 0.0f;
    else return v != TIn(0);
  } else if constexpr (std::is_same_v<TIn, bool>) {
    if constexpr (is_half_v<TOut>) return TOut(v ? 1.0f : 0.0f);
    else return static_cast<TOut>(v ? 1 : 0);
  } else if constexpr (is_floating_v<TIn> && std::is_integral_v<TOut>) {
    return saturate_cast<TOut>(static_cast<double>(load(v)));
  } else if constexpr (is_half_v<TOut>) {
    return TOut(static_cast<float>(load(v)));
  } else {
    return static_cast<TOut>(load(v));
  }
}

template <typename TIn, typename TOut>
void cast_map(const TIn* src, TOut* dst, int64_t n) {
  for (int64_t i = 0; i < n; ++i) dst[i] = cast_value<TOut>(src[i]);
}

}  // namespace sf::ref
