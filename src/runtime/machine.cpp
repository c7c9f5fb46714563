#include "runtime/machine.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <vector>

#include "core/cpu_features.hpp"
#include "kernels/cpu/probe/probe.hpp"
#include "runtime/parallel.hpp"

namespace sf::rt {

namespace {

using Clock = std::chrono::steady_clock;
constexpr double kGiga = 1e9;
// Values that keep every chain finite and away from denormals for any number of rounds:
// acc -> add / (1 - mul) = 1.
constexpr float kMul = 0.999f, kAdd = 0.001f;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

struct FmaVariant {
  float (*fn)(int64_t, float, float);
  double flops_per_iter;
};

FmaVariant fma_variant() {
  switch (max_isa()) {
    case Isa::kAvx512:
      return {cpu::probe_fma_f32__avx512, 2.0 * cpu::kProbeChainsAvx512 * cpu::kProbeLanesAvx512};
    case Isa::kAvx2:
      return {cpu::probe_fma_f32__avx2, 2.0 * cpu::kProbeChainsAvx2 * cpu::kProbeLanesAvx2};
    case Isa::kScalar:
      break;
  }
  return {cpu::probe_fma_f32__scalar, 2.0 * cpu::kProbeChainsScalar * cpu::kProbeLanesScalar};
}

using TriadFn = void (*)(float*, const float*, const float*, float, int64_t);
TriadFn triad_variant() {
  switch (max_isa()) {
    case Isa::kAvx512: return cpu::probe_triad_f32__avx512;
    case Isa::kAvx2: return cpu::probe_triad_f32__avx2;
    case Isa::kScalar: break;
  }
  return cpu::probe_triad_f32__scalar;
}

// Ops per second of `body(iters)` (which returns a checksum) run on `threads` threads at once.
// `iters` is calibrated on the calling thread alone (a thread woken late in a parallel region
// must not shrink it), so one call lasts about `seconds_per_test`; the best of `trials` counts.
// The checksums are kept in per-thread slots so the loops cannot be optimised away.
template <typename Body>
double best_rate(int threads, double ops_per_iter, const ProbeOptions& o, Body body) {
  std::vector<double> sinks(static_cast<size_t>(threads), 0.0);
  int64_t iters = 1024;
  for (;;) {
    const auto t0 = Clock::now();
    sinks[0] += body(iters);
    const double t = seconds_since(t0);
    if (t >= o.seconds_per_test / 4 || iters >= (int64_t{1} << 40)) {
      iters = std::max<int64_t>(1, static_cast<int64_t>(static_cast<double>(iters) *
                                                        o.seconds_per_test / std::max(t, 1e-9)));
      break;
    }
    iters *= 4;
  }
  double best = 0;
  for (int trial = 0; trial < std::max(1, o.trials); ++trial) {
    const auto t0 = Clock::now();
    parallel_for(threads, threads, [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i) sinks[static_cast<size_t>(i)] += body(iters);
    });
    const double s = seconds_since(t0);
    if (s > 0) best = std::max(best, ops_per_iter * static_cast<double>(iters) * threads / s);
  }
  volatile double keep = 0;
  for (double v : sinks) keep = keep + v;
  return best;
}

// Triad bandwidth in bytes/s on `threads` threads over arrays of n floats (best of trials).
double triad_rate(int threads, float* dst, const float* a, const float* b, int64_t n,
                  const ProbeOptions& o) {
  const TriadFn triad = triad_variant();
  constexpr int64_t kBlock = 4096;  // floats; keeps every thread's dst 64-byte aligned
  const int64_t blocks = (n + kBlock - 1) / kBlock;
  double best = 0;
  for (int trial = 0; trial < std::max(1, o.stream_trials); ++trial) {
    const auto t0 = Clock::now();
    parallel_for(threads, blocks, [&](int64_t b0, int64_t b1) {
      const int64_t lo = b0 * kBlock, hi = std::min(n, b1 * kBlock);
      triad(dst + lo, a + lo, b + lo, 3.0f, hi - lo);
    });
    const double s = seconds_since(t0);
    if (s > 0) best = std::max(best, 3.0 * sizeof(float) * static_cast<double>(n) / s);
  }
  return best;
}

struct FreeDeleter {
  void operator()(float* p) const { std::free(p); }
};

int64_t read_cache_size(int index_level, const char* type) {
  // /sys/devices/system/cpu/cpu0/cache/indexK/{level,type,size}: size like "48K" or "32768K".
  for (int k = 0; k < 8; ++k) {
    const std::string dir = "/sys/devices/system/cpu/cpu0/cache/index" + std::to_string(k) + "/";
    std::ifstream lf(dir + "level"), tf(dir + "type"), sf(dir + "size");
    int level = 0;
    std::string t, size;
    if (!(lf >> level) || !(tf >> t) || !(sf >> size)) continue;
    if (level != index_level || (t != type && t != "Unified")) continue;
    int64_t v = std::atoll(size.c_str());
    if (!size.empty() && (size.back() == 'K')) v <<= 10;
    if (!size.empty() && (size.back() == 'M')) v <<= 20;
    return v;
  }
  return 0;
}

void fill_caches(MachineInfo& m) {
  m.l1d_bytes = read_cache_size(1, "Data");
  m.l2_bytes = read_cache_size(2, "Unified");
  m.l3_bytes = read_cache_size(3, "Unified");
  if (m.l1d_bytes <= 0) m.l1d_bytes = std::max<long>(0, sysconf(_SC_LEVEL1_DCACHE_SIZE));
  if (m.l2_bytes <= 0) m.l2_bytes = std::max<long>(0, sysconf(_SC_LEVEL2_CACHE_SIZE));
  if (m.l3_bytes <= 0) m.l3_bytes = std::max<long>(0, sysconf(_SC_LEVEL3_CACHE_SIZE));
}

std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

nlohmann::json to_json(const MachineInfo& m) {
  return {{"cpu", m.cpu},
          {"isa", m.isa},
          {"threads", m.threads},
          {"logical_cpus", m.logical_cpus},
          {"physical_cores", m.physical_cores},
          {"peak_gflops_1t", m.peak_gflops_1t},
          {"peak_gflops", m.peak_gflops},
          {"int8_gops_1t", m.int8_gops_1t},
          {"int8_gops", m.int8_gops},
          {"bandwidth_gbs_1t", m.bandwidth_gbs_1t},
          {"bandwidth_gbs", m.bandwidth_gbs},
          {"balance_flop_per_byte", m.balance()},
          {"l1d_bytes", m.l1d_bytes},
          {"l2_bytes", m.l2_bytes},
          {"l3_bytes", m.l3_bytes},
          {"probed_at", m.probed_at},
          {"probe_seconds", m.probe_seconds}};
}

Result<MachineInfo> from_json(const nlohmann::json& j) {
  if (!j.is_object()) return invalid_argument("machine entry is not a JSON object");
  MachineInfo m;
  try {
    m.cpu = j.at("cpu").get<std::string>();
    m.isa = j.at("isa").get<std::string>();
    m.threads = j.at("threads").get<int>();
    m.logical_cpus = j.at("logical_cpus").get<int>();
    m.physical_cores = j.at("physical_cores").get<int>();
    m.peak_gflops_1t = j.at("peak_gflops_1t").get<double>();
    m.peak_gflops = j.at("peak_gflops").get<double>();
    m.int8_gops_1t = j.at("int8_gops_1t").get<double>();
    m.int8_gops = j.at("int8_gops").get<double>();
    m.bandwidth_gbs_1t = j.at("bandwidth_gbs_1t").get<double>();
    m.bandwidth_gbs = j.at("bandwidth_gbs").get<double>();
    m.l1d_bytes = j.at("l1d_bytes").get<int64_t>();
    m.l2_bytes = j.at("l2_bytes").get<int64_t>();
    m.l3_bytes = j.at("l3_bytes").get<int64_t>();
    m.probed_at = j.at("probed_at").get<std::string>();
    m.probe_seconds = j.at("probe_seconds").get<double>();
  } catch (const nlohmann::json::exception& e) {
    return invalid_argument(std::string("machine entry: ") + e.what());
  }
  if (m.threads < 1 || m.peak_gflops_1t <= 0 || m.peak_gflops <= 0 || m.bandwidth_gbs_1t <= 0 ||
      m.bandwidth_gbs <= 0)
    return invalid_argument("machine entry has non-positive figures");
  return m;
}

}  // namespace

