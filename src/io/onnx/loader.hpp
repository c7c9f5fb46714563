// ONNX model loading: bytes -> onnx::ModelProto (ONNX's own protobuf classes) -> ir::Graph.
// Every field a file controls is checked here or by the op's parse function; nothing a model
// file contains can reach an SF_ASSERT.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "core/status.hpp"
#include "io/onnx/load_options.hpp"
#include "ir/graph.hpp"

namespace sf::onnx_io {

struct ModelInfo {
  int64_t ir_version = 0;
  int default_opset = 0;
  std::string producer;
};

struct LoadedModel {
  std::unique_ptr<ir::Graph> graph;
  ModelInfo info;
};

// Loads a model file; external data is resolved relative to the file's folder.
Result<LoadedModel> load_model_file(const std::string& path, const LoadOptions& opts = {});
// Loads from memory; external data is refused unless `model_dir` is given.
Result<LoadedModel> load_model_bytes(const void* data, size_t size, const std::string& model_dir,
                                     const LoadOptions& opts = {});

}  // namespace sf::onnx_io
