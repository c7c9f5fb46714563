// Per-run scratch floats for fast kernels: uninitialised, page-aligned, from BufferPool::global(),
// so a layer's scratch is the same memory on every run (no fresh pages, no page-offset drift).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "core/buffer_pool.hpp"

namespace sf::rt {

class ScratchFloats {
 public:
  explicit ScratchFloats(int64_t floats)
      : buf_(BufferPool::global().take(static_cast<size_t>(floats > 0 ? floats : 1) *
                                       sizeof(float))) {}
  // False when the system had no memory left.
  explicit operator bool() const { return buf_ != nullptr; }
  float* data() const { return reinterpret_cast<float*>(buf_.get()); }

 private:
  std::shared_ptr<std::byte> buf_;
};

}  // namespace sf::rt
