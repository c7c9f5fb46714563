// TensorProto -> Tensor, with every size and type checked before allocation.
#pragma once

#include <cstdint>
#include <string>

#include "core/status.hpp"
#include "core/tensor.hpp"
#include "io/onnx/load_options.hpp"

namespace onnx {
class TensorProto;
}

namespace sf::onnx_io {

class ByteSource;  // io/onnx/wire_scan.hpp

// An initializer's raw_data that the loader kept out of the parsed proto (wire_scan.hpp):
// `size` bytes at `offset` of `source`, read straight into the tensor.
struct DetachedRawData {
  const ByteSource* source = nullptr;
  int64_t offset = 0;
  int64_t size = 0;
};

// `model_dir` confines external data; empty means external data is refused.
// `what` names the tensor in messages ("initializer 'conv1.weight'"). `detached`, when given,
// is the tensor's raw_data (the proto then has none of its own).
Result<Tensor> tensor_from_proto(const onnx::TensorProto& p, const std::string& model_dir,
                                 const LoadOptions& opts, const std::string& what,
                                 const DetachedRawData* detached = nullptr);
// The error for an ONNX data type number that has no DType: unsupported for the ONNX types
// steadfast does not hold (complex, float8, int4, ...), invalid for numbers outside the enum.
Status onnx_dtype_error(int32_t onnx_type, const std::string& what);
// Reads a serialized TensorProto file (the conformance suite's input_N.pb / output_N.pb).
Result<Tensor> read_tensor_pb(const std::string& path, const LoadOptions& opts);

}  // namespace sf::onnx_io
