// Helpers shared by the unit tests that drive single ops: attribute builders, tensors from value
// lists, a node builder and parse + run through the reference kernels (rt::run_node).
//
// Invariant: a node built here is named kNodeName, takes value ids 0..n_in-1 as inputs (an
// omitted optional input is ir::kNoValue) and writes ids n_in..n_in+n_out-1. Tests that check
// that an error names the node look for kNodeName.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "ir/op_schema.hpp"
#include "runtime/session.hpp"

namespace sf::test {

inline constexpr char kNodeName[] = "n1";
inline constexpr int kDefaultOpset = 17;

// ---- attributes ------------------------------------------------------------------------------

inline ir::Attribute int_attr(int64_t v) {
  ir::Attribute a;
  a.kind = ir::Attribute::Kind::kInt;
  a.i = v;
  return a;
}
inline ir::Attribute float_attr(float v) {
  ir::Attribute a;
  a.kind = ir::Attribute::Kind::kFloat;
  a.f = v;
  return a;
}
inline ir::Attribute string_attr(std::string v) {
  ir::Attribute a;
  a.kind = ir::Attribute::Kind::kString;
  a.s = std::move(v);
  return a;
}
inline ir::Attribute ints_attr(std::vector<int64_t> v) {
  ir::Attribute a;
  a.kind = ir::Attribute::Kind::kInts;
  a.ints = std::move(v);
  return a;
}
inline ir::Attribute floats_attr(std::vector<float> v) {
  ir::Attribute a;
  a.kind = ir::Attribute::Kind::kFloats;
  a.floats = std::move(v);
  return a;
}

// ---- tensors ---------------------------------------------------------------------------------

// Sets an environment variable for one scope and restores what was there (or its absence).
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old, had_ = true;
    ::setenv(name, value, 1);
  }
  ~ScopedEnv() {
    if (had_) ::setenv(name_.c_str(), old_.c_str(), 1);
    else ::unsetenv(name_.c_str());
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  std::string name_, old_;
  bool had_ = false;
};

// float32 values in [lo, hi) from a 32-bit LCG seeded by (seed, salt): cheap, reproducible and
// the same on every platform. lo + (hi - lo) * u with u = (state >> 8) / 2^24 is exact for the
// default [-1, 1).
inline Tensor lcg_tensor(const Shape& shape, uint32_t seed, uint32_t salt, float lo = -1.0f,
                         float hi = 1.0f) {
  Tensor t = Tensor::make(DType::kF32, shape).value();
  uint32_t state = seed * 2654435761u + salt;
  for (int64_t i = 0; i < t.numel(); ++i) {
    state = state * 1664525u + 1013904223u;
    t.data<float>()[i] = lo + (hi - lo) * static_cast<float>(state >> 8) / static_cast<float>(1 << 24);
  }
  return t;
}

// A tensor of C++ type T and `shape` holding `values` in row-major order; the number of values
// must match the shape.
template <typename T>
Tensor make_tensor(const Shape& shape, const std::vector<T>& values) {
  Tensor t = Tensor::make(DTypeOf<T>::value, shape).value();
  EXPECT_EQ(static_cast<size_t>(t.numel()), values.size());
  for (size_t i = 0; i < values.size(); ++i) t.data<T>()[i] = values[i];
  return t;
}

// The elements of `t`, which must have the dtype of T.
template <typename T>
std::vector<T> values_of(const Tensor& t) {
  EXPECT_EQ(t.dtype(), DTypeOf<T>::value);
  return std::vector<T>(t.data<T>(), t.data<T>() + t.numel());
}

// The elements of `t` of any dtype, converted to double.
inline std::vector<double> values_as_double(const Tensor& t) {
  std::vector<double> v;
  v.reserve(static_cast<size_t>(t.numel()));
  for (int64_t i = 0; i < t.numel(); ++i) v.push_back(t.double_at(i));
  return v;
}

// Every element of `got` within `tol` of `want` (absolute, as EXPECT_NEAR).
inline void expect_all_near(const Tensor& got, const std::vector<double>& want, double tol) {
  ASSERT_EQ(static_cast<size_t>(got.numel()), want.size());
  for (size_t i = 0; i < want.size(); ++i)
    EXPECT_NEAR(got.double_at(static_cast<int64_t>(i)), want[i], tol) << "element " << i;
}

// Every element of `got` within `rel_tol * (1 + |want|)` of `want`.
inline void expect_all_near_relative(const Tensor& got, const std::vector<double>& want,
                                     double rel_tol) {
  ASSERT_EQ(static_cast<size_t>(got.numel()), want.size());
  for (size_t i = 0; i < want.size(); ++i)
    EXPECT_NEAR(got.double_at(static_cast<int64_t>(i)), want[i],
                rel_tol * (1.0 + std::fabs(want[i])))
        << "element " << i;
}

// ---- nodes -----------------------------------------------------------------------------------

// An unparsed node with `n_in` inputs and `n_out` outputs (see the invariant at the top).
inline ir::Node make_node(ir::OpKind op, int opset, size_t n_in, size_t n_out,
                          ir::AttrMap attrs = {}) {
  ir::Node n;
  n.name = kNodeName;
  n.op = op;
  n.opset = opset;
  for (size_t i = 0; i < n_in; ++i) n.inputs.push_back(static_cast<ir::ValueId>(i));
  for (size_t i = 0; i < n_out; ++i) n.outputs.push_back(static_cast<ir::ValueId>(n_in + i));
  n.raw_attrs = std::move(attrs);
  return n;
}

// Parses `n` and runs it on `in` with the reference kernels.
inline Result<std::vector<Tensor>> parse_and_run(ir::Node& n, const std::vector<const Tensor*>& in,
                                                 int64_t max_bytes = MemoryLimit::kDefaultBytes) {
  SF_TRY(ir::parse_node(n));
  return rt::run_node(n, in, max_bytes);
}

// The status of parse_and_run, for the error tests.
inline Status run_status(ir::Node n, const std::vector<const Tensor*>& in,
                         int64_t max_bytes = MemoryLimit::kDefaultBytes) {
  auto r = parse_and_run(n, in, max_bytes);
  return r.is_ok() ? Status::ok() : r.status();
}

// Builds a node for `op` on `in` (nullptr marks an omitted optional input), parses it and runs
// it; returns all `n_out` outputs.
inline Result<std::vector<Tensor>> run_op_outputs(ir::OpKind op,
                                                  const std::vector<const Tensor*>& in,
                                                  ir::AttrMap attrs = {},
                                                  int opset = kDefaultOpset, size_t n_out = 1) {
  ir::Node n = make_node(op, opset, in.size(), n_out, std::move(attrs));
  for (size_t i = 0; i < in.size(); ++i)
    if (!in[i]) n.inputs[i] = ir::kNoValue;
  return parse_and_run(n, in);
}

// run_op_outputs for a single-output node: returns its output.
inline Result<Tensor> run_op(ir::OpKind op, const std::vector<const Tensor*>& in,
                             ir::AttrMap attrs = {}, int opset = kDefaultOpset) {
  SF_ASSIGN_OR_RETURN(std::vector<Tensor> out, run_op_outputs(op, in, std::move(attrs), opset));
  return out.at(0);
}

}  // namespace sf::test
