#pragma once

#include <cstdint>
#include <string>

#include "core/tensor.hpp"

namespace sf::onnx_io {

// Caps on what a model file may ask for; each is checked before memory is committed.
struct LoadOptions {
  int64_t max_tensor_bytes = MemoryLimit::kDefaultBytes;  // any single tensor
  int64_t max_file_bytes = int64_t{2} << 30;              // the .onnx file itself (protobuf limit)
  int max_subgraph_depth = 16;                             // If/Loop/Scan nesting
  int64_t max_nodes = 1'000'000;
};

}  // namespace sf::onnx_io
