// CPU feature detection (built without ISA flags, so it cannot fault on an older CPU) and the
// instruction-set level kernels may use: the best the CPU has, capped by STEADFAST_MAX_ISA
// (scalar | avx2 | avx512) so fallbacks can be forced and tested.
#pragma once

#include <string>

namespace sf {

enum class Isa : int { kScalar = 0, kAvx2 = 1, kAvx512 = 2 };

struct CpuFeatures {
  bool avx2 = false, fma = false, f16c = false;
  bool avx512f = false, avx512bw = false, avx512dq = false, avx512vl = false;
  bool avx512_vnni = false, avx512_bf16 = false, avx512_vpopcntdq = false;
  int logical_cpus = 1;
  int physical_cores = 1;
  std::string brand;
};

const CpuFeatures& cpu_features();
// The highest level the CPU supports (AVX2 needs FMA; AVX-512 needs F/BW/DQ/VL).
Isa detected_isa();
// detected_isa() capped by STEADFAST_MAX_ISA (read once); what kernel selection uses.
Isa max_isa();
// Overrides the cap for this process (tests use it to walk every level); nullopt-like reset: -1.
void set_max_isa_for_testing(int level);
const char* isa_name(Isa isa);
// Parses "scalar" | "avx2" | "avx512"; false when the name is unknown.
bool parse_isa(const std::string& name, Isa& out);

}  // namespace sf
