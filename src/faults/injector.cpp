#include "faults/injector.hpp"

#include <algorithm>
#include <cstring>
#include <limits>

#include "kernels/cpu/gemm/abft.hpp"
#include "runtime/fault_observer.hpp"

namespace sf::faults {

Injector::Injector(rt::Session& session, const Campaign& campaign, const Dataset& data, bool abft)
    : session_(session), campaign_(campaign), data_(data), abft_(abft),
      tiles_(campaign.layers().size(), -1) {}

Status Injector::ensure_golden(int64_t input) {
  if (input == golden_input_) return Status::ok();
  golden_input_ = -1;
  auto snap = session_.capture(data_.items[static_cast<size_t>(input)]);
  if (!snap) return snap.status().with_context("golden run of input " + std::to_string(input));
  golden_ = std::move(snap).value();
  SF_ASSIGN_OR_RETURN(scores_, golden_scores(golden_.outputs, campaign_.spec().scores));
  golden_input_ = input;
  return Status::ok();
}

Result<nlohmann::json> Injector::run(int64_t index) {
  const Injection in = campaign_.describe(index);
  SF_TRY(ensure_golden(in.input));
  const CampaignLayer& l = campaign_.layers()[in.layer];
  nlohmann::json rec;
  rec["i"] = index;
  rec["input"] = in.input;
  rec["layer"] = l.name;
  switch (campaign_.spec().site) {
    case Site::kOutput: return inject_output(in, l, rec);
    case Site::kWeight: return inject_weight(in, l, rec);
    case Site::kAccumulator: return inject_accumulator(in, l, rec);
  }
  return internal_error("unknown site");
}

void Injector::corrupt(Tensor& t, Rng& rng, nlohmann::json& rec) const {
  const FaultModel& m = campaign_.spec().fault;
  const int64_t n = t.numel();
  const int64_t count = std::min<int64_t>(m.elements, n);
  // Distinct elements: rejection against the ones drawn (count is small next to n in practice;
  // when it is not, the loop still ends because count <= n).
  std::vector<int64_t> picked;
  while (static_cast<int64_t>(picked.size()) < count) {
    const auto e = static_cast<int64_t>(rng.below(static_cast<uint64_t>(n)));
    if (std::find(picked.begin(), picked.end(), e) == picked.end()) picked.push_back(e);
  }
  std::sort(picked.begin(), picked.end());
  const bool bytes = t.dtype() == DType::kI8 || t.dtype() == DType::kU8;
  const float scale = !bytes && m.repr == Repr::kI8 ? int8_scale(t.data<float>(), n) : 1.0f;
  nlohmann::json& faults = rec["faults"];
  for (int64_t e : picked) {
    const uint32_t mask = m.touches_bits() ? draw_bit_mask(m, rng) : 0;
    nlohmann::json f;
    f["element"] = e;
    if (m.touches_bits()) f["mask"] = mask;
    if (bytes) {
      auto* p = static_cast<uint8_t*>(t.raw()) + e;
      const uint8_t before = *p;
      *p = apply_to_byte(m, before, mask, rng);
      f["before"] = t.dtype() == DType::kI8 ? static_cast<int>(static_cast<int8_t>(before)) : before;
      f["after"] = t.dtype() == DType::kI8 ? static_cast<int>(static_cast<int8_t>(*p)) : *p;
    } else {
      float* p = t.data<float>() + e;
      const float before = *p;
      *p = apply_to_f32(m, before, mask, scale, rng);
      f["before"] = before;
      f["after"] = *p;  // nlohmann writes NaN/Inf as null
    }
    faults.push_back(std::move(f));
  }
}

nlohmann::json Injector::finish(const Result<rt::NamedTensors>& faulty, nlohmann::json& rec,
                                const abft::Report* report) const {
  if (!faulty) {
    rec["outcome"] = outcome_name(Outcome::kDue);
    rec["due"] = faulty.status().code() == StatusCode::kDetectedUnrecoverable ? "abft_unrecoverable" : "error";
    rec["error"] = faulty.status().message();
  } else {
    const Classification c = classify(golden_.outputs, scores_, *faulty, campaign_.spec().tolerance,
                                      campaign_.spec().critical_delta);
    rec["outcome"] = outcome_name(c.outcome);
    if (!c.due.empty()) rec["due"] = c.due;
    rec["golden_top1"] = c.golden_top1;
    rec["faulty_top1"] = c.faulty_top1;
    rec["top1_delta"] = c.top1_delta;
    rec["max_abs_diff"] = c.max_abs_diff;
  }
  if (report) {
    int64_t alarms = 0, corrected = 0, unrecoverable = 0;
    for (const auto& l : report->layers) {
      alarms += l.alarms;
      corrected += l.corrected;
      unrecoverable += l.unrecoverable;
    }
    rec["abft"] = {{"alarms", alarms}, {"corrected", corrected}, {"unrecoverable", unrecoverable}};
  }
  return rec;
}

Result<nlohmann::json> Injector::inject_output(const Injection& in, const CampaignLayer& l,
                                               nlohmann::json& rec) {
  Rng rng(in.seed, 0);
  const Tensor& golden = golden_.values[static_cast<size_t>(l.value)];
  if (golden.empty()) return internal_error("layer '" + l.name + "': its golden output was not kept");
  Tensor faulty = golden.clone();
  corrupt(faulty, rng, rec);
  rt::RunOverrides ov;
  ov.values.emplace_back(l.value, &faulty);
  abft::Report report;
  auto out = session_.run_from(golden_, l.node + 1, nullptr, abft_ ? &report : nullptr, &ov);
  return finish(out, rec, abft_ ? &report : nullptr);
}

Result<nlohmann::json> Injector::inject_weight(const Injection& in, const CampaignLayer& l,
                                               nlohmann::json& rec) {
  Rng rng(in.seed, 0);
  const ir::Graph& g = session_.graph();
  const ir::Value& val = g.value(l.value);
  if (!val.constant || (val.constant->nbytes() > 0 && !val.constant->raw()))
    return unsupported("layer '" + l.name + "': its weights were released after packing "
                               "(load the session with keep_constants)");
  Tensor faulty = val.constant->clone();
  corrupt(faulty, rng, rec);
  // Every reader of the weight sees the fault; the run restarts at the first of them.
  rt::RunOverrides ov;
  ov.values.emplace_back(l.value, &faulty);
  std::vector<std::unique_ptr<rt::PreparedKernel>> kernels;
  size_t first = g.nodes.size();
  for (size_t k = 0; k < g.nodes.size(); ++k) {
    const ir::Node& n = g.nodes[k];
    if (std::find(n.inputs.begin(), n.inputs.end(), l.value) == n.inputs.end()) continue;
    first = std::min(first, k);
    SF_ASSIGN_OR_RETURN(auto kernel, session_.prepare_with_constant(k, l.value, faulty));
    if (kernel) {
      ov.kernels.emplace_back(k, kernel.get());
      kernels.push_back(std::move(kernel));
    }
  }
  abft::Report report;
  auto out = session_.run_from(golden_, first, nullptr, abft_ ? &report : nullptr, &ov);
  return finish(out, rec, abft_ ? &report : nullptr);
}

Result<int64_t> Injector::accumulator_tiles(size_t layer) {
  if (tiles_[layer] >= 0) return tiles_[layer];
  const CampaignLayer& l = campaign_.layers()[layer];
  cpu::AccumulatorFault probe;
  probe.skip_tiles = std::numeric_limits<int64_t>::max() / 2;  // never fires: counts the tiles
  rt::AccumulatorFaultObserver obs(l.node, probe);
  auto out = session_.run_from(golden_, l.node, &obs);
  const int64_t tiles = cpu::fault_tiles_counted();
  cpu::fault_disarm();
  SF_TRY(out.status());
  if (tiles <= 0)
    return unsupported("layer '" + l.name + "' (" + l.op + ", kernel " +
                               session_.kernel_name(l.node) +
                               ") has no accumulator fault hook: choose output or weight faults for it");
  tiles_[layer] = tiles;
  return tiles;
}

Result<nlohmann::json> Injector::inject_accumulator(const Injection& in, const CampaignLayer& l,
                                                    nlohmann::json& rec) {
  Rng rng(in.seed, 0);
  SF_ASSIGN_OR_RETURN(const int64_t tiles, accumulator_tiles(in.layer));
  const FaultModel& m = campaign_.spec().fault;
  cpu::AccumulatorFault f;
  f.skip_tiles = static_cast<int64_t>(rng.below(static_cast<uint64_t>(tiles)));
  f.row_pick = static_cast<uint32_t>(rng.next_u64());
  f.col_pick = static_cast<uint32_t>(rng.next_u64());
  f.at = rng.uniform();
  const uint32_t mask = draw_bit_mask(m, rng);
  f.bit = __builtin_ctz(mask);
  rt::AccumulatorFaultObserver obs(l.node, f);
  abft::Report report;
  auto out = session_.run_from(golden_, l.node, &obs, abft_ ? &report : nullptr);
  cpu::fault_disarm();
  float before = 0, after = 0;
  nlohmann::json fj = {{"tile", f.skip_tiles}, {"row_pick", f.row_pick}, {"col_pick", f.col_pick},
                       {"at", f.at}, {"mask", mask}};
  if (obs.fired() && cpu::fault_last_flip(&before, &after)) {
    fj["before"] = before;
    fj["after"] = after;
  }
  rec["faults"].push_back(std::move(fj));
  rec["fired"] = obs.fired();
  return finish(out, rec, abft_ ? &report : nullptr);
}

}  // namespace sf::faults
