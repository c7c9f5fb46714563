#include "io/onnx/tensor_proto.hpp"

#include <onnx/onnx_pb.h>

#include <charconv>
#include <cstring>
#include <limits>
#include <fstream>
#include <sstream>

#include "io/onnx/external_data.hpp"
#include "io/onnx/wire_scan.hpp"

namespace sf::onnx_io {

namespace {

// Copies a repeated proto field into the tensor, converting each element to T.
template <typename T, typename Field>
Status copy_typed(const Field& field, Tensor& t, const std::string& what, const char* field_name) {
  if (static_cast<int64_t>(field.size()) != t.numel())
    return invalid_model(what + ": " + field_name + " holds " + std::to_string(field.size()) +
                         " values but shape " + shape_str(t.shape()) + " needs " +
                         std::to_string(t.numel()));
  T* dst = t.data<T>();
  for (int64_t i = 0; i < t.numel(); ++i) {
    if constexpr (std::is_same_v<T, Float16> || std::is_same_v<T, BFloat16>) {
      // float16/bfloat16 travel as raw bits in int32_data.
      dst[i].bits = static_cast<uint16_t>(field.Get(static_cast<int>(i)));
    } else {
      dst[i] = static_cast<T>(field.Get(static_cast<int>(i)));
    }
  }
  return Status::ok();
}

Status fill_from_typed_fields(const onnx::TensorProto& p, Tensor& t, const std::string& what) {
  switch (t.dtype()) {
    case DType::kF32: return copy_typed<float>(p.float_data(), t, what, "float_data");
    case DType::kF64: return copy_typed<double>(p.double_data(), t, what, "double_data");
    case DType::kI64: return copy_typed<int64_t>(p.int64_data(), t, what, "int64_data");
    case DType::kU64: return copy_typed<uint64_t>(p.uint64_data(), t, what, "uint64_data");
    case DType::kU32: return copy_typed<uint32_t>(p.uint64_data(), t, what, "uint64_data");
    case DType::kI32: return copy_typed<int32_t>(p.int32_data(), t, what, "int32_data");
    case DType::kI16: return copy_typed<int16_t>(p.int32_data(), t, what, "int32_data");
    case DType::kU16: return copy_typed<uint16_t>(p.int32_data(), t, what, "int32_data");
    case DType::kI8: return copy_typed<int8_t>(p.int32_data(), t, what, "int32_data");
    case DType::kU8: return copy_typed<uint8_t>(p.int32_data(), t, what, "int32_data");
    case DType::kBool: {
      const auto& f = p.int32_data();
      if (static_cast<int64_t>(f.size()) != t.numel())
        return invalid_model(what + ": int32_data holds " + std::to_string(f.size()) +
                             " values but shape " + shape_str(t.shape()) + " needs " +
                             std::to_string(t.numel()));
      for (int64_t i = 0; i < t.numel(); ++i) t.data<bool>()[i] = f.Get(static_cast<int>(i)) != 0;
      return Status::ok();
    }
    case DType::kF16: return copy_typed<Float16>(p.int32_data(), t, what, "int32_data");
    case DType::kBF16: return copy_typed<BFloat16>(p.int32_data(), t, what, "int32_data");
    case DType::kUndefined:
    case DType::kString: break;
  }
  return internal_error(what + ": unexpected dtype");
}

}  // namespace

Status onnx_dtype_error(int32_t v, const std::string& what) {
  // ONNX types steadfast cannot hold: named, and refused as unsupported rather than invalid.
  static const std::pair<int32_t, const char*> kKnown[] = {
      {14, "complex64"},      {15, "complex128"}, {17, "float8e4m3fn"}, {18, "float8e4m3fnuz"},
      {19, "float8e5m2"},     {20, "float8e5m2fnuz"}, {21, "uint4"},    {22, "int4"},
      {23, "float4e2m1"}};
  for (const auto& [num, name] : kKnown)
    if (num == v)
      return unsupported(what + ": data type " + std::to_string(v) + " (" + name +
                         ") is not supported");
  return invalid_model(what + ": unknown data type " + std::to_string(v));
}

Result<Tensor> tensor_from_proto(const onnx::TensorProto& p, const std::string& model_dir,
                                 const LoadOptions& opts, const std::string& what,
                                 const DetachedRawData* detached) {
  const auto dt = dtype_from_onnx(p.data_type());
  if (!dt) return onnx_dtype_error(p.data_type(), what);
  if (*dt == DType::kUndefined) return invalid_model(what + ": data type is UNDEFINED");
  if (!dtype_is_supported(*dt))
    return unsupported(what + ": tensors of type " + dtype_name(*dt) + " are not supported");
  if (p.has_segment()) return unsupported(what + ": segmented tensors are not supported");
  Shape shape;
  if (static_cast<size_t>(p.dims_size()) > kMaxRank)
    return invalid_model(what + ": rank " + std::to_string(p.dims_size()) + " exceeds " +
                         std::to_string(kMaxRank));
  for (int64_t d : p.dims()) {
    if (d < 0) return invalid_model(what + ": negative dim " + std::to_string(d) + " in shape");
    shape.push_back(d);
  }
  auto numel = shape_numel(shape);
  if (!numel) return numel.status().with_context(what);
  const int64_t esize = static_cast<int64_t>(dtype_size(*dt));
  const int64_t limit = opts.max_tensor_bytes > 0 ? opts.max_tensor_bytes : MemoryLimit::kDefaultBytes;
  if (*numel > limit / esize) {
    // Refused before anything is allocated or read.
    const std::string need = *numel > std::numeric_limits<int64_t>::max() / esize
                                 ? "more than " + std::to_string(std::numeric_limits<int64_t>::max())
                                 : std::to_string(*numel * esize);
    return resource_limit(what + ": " + dtype_name(*dt) + shape_str(shape) + " needs " + need +
                          " bytes, over the limit of " + std::to_string(limit) +
                          " bytes (--max-tensor-bytes)");
  }
  const int64_t bytes = *numel * esize;

  const bool external = p.has_data_location() && p.data_location() == onnx::TensorProto::EXTERNAL;
  if (!external && p.external_data_size() > 0)
    return invalid_model(what + ": external_data entries on a tensor not marked EXTERNAL");
  const bool has_raw = detached || p.has_raw_data();
  const int64_t raw_bytes =
      detached ? detached->size : static_cast<int64_t>(p.raw_data().size());
  if (!external && has_raw && raw_bytes != bytes)
    return invalid_model(what + ": raw_data has " + std::to_string(raw_bytes) +
                         " bytes but " + dtype_name(*dt) + shape_str(shape) + " needs " +
                         std::to_string(bytes));

  SF_ASSIGN_OR_RETURN(Tensor t, Tensor::make(*dt, shape, limit));
  if (external) {
    ExternalRef ref;
    bool have_location = false;
    for (const auto& kv : p.external_data()) {
      const std::string& k = kv.key();
      const std::string& v = kv.value();
      auto parse_num = [&](int64_t& out) -> Status {
        const char* end = v.data() + v.size();
        auto [ptr, ec] = std::from_chars(v.data(), end, out);
        if (v.empty() || v[0] == '-' || ec != std::errc() || ptr != end)
          return invalid_model(what + ": external data " + k + " '" + v +
                               "' is not a non-negative 64-bit integer");
        return Status::ok();
      };
      if (k == "location") {
        ref.location = v;
        have_location = true;
      } else if (k == "offset") {
        SF_TRY(parse_num(ref.offset));
      } else if (k == "length") {
        SF_TRY(parse_num(ref.length));
      } else if (k == "checksum" || k == "basepath") {
        // Informational keys allowed by the ONNX spec; basepath is ignored on purpose.
      } else {
        return invalid_model(what + ": unknown external data key '" + k + "'");
      }
    }
    if (!have_location) return invalid_model(what + ": external data without a location");
    SF_TRY(read_external_data(model_dir, ref, t.raw(), bytes, what));
    return t;
  }
  if (has_raw) {
    if (detached) {
      if (!detached->source->read(detached->offset, t.raw(), bytes))
        return io_error(what + ": cannot read its raw_data (" + std::to_string(bytes) +
                        " bytes at offset " + std::to_string(detached->offset) +
                        ") from the model");
    } else if (bytes) {
      std::memcpy(t.raw(), p.raw_data().data(), static_cast<size_t>(bytes));
    }
    if (t.dtype() == DType::kBool)  // normalise to 0/1 so bool kernels may rely on it
      for (int64_t i = 0; i < t.numel(); ++i) t.data<uint8_t>()[i] = t.data<uint8_t>()[i] != 0;
    return t;
  }
  SF_TRY(fill_from_typed_fields(p, t, what));
  return t;
}

Result<Tensor> read_tensor_pb(const std::string& path, const LoadOptions& opts) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return io_error("cannot open '" + path + "'");
  std::stringstream ss;
  ss << f.rdbuf();
  const std::string bytes = ss.str();
  onnx::TensorProto p;
  if (!p.ParseFromString(bytes)) return invalid_argument("'" + path + "' is not a TensorProto");
  return tensor_from_proto(p, "", opts, "tensor '" + path + "'");
}

}  // namespace sf::onnx_io
