// Spatial-pattern generators (fault-injection.md §4.4 step 5) and parameter lookup with defaults.
// Every generator produces, by construction, a position set that satisfies its class's definition
// in classify_pattern (error_miner.cpp, README_error_models.md); sample_corruption
// (error_sampling.cpp) checks that with the classifier and retries, so a sample is never labelled
// with a class it does not belong to.
// Positions are flat CHW indexes; S = H*W is the size of one channel's map, q = h*W + w the
// in-channel index.
#include <algorithm>
#include <cmath>
#include <numeric>
#include <unordered_set>

#include "faults/error_model.hpp"

namespace sf::faults {

namespace {

// Channel count when neither affected_channels_pct nor max_corrupted_channels is given.
constexpr int64_t kDefaultMaxChannels = 16;
// Placement retries inside one generator attempt (cheap; the outer 20 attempts redraw parameters).
constexpr int kPlacementTries = 32;

struct Shape {
  int64_t C, H, W;
  int64_t S() const { return H * W; }
  int64_t N() const { return C * H * W; }
  std::string str() const {
    return std::to_string(C) + "x" + std::to_string(H) + "x" + std::to_string(W);
  }
};

Status cannot_host(const std::string& cls, const Shape& s, const std::string& why) {
  return unsupported(cls + " cannot be realised on a " + s.str() + " (CxHxW) output: " + why);
}

std::optional<double> get_real(const RealisedParams& p, const char* name, Rng& rng) {
  auto it = p.find(name);
  if (it == p.end() || it->second.numbers.empty()) return std::nullopt;
  const auto& n = it->second.numbers;
  if (it->second.is_list && n.size() >= 2) return n[0] == n[1] ? n[0] : rng.uniform(n[0], n[1]);
  return n[0];
}

// File values are unbounded doubles: keep integer conversions defined (shapes are < 2^40).
constexpr double kIntLimit = 1.0e15;
int64_t to_int(double d) { return static_cast<int64_t>(std::llround(std::clamp(d, -kIntLimit, kIntLimit))); }

std::optional<int64_t> get_int(const RealisedParams& p, const char* name, Rng& rng) {
  auto it = p.find(name);
  if (it == p.end() || it->second.numbers.empty()) return std::nullopt;
  const auto& n = it->second.numbers;
  if (it->second.is_list && n.size() >= 2) {
    const int64_t lo = to_int(std::ceil(n[0])), hi = to_int(std::floor(n[1]));
    return lo <= hi ? rng.between(lo, hi) : to_int(n[0]);
  }
  return to_int(n[0]);
}

// A percentage drawn from a [lo, hi] range key (a plain number v means [v, v]).
double get_pct(const RealisedParams& p, const char* name, double def_lo, double def_hi, Rng& rng) {
  auto it = p.find(name);
  double lo = def_lo, hi = def_hi;
  if (it != p.end() && !it->second.numbers.empty()) {
    lo = it->second.numbers.front();
    hi = it->second.numbers.back();
  }
  return lo >= hi ? lo : rng.uniform(lo, hi);
}

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// k distinct values of [0, n), sorted (Floyd's algorithm, or a partial shuffle when k is large).
std::vector<int64_t> sample_distinct(int64_t n, int64_t k, Rng& rng) {
  std::vector<int64_t> out;
  if (k >= n) {
    out.resize(static_cast<size_t>(std::max<int64_t>(n, 0)));
    std::iota(out.begin(), out.end(), 0);
    return out;
  }
  if (k <= 0) return out;
  if (k * 4 < n) {
    std::unordered_set<int64_t> set;
    for (int64_t j = n - k; j < n; ++j) {
      const int64_t t = rng.between(0, j);
      set.insert(set.count(t) ? j : t);
    }
    out.assign(set.begin(), set.end());
  } else {
    std::vector<int64_t> all(static_cast<size_t>(n));
    std::iota(all.begin(), all.end(), 0);
    for (int64_t i = 0; i < k; ++i) std::swap(all[i], all[rng.between(i, n - 1)]);
    out.assign(all.begin(), all.begin() + k);
  }
  std::sort(out.begin(), out.end());
  return out;
}

template <typename T>
void shuffle(std::vector<T>& v, Rng& rng) {
  for (size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[rng.below(i)]);
}

// Number of affected channels: affected_channels_pct of C if given, else uniform in
// [min_m, min(C, kDefaultMaxChannels)]; capped by max_corrupted_channels. 0 = cannot host.
int64_t pick_channel_count(const RealisedParams& p, const Shape& s, int64_t min_m, Rng& rng) {
  if (s.C < min_m) return 0;
  int64_t cap = s.C;
  if (auto mx = get_int(p, "max_corrupted_channels", rng)) {
    if (*mx < min_m) return 0;
    cap = std::min(cap, *mx);
  }
  int64_t m;
  if (p.count("affected_channels_pct")) {
    m = std::llround(get_pct(p, "affected_channels_pct", 0, 100, rng) / 100.0 * static_cast<double>(s.C));
  } else {
    m = rng.between(min_m, std::min(cap, std::max(min_m, kDefaultMaxChannels)));
  }
  return std::clamp(m, min_m, cap);
}

// m channels, sorted: gaps in [min_channel_skip, max_channel_skip] when either is given, else a
// uniformly random subset. May return fewer than m when the gaps do not fit in C.
std::vector<int64_t> pick_channels(const RealisedParams& p, int64_t C, int64_t m, Rng& rng) {
  const auto mn = get_int(p, "min_channel_skip", rng), mx = get_int(p, "max_channel_skip", rng);
  if (!mn && !mx) return sample_distinct(C, m, rng);
  const int64_t g_lo = std::clamp<int64_t>(mn.value_or(1), 1, std::max<int64_t>(1, C));
  const int64_t g_hi = std::clamp<int64_t>(mx.value_or(g_lo), g_lo, std::max<int64_t>(g_lo, C));
  if (m > 1 && (m - 1) * g_lo > C - 1) m = 1 + (C - 1) / g_lo;
  int64_t budget = C - 1 - (m - 1) * g_lo;
  std::vector<int64_t> gaps(static_cast<size_t>(std::max<int64_t>(m - 1, 0)), g_lo);
  for (auto& g : gaps) {
    const int64_t extra = rng.between(0, std::min(g_hi - g_lo, budget));
    g += extra;
    budget -= extra;
  }
  shuffle(gaps, rng);
  const int64_t span = std::accumulate(gaps.begin(), gaps.end(), int64_t{0});
  std::vector<int64_t> out{rng.between(0, C - 1 - span)};
  for (int64_t g : gaps) out.push_back(out.back() + g);
  return out;
}

// Window of b in-line indexes starting at `a` with endpoints kept and n - 2 interior ones drawn.
void fill_window(int64_t base, int64_t a, int64_t b, int64_t n, Rng& rng, std::vector<int64_t>& out) {
  out.push_back(base + a);
  if (b >= 2) out.push_back(base + a + b - 1);
  for (int64_t i : sample_distinct(b - 2, n - 2, rng)) out.push_back(base + a + 1 + i);
}

using Gen = Result<std::vector<int64_t>>;

Gen gen_single(const Shape& s, Rng& rng) {
  return std::vector<int64_t>{static_cast<int64_t>(rng.below(static_cast<uint64_t>(s.N())))};
}

Gen gen_same_row(const RealisedParams& p, const Shape& s, Rng& rng) {
  const std::string cls = "same_row";
  if (s.W < 2) return cannot_host(cls, s, "needs W >= 2");
  const int64_t smin = std::max<int64_t>(2, get_int(p, "min_span_width", rng).value_or(2));
  if (smin > s.W) return cannot_host(cls, s, "min_span_width " + std::to_string(smin) + " > W");
  const int64_t smax = std::clamp(get_int(p, "max_span_width", rng).value_or(s.W), smin, s.W);
  const int64_t span = rng.between(smin, smax);
  const double pct = get_real(p, "avg_span_corruption_pct", rng).value_or(100);
  const int64_t n = std::clamp<int64_t>(std::llround(pct / 100.0 * static_cast<double>(span)), 2, span);
  const int64_t c = rng.between(0, s.C - 1), h = rng.between(0, s.H - 1);
  std::vector<int64_t> out;
  fill_window(c * s.S() + h * s.W, rng.between(0, s.W - span), span, n, rng, out);
  return out;
}

Gen gen_bullet_wake(const RealisedParams& p, const Shape& s, Rng& rng) {
  const int64_t m = pick_channel_count(p, s, 2, rng);
  if (m < 2) return cannot_host("bullet_wake", s, "needs >= 2 channels");
  const auto ch = pick_channels(p, s.C, m, rng);
  if (ch.size() < 2) return cannot_host("bullet_wake", s, "channel skips do not fit in C");
  const int64_t q = rng.between(0, s.S() - 1);
  std::vector<int64_t> out;
  for (int64_t c : ch) out.push_back(c * s.S() + q);
  return out;
}

Gen gen_skip(int64_t k, const RealisedParams& p, const Shape& s, Rng& rng) {
  const std::string cls = "skip_" + std::to_string(k);
  int64_t n = std::max<int64_t>(3, get_int(p, "unique_channel_indexes", rng).value_or(8));
  n = std::min(n, 1 + (s.S() - 1) / k);
  if (n < 3) return cannot_host(cls, s, "a channel map cannot hold 3 indexes at stride " + std::to_string(k));
  const int64_t m = pick_channel_count(p, s, 1, rng);
  if (m < 1) return cannot_host(cls, s, "no channel fits");
  const auto ch = pick_channels(p, s.C, m, rng);
  const int64_t last_start = s.S() - 1 - (n - 1) * k;
  int64_t p0 = rng.between(0, last_start);
  // One channel in one row would be same_row: cross a row boundary.
  for (int t = 0; ch.size() == 1 && p0 / s.W == (p0 + (n - 1) * k) / s.W; ++t) {
    if (t == kPlacementTries) return cannot_host(cls, s, "the progression fits in one row");
    p0 = rng.between(0, last_start);
  }
  const double pct = get_pct(p, "indexes_corruption_pct", 100, 100, rng);
  const int64_t per = std::clamp<int64_t>(std::llround(pct / 100.0 * static_cast<double>(n)), 1, n);
  std::vector<std::vector<int64_t>> idx(ch.size());
  for (int64_t i = 0; i < n; ++i) idx[rng.below(ch.size())].push_back(i);  // union covers all n
  std::vector<int64_t> out;
  for (size_t j = 0; j < ch.size(); ++j) {
    if (static_cast<int64_t>(idx[j].size()) < per)
      for (int64_t i : sample_distinct(n, per, rng)) idx[j].push_back(i);
    for (int64_t i : idx[j]) out.push_back(ch[j] * s.S() + p0 + i * k);
  }
  return out;
}

Gen gen_rectangles(const RealisedParams& p, const Shape& s, Rng& rng) {
  const std::string cls = "rectangles";
  const int64_t w = std::max<int64_t>(1, get_int(p, "rectangle_width", rng).value_or(2));
  const int64_t h = std::max<int64_t>(1, get_int(p, "rectangle_height", rng).value_or(2));
  if (w > s.W || h > s.H)
    return cannot_host(cls, s, "rectangle " + std::to_string(w) + "x" + std::to_string(h) + " (WxH) too large");
  if (w * h < 2) return cannot_host(cls, s, "a 1x1 rectangle is a bullet wake");
  const int64_t m = pick_channel_count(p, s, 2, rng);
  if (m < 2) return cannot_host(cls, s, "needs >= 2 channels");
  const auto ch = pick_channels(p, s.C, m, rng);
  if (ch.size() < 2) return cannot_host(cls, s, "channel skips do not fit in C");
  std::vector<int64_t> out;
  for (int64_t c : ch) {
    const int64_t r0 = rng.between(0, s.H - h), c0 = rng.between(0, s.W - w);
    for (int64_t y = 0; y < h; ++y)
      for (int64_t x = 0; x < w; ++x) out.push_back(c * s.S() + (r0 + y) * s.W + c0 + x);
  }
  return out;
}

// Count for a block of b at `pct` percent, kept >= 75% (the block classes' density threshold).
int64_t block_count(double pct, int64_t b) {
  return std::clamp<int64_t>(std::llround(pct / 100.0 * static_cast<double>(b)),
                             std::max<int64_t>(2, ceil_div(3 * b, 4)), b);
}

Gen gen_single_block(const RealisedParams& p, const Shape& s, Rng& rng) {
  const std::string cls = "single_block";
  const int64_t b = get_int(p, "block_size", rng).value_or(32);
  if (b < 2 || b > s.N()) return cannot_host(cls, s, "block_size " + std::to_string(b) + " outside [2, C*H*W]");
  const int64_t n = block_count(get_real(p, "avg_block_corruption_pct", rng).value_or(100), b);
  // The block (in flat order) must cross a row boundary, else it is a same_row pattern.
  int64_t a;
  if (b > s.W) {
    a = rng.between(0, s.N() - b);
  } else {
    if (s.C * s.H < 2) return cannot_host(cls, s, "a block within one row is same_row");
    a = rng.between(0, s.C * s.H - 2) * s.W + rng.between(s.W - b + 1, s.W - 1);
  }
  std::vector<int64_t> out;
  fill_window(0, a, b, n, rng, out);
  return out;
}

Gen gen_alternated_blocks(const RealisedParams& p, const Shape& s, Rng& rng) {
  const std::string cls = "single_channel_alternated_blocks";
  const int64_t r = get_int(p, "block_size", rng).value_or(4);
  if (r < 2) return cannot_host(cls, s, "block_size must be >= 2");
  int64_t kb;
  if (p.count("min_span_width") || p.count("max_span_width")) {
    const int64_t smin = get_int(p, "min_span_width", rng).value_or(3 * r);
    const int64_t span = rng.between(smin, std::max(smin, get_int(p, "max_span_width", rng).value_or(smin)));
    kb = std::max<int64_t>(2, (span / r + 1) / 2);
  } else {
    kb = rng.between(2, 4);
  }
  const int64_t nb = s.S() / r;
  kb = std::min(kb, (nb + 1) / 2);
  if (kb < 2) return cannot_host(cls, s, "a map of " + std::to_string(s.S()) + " cannot hold 2 alternated blocks of " + std::to_string(r));
  const int64_t c = rng.between(0, s.C - 1);
  for (int t = 0; t < kPlacementTries; ++t) {
    const int64_t j0 = rng.between(0, nb - (2 * kb - 1));
    const int64_t first = j0 * r, last = (j0 + 2 * kb - 2) * r + r - 1;
    if (first / s.W == last / s.W) continue;  // one row: same_row
    std::vector<int64_t> out;
    for (int64_t j = 0; j < kb; ++j)
      for (int64_t i = 0; i < r; ++i) out.push_back(c * s.S() + (j0 + 2 * j) * r + i);
    return out;
  }
  return cannot_host(cls, s, "the blocks fit in one row");
}

Gen gen_multi_channel_block(const RealisedParams& p, const Shape& s, Rng& rng) {
  const std::string cls = "multi_channel_block";
  const int64_t b = get_int(p, "block_size", rng).value_or(8);
  if (b < 2 || b > s.S()) return cannot_host(cls, s, "block_size " + std::to_string(b) + " outside [2, H*W]");
  const int64_t m = pick_channel_count(p, s, 2, rng);
  if (m < 2) return cannot_host(cls, s, "needs >= 2 channels");
  const auto ch = pick_channels(p, s.C, m, rng);
  if (ch.size() < 2) return cannot_host(cls, s, "channel skips do not fit in C");
  const double pct = get_real(p, "avg_block_corruption_pct", rng).value_or(100);
  // Crossing a row boundary keeps full windows from being rectangles.
  int64_t a = (b <= s.W && s.H >= 2) ? rng.between(0, s.H - 2) * s.W + rng.between(s.W - b + 1, s.W - 1)
                                     : rng.between(0, s.S() - b);
  const bool rect_window = (a % s.W + b <= s.W) || (a % s.W == 0 && b % s.W == 0);
  std::vector<std::vector<int64_t>> sets(ch.size());
  bool all_full = true;
  for (size_t j = 0; j < ch.size(); ++j) {
    const int64_t n = block_count(pct, b);
    all_full = all_full && n == b;
    if (j == 0) {
      fill_window(0, a, b, n, rng, sets[j]);  // channel 0 holds both ends: the union spans b
    } else {
      for (int64_t i : sample_distinct(b, n, rng)) sets[j].push_back(a + i);
    }
  }
  if (all_full && rect_window) {
    // Identical full rectangles in every channel are the rectangles class: thin channel 0.
    if (b == 3) return cannot_host(cls, s, "a full 3-wide window in every channel is rectangles");
    std::sort(sets[0].begin(), sets[0].end());
    sets[0].erase(sets[0].begin() + (b == 2 ? 1 : 1 + static_cast<int64_t>(rng.below(static_cast<uint64_t>(b - 2)))));
  }
  std::vector<int64_t> out;
  for (size_t j = 0; j < ch.size(); ++j)
    for (int64_t q : sets[j]) out.push_back(ch[j] * s.S() + q);
  return out;
}

// shattered_channel: a position common to every affected channel plus a random span per channel.
// quasi_shattered_channel: the common position is in at least half the channels but not all.
Gen gen_shattered(bool quasi, const RealisedParams& p, const Shape& s, Rng& rng) {
  const std::string cls = quasi ? "quasi_shattered_channel" : "shattered_channel";
  const int64_t S = s.S();
  if (S < 2) return cannot_host(cls, s, "needs H*W >= 2");
  const int64_t min_m = quasi ? 3 : 2;
  const int64_t m = pick_channel_count(p, s, min_m, rng);
  if (m < min_m) return cannot_host(cls, s, "needs >= " + std::to_string(min_m) + " channels");
  auto ch = pick_channels(p, s.C, m, rng);
  if (static_cast<int64_t>(ch.size()) < min_m) return cannot_host(cls, s, "channel skips do not fit in C");
  const int64_t mm = static_cast<int64_t>(ch.size());
  const int64_t smin = std::clamp<int64_t>(get_int(p, "min_span_width", rng).value_or(1), 1, S);
  const int64_t smax = std::clamp<int64_t>(get_int(p, "max_span_width", rng).value_or(std::min<int64_t>(S, 8)), smin, S);
  const double pct = get_real(p, "avg_span_corruption_pct", rng).value_or(50);
  const int64_t u = rng.between(0, S - 1);
  const int64_t q = quasi ? rng.between(ceil_div(mm, 2), mm - 1) : mm;
  std::vector<int64_t> order(static_cast<size_t>(mm));
  std::iota(order.begin(), order.end(), 0);
  shuffle(order, rng);
  std::vector<std::vector<int64_t>> sets(static_cast<size_t>(mm));
  for (int64_t i = 0; i < mm; ++i) {
    auto& set = sets[static_cast<size_t>(order[static_cast<size_t>(i)])];
    const int64_t span = rng.between(smin, smax);
    if (i < q) {  // holds u
      const int64_t st = rng.between(std::max<int64_t>(0, u - span + 1), std::min(u, S - span));
      const int64_t extra = std::llround(pct / 100.0 * static_cast<double>(span - 1));
      set.push_back(u);
      for (int64_t k : sample_distinct(span - 1, extra, rng)) set.push_back(st + k + (st + k >= u ? 1 : 0));
    } else {  // quasi: misses u
      const int64_t st = rng.between(0, S - span);
      std::vector<int64_t> cand;
      for (int64_t k = st; k < st + span; ++k)
        if (k != u) cand.push_back(k);
      if (cand.empty()) cand.push_back((u + 1) % S);
      const int64_t n = std::clamp<int64_t>(std::llround(pct / 100.0 * static_cast<double>(cand.size())), 1,
                                            static_cast<int64_t>(cand.size()));
      for (int64_t k : sample_distinct(static_cast<int64_t>(cand.size()), n, rng)) set.push_back(cand[static_cast<size_t>(k)]);
    }
    std::sort(set.begin(), set.end());
  }
  // At least two distinct in-channel indexes, else it is a bullet wake.
  bool any_extra = false;
  for (const auto& set : sets) any_extra = any_extra || set.size() >= 2 || set[0] != u;
  if (!any_extra) sets[0].push_back(u + 1 < S ? u + 1 : u - 1);
  // If every channel were >= 75% of the union's span it would be a multi_channel_block: reduce
  // the smallest channel holding u to u alone.
  int64_t ulo = S, uhi = -1;
  for (const auto& set : sets)
    for (int64_t k : set) ulo = std::min(ulo, k), uhi = std::max(uhi, k);
  bool all_dense = true;
  for (const auto& set : sets) all_dense = all_dense && 4 * static_cast<int64_t>(set.size()) >= 3 * (uhi - ulo + 1);
  if (all_dense) {
    std::vector<int64_t>* smallest = nullptr;
    for (auto& set : sets)
      if (std::binary_search(set.begin(), set.end(), u) && (!smallest || set.size() < smallest->size())) smallest = &set;
    if (smallest) *smallest = {u};
  }
  if (quasi) {  // spans of the channels without u may still share an index with every channel
    std::vector<int64_t> holders(static_cast<size_t>(S), 0);
    for (const auto& set : sets)
      for (int64_t k : set) ++holders[static_cast<size_t>(k)];
    if (std::find(holders.begin(), holders.end(), mm) != holders.end())
      return cannot_host(cls, s, "an index landed in every channel");
  }
  std::vector<int64_t> out;
  for (int64_t j = 0; j < mm; ++j)
    for (int64_t k : sets[static_cast<size_t>(j)]) out.push_back(ch[static_cast<size_t>(j)] * S + k);
  return out;
}

Gen gen_single_channel_random(const RealisedParams& p, const Shape& s, Rng& rng) {
  const int64_t S = s.S();
  if (S < 3) return cannot_host("single_channel_random", s, "needs H*W >= 3");
  const double pct = get_pct(p, "indexes_corruption_pct", 0, 10, rng);
  const int64_t n = std::clamp<int64_t>(std::llround(pct / 100.0 * static_cast<double>(S)), 2, 7 * S / 10);
  if (s.H < 2) return cannot_host("single_channel_random", s, "one row only: it would be same_row");
  const int64_t c = rng.between(0, s.C - 1);
  for (int t = 0; t < kPlacementTries; ++t) {
    const auto ks = sample_distinct(S, n, rng);
    if (ks.front() / s.W == ks.back() / s.W) continue;  // one row: same_row
    std::vector<int64_t> out;
    for (int64_t k : ks) out.push_back(c * S + k);
    return out;
  }
  return cannot_host("single_channel_random", s, "the positions fell in one row");
}

Gen gen_full_channels(const RealisedParams& p, const Shape& s, Rng& rng) {
  const int64_t S = s.S();
  if (S < 2) return cannot_host("full_channels", s, "needs H*W >= 2");
  const int64_t m = pick_channel_count(p, s, 1, rng);
  if (m < 1) return cannot_host("full_channels", s, "no channel fits");
  std::vector<int64_t> out;
  for (int64_t c : pick_channels(p, s.C, m, rng)) {
    const double pct = get_pct(p, "indexes_corruption_pct", 70, 100, rng);
    const int64_t n = std::clamp<int64_t>(std::llround(pct / 100.0 * static_cast<double>(S)), 7 * S / 10 + 1, S);
    for (int64_t k : sample_distinct(S, n, rng)) out.push_back(c * S + k);
  }
  return out;
}

Gen gen_random(const RealisedParams& p, const Shape& s, Rng& rng) {
  const int64_t S = s.S();
  const int64_t m = pick_channel_count(p, s, 2, rng);
  if (m < 2) return cannot_host("random", s, "needs >= 2 channels");
  std::vector<int64_t> out;
  for (int64_t c : pick_channels(p, s.C, m, rng)) {
    const double pct = get_pct(p, "indexes_corruption_pct", 0, 5, rng);
    const int64_t n = std::clamp<int64_t>(std::llround(pct / 100.0 * static_cast<double>(S)), 1,
                                          std::max<int64_t>(1, 7 * S / 10));
    for (int64_t k : sample_distinct(S, n, rng)) out.push_back(c * S + k);
  }
  return out;
}

std::string dims(int64_t C, int64_t H, int64_t W) {
  return std::to_string(C) + "x" + std::to_string(H) + "x" + std::to_string(W);
}

}  // namespace

Result<std::vector<int64_t>> generate_pattern(const std::string& spatial_class,
                                              const RealisedParams& params, int64_t C, int64_t H,
                                              int64_t W, Rng& rng) {
  if (C <= 0 || H <= 0 || W <= 0 || C > (int64_t{1} << 40) / H / W)
    return invalid_argument("generate_pattern: bad output shape " + dims(C, H, W));
  const Shape s{C, H, W};
  Gen g = unsupported("unknown spatial class '" + spatial_class + "'");
  if (spatial_class == "single") g = gen_single(s, rng);
  else if (spatial_class == "same_row") g = gen_same_row(params, s, rng);
  else if (spatial_class == "bullet_wake") g = gen_bullet_wake(params, s, rng);
  else if (spatial_class == "rectangles") g = gen_rectangles(params, s, rng);
  else if (spatial_class == "single_block") g = gen_single_block(params, s, rng);
  else if (spatial_class == "single_channel_alternated_blocks") g = gen_alternated_blocks(params, s, rng);
  else if (spatial_class == "multi_channel_block") g = gen_multi_channel_block(params, s, rng);
  else if (spatial_class == "shattered_channel") g = gen_shattered(false, params, s, rng);
  else if (spatial_class == "quasi_shattered_channel") g = gen_shattered(true, params, s, rng);
  else if (spatial_class == "single_channel_random") g = gen_single_channel_random(params, s, rng);
  else if (spatial_class == "full_channels") g = gen_full_channels(params, s, rng);
  else if (spatial_class == "random") g = gen_random(params, s, rng);
  else if (is_supported_spatial_class(spatial_class)) g = gen_skip(std::stoll(spatial_class.substr(5)), params, s, rng);
  if (!g.is_ok()) return g;
  auto& v = g.value();
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return g;
}

}  // namespace sf::faults
