// Error models <-> JSON: the CLASSES per-operator schema (fault-injection.md §4.2) plus the
// steadfast extensions "_injection_count" and "_value_deltas". Written from the schema description only (the CLASSES
// repositories are GPL-3.0; no code or model file of theirs is used). Every malformed input becomes
// a Status naming the file, the key path and the offending value; nothing here throws out.
#include "faults/error_model.hpp"

#include <cmath>
#include <fstream>
#include <sstream>

namespace sf::faults {

namespace {

using nlohmann::json;

constexpr const char* kFixedClassNames[] = {
    "single",       "same_row",          "bullet_wake",
    "single_block", "single_channel_alternated_blocks", "single_channel_random",
    "full_channels", "multi_channel_block", "shattered_channel",
    "quasi_shattered_channel", "rectangles", "random"};

// Parameter names the generators read (README_error_models.md). Range keys are [lo, hi] percents.
bool is_range_key(const std::string& n) {
  return n == "indexes_corruption_pct" || n == "affected_channels_pct";
}
bool is_pct_key(const std::string& n) {
  return is_range_key(n) || n == "avg_block_corruption_pct" || n == "avg_span_corruption_pct";
}
bool is_known_param(const std::string& n) {
  static const char* kScalar[] = {"skip_amount",      "unique_channel_indexes",
                                  "block_size",       "avg_block_corruption_pct",
                                  "rectangle_width",  "rectangle_height",
                                  "avg_span_corruption_pct", "max_corrupted_channels",
                                  "min_channel_skip", "max_channel_skip",
                                  "min_span_width",   "max_span_width"};
  if (is_range_key(n)) return true;
  for (const char* s : kScalar)
    if (n == s) return true;
  return false;
}

std::string show(const json& v) {
  std::string s = v.dump();
  if (s.size() > 80) s = s.substr(0, 77) + "...";
  return s;
}

// Builds messages "error model 'src': class 'c': <path> is <value>, expected <what>".
struct Ctx {
  const std::string& source;
  std::string cls;
  std::string prefix() const {
    std::string p = "error model '" + source + "': ";
    if (!cls.empty()) p += "class '" + cls + "': ";
    return p;
  }
  Status bad(const std::string& path, const json& v, const std::string& expected) const {
    return invalid_argument(prefix() + path + " is " + show(v) + ", expected " + expected);
  }
  Status missing(const std::string& path) const {
    return invalid_argument(prefix() + path + " is missing");
  }
  Status error(const std::string& what) const { return invalid_argument(prefix() + what); }
};

Result<double> read_number(const Ctx& ctx, const json& v, const std::string& path) {
  if (!v.is_number()) return ctx.bad(path, v, "a number");
  const double d = v.get<double>();
  if (!std::isfinite(d)) return ctx.bad(path, v, "a finite number");
  return d;
}

Result<double> read_probability(const Ctx& ctx, const json& v, const std::string& path) {
  SF_ASSIGN_OR_RETURN(double d, read_number(ctx, v, path));
  if (d < 0 || d > 1) return ctx.bad(path, v, "a number in [0, 1]");
  return d;
}

Result<int64_t> read_count(const Ctx& ctx, const json& v, const std::string& path) {
  if (v.is_number_unsigned() || v.is_number_integer()) {
    const int64_t i = v.get<int64_t>();
    if (i >= 0 && !(v.is_number_unsigned() && v.get<uint64_t>() > uint64_t{INT64_MAX})) return i;
  } else if (v.is_number_float()) {
    const double d = v.get<double>();
    if (d >= 0 && d < 9.0e18 && std::floor(d) == d) return static_cast<int64_t>(d);
  }
  return ctx.bad(path, v, "a non-negative integer");
}

// "_value_deltas": {"unit": "rms", "sign": "golden", "bin_width": w,
//                    "bins": [[log2_lo, with_sign, against_sign], ...]}.
Result<DeltaHistogram> read_deltas(const Ctx& ctx, const json& v) {
  const std::string k = "_value_deltas";
  if (!v.is_object()) return ctx.bad(k, v, "an object");
  if (v.contains("unit") && v["unit"] != "rms") return ctx.bad(k + ".unit", v["unit"], "\"rms\"");
  if (v.contains("sign") && v["sign"] != "golden") return ctx.bad(k + ".sign", v["sign"], "\"golden\"");
  DeltaHistogram h;
  if (v.contains("bin_width")) {
    SF_ASSIGN_OR_RETURN(h.bin_width, read_number(ctx, v["bin_width"], k + ".bin_width"));
    if (!(h.bin_width > 0) || h.bin_width > 64) return ctx.bad(k + ".bin_width", v["bin_width"], "a width in (0, 64]");
  }
  if (!v.contains("bins") || !v["bins"].is_array()) return ctx.missing(k + ".bins (an array)");
  for (size_t i = 0; i < v["bins"].size(); ++i) {
    const json& b = v["bins"][i];
    const std::string path = k + ".bins[" + std::to_string(i) + "]";
    if (!b.is_array() || b.size() != 3) return ctx.bad(path, b, "[log2_lo, with_sign, against_sign]");
    DeltaHistogram::Bin bin;
    SF_ASSIGN_OR_RETURN(bin.log2_lo, read_number(ctx, b[0], path + "[0]"));
    if (std::fabs(bin.log2_lo) > 512) return ctx.bad(path + "[0]", b[0], "a log2 in [-512, 512]");
    SF_ASSIGN_OR_RETURN(bin.with_sign, read_count(ctx, b[1], path + "[1]"));
    SF_ASSIGN_OR_RETURN(bin.against_sign, read_count(ctx, b[2], path + "[2]"));
    if (!h.bins.empty() && !(bin.log2_lo > h.bins.back().log2_lo))
      return ctx.bad(path + "[0]", b[0], "bins sorted by log2_lo, each once");
    h.bins.push_back(bin);
  }
  if (h.total() <= 0) return ctx.error(k + " holds no deltas");
  return h;
}

json deltas_json(const DeltaHistogram& h) {
  json bins = json::array();
  for (const auto& b : h.bins) bins.push_back(json::array({b.log2_lo, b.with_sign, b.against_sign}));
  return {{"unit", "rms"}, {"sign", "golden"}, {"bin_width", h.bin_width}, {"bins", std::move(bins)}};
}

bool uses_delta(const ErrorModel& m) {
  for (const auto& c : m.classes)
    for (const auto& d : c.domain_classes) {
      for (const auto& b : d.buckets)
        if (b.value_class == ValueClass::kDelta) return true;
      for (const auto& [vc, p] : d.values)
        if (vc == ValueClass::kDelta && p > 0) return true;
    }
  return false;
}

Result<std::pair<double, double>> read_pct_bucket(const Ctx& ctx, const json& v,
                                                  const std::string& path) {
  if (!v.is_array() || v.size() != 2 || !v[0].is_number() || !v[1].is_number())
    return ctx.bad(path, v, "a [lo, hi] percent pair");
  const double lo = v[0].get<double>(), hi = v[1].get<double>();
  if (!(lo >= 0 && lo <= hi && hi <= 100)) return ctx.bad(path, v, "0 <= lo <= hi <= 100");
  return std::make_pair(lo, hi);
}

Result<ParamChoice> read_choice(const Ctx& ctx, const json& v, const std::string& path,
                                const std::string& name) {
  ParamChoice c;
  if (v.is_number()) {
    SF_ASSIGN_OR_RETURN(double d, read_number(ctx, v, path));
    c.numbers = {d};
  } else if (v.is_array()) {
    c.is_list = true;
    for (size_t i = 0; i < v.size(); ++i) {
      SF_ASSIGN_OR_RETURN(double d, read_number(ctx, v[i], path + "[" + std::to_string(i) + "]"));
      c.numbers.push_back(d);
    }
  } else {
    return ctx.bad(path, v, "a number, a [lo, hi] list or {\"RANDOM\": [...]}");
  }
  if (is_known_param(name)) {
    if (c.is_list && (c.numbers.size() != 2 || c.numbers[0] > c.numbers[1]))
      return ctx.bad(path, v, "a number or a [lo, hi] pair with lo <= hi");
    for (double d : c.numbers) {
      if (d < 0) return ctx.bad(path, v, "non-negative values");
      if (is_pct_key(name) && d > 100) return ctx.bad(path, v, "percentages in [0, 100]");
    }
  }
  return c;
}

// Returns nullopt (no error) when an unknown parameter has a shape we do not interpret; the caller
// keeps such values verbatim.
Result<std::optional<ParamValue>> read_param(const Ctx& ctx, const json& v, const std::string& path,
                                             const std::string& name) {
  const bool known = is_known_param(name);
  auto numeric = [](const json& x) {
    if (x.is_number()) return true;
    if (!x.is_array()) return false;
    for (const json& e : x)
      if (!e.is_number()) return false;
    return true;
  };
  ParamValue p;
  if (v.is_object() && v.size() == 1 && v.contains("RANDOM")) {
    const json& choices = v["RANDOM"];
    if (!choices.is_array() || choices.empty()) {
      if (!known) return std::optional<ParamValue>();
      return ctx.bad(path + ".RANDOM", choices, "a non-empty list of choices");
    }
    if (!known)
      for (const json& x : choices)
        if (!numeric(x)) return std::optional<ParamValue>();
    p.random = true;
    for (size_t i = 0; i < choices.size(); ++i) {
      SF_ASSIGN_OR_RETURN(ParamChoice c, read_choice(ctx, choices[i],
                                                     path + ".RANDOM[" + std::to_string(i) + "]",
                                                     name));
      p.choices.push_back(std::move(c));
    }
    return std::optional<ParamValue>(std::move(p));
  }
  if (!known && !numeric(v)) return std::optional<ParamValue>();
  SF_ASSIGN_OR_RETURN(ParamChoice c, read_choice(ctx, v, path, name));
  p.choices.push_back(std::move(c));
  return std::optional<ParamValue>(std::move(p));
}

Status check_sum(const Ctx& ctx, double sum, const std::string& what) {
  if (std::fabs(sum - 1.0) > kFrequencySumTolerance) {
    std::ostringstream os;
    os << what << " sum to " << sum << ", expected 1 (within " << kFrequencySumTolerance << ")";
    return ctx.error(os.str());
  }
  return Status::ok();
}

Result<ParameterSet> read_parameter_set(const Ctx& ctx, const json& e, const std::string& path) {
  if (!e.is_object()) return ctx.bad(path, e, "an object");
  ParameterSet p;
  p.opaque_keys = json::object();
  p.opaque_stats = json::object();
  bool have_cf = false;
  for (const auto& [k, v] : e.items()) {
    const std::string kp = path + "." + k;
    if (k == "keys" || k == "stats") {
      if (!v.is_object()) return ctx.bad(kp, v, "an object");
      auto& dst = k == "keys" ? p.keys : p.stats;
      json& opaque = k == "keys" ? p.opaque_keys : p.opaque_stats;
      for (const auto& [pk, pv] : v.items()) {
        SF_ASSIGN_OR_RETURN(std::optional<ParamValue> val, read_param(ctx, pv, kp + "." + pk, pk));
        if (val)
          dst[pk] = std::move(*val);
        else
          opaque[pk] = pv;
      }
    } else if (k == "conditional_frequency") {
      SF_ASSIGN_OR_RETURN(p.conditional_frequency, read_probability(ctx, v, kp));
      have_cf = true;
    } else if (k == "overall_frequency") {
      SF_ASSIGN_OR_RETURN(double d, read_probability(ctx, v, kp));
      p.overall_frequency = d;
    } else if (k == "count") {
      SF_ASSIGN_OR_RETURN(int64_t c, read_count(ctx, v, kp));
      p.count = c;
    } else {
      p.extra[k] = v;
    }
  }
  if (!have_cf) return ctx.missing(path + ".conditional_frequency");
  for (const auto& [k, v] : p.keys)
    if (p.stats.count(k)) return ctx.error(path + ": '" + k + "' is in both keys and stats");
  // Fixed min_X > max_X pairs can never be realised.
  auto fixed = [&](const std::string& n) -> std::optional<double> {
    for (const auto* m : {&p.keys, &p.stats}) {
      auto it = m->find(n);
      if (it != m->end() && !it->second.random && !it->second.choices[0].is_list)
        return it->second.choices[0].numbers[0];
    }
    return std::nullopt;
  };
  for (const auto* m : {&p.keys, &p.stats})
    for (const auto& [k, v] : *m) {
      if (k.rfind("min_", 0) != 0) continue;
      const auto lo = fixed(k), hi = fixed("max_" + k.substr(4));
      if (lo && hi && *lo > *hi) {
        std::ostringstream os;
        os << path << ": " << k << " (" << *lo << ") > max_" << k.substr(4) << " (" << *hi << ")";
        return ctx.error(os.str());
      }
    }
  return p;
}

Result<DomainClass> read_domain(const Ctx& ctx, const json& e, const std::string& path) {
  if (!e.is_object()) return ctx.bad(path, e, "an object");
  DomainClass d;
  bool have_freq = false, have_random = false, have_values = false;
  for (const auto& [k, v] : e.items()) {
    const std::string kp = path + "." + k;
    if (k == "count") {
      SF_ASSIGN_OR_RETURN(d.count, read_count(ctx, v, kp));
    } else if (k == "frequency") {
      SF_ASSIGN_OR_RETURN(d.frequency, read_probability(ctx, v, kp));
      have_freq = true;
    } else if (k == "random") {
      SF_ASSIGN_OR_RETURN(auto b, read_pct_bucket(ctx, v, kp));
      d.random_lo_pct = b.first;
      d.random_hi_pct = b.second;
      have_random = true;
    } else if (k == "values") {
      if (!v.is_object() || v.empty()) return ctx.bad(kp, v, "an object of value-class probabilities");
      double sum = 0;
      for (const auto& [vk, vv] : v.items()) {
        const auto vc = value_class_from_name(vk);
        if (!vc) return ctx.bad(kp + "." + vk, vv, "a value class key (in_range, out_of_range, zero, nan, flip)");
        SF_ASSIGN_OR_RETURN(double pr, read_number(ctx, vv, kp + "." + vk));
        if (pr < 0) return ctx.bad(kp + "." + vk, vv, "a non-negative probability");
        d.values.emplace_back(*vc, pr);
        sum += pr;
      }
      if (!(sum > 0)) return ctx.bad(kp, v, "probabilities with a positive sum");
      have_values = true;
    } else if (const auto vc = value_class_from_name(k)) {
      SF_ASSIGN_OR_RETURN(auto b, read_pct_bucket(ctx, v, kp));
      d.buckets.push_back({*vc, b.first, b.second});
    } else {
      return ctx.error(kp + " is not a value class (in_range, out_of_range, zero, nan, flip), "
                            "'random', 'values', 'count' or 'frequency'");
    }
  }
  if (!have_freq) return ctx.missing(path + ".frequency");
  if (have_random != have_values)
    return ctx.error(path + ": 'random' and 'values' must appear together");
  if (have_random) {
    if (!d.buckets.empty()) return ctx.error(path + ": 'random' cannot be mixed with value-class buckets");
    d.form = DomainClass::Form::kRandom;
  } else if (d.buckets.size() == 1) {
    d.form = DomainClass::Form::kSingle;
  } else if (d.buckets.size() == 2) {
    d.form = DomainClass::Form::kDouble;
  } else {
    return ctx.error(path + " has " + std::to_string(d.buckets.size()) +
                     " value classes, expected 1, 2 or the 'random' form");
  }
  return d;
}

Result<SpatialClass> read_class(const Ctx& ctx, const json& o) {
  if (!o.is_object()) return ctx.bad("the class entry", o, "an object");
  SpatialClass sc;
  sc.name = ctx.cls;
  bool have_freq = false, have_domains = false;
  for (const auto& [k, v] : o.items()) {
    if (k == "count") {
      SF_ASSIGN_OR_RETURN(sc.count, read_count(ctx, v, k));
    } else if (k == "frequency") {
      SF_ASSIGN_OR_RETURN(sc.frequency, read_probability(ctx, v, k));
      have_freq = true;
    } else if (k == "categories_count") {
      SF_ASSIGN_OR_RETURN(int64_t c, read_count(ctx, v, k));
      sc.categories_count = c;
    } else if (k == "domain_classes") {
      if (!v.is_array()) return ctx.bad(k, v, "a list");
      for (size_t i = 0; i < v.size(); ++i) {
        SF_ASSIGN_OR_RETURN(DomainClass d, read_domain(ctx, v[i], k + "[" + std::to_string(i) + "]"));
        sc.domain_classes.push_back(std::move(d));
      }
      have_domains = true;
    } else if (k == "parameters") {
      if (!v.is_array()) return ctx.bad(k, v, "a list");
      for (size_t i = 0; i < v.size(); ++i) {
        SF_ASSIGN_OR_RETURN(ParameterSet p,
                            read_parameter_set(ctx, v[i], k + "[" + std::to_string(i) + "]"));
        sc.parameters.push_back(std::move(p));
      }
    } else {
      sc.extra[k] = v;
    }
  }
  if (!have_freq) return ctx.missing("frequency");
  if (!have_domains) return ctx.missing("domain_classes");
  if (sc.frequency > 0 && sc.domain_classes.empty())
    return ctx.error("domain_classes is empty but frequency is " + std::to_string(sc.frequency));
  if (!sc.domain_classes.empty()) {
    double sum = 0;
    for (const auto& d : sc.domain_classes) sum += d.frequency;
    SF_TRY(check_sum(ctx, sum, "domain_classes frequencies"));
  }
  if (!sc.parameters.empty()) {
    double sum = 0;
    for (const auto& p : sc.parameters) sum += p.conditional_frequency;
    SF_TRY(check_sum(ctx, sum, "parameters conditional_frequency values"));
  }
  return sc;
}

std::string stem_of(const std::string& path) {
  std::string s = path.substr(path.find_last_of("/\\") + 1);
  if (s.size() > 5 && s.compare(s.size() - 5, 5, ".json") == 0) s.resize(s.size() - 5);
  return s;
}

Result<ErrorModel> parse_impl(const json& j, const std::string& source, const ParseOptions& opts) {
  Ctx ctx{source, ""};
  if (!j.is_object()) return ctx.bad("the top level", j, "an object");
  ErrorModel m;
  m.op_name = stem_of(source);
  bool have_tensor_count = false, skipped = false;
  for (const auto& [k, v] : j.items()) {
    if (!k.empty() && k[0] == '_') {
      if (k == "_tensor_count") {
        SF_ASSIGN_OR_RETURN(m.tensor_count, read_count(ctx, v, k));
        have_tensor_count = true;
      } else if (k == "_rejected_tensors_proportion") {
        SF_ASSIGN_OR_RETURN(m.rejected_proportion, read_probability(ctx, v, k));
      } else if (k == "_categories_count") {
        SF_ASSIGN_OR_RETURN(int64_t c, read_count(ctx, v, k));
        m.categories_count = c;
      } else if (k == "_injection_count") {
        SF_ASSIGN_OR_RETURN(int64_t c, read_count(ctx, v, k));
        m.injection_count = c;
      } else if (k == "_value_deltas") {
        SF_ASSIGN_OR_RETURN(DeltaHistogram h, read_deltas(ctx, v));
        m.deltas = std::move(h);
      } else {
        m.extra[k] = v;
      }
      continue;
    }
    if (!is_supported_spatial_class(k)) {
      std::string known;
      for (const auto& n : fixed_spatial_class_names()) known += n + ", ";
      const std::string msg =
          "class '" + k + "' is not a supported spatial class (supported: " + known + "skip_<k> with k >= 2)";
      if (!opts.skip_unknown_classes) return ctx.error(msg);
      m.warnings.push_back("error model '" + source + "': " + msg + "; skipped");
      skipped = true;
      continue;
    }
    Ctx cctx{source, k};
    SF_ASSIGN_OR_RETURN(SpatialClass sc, read_class(cctx, v));
    m.classes.push_back(std::move(sc));
  }
  if (!have_tensor_count)
    for (const auto& c : m.classes) m.tensor_count += c.count;
  double sum = 0;
  for (const auto& c : m.classes) sum += c.frequency;
  if (m.classes.empty()) {
    if (!m.injection_count) return ctx.error("no spatial classes and no _injection_count");
    if (m.tensor_count != 0)
      return ctx.error("no spatial classes but _tensor_count is " + std::to_string(m.tensor_count));
  } else if (skipped) {
    if (!(sum > 0) || sum > 1 + kFrequencySumTolerance)
      return ctx.error("spatial class frequencies left after skipping sum to " + std::to_string(sum));
  } else {
    SF_TRY(check_sum(ctx, sum, "spatial class frequencies"));
  }
  if (m.injection_count) {
    if (*m.injection_count == 0 || *m.injection_count < m.tensor_count)
      return ctx.error("_injection_count (" + std::to_string(*m.injection_count) +
                       ") must be positive and >= _tensor_count (" +
                       std::to_string(m.tensor_count) + ")");
  }
  if (uses_delta(m) && !m.deltas)
    return ctx.error("the delta value class is used but _value_deltas is missing");
  return m;
}

json number_json(double d) {
  if (std::floor(d) == d && std::fabs(d) < 9.0e15) return json(static_cast<int64_t>(d));
  return json(d);
}

json choice_json(const ParamChoice& c) {
  if (!c.is_list) return number_json(c.numbers.empty() ? 0.0 : c.numbers[0]);
  json a = json::array();
  for (double d : c.numbers) a.push_back(number_json(d));
  return a;
}

json param_json(const ParamValue& p) {
  if (!p.random) return choice_json(p.choices.at(0));
  json a = json::array();
  for (const auto& c : p.choices) a.push_back(choice_json(c));
  return json{{"RANDOM", a}};
}

json bucket_json(double lo, double hi) { return json::array({number_json(lo), number_json(hi)}); }

}  // namespace

int64_t DeltaHistogram::total() const {
  int64_t t = 0;
  for (const auto& b : bins) t += b.with_sign + b.against_sign;
  return t;
}

double delta_unit(const float* golden, int64_t n, float lo, float hi) {
  double sum = 0;
  int64_t count = 0;
  for (int64_t i = 0; golden && i < n; ++i)
    if (std::isfinite(golden[i])) sum += static_cast<double>(golden[i]) * golden[i], ++count;
  const double rms = count > 0 ? std::sqrt(sum / static_cast<double>(count)) : 0;
  if (std::isfinite(rms) && rms > 0) return rms;
  const double u = static_cast<double>(hi) - static_cast<double>(lo);
  return std::isfinite(u) && u > 0 ? u : 1.0;
}

const char* value_model_name(ValueModel v) { return v == ValueModel::kDeltas ? "deltas" : "classes"; }

const char* value_class_name(ValueClass v) {
  switch (v) {
    case ValueClass::kInRange: return "in_range";
    case ValueClass::kOutOfRange: return "out_of_range";
    case ValueClass::kZero: return "zero";
    case ValueClass::kNaN: return "nan";
    case ValueClass::kFlip: return "flip";
    case ValueClass::kDelta: return "delta";
  }
  return "?";
}

std::optional<ValueClass> value_class_from_name(const std::string& name) {
  for (ValueClass v : {ValueClass::kInRange, ValueClass::kOutOfRange, ValueClass::kZero,
                       ValueClass::kNaN, ValueClass::kFlip, ValueClass::kDelta})
    if (name == value_class_name(v)) return v;
  return std::nullopt;
}

const std::vector<std::string>& fixed_spatial_class_names() {
  static const std::vector<std::string> names(std::begin(kFixedClassNames),
                                              std::end(kFixedClassNames));
  return names;
}

bool is_supported_spatial_class(const std::string& name) {
  for (const char* n : kFixedClassNames)
    if (name == n) return true;
  if (name.rfind("skip_", 0) != 0 || name.size() == 5 || name.size() > 23) return false;
  for (size_t i = 5; i < name.size(); ++i)
    if (name[i] < '0' || name[i] > '9') return false;
  if (name[5] == '0') return false;  // no leading zeros: one spelling per stride
  return std::stoll(name.substr(5)) >= 2;
}

double ErrorModel::p_uncorrupted() const {
  if (!injection_count || *injection_count <= 0) return 0.0;
  return 1.0 - static_cast<double>(tensor_count) / static_cast<double>(*injection_count);
}

const SpatialClass* ErrorModel::find_class(const std::string& name) const {
  for (const auto& c : classes)
    if (c.name == name) return &c;
  return nullptr;
}

Result<ErrorModel> parse_error_model(const nlohmann::json& j, const std::string& source,
                                     const ParseOptions& options) {
  try {
    return parse_impl(j, source, options);
  } catch (const std::exception& e) {  // defensive: json accessors are type-checked above
    return invalid_argument("error model '" + source + "': " + e.what());
  }
}

Result<ErrorModel> load_error_model(const std::string& path, const ParseOptions& options) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return io_error("error model '" + path + "': cannot open the file");
  std::ostringstream ss;
  ss << f.rdbuf();
  if (f.bad()) return io_error("error model '" + path + "': read failed");
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(ss.str());
  } catch (const std::exception& e) {
    return invalid_argument("error model '" + path + "': not valid JSON: " + e.what());
  }
  return parse_error_model(j, path, options);
}

