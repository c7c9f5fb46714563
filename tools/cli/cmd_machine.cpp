// steadfast machine: the measured peaks of this machine (fp32 FMA, int8 VNNI), DRAM bandwidth,
// caches and the machine balance, from the cache or a fresh probe (src/runtime/machine.hpp).
#include <CLI/CLI.hpp>
#include <cstdio>
#include <fstream>

#include "runtime/machine.hpp"
#include "tools/cli/commands.hpp"

namespace sf::cli {

namespace {

struct MachineArgs {
  std::string json;
  bool refresh = false;
};

std::string kib(int64_t bytes) {
  if (bytes <= 0) return "?";
  if (bytes >= (int64_t{1} << 20) && bytes % (int64_t{1} << 20) == 0)
    return std::to_string(bytes >> 20) + " MiB";
  return std::to_string(bytes >> 10) + " KiB";
}

int run_machine(const MachineArgs& a) {
  auto loaded = rt::load_or_probe(a.refresh);
  if (!loaded) return report(loaded.status());
  const rt::MachineInfo& m = loaded->info;
  std::printf("cpu:        %s (%d physical cores, %d logical CPUs)\n", m.cpu.c_str(),
              m.physical_cores, m.logical_cpus);
  std::printf("isa:        %s\n", m.isa.c_str());
  std::printf("fp32 peak:  %.1f GFLOP/s (1 thread), %.1f GFLOP/s (%d threads)\n",
              m.peak_gflops_1t, m.peak_gflops, m.threads);
  if (m.int8_gops > 0)
    std::printf("int8 peak:  %.1f GOP/s (1 thread), %.1f GOP/s (%d threads) [vpdpbusd]\n",
                m.int8_gops_1t, m.int8_gops, m.threads);
  else
    std::printf("int8 peak:  not measured (no AVX-512 VNNI at this ISA level)\n");
  std::printf("bandwidth:  %.1f GB/s (1 thread), %.1f GB/s (%d threads) [triad]\n",
              m.bandwidth_gbs_1t, m.bandwidth_gbs, m.threads);
  std::printf("balance:    %.1f FLOP/byte (fp32 peak / bandwidth, %d threads)\n", m.balance(),
              m.threads);
  std::printf("caches:     L1d %s, L2 %s, L3 %s\n", kib(m.l1d_bytes).c_str(),
              kib(m.l2_bytes).c_str(), kib(m.l3_bytes).c_str());
  char probe[96];
  std::snprintf(probe, sizeof probe, "probe (%.2f s, %s)", m.probe_seconds, m.probed_at.c_str());
  std::string source = loaded->from_cache ? "cache " + loaded->path : std::string(probe);
  if (!loaded->cache_note.empty()) source += "; " + loaded->cache_note;
  std::printf("source:     %s\n", source.c_str());
  if (!a.json.empty()) {
    std::ofstream o(a.json);
    o << rt::machine_to_json(m) << "\n";
    if (!o) return report(io_error("cannot write " + a.json));
  }
  return kExitOk;
}

}  // namespace

void add_machine_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<MachineArgs>();
  CLI::App* cmd = app.add_subcommand(
      "machine", "Measured peak FLOP/s, int8 op/s, DRAM bandwidth and caches of this machine");
  cmd->add_option("--json", args->json, "Also write the figures to this JSON file");
  cmd->add_flag("--refresh", args->refresh, "Probe again instead of reading the cache");
  cmd->callback([args, &exit_code] { exit_code = run_machine(*args); });
}

}  // namespace sf::cli
