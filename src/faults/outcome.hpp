// Outcome classes of one injection (fault-injection.md §5, CLASSES' metrics):
//   masked        every output score within `tolerance` of the golden run's;
//   sdc_critical  the top-1 class changed, or the top-1 score moved by more than critical_delta;
//   sdc_safe      any other silent change;
//   due           a detected unrecoverable error: NaN/Inf in an output the golden run had finite,
//                 an engine error (an uncorrected ABFT alarm included), a crash or a timeout.
// Scores are the first output, flattened; with `scores` auto, a softmax is applied unless the
// golden output already is a probability vector (values in [0, 1] summing to 1).
#pragma once

#include <cstdint>
#include <string>

#include "runtime/session.hpp"

namespace sf::faults {

enum class Outcome { kMasked, kSdcSafe, kSdcCritical, kDue };
inline constexpr int kOutcomes = 4;
const char* outcome_name(Outcome o);  // "masked", "sdc_safe", "sdc_critical", "due"
Result<Outcome> parse_outcome(const std::string& s);

struct Classification {
  Outcome outcome = Outcome::kMasked;
  int64_t golden_top1 = -1, faulty_top1 = -1;
  double top1_delta = 0;    // faulty - golden score of the golden top-1 class
  double max_abs_diff = 0;  // over all outputs (scores for the first)
  std::string due;          // why DUE: "nan_inf", "error", "crash", "timeout"
};

// The golden scores, prepared once per input.
struct GoldenScores {
  bool softmax = false;
  std::vector<double> scores;
  int64_t top1 = -1;
};
Result<GoldenScores> golden_scores(const rt::NamedTensors& golden, const std::string& mode);

Classification classify(const rt::NamedTensors& golden, const GoldenScores& gs,
                        const rt::NamedTensors& faulty, double tolerance, double critical_delta);

}  // namespace sf::faults
