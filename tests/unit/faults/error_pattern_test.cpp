// Spatial-pattern generators, the classifier and the miner of CLASSES-style error models
// (src/faults/error_model.hpp, README_error_models.md). Pattern checks test each class's definition
// directly on the positions; the classifier is checked on position sets built by hand below; mined
// frequencies are compared with the shares of the hand-built observations fed to the miner.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <map>
#include <set>

#include "faults/error_model.hpp"

namespace sf::faults {
namespace {

void expect_binomial(int64_t hits, int64_t n, double p, const std::string& what) {
  const double mean = static_cast<double>(n) * p;
  const double sigma = std::sqrt(static_cast<double>(n) * p * (1 - p));
  EXPECT_NEAR(static_cast<double>(hits), mean, 5 * sigma + 1e-9) << what << ": " << hits << " of " << n;
}

// ---------------------------------------------------------------- generators

struct Pos {
  int64_t c, h, w;
};
std::vector<Pos> decode(const std::vector<int64_t>& v, int64_t H, int64_t W) {
  std::vector<Pos> out;
  for (int64_t p : v) out.push_back({p / (H * W), (p / W) % H, p % W});
  return out;
}
std::map<int64_t, std::vector<int64_t>> by_channel(const std::vector<int64_t>& v, int64_t S) {
  std::map<int64_t, std::vector<int64_t>> out;
  for (int64_t p : v) out[p / S].push_back(p % S);
  return out;
}
RealisedParams params(std::initializer_list<std::pair<const char*, std::vector<double>>> kv) {
  RealisedParams r;
  for (const auto& [k, v] : kv) r[k] = ParamChoice{v.size() > 1, v};
  return r;
}
std::vector<int64_t> gen(const std::string& cls, const RealisedParams& p, int64_t C, int64_t H,
                         int64_t W, Rng& rng) {
  for (int attempt = 0; attempt < 50; ++attempt) {
    auto r = generate_pattern(cls, p, C, H, W, rng);
    if (r.is_ok()) {
      EXPECT_TRUE(std::is_sorted(r->begin(), r->end()));
      EXPECT_EQ(std::adjacent_find(r->begin(), r->end()), r->end()) << "duplicates";
      for (int64_t q : r.value()) EXPECT_TRUE(q >= 0 && q < C * H * W);
      return r.value();
    }
    EXPECT_EQ(r.status().code(), StatusCode::kUnsupported) << r.status().to_string();
  }
  ADD_FAILURE() << cls << " never generated on " << C << "x" << H << "x" << W;
  return {};
}

TEST(ErrorPattern, SameRowIsOneChannelOneRow) {
  Rng rng(1, 2);
  for (int i = 0; i < 300; ++i) {
    const auto v = decode(gen("same_row", params({{"min_span_width", {3}}, {"max_span_width", {6}}, {"avg_span_corruption_pct", {50}}}), 4, 5, 9, rng), 5, 9);
    ASSERT_GE(v.size(), 2u);
    int64_t wmin = 99, wmax = -1;
    for (const auto& p : v) {
      EXPECT_EQ(p.c, v[0].c);
      EXPECT_EQ(p.h, v[0].h);
      wmin = std::min(wmin, p.w), wmax = std::max(wmax, p.w);
    }
    EXPECT_GE(wmax - wmin + 1, 3);
    EXPECT_LE(wmax - wmin + 1, 6);
  }
}

TEST(ErrorPattern, BulletWakeIsOnePositionInSeveralChannels) {
  Rng rng(2, 2);
  for (int i = 0; i < 300; ++i) {
    const auto v = decode(gen("bullet_wake", params({{"min_channel_skip", {2}}, {"max_channel_skip", {3}}}), 20, 4, 4, rng), 4, 4);
    ASSERT_GE(v.size(), 2u);
    for (size_t k = 1; k < v.size(); ++k) {
      EXPECT_EQ(v[k].h, v[0].h);
      EXPECT_EQ(v[k].w, v[0].w);
      const int64_t gap = v[k].c - v[k - 1].c;
      EXPECT_TRUE(gap == 2 || gap == 3) << gap;
    }
  }
}

TEST(ErrorPattern, SkipIsStrideKInTheFlattenedMap) {
  Rng rng(3, 2);
  for (int i = 0; i < 300; ++i) {
    const auto v = gen("skip_3", params({{"unique_channel_indexes", {5}}, {"affected_channels_pct", {10, 40}}}), 10, 6, 6, rng);
    std::set<int64_t> u;
    for (const auto& [c, q] : by_channel(v, 36)) u.insert(q.begin(), q.end());
    ASSERT_EQ(u.size(), 5u);
    const std::vector<int64_t> uv(u.begin(), u.end());
    for (size_t k = 1; k < uv.size(); ++k) EXPECT_EQ(uv[k] - uv[k - 1], 3);
  }
}

TEST(ErrorPattern, RectanglesAreFullWByHInEachChannel) {
  Rng rng(4, 2);
  for (int i = 0; i < 300; ++i) {
    const auto v = gen("rectangles", params({{"rectangle_width", {3}}, {"rectangle_height", {2}}}), 8, 5, 6, rng);
    const auto ch = by_channel(v, 30);
    ASSERT_GE(ch.size(), 2u);
    for (const auto& [c, q] : ch) {
      ASSERT_EQ(q.size(), 6u);
      const int64_t r0 = q[0] / 6, c0 = q[0] % 6;
      for (int64_t y = 0; y < 2; ++y)
        for (int64_t x = 0; x < 3; ++x) EXPECT_EQ(q[y * 3 + x], (r0 + y) * 6 + c0 + x);
    }
  }
}

TEST(ErrorPattern, SingleBlockIsADenseFlatWindow) {
  Rng rng(5, 2);
  for (int i = 0; i < 300; ++i) {
    const auto v = gen("single_block", params({{"block_size", {16}}, {"avg_block_corruption_pct", {90}}}), 4, 6, 10, rng);
    ASSERT_FALSE(v.empty());
    EXPECT_EQ(v.back() - v.front() + 1, 16);
    EXPECT_EQ(v.size(), 14u);  // llround(0.9 * 16)
    EXPECT_NE(v.front() / 10, v.back() / 10) << "must cross a row";
  }
}

TEST(ErrorPattern, AlternatedBlocksAreAlignedBlocksWithGaps) {
  Rng rng(6, 2);
  for (int i = 0; i < 300; ++i) {
    const auto v = gen("single_channel_alternated_blocks", params({{"block_size", {4}}}), 3, 8, 8, rng);
    const auto ch = by_channel(v, 64);
    ASSERT_EQ(ch.size(), 1u);
    const auto& q = ch.begin()->second;
    ASSERT_GE(q.size(), 8u);
    ASSERT_EQ(q.size() % 4, 0u);
    for (size_t b = 0; b < q.size(); b += 4) {
      EXPECT_EQ(q[b] % 4, 0);
      for (size_t k = 1; k < 4; ++k) EXPECT_EQ(q[b + k], q[b] + static_cast<int64_t>(k));
      if (b > 0) {
        EXPECT_EQ(q[b] - q[b - 4], 8);  // one block corrupted, one not
      }
    }
  }
}

TEST(ErrorPattern, FullChannelsAreMoreThanSeventyPercent) {
  Rng rng(7, 2);
  for (int i = 0; i < 100; ++i) {
    const auto v = gen("full_channels", params({{"affected_channels_pct", {20, 50}}}), 10, 7, 7, rng);
    const auto ch = by_channel(v, 49);
    EXPECT_GE(ch.size(), 2u);
    EXPECT_LE(ch.size(), 5u);
    for (const auto& [c, q] : ch) EXPECT_GT(10 * q.size(), 7u * 49);
  }
}

TEST(ErrorPattern, MultiChannelBlockSharesOneWindow) {
  Rng rng(8, 2);
  for (int i = 0; i < 300; ++i) {
    const auto v = gen("multi_channel_block", params({{"block_size", {8}}, {"avg_block_corruption_pct", {80}}}), 6, 6, 6, rng);
    const auto ch = by_channel(v, 36);
    ASSERT_GE(ch.size(), 2u);
    int64_t lo = 99, hi = -1;
    for (const auto& [c, q] : ch) lo = std::min(lo, q.front()), hi = std::max(hi, q.back());
    EXPECT_EQ(hi - lo + 1, 8);
    for (const auto& [c, q] : ch) EXPECT_GE(4 * q.size(), 3u * 8);
  }
}

TEST(ErrorPattern, ShatteredAndQuasiShattered) {
  Rng rng(9, 2);
  for (int i = 0; i < 300; ++i) {
    for (bool quasi : {false, true}) {
      const auto v = gen(quasi ? "quasi_shattered_channel" : "shattered_channel",
                         params({{"min_span_width", {2}}, {"max_span_width", {5}}}), 8, 6, 6, rng);
      const auto ch = by_channel(v, 36);
      std::map<int64_t, int64_t> holders;
      for (const auto& [c, q] : ch)
        for (int64_t k : q) ++holders[k];
      int64_t top = 0;
      for (const auto& [k, n] : holders) top = std::max(top, n);
      const auto m = static_cast<int64_t>(ch.size());
      ASSERT_GE(holders.size(), 2u);
      if (quasi) {
        EXPECT_GE(m, 3);
        EXPECT_LT(top, m);
        EXPECT_GE(2 * top, m);
      } else {
        EXPECT_GE(m, 2);
        EXPECT_EQ(top, m);
      }
    }
  }
}

TEST(ErrorPattern, SingleChannelRandomAndRandom) {
  Rng rng(10, 2);
  for (int i = 0; i < 200; ++i) {
    EXPECT_EQ(by_channel(gen("single_channel_random", {}, 5, 6, 6, rng), 36).size(), 1u);
    EXPECT_GE(by_channel(gen("random", {}, 5, 6, 6, rng), 36).size(), 2u);
    EXPECT_EQ(gen("single", {}, 5, 6, 6, rng).size(), 1u);
  }
}

TEST(ErrorPattern, EveryGeneratorClassifiesAsItsOwnClass) {
  // Whatever the shape, an accepted sample carries the class the classifier gives it.
  Rng rng(12, 3);
  const int64_t shapes[][3] = {{16, 8, 8}, {4, 14, 3}, {32, 2, 12}, {8, 1, 40}};
  std::vector<std::string> names = fixed_spatial_class_names();
  names.push_back("skip_2");
  names.push_back("skip_5");
  for (const auto& s : shapes)
    for (const auto& name : names) {
      int ok = 0;
      for (int i = 0; i < 100; ++i) {
        auto r = generate_pattern(name, {}, s[0], s[1], s[2], rng);
        if (!r.is_ok()) continue;
        auto c = classify_pattern(r.value(), s[0], s[1], s[2]);
        ASSERT_TRUE(c.is_ok());
        ok += c->spatial_class == name;
      }
      // H = 1 maps have no row to cross (single-channel patterns there are same_row) and no room
      // for the default 2x2 rectangles.
      const bool one_row_only = s[1] == 1 && (name == "single_channel_random" || name == "rectangles" ||
                                               name == "single_channel_alternated_blocks");
      // Each accepted attempt must be right; sample_corruption retries the others.
      if (!one_row_only) {
        EXPECT_GE(ok, 40) << name << " on " << s[0] << "x" << s[1] << "x" << s[2];
      }
    }
}

// ---------------------------------------------------------------- classifier and miner

constexpr int64_t kC = 8, kH = 6, kW = 6;

std::vector<int64_t> at(std::initializer_list<Pos> ps) {
  std::vector<int64_t> v;
  for (const Pos& p : ps) v.push_back((p.c * kH + p.h) * kW + p.w);
  return v;
}
std::vector<int64_t> channel_range(int64_t c, int64_t q0, int64_t q1) {
  std::vector<int64_t> v;
  for (int64_t q = q0; q < q1; ++q) v.push_back(c * kH * kW + q);
  return v;
}
std::vector<int64_t> join(std::initializer_list<std::vector<int64_t>> parts) {
  std::vector<int64_t> v;
  for (const auto& p : parts) v.insert(v.end(), p.begin(), p.end());
  return v;
}

// Hand-built patterns on an 8x6x6 output, one per class (README_error_models.md definitions).
std::vector<std::pair<std::string, std::vector<int64_t>>> hand_patterns() {
  return {
      {"single", at({{2, 3, 4}})},
      {"same_row", at({{1, 2, 0}, {1, 2, 2}, {1, 2, 3}})},
      {"bullet_wake", at({{0, 1, 1}, {3, 1, 1}, {5, 1, 1}})},
      {"skip_2", at({{0, 0, 0}, {0, 0, 2}, {0, 0, 4}, {1, 0, 2}, {1, 0, 4}, {1, 1, 0}})},
      {"rectangles", at({{2, 1, 1}, {2, 1, 2}, {2, 2, 1}, {2, 2, 2}, {5, 3, 3}, {5, 3, 4}, {5, 4, 3}, {5, 4, 4}})},
      {"single_block", channel_range(4, 4, 10)},  // row 0 cols 4-5, row 1 cols 0-3
      {"single_channel_alternated_blocks", join({channel_range(3, 3, 6), channel_range(3, 9, 12)})},
      {"full_channels", channel_range(6, 0, 30)},  // 30 of 36 > 70%
      {"multi_channel_block", join({channel_range(1, 4, 8), channel_range(2, 4, 8)})},
      {"shattered_channel", at({{0, 1, 4}, {0, 1, 5}, {0, 2, 0}, {2, 1, 4}, {4, 1, 2}, {4, 1, 4}})},
      {"quasi_shattered_channel", at({{1, 3, 2}, {1, 3, 3}, {3, 3, 2}, {5, 3, 1}, {5, 3, 2}, {7, 5, 0}})},
      {"single_channel_random", at({{2, 0, 0}, {2, 2, 1}, {2, 4, 3}})},
      {"random", at({{0, 0, 5}, {7, 2, 5}, {7, 5, 3}})},
  };
}

TEST(ErrorMiner, ClassifierRecoversHandBuiltPatterns) {
  for (const auto& [name, pos] : hand_patterns()) {
    auto r = classify_pattern(pos, kC, kH, kW);
    ASSERT_TRUE(r.is_ok()) << name;
    EXPECT_EQ(r->spatial_class, name);
  }
  // Order of the positions does not matter; duplicates collapse.
  std::vector<int64_t> rev = at({{1, 2, 3}, {1, 2, 0}, {1, 2, 3}});
  EXPECT_EQ(classify_pattern(rev, kC, kH, kW)->spatial_class, "same_row");
  // Parameters of hand-built patterns: rectangles 2x2, skip stride 2 with 4 unique indexes.
  auto rect = classify_pattern(hand_patterns()[4].second, kC, kH, kW);
  EXPECT_EQ(rect->parameters.keys.at("rectangle_width").choices[0].numbers[0], 2);
  EXPECT_EQ(rect->parameters.keys.at("rectangle_height").choices[0].numbers[0], 2);
  auto skip = classify_pattern(hand_patterns()[3].second, kC, kH, kW);
  EXPECT_EQ(skip->parameters.keys.at("unique_channel_indexes").choices[0].numbers[0], 4);
  EXPECT_EQ(skip->parameters.keys.at("skip_amount").choices[0].numbers[0], 2);
  EXPECT_FALSE(classify_pattern(std::vector<int64_t>{}, kC, kH, kW).is_ok());
  EXPECT_FALSE(classify_pattern(std::vector<int64_t>{kC * kH * kW}, kC, kH, kW).is_ok());
}

TEST(ErrorMiner, CorruptionAndValueClassification) {
  const float inf = std::numeric_limits<float>::infinity(), nan = std::numeric_limits<float>::quiet_NaN();
  EXPECT_TRUE(is_corrupted_value(1.0f, 1.02f, 1e-2));
  EXPECT_FALSE(is_corrupted_value(1.0f, 1.005f, 1e-2));
  EXPECT_FALSE(is_corrupted_value(nan, nan, 1e-2));
  EXPECT_TRUE(is_corrupted_value(nan, 1.0f, 1e-2));
  EXPECT_TRUE(is_corrupted_value(1.0f, inf, 1e-2));
  EXPECT_FALSE(is_corrupted_value(inf, inf, 1e-2));
  EXPECT_TRUE(is_corrupted_value(inf, -inf, 1e-2));
  EXPECT_EQ(classify_value(1.0f, 0.0f, -2, 2), ValueClass::kZero);
  EXPECT_EQ(classify_value(1.0f, nan, -2, 2), ValueClass::kNaN);
  EXPECT_EQ(classify_value(1.0f, -inf, -2, 2), ValueClass::kNaN);
  EXPECT_EQ(classify_value(1.0f, 1.5f, -2, 2), ValueClass::kInRange);
  // 1.0f = 0x3F800000, 3.0f = 0x40400000 (many bits apart); 6.0f = 0x40C00000 = 3.0f ^ bit 23.
  EXPECT_EQ(classify_value(1.0f, 3.0f, -2, 2), ValueClass::kOutOfRange);
  EXPECT_EQ(classify_value(3.0f, 6.0f, -2, 2), ValueClass::kFlip);
  EXPECT_EQ(std::bit_cast<uint32_t>(3.0f) ^ std::bit_cast<uint32_t>(6.0f), 0x00800000u);
}

// Applies a pattern to a golden output with values of the given classes (cycled).
std::vector<float> corrupt(const std::vector<float>& golden, const std::vector<int64_t>& pos,
                           const std::vector<float>& values) {
  std::vector<float> f = golden;
  for (size_t i = 0; i < pos.size(); ++i) f[pos[i]] = values[i % values.size()];
  return f;
}

std::vector<float> golden_output() {
  std::vector<float> g(kC * kH * kW);
  for (size_t i = 0; i < g.size(); ++i) g[i] = 0.5f + 0.001f * static_cast<float>(i % 97);
  return g;
}

TEST(ErrorMiner, MinedFrequenciesEqualObservedShares) {
  const auto golden = golden_output();
  const auto pats = hand_patterns();
  ErrorModelMiner miner("conv");
  // Pattern i observed (i + 1) times; 40 clean injections.
  int64_t total = 0;
  for (size_t i = 0; i < pats.size(); ++i)
    for (size_t r = 0; r <= i; ++r, ++total) {
      const auto f = corrupt(golden, pats[i].second, {1.5f});
      miner.add(golden.data(), f.data(), kC, kH, kW, -2, 2);
    }
  for (int i = 0; i < 40; ++i) miner.add(golden.data(), golden.data(), kC, kH, kW, -2, 2);
  miner.add(nullptr, golden.data(), kC, kH, kW, -2, 2);
  EXPECT_EQ(miner.ignored(), 1);
  EXPECT_EQ(miner.injections(), total + 40);
  EXPECT_EQ(miner.corrupted(), total);
  const ErrorModel m = miner.build();
  EXPECT_EQ(m.tensor_count, total);
  EXPECT_EQ(*m.injection_count, total + 40);
  EXPECT_DOUBLE_EQ(m.p_uncorrupted(), 40.0 / static_cast<double>(total + 40));
  ASSERT_EQ(m.classes.size(), pats.size());
  for (size_t i = 0; i < pats.size(); ++i) {
    const SpatialClass* c = m.find_class(pats[i].first);
    ASSERT_NE(c, nullptr) << pats[i].first;
    EXPECT_EQ(c->count, static_cast<int64_t>(i + 1));
    EXPECT_DOUBLE_EQ(c->frequency, static_cast<double>(i + 1) / static_cast<double>(total));
    EXPECT_EQ(miner.class_counts().at(pats[i].first), static_cast<int64_t>(i + 1));
    ASSERT_EQ(c->domain_classes.size(), 1u);
    EXPECT_EQ(c->domain_classes[0].form, DomainClass::Form::kSingle);
    EXPECT_EQ(c->domain_classes[0].buckets[0].value_class, ValueClass::kInRange);
  }
  // The mined model is a valid file.
  auto back = parse_error_model(error_model_to_json(m), "conv.json");
  ASSERT_TRUE(back.is_ok()) << back.status().to_string();
}

TEST(ErrorMiner, DomainFormsFromObservedValues) {
  const auto golden = golden_output();
  ErrorModelMiner miner("relu");
  const auto pos = channel_range(6, 0, 30);  // full_channels, 30 values
  // 24 in_range + 6 out_of_range (80% / 20%): the 12.5-point buckets [75, 87.5] and [12.5, 25].
  std::vector<float> two(30, 1.5f);
  for (int i = 0; i < 6; ++i) two[static_cast<size_t>(i)] = 100.0f;
  auto f = corrupt(golden, pos, two);
  miner.add(golden.data(), f.data(), kC, kH, kW, -2, 2);
  // 3 classes: 10 zero, 10 nan, 10 in_range -> random form with 1/3 each.
  std::vector<float> three;
  for (int i = 0; i < 10; ++i) three.insert(three.end(), {0.0f, std::numeric_limits<float>::quiet_NaN(), 1.5f});
  f = corrupt(golden, pos, three);
  miner.add(golden.data(), f.data(), kC, kH, kW, -2, 2);
  const ErrorModel m = miner.build();
  const SpatialClass* c = m.find_class("full_channels");
  ASSERT_NE(c, nullptr);
  ASSERT_EQ(c->domain_classes.size(), 2u);
  const DomainClass& d2 = c->domain_classes[0];
  ASSERT_EQ(d2.form, DomainClass::Form::kDouble);
  for (const auto& b : d2.buckets) {
    if (b.value_class == ValueClass::kInRange) {
      EXPECT_EQ(b.lo_pct, 75);
      EXPECT_EQ(b.hi_pct, 87.5);
    } else {
      EXPECT_EQ(b.value_class, ValueClass::kOutOfRange);
      EXPECT_EQ(b.lo_pct, 12.5);
      EXPECT_EQ(b.hi_pct, 25);
    }
  }
  const DomainClass& d3 = c->domain_classes[1];
  ASSERT_EQ(d3.form, DomainClass::Form::kRandom);
  ASSERT_EQ(d3.values.size(), 3u);
  for (const auto& [v, p] : d3.values) EXPECT_NEAR(p, 1.0 / 3, 1e-12) << value_class_name(v);
  EXPECT_EQ(miner.value_counts().at(ValueClass::kInRange), 34);
  EXPECT_EQ(miner.value_counts().at(ValueClass::kOutOfRange), 6);
}

TEST(ErrorMiner, MinedModelSamplesBackTheSameClassMix) {
  const auto golden = golden_output();
  const auto pats = hand_patterns();
  ErrorModelMiner miner("conv");
  int64_t total = 0;
  for (size_t i = 0; i < pats.size(); ++i)
    for (size_t r = 0; r < 2 + i % 3; ++r, ++total) {
      const auto f = corrupt(golden, pats[i].second, {1.5f, 0.0f});
      miner.add(golden.data(), f.data(), kC, kH, kW, -2, 2);
    }
  auto model = parse_error_model(error_model_to_json(miner.build()), "mined.json");
  ASSERT_TRUE(model.is_ok()) << model.status().to_string();
  Rng rng(77, 1);
  const int kSamples = 6000;
  std::map<std::string, int64_t> got;
  for (int i = 0; i < kSamples; ++i) {
    auto c = sample_corruption(model.value(), kC, kH, kW, golden.data(), -2, 2, rng);
    ASSERT_TRUE(c.is_ok()) << c.status().to_string();
    auto cls = classify_pattern(c->positions, kC, kH, kW);
    ASSERT_TRUE(cls.is_ok());
    EXPECT_EQ(cls->spatial_class, c->spatial_class);
    ++got[cls->spatial_class];
  }
  for (size_t i = 0; i < pats.size(); ++i)
    expect_binomial(got[pats[i].first], kSamples,
                    static_cast<double>(2 + i % 3) / static_cast<double>(total), pats[i].first);
}

}  // namespace
}  // namespace sf::faults
