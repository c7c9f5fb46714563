// CLASSES-style error models (fault-injection.md §4): per-operator statistical descriptions of how a
// hardware fault corrupts an operator's output tensor, used to simulate errors (overwrite a layer's
// output with a sampled corruption) instead of injecting architecture-level faults.
//
// - error_model.cpp:    types <-> JSON (the CLASSES per-operator schema, §4.2, plus "_injection_count").
// - error_patterns.cpp: the spatial-pattern generators (generate_pattern).
// - error_sampling.cpp: realise_parameters, draw_value and sample_corruption (§4.4).
// - error_miner.cpp:    classify_pattern (observed corruption -> spatial class + parameters) and
//                       ErrorModelMiner (golden/faulty pairs -> ErrorModel).
// Positions are flat indexes c*H*W + h*W + w into a batch-1 output of logical shape C x H x W; the
// in-channel index of a position is h*W + w. README_error_models.md defines every class.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/status.hpp"
#include "faults/rng.hpp"

namespace sf::faults {

// kDelta is a steadfast extension: golden + d, with d drawn from the model's "_value_deltas".
enum class ValueClass { kInRange, kOutOfRange, kZero, kNaN, kFlip, kDelta };
inline constexpr int kNumValueClasses = 6;
// "in_range", "out_of_range", "zero", "nan", "flip", "delta".
const char* value_class_name(ValueClass v);
// Inverse of value_class_name; nullopt for any other string.
std::optional<ValueClass> value_class_from_name(const std::string& name);

// One realised parameter value: a number, or a list of numbers (a [lo, hi] range for the keys that
// take one). Where a generator expects a number and finds [lo, hi], it draws uniformly from the
// range; where it expects a range and finds a number v, it uses [v, v].
struct ParamChoice {
  bool is_list = false;
  std::vector<double> numbers;  // exactly 1 when !is_list
  bool operator==(const ParamChoice&) const = default;
};

// A parameter value as written in a file: a fixed ParamChoice, or {"RANDOM": [choices...]}.
struct ParamValue {
  bool random = false;
  std::vector<ParamChoice> choices;  // exactly 1 when !random, >= 1 when random
  bool operator==(const ParamValue&) const = default;
};

// keys and stats merged after realisation (a name is never in both; the parser rejects that).
using RealisedParams = std::map<std::string, ParamChoice>;

// One entry of a spatial class's "parameters" list.
struct ParameterSet {
  std::map<std::string, ParamValue> keys;
  std::map<std::string, ParamValue> stats;
  double conditional_frequency = 1.0;
  std::optional<double> overall_frequency;
  std::optional<int64_t> count;
  nlohmann::json extra = nlohmann::json::object();  // other members, kept verbatim for round trips
  // keys/stats values of a shape no generator reads (unknown names only), kept verbatim.
  nlohmann::json opaque_keys = nlohmann::json::object();
  nlohmann::json opaque_stats = nlohmann::json::object();
  bool operator==(const ParameterSet&) const = default;
};

// One entry of a spatial class's "domain_classes" list (§4.2), in one of three forms.
struct DomainClass {
  enum class Form { kSingle, kDouble, kRandom };
  struct Bucket {
    ValueClass value_class = ValueClass::kInRange;
    double lo_pct = 100, hi_pct = 100;  // share of the corrupted values, in percent
    bool operator==(const Bucket&) const = default;
  };
  Form form = Form::kSingle;
  std::vector<Bucket> buckets;  // kSingle: 1; kDouble: 2; kRandom: empty
  double random_lo_pct = 100, random_hi_pct = 100;  // kRandom: the "random": [lo, hi] bucket
  std::vector<std::pair<ValueClass, double>> values;  // kRandom: per-value probabilities
  int64_t count = 0;
  double frequency = 0;
  bool operator==(const DomainClass&) const = default;
};

struct SpatialClass {
  std::string name;  // "single", "bullet_wake", "skip_4", ...
  int64_t count = 0;
  double frequency = 0;  // share among accepted (classified) tensors
  std::optional<int64_t> categories_count;
  std::vector<DomainClass> domain_classes;
  std::vector<ParameterSet> parameters;  // may be empty: the generator's defaults apply
  nlohmann::json extra = nlohmann::json::object();
  bool operator==(const SpatialClass&) const = default;
};

// Steadfast extension "_value_deltas": the additive errors d = faulty - golden of the corrupted
// finite values a miner saw, as a histogram over log2(|d| / unit) in bins of `bin_width` octaves,
// with unit = the RMS of the golden output the error lands in (delta_unit), and per bin how
// many d had the golden value's sign (0 counting as positive: |value| grew, as when a flipped
// accumulator bit raises a partial sum's magnitude) or the other one. The delta value class draws
// a bin by its count, the sign relation by the bin's split, and |d| log-uniformly in the bin.
struct DeltaHistogram {
  struct Bin {
    double log2_lo = 0;  // the bin is [log2_lo, log2_lo + bin_width)
    int64_t with_sign = 0, against_sign = 0;  // d has golden's sign / the opposite one
    bool operator==(const Bin&) const = default;
  };
  double bin_width = 0.25;
  std::vector<Bin> bins;  // sorted by log2_lo, unique
  int64_t total() const;
  bool operator==(const DeltaHistogram&) const = default;
};
// The unit deltas are measured in: the RMS of the n golden values (finite ones), or, when that is
// 0, hi - lo, or else 1. Per input, so errors scale with each input's activations.
double delta_unit(const float* golden, int64_t n, float lo, float hi);

// One operator's model (one JSON file).
struct ErrorModel {
  std::string op_name;         // the file's stem, or the miner's op name; not serialised
  int64_t tensor_count = 0;    // "_tensor_count": corrupted tensors the model was built from
  double rejected_proportion = 0;  // "_rejected_tensors_proportion"
  std::optional<int64_t> categories_count;  // "_categories_count" (informational)
  // "_injection_count" (steadfast extension): injections mined, corrupted or not. When present,
  // an injection leaves the output uncorrupted with probability 1 - tensor_count / injection_count.
  std::optional<int64_t> injection_count;
  std::optional<DeltaHistogram> deltas;  // "_value_deltas" (steadfast extension)
  std::vector<SpatialClass> classes;
  nlohmann::json extra = nlohmann::json::object();  // other "_" top-level members, kept verbatim
  std::vector<std::string> warnings;  // e.g. skipped unknown classes (ParseOptions)
  bool operator==(const ErrorModel&) const = default;

