// Sampling one corruption from an error model (fault-injection.md §4.4): spatial class by
// frequency, a parameters entry by conditional_frequency with its RANDOM choices realised, a
// domain_classes entry by frequency, the class's position generator (error_patterns.cpp) with up to
// kMaxPatternAttempts attempts, then one value per position.
#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>

#include "faults/error_model.hpp"

namespace sf::faults {

namespace {

template <typename T>
void shuffle(std::vector<T>& v, Rng& rng) {
  for (size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[rng.below(i)]);
}

size_t pick_weighted(const std::vector<double>& w, Rng& rng) {
  double total = 0;
  for (double x : w) total += std::max(0.0, x);
  if (!(total > 0)) return static_cast<size_t>(rng.below(w.size()));
  double u = rng.uniform() * total;
  for (size_t i = 0; i < w.size(); ++i) {
    u -= std::max(0.0, w[i]);
    if (u < 0) return i;
  }
  for (size_t i = w.size(); i-- > 0;)
    if (w[i] > 0) return i;
  return 0;
}

// Per-position value classes for one domain_classes entry (§4.4 step 6).
std::vector<ValueClass> draw_value_classes(const DomainClass& d, size_t n, Rng& rng) {
  std::vector<ValueClass> out;
  if (d.form == DomainClass::Form::kSingle || d.buckets.size() == 1) {
    out.assign(n, d.buckets.at(0).value_class);
  } else if (d.form == DomainClass::Form::kDouble) {
    const auto& a = d.buckets[0];
    const auto& b = d.buckets[1];
    // Share of class a: inside a's bucket and consistent with b's (share_b = 100 - share_a).
    const double lo = std::max(a.lo_pct, 100 - b.hi_pct), hi = std::min(a.hi_pct, 100 - b.lo_pct);
    double share;
    if (lo <= hi) {
      share = lo == hi ? lo : rng.uniform(lo, hi);
    } else {  // inconsistent buckets: split by their midpoints
      const double ma = a.lo_pct + a.hi_pct, mb = b.lo_pct + b.hi_pct;
      share = ma + mb > 0 ? 100 * ma / (ma + mb) : 50;
    }
    if (n == 1) {
      out.push_back(rng.uniform() * 100 < share ? a.value_class : b.value_class);
    } else {
      const auto na = static_cast<size_t>(std::clamp<int64_t>(
          std::llround(share / 100 * static_cast<double>(n)), 1, static_cast<int64_t>(n) - 1));
      out.assign(na, a.value_class);
      out.resize(n, b.value_class);
      shuffle(out, rng);
    }
  } else {
    std::vector<double> w;
    for (const auto& [vc, pr] : d.values) w.push_back(pr);
    for (size_t i = 0; i < n; ++i) out.push_back(d.values[pick_weighted(w, rng)].first);
  }
  return out;
}

std::string dims(int64_t C, int64_t H, int64_t W) {
  return std::to_string(C) + "x" + std::to_string(H) + "x" + std::to_string(W);
}

}  // namespace

RealisedParams realise_parameters(const ParameterSet& p, Rng& rng) {
  RealisedParams out;
  std::vector<std::pair<std::string, const ParamValue*>> deferred;
  for (const auto* m : {&p.keys, &p.stats})
    for (const auto& [name, v] : *m) {
      if (v.choices.empty()) continue;
      const std::string min_name = "min_" + (name.size() > 4 ? name.substr(4) : std::string());
      auto has_min = [&](const std::map<std::string, ParamValue>& mp) {
        auto it = mp.find(min_name);
        return it != mp.end() && !it->second.choices.empty() && !it->second.choices[0].numbers.empty();
      };
      if (name.rfind("max_", 0) == 0 && (has_min(p.keys) || has_min(p.stats))) {
        deferred.emplace_back(name, &v);
        continue;
      }
      out[name] = v.choices[v.random ? rng.below(v.choices.size()) : 0];
    }
  // max_X is drawn among the choices not below the realised min_X (none: max_X = min_X).
  for (const auto& [name, v] : deferred) {
    auto lo = out.find("min_" + name.substr(4));
    std::vector<size_t> ok;
    for (size_t i = 0; i < v->choices.size(); ++i)
      if (lo == out.end() || lo->second.numbers.empty() ||
          (!v->choices[i].numbers.empty() && v->choices[i].numbers.back() >= lo->second.numbers.front()))
        ok.push_back(i);
    out[name] = ok.empty() ? lo->second : v->choices[ok[v->random ? rng.below(ok.size()) : 0]];
  }
  return out;
}

namespace {

// golden + d, d from the histogram: a bin by its count, a sign by its split, |d| log-uniform in it.
float draw_delta(const DeltaHistogram& h, float golden_value, double unit, Rng& rng) {
  std::vector<double> w;
  for (const auto& b : h.bins) w.push_back(static_cast<double>(b.with_sign + b.against_sign));
  const auto& b = h.bins[pick_weighted(w, rng)];
  const bool against = rng.uniform() * static_cast<double>(b.with_sign + b.against_sign) <
                       static_cast<double>(b.against_sign);
  const double mag = unit * std::exp2(b.log2_lo + rng.uniform() * h.bin_width);
  const bool negative = std::signbit(golden_value) != against;  // golden's sign, or the other one
  return static_cast<float>(static_cast<double>(golden_value) + (negative ? -mag : mag));
}

}  // namespace

float draw_value(ValueClass v, float golden_value, float lo, float hi, Rng& rng,
                 const DeltaHistogram* deltas, double delta_unit) {
  switch (v) {
    case ValueClass::kDelta:
      return deltas && !deltas->bins.empty() ? draw_delta(*deltas, golden_value, delta_unit, rng) : golden_value;
    case ValueClass::kInRange:
      lo = std::max(lo, -std::numeric_limits<float>::max());  // a finite interval to draw from
      hi = std::min(hi, std::numeric_limits<float>::max());
      for (int i = 0; i < 64; ++i) {
        const float x = lo == hi ? lo : static_cast<float>(rng.uniform(lo, hi));
        if (x != 0.0f) return std::clamp(x, lo, hi);
      }
      return lo != 0.0f ? lo : hi;  // only [0, 0] ends here; sample_corruption rejects that range
    case ValueClass::kOutOfRange:
      // A uniformly random IEEE pattern (§4.2): heavily biased towards huge magnitudes.
      for (int i = 0; i < 4096; ++i) {
        const float x = std::bit_cast<float>(static_cast<uint32_t>(rng.next_u64() >> 32));
        if (!std::isnan(x) && (x < lo || x > hi)) return x;
      }
      return hi < std::numeric_limits<float>::infinity() ? std::numeric_limits<float>::infinity()
                                                          : -std::numeric_limits<float>::infinity();
    case ValueClass::kZero: return 0.0f;
    case ValueClass::kNaN: return std::numeric_limits<float>::quiet_NaN();
    case ValueClass::kFlip:
      return std::bit_cast<float>(std::bit_cast<uint32_t>(golden_value) ^ (uint32_t{1} << rng.below(32)));
  }
  return 0.0f;
}

Result<Corruption> sample_corruption(const ErrorModel& m, int64_t C, int64_t H, int64_t W,
                                     const float* golden, float lo, float hi, Rng& rng) {
  const std::string where = "error model '" + m.op_name + "'";
  if (C <= 0 || H <= 0 || W <= 0 || C > (int64_t{1} << 40) / H / W)
    return invalid_argument(where + ": bad output shape " + dims(C, H, W));
  if (std::isnan(lo) || std::isnan(hi) || lo > hi)
    return invalid_argument(where + ": bad output range [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
  Corruption out;
  if (m.injection_count && rng.uniform() < m.p_uncorrupted()) return out;
  std::vector<double> w;
  for (const auto& c : m.classes) w.push_back(c.frequency);
  if (m.classes.empty() || std::all_of(w.begin(), w.end(), [](double x) { return !(x > 0); }))
    return invalid_argument(where + ": no spatial class with a positive frequency");
  const SpatialClass& sc = m.classes[pick_weighted(w, rng)];
  if (sc.domain_classes.empty()) return invalid_argument(where + ": class '" + sc.name + "' has no domain_classes");
  for (const DomainClass& d : sc.domain_classes) {  // a model built in code may skip the parser's checks
    const size_t want = d.form == DomainClass::Form::kSingle ? 1 : d.form == DomainClass::Form::kDouble ? 2 : 0;
    if (d.buckets.size() != want || (d.form == DomainClass::Form::kRandom && d.values.empty()))
      return invalid_argument(where + ": class '" + sc.name + "' has a malformed domain_classes entry");
  }
  std::vector<double> cond, dom;
  for (const auto& p : sc.parameters) cond.push_back(p.conditional_frequency);
  for (const auto& d : sc.domain_classes) dom.push_back(d.frequency);
  std::string last;
  for (int attempt = 0; attempt < kMaxPatternAttempts; ++attempt) {
    // Steps 3-5; a failed attempt redraws the parameters entry and its RANDOM choices too.
    const RealisedParams rp = sc.parameters.empty() ? RealisedParams{}
                                                    : realise_parameters(sc.parameters[pick_weighted(cond, rng)], rng);
    const DomainClass& dc = sc.domain_classes[pick_weighted(dom, rng)];
    auto pos = generate_pattern(sc.name, rp, C, H, W, rng);
    if (!pos.is_ok()) {
      if (pos.status().code() != StatusCode::kUnsupported) return pos.status().with_context(where);
      last = pos.status().message();
      continue;
    }
    auto cls = classify_pattern(pos.value(), C, H, W);
    if (!cls.is_ok() || cls->spatial_class != sc.name) {
      last = "a generated pattern classified as '" + (cls.is_ok() ? cls->spatial_class : cls.status().message()) + "'";
      continue;
    }
    out.spatial_class = sc.name;
    out.positions = std::move(pos).value();
    out.value_classes = draw_value_classes(dc, out.positions.size(), rng);
    out.values.reserve(out.positions.size());
    const double unit = m.deltas ? delta_unit(golden, golden ? C * H * W : 0, lo, hi) : 1.0;
    for (size_t i = 0; i < out.positions.size(); ++i) {
      const ValueClass vc = out.value_classes[i];
      if (vc == ValueClass::kInRange && lo == 0.0f && hi == 0.0f)
        return invalid_argument(where + ": in_range needs a range other than [0, 0]");
      if (vc == ValueClass::kOutOfRange && lo == -std::numeric_limits<float>::infinity() &&
          hi == std::numeric_limits<float>::infinity())
        return invalid_argument(where + ": out_of_range needs a finite range bound");
      if ((vc == ValueClass::kFlip || vc == ValueClass::kDelta) && golden == nullptr)
        return invalid_argument(where + ": the " + value_class_name(vc) + " value class needs the golden output");
      if (vc == ValueClass::kDelta && (!m.deltas || m.deltas->bins.empty()))
        return invalid_argument(where + ": the delta value class needs _value_deltas");
      out.values.push_back(draw_value(vc, golden ? golden[out.positions[i]] : 0.0f, lo, hi, rng,
                                      m.deltas ? &*m.deltas : nullptr, unit));
    }
    return out;
  }
  return unsupported("rejected: " + where + ": class '" + sc.name + "' could not be realised on a " +
                     dims(C, H, W) + " (CxHxW) output in " + std::to_string(kMaxPatternAttempts) +
                     " attempts; last: " + last);
}

}  // namespace sf::faults
