// Error simulation on a running model (README_error_models.md, "On a model"): the logical
// C x H x W view of a layer's output that error models speak of, each layer's profiled output
// range, and mining one error model per layer from the engine's own accumulator-level injections.
#pragma once

#include <cstdint>
#include <functional>
#include <utility>
#include <vector>

#include "core/status.hpp"
#include "core/tensor.hpp"
#include "faults/campaign.hpp"
#include "faults/dataset.hpp"
#include "faults/error_model.hpp"
#include "runtime/session.hpp"

namespace sf::faults {

// One batch item of a layer's output as C x H x W. [N, C, H, W] (stored [N, H, W, C] when
// channels_last); [N, A, B] -> 1 x A x B; [N, F] -> 1 x 1 x F; [F] -> 1 x 1 x F. Larger ranks
// fold the leading non-batch dimensions into C.
struct ChwView {
  int64_t C = 1, H = 1, W = 1;
  bool channels_last = false;
  int64_t size() const { return C * H * W; }
  // Index into the stored tensor (batch item 0) of logical position c*H*W + h*W + w.
  int64_t storage_index(int64_t chw) const {
    if (!channels_last) return chw;
    const int64_t c = chw / (H * W), q = chw % (H * W);
    return q * C + c;
  }
};
ChwView chw_view(const CampaignLayer& l);
// Batch item 0 of t (fp32) in logical CHW order.
std::vector<float> to_chw(const Tensor& t, const ChwView& v);

// [min, max] of each campaign layer's fp32 output over golden runs of the first `max_inputs`
// inputs (all when 0). NaN values are skipped; a layer with none finite gets [0, 0].
Result<std::vector<std::pair<float, float>>> profile_ranges(const rt::Session& session,
                                                            const Campaign& campaign,
                                                            const Dataset& data, int64_t max_inputs);

struct MineOptions {
  double eps = 0;  // an element is corrupted when |faulty - golden| >= eps (0: when it differs)
  ValueModel values = ValueModel::kDeltas;
  std::function<void(int64_t done, int64_t total)> progress;  // called now and then
};

struct MinedLayer {
  std::string layer, op;
  ChwView view;
  float lo = 0, hi = 0;
  int64_t injections = 0, fired = 0, corrupted = 0;
  ErrorModel model;
};

// Runs every injection of `campaign` (accumulator site; its ranges set) up to the end of the
// injected layer only, and mines one error model per layer from the golden and faulty outputs.
Result<std::vector<MinedLayer>> mine_accumulator_errors(rt::Session& session, const Campaign& campaign,
                                                        const Dataset& data, const MineOptions& options);

}  // namespace sf::faults
