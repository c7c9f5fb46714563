// The records of `steadfast abft-campaign` (cmd_abft_campaign.cpp) and their summaries: the
// fault-free table (false alarms with a 95% upper bound), the injection table per model and scheme
// (coverage with a 95% lower bound) and detection against the flipped bit, printed as text,
// written as JSON and as Markdown (docs/abft-campaign.md).
//
// Classification of one injection (docs/abft-campaign.md has the reasoning):
//   error      |after - before| of the flipped accumulator (infinite when `after` is Inf or NaN)
//   tolerance  global: the layer check's tolerance; tile: the faulty register tile's tolerance;
//              dmr: 0 on the output bytes (above = the flip changed the node's output bytes)
//   above      error > tolerance: the check must catch it (a miss otherwise)
//   below      error <= tolerance: inside the roundoff envelope the check proves; reported on its
//              own lines (benign when undetected), never counted as a miss
//   unclassified  the faulty tile's checksum was unverifiable (non-finite inputs)
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "abft/scheme.hpp"

namespace sf::cli::campaign {

// One model under one scheme, fault-free.
struct FaultFreeRow {
  std::string model, mode;
  int threads = 1;
  int64_t inferences = 0, checks = 0, unverifiable = 0, alarms = 0, failed_runs = 0;
  double seconds = 0;
};

// One injection.
struct Injection {
  std::string model, mode;  // mode: the session's --abft scheme
  std::string node;
  abft::Scheme scheme = abft::Scheme::kNone;  // what the node ran under
  int input = 0;
  int64_t skip_tiles = 0;
  uint32_t row_pick = 0, col_pick = 0;
  double at = 0;
  int bit = 0;
  float before = 0, after = 0;
  double error = 0, tolerance = 0, difference = -1;  // difference: |sum - checksum| when known
  bool classified = true, above = false, detected = false, unrecoverable = false;
  bool output_changed = false;  // final outputs differ from the fault-free run's
  // The first output is [rows, classes] (a classifier): whether some row's top-1 class changed.
  bool top1_applicable = false, top1_changed = false;
  bool wrong_correction() const { return detected && !unrecoverable && output_changed; }
  bool missed() const { return classified && above && !detected; }
};

// Counts over a set of injections.
struct Tally {
  int64_t injections = 0, above = 0, above_detected = 0, missed = 0, below_undetected = 0,
          below_detected = 0, unclassified = 0, wrong_corrections = 0, unrecoverable = 0,
          silent_output_changes = 0,  // undetected and the final outputs differ
          silent_top1_changes = 0;    // undetected and a top-1 class changed (SDC-1)
  void add(const Injection& i);
  double coverage_lower_bound() const;  // 95%, among above-tolerance injections
};

// One model under one scheme, injected.
struct InjectionRow {
  std::string model, mode;
  int64_t candidate_nodes = 0, retries = 0;  // retries: fault did not fire / twin disagreed
  bool reached_target = false;
  Tally tally;
  double seconds = 0;
};

struct Campaign {
  std::vector<std::string> models, modes;
  int threads = 1;
  uint64_t seed = 0;
  int64_t fault_free = 0, min_above = 0, max_injections = 0;
  double balance = 0;
  bool dmr_other = false, checks_broken = false;
  std::string command;
  std::vector<FaultFreeRow> fault_free_rows;
  std::vector<InjectionRow> injection_rows;
  std::vector<Injection> injections;
};

// The field of fp32 bit b: "sign", "exponent", "mantissa (high)" (bits 16..22), "mantissa (low)".
const char* bit_field(int bit);

void print_text(const Campaign& c);
std::string to_json(const Campaign& c);
std::string to_markdown(const Campaign& c);

}  // namespace sf::cli::campaign
