// The machine probe behind `steadfast machine`, the profiler's roofline and the benchmarks'
// "% of peak": measured fp32 FMA peak (one thread and all threads), int8 VNNI peak where the CPU
// has it, DRAM stream bandwidth (triad) and the cache sizes. The measuring loops live in
// src/kernels/cpu/probe (one per ISA); this file picks the variant max_isa() allows, times it and
// caches the result as JSON at $STEADFAST_CACHE_DIR, else $XDG_CACHE_HOME/steadfast, else
// ~/.cache/steadfast, in machine.json, keyed by CPU brand + ISA level.
#pragma once

#include <cstdint>
#include <string>

#include "core/status.hpp"

namespace sf::rt {

struct MachineInfo {
  std::string cpu;              // CPU brand string
  std::string isa;              // the ISA level the probe ran at (max_isa())
  int threads = 1;              // threads of the "all threads" figures (one per physical core)
  int logical_cpus = 1;
  int physical_cores = 1;
  double peak_gflops_1t = 0;    // fp32 FMA, one thread
  double peak_gflops = 0;       // fp32 FMA, `threads` threads
  double int8_gops_1t = 0;      // u8 x s8 -> s32 multiply-adds (2 ops each); 0 without VNNI
  double int8_gops = 0;
  double bandwidth_gbs_1t = 0;  // DRAM triad (12 bytes per element, non-temporal stores)
  double bandwidth_gbs = 0;
  int64_t l1d_bytes = 0, l2_bytes = 0, l3_bytes = 0;  // per core (L1, L2) and per socket (L3)
  std::string probed_at;        // UTC, ISO 8601
  double probe_seconds = 0;     // how long the probe took

  // FLOP per DRAM byte at which a kernel turns from memory- to compute-bound (all threads).
  double balance() const { return bandwidth_gbs > 0 ? peak_gflops / bandwidth_gbs : 0; }
  // Peak and bandwidth for a run on `threads` threads: the one-thread figures for 1, the
  // all-thread figures from `threads` up, linear in between (capped by the all-thread figure).
  double peak_gflops_for(int run_threads) const;
  double bandwidth_gbs_for(int run_threads) const;
};

struct ProbeOptions {
  int threads = 0;                          // 0: one per physical core
  // All three triad arrays together; with stream_beyond_l3, raised to twice the L3 size (at
  // most 1 GiB) when smaller, so the triad measures DRAM.
  int64_t stream_bytes = int64_t{256} << 20;
  bool stream_beyond_l3 = true;
  // Compute trials are short and many: on a shared machine the best of several short windows
  // is the closest to the hardware's figure.
  double seconds_per_test = 0.015;          // per timed compute trial
  int trials = 6;                           // compute: best of
  int stream_trials = 3;                    // triad: best of (each pass streams stream_bytes)
};

// Runs the probe (about a second with the defaults).
Result<MachineInfo> probe_machine(const ProbeOptions& opts = {});

// The cache key of this process: "<brand> | <isa>".
std::string machine_cache_key();
// <cache dir>/machine.json (see the file comment); error when no directory can be derived.
Result<std::string> machine_cache_path();

struct MachineLoad {
  MachineInfo info;
  bool from_cache = false;
  std::string path;        // the cache file ("" when none could be derived)
  std::string cache_note;  // why the cache was not read or written, "" when it was
};
// Reads this machine's entry from the cache, or probes and stores it (refresh: always probe).
// A missing, unreadable or corrupt cache is not an error: the probe runs and the note says why.
Result<MachineLoad> load_or_probe(bool refresh = false, const ProbeOptions& opts = {});

std::string machine_to_json(const MachineInfo& m);  // one JSON object
Result<MachineInfo> machine_from_json(const std::string& text);

}  // namespace sf::rt
