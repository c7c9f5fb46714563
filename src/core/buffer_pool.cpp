#include "core/buffer_pool.hpp"

#include "core/large_alloc.hpp"

#include <cstdlib>
#include <map>
#include <mutex>

namespace sf {

struct BufferPool::State {
  mutable std::mutex mu;
  std::multimap<size_t, void*> free;  // size -> block
  size_t cached = 0;
};

namespace {

// Under AddressSanitizer every block goes back to the system at once, so stale pointers into a
// released arena are still reported as use-after-free.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kPooling = false;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kPooling = false;
#else
constexpr bool kPooling = true;
#endif
#else
constexpr bool kPooling = true;
#endif

void give_back(BufferPool::State& s, void* p, size_t bytes) {
  if (kPooling) {
    std::lock_guard<std::mutex> lock(s.mu);
    if (s.cached + bytes <= BufferPool::kMaxCachedBytes) {
      s.free.emplace(bytes, p);
      s.cached += bytes;
      return;
    }
  }
  std::free(p);
}

}  // namespace

BufferPool::BufferPool() : state_(new State) {}

bool BufferPool::pooling() { return kPooling; }

BufferPool& BufferPool::global() {
  // Never destroyed: buffers may be released by static objects during exit.
  static BufferPool* pool = new BufferPool;
  return *pool;
}

std::shared_ptr<std::byte> BufferPool::take(size_t bytes) {
  const size_t size = bytes == 0 ? kAlignment : (bytes + kAlignment - 1) / kAlignment * kAlignment;
  if (size < bytes) return nullptr;  // overflow
  State& s = *state_;
  void* p = nullptr;
  size_t got = size;
  {
    std::lock_guard<std::mutex> lock(s.mu);
    auto it = s.free.lower_bound(size);
    if (it != s.free.end() && it->first / 2 <= size) {
      got = it->first;
      p = it->second;
      s.cached -= got;
      s.free.erase(it);
    }
  }
  if (!p) p = large_aligned_alloc(kAlignment, size);
  if (!p) {
    trim();  // the cache may be what filled memory
    p = large_aligned_alloc(kAlignment, size);
    if (!p) return nullptr;
  }
  return std::shared_ptr<std::byte>(static_cast<std::byte*>(p),
                                    [&s, got](std::byte* q) { give_back(s, q, got); });
}

size_t BufferPool::cached_bytes() const {
  std::lock_guard<std::mutex> lock(state_->mu);
  return state_->cached;
}

void BufferPool::trim() {
  std::multimap<size_t, void*> blocks;
  {
    std::lock_guard<std::mutex> lock(state_->mu);
    blocks.swap(state_->free);
    state_->cached = 0;
  }
  for (auto& [size, p] : blocks) std::free(p);
}

}  // namespace sf
