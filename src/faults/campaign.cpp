#include "faults/campaign.hpp"

#include <algorithm>
#include <cstdio>
#include <functional>

#include <nlohmann/json.hpp>

#include "faults/statistics.hpp"
#include "ir/op_kind.hpp"
#include "ir/ops/fused.hpp"
#include "ir/ops/tensor.hpp"

namespace sf::faults {

const char* site_name(Site s) {
  switch (s) {
    case Site::kOutput: return "output";
    case Site::kWeight: return "weight";
    case Site::kAccumulator: return "accumulator";
  }
  return "?";
}

Result<Site> parse_site(const std::string& s) {
  if (s == "output" || s == "outputs") return Site::kOutput;
  if (s == "weight" || s == "weights") return Site::kWeight;
  if (s == "accumulator" || s == "accumulators") return Site::kAccumulator;
  return invalid_argument("unknown fault site '" + s + "' (output, weight, accumulator)");
}

namespace {

bool gemm_like(ir::OpKind op) {
  return op == ir::OpKind::kConv || op == ir::OpKind::kFusedConv || op == ir::OpKind::kGemm ||
         op == ir::OpKind::kMatMul || op == ir::OpKind::kFusedMatMul;
}

bool name_matches(const std::string& pattern, const std::string& name) {
  if (!pattern.empty() && pattern.back() == '*')
    return name.compare(0, pattern.size() - 1, pattern, 0, pattern.size() - 1) == 0;
  return pattern == name;
}

bool selected(const std::vector<std::string>& filter, const ir::Node& n) {
  if (filter.empty()) return gemm_like(n.op);
  for (const std::string& f : filter)
    if (f == "all" || name_matches(f, n.name) || f == ir::op_name(n.op)) return true;
  return false;
}

}  // namespace

std::vector<bool> channels_last_values(const ir::Graph& g) {
  std::vector<bool> nhwc(g.values.size(), false);
  for (const ir::Node& n : g.nodes) {
    bool out = false;
    if (n.op == ir::OpKind::kFusedConv) {
      out = n.attrs_as<ir::FusedConvAttrs>().channels_last;
    } else if (n.op == ir::OpKind::kTranspose) {
      const auto& perm = n.attrs_as<ir::TransposeAttrs>().perm;
      out = perm && *perm == std::vector<int64_t>{0, 2, 3, 1};
    } else {
      // Layout-agnostic ops inside a channels-last region keep their input's layout.
      for (ir::ValueId id : n.inputs)
        if (id != ir::kNoValue && nhwc[static_cast<size_t>(id)]) out = true;
    }
    for (ir::ValueId id : n.outputs)
      if (id != ir::kNoValue) {
        const auto& t = g.value(id).type;
        nhwc[static_cast<size_t>(id)] = out && t.shape && t.shape->size() == 4;
      }
  }
  return nhwc;
}

Result<Campaign> Campaign::plan(const rt::Session& session, const CampaignSpec& spec, int64_t inputs,
                               const rt::Snapshot& sample) {
  if (inputs < 1) return invalid_argument("a campaign needs at least one input");
  if (spec.site == Site::kAccumulator &&
      (spec.fault.kind != FaultKind::kBitFlip || spec.fault.repr != Repr::kF32 ||
       spec.fault.bits != 1 || spec.fault.elements != 1))
    return invalid_argument("accumulator faults are single fp32 bit flips (flip:fp32[:bit=B]); got '" +
                            spec.fault.spec() + "'");
  if (spec.error_model && spec.site != Site::kOutput)
    return invalid_argument(std::string("an error model corrupts layer outputs; --sites must be output, not ") +
                            site_name(spec.site));
  const ir::Graph& g = session.graph();
  const auto nhwc = channels_last_values(g);
  Campaign c;
  c.spec_ = spec;
  c.inputs_ = inputs;
  std::string skipped;
  for (size_t k = 0; k < g.nodes.size(); ++k) {
    const ir::Node& n = g.nodes[k];
    if (!selected(spec.layers, n)) continue;
    CampaignLayer l;
    l.node = k;
    l.name = n.name.empty() ? n.label() : n.name;
    l.op = ir::op_name(n.op);
    if (spec.site == Site::kWeight) {
      if (!n.has_input(1) || !g.value(n.inputs[1]).constant) {
        skipped += (skipped.empty() ? "" : ", ") + n.label() + " (no constant weight)";
        continue;
      }
      l.value = n.inputs[1];
    } else {
      if (n.outputs.empty() || n.outputs[0] == ir::kNoValue) continue;
      l.value = n.outputs[0];
      if (spec.site == Site::kAccumulator && (!gemm_like(n.op) || session.kernel_name(k) == "ref")) {
        skipped += (skipped.empty() ? "" : ", ") + n.label() +
                   (gemm_like(n.op) ? " (reference kernel: no accumulator hook)" : " (no GEMM accumulators)");
        continue;
      }
    }
    const ir::TypeInfo& t = g.value(l.value).type;
    const bool bytes = t.dtype == DType::kI8 || t.dtype == DType::kU8;
    const size_t v = static_cast<size_t>(l.value);
    const Tensor* seen = v < sample.values.size() && !sample.values[v].empty() ? &sample.values[v]
                         : g.value(l.value).constant ? &*g.value(l.value).constant
                                                     : nullptr;
    if (!seen || (t.dtype != DType::kF32 && (!bytes || spec.error_model))) {
      skipped += (skipped.empty() ? "" : ", ") + n.label() + " (" + dtype_name(t.dtype) +
                 (seen ? "" : ", not computed") + ")";
      continue;
    }
    l.dtype = t.dtype;
    l.shape = seen->shape();
    l.channels_last = nhwc[static_cast<size_t>(l.value)];
    l.elements = shape_numel_unchecked(l.shape);
    if (l.elements <= 0) continue;
    const int positions = spec.error_model               ? 1
                          : spec.fault.touches_bits() ? (bytes ? 8 : repr_bits(spec.fault.repr))
                                                      : 1;
    l.population = static_cast<double>(l.elements) * positions * static_cast<double>(inputs);
    c.layers_.push_back(std::move(l));
  }
  if (c.layers_.empty())
    return invalid_argument("no layer of the model matches the selection" +
                            (skipped.empty() ? std::string() : "; skipped: " + skipped));
  const auto L = static_cast<int64_t>(c.layers_.size());
  if (spec.n > 0) {
    for (int64_t i = 0; i < L; ++i) c.layers_[static_cast<size_t>(i)].injections = spec.n / L + (i < spec.n % L ? 1 : 0);
  } else {
    if (!(spec.margin > 0 && spec.margin < 1) || !(spec.confidence > 0 && spec.confidence < 1))
      return invalid_argument("margin and confidence must be in (0, 1)");
    for (auto& l : c.layers_) l.injections = leveugle_sample_size(l.population, spec.margin, spec.confidence);
  }
  int64_t first = 0;
  for (auto& l : c.layers_) {
    l.first = first;
    first += l.injections;
  }
  c.size_ = first;
  return c;
}

Injection Campaign::describe(int64_t index) const {
  Injection in;
  in.index = index;
  // The layer whose range holds `index` (ranges are sorted).
  size_t lo = 0, hi = layers_.size();
  while (hi - lo > 1) {
    const size_t mid = (lo + hi) / 2;
    if (layers_[mid].first <= index) lo = mid;
    else hi = mid;
  }
  in.layer = lo;
  Rng rng(spec_.seed, static_cast<uint64_t>(index));
  in.input = static_cast<int64_t>(rng.below(static_cast<uint64_t>(inputs_)));
  in.seed = rng.next_u64();
  return in;
}

std::string CampaignSpec::fault_label() const {
  return error_model ? "error-model:" + error_model_label : fault.spec();
}

Status Campaign::set_ranges(const std::vector<std::pair<float, float>>& ranges) {
  if (ranges.size() != layers_.size())
    return invalid_argument("set_ranges: " + std::to_string(ranges.size()) + " ranges for " +
                            std::to_string(layers_.size()) + " layers");
  for (size_t k = 0; k < layers_.size(); ++k) {
    if (!(ranges[k].first <= ranges[k].second))
      return invalid_argument("layer '" + layers_[k].name + "': bad range [" + std::to_string(ranges[k].first) +
                              ", " + std::to_string(ranges[k].second) + "]");
    layers_[k].lo = ranges[k].first;
    layers_[k].hi = ranges[k].second;
  }
  return Status::ok();
}

std::string Campaign::fingerprint(const std::string& model_id) const {
  nlohmann::json j;
  j["model"] = model_id;
  j["fault"] = spec_.fault_label();
  if (spec_.error_model) j["error_model"] = error_model_to_json(*spec_.error_model);
  j["site"] = site_name(spec_.site);
  j["seed"] = spec_.seed;
  j["size"] = size_;
  j["inputs"] = inputs_;
  j["tolerance"] = spec_.tolerance;
  j["critical_delta"] = spec_.critical_delta;
  j["scores"] = spec_.scores;
  for (const auto& l : layers_)
    j["layers"].push_back(spec_.error_model ? nlohmann::json{l.name, l.injections, l.lo, l.hi}
                                            : nlohmann::json{l.name, l.injections});
  const std::string s = j.dump();
  // FNV-1a, 64 bits: a change detector for journals, not a security property.
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char ch : s) h = (h ^ ch) * 0x100000001b3ull;
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

}  // namespace sf::faults
