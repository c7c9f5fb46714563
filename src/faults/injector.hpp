// Runs single injections of a campaign in one process (a worker): keeps the golden run of the
// current input as a snapshot of every activation, and re-executes each injection only from the
// faulty node onward (from the node after it for output faults, whose golden output is copied
// and corrupted). Records are JSON objects (journal.hpp stores them one per line).
#pragma once

#include <cstdint>
#include <vector>

#include <nlohmann/json.hpp>

#include "faults/campaign.hpp"
#include "faults/dataset.hpp"
#include "faults/outcome.hpp"
#include "kernels/cpu/gemm/abft.hpp"
#include "runtime/session.hpp"

namespace sf::faults {

// An accumulator injection's effect on its own layer (mining, error_sim.hpp).
struct LayerOutputs {
  size_t layer = 0;               // into Campaign::layers()
  const Tensor* golden = nullptr;  // the golden output (owned by the injector, valid until its next call)
  Tensor faulty;
  bool fired = false;
};

class Injector {
 public:
  // `abft`: the session runs with ABFT on, so records carry detected/corrected counts.
  Injector(rt::Session& session, const Campaign& campaign, const Dataset& data, bool abft);
  // Injection `index`'s record: {"i", "input", "layer", "site", "elements": [...], "outcome", ...}.
  // An engine error during the faulty run is a DUE record, not an error; a Status comes back only
  // when the campaign itself cannot go on (the golden run fails, a layer has no fault hook).
  Result<nlohmann::json> run(int64_t index);
  // The golden run of the current input (seconds), for timeouts.
  double golden_seconds() const { return golden_.seconds; }
  // Injection `index` of an accumulator campaign, run only up to the end of its layer.
  Result<LayerOutputs> accumulator_layer_outputs(int64_t index);

 private:
  Status ensure_golden(int64_t input);
  Result<int64_t> accumulator_tiles(size_t layer);
  Result<nlohmann::json> inject_output(const Injection& in, const CampaignLayer& l, nlohmann::json& rec);
  Result<nlohmann::json> inject_weight(const Injection& in, const CampaignLayer& l, nlohmann::json& rec);
  Result<nlohmann::json> inject_accumulator(const Injection& in, const CampaignLayer& l, nlohmann::json& rec);
  Result<nlohmann::json> inject_error_model(const Injection& in, const CampaignLayer& l, nlohmann::json& rec);
  // The accumulator fault of injection `in` (its bit mask in *mask).
  Result<cpu::AccumulatorFault> draw_accumulator_fault(const Injection& in, uint32_t* mask);
  // Corrupts `elements` distinct values of t (in place), recording them in rec["faults"].
  void corrupt(Tensor& t, Rng& rng, nlohmann::json& rec) const;
  nlohmann::json finish(const Result<rt::NamedTensors>& faulty, nlohmann::json& rec,
                        const abft::Report* report) const;
  nlohmann::json finish_output_fault(const CampaignLayer& l, const Tensor& faulty,
                                     nlohmann::json& rec) const;
  // Runs after a fault recompute only what it changed (Session::run_changed): not under ABFT,
  // whose checks cover whole layers, nor with CampaignSpec::full_rerun.
  bool incremental() const { return !abft_ && !campaign_.spec().full_rerun; }

  rt::Session& session_;
  const Campaign& campaign_;
  const Dataset& data_;
  bool abft_;
  int64_t golden_input_ = -1;
  rt::Snapshot golden_;
  GoldenScores scores_;
  std::vector<int64_t> tiles_;  // per layer: accumulator tiles (-1: not counted yet)
};

}  // namespace sf::faults
