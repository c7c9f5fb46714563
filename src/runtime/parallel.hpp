// Threading for the runtime's fast ops (kernels themselves never start threads). Work is split
// into contiguous static ranges; each index is computed by exactly one thread with the same
// arithmetic, so results do not depend on the thread count (deterministic mode).
#pragma once

#include <cstdint>
#include <functional>

namespace sf::rt {

// Calls fn(begin, end) over a static partition of [0, n) across up to `threads` threads.
void parallel_for(int threads, int64_t n, const std::function<void(int64_t, int64_t)>& fn);
// One per physical core (at least 1).
int default_threads();

}  // namespace sf::rt