  // Probability that one injection corrupts nothing (0 without injection_count).
  double p_uncorrupted() const;
  const SpatialClass* find_class(const std::string& name) const;
};

struct ParseOptions {
  // false: an unknown spatial class name is an error. true: the class is dropped, a warning is
  // stored in ErrorModel::warnings, and the remaining frequencies are renormalised when sampling.
  bool skip_unknown_classes = false;
};

// `source` names the file in error messages. Frequencies (spatial, conditional, domain) must sum
// to 1 within kFrequencySumTolerance; sampling normalises by the actual sum.
inline constexpr double kFrequencySumTolerance = 0.02;
Result<ErrorModel> parse_error_model(const nlohmann::json& j, const std::string& source,
                                     const ParseOptions& options = {});
Result<ErrorModel> load_error_model(const std::string& path, const ParseOptions& options = {});
nlohmann::json error_model_to_json(const ErrorModel& m);
Status save_error_model(const ErrorModel& m, const std::string& path);

// True for the names a generator exists for: the fixed names below and skip_<k> with k >= 2.
bool is_supported_spatial_class(const std::string& name);
// The fixed names (skip_<k> not included).
const std::vector<std::string>& fixed_spatial_class_names();

// ---- Sampling (error_sampling.cpp, error_patterns.cpp) ----

// One sampled corruption: positions sorted and unique, values and value_classes aligned with them.
// Empty positions (and spatial_class "") = this injection corrupts nothing.
struct Corruption {
  std::string spatial_class;
  std::vector<int64_t> positions;
  std::vector<float> values;
  std::vector<ValueClass> value_classes;
};

inline constexpr int kMaxPatternAttempts = 20;

// §4.4. `golden` (logical CHW order, C*H*W values) is read only by the flip class and may be null
// otherwise; [lo, hi] is the layer's profiled output range. Errors: kInvalidArgument for bad
// arguments; kUnsupported with a message starting "rejected:" when the class cannot be realised
// on this shape in kMaxPatternAttempts attempts.
Result<Corruption> sample_corruption(const ErrorModel& m, int64_t C, int64_t H, int64_t W,
                                     const float* golden, float lo, float hi, Rng& rng);

// Step 3 of §4.4: picks every RANDOM choice uniformly, keeping min_X <= max_X pairs consistent.
RealisedParams realise_parameters(const ParameterSet& p, Rng& rng);

// One attempt of a class's generator (step 5): sorted unique positions that satisfy the class's
// definition (README_error_models.md), or kUnsupported when the shape cannot host the pattern.
// Exposed for tests and tools; sample_corruption adds the retries and the class check.
Result<std::vector<int64_t>> generate_pattern(const std::string& spatial_class,
                                              const RealisedParams& params, int64_t C, int64_t H,
                                              int64_t W, Rng& rng);

// Draws one value of class v. `golden_value` is used by kFlip and kDelta only, `deltas` and
// `delta_unit` by kDelta only (which needs a histogram: without one the golden value comes back).
float draw_value(ValueClass v, float golden_value, float lo, float hi, Rng& rng,
                 const DeltaHistogram* deltas = nullptr, double delta_unit = 1.0);

// ---- Mining (error_miner.cpp) ----

// The class of one observed corruption and the parameters entry that reproduces it (keys/stats
// only; its frequencies are left at their defaults).
struct PatternClass {
  std::string spatial_class;
  ParameterSet parameters;
};

// positions: flat CHW indexes (any order, duplicates allowed), at least one, all < C*H*W.
Result<PatternClass> classify_pattern(std::span<const int64_t> positions, int64_t C, int64_t H,
                                      int64_t W);

// Value class of one corrupted element as the miner sees it: NaN/Inf -> nan, 0 -> zero,
// within [lo, hi] -> in_range, exactly one bit different from golden -> flip, else out_of_range.
ValueClass classify_value(float golden, float faulty, float lo, float hi);

// Whether an element counts as corrupted: finite values moved by at least eps (the CLASSES
// classifier's default 1e-2; eps <= 0: by anything), or a change of non-finite value.
bool is_corrupted_value(float golden, float faulty, double eps);

// How a miner describes corrupted values: by the CLASSES value classes (classify_value), or
// (steadfast extension) every finite one as kDelta with its additive error in "_value_deltas"
// and non-finite ones as kNaN. Deltas reproduce the magnitudes of accumulator-level errors,
// which decide whether a corruption is masked downstream; the CLASSES classes do not keep them.
enum class ValueModel { kClasses, kDeltas };
const char* value_model_name(ValueModel v);

class ErrorModelMiner {
 public:
  explicit ErrorModelMiner(std::string op_name, double eps = 1e-2,
                           ValueModel values = ValueModel::kClasses);

