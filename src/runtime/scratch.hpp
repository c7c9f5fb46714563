// Per-run scratch floats for fast kernels: uninitialised, page-aligned, from BufferPool::global(),
// so a layer's scratch is the same memory on every run (no fresh pages, no page-offset drift).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
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

// parallel_for (parallel.hpp) whose every thread first takes its own scratch of `floats` floats
// and hands it to fn(begin, end, scratch); with floats == 0 no scratch is taken and fn gets
// nullptr. False when a thread could get no scratch (its range was not run): the caller reports
// the error.
bool parallel_for_with_scratch(int threads, int64_t n, int64_t floats,
                               const std::function<void(int64_t, int64_t, float*)>& fn);

}  // namespace sf::rt
