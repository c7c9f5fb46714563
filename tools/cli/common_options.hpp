// Options shared by the subcommands that load and run a model (run, profile, bench): the model,
// its inputs (.npy files or seeded random tensors), threads, the memory cap and the ablation
// switches that map onto rt::ExecOptions (docs/performance.md turns them off one at a time).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/status.hpp"
#include "runtime/session.hpp"

namespace CLI {
class App;
}

namespace sf::cli {

struct ModelArgs {
  std::string model;
  std::vector<std::string> inputs;  // NAME=FILE.npy
  bool random = false;              // fill inputs that are not given with random data
  uint64_t seed = 0;
  int threads = 0;                  // 0: one per physical core
  int64_t max_tensor_bytes = MemoryLimit::kDefaultBytes;
  // Ablation switches (true = that optimisation is off).
  bool no_fast_kernels = false, no_fuse = false, no_layout = false, no_winograd = false,
       no_pack = false, no_memory_plan = false;
  // Soft-error protection (src/abft/README.md).
  std::string abft = "off";               // auto | global | tile | dmr | off
  std::string abft_select = "intensity";  // how auto chooses: intensity | measured
  bool abft_dmr_other = false;            // duplicate the layers no checksum covers
  double abft_balance = 0;                // FLOP/byte; 0: from `steadfast machine`
  std::string abft_report;                // write the ABFT run report (JSON) here
};

enum class RandomInputs { kFlag, kAlways };

// Adds MODEL (positional; required unless `model_optional`), --input, --seed, --threads,
// --max-tensor-bytes and the --no-* switches; --random too when random inputs need the flag.
void add_model_options(CLI::App* cmd, ModelArgs& a, RandomInputs random, bool model_optional);

rt::SessionOptions session_options(const ModelArgs& a);
// The same without the ABFT switches (the schemes' overhead report compares them itself).
rt::SessionOptions session_options_no_abft(const ModelArgs& a);

// The feeds for one run: the --input files, then seeded random tensors for the inputs not
// given (only when `a.random`); errors name an unknown or missing input.
Result<rt::NamedTensors> make_feeds(const rt::Session& session, const ModelArgs& a);

// The switches that are off, as "no-fuse,no-layout" ("" when all are on).
std::string ablation_string(const ModelArgs& a);

// One line of ABFT counts (layers per scheme, checks, alarms, corrected, unrecoverable) and one
// line per event.
void print_abft_summary(const abft::Report& r);

// Peak resident set size of this process in MiB (getrusage).
double peak_rss_mb();

}  // namespace sf::cli
