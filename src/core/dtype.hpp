// Element types. The numeric values equal ONNX TensorProto.DataType so that the importer
// and the .pb readers need no table; the engine itself only uses the names.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/half.hpp"

namespace sf {

enum class DType : int32_t {
  kUndefined = 0,
  kF32 = 1,
  kU8 = 2,
  kI8 = 3,
  kU16 = 4,
  kI16 = 5,
  kI32 = 6,
  kI64 = 7,
  kString = 8,  // recognised so errors can name it; never stored
  kBool = 9,
  kF16 = 10,
  kF64 = 11,
  kU32 = 12,
  kU64 = 13,
  kBF16 = 16,
};

// Bytes per element; 0 for kUndefined and kString.
size_t dtype_size(DType t);
const char* dtype_name(DType t);
// True for the types steadfast can hold in a Tensor.
bool dtype_is_supported(DType t);
bool dtype_is_float(DType t);    // f16, bf16, f32, f64
bool dtype_is_integer(DType t);  // signed or unsigned integer (not bool)
bool dtype_is_signed(DType t);
// From an ONNX TensorProto.DataType number; nullopt for values outside the enum.
std::optional<DType> dtype_from_onnx(int32_t v);
// From a NumPy descr like "<f4", "|b1", "<i8".
std::optional<DType> dtype_from_numpy(std::string_view descr);
std::string dtype_to_numpy(DType t);

// Compile-time mapping between C++ element types and DType.
template <typename T> struct DTypeOf;
template <> struct DTypeOf<float> { static constexpr DType value = DType::kF32; };
template <> struct DTypeOf<double> { static constexpr DType value = DType::kF64; };
template <> struct DTypeOf<Float16> { static constexpr DType value = DType::kF16; };
template <> struct DTypeOf<BFloat16> { static constexpr DType value = DType::kBF16; };
template <> struct DTypeOf<int8_t> { static constexpr DType value = DType::kI8; };
template <> struct DTypeOf<uint8_t> { static constexpr DType value = DType::kU8; };
template <> struct DTypeOf<int16_t> { static constexpr DType value = DType::kI16; };
template <> struct DTypeOf<uint16_t> { static constexpr DType value = DType::kU16; };
template <> struct DTypeOf<int32_t> { static constexpr DType value = DType::kI32; };
template <> struct DTypeOf<uint32_t> { static constexpr DType value = DType::kU32; };
template <> struct DTypeOf<int64_t> { static constexpr DType value = DType::kI64; };
template <> struct DTypeOf<uint64_t> { static constexpr DType value = DType::kU64; };
template <> struct DTypeOf<bool> { static constexpr DType value = DType::kBool; };

template <typename T> struct TypeTag { using type = T; };

// Calls f(TypeTag<T>{}) for the C++ type of `t`. Returns false for unsupported types.
template <typename F>
bool visit_dtype(DType t, F&& f) {
  switch (t) {
    case DType::kF32: f(TypeTag<float>{}); return true;
    case DType::kF64: f(TypeTag<double>{}); return true;
    case DType::kF16: f(TypeTag<Float16>{}); return true;
    case DType::kBF16: f(TypeTag<BFloat16>{}); return true;
    case DType::kI8: f(TypeTag<int8_t>{}); return true;
    case DType::kU8: f(TypeTag<uint8_t>{}); return true;
    case DType::kI16: f(TypeTag<int16_t>{}); return true;
    case DType::kU16: f(TypeTag<uint16_t>{}); return true;
    case DType::kI32: f(TypeTag<int32_t>{}); return true;
    case DType::kU32: f(TypeTag<uint32_t>{}); return true;
    case DType::kI64: f(TypeTag<int64_t>{}); return true;
    case DType::kU64: f(TypeTag<uint64_t>{}); return true;
    case DType::kBool: f(TypeTag<bool>{}); return true;
    case DType::kUndefined:
    case DType::kString: return false;
  }
  return false;
}

}  // namespace sf
