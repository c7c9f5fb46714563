#include "faults/outcome.hpp"

#include <algorithm>
#include <cmath>

namespace sf::faults {

const char* outcome_name(Outcome o) {
  switch (o) {
    case Outcome::kMasked: return "masked";
    case Outcome::kSdcSafe: return "sdc_safe";
    case Outcome::kSdcCritical: return "sdc_critical";
    case Outcome::kDue: return "due";
  }
  return "?";
}

Result<Outcome> parse_outcome(const std::string& s) {
  for (int o = 0; o < kOutcomes; ++o)
    if (s == outcome_name(static_cast<Outcome>(o))) return static_cast<Outcome>(o);
  return invalid_argument("unknown outcome '" + s + "'");
}

namespace {

std::vector<double> as_doubles(const Tensor& t) {
  std::vector<double> v(static_cast<size_t>(t.numel()));
  for (int64_t i = 0; i < t.numel(); ++i) v[static_cast<size_t>(i)] = t.double_at(i);
  return v;
}

// Softmax in double; non-finite logits give NaN scores (the caller has classified them as DUE).
void softmax(std::vector<double>& v) {
  double mx = -INFINITY;
  for (double x : v) mx = std::max(mx, x);
  double sum = 0;
  for (double& x : v) sum += (x = std::exp(x - mx));
  for (double& x : v) x /= sum;
}

int64_t argmax(const std::vector<double>& v) {
  int64_t best = -1;
  for (size_t i = 0; i < v.size(); ++i)
    if (best < 0 || v[i] > v[static_cast<size_t>(best)]) best = static_cast<int64_t>(i);
  return best;
}

bool all_finite(const Tensor& t) {
  if (t.dtype() != DType::kF32) return true;
  const float* p = t.data<float>();
  for (int64_t i = 0; i < t.numel(); ++i)
    if (!std::isfinite(p[i])) return false;
  return true;
}

}  // namespace

Result<GoldenScores> golden_scores(const rt::NamedTensors& golden, const std::string& mode) {
  if (golden.empty() || golden[0].second.numel() < 1)
    return invalid_argument("the model's first output is empty: nothing to classify");
  GoldenScores g;
  g.scores = as_doubles(golden[0].second);
  if (mode == "softmax") {
    g.softmax = true;
  } else if (mode == "auto") {
    double sum = 0;
    bool unit = true;
    for (double x : g.scores) {
      unit = unit && x >= 0 && x <= 1;
      sum += x;
    }
    g.softmax = !(unit && std::fabs(sum - 1) < 1e-3);
  } else if (mode != "raw") {
    return invalid_argument("unknown score mode '" + mode + "' (auto, softmax, raw)");
  }
  if (g.softmax) softmax(g.scores);
  g.top1 = argmax(g.scores);
  return g;
}

Classification classify(const rt::NamedTensors& golden, const GoldenScores& gs,
                        const rt::NamedTensors& faulty, double tolerance, double critical_delta) {
  Classification c;
  c.golden_top1 = gs.top1;
  for (size_t o = 0; o < faulty.size() && o < golden.size(); ++o)
    if (!all_finite(faulty[o].second) && all_finite(golden[o].second)) {
      c.outcome = Outcome::kDue;
      c.due = "nan_inf";
      return c;
    }
  std::vector<double> f = as_doubles(faulty[0].second);
  if (f.size() != gs.scores.size()) {
    c.outcome = Outcome::kDue;
    c.due = "error";
    return c;
  }
  if (gs.softmax) softmax(f);
  c.faulty_top1 = argmax(f);
  for (size_t i = 0; i < f.size(); ++i) c.max_abs_diff = std::max(c.max_abs_diff, std::fabs(f[i] - gs.scores[i]));
  for (size_t o = 1; o < faulty.size() && o < golden.size(); ++o) {
    const Tensor& a = faulty[o].second;
    const Tensor& b = golden[o].second;
    for (int64_t i = 0; i < std::min(a.numel(), b.numel()); ++i)
      c.max_abs_diff = std::max(c.max_abs_diff, std::fabs(a.double_at(i) - b.double_at(i)));
  }
  c.top1_delta = f[static_cast<size_t>(gs.top1)] - gs.scores[static_cast<size_t>(gs.top1)];
  if (c.max_abs_diff <= tolerance) c.outcome = Outcome::kMasked;
  else if (c.faulty_top1 != gs.top1 || std::fabs(c.top1_delta) > critical_delta) c.outcome = Outcome::kSdcCritical;
  else c.outcome = Outcome::kSdcSafe;
  return c;
}

}  // namespace sf::faults
