// BRGEMM variant list, selection and B packing (see brgemm.hpp).
#include "kernels/cpu/gemm/brgemm.hpp"

#include <algorithm>
#include <cstring>

namespace sf::cpu {

#define SF_BRGEMM(fn, isa, mr, nr, abft) void fn(const BrgemmArgs&);
#include "kernels/cpu/gemm/kernels.inc"
#undef SF_BRGEMM

namespace {
constexpr BrgemmKernel kKernels[] = {
#define SF_BRGEMM(fn, isa, mr, nr, abft) {#fn, Isa::isa, mr, nr, abft, fn},
#include "kernels/cpu/gemm/kernels.inc"
#undef SF_BRGEMM
};
}  // namespace

std::span<const BrgemmKernel> brgemm_kernels() { return kKernels; }

const BrgemmKernel& brgemm_select(bool tile_abft) {
  const Isa cap = max_isa();
  for (const BrgemmKernel& k : kKernels)
    if (static_cast<int>(k.isa) <= static_cast<int>(cap) && k.abft == tile_abft) return k;
  return kKernels[std::size(kKernels) - (tile_abft ? 1 : 2)];
}

const BrgemmKernel& brgemm_select_for_n(int64_t n, bool tile_abft) {
  const BrgemmKernel& first = brgemm_select(tile_abft);
  const BrgemmKernel* best = &first;
  auto fill = [n](const BrgemmKernel& k) {
    const int64_t padded = (std::max<int64_t>(n, 1) + k.nr - 1) / k.nr * k.nr;
    return static_cast<double>(std::max<int64_t>(n, 1)) / static_cast<double>(padded);
  };
  // The narrow tiles (nr 16 on AVX-512: one B vector against 24 broadcast rows, load-bound) only
  // where n fits one of their panels: on 40-112 channels they fill better than the wide tiles but
  // ran MobileNetV2 and EfficientNet-Lite0 slower; on 16 channels they halve the wasted lanes.
  const auto allowed = [&](const BrgemmKernel& k) { return k.nr >= first.nr / 2 || n <= k.nr; };
  for (const BrgemmKernel& k : kKernels)
    if (k.isa == first.isa && k.abft == tile_abft && allowed(k) && fill(k) > fill(*best))
      best = &k;
  return *best;
}

const BrgemmKernel& brgemm_abft_twin(const BrgemmKernel& k) {
  if (k.abft) return k;
  for (const BrgemmKernel& t : kKernels)
    if (t.abft && t.isa == k.isa && t.mr == k.mr && t.nr == k.nr) return t;
  return k;
}


int64_t packed_b_floats(int64_t k, int64_t n, int nr) { return ((n + nr - 1) / nr) * k * nr; }

void pack_b_panels(const float* b, int64_t ldb, bool transposed, int64_t k, int64_t n, int nr,
                   float* dst) {
  for (int64_t j0 = 0; j0 < n; j0 += nr) {
    const int64_t nb = std::min<int64_t>(nr, n - j0);
    for (int64_t r = 0; r < k; ++r) {
      float* d = dst + r * nr;
      if (!transposed) {
        std::memcpy(d, b + r * ldb + j0, static_cast<size_t>(nb) * sizeof(float));
      } else {
        for (int64_t c = 0; c < nb; ++c) d[c] = b[(j0 + c) * ldb + r];
      }
      for (int64_t c = nb; c < nr; ++c) d[c] = 0.0f;
    }
    dst += k * nr;
  }
}

}  // namespace sf::cpu