nlohmann::json error_model_to_json(const ErrorModel& m) {
  json j = json::object();
  for (const auto& [k, v] : m.extra.items()) j[k] = v;
  j["_tensor_count"] = m.tensor_count;
  j["_rejected_tensors_proportion"] = number_json(m.rejected_proportion);
  if (m.categories_count) j["_categories_count"] = *m.categories_count;
  if (m.injection_count) j["_injection_count"] = *m.injection_count;
  if (m.deltas) j["_value_deltas"] = deltas_json(*m.deltas);
  for (const SpatialClass& c : m.classes) {
    json o = json::object();
    for (const auto& [k, v] : c.extra.items()) o[k] = v;
    o["count"] = c.count;
    o["frequency"] = number_json(c.frequency);
    if (c.categories_count) o["categories_count"] = *c.categories_count;
    json domains = json::array();
    for (const DomainClass& d : c.domain_classes) {
      json e = json::object();
      if (d.form == DomainClass::Form::kRandom) {
        e["random"] = bucket_json(d.random_lo_pct, d.random_hi_pct);
        json values = json::object();
        for (const auto& [vc, p] : d.values) values[value_class_name(vc)] = number_json(p);
        e["values"] = values;
      } else {
        for (const auto& b : d.buckets) e[value_class_name(b.value_class)] = bucket_json(b.lo_pct, b.hi_pct);
      }
      e["count"] = d.count;
      e["frequency"] = number_json(d.frequency);
      domains.push_back(std::move(e));
    }
    o["domain_classes"] = std::move(domains);
    json params = json::array();
    for (const ParameterSet& p : c.parameters) {
      json e = json::object();
      for (const auto& [k, v] : p.extra.items()) e[k] = v;
      json keys = p.opaque_keys.is_object() ? p.opaque_keys : json::object();
      json stats = p.opaque_stats.is_object() ? p.opaque_stats : json::object();
      for (const auto& [k, v] : p.keys) keys[k] = param_json(v);
      for (const auto& [k, v] : p.stats) stats[k] = param_json(v);
      e["keys"] = std::move(keys);
      e["stats"] = std::move(stats);
      e["conditional_frequency"] = number_json(p.conditional_frequency);
      if (p.overall_frequency) e["overall_frequency"] = number_json(*p.overall_frequency);
      if (p.count) e["count"] = *p.count;
      params.push_back(std::move(e));
    }
    o["parameters"] = std::move(params);
    j[c.name] = std::move(o);
  }
  return j;
}

Status save_error_model(const ErrorModel& m, const std::string& path) {
  std::ofstream f(path, std::ios::binary);
  if (!f) return io_error("error model '" + path + "': cannot open for writing");
  f << error_model_to_json(m).dump(2) << "\n";
  f.close();
  if (!f) return io_error("error model '" + path + "': write failed");
  return Status::ok();
}

}  // namespace sf::faults