double MachineInfo::peak_gflops_for(int run_threads) const {
  if (run_threads <= 1) return peak_gflops_1t;
  return std::min(peak_gflops, peak_gflops_1t * run_threads);
}

double MachineInfo::bandwidth_gbs_for(int run_threads) const {
  if (run_threads <= 1 || threads <= 1) return bandwidth_gbs_1t;
  if (run_threads >= threads) return bandwidth_gbs;
  const double f = static_cast<double>(run_threads - 1) / (threads - 1);
  return bandwidth_gbs_1t + f * (bandwidth_gbs - bandwidth_gbs_1t);
}

Result<MachineInfo> probe_machine(const ProbeOptions& o) {
  const auto t0 = Clock::now();
  const CpuFeatures& f = cpu_features();
  MachineInfo m;
  m.cpu = f.brand.empty() ? "unknown CPU" : f.brand;
  m.isa = isa_name(max_isa());
  m.threads = o.threads > 0 ? o.threads : default_threads();
  m.logical_cpus = f.logical_cpus;
  m.physical_cores = f.physical_cores;
  fill_caches(m);

  const FmaVariant fv = fma_variant();
  auto fma_body = [&](int64_t iters) { return static_cast<double>(fv.fn(iters, kMul, kAdd)); };
  m.peak_gflops_1t = best_rate(1, fv.flops_per_iter, o, fma_body) / kGiga;
  m.peak_gflops = best_rate(m.threads, fv.flops_per_iter, o, fma_body) / kGiga;
  if (max_isa() == Isa::kAvx512 && f.avx512_vnni) {
    auto dot_body = [](int64_t iters) {
      return static_cast<double>(cpu::probe_dot_u8s8__avx512vnni(iters, 3, -2));
    };
    const double ops = 2.0 * cpu::kProbeChainsVnni * cpu::kProbeLanesVnni;
    m.int8_gops_1t = best_rate(1, ops, o, dot_body) / kGiga;
    m.int8_gops = best_rate(m.threads, ops, o, dot_body) / kGiga;
  }

  // The arrays must not fit in the last-level cache: at least twice L3 (virtual machines report
  // the host's whole L3), at most kMaxStreamBytes.
  constexpr int64_t kMaxStreamBytes = int64_t{1} << 30;
  const int64_t stream_bytes =
      o.stream_beyond_l3 ? std::max(o.stream_bytes, std::min(kMaxStreamBytes, 2 * m.l3_bytes))
                         : o.stream_bytes;
  const int64_t n = std::max<int64_t>(4096, stream_bytes / 3 / int64_t{sizeof(float)} / 16 * 16);
  const size_t bytes = static_cast<size_t>(n) * sizeof(float);
  std::unique_ptr<float, FreeDeleter> a(static_cast<float*>(std::aligned_alloc(64, bytes)));
  std::unique_ptr<float, FreeDeleter> b(static_cast<float*>(std::aligned_alloc(64, bytes)));
  std::unique_ptr<float, FreeDeleter> c(static_cast<float*>(std::aligned_alloc(64, bytes)));
  if (!a || !b || !c)
    return resource_limit("machine probe: cannot allocate 3 x " + std::to_string(bytes) + " bytes");
  // First touch on the threads that will stream the data.
  parallel_for(m.threads, n, [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i) {
      a.get()[i] = 0.f;
      b.get()[i] = 1.f;
      c.get()[i] = 2.f;
    }
  });
  m.bandwidth_gbs_1t = triad_rate(1, a.get(), b.get(), c.get(), n, o) / kGiga;
  m.bandwidth_gbs = triad_rate(m.threads, a.get(), b.get(), c.get(), n, o) / kGiga;
  if (m.peak_gflops_1t <= 0 || m.peak_gflops <= 0 || m.bandwidth_gbs_1t <= 0 || m.bandwidth_gbs <= 0)
    return internal_error("machine probe: a timer measured no elapsed time");
  m.probed_at = utc_now();
  m.probe_seconds = seconds_since(t0);
  return m;
}

