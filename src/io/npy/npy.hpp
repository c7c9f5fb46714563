// NumPy .npy and .npz files (format version 1.0-3.0; .npz read through libzip, stored or
// deflated). Every header field is checked: a corrupt header, an unsupported dtype, Fortran order
// or a data size that disagrees with the shape is an InvalidArgument naming the file.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "core/status.hpp"
#include "core/tensor.hpp"

namespace sf::npy {

Result<Tensor> read_npy(const std::string& path, int64_t max_bytes = MemoryLimit::kDefaultBytes);
Result<Tensor> parse_npy(const std::string& bytes, const std::string& what,
                         int64_t max_bytes = MemoryLimit::kDefaultBytes);
std::string serialize_npy(const Tensor& t);
Status write_npy(const std::string& path, const Tensor& t);

using NamedTensors = std::vector<std::pair<std::string, Tensor>>;
Result<NamedTensors> read_npz(const std::string& path, int64_t max_bytes = MemoryLimit::kDefaultBytes);
Status write_npz(const std::string& path, const NamedTensors& tensors);

}  // namespace sf::npy
