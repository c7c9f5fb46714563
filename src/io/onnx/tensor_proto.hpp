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

// `model_dir` confines external data; empty means external data is refused.
// `what` names the tensor in messages ("initializer 'conv1.weight'").
Result<Tensor> tensor_from_proto(const onnx::TensorProto& p, const std::string& model_dir,
                                 const LoadOptions& opts, const std::string& what);
// The error for an ONNX data type number that has no DType: unsupported for the ONNX types
// steadfast does not hold (complex, float8, int4, ...), invalid for numbers outside the enum.
Status onnx_dtype_error(int32_t onnx_type, const std::string& what);
// Reads a serialized TensorProto file (the conformance suite's input_N.pb / output_N.pb).
Result<Tensor> read_tensor_pb(const std::string& path, const LoadOptions& opts);

}  // namespace sf::onnx_io
