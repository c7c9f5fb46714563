// The machine probe: its measuring loops against plain scalar loops (every variant the CPU has),
// and the JSON cache of load_or_probe (written, read back, refreshed, corrupt file replaced).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <vector>

#include "core/cpu_features.hpp"
#include "kernels/cpu/probe/probe.hpp"
#include "runtime/machine.hpp"

namespace sf {
namespace {

// The FMA chains' checksum, recomputed lane by lane with std::fma (or a*b+c for the scalar
// variant, which has no fused multiply-add).
float expected_chains(int chains, int lanes, int64_t iters, float mul, float add, bool fused) {
  float sum = 0;
  for (int j = 0; j < chains; ++j) {
    float acc = static_cast<float>(j) * 0.0625f;
    for (int64_t i = 0; i < iters; ++i) {
      if (fused) {
        acc = std::fma(acc, mul, add);
      } else {
        const volatile float prod = acc * mul;  // two roundings, as the scalar kernel does
        acc = prod + add;
      }
    }
    for (int l = 0; l < lanes; ++l) sum += acc;
  }
  return sum;
}

TEST(MachineProbeKernels, FmaChainsMatchScalarRecurrence) {
  const float mul = 0.75f, add = 0.3f;
  for (int64_t iters : {0, 1, 7, 100}) {
    EXPECT_EQ(cpu::probe_fma_f32__scalar(iters, mul, add),
              expected_chains(cpu::kProbeChainsScalar, 1, iters, mul, add, false))
        << "iters " << iters;
    if (cpu_features().avx2 && cpu_features().fma) {
      EXPECT_EQ(cpu::probe_fma_f32__avx2(iters, mul, add),
                expected_chains(cpu::kProbeChainsAvx2, cpu::kProbeLanesAvx2, iters, mul, add, true))
          << "iters " << iters;
    }
    if (detected_isa() == Isa::kAvx512) {
      EXPECT_EQ(cpu::probe_fma_f32__avx512(iters, mul, add),
                expected_chains(cpu::kProbeChainsAvx512, cpu::kProbeLanesAvx512, iters, mul, add, true))
          << "iters " << iters;
    }
  }
}

TEST(MachineProbeKernels, VnniDotMatchesIntegerLoop) {
  if (detected_isa() != Isa::kAvx512 || !cpu_features().avx512_vnni) GTEST_SKIP() << "no VNNI";
  for (int64_t iters : {0, 1, 5, 1000}) {
    // Each round adds 4 * a * b to each of 16 lanes of 16 chains.
    const uint8_t a = 200;
    const int8_t b = -77;
    const uint32_t per_round = static_cast<uint32_t>(4 * a * b);
    const uint32_t want = per_round * static_cast<uint32_t>(iters) * 16u * cpu::kProbeChainsVnni;
    EXPECT_EQ(cpu::probe_dot_u8s8__avx512vnni(iters, a, b), static_cast<int32_t>(want))
        << "iters " << iters;
  }
}

TEST(MachineProbeKernels, TriadMatchesPlainLoopWithTailsAndMisalignment) {
  using TriadFn = void (*)(float*, const float*, const float*, float, int64_t);
  struct Variant {
    const char* name;
    TriadFn fn;
    bool available;
    bool fused;
  };
  const Variant variants[] = {
      {"scalar", cpu::probe_triad_f32__scalar, true, false},
      {"avx2", cpu::probe_triad_f32__avx2, cpu_features().avx2 && cpu_features().fma, true},
      {"avx512", cpu::probe_triad_f32__avx512, detected_isa() == Isa::kAvx512, true}};
  for (const Variant& v : variants) {
    if (!v.available) continue;
    for (int64_t n : {0, 1, 15, 16, 17, 100, 1000}) {
      for (int offset : {0, 1}) {  // offset 1: dst not vector-aligned (no streaming stores)
        std::vector<float> a(n + 1), b(n + 1), dst(n + 17, -1.f);
        for (int64_t i = 0; i < n; ++i) {
          a[i] = 0.1f * static_cast<float>(i);
          b[i] = 1.0f / static_cast<float>(i + 3);
        }
        float* d = dst.data() + offset;
        v.fn(d, a.data(), b.data(), 2.5f, n);
        for (int64_t i = 0; i < n; ++i) {
          const volatile float prod = 2.5f * b[i];
          const float want = v.fused ? std::fma(2.5f, b[i], a[i]) : a[i] + prod;
          ASSERT_EQ(d[i], want) << v.name << " n " << n << " i " << i;
        }
        EXPECT_EQ(d[n], -1.f) << v.name << ": wrote past the end, n " << n;
      }
    }
  }
}

// A fast probe for tests: tiny arrays and trials.
rt::ProbeOptions tiny_probe() {
  rt::ProbeOptions o;
  o.threads = 2;
  o.stream_bytes = 3 << 20;
  o.stream_beyond_l3 = false;
  o.seconds_per_test = 0.002;
  o.trials = 1;
  o.stream_trials = 1;
  return o;
}

class MachineCache : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("sf_machine_cache_test_" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    const char* old = std::getenv("STEADFAST_CACHE_DIR");
    had_old_ = old != nullptr;
    if (old) old_ = old;
    ::setenv("STEADFAST_CACHE_DIR", dir_.c_str(), 1);
  }
  void TearDown() override {
    if (had_old_) ::setenv("STEADFAST_CACHE_DIR", old_.c_str(), 1);
    else ::unsetenv("STEADFAST_CACHE_DIR");
    std::filesystem::remove_all(dir_);
  }
  std::filesystem::path dir_;
  bool had_old_ = false;
  std::string old_;
};

TEST_F(MachineCache, ProbesThenReadsThenRefreshes) {
  auto path = rt::machine_cache_path();
  ASSERT_TRUE(path.is_ok());
  EXPECT_EQ(*path, (dir_ / "machine.json").string());

  auto first = rt::load_or_probe(false, tiny_probe());
  ASSERT_TRUE(first.is_ok()) << first.status().to_string();
  EXPECT_FALSE(first->from_cache);
  EXPECT_TRUE(first->cache_note.empty()) << first->cache_note;
  const rt::MachineInfo& m = first->info;
  EXPECT_GT(m.peak_gflops_1t, 0);
  EXPECT_GT(m.peak_gflops, 0);
  EXPECT_GT(m.bandwidth_gbs_1t, 0);
  EXPECT_GT(m.bandwidth_gbs, 0);
  EXPECT_EQ(m.threads, 2);
  EXPECT_EQ(m.isa, isa_name(max_isa()));
  EXPECT_EQ(m.int8_gops > 0, max_isa() == Isa::kAvx512 && cpu_features().avx512_vnni);
  ASSERT_TRUE(std::filesystem::exists(*path));

  auto second = rt::load_or_probe(false, tiny_probe());
  ASSERT_TRUE(second.is_ok());
  EXPECT_TRUE(second->from_cache);
  EXPECT_EQ(second->info.peak_gflops, m.peak_gflops);
  EXPECT_EQ(second->info.bandwidth_gbs, m.bandwidth_gbs);
  EXPECT_EQ(second->info.probed_at, m.probed_at);

  auto third = rt::load_or_probe(true, tiny_probe());
  ASSERT_TRUE(third.is_ok());
  EXPECT_FALSE(third->from_cache);
}

TEST_F(MachineCache, CorruptCacheIsReplaced) {
  std::filesystem::create_directories(dir_);
  std::ofstream(dir_ / "machine.json") << "{ not json";
  auto r = rt::load_or_probe(false, tiny_probe());
  ASSERT_TRUE(r.is_ok());
  EXPECT_FALSE(r->from_cache);
  EXPECT_NE(r->cache_note.find("not a machine cache"), std::string::npos) << r->cache_note;
  auto again = rt::load_or_probe(false, tiny_probe());
  ASSERT_TRUE(again.is_ok());
  EXPECT_TRUE(again->from_cache);
}

TEST(MachineInfo, JsonRoundTripAndThreadScaling) {
  rt::MachineInfo m;
  m.cpu = "Test CPU";
  m.isa = "avx512";
  m.threads = 4;
  m.peak_gflops_1t = 100;
  m.peak_gflops = 350;
  m.bandwidth_gbs_1t = 20;
  m.bandwidth_gbs = 50;
  m.l2_bytes = 1 << 20;
  m.probed_at = "2026-01-01T00:00:00Z";
  auto back = rt::machine_from_json(rt::machine_to_json(m));
  ASSERT_TRUE(back.is_ok()) << back.status().to_string();
  EXPECT_EQ(back->cpu, m.cpu);
  EXPECT_EQ(back->peak_gflops, 350);
  EXPECT_EQ(back->l2_bytes, 1 << 20);
  EXPECT_DOUBLE_EQ(back->balance(), 7.0);
  EXPECT_DOUBLE_EQ(m.peak_gflops_for(1), 100);
  EXPECT_DOUBLE_EQ(m.peak_gflops_for(2), 200);
  EXPECT_DOUBLE_EQ(m.peak_gflops_for(4), 350);  // 400 capped by the measured all-thread peak
  EXPECT_DOUBLE_EQ(m.bandwidth_gbs_for(1), 20);
  EXPECT_DOUBLE_EQ(m.bandwidth_gbs_for(3), 40);  // linear between 1 and 4 threads
  EXPECT_DOUBLE_EQ(m.bandwidth_gbs_for(8), 50);
  EXPECT_FALSE(rt::machine_from_json("{\"cpu\": 1}").is_ok());
  EXPECT_FALSE(rt::machine_from_json("[").is_ok());
}

}  // namespace
}  // namespace sf
