// BufferPool: released blocks come back to the next request of a similar size, page-aligned;
// blocks much larger than a request are not handed out for it; trim frees the cache.
#include "core/buffer_pool.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>

namespace sf {
namespace {

bool page_aligned(const void* p) {
  return reinterpret_cast<std::uintptr_t>(p) % BufferPool::kAlignment == 0;
}

TEST(BufferPool, ReleasedBlockIsReusedAtTheSameAddress) {
  BufferPool& pool = BufferPool::global();
  pool.trim();
  const size_t bytes = 3 * 1000 * 1000 + 7;
  void* first = nullptr;
  {
    auto a = pool.take(bytes);
    ASSERT_NE(a, nullptr);
    EXPECT_TRUE(page_aligned(a.get()));
    std::memset(a.get(), 0x5a, bytes);  // the whole request is writable
    first = a.get();
  }
  if (!BufferPool::pooling()) {  // AddressSanitizer build: released blocks are freed at once
    EXPECT_EQ(pool.cached_bytes(), 0u);
    return;
  }
  EXPECT_GE(pool.cached_bytes(), bytes);
  auto again = pool.take(bytes - 5000);  // a slightly smaller request fits the same block
  EXPECT_EQ(again.get(), first);
  EXPECT_EQ(pool.cached_bytes(), 0u);
}

TEST(BufferPool, LiveBlocksAreDistinctAndLargeBlocksAreNotWastedOnSmallRequests) {
  BufferPool& pool = BufferPool::global();
  pool.trim();
  auto a = pool.take(1 << 20);
  auto b = pool.take(1 << 20);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  EXPECT_NE(a.get(), b.get());
  void* big = a.get();
  a.reset();
  // A cached 1 MiB block is more than twice a 100 KB request: a new block is made for it.
  auto small = pool.take(100 * 1000);
  ASSERT_NE(small, nullptr);
  EXPECT_NE(small.get(), big);
  EXPECT_TRUE(page_aligned(small.get()));
  EXPECT_EQ(pool.cached_bytes(), BufferPool::pooling() ? size_t{1} << 20 : 0u);
  pool.trim();
  EXPECT_EQ(pool.cached_bytes(), 0u);
}

TEST(BufferPool, ZeroBytesStillGivesAPage) {
  auto p = BufferPool::global().take(0);
  ASSERT_NE(p, nullptr);
  EXPECT_TRUE(page_aligned(p.get()));
}

}  // namespace
}  // namespace sf
