// External tensor data, confined to the model's folder: no absolute paths, no "..", no symlink
// that leads out of the folder, regular files only, offset+length inside the file.
#pragma once

#include <cstdint>
#include <string>

#include "core/status.hpp"

namespace sf::onnx_io {

struct ExternalRef {
  std::string location;
  int64_t offset = 0;
  int64_t length = -1;  // -1: not given
};

// Reads `bytes` bytes of `ref` into dst; `bytes` is what the tensor's dims and dtype require.
Status read_external_data(const std::string& model_dir, const ExternalRef& ref, void* dst,
                          int64_t bytes, const std::string& what);

}  // namespace sf::onnx_io
