#include "core/cpu_features.hpp"

#include <cpuid.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <set>
#include <string>
#include <utility>

namespace sf {

namespace {

bool os_saves_ymm_zmm(bool zmm) {
  unsigned a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_OSXSAVE)) return false;
  unsigned lo, hi;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  const unsigned need = zmm ? 0xE6u : 0x6u;  // SSE|AVX state (+ opmask, ZMM hi256, hi16 ZMM)
  return (lo & need) == need;
}

// Physical cores from /proc/cpuinfo (distinct physical id/core id pairs); falls back to the
// logical count when the file is unreadable.
int count_physical_cores(int logical) {
  std::ifstream f("/proc/cpuinfo");
  if (!f) return logical;
  std::set<std::pair<int, int>> cores;
  int phys = 0, core = -1;
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("physical id", 0) == 0) phys = std::atoi(line.substr(line.find(':') + 1).c_str());
    if (line.rfind("core id", 0) == 0) {
      core = std::atoi(line.substr(line.find(':') + 1).c_str());
      cores.insert({phys, core});
    }
  }
  return cores.empty() ? logical : static_cast<int>(cores.size());
}

CpuFeatures detect() {
  CpuFeatures f;
  unsigned a, b, c, d;
  const bool ymm = os_saves_ymm_zmm(false), zmm = os_saves_ymm_zmm(true);
  if (__get_cpuid(1, &a, &b, &c, &d)) {
    f.fma = ymm && (c & bit_FMA);
    f.f16c = ymm && (c & bit_F16C);
  }
  if (__get_cpuid_count(7, 0, &a, &b, &c, &d)) {
    f.avx2 = ymm && (b & bit_AVX2);
    f.avx512f = zmm && (b & bit_AVX512F);
    f.avx512bw = zmm && (b & bit_AVX512BW);
    f.avx512dq = zmm && (b & bit_AVX512DQ);
    f.avx512vl = zmm && (b & bit_AVX512VL);
    f.avx512_vnni = zmm && (c & bit_AVX512VNNI);
    f.avx512_vpopcntdq = zmm && (c & bit_AVX512VPOPCNTDQ);
  }
  if (__get_cpuid_count(7, 1, &a, &b, &c, &d)) f.avx512_bf16 = zmm && (a & bit_AVX512BF16);
  char brand[49] = {0};
  unsigned regs[12];
  if (__get_cpuid(0x80000000, &a, &b, &c, &d) && a >= 0x80000004) {
    for (unsigned i = 0; i < 3; ++i)
      __get_cpuid(0x80000002 + i, &regs[4 * i], &regs[4 * i + 1], &regs[4 * i + 2], &regs[4 * i + 3]);
    std::memcpy(brand, regs, 48);
  }
  f.brand = brand;
  while (!f.brand.empty() && f.brand.back() == ' ') f.brand.pop_back();
  const long n = sysconf(_SC_NPROCESSORS_ONLN);
  f.logical_cpus = n > 0 ? static_cast<int>(n) : 1;
  f.physical_cores = count_physical_cores(f.logical_cpus);
  return f;
}

Isa cap_from_env() {
  const char* env = std::getenv("STEADFAST_MAX_ISA");
  Isa cap = Isa::kAvx512;
  if (env && *env && !parse_isa(env, cap)) {
    std::fprintf(stderr, "steadfast: warning: STEADFAST_MAX_ISA='%s' is not scalar|avx2|avx512; ignored\n",
                 env);
    cap = Isa::kAvx512;
  }
  return cap;
}

std::atomic<int> g_test_cap{-1};

}  // namespace

const CpuFeatures& cpu_features() {
  static const CpuFeatures f = detect();
  return f;
}

Isa detected_isa() {
  const CpuFeatures& f = cpu_features();
  if (f.avx512f && f.avx512bw && f.avx512dq && f.avx512vl && f.fma) return Isa::kAvx512;
  if (f.avx2 && f.fma) return Isa::kAvx2;
  return Isa::kScalar;
}

Isa max_isa() {
  static const Isa env_cap = cap_from_env();
  Isa cap = env_cap;
  const int t = g_test_cap.load();
  if (t >= 0) cap = static_cast<Isa>(t);
  const Isa d = detected_isa();
  return static_cast<int>(cap) < static_cast<int>(d) ? cap : d;
}

void set_max_isa_for_testing(int level) { g_test_cap.store(level); }

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::kScalar: return "scalar";
    case Isa::kAvx2: return "avx2";
    case Isa::kAvx512: return "avx512";
  }
  return "?";
}

bool parse_isa(const std::string& name, Isa& out) {
  if (name == "scalar") out = Isa::kScalar;
  else if (name == "avx2") out = Isa::kAvx2;
  else if (name == "avx512") out = Isa::kAvx512;
  else return false;
  return true;
}

}  // namespace sf
