// BufferPool: reusable page-aligned buffers for memory that is taken and given back on every
// run (activation arenas, kernels' scratch). A buffer released by its last owner goes back to
// the pool instead of to malloc, and the next request of a similar size gets it again. So a
// steady stream of runs allocates nothing, touches no fresh pages, and sees the same addresses
// every run: with malloc, large per-run buffers landed at a different page offset from run to
// run and from process to process (heap history, even the length of the model's path), and the
// layers reading them ran up to 2.5x slower at some offsets (4K aliasing between loads and
// stores of different buffers), which made whole-model timings bimodal.
#pragma once

#include <cstddef>
#include <memory>

namespace sf {

class BufferPool {
 public:
  // Blocks are aligned to this many bytes and their sizes rounded up to it.
  static constexpr size_t kAlignment = 4096;
  // Released blocks beyond this many cached bytes go back to the system.
  static constexpr size_t kMaxCachedBytes = size_t{1} << 30;

  // The process's pool (thread-safe).
  static BufferPool& global();

  // At least `bytes` of uninitialised memory, or nullptr when the system has none. The smallest
  // cached block that fits and is at most twice the request is reused; else a new one is made.
  // The last copy of the pointer returns the block to this pool.
  std::shared_ptr<std::byte> take(size_t bytes);

  // False in AddressSanitizer builds: released blocks go straight back to the system there, so
  // stale pointers into a released arena are still reported.
  static bool pooling();
  // Bytes held in released blocks now (for tests and reports).
  size_t cached_bytes() const;
  // Frees every released block.
  void trim();

  struct State;

 private:
  BufferPool();
  State* state_;
};

}  // namespace sf
