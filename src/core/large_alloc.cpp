#include "core/large_alloc.hpp"

#include <sys/mman.h>

#include <cstdlib>

namespace sf {

void* large_aligned_alloc(size_t alignment, size_t bytes) {
  if (bytes == 0) bytes = 1;
  const bool huge = bytes >= kHugePageBytes;
  if (huge && alignment < kHugePageBytes) alignment = kHugePageBytes;
  const size_t size = (bytes + alignment - 1) / alignment * alignment;
  if (size < bytes) return nullptr;  // overflow
  void* p = std::aligned_alloc(alignment, size);
#ifdef MADV_HUGEPAGE
  if (p && huge) (void)madvise(p, size, MADV_HUGEPAGE);  // a hint: failure changes nothing
#endif
  return p;
}

void large_free(void* p) noexcept { std::free(p); }

}  // namespace sf
