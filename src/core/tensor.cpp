#include "core/tensor.hpp"

#include "core/large_alloc.hpp"

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>

#include "core/buffer_pool.hpp"
#include "core/large_alloc.hpp"

namespace sf {

namespace {
constexpr size_t kAlignment = 64;

std::shared_ptr<std::byte> aligned_alloc_bytes(size_t bytes, bool zero) {
  const size_t padded = ((bytes + kAlignment - 1) / kAlignment) * kAlignment;
  void* p = large_aligned_alloc(kAlignment, padded == 0 ? kAlignment : padded);
  if (!p) return nullptr;
  if (zero) std::memset(p, 0, padded == 0 ? kAlignment : padded);
  return std::shared_ptr<std::byte>(static_cast<std::byte*>(p), [](std::byte* q) { std::free(q); });
}
std::shared_ptr<std::byte> aligned_alloc_zeroed(size_t bytes) { return aligned_alloc_bytes(bytes, true); }
}  // namespace

Result<Tensor> Tensor::make(DType dtype, const Shape& shape, int64_t limit_bytes) {
  if (!dtype_is_supported(dtype))
    return unsupported(std::string("tensors of type ") + dtype_name(dtype) + " are not supported");
  SF_ASSIGN_OR_RETURN(const int64_t n, shape_numel(shape));
  const int64_t esize = static_cast<int64_t>(dtype_size(dtype));
  if (limit_bytes <= 0) limit_bytes = MemoryLimit::kDefaultBytes;
  if (n > limit_bytes / esize)
    return resource_limit("tensor " + std::string(dtype_name(dtype)) + shape_str(shape) + " needs " +
                          std::to_string(static_cast<double>(n) * esize) +
                          " bytes, over the memory limit of " + std::to_string(limit_bytes) +
                          " bytes");
  Tensor t;
  t.dtype_ = dtype;
  t.shape_ = shape;
  t.numel_ = n;
  t.owner_ = aligned_alloc_zeroed(static_cast<size_t>(n * esize));
  if (!t.owner_)
    return resource_limit("out of memory allocating " + std::to_string(n * esize) + " bytes");
  t.data_ = t.owner_.get();
  return t;
}

Result<Tensor> Tensor::make_arena(int64_t bytes) {
  if (bytes < 0) return internal_error("negative arena size");
  Tensor t;
  t.dtype_ = DType::kU8;
  t.shape_ = {bytes};
  t.numel_ = bytes;
  t.owner_ = BufferPool::global().take(static_cast<size_t>(bytes));
  if (!t.owner_) return resource_limit("out of memory allocating an arena of " + std::to_string(bytes) + " bytes");
  t.data_ = t.owner_.get();
  return t;
}

Tensor Tensor::sub_buffer(int64_t byte_offset, DType dtype, const Shape& shape) const {
  Tensor t;
  t.dtype_ = dtype;
  t.shape_ = shape;
  t.numel_ = shape_numel_unchecked(shape);
  t.owner_ = owner_;
  t.data_ = static_cast<std::byte*>(data_) + byte_offset;
  return t;
}

Tensor Tensor::view(DType dtype, const Shape& shape, void* data) {
  Tensor t;
  t.dtype_ = dtype;
  t.shape_ = shape;
  t.numel_ = shape_numel_unchecked(shape);
  t.data_ = data;
  return t;
}

Tensor Tensor::clone() const {
  if (empty()) return {};
  Tensor t;
  t.dtype_ = dtype_;
  t.shape_ = shape_;
  t.numel_ = numel_;
  t.owner_ = aligned_alloc_zeroed(nbytes());
  SF_ASSERT(t.owner_ != nullptr);
  t.data_ = t.owner_.get();
  if (nbytes()) std::memcpy(t.data_, data_, nbytes());
  return t;
}

Result<Tensor> Tensor::reshaped(const Shape& shape) const {
  SF_ASSIGN_OR_RETURN(const int64_t n, shape_numel(shape));
  if (n != numel_)
    return invalid_model("cannot reshape " + describe() + " to " + shape_str(shape));
  Tensor t = *this;
  t.shape_ = shape;
  return t;
}

int64_t Tensor::int_at(int64_t i) const {
  int64_t v = 0;
  visit_dtype(dtype_, [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (std::is_integral_v<T>) v = static_cast<int64_t>(data<T>()[i]);
    else {
      // Saturate, NaN -> 0: a float-to-int cast out of range is undefined behaviour in C++.
      double d;
      if constexpr (std::is_same_v<T, double>) d = data<T>()[i];
      else d = static_cast<float>(data<T>()[i]);
      v = d != d ? 0
          : d >= 9.2233720368547758e18 ? INT64_MAX
          : d <= -9.2233720368547758e18 ? INT64_MIN
                                        : static_cast<int64_t>(d);
    }
  });
  return v;
}

double Tensor::double_at(int64_t i) const {
  double v = 0;
  visit_dtype(dtype_, [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (std::is_same_v<T, Float16> || std::is_same_v<T, BFloat16>)
      v = static_cast<float>(data<T>()[i]);
    else v = static_cast<double>(data<T>()[i]);
  });
  return v;
}

std::string Tensor::describe() const { return std::string(dtype_name(dtype_)) + shape_str(shape_); }

}  // namespace sf
