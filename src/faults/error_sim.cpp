#include "faults/error_sim.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "faults/injector.hpp"

namespace sf::faults {

ChwView chw_view(const CampaignLayer& l) {
  ChwView v;
  const Shape& s = l.shape;
  if (s.size() == 4) {
    v.channels_last = l.channels_last;
    v.C = l.channels_last ? s[3] : s[1];
    v.H = l.channels_last ? s[1] : s[2];
    v.W = l.channels_last ? s[2] : s[3];
  } else if (s.size() == 3) {
    v.H = s[1], v.W = s[2];
  } else if (s.size() == 2) {
    v.W = s[1];
  } else if (s.size() == 1) {
    v.W = s[0];
  } else if (s.size() > 4) {
    for (size_t d = 1; d + 2 < s.size(); ++d) v.C *= s[d];
    v.H = s[s.size() - 2], v.W = s[s.size() - 1];
  }
  return v;
}

std::vector<float> to_chw(const Tensor& t, const ChwView& v) {
  std::vector<float> out(static_cast<size_t>(v.size()));
  const float* p = t.data<float>();
  for (int64_t i = 0; i < v.size(); ++i) out[static_cast<size_t>(i)] = p[v.storage_index(i)];
  return out;
}

Result<std::vector<std::pair<float, float>>> profile_ranges(const rt::Session& session,
                                                            const Campaign& campaign,
                                                            const Dataset& data, int64_t max_inputs) {
  const auto& layers = campaign.layers();
  std::vector<std::pair<float, float>> r(layers.size(), {std::numeric_limits<float>::infinity(),
                                                         -std::numeric_limits<float>::infinity()});
  const auto n = static_cast<int64_t>(data.items.size());
  const int64_t count = max_inputs > 0 ? std::min(max_inputs, n) : n;
  for (int64_t i = 0; i < count; ++i) {
    auto snap = session.capture(data.items[static_cast<size_t>(i)]);
    if (!snap) return snap.status().with_context("profiling the layer ranges: golden run of input " + std::to_string(i));
    for (size_t k = 0; k < layers.size(); ++k) {
      const Tensor& t = snap->values[static_cast<size_t>(layers[k].value)];
      if (t.empty() || t.dtype() != DType::kF32)
        return internal_error("layer '" + layers[k].name + "': no fp32 output kept by the golden run");
      const float* p = t.data<float>();
      for (int64_t e = 0; e < t.numel(); ++e)
        if (!std::isnan(p[e])) r[k].first = std::min(r[k].first, p[e]), r[k].second = std::max(r[k].second, p[e]);
    }
  }
  for (auto& [lo, hi] : r)
    if (lo > hi) lo = hi = 0;
  return r;
}

Result<std::vector<MinedLayer>> mine_accumulator_errors(rt::Session& session, const Campaign& campaign,
                                                        const Dataset& data, const MineOptions& options) {
  if (campaign.spec().site != Site::kAccumulator)
    return invalid_argument("mining needs an accumulator-site campaign");
  const auto& layers = campaign.layers();
  std::vector<MinedLayer> out(layers.size());
  std::vector<ErrorModelMiner> miners;
  for (size_t k = 0; k < layers.size(); ++k) {
    MinedLayer& m = out[k];
    m.layer = layers[k].name, m.op = layers[k].op;
    m.view = chw_view(layers[k]);
    m.lo = layers[k].lo, m.hi = layers[k].hi;
    miners.emplace_back(layers[k].name, options.eps, options.values);
  }
  // Grouped by input, so each input's golden run is made once.
  std::vector<std::pair<int64_t, int64_t>> order;  // (input, index)
  for (int64_t i = 0; i < campaign.size(); ++i) order.emplace_back(campaign.describe(i).input, i);
  std::sort(order.begin(), order.end());
  Injector injector(session, campaign, data, false);
  for (int64_t done = 0; done < campaign.size(); ++done) {
    const int64_t i = order[static_cast<size_t>(done)].second;
    SF_ASSIGN_OR_RETURN(LayerOutputs lo, injector.accumulator_layer_outputs(i));
    MinedLayer& m = out[lo.layer];
    ++m.injections;
    if (lo.fired) ++m.fired;
    const std::vector<float> g = to_chw(*lo.golden, m.view), f = to_chw(lo.faulty, m.view);
    miners[lo.layer].add(g.data(), f.data(), m.view.C, m.view.H, m.view.W, m.lo, m.hi);
    if (options.progress && ((done + 1) % 256 == 0 || done + 1 == campaign.size()))
      options.progress(done + 1, campaign.size());
  }
  for (size_t k = 0; k < layers.size(); ++k) {
    out[k].corrupted = miners[k].corrupted();
    out[k].model = miners[k].build();
  }
  return out;
}

}  // namespace sf::faults
