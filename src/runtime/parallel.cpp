#include "runtime/parallel.hpp"

#include <omp.h>

#include <algorithm>

#include "core/cpu_features.hpp"

namespace sf::rt {

void parallel_for(int threads, int64_t n, const std::function<void(int64_t, int64_t)>& fn) {
  if (n <= 0) return;
  const int t = static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(threads, n)));
  if (t == 1) {
    fn(0, n);
    return;
  }
#pragma omp parallel num_threads(t)
  {
    const int id = omp_get_thread_num();
    const int nt = omp_get_num_threads();
    const int64_t chunk = n / nt, extra = n % nt;
    const int64_t begin = id * chunk + std::min<int64_t>(id, extra);
    const int64_t end = begin + chunk + (id < extra ? 1 : 0);
    if (begin < end) fn(begin, end);
  }
}

int default_threads() { return std::max(1, cpu_features().physical_cores); }

}  // namespace sf::rt
