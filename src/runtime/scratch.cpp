#include "runtime/scratch.hpp"

#include <atomic>

#include "runtime/parallel.hpp"

namespace sf::rt {

bool parallel_for_with_scratch(int threads, int64_t n, int64_t floats,
                               const std::function<void(int64_t, int64_t, float*)>& fn) {
  std::atomic<bool> out_of_memory{false};
  parallel_for(threads, n, [&](int64_t b, int64_t e) {
    if (floats <= 0) {
      fn(b, e, nullptr);
      return;
    }
    const ScratchFloats scratch(floats);
    if (!scratch) {
      out_of_memory = true;
      return;
    }
    fn(b, e, scratch.data());
  });
  return !out_of_memory;
}

}  // namespace sf::rt
