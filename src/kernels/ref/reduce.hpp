// Reference reductions (ReduceSum, ReduceMean, ReduceMax, ReduceMin, ReduceProd, ReduceL1,
// ReduceL2, ReduceLogSum, ReduceLogSumExp, ReduceSumSquare).
//
//   dst[o] = R_{i in reduced(o)} src[i]
//     Sum: sum x   Mean: sum x / n   Max/Min   Prod: prod x   L1: sum |x|   L2: sqrt(sum x^2)
//     LogSum: log(sum x)   LogSumExp: m + log(sum exp(x - m)), m = max x   SumSquare: sum x^2
//
// Layout: src is row-major with shape `shape`; `axes` (sorted, unique, in [0, rank)) are
// reduced; dst is row-major over the kept axes (keepdims only adds size-1 dims, which do not
// change the order). One pass over the reduced sub-block per output element.
//
// Accumulation: floating types (float16, bfloat16, float, double) accumulate in double and
// round once at the end. Integer Sum/Prod/L1/SumSquare use wrapping 64-bit arithmetic, so
// results wrap modulo 2^bits(T) like NumPy's in-type arithmetic; integer Mean/L2/LogSum/
// LogSumExp go through double and convert back truncating toward zero, saturating at T's
// range (NaN -> 0). Max/Min compare in T's compute type; a NaN input makes the result NaN.
//
// Empty reductions (a reduced dim of size 0) give the identity: 0 for Sum/L1/L2/SumSquare,
// 1 for Prod, -inf (float) / lowest (int) for Max, +inf / highest for Min, -inf for LogSum and
// LogSumExp, NaN for Mean (0 for integers).
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "kernels/ref/numeric.hpp"

