// Transpose variant list, selection and the C > 1 run mover (formula in transpose.hpp). No ISA
// flags: the 2-D variants live in transpose_<isa>.cpp.
#include "kernels/cpu/transpose/transpose.hpp"

#include <cstring>
#include <iterator>

namespace sf::cpu {

#define SF_TRANSPOSE(fn, isa, tile) \
  void fn(const uint32_t*, int64_t, uint32_t*, int64_t, int64_t, int64_t);
#include "kernels/cpu/transpose/kernels.inc"
#undef SF_TRANSPOSE

namespace {
constexpr TransposeKernel kKernels[] = {
#define SF_TRANSPOSE(fn, isa, tile) {#fn, Isa::isa, tile, fn},
#include "kernels/cpu/transpose/kernels.inc"
#undef SF_TRANSPOSE
};
}  // namespace

std::span<const TransposeKernel> transpose_kernels() { return kKernels; }

const TransposeKernel& transpose_select() {
  const Isa cap = max_isa();
  for (const TransposeKernel& k : kKernels)
    if (static_cast<int>(k.isa) <= static_cast<int>(cap)) return k;
  return kKernels[std::size(kKernels) - 1];
}

void transpose_runs(const void* src, void* dst, int64_t a, int64_t b, int64_t run_bytes,
                    int64_t b_begin, int64_t b_end) {
  const auto* s = static_cast<const unsigned char*>(src);
  auto* d = static_cast<unsigned char*>(dst);
  const auto n = static_cast<size_t>(run_bytes);
  for (int64_t j = b_begin; j < b_end; ++j) {
    unsigned char* out = d + j * a * run_bytes;
    const unsigned char* in = s + j * run_bytes;
    for (int64_t i = 0; i < a; ++i) std::memcpy(out + i * run_bytes, in + i * b * run_bytes, n);
  }
}

}  // namespace sf::cpu
