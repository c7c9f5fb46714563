// A fault-injection campaign: which faults, where, how many, and the plan that turns an injection
// index into one concrete fault (src/faults/README.md).
//
// Sampling is stratified by layer with equal allocation: every chosen layer gets n / L injections
// (the first n mod L layers one more), so per-layer vulnerabilities have comparable intervals.
// Injection i belongs to the layer whose index range holds it; everything else about it (input,
// element, bits, time) is drawn from Rng(seed, i), so any injection can be replayed alone and a
// campaign split over workers, processes or MPI ranks gives exactly the same records.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/shape.hpp"
#include "core/status.hpp"
#include "faults/error_model.hpp"
#include "faults/fault_model.hpp"
#include "ir/graph.hpp"
#include "runtime/session.hpp"

namespace sf::faults {

// Where faults land.
enum class Site {
  kOutput,       // a node's output activation, after the node ran (transient)
  kWeight,       // a node's weight tensor, for the whole inference (persistent)
  kAccumulator,  // a BRGEMM accumulator inside the node's microkernel (the instruction-level
                 // analogue; fp32 single-bit flips, cpu::AccumulatorFault)
};
const char* site_name(Site s);
Result<Site> parse_site(const std::string& s);

struct CampaignSpec {
  FaultModel fault;
  Site site = Site::kOutput;
  // Layer selection: node names, op names (Conv, FusedConv, Gemm, MatMul, ...) or "all"; a name
  // may end in '*' to match a prefix. Empty: every Conv/Gemm/MatMul-like node.
  std::vector<std::string> layers;
  int64_t n = 0;            // total injections; 0: Leveugle per layer from margin and confidence
  double margin = 0.01, confidence = 0.99;
  uint64_t seed = 1;
  // Outcome classification (outcome.hpp).
  double tolerance = 1e-5;   // masked: every score within this of the golden one
  double critical_delta = 0.05;
  std::string scores = "auto";  // auto | softmax | raw
  // Error simulation (error_sim.hpp): when set, each injection overwrites the layer's output with
  // a corruption sampled from this model instead of applying `fault`; output sites only.
  std::shared_ptr<const ErrorModel> error_model;
  std::string error_model_label;  // the file it came from (records, summaries, fingerprint)
  // Re-run every node after a corrupted output whole, instead of only what the corruption
  // changes (Session::run_changed). The records are the same either way (a test checks), so
  // this is not part of the fingerprint; it is there to measure what incremental runs save.
  bool full_rerun = false;
  // "error-model:<label>" with an error model, else fault.spec().
  std::string fault_label() const;
};

struct CampaignLayer {
  size_t node = 0;
  std::string name, op;
  ir::ValueId value = ir::kNoValue;  // the value faults land in (output or weight)
  DType dtype = DType::kF32;
  Shape shape;
  bool channels_last = false;  // the value is NHWC (for spatial error patterns)
  int64_t elements = 0;
  double population = 0;       // elements x bit positions (x inputs)
  int64_t injections = 0, first = 0;  // this layer's index range [first, first + injections)
  // The layer's profiled output range (error simulation; Campaign::set_ranges).
  float lo = 0, hi = 0;
};

// One injection, before it runs.
struct Injection {
  int64_t index = 0;
  int64_t input = 0;
  size_t layer = 0;  // into Campaign::layers()
  uint64_t seed = 0; // stream for the draws made while injecting (elements, bits, values)
};

class Campaign {
 public:
  // `sample`: a run's snapshot (of any input), for the shapes inference left free (batch).
  static Result<Campaign> plan(const rt::Session& session, const CampaignSpec& spec, int64_t inputs,
                               const rt::Snapshot& sample);
  const CampaignSpec& spec() const { return spec_; }
  const std::vector<CampaignLayer>& layers() const { return layers_; }
  int64_t size() const { return size_; }
  int64_t inputs() const { return inputs_; }
  Injection describe(int64_t index) const;
  // A hash of everything that decides the records (spec, layers, inputs); journals carry it.
  std::string fingerprint(const std::string& model_id) const;
  // Sets each layer's output range (one [lo, hi] per layer, error_sim.hpp profile_ranges).
  Status set_ranges(const std::vector<std::pair<float, float>>& ranges);

 private:
  CampaignSpec spec_;
  std::vector<CampaignLayer> layers_;
  int64_t size_ = 0, inputs_ = 0;
};

// Whether each value of the graph is stored channels-last (NHWC) after the layout pass.
std::vector<bool> channels_last_values(const ir::Graph& g);

}  // namespace sf::faults
