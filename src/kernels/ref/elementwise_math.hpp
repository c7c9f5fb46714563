// Reference per-element formulas for the elementwise ops, as function objects applied by the
// loops in elementwise.hpp. Each operator() takes and returns the compute type C (compute_t<T>:
// float for float16/bfloat16, otherwise T itself) unless noted; float attributes are converted
// to C. Accumulation is in C; results are exact to C's rounding of std:: math.
//
// Integer arithmetic is defined for every input: Add/Sub/Mul/Neg/Abs/Pow wrap (two's
// complement, like NumPy); Div truncates toward zero and x / -1 wraps; Mod by -1 is 0. Division
// or Mod by zero is refused by the caller before the kernel runs (precondition b != 0).
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "kernels/ref/elementwise_cast.hpp"
#include "kernels/ref/numeric.hpp"

namespace sf::ref {

// ---------------------------------------------------------------------------------------------
// Integer helpers: arithmetic in an unsigned type at least as wide as `unsigned`, so that no
// signed overflow (UB) and no promotion of small unsigned types to signed int can occur.

template <typename T>
using wide_unsigned_t =
    std::conditional_t<(sizeof(T) < sizeof(unsigned)), unsigned, std::make_unsigned_t<T>>;

template <typename T>
inline T wrap_add(T a, T b) {
  using U = wide_unsigned_t<T>;
  return static_cast<T>(static_cast<U>(a) + static_cast<U>(b));
}
template <typename T>
inline T wrap_sub(T a, T b) {
  using U = wide_unsigned_t<T>;
  return static_cast<T>(static_cast<U>(a) - static_cast<U>(b));
}
template <typename T>
inline T wrap_mul(T a, T b) {
  using U = wide_unsigned_t<T>;
  return static_cast<T>(static_cast<U>(a) * static_cast<U>(b));
}
template <typename T>
inline T wrap_neg(T a) {
  using U = wide_unsigned_t<T>;
  return static_cast<T>(U{0} - static_cast<U>(a));
}

// base^exp for integers by repeated squaring, wrapping. A negative exponent gives the
// truncated value of 1/base^|exp|: 1 for base 1, +-1 for base -1, else 0 (also for base 0).
template <typename T>
inline T int_pow(T base, T exp) {
  if constexpr (std::is_signed_v<T>) {
    if (exp < 0) {
      if (base == 1) return 1;
      if (base == -1) return (exp % 2 == 0) ? T(1) : T(-1);
      return 0;
    }
  }
  using U = wide_unsigned_t<T>;
  U result = 1;
  U b = static_cast<U>(base);
  auto e = static_cast<std::make_unsigned_t<T>>(exp);
  while (e != 0) {
    if (e & 1u) result = static_cast<U>(result * b);
    b = static_cast<U>(b * b);
    e = static_cast<decltype(e)>(e >> 1);
  }
  return static_cast<T>(result);
}

template <typename C>
inline constexpr bool is_int_v = std::is_integral_v<C> && !std::is_same_v<C, bool>;

// ---------------------------------------------------------------------------------------------
// Unary math

struct AbsFn {
  template <typename C> C operator()(C x) const {
    if constexpr (std::is_floating_point_v<C>) return std::fabs(x);
    else if constexpr (std::is_signed_v<C>) return x < 0 ? wrap_neg(x) : x;
    else return x;
  }
};
struct NegFn {
  template <typename C> C operator()(C x) const {
    if constexpr (std::is_floating_point_v<C>) return -x;
    else return wrap_neg(x);
  }
};
// sign(x) in {-1, 0, 1}; NaN stays NaN.
struct SignFn {
  template <typename C> C operator()(C x) const {
    if constexpr (std::is_floating_point_v<C>) {
      if (std::isnan(x)) return x;
      return x > 0 ? C(1) : (x < 0 ? C(-1) : C(0));
    } else if constexpr (std::is_signed_v<C>) {
      return x > 0 ? C(1) : (x < 0 ? C(-1) : C(0));
    } else {
      return x > 0 ? C(1) : C(0);
    }
  }
};
// erf; integer inputs are evaluated in double and truncated (so 0 or +-1).
struct ErfFn {
  template <typename C> C operator()(C x) const {
    if constexpr (std::is_floating_point_v<C>) return std::erf(x);
    else return saturate_cast<C>(std::erf(static_cast<double>(x)));
  }
};
struct CeilFn { template <typename C> C operator()(C x) const { return std::ceil(x); } };
struct FloorFn { template <typename C> C operator()(C x) const { return std::floor(x); } };
// Round half to even (nearbyint in the default rounding mode).
struct RoundFn { template <typename C> C operator()(C x) const { return std::nearbyint(x); } };
struct ReciprocalFn { template <typename C> C operator()(C x) const { return C(1) / x; } };
struct SqrtFn { template <typename C> C operator()(C x) const { return std::sqrt(x); } };
struct ExpFn { template <typename C> C operator()(C x) const { return std::exp(x); } };
struct LogFn { template <typename C> C operator()(C x) const { return std::log(x); } };
struct TanhFn { template <typename C> C operator()(C x) const { return std::tanh(x); } };
struct SinFn { template <typename C> C operator()(C x) const { return std::sin(x); } };
struct CosFn { template <typename C> C operator()(C x) const { return std::cos(x); } };
struct TanFn { template <typename C> C operator()(C x) const { return std::tan(x); } };
struct AsinFn { template <typename C> C operator()(C x) const { return std::asin(x); } };
struct AcosFn { template <typename C> C operator()(C x) const { return std::acos(x); } };
struct AtanFn { template <typename C> C operator()(C x) const { return std::atan(x); } };
struct SinhFn { template <typename C> C operator()(C x) const { return std::sinh(x); } };
struct CoshFn { template <typename C> C operator()(C x) const { return std::cosh(x); } };
struct AsinhFn { template <typename C> C operator()(C x) const { return std::asinh(x); } };
struct AcoshFn { template <typename C> C operator()(C x) const { return std::acosh(x); } };
struct AtanhFn { template <typename C> C operator()(C x) const { return std::atanh(x); } };

// Predicates: return bool.
struct IsNaNFn { template <typename C> bool operator()(C x) const { return std::isnan(x); } };
struct IsInfFn {
  bool detect_negative = true, detect_positive = true;
  template <typename C> bool operator()(C x) const {
    return std::isinf(x) && (x > 0 ? detect_positive : detect_negative);
  }
};
struct NotFn { bool operator()(bool x) const { return !x; } };

// ---------------------------------------------------------------------------------------------
// Activations

// max(x, 0); NaN stays NaN.
struct ReluFn {
  template <typename C> C operator()(C x) const {
    if constexpr (std::is_floating_point_v<C>) return x > 0 ? x : (std::isnan(x) ? x : C(0));
    else return x > 0 ? x : C(0);
  }
};
// x >= 0 ? x : alpha * x
struct LeakyReluFn {
  float alpha;
  template <typename C> C operator()(C x) const { return x >= 0 ? x : C(alpha) * x; }
};
// x >= 0 ? x : alpha * (exp(x) - 1)
struct EluFn {
  float alpha;
  template <typename C> C operator()(C x) const { return x >= 0 ? x : C(alpha) * std::expm1(x); }
};
// gamma * (x > 0 ? x : alpha * (exp(x) - 1))
struct SeluFn {
  float alpha, gamma;
  template <typename C> C operator()(C x) const {
    return C(gamma) * (x > 0 ? x : C(alpha) * std::expm1(x));
  }
};
// max(0, x) + min(0, alpha * (exp(x / alpha) - 1))
struct CeluFn {
  float alpha;
  template <typename C> C operator()(C x) const {
    const C a = C(alpha);
    return x > 0 ? x : a * std::expm1(x / a);
  }
};
// 1 / (1 + exp(-x)), evaluated so that exp never overflows.
struct SigmoidFn {
  template <typename C> C operator()(C x) const {
    if (x >= 0) return C(1) / (C(1) + std::exp(-x));
    const C e = std::exp(x);
    return e / (C(1) + e);
  }
};
// clamp(alpha * x + beta, 0, 1); NaN stays NaN.
struct HardSigmoidFn {
  float alpha, beta;
  template <typename C> C operator()(C x) const {
    const C v = C(alpha) * x + C(beta);
    return v < 0 ? C(0) : (v > 1 ? C(1) : v);
  }
};
// x * clamp(x / 6 + 1/2, 0, 1)
struct HardSwishFn {
  template <typename C> C operator()(C x) const {
    const C v = x / C(6) + C(0.5);
    return x * (v < 0 ? C(0) : (v > 1 ? C(1) : v));
  }
};
// log(1 + exp(x)), evaluated so that exp never overflows.
struct SoftplusFn {
  template <typename C> C operator()(C x) const {
    return x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x));
  }
};
// x / (1 + |x|)
struct SoftsignFn {
  template <typename C> C operator()(C x) const { return x / (C(1) + std::fabs(x)); }
};
// none: x/2 * (1 + erf(x / sqrt(2)));  tanh: x/2 * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3)))
struct GeluFn {
  bool tanh_approximation = false;
  template <typename C> C operator()(C x) const {
    constexpr double kInvSqrt2 = 0.70710678118654752440;
    constexpr double kSqrt2OverPi = 0.79788456080286535588;
    if (tanh_approximation)
      return C(0.5) * x * (C(1) + std::tanh(C(kSqrt2OverPi) * (x + C(0.044715) * x * x * x)));
    return C(0.5) * x * (C(1) + std::erf(x * C(kInvSqrt2)));
  }
};
// x > alpha ? x : 0
struct ThresholdedReluFn {
  float alpha;
  template <typename C> C operator()(C x) const { return x > C(alpha) ? x : C(0); }
};
// x < -lambd ? x + bias : (x > lambd ? x - bias : 0); integers evaluated in double and
// converted back with saturation (as NumPy's astype after a float computation).
struct ShrinkFn {
  float bias, lambd;
  template <typename C> C operator()(C x) const {
    if constexpr (std::is_floating_point_v<C>) {
      return x < C(-lambd) ? x + C(bias) : (x > C(lambd) ? x - C(bias) : C(0));
    } else {
      const double v = static_cast<double>(x);
      const double l = lambd, b = bias;
      return saturate_cast<C>(v < -l ? v + b : (v > l ? v - b : 0.0));
    }
  }
};
// min(max(x, lo), hi): hi wins when lo > hi; NaN stays NaN.
template <typename C>
struct ClipFn {
  C lo, hi;
  C operator()(C x) const {
    const C t = x < lo ? lo : x;
    return t > hi ? hi : t;
  }
};

