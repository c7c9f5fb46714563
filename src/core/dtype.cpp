#include "core/dtype.hpp"

namespace sf {

size_t dtype_size(DType t) {
  switch (t) {
    case DType::kF32: case DType::kI32: case DType::kU32: return 4;
    case DType::kF64: case DType::kI64: case DType::kU64: return 8;
    case DType::kF16: case DType::kBF16: case DType::kI16: case DType::kU16: return 2;
    case DType::kI8: case DType::kU8: case DType::kBool: return 1;
    case DType::kUndefined: case DType::kString: return 0;
  }
  return 0;
}

const char* dtype_name(DType t) {
  switch (t) {
    case DType::kUndefined: return "undefined";
    case DType::kF32: return "float32";
    case DType::kU8: return "uint8";
    case DType::kI8: return "int8";
    case DType::kU16: return "uint16";
    case DType::kI16: return "int16";
    case DType::kI32: return "int32";
    case DType::kI64: return "int64";
    case DType::kString: return "string";
    case DType::kBool: return "bool";
    case DType::kF16: return "float16";
    case DType::kF64: return "float64";
    case DType::kU32: return "uint32";
    case DType::kU64: return "uint64";
    case DType::kBF16: return "bfloat16";
  }
  return "unknown";
}

bool dtype_is_supported(DType t) { return dtype_size(t) != 0; }

bool dtype_is_float(DType t) {
  return t == DType::kF32 || t == DType::kF64 || t == DType::kF16 || t == DType::kBF16;
}

bool dtype_is_integer(DType t) {
  switch (t) {
    case DType::kI8: case DType::kU8: case DType::kI16: case DType::kU16:
    case DType::kI32: case DType::kU32: case DType::kI64: case DType::kU64: return true;
    default: return false;
  }
}

bool dtype_is_signed(DType t) {
  return t == DType::kI8 || t == DType::kI16 || t == DType::kI32 || t == DType::kI64 ||
         dtype_is_float(t);
}

std::optional<DType> dtype_from_onnx(int32_t v) {
  switch (v) {
    case 0: case 1: case 2: case 3: case 4: case 5: case 6: case 7: case 8: case 9:
    case 10: case 11: case 12: case 13: case 16:
      return static_cast<DType>(v);
    default: return std::nullopt;
  }
}

std::optional<DType> dtype_from_numpy(std::string_view d) {
  if (d.size() < 2) return std::nullopt;
  // Byte order: '<' little, '|' not applicable, '=' native (little here). Big-endian is refused.
  if (d[0] != '<' && d[0] != '|' && d[0] != '=') return std::nullopt;
  const std::string_view k = d.substr(1);
  if (k == "f4") return DType::kF32;
  if (k == "f8") return DType::kF64;
  if (k == "f2") return DType::kF16;
  if (k == "i1") return DType::kI8;
  if (k == "u1") return DType::kU8;
  if (k == "i2") return DType::kI16;
  if (k == "u2") return DType::kU16;
  if (k == "i4") return DType::kI32;
  if (k == "u4") return DType::kU32;
  if (k == "i8") return DType::kI64;
  if (k == "u8") return DType::kU64;
  if (k == "b1") return DType::kBool;
  return std::nullopt;
}

std::string dtype_to_numpy(DType t) {
  switch (t) {
    case DType::kF32: return "<f4";
    case DType::kF64: return "<f8";
    case DType::kF16: return "<f2";
    case DType::kBF16: return "<u2";  // NumPy has no bfloat16: raw bits
    case DType::kI8: return "|i1";
    case DType::kU8: return "|u1";
    case DType::kI16: return "<i2";
    case DType::kU16: return "<u2";
    case DType::kI32: return "<i4";
    case DType::kU32: return "<u4";
    case DType::kI64: return "<i8";
    case DType::kU64: return "<u8";
    case DType::kBool: return "|b1";
    case DType::kUndefined: case DType::kString: return "";
  }
  return "";
}

}  // namespace sf
