#include "faults/injector.hpp"

#include <algorithm>
#include <cstring>
#include <limits>
#include <map>

#include "faults/error_sim.hpp"
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
    case Site::kOutput:
      return campaign_.spec().error_model ? inject_error_model(in, l, rec) : inject_output(in, l, rec);
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

// The run after a corrupted output of layer l: incrementally (Session::run_changed,
// bit-identical to a full re-run) when incremental(), else from the next node on.
nlohmann::json Injector::finish_output_fault(const CampaignLayer& l, const Tensor& faulty,
                                             nlohmann::json& rec) const {
  rt::RunOverrides ov;
  ov.values.emplace_back(l.value, &faulty);
  if (incremental()) return finish(session_.run_changed(golden_, l.node + 1, ov), rec, nullptr);
  abft::Report report;
  auto out = session_.run_from(golden_, l.node + 1, nullptr, abft_ ? &report : nullptr, &ov);
  return finish(out, rec, abft_ ? &report : nullptr);
}

Result<nlohmann::json> Injector::inject_output(const Injection& in, const CampaignLayer& l,
                                               nlohmann::json& rec) {
  Rng rng(in.seed, 0);
  const Tensor& golden = golden_.values[static_cast<size_t>(l.value)];
  if (golden.empty()) return internal_error("layer '" + l.name + "': its golden output was not kept");
  Tensor faulty = golden.clone();
  corrupt(faulty, rng, rec);
  return finish_output_fault(l, faulty, rec);
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

Result<cpu::AccumulatorFault> Injector::draw_accumulator_fault(const Injection& in, uint32_t* mask) {
  Rng rng(in.seed, 0);
  SF_ASSIGN_OR_RETURN(const int64_t tiles, accumulator_tiles(in.layer));
  cpu::AccumulatorFault f;
  f.skip_tiles = static_cast<int64_t>(rng.below(static_cast<uint64_t>(tiles)));
  f.row_pick = static_cast<uint32_t>(rng.next_u64());
  f.col_pick = static_cast<uint32_t>(rng.next_u64());
  f.at = rng.uniform();
  *mask = draw_bit_mask(campaign_.spec().fault, rng);
  f.bit = __builtin_ctz(*mask);
  return f;
}

namespace {

// Arms an accumulator fault in one node, keeps a copy of its first output and stops the run there.
// With `stop` false it only arms the fault and lets the run go on.
class LayerCapture : public rt::AccumulatorFaultObserver {
 public:
  LayerCapture(size_t node, const cpu::AccumulatorFault& f, bool stop = true)
      : AccumulatorFaultObserver(node, f), node_(node), stop_(stop) {}
  Status after_node(size_t index, const ir::Node& n, std::vector<Tensor>& outputs, double s) override {
    SF_TRY(AccumulatorFaultObserver::after_node(index, n, outputs, s));
    if (index != node_ || !stop_) return Status::ok();
    if (outputs.empty()) return internal_error("node '" + n.label() + "' has no output");
    output = outputs[0].clone();
    return Status(StatusCode::kRuntimeError, kStop);
  }
  static constexpr const char* kStop = "stopped after the injected layer";
  Tensor output;

 private:
  size_t node_;
  bool stop_;
};

}  // namespace

// The faulty layer runs whole with the fault armed; without ABFT the rest of the network then
// runs incrementally from its output (finish_output_fault), with ABFT (or --full-rerun) on to
// the end in one run_from.
Result<nlohmann::json> Injector::inject_accumulator(const Injection& in, const CampaignLayer& l,
                                                    nlohmann::json& rec) {
  uint32_t mask = 0;
  SF_ASSIGN_OR_RETURN(const cpu::AccumulatorFault f, draw_accumulator_fault(in, &mask));
  LayerCapture cap(l.node, f, /*stop=*/incremental());
  abft::Report report;
  auto out = session_.run_from(golden_, l.node, &cap, abft_ ? &report : nullptr);
  cpu::fault_disarm();
  float before = 0, after = 0;
  nlohmann::json fj = {{"tile", f.skip_tiles}, {"row_pick", f.row_pick}, {"col_pick", f.col_pick},
                       {"at", f.at}, {"mask", mask}};
  if (cap.fired() && cpu::fault_last_flip(&before, &after)) {
    fj["before"] = before;
    fj["after"] = after;
  }
  rec["faults"].push_back(std::move(fj));
  rec["fired"] = cap.fired();
  // The layer itself failed (cap kept no output): its error is the record's, as in a full run.
  if (!incremental() || cap.output.empty()) return finish(out, rec, abft_ ? &report : nullptr);
  return finish_output_fault(l, cap.output, rec);
}

Result<LayerOutputs> Injector::accumulator_layer_outputs(int64_t index) {
  if (campaign_.spec().site != Site::kAccumulator) return invalid_argument("not an accumulator campaign");
  const Injection in = campaign_.describe(index);
  SF_TRY(ensure_golden(in.input));
  const CampaignLayer& l = campaign_.layers()[in.layer];
  uint32_t mask = 0;
  SF_ASSIGN_OR_RETURN(const cpu::AccumulatorFault f, draw_accumulator_fault(in, &mask));
  LayerCapture cap(l.node, f);
  auto out = session_.run_from(golden_, l.node, &cap);
  cpu::fault_disarm();
  LayerOutputs r;
  r.layer = in.layer;
  r.golden = &golden_.values[static_cast<size_t>(l.value)];
  r.fired = cap.fired();
  if (cap.output.empty()) {
    // The layer itself failed (the engine refused the corrupted values): keep the run's error.
    if (!out) return out.status().with_context("injection " + std::to_string(index) + " in layer '" + l.name + "'");
    return internal_error("layer '" + l.name + "' did not run");
  }
  r.faulty = std::move(cap.output);
  return r;
}

Result<nlohmann::json> Injector::inject_error_model(const Injection& in, const CampaignLayer& l,
                                                    nlohmann::json& rec) {
  Rng rng(in.seed, 0);
  const Tensor& golden = golden_.values[static_cast<size_t>(l.value)];
  if (golden.empty() || golden.dtype() != DType::kF32)
    return internal_error("layer '" + l.name + "': its fp32 golden output was not kept");
  const ChwView v = chw_view(l);
  const std::vector<float> chw = to_chw(golden, v);
  const ErrorModel& m = *campaign_.spec().error_model;
  // A class the shape cannot host is redrawn (a new class); the draws stay a function of the seed.
  Result<Corruption> c = unsupported("no draw");
  for (int attempt = 0; attempt < 64; ++attempt) {
    c = sample_corruption(m, v.C, v.H, v.W, chw.data(), l.lo, l.hi, rng);
    if (c.is_ok() || c.status().code() != StatusCode::kUnsupported) break;
  }
  if (!c) return c.status().with_context("layer '" + l.name + "' (" + std::to_string(v.C) + "x" +
                                         std::to_string(v.H) + "x" + std::to_string(v.W) + ")");
  nlohmann::json fj = {{"class", c->spatial_class.empty() ? "none" : c->spatial_class},
                       {"positions", c->positions.size()}};
  std::map<std::string, int64_t> classes;
  for (ValueClass vc : c->value_classes) ++classes[value_class_name(vc)];
  if (!classes.empty()) fj["values"] = classes;
  if (!c->positions.empty()) {
    fj["element"] = v.storage_index(c->positions[0]);
    fj["before"] = chw[static_cast<size_t>(c->positions[0])];
    fj["after"] = c->values[0];
  }
  rec["faults"].push_back(std::move(fj));
  rec["error_class"] = c->spatial_class.empty() ? "none" : c->spatial_class;
  if (c->positions.empty()) return finish(golden_.outputs, rec, nullptr);  // nothing corrupted
  Tensor faulty = golden.clone();
  float* p = faulty.data<float>();
  for (size_t i = 0; i < c->positions.size(); ++i) p[v.storage_index(c->positions[i])] = c->values[i];
  return finish_output_fault(l, faulty, rec);
}

}  // namespace sf::faults
