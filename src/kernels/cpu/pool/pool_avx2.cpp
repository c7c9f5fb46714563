// pool_f32_nhwc__avx2: the NHWC pooling loops of pool_impl.hpp compiled for avx2 (formula,
// layouts and error bounds in pool.hpp).
#include "kernels/cpu/pool/pool_impl.hpp"

namespace sf::cpu {

void pool_f32_nhwc__avx2_max(const PoolRowArgs& p) { pool_row_impl<true>(p); }
void pool_f32_nhwc__avx2_avg(const PoolRowArgs& p) { pool_row_impl<false>(p); }
void pool_f32_nhwc__avx2_global_avg(const float* src, int64_t pixels, int64_t channels,
                                      float* dst) {
  global_avg_impl(src, pixels, channels, dst);
}

}  // namespace sf::cpu