  // One injection's output pair (logical CHW, batch 1). An invalid call (null data, non-positive
  // dims, lo > hi) is not counted and is recorded in ignored().
  void add(const float* golden, const float* faulty, int64_t C, int64_t H, int64_t W, float lo,
           float hi);
  // Sets _injection_count = number of counted add() calls.
  ErrorModel build() const;

  int64_t injections() const { return injections_; }
  int64_t corrupted() const { return corrupted_; }
  int64_t ignored() const { return ignored_; }
  // Corrupted tensors per spatial class.
  std::map<std::string, int64_t> class_counts() const;
  // Corrupted values per value class, over all corrupted tensors.
  const std::map<ValueClass, int64_t>& value_counts() const { return value_counts_; }

 private:
  struct ClassAgg {
    int64_t count = 0;
    std::map<std::string, std::pair<ParameterSet, int64_t>> params;  // by canonical JSON
    std::map<std::string, std::pair<DomainClass, int64_t>> domains;  // single/double forms
    int64_t random_domain_count = 0;                        // >= 3 value classes present
    std::map<ValueClass, double> random_domain_share_sum;  // sum of per-tensor shares
  };
  std::string op_name_;
  double eps_;
  ValueModel values_;
  std::map<int64_t, std::pair<int64_t, int64_t>> delta_bins_;  // bin index -> (with, against) golden's sign
  int64_t injections_ = 0, corrupted_ = 0, ignored_ = 0;
  std::map<std::string, ClassAgg> classes_;
  std::map<ValueClass, int64_t> value_counts_;
};

}  // namespace sf::faults
