#include "faults/summary.hpp"

#include <array>
#include <fstream>

#include "faults/outcome.hpp"
#include "faults/statistics.hpp"

namespace sf::faults {

namespace {

struct Counts {
  std::array<int64_t, kOutcomes> n{};
  int64_t total = 0;
  void add(Outcome o) {
    ++n[static_cast<size_t>(o)];
    ++total;
  }
  nlohmann::json to_json() const {
    nlohmann::json j;
    j["injections"] = total;
    for (int o = 0; o < kOutcomes; ++o) {
      const int64_t x = n[static_cast<size_t>(o)];
      const Interval ci = proportion_interval(x, total);
      j[outcome_name(static_cast<Outcome>(o))] = {
          {"count", x}, {"rate", total ? static_cast<double>(x) / static_cast<double>(total) : 0.0},
          {"ci95", {ci.lo, ci.hi}}};
    }
    // Vulnerability: any visible effect (SDC of either kind, or DUE).
    const int64_t bad = total - n[static_cast<size_t>(Outcome::kMasked)];
    const Interval ci = proportion_interval(bad, total);
    j["vulnerability"] = {{"count", bad},
                          {"rate", total ? static_cast<double>(bad) / static_cast<double>(total) : 0.0},
                          {"ci95", {ci.lo, ci.hi}}};
    return j;
  }
};

Outcome outcome_of(const nlohmann::json& rec) {
  auto o = parse_outcome(rec.value("outcome", ""));
  return o ? *o : Outcome::kDue;
}

}  // namespace

int record_bit(const nlohmann::json& rec) {
  if (!rec.contains("faults") || !rec["faults"].is_array() || rec["faults"].empty()) return -1;
  const auto& f = rec["faults"][0];
  if (!f.contains("mask")) return -1;
  const auto mask = f["mask"].get<uint32_t>();
  return mask != 0 && (mask & (mask - 1)) == 0 ? __builtin_ctz(mask) : -1;
}

nlohmann::json summarize(const Campaign& campaign, const std::map<int64_t, nlohmann::json>& records) {
  const auto& layers = campaign.layers();
  Counts all;
  std::vector<Counts> per_layer(layers.size());
  std::map<int, Counts> per_bit;
  std::map<std::string, size_t> layer_index;
  for (size_t k = 0; k < layers.size(); ++k) layer_index[layers[k].name] = k;
  std::map<std::string, int64_t> due_kinds;
  int64_t detected = 0, corrected = 0, escaped = 0, abft_records = 0, not_fired = 0;
  for (const auto& [i, rec] : records) {
    const Outcome o = outcome_of(rec);
    all.add(o);
    auto it = layer_index.find(rec.value("layer", ""));
    if (it != layer_index.end()) per_layer[it->second].add(o);
    per_bit[record_bit(rec)].add(o);
    if (o == Outcome::kDue) ++due_kinds[rec.value("due", "unknown")];
    if (rec.contains("fired") && !rec["fired"].get<bool>()) ++not_fired;
    if (rec.contains("abft")) {
      ++abft_records;
      const auto& a = rec["abft"];
      const bool hit = a.value("alarms", 0) > 0;
      if (hit) ++detected;
      if (hit && a.value("unrecoverable", 0) == 0 && o != Outcome::kDue) ++corrected;
      if (!hit && (o == Outcome::kSdcSafe || o == Outcome::kSdcCritical)) ++escaped;
    }
  }
  nlohmann::json j;
  j["fault"] = campaign.spec().fault_label();
  j["site"] = site_name(campaign.spec().site);
  j["seed"] = campaign.spec().seed;
  j["planned"] = campaign.size();
  j["inputs"] = campaign.inputs();
  j["tolerance"] = campaign.spec().tolerance;
  j["critical_delta"] = campaign.spec().critical_delta;
  j["outcomes"] = all.to_json();
  j["due_kinds"] = due_kinds;
  if (campaign.spec().site == Site::kAccumulator) j["accumulator_not_fired"] = not_fired;
  // Population-weighted rates: each layer's rate weighted by its share of the fault population,
  // the estimate for a fault striking anywhere in the chosen layers (the plain rates weight the
  // layers equally, as the sample does).
  double pop = 0;
  for (const auto& l : layers) pop += l.population;
  nlohmann::json weighted;
  for (int o = 0; o < kOutcomes; ++o) {
    double r = 0;
    for (size_t k = 0; k < layers.size(); ++k)
      if (per_layer[k].total > 0)
        r += layers[k].population / pop * static_cast<double>(per_layer[k].n[static_cast<size_t>(o)]) /
             static_cast<double>(per_layer[k].total);
    weighted[outcome_name(static_cast<Outcome>(o))] = r;
  }
  j["population_weighted_rates"] = weighted;
  for (size_t k = 0; k < layers.size(); ++k) {
    nlohmann::json l = per_layer[k].to_json();
    l["layer"] = layers[k].name;
    l["op"] = layers[k].op;
    l["elements"] = layers[k].elements;
    l["planned"] = layers[k].injections;
    j["per_layer"].push_back(std::move(l));
  }
  for (const auto& [bit, c] : per_bit) {
    nlohmann::json b = c.to_json();
    b["bit"] = bit;  // -1: several bits or a value replacement
    j["per_bit"].push_back(std::move(b));
  }
  nlohmann::json fm = all.to_json();
  fm["fault"] = campaign.spec().fault_label();
  j["per_fault_model"].push_back(std::move(fm));
  if (abft_records > 0) {
    const Interval dci = proportion_interval(detected, abft_records);
    j["abft"] = {{"injections", abft_records}, {"detected", detected}, {"corrected", corrected},
                 {"escaped", escaped}, {"detected_ci95", {dci.lo, dci.hi}}};
  }
  return j;
}

Status write_records_csv(const std::string& path, const std::map<int64_t, nlohmann::json>& records) {
  std::ofstream out(path);
  if (!out) return io_error("cannot write '" + path + "'");
  out << "i,input,layer,element,bit,mask,before,after,outcome,due,golden_top1,faulty_top1,top1_delta,"
         "max_abs_diff,abft_alarms,abft_corrected\n";
  auto num = [](const nlohmann::json& j, const char* key) -> std::string {
    if (!j.contains(key) || j[key].is_null()) return "";
    return j[key].dump();
  };
  for (const auto& [i, rec] : records) {
    const nlohmann::json f = rec.contains("faults") && !rec["faults"].empty() ? rec["faults"][0] : nlohmann::json::object();
    std::string layer = rec.value("layer", "");
    if (layer.find_first_of(",\"") != std::string::npos) {
      std::string q = "\"";
      for (char c : layer) q += c == '"' ? std::string("\"\"") : std::string(1, c);
      layer = q + "\"";
    }
    out << i << ',' << num(rec, "input") << ',' << layer << ','
        << (f.contains("element") ? f["element"].dump() : f.contains("tile") ? f["tile"].dump() : "") << ','
        << record_bit(rec) << ',' << num(f, "mask") << ',' << num(f, "before") << ',' << num(f, "after")
        << ',' << rec.value("outcome", "") << ',' << rec.value("due", "") << ','
        << num(rec, "golden_top1") << ',' << num(rec, "faulty_top1") << ',' << num(rec, "top1_delta")
        << ',' << num(rec, "max_abs_diff") << ','
        << (rec.contains("abft") ? rec["abft"]["alarms"].dump() : "") << ','
        << (rec.contains("abft") ? rec["abft"]["corrected"].dump() : "") << '\n';
  }
  if (!out) return io_error("writing '" + path + "' failed");
  return Status::ok();
}

}  // namespace sf::faults
