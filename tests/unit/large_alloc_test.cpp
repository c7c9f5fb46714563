// Large allocations: alignment (2 MiB from kHugePageBytes up, else the asked alignment), usable
// bytes, and the allocator in a vector.
#include "core/large_alloc.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace sf {
namespace {

TEST(LargeAlloc, HugeBuffersAre2MiBAligned) {
  for (size_t bytes : {kHugePageBytes, kHugePageBytes + 1, 3 * kHugePageBytes + 12345}) {
    void* p = large_aligned_alloc(64, bytes);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % kHugePageBytes, 0u) << bytes;
    std::memset(p, 0x5a, bytes);  // every byte is ours
    EXPECT_EQ(static_cast<unsigned char*>(p)[bytes - 1], 0x5a);
    large_free(p);
  }
}

TEST(LargeAlloc, SmallBuffersKeepTheAskedAlignment) {
  for (size_t align : {64u, 4096u}) {
    void* p = large_aligned_alloc(align, 1000);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % align, 0u);
    std::memset(p, 1, 1000);
    large_free(p);
  }
}

TEST(LargeAlloc, VectorWithTheAllocator) {
  std::vector<float, LargeAllocator<float>> v(kHugePageBytes / sizeof(float) + 7, 1.5f);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(v.data()) % kHugePageBytes, 0u);
  double sum = 0;
  for (float x : v) sum += x;
  EXPECT_DOUBLE_EQ(sum, 1.5 * static_cast<double>(v.size()));
  std::vector<float, LargeAllocator<float>> small(10, 2.0f);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(small.data()) % 64, 0u);
  EXPECT_EQ(small[9], 2.0f);
}

}  // namespace
}  // namespace sf
