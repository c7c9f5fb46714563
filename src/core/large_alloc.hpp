// Allocation of large buffers (packed weights, activation arenas, kernels' scratch) on huge
// pages where the system allows it. A buffer of kHugePageBytes or more is aligned to that size
// and marked MADV_HUGEPAGE before anything touches it, so that with transparent huge pages in
// their default `madvise` mode it is backed by 2 MiB pages: kernels that stream many megabytes
// of weights or activations then take one TLB entry per 2 MiB instead of 512. The mark is a
// hint (ignored where huge pages are off); smaller buffers are plain aligned allocations.
#pragma once

#include <cstddef>
#include <new>

namespace sf {

inline constexpr size_t kHugePageBytes = size_t{2} << 20;

// Like std::aligned_alloc(alignment, bytes) (alignment a power of two; bytes rounded up to a
// multiple of it), with the huge-page treatment from kHugePageBytes. Free with large_free
// (std::free).
// nullptr when out of memory.
void* large_aligned_alloc(size_t alignment, size_t bytes);
void large_free(void* p) noexcept;

// std::allocator for containers that may grow large (std::vector<float, LargeAllocator<float>>).
template <class T>
struct LargeAllocator {
  using value_type = T;
  LargeAllocator() = default;
  template <class U>
  LargeAllocator(const LargeAllocator<U>&) noexcept {}  // NOLINT(google-explicit-constructor)
  T* allocate(size_t n) {
    if (n > static_cast<size_t>(-1) / sizeof(T)) throw std::bad_array_new_length();
    void* p = large_aligned_alloc(alignof(T) < 64 ? 64 : alignof(T), n * sizeof(T));
    if (!p) throw std::bad_alloc();
    return static_cast<T*>(p);
  }
  void deallocate(T* p, size_t) noexcept { large_free(p); }
  template <class U>
  bool operator==(const LargeAllocator<U>&) const noexcept { return true; }
};

}  // namespace sf
