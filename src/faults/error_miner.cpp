// Classifying observed corruptions into spatial classes, and building an error model from
// (golden, faulty) output pairs. The class definitions (README_error_models.md) are tested in a
// fixed priority order, so every position set has exactly one class; the generators in
// error_patterns.cpp produce sets that land in their own class under this order. The parameters
// returned with a class are ones the generator of that class can realise on the same shape.
#include <algorithm>
#include <bit>
#include <cmath>
#include <numeric>

#include "faults/error_model.hpp"

namespace sf::faults {

namespace {

ParamValue scalar(double v) { return ParamValue{false, {ParamChoice{false, {v}}}}; }
ParamValue range(double lo, double hi) { return ParamValue{false, {ParamChoice{true, {lo, hi}}}}; }

// Percent buckets for mined ranges: 1 point wide below 10%, then 10 points wide.
ParamValue pct_bucket(double p) {
  if (p >= 100) return range(100, 100);
  if (p < 10) {
    const double lo = std::floor(p);
    return range(lo, lo + 1);
  }
  const double lo = 10 * std::floor(p / 10);
  return range(lo, std::min(100.0, lo + 10));
}

double round10(double p) { return 10 * std::round(p / 10); }

// Identifies equal mined parameter entries (the maps are ordered, so the text is canonical).
std::string canonical_key(const ParameterSet& p) {
  std::string k;
  for (const auto* m : {&p.keys, &p.stats}) {
    for (const auto& [name, v] : *m) {
      k += name + "=";
      for (const auto& c : v.choices)
        for (double d : c.numbers) k += std::to_string(d) + ",";
      k += ";";
    }
    k += "|";
  }
  return k;
}

struct Channel {
  int64_t c;
  std::vector<int64_t> q;  // sorted in-channel indexes
};

bool is_full_rectangle(const std::vector<int64_t>& q, int64_t W, int64_t& w, int64_t& h) {
  int64_t r0 = INT64_MAX, r1 = -1, c0 = INT64_MAX, c1 = -1;
  for (int64_t k : q) {
    r0 = std::min(r0, k / W), r1 = std::max(r1, k / W);
    c0 = std::min(c0, k % W), c1 = std::max(c1, k % W);
  }
  w = c1 - c0 + 1;
  h = r1 - r0 + 1;
  return static_cast<int64_t>(q.size()) == w * h;
}

}  // namespace

Result<PatternClass> classify_pattern(std::span<const int64_t> positions, int64_t C, int64_t H,
                                      int64_t W) {
  if (C <= 0 || H <= 0 || W <= 0 || C > (int64_t{1} << 40) / H / W)
    return invalid_argument("classify_pattern: bad output shape " + std::to_string(C) + "x" +
                            std::to_string(H) + "x" + std::to_string(W));
  if (positions.empty()) return invalid_argument("classify_pattern: no positions");
  const int64_t S = H * W, N = C * S;
  std::vector<int64_t> P(positions.begin(), positions.end());
  std::sort(P.begin(), P.end());
  P.erase(std::unique(P.begin(), P.end()), P.end());
  if (P.front() < 0 || P.back() >= N)
    return invalid_argument("classify_pattern: position " + std::to_string(P.front() < 0 ? P.front() : P.back()) +
                            " outside [0, " + std::to_string(N) + ")");
  PatternClass out;
  auto& keys = out.parameters.keys;
  auto& stats = out.parameters.stats;
  const auto n = static_cast<int64_t>(P.size());
  if (n == 1) {
    out.spatial_class = "single";
    return out;
  }
  std::vector<Channel> ch;
  for (int64_t p : P) {
    if (ch.empty() || ch.back().c != p / S) ch.push_back({p / S, {}});
    ch.back().q.push_back(p % S);
  }
  const auto m = static_cast<int64_t>(ch.size());
  std::vector<int64_t> U;
  for (const auto& c : ch) U.insert(U.end(), c.q.begin(), c.q.end());
  std::sort(U.begin(), U.end());
  // Channels holding each distinct in-channel index (aligned with U after unique).
  std::vector<int64_t> holders;
  {
    std::vector<int64_t> uu;
    for (size_t i = 0; i < U.size(); ++i) {
      if (uu.empty() || uu.back() != U[i]) {
        uu.push_back(U[i]);
        holders.push_back(0);
      }
      ++holders.back();
    }
    U.swap(uu);
  }
  const double channels_pct = 100.0 * static_cast<double>(m) / static_cast<double>(C);
  double mean_share = 0;  // mean per-channel share of the map, percent
  for (const auto& c : ch) mean_share += 100.0 * static_cast<double>(c.q.size()) / static_cast<double>(S);
  mean_share /= static_cast<double>(m);

  // 1. bullet_wake: one in-channel index in >= 2 channels.
  if (m >= 2 && U.size() == 1) {
    out.spatial_class = "bullet_wake";
    keys["affected_channels_pct"] = pct_bucket(channels_pct);
    int64_t gmin = INT64_MAX, gmax = 0;
    for (int64_t i = 1; i < m; ++i) {
      const int64_t g = ch[i].c - ch[i - 1].c;
      gmin = std::min(gmin, g), gmax = std::max(gmax, g);
    }
    stats["min_channel_skip"] = scalar(static_cast<double>(gmin));
    stats["max_channel_skip"] = scalar(static_cast<double>(gmax));
    return out;
  }
  // 2. same_row: one channel, one row.
  if (m == 1 && ch[0].q.front() / W == ch[0].q.back() / W) {
    out.spatial_class = "same_row";
    const int64_t span = ch[0].q.back() - ch[0].q.front() + 1;
    stats["min_span_width"] = scalar(static_cast<double>(span));
    stats["max_span_width"] = scalar(static_cast<double>(span));
    keys["avg_span_corruption_pct"] = scalar(round10(100.0 * static_cast<double>(n) / static_cast<double>(span)));
    return out;
  }
  // 3. full_channels: every affected channel more than 70% corrupted.
  if (std::all_of(ch.begin(), ch.end(), [&](const Channel& c) { return 10 * static_cast<int64_t>(c.q.size()) > 7 * S; })) {
    out.spatial_class = "full_channels";
    keys["affected_channels_pct"] = pct_bucket(channels_pct);
    keys["indexes_corruption_pct"] = pct_bucket(mean_share);
    return out;
  }
  // 4. skip_k: >= 3 distinct in-channel indexes forming a progression of stride k >= 2.
  if (U.size() >= 3) {
    const int64_t k = U[1] - U[0];
    bool ap = k >= 2;
    for (size_t i = 2; ap && i < U.size(); ++i) ap = U[i] - U[i - 1] == k;
    if (ap) {
      out.spatial_class = "skip_" + std::to_string(k);
      double share = 0;
      for (const auto& c : ch) share += 100.0 * static_cast<double>(c.q.size()) / static_cast<double>(U.size());
      keys["skip_amount"] = scalar(static_cast<double>(k));
      keys["unique_channel_indexes"] = scalar(static_cast<double>(U.size()));
      keys["affected_channels_pct"] = pct_bucket(channels_pct);
      keys["indexes_corruption_pct"] = pct_bucket(share / static_cast<double>(m));
      return out;
    }
  }
  // 5. rectangles: >= 2 channels, each a full w x h rectangle (same w, h; w*h >= 2).
  if (m >= 2) {
    int64_t w0 = 0, h0 = 0;
    bool rect = is_full_rectangle(ch[0].q, W, w0, h0) && w0 * h0 >= 2;
    for (int64_t i = 1; rect && i < m; ++i) {
      int64_t w, h;
      rect = is_full_rectangle(ch[i].q, W, w, h) && w == w0 && h == h0;
    }
    if (rect) {
      out.spatial_class = "rectangles";
      keys["rectangle_width"] = scalar(static_cast<double>(w0));
      keys["rectangle_height"] = scalar(static_cast<double>(h0));
      keys["affected_channels_pct"] = pct_bucket(channels_pct);
      return out;
    }
  }
  // 6. single_block: the positions are >= 75% of their flat span.
  const int64_t L = P.back() - P.front() + 1;
  if (4 * n >= 3 * L) {
    out.spatial_class = "single_block";
    keys["block_size"] = scalar(static_cast<double>(L));
    keys["avg_block_corruption_pct"] = scalar(round10(100.0 * static_cast<double>(n) / static_cast<double>(L)));
    return out;
  }
  // 7. single_channel_alternated_blocks: one channel, >= 2 runs, all runs unions of complete
  //    r-aligned blocks (r = gcd of run starts and lengths >= 2).
  if (m == 1) {
    const auto& q = ch[0].q;
    int64_t runs = 0, g = 0;
    for (size_t i = 0; i < q.size();) {
      size_t j = i + 1;
      while (j < q.size() && q[j] == q[j - 1] + 1) ++j;
      ++runs;
      g = std::gcd(g, std::gcd(q[i], static_cast<int64_t>(j - i)));
      i = j;
    }
    if (runs >= 2 && g >= 2) {
      out.spatial_class = "single_channel_alternated_blocks";
      keys["block_size"] = scalar(static_cast<double>(g));
      const int64_t span = q.back() - q.front() + 1;
      stats["min_span_width"] = scalar(static_cast<double>(span));
      stats["max_span_width"] = scalar(static_cast<double>(span));
      return out;
    }
    // 11. single_channel_random: any other single-channel pattern.
    out.spatial_class = "single_channel_random";
    keys["indexes_corruption_pct"] = pct_bucket(100.0 * static_cast<double>(n) / static_cast<double>(S));
    return out;
  }
  // 8. multi_channel_block: every channel holds >= 75% of the union's in-channel span.
  const int64_t LU = U.back() - U.front() + 1;
  if (std::all_of(ch.begin(), ch.end(), [&](const Channel& c) { return 4 * static_cast<int64_t>(c.q.size()) >= 3 * LU; })) {
    out.spatial_class = "multi_channel_block";
    keys["block_size"] = scalar(static_cast<double>(LU));
    keys["avg_block_corruption_pct"] = scalar(round10(mean_share * static_cast<double>(S) / static_cast<double>(LU)));
    keys["affected_channels_pct"] = pct_bucket(channels_pct);
    return out;
  }
  // 9./10. shattered_channel: an index in every channel; quasi_shattered_channel: an index in at
  //        least half of them (>= 2) but none in all.
  const int64_t top = *std::max_element(holders.begin(), holders.end());
  if (top == m || (m >= 3 && top >= 2 && 2 * top >= m)) {
    out.spatial_class = top == m ? "shattered_channel" : "quasi_shattered_channel";
    int64_t smin = INT64_MAX, smax = 0;
    double fill = 0;
    int64_t spans = 0;
    for (const auto& c : ch) {
      const int64_t span = c.q.back() - c.q.front() + 1;
      smin = std::min(smin, span), smax = std::max(smax, span);
      if (span >= 2) {
        fill += 100.0 * static_cast<double>(c.q.size() - 1) / static_cast<double>(span - 1);
        ++spans;
      }
    }
    keys["affected_channels_pct"] = pct_bucket(channels_pct);
    keys["avg_span_corruption_pct"] = scalar(round10(spans ? fill / static_cast<double>(spans) : 0));
    stats["min_span_width"] = scalar(static_cast<double>(smin));
    stats["max_span_width"] = scalar(static_cast<double>(smax));
    return out;
  }
  // 12. random: anything else over >= 2 channels.
  out.spatial_class = "random";
  keys["affected_channels_pct"] = pct_bucket(channels_pct);
  keys["indexes_corruption_pct"] = pct_bucket(mean_share);
  return out;
}

ValueClass classify_value(float golden, float faulty, float lo, float hi) {
  if (!std::isfinite(faulty)) return ValueClass::kNaN;
  if (faulty == 0.0f) return ValueClass::kZero;
  if (faulty >= lo && faulty <= hi) return ValueClass::kInRange;
  if (std::popcount(std::bit_cast<uint32_t>(golden) ^ std::bit_cast<uint32_t>(faulty)) == 1)
    return ValueClass::kFlip;
  return ValueClass::kOutOfRange;
}

bool is_corrupted_value(float golden, float faulty, double eps) {
  const bool gf = std::isfinite(golden), ff = std::isfinite(faulty);
  if (gf && ff) {
    const double d = std::fabs(static_cast<double>(faulty) - static_cast<double>(golden));
    return eps > 0 ? d >= eps : d != 0;  // eps 0: any change of value
  }
  if (std::isnan(golden) && std::isnan(faulty)) return false;
  if (!gf && !ff && golden == faulty) return false;  // the same infinity
  return true;
}

ErrorModelMiner::ErrorModelMiner(std::string op_name, double eps, ValueModel values)
    : op_name_(std::move(op_name)), eps_(eps), values_(values) {}

void ErrorModelMiner::add(const float* golden, const float* faulty, int64_t C, int64_t H, int64_t W,
                          float lo, float hi) {
  if (!golden || !faulty || C <= 0 || H <= 0 || W <= 0 || C > (int64_t{1} << 40) / H / W ||
      std::isnan(lo) || std::isnan(hi) || lo > hi) {
    ++ignored_;
    return;
  }
  ++injections_;
  const int64_t N = C * H * W;
  std::vector<int64_t> pos;
  int64_t counts[kNumValueClasses] = {};
  const double unit = delta_unit(golden, N, lo, hi), width = DeltaHistogram{}.bin_width;
  std::map<int64_t, std::pair<int64_t, int64_t>> bins;  // this tensor's deltas, kept if it counts
  for (int64_t i = 0; i < N; ++i) {
    if (!is_corrupted_value(golden[i], faulty[i], eps_)) continue;
    pos.push_back(i);
    ValueClass vc = classify_value(golden[i], faulty[i], lo, hi);
    if (values_ == ValueModel::kDeltas && std::isfinite(golden[i]) && std::isfinite(faulty[i])) {
      vc = ValueClass::kDelta;
      const double d = static_cast<double>(faulty[i]) - static_cast<double>(golden[i]);
      const auto bin = static_cast<int64_t>(std::floor(std::log2(std::fabs(d) / unit) / width));
      auto& pn = bins[std::clamp<int64_t>(bin, -2048, 2048)];
      ++((d < 0) != std::signbit(golden[i]) ? pn.second : pn.first);  // against / with golden's sign
    } else if (values_ == ValueModel::kDeltas && vc != ValueClass::kNaN) {
      vc = ValueClass::kNaN;  // a finite value where the golden one is not: counted as non-finite
    }
    ++counts[static_cast<int>(vc)];
  }
  if (pos.empty()) return;
  for (const auto& [bin, pn] : bins) {
    delta_bins_[bin].first += pn.first;
    delta_bins_[bin].second += pn.second;
  }
  ++corrupted_;
  auto pc = classify_pattern(pos, C, H, W);
  SF_ASSERT(pc.is_ok());  // positions are in range and non-empty by construction
  ClassAgg& agg = classes_[pc->spatial_class];
  ++agg.count;
  const std::string pkey = canonical_key(pc->parameters);
  auto [pit, pnew] = agg.params.try_emplace(pkey, pc->parameters, 0);
  ++pit->second.second;

  std::vector<ValueClass> present;
  for (int v = 0; v < kNumValueClasses; ++v) {
    if (counts[v] > 0) present.push_back(static_cast<ValueClass>(v));
    value_counts_[static_cast<ValueClass>(v)] += counts[v];
  }
  const auto total = static_cast<double>(pos.size());
  if (present.size() >= 3) {
    ++agg.random_domain_count;
    for (ValueClass v : present) agg.random_domain_share_sum[v] += static_cast<double>(counts[static_cast<int>(v)]) / total;
    return;
  }
  DomainClass d;
  std::string dkey;
  if (present.size() == 1) {
    d.form = DomainClass::Form::kSingle;
    d.buckets.push_back({present[0], 100, 100});
  } else {
    d.form = DomainClass::Form::kDouble;
    for (ValueClass v : present) {
      const double share = 100.0 * static_cast<double>(counts[static_cast<int>(v)]) / total;
      const double lo_pct = 12.5 * std::floor(share / 12.5);
      d.buckets.push_back({v, lo_pct, std::min(100.0, lo_pct + 12.5)});
    }
  }
  for (const auto& b : d.buckets)
    dkey += std::string(value_class_name(b.value_class)) + ":" + std::to_string(b.lo_pct) + ";";
  auto [dit, dnew] = agg.domains.try_emplace(dkey, d, 0);
  ++dit->second.second;
}

std::map<std::string, int64_t> ErrorModelMiner::class_counts() const {
  std::map<std::string, int64_t> out;
  for (const auto& [name, agg] : classes_) out[name] = agg.count;
  return out;
}

ErrorModel ErrorModelMiner::build() const {
  ErrorModel m;
  m.op_name = op_name_;
  m.tensor_count = corrupted_;
  m.rejected_proportion = 0;  // the "random" class accepts every pattern
  m.categories_count = static_cast<int64_t>(classes_.size());
  if (injections_ > 0) m.injection_count = injections_;
  if (!delta_bins_.empty()) {
    DeltaHistogram h;
    for (const auto& [bin, pn] : delta_bins_)
      h.bins.push_back({static_cast<double>(bin) * h.bin_width, pn.first, pn.second});
    m.deltas = std::move(h);
  }
  for (const auto& [name, agg] : classes_) {
    SpatialClass sc;
    sc.name = name;
    sc.count = agg.count;
    sc.frequency = static_cast<double>(agg.count) / static_cast<double>(corrupted_);
    sc.categories_count = static_cast<int64_t>(agg.params.size());
    const auto cnt = static_cast<double>(agg.count);
    for (const auto& [key, pc] : agg.params) {
      ParameterSet p = pc.first;
      p.count = pc.second;
      p.conditional_frequency = static_cast<double>(pc.second) / cnt;
      p.overall_frequency = static_cast<double>(pc.second) / static_cast<double>(corrupted_);
      sc.parameters.push_back(std::move(p));
    }
    for (const auto& [key, dc] : agg.domains) {
      DomainClass d = dc.first;
      d.count = dc.second;
      d.frequency = static_cast<double>(dc.second) / cnt;
      sc.domain_classes.push_back(std::move(d));
    }
    if (agg.random_domain_count > 0) {
      DomainClass d;
      d.form = DomainClass::Form::kRandom;
      for (const auto& [v, sum] : agg.random_domain_share_sum)
        d.values.emplace_back(v, sum / static_cast<double>(agg.random_domain_count));
      d.count = agg.random_domain_count;
      d.frequency = static_cast<double>(agg.random_domain_count) / cnt;
      sc.domain_classes.push_back(std::move(d));
    }
    m.classes.push_back(std::move(sc));
  }
  return m;
}

}  // namespace sf::faults