// ---------------------------------------------------------------------------------------------
// Binary arithmetic

struct AddFn {
  template <typename C> C operator()(C a, C b) const {
    if constexpr (is_int_v<C>) return wrap_add(a, b);
    else return a + b;
  }
};
struct SubFn {
  template <typename C> C operator()(C a, C b) const {
    if constexpr (is_int_v<C>) return wrap_sub(a, b);
    else return a - b;
  }
};
struct MulFn {
  template <typename C> C operator()(C a, C b) const {
    if constexpr (is_int_v<C>) return wrap_mul(a, b);
    else return a * b;
  }
};
// Integers: truncates toward zero; precondition b != 0.
struct DivFn {
  template <typename C> C operator()(C a, C b) const {
    if constexpr (is_int_v<C> && std::is_signed_v<C>) {
      if (b == -1) return wrap_neg(a);
      return static_cast<C>(a / b);
    } else {
      return static_cast<C>(a / b);
    }
  }
};
// fmod: result has the dividend's sign (C fmod / %); otherwise the divisor's (Python %).
// Integers: precondition b != 0. Floats are only run with fmod (the op requires it).
struct ModFn {
  bool fmod = false;
  template <typename C> C operator()(C a, C b) const {
    if constexpr (std::is_floating_point_v<C>) {
      const C r = std::fmod(a, b);
      if (fmod || r == 0 || ((r < 0) == (b < 0))) return r;
      return r + b;
    } else if constexpr (std::is_signed_v<C>) {
      if (b == -1) return 0;
      const C r = static_cast<C>(a % b);
      if (fmod || r == 0 || ((r < 0) == (b < 0))) return r;
      return static_cast<C>(r + b);
    } else {
      return static_cast<C>(a % b);
    }
  }
};
// x < 0 ? slope * x : x
struct PReluFn {
  template <typename C> C operator()(C x, C slope) const {
    if constexpr (is_int_v<C>) return x < 0 ? wrap_mul(slope, x) : x;
    else return x < 0 ? slope * x : x;
  }
};
// Same-typed Pow: std::pow for floats, int_pow for integers.
struct PowFn {
  template <typename C> C operator()(C a, C b) const {
    if constexpr (is_int_v<C>) return int_pow(a, b);
    else return std::pow(a, b);
  }
};
// Mixed-type Pow (exponent converted to double): computed in double, converted to the base
// type (integers truncate and saturate, as NumPy's power(...).astype(base type)).
struct PowMixedFn {
  template <typename C> C operator()(C a, double b) const {
    const double r = std::pow(static_cast<double>(a), b);
    if constexpr (is_int_v<C>) return saturate_cast<C>(r);
    else return static_cast<C>(r);
  }
};
// Shifts of at least the bit width give 0.
struct ShiftLeftFn {
  template <typename C> C operator()(C a, C b) const {
    using U = wide_unsigned_t<C>;
    if (b >= static_cast<C>(8 * sizeof(C))) return 0;
    return static_cast<C>(static_cast<U>(a) << b);
  }
};
struct ShiftRightFn {
  template <typename C> C operator()(C a, C b) const {
    if (b >= static_cast<C>(8 * sizeof(C))) return 0;
    return static_cast<C>(a >> b);
  }
};
// NaN-propagating max/min (as NumPy maximum/minimum).
struct MaxFn {
  template <typename C> C operator()(C a, C b) const {
    if constexpr (std::is_floating_point_v<C>) {
      if (std::isnan(a)) return a;
      if (std::isnan(b)) return b;
    }
    return a < b ? b : a;
  }
};
struct MinFn {
  template <typename C> C operator()(C a, C b) const {
    if constexpr (std::is_floating_point_v<C>) {
      if (std::isnan(a)) return a;
      if (std::isnan(b)) return b;
    }
    return b < a ? b : a;
  }
};

// Comparisons and logic: return bool.
struct EqualFn { template <typename C> bool operator()(C a, C b) const { return a == b; } };
struct GreaterFn { template <typename C> bool operator()(C a, C b) const { return a > b; } };
struct GreaterOrEqualFn { template <typename C> bool operator()(C a, C b) const { return a >= b; } };
struct LessFn { template <typename C> bool operator()(C a, C b) const { return a < b; } };
struct LessOrEqualFn { template <typename C> bool operator()(C a, C b) const { return a <= b; } };
struct AndFn { bool operator()(bool a, bool b) const { return a && b; } };
struct OrFn { bool operator()(bool a, bool b) const { return a || b; } };
struct XorFn { bool operator()(bool a, bool b) const { return a != b; } };

}  // namespace sf::ref