namespace sf::ref {

enum class ReduceOp { kSum, kMean, kMax, kMin, kProd, kL1, kL2, kLogSum, kLogSumExp, kSumSquare };

// Converts a double result to T: rounding for floating types; for integers truncation toward
// zero with saturation at T's range and NaN -> 0 (never undefined behaviour).
template <typename T>
T from_double(double v) {
  if constexpr (is_floating_v<T>) {
    return store<T>(static_cast<compute_t<T>>(v));
  } else if constexpr (std::is_same_v<T, bool>) {
    return v != 0 && v == v;
  } else {
    if (v != v) return T(0);
    constexpr double lo = static_cast<double>(std::numeric_limits<T>::lowest());
    constexpr double hi = static_cast<double>(std::numeric_limits<T>::max());
    if (v <= lo) return std::numeric_limits<T>::lowest();
    if (v >= hi) return std::numeric_limits<T>::max();
    return static_cast<T>(v);
  }
}

// Calls f(offset) for every index of the box `dims` (row-major), offset = base + sum idx*stride.
// Nothing is called when a dim is 0; exactly once (with `base`) when dims is empty.
template <typename F>
void for_each_offset(const std::vector<int64_t>& dims, const std::vector<int64_t>& strides,
                     int64_t base, F&& f) {
  for (int64_t d : dims)
    if (d == 0) return;
  const size_t r = dims.size();
  std::vector<int64_t> idx(r, 0);
  int64_t off = base;
  while (true) {
    f(off);
    size_t k = r;
    while (k > 0) {
      --k;
      ++idx[k];
      off += strides[k];
      if (idx[k] < dims[k]) break;
      off -= strides[k] * idx[k];
      idx[k] = 0;
      if (k == 0) return;
    }
    if (r == 0) return;
  }
}

// Kept and reduced dims of `shape` with their row-major strides.
struct ReduceGeometry {
  std::vector<int64_t> kept_dims, kept_strides;
  std::vector<int64_t> red_dims, red_strides;
  int64_t red_count = 1;  // elements per reduction
};

inline ReduceGeometry reduce_geometry(const std::vector<int64_t>& shape,
                                      const std::vector<int64_t>& axes) {
  ReduceGeometry g;
  int64_t stride = 1;
  std::vector<int64_t> strides(shape.size());
  for (size_t d = shape.size(); d-- > 0;) {
    strides[d] = stride;
    stride *= shape[d];
  }
  size_t a = 0;
  for (size_t d = 0; d < shape.size(); ++d) {
    if (a < axes.size() && axes[a] == static_cast<int64_t>(d)) {
      g.red_dims.push_back(shape[d]);
      g.red_strides.push_back(strides[d]);
      g.red_count *= shape[d];
      ++a;
    } else {
      g.kept_dims.push_back(shape[d]);
      g.kept_strides.push_back(strides[d]);
    }
  }
  return g;
}

namespace detail {

template <typename T>
double reduce_one_floating(ReduceOp op, const T* src, const ReduceGeometry& g, int64_t base) {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  auto each = [&](auto&& f) {
    for_each_offset(g.red_dims, g.red_strides, base,
                    [&](int64_t off) { f(static_cast<double>(load(src[off]))); });
  };
  double acc = 0;
  switch (op) {
    case ReduceOp::kSum: each([&](double x) { acc += x; }); return acc;
    case ReduceOp::kMean:
      each([&](double x) { acc += x; });
      return acc / static_cast<double>(g.red_count);  // 0/0 = NaN for an empty set
    case ReduceOp::kMax:
      acc = -kInf;
      each([&](double x) { acc = (x != x || acc != acc) ? x + acc : (x > acc ? x : acc); });
      return acc;
    case ReduceOp::kMin:
      acc = kInf;
      each([&](double x) { acc = (x != x || acc != acc) ? x + acc : (x < acc ? x : acc); });
      return acc;
    case ReduceOp::kProd: acc = 1; each([&](double x) { acc *= x; }); return acc;
    case ReduceOp::kL1: each([&](double x) { acc += std::fabs(x); }); return acc;
    case ReduceOp::kL2: each([&](double x) { acc += x * x; }); return std::sqrt(acc);
    case ReduceOp::kLogSum: each([&](double x) { acc += x; }); return std::log(acc);
    case ReduceOp::kLogSumExp: {
      double m = -kInf;
      each([&](double x) { m = (x != x || m != m) ? x + m : (x > m ? x : m); });
      if (m != m) return m;
      if (std::isinf(m)) return m;  // all -inf (or empty): -inf; any +inf: +inf
      each([&](double x) { acc += std::exp(x - m); });
      return m + std::log(acc);
    }
    case ReduceOp::kSumSquare: each([&](double x) { acc += x * x; }); return acc;
  }
  return acc;
}

template <typename T>
T reduce_one_integer(ReduceOp op, const T* src, const ReduceGeometry& g, int64_t base) {
  auto each = [&](auto&& f) {
    for_each_offset(g.red_dims, g.red_strides, base, [&](int64_t off) { f(src[off]); });
  };
  // Wrapping accumulator: unsigned arithmetic is modular, and the final conversion to T is
  // modular too (C++20), so the result equals the sum/product computed modulo 2^bits(T).
  uint64_t acc = 0;
  double dacc = 0;
  switch (op) {
    case ReduceOp::kSum:
      each([&](T x) { acc += static_cast<uint64_t>(x); });
      return static_cast<T>(acc);
    case ReduceOp::kProd:
      acc = 1;
      each([&](T x) { acc *= static_cast<uint64_t>(x); });
      return static_cast<T>(acc);
    case ReduceOp::kL1:
      each([&](T x) {
        const auto u = static_cast<uint64_t>(x);
        if constexpr (std::is_signed_v<T>) acc += x < T(0) ? uint64_t{0} - u : u;
        else acc += u;
      });
      return static_cast<T>(acc);
    case ReduceOp::kSumSquare:
      each([&](T x) { acc += static_cast<uint64_t>(x) * static_cast<uint64_t>(x); });
      return static_cast<T>(acc);
    case ReduceOp::kMax: {
      T m = std::numeric_limits<T>::lowest();
      each([&](T x) { m = x > m ? x : m; });
      return m;
    }
    case ReduceOp::kMin: {
      T m = std::numeric_limits<T>::max();
      each([&](T x) { m = x < m ? x : m; });
      return m;
    }
    case ReduceOp::kMean:
      each([&](T x) { dacc += static_cast<double>(x); });
      return from_double<T>(dacc / static_cast<double>(g.red_count));
    case ReduceOp::kL2:
      each([&](T x) { dacc += static_cast<double>(x) * static_cast<double>(x); });
      return from_double<T>(std::sqrt(dacc));
    case ReduceOp::kLogSum:
      each([&](T x) { dacc += static_cast<double>(x); });
      return from_double<T>(std::log(dacc));
    case ReduceOp::kLogSumExp: {
      double m = -std::numeric_limits<double>::infinity();
      each([&](T x) { m = std::max(m, static_cast<double>(x)); });
      if (std::isinf(m)) return from_double<T>(m);
      each([&](T x) { dacc += std::exp(static_cast<double>(x) - m); });
      return from_double<T>(m + std::log(dacc));
    }
  }
  return T(0);
}

}  // namespace detail

// Reduces `src` (row-major, `shape`) over `axes` into `dst` (numel = product of kept dims).
template <typename T>
void reduce(ReduceOp op, const T* src, const std::vector<int64_t>& shape,
            const std::vector<int64_t>& axes, T* dst) {
  const ReduceGeometry g = reduce_geometry(shape, axes);
  int64_t o = 0;
  for_each_offset(g.kept_dims, g.kept_strides, 0, [&](int64_t base) {
    if constexpr (is_floating_v<T>)
      dst[o++] = from_double<T>(detail::reduce_one_floating(op, src, g, base));
    else
      dst[o++] = detail::reduce_one_integer(op, src, g, base);
  });
}

}  // namespace sf::ref
