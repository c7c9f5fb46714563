// Tensor: a dense, row-major, 64-byte-aligned buffer with a dtype and a static shape.
// Copies share the buffer (like a shared_ptr); clone() makes a deep copy.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "core/dtype.hpp"
#include "core/shape.hpp"
#include "core/status.hpp"

namespace sf {

// A cap on any single tensor's size, checked before allocating. 0 means the default.
struct MemoryLimit {
  static constexpr int64_t kDefaultBytes = int64_t{16} << 30;  // 16 GiB
  int64_t max_tensor_bytes = kDefaultBytes;
};

class Tensor {
 public:
  Tensor() = default;

  // Allocates zero-filled storage; refuses unsupported dtypes, bad shapes and sizes over `limit`.
  static Result<Tensor> make(DType dtype, const Shape& shape,
                             int64_t limit_bytes = MemoryLimit::kDefaultBytes);
  // Wraps external memory without owning it (the caller keeps it alive).
  static Tensor view(DType dtype, const Shape& shape, void* data);
  // A page-aligned byte buffer whose contents are not initialised (memory arenas, scratch), from
  // BufferPool::global(): released arenas are reused by the next request of a similar size.
  static Result<Tensor> make_arena(int64_t bytes);
  // A tensor over `bytes` of this buffer starting at `byte_offset`, sharing its ownership (a slot
  // of an arena). The caller guarantees the range lies inside the buffer.
  Tensor sub_buffer(int64_t byte_offset, DType dtype, const Shape& shape) const;

  bool empty() const { return dtype_ == DType::kUndefined; }
  DType dtype() const { return dtype_; }
  const Shape& shape() const { return shape_; }
  int64_t rank() const { return static_cast<int64_t>(shape_.size()); }
  int64_t dim(int64_t i) const { return shape_[static_cast<size_t>(i)]; }
  int64_t numel() const { return numel_; }
  size_t nbytes() const { return static_cast<size_t>(numel_) * dtype_size(dtype_); }

  void* raw() { return data_; }
  const void* raw() const { return data_; }
  template <typename T> T* data() { return static_cast<T*>(data_); }
  template <typename T> const T* data() const { return static_cast<const T*>(data_); }

  Tensor clone() const;
  // Same buffer, new shape of equal element count.
  Result<Tensor> reshaped(const Shape& shape) const;
  // Reads element i of an integer tensor as int64 (for shape-like inputs).
  int64_t int_at(int64_t i) const;
  // Reads element i of a numeric tensor as double.
  double double_at(int64_t i) const;
  std::string describe() const;  // "float32[1,3,224,224]"

 private:
  DType dtype_ = DType::kUndefined;
  Shape shape_;
  int64_t numel_ = 0;
  std::shared_ptr<std::byte> owner_;
  void* data_ = nullptr;
};

}  // namespace sf