std::string machine_cache_key() {
  const CpuFeatures& f = cpu_features();
  return (f.brand.empty() ? std::string("unknown CPU") : f.brand) + " | " + isa_name(max_isa());
}

Result<std::string> machine_cache_path() {
  namespace fs = std::filesystem;
  fs::path dir;
  if (const char* d = std::getenv("STEADFAST_CACHE_DIR"); d && *d) {
    dir = d;
  } else if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) {
    dir = fs::path(x) / "steadfast";
  } else if (const char* h = std::getenv("HOME"); h && *h) {
    dir = fs::path(h) / ".cache" / "steadfast";
  } else {
    return invalid_argument("no cache directory: set STEADFAST_CACHE_DIR, XDG_CACHE_HOME or HOME");
  }
  return (dir / "machine.json").string();
}

std::string machine_to_json(const MachineInfo& m) { return to_json(m).dump(2); }

Result<MachineInfo> machine_from_json(const std::string& text) {
  const nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return invalid_argument("machine entry is not valid JSON");
  return from_json(j);
}

Result<MachineLoad> load_or_probe(bool refresh, const ProbeOptions& opts) {
  namespace fs = std::filesystem;
  MachineLoad out;
  const std::string key = machine_cache_key();
  auto path = machine_cache_path();
  nlohmann::json cache = nlohmann::json::object();
  if (!path) {
    out.cache_note = path.status().message();
  } else {
    out.path = *path;
    std::ifstream in(out.path);
    if (in) {
      std::stringstream ss;
      ss << in.rdbuf();
      nlohmann::json j = nlohmann::json::parse(ss.str(), nullptr, false);
      if (!j.is_discarded() && j.is_object() && j.contains("machines") && j["machines"].is_object())
        cache = std::move(j);
      else
        out.cache_note = out.path + " is not a machine cache; probing again";
    }
    if (!refresh && cache.contains("machines") && cache["machines"].contains(key)) {
      auto m = from_json(cache["machines"][key]);
      if (m) {
        out.info = std::move(m).value();
        out.from_cache = true;
        return out;
      }
      out.cache_note = out.path + ": " + m.status().message() + "; probing again";
    }
  }
  SF_ASSIGN_OR_RETURN(out.info, probe_machine(opts));
  if (out.path.empty()) return out;
  if (!cache.contains("machines") || !cache["machines"].is_object())
    cache["machines"] = nlohmann::json::object();
  cache["version"] = 1;
  cache["machines"][key] = to_json(out.info);
  std::error_code ec;
  fs::create_directories(fs::path(out.path).parent_path(), ec);
  const std::string tmp = out.path + ".tmp." + std::to_string(getpid());
  {
    std::ofstream o(tmp);
    o << cache.dump(2) << "\n";
    if (!o) {
      out.cache_note = "cannot write " + tmp;
      return out;
    }
  }
  fs::rename(tmp, out.path, ec);
  if (ec) out.cache_note = "cannot write " + out.path + ": " + ec.message();
  return out;
}

}  // namespace sf::rt
