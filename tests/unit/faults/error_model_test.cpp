// CLASSES-style error models (src/faults/error_model.hpp, README_error_models.md).
// Expected values come from the hand-written models and hand-built position sets below: class and
// value frequencies are the ones written into the model, checked within a binomial 5-sigma bound;
// pattern checks test each class's definition directly on the positions, not via the classifier.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <functional>
#include <cstdio>
#include <fstream>
#include <limits>
#include <map>
#include <set>

#include "faults/error_model.hpp"

namespace sf::faults {
namespace {

using nlohmann::json;

// A small model in the §4.2 schema, with the three domain_classes forms and a RANDOM parameter.
const char* kHandModel = R"({
  "_tensor_count": 1000,
  "_rejected_tensors_proportion": 0.01,
  "_categories_count": 2,
  "single": {
    "count": 700, "frequency": 0.7, "categories_count": 1,
    "domain_classes": [
      {"in_range": [100, 100], "count": 350, "frequency": 0.5},
      {"zero": [100, 100], "count": 140, "frequency": 0.2},
      {"random": [100, 100], "values": {"in_range": 0.5, "nan": 0.5}, "count": 210, "frequency": 0.3}
    ],
    "parameters": []
  },
  "bullet_wake": {
    "count": 300, "frequency": 0.3,
    "domain_classes": [
      {"out_of_range": [75, 87.5], "in_range": [12.5, 25], "count": 300, "frequency": 1.0}
    ],
    "parameters": [
      {"keys": {"affected_channels_pct": {"RANDOM": [[25, 25], [50, 50]]}},
       "stats": {"note": "kept verbatim"},
       "conditional_frequency": 1.0, "overall_frequency": 0.3, "count": 300, "origin": "hand"}
    ]
  }
})";

ErrorModel hand_model() {
  auto r = parse_error_model(json::parse(kHandModel), "hand.json");
  EXPECT_TRUE(r.is_ok()) << r.status().to_string();
  return r.value();
}

void expect_binomial(int64_t hits, int64_t n, double p, const std::string& what) {
  const double mean = static_cast<double>(n) * p;
  const double sigma = std::sqrt(static_cast<double>(n) * p * (1 - p));
  EXPECT_NEAR(static_cast<double>(hits), mean, 5 * sigma + 1e-9) << what << ": " << hits << " of " << n;
}

// ---------------------------------------------------------------- parsing

TEST(ErrorModelParse, HandWrittenModelFields) {
  const ErrorModel m = hand_model();
  EXPECT_EQ(m.op_name, "hand");
  EXPECT_EQ(m.tensor_count, 1000);
  EXPECT_DOUBLE_EQ(m.rejected_proportion, 0.01);
  ASSERT_TRUE(m.categories_count.has_value());
  EXPECT_EQ(*m.categories_count, 2);
  EXPECT_FALSE(m.injection_count.has_value());
  EXPECT_EQ(m.p_uncorrupted(), 0.0);
  ASSERT_EQ(m.classes.size(), 2u);

  const SpatialClass* single = m.find_class("single");
  ASSERT_NE(single, nullptr);
  EXPECT_EQ(single->count, 700);
  EXPECT_DOUBLE_EQ(single->frequency, 0.7);
  ASSERT_EQ(single->domain_classes.size(), 3u);
  EXPECT_EQ(single->domain_classes[0].form, DomainClass::Form::kSingle);
  EXPECT_EQ(single->domain_classes[0].buckets[0].value_class, ValueClass::kInRange);
  EXPECT_EQ(single->domain_classes[1].buckets[0].value_class, ValueClass::kZero);
  const DomainClass& rnd = single->domain_classes[2];
  EXPECT_EQ(rnd.form, DomainClass::Form::kRandom);
  EXPECT_DOUBLE_EQ(rnd.frequency, 0.3);
  EXPECT_EQ(rnd.count, 210);
  ASSERT_EQ(rnd.values.size(), 2u);
  std::map<ValueClass, double> vals(rnd.values.begin(), rnd.values.end());
  EXPECT_DOUBLE_EQ(vals[ValueClass::kInRange], 0.5);
  EXPECT_DOUBLE_EQ(vals[ValueClass::kNaN], 0.5);
  EXPECT_TRUE(single->parameters.empty());

  const SpatialClass* bw = m.find_class("bullet_wake");
  ASSERT_NE(bw, nullptr);
  const DomainClass& dbl = bw->domain_classes.at(0);
  EXPECT_EQ(dbl.form, DomainClass::Form::kDouble);
  ASSERT_EQ(dbl.buckets.size(), 2u);
  for (const auto& b : dbl.buckets) {
    if (b.value_class == ValueClass::kOutOfRange) {
      EXPECT_EQ(b.lo_pct, 75);
      EXPECT_EQ(b.hi_pct, 87.5);
    } else {
      EXPECT_EQ(b.value_class, ValueClass::kInRange);
      EXPECT_EQ(b.lo_pct, 12.5);
      EXPECT_EQ(b.hi_pct, 25);
    }
  }
  ASSERT_EQ(bw->parameters.size(), 1u);
  const ParameterSet& p = bw->parameters[0];
  const ParamValue& acp = p.keys.at("affected_channels_pct");
  EXPECT_TRUE(acp.random);
  ASSERT_EQ(acp.choices.size(), 2u);
  EXPECT_TRUE(acp.choices[0].is_list);
  EXPECT_EQ(acp.choices[0].numbers, (std::vector<double>{25, 25}));
  EXPECT_EQ(acp.choices[1].numbers, (std::vector<double>{50, 50}));
  EXPECT_EQ(p.opaque_stats["note"], "kept verbatim");
  EXPECT_EQ(p.extra["origin"], "hand");
  EXPECT_DOUBLE_EQ(p.conditional_frequency, 1.0);
  EXPECT_DOUBLE_EQ(*p.overall_frequency, 0.3);
  EXPECT_EQ(*p.count, 300);
}

TEST(ErrorModelParse, JsonRoundTrip) {
  ErrorModel m = hand_model();
  m.injection_count = 4000;
  const json j = error_model_to_json(m);
  EXPECT_EQ(j["_injection_count"], 4000);
  EXPECT_EQ(j["bullet_wake"]["parameters"][0]["keys"]["affected_channels_pct"],
            json::parse(R"({"RANDOM": [[25, 25], [50, 50]]})"));
  auto back = parse_error_model(j, "hand.json");
  ASSERT_TRUE(back.is_ok()) << back.status().to_string();
  EXPECT_TRUE(back.value() == m);
  EXPECT_EQ(error_model_to_json(back.value()), j);
  // The original text survives a round trip member for member (plus the extension key).
  json orig = json::parse(kHandModel);
  orig["_injection_count"] = 4000;
  EXPECT_EQ(j, orig);
}

TEST(ErrorModelParse, LoadAndSaveFiles) {
  const std::string dir = ::testing::TempDir();
  const std::string path = dir + "/sf_error_model_conv.json";
  ASSERT_TRUE(save_error_model(hand_model(), path).is_ok());
  auto loaded = load_error_model(path);
  ASSERT_TRUE(loaded.is_ok()) << loaded.status().to_string();
  EXPECT_EQ(loaded->op_name, "sf_error_model_conv");
  EXPECT_EQ(loaded->classes.size(), 2u);

  auto missing = load_error_model(dir + "/does_not_exist.json");
  EXPECT_EQ(missing.status().code(), StatusCode::kIoError);
  const std::string bad = dir + "/sf_error_model_bad.json";
  std::ofstream(bad) << "{\"single\": ";
  auto broken = load_error_model(bad);
  EXPECT_EQ(broken.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(broken.status().message().find("not valid JSON"), std::string::npos);
  EXPECT_NE(broken.status().message().find(bad), std::string::npos);
  std::remove(path.c_str());
  std::remove(bad.c_str());
}

TEST(ErrorModelParse, BadValueNamesFileClassPathAndValue) {
  json j = json::parse(kHandModel);
  j["bullet_wake"]["parameters"][0]["conditional_frequency"] = "abc";
  const Status s = parse_error_model(j, "conv.json").status();
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(),
            "error model 'conv.json': class 'bullet_wake': parameters[0].conditional_frequency is "
            "\"abc\", expected a number");
}

TEST(ErrorModelParse, MalformedFilesGiveClearErrors) {
  struct Case {
    const char* what;
    std::function<void(json&)> edit;
    const char* needle;
  };
  const Case cases[] = {
      {"missing frequency", [](json& j) { j["single"].erase("frequency"); }, "class 'single': frequency is missing"},
      {"frequency string", [](json& j) { j["single"]["frequency"] = "0.7"; }, "frequency is \"0.7\", expected a number"},
      {"frequency > 1", [](json& j) { j["single"]["frequency"] = 1.5; }, "expected a number in [0, 1]"},
      {"domain not list", [](json& j) { j["single"]["domain_classes"] = 3; }, "domain_classes is 3, expected a list"},
      {"missing domain", [](json& j) { j["single"].erase("domain_classes"); }, "domain_classes is missing"},
      {"bad bucket", [](json& j) { j["single"]["domain_classes"][0]["in_range"] = json::array({90, 10}); },
       "domain_classes[0].in_range is [90,10], expected 0 <= lo <= hi <= 100"},
      {"unknown value class", [](json& j) { j["single"]["domain_classes"][0]["huge"] = json::array({0, 1}); },
       "domain_classes[0].huge is not a value class"},
      {"three buckets", [](json& j) {
         j["single"]["domain_classes"][0]["zero"] = json::array({0, 12.5});
         j["single"]["domain_classes"][0]["nan"] = json::array({0, 12.5});
       }, "has 3 value classes"},
      {"random without values", [](json& j) { j["single"]["domain_classes"][2].erase("values"); },
       "'random' and 'values' must appear together"},
      {"domain frequency missing", [](json& j) { j["single"]["domain_classes"][1].erase("frequency"); },
       "domain_classes[1].frequency is missing"},
      {"domain sum", [](json& j) { j["single"]["domain_classes"][1]["frequency"] = 0.5; },
       "domain_classes frequencies sum to 1.3"},
      {"class sum", [](json& j) { j["single"]["frequency"] = 0.5; }, "spatial class frequencies sum to 0.8"},
      {"cond freq missing", [](json& j) { j["bullet_wake"]["parameters"][0].erase("conditional_frequency"); },
       "parameters[0].conditional_frequency is missing"},
      {"cond sum", [](json& j) { j["bullet_wake"]["parameters"][0]["conditional_frequency"] = 0.5; },
       "conditional_frequency values sum to 0.5"},
      {"bad RANDOM", [](json& j) { j["bullet_wake"]["parameters"][0]["keys"]["block_size"] = json::parse(R"({"RANDOM": []})"); },
       "keys.block_size.RANDOM is [], expected a non-empty list of choices"},
      {"string key", [](json& j) { j["bullet_wake"]["parameters"][0]["keys"]["block_size"] = "big"; },
       "parameters[0].keys.block_size is \"big\", expected a number"},
      {"pct > 100", [](json& j) { j["bullet_wake"]["parameters"][0]["keys"]["affected_channels_pct"] = json::array({10, 120}); },
       "expected percentages in [0, 100]"},
      {"min > max", [](json& j) {
         j["bullet_wake"]["parameters"][0]["stats"]["min_span_width"] = 8;
         j["bullet_wake"]["parameters"][0]["stats"]["max_span_width"] = 4;
       }, "min_span_width (8) > max_span_width (4)"},
      {"negative count", [](json& j) { j["_tensor_count"] = -3; }, "_tensor_count is -3, expected a non-negative integer"},
      {"injections < tensors", [](json& j) { j["_injection_count"] = 10; }, "_injection_count (10) must be positive and >= _tensor_count (1000)"},
      {"unknown class", [](json& j) { j["swirl"] = j["single"]; }, "class 'swirl' is not a supported spatial class"},
      {"skip_1", [](json& j) { j["skip_1"] = j["single"]; }, "class 'skip_1' is not a supported spatial class"},
      {"top not object", [](json& j) { j = json::array(); }, "the top level is [], expected an object"},
  };
  for (const Case& c : cases) {
    json j = json::parse(kHandModel);
    c.edit(j);
    const Status s = parse_error_model(j, "conv.json").status();
    EXPECT_FALSE(s.is_ok()) << c.what;
    EXPECT_NE(s.message().find(c.needle), std::string::npos) << c.what << ": " << s.message();
    EXPECT_EQ(s.message().rfind("error model 'conv.json': ", 0), 0u) << c.what << ": " << s.message();
  }
}

TEST(ErrorModelParse, FrequencySumWithinToleranceIsAccepted) {
  json j = json::parse(kHandModel);
  j["single"]["frequency"] = 0.69;  // 0.99 in all: rounding in published files
  EXPECT_TRUE(parse_error_model(j, "conv.json").is_ok());
}

TEST(ErrorModelParse, UnknownClassCanBeSkippedWithWarning) {
  json j = json::parse(kHandModel);
  j["swirl"] = j["single"];
  j["swirl"]["frequency"] = 0.0;
  ParseOptions opts;
  opts.skip_unknown_classes = true;
  auto r = parse_error_model(j, "conv.json", opts);
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ(r->classes.size(), 2u);
  ASSERT_EQ(r->warnings.size(), 1u);
  EXPECT_NE(r->warnings[0].find("'swirl'"), std::string::npos);
}

TEST(ErrorModelParse, SupportedClassNames) {
  for (const char* n : {"single", "same_row", "bullet_wake", "skip_2", "skip_16", "single_block",
                        "single_channel_alternated_blocks", "single_channel_random", "full_channels",
                        "multi_channel_block", "shattered_channel", "quasi_shattered_channel",
                        "rectangles", "random"})
    EXPECT_TRUE(is_supported_spatial_class(n)) << n;
  for (const char* n : {"skip_", "skip_1", "skip_0", "skip_04", "skip_x", "Single", "bullet"})
    EXPECT_FALSE(is_supported_spatial_class(n)) << n;
}

// ---------------------------------------------------------------- sampling

TEST(ErrorModelSample, ClassAndValueFrequencies) {
  const ErrorModel m = hand_model();
  const int64_t C = 16, H = 5, W = 7;
  std::vector<float> golden(C * H * W, 1.0f);
  Rng rng(42, 7);
  const int kSamples = 20000;
  int64_t singles = 0, wakes = 0, wake4 = 0;
  std::map<ValueClass, int64_t> single_values;
  for (int i = 0; i < kSamples; ++i) {
    auto r = sample_corruption(m, C, H, W, golden.data(), -4.0f, 4.0f, rng);
    ASSERT_TRUE(r.is_ok()) << r.status().to_string();
    const Corruption& c = r.value();
    ASSERT_EQ(c.values.size(), c.positions.size());
    ASSERT_EQ(c.value_classes.size(), c.positions.size());
    if (c.spatial_class == "single") {
      ++singles;
      ASSERT_EQ(c.positions.size(), 1u);
      ++single_values[c.value_classes[0]];
    } else {
      ASSERT_EQ(c.spatial_class, "bullet_wake");
      ++wakes;
      // affected_channels_pct RANDOM [[25,25],[50,50]] of C = 16: 4 or 8 channels.
      const auto n = static_cast<int64_t>(c.positions.size());
      ASSERT_TRUE(n == 4 || n == 8) << n;
      wake4 += n == 4;
      // out_of_range share drawn in [75, 87.5] (in_range in [12.5, 25]), at least one of each.
      int64_t oor = 0;
      for (ValueClass v : c.value_classes) {
        ASSERT_TRUE(v == ValueClass::kOutOfRange || v == ValueClass::kInRange);
        oor += v == ValueClass::kOutOfRange;
      }
      EXPECT_GE(oor, static_cast<int64_t>(std::floor(0.75 * n)));
      EXPECT_LE(oor, std::min<int64_t>(n - 1, static_cast<int64_t>(std::ceil(0.875 * n))));
    }
  }
  expect_binomial(singles, kSamples, 0.7, "single");
  expect_binomial(wake4, wakes, 0.5, "RANDOM choice 25%");
  // single: in_range 0.5 + 0.3 * 0.5, zero 0.2, nan 0.3 * 0.5 (from the domain_classes above).
  expect_binomial(single_values[ValueClass::kInRange], singles, 0.65, "in_range");
  expect_binomial(single_values[ValueClass::kZero], singles, 0.2, "zero");
  expect_binomial(single_values[ValueClass::kNaN], singles, 0.15, "nan");
  EXPECT_EQ(single_values[ValueClass::kOutOfRange], 0);
}

TEST(ErrorModelSample, InjectionCountGivesEmptyShare) {
  ErrorModel m = hand_model();
  m.injection_count = 4000;  // tensor_count 1000: 75% of injections corrupt nothing
  std::vector<float> golden(4 * 4 * 4, 2.0f);
  Rng rng(3, 1);
  const int kSamples = 20000;
  int64_t empty = 0;
  for (int i = 0; i < kSamples; ++i) {
    auto r = sample_corruption(m, 4, 4, 4, golden.data(), -1.0f, 1.0f, rng);
    ASSERT_TRUE(r.is_ok()) << r.status().to_string();
    if (r->positions.empty()) {
      ++empty;
      EXPECT_TRUE(r->spatial_class.empty());
      EXPECT_TRUE(r->values.empty());
    }
  }
  expect_binomial(empty, kSamples, 0.75, "uncorrupted injections");
  EXPECT_DOUBLE_EQ(m.p_uncorrupted(), 0.75);
}

TEST(ErrorModelSample, ValueClassesRespectTheRange) {
  Rng rng(11, 2);
  const float lo = -2.5f, hi = 3.0f;
  for (int i = 0; i < 20000; ++i) {
    const float g = static_cast<float>(rng.uniform(-10, 10));
    const float in = draw_value(ValueClass::kInRange, g, lo, hi, rng);
    EXPECT_TRUE(in >= lo && in <= hi && in != 0.0f) << in;
    const float out = draw_value(ValueClass::kOutOfRange, g, lo, hi, rng);
    EXPECT_TRUE(!std::isnan(out) && (out < lo || out > hi)) << out;
    const float flip = draw_value(ValueClass::kFlip, g, lo, hi, rng);
    EXPECT_EQ(std::popcount(std::bit_cast<uint32_t>(flip) ^ std::bit_cast<uint32_t>(g)), 1);
  }
  EXPECT_EQ(draw_value(ValueClass::kZero, 5.0f, lo, hi, rng), 0.0f);
  EXPECT_TRUE(std::isnan(draw_value(ValueClass::kNaN, 5.0f, lo, hi, rng)));
  // A range touching zero: values stay nonzero.
  for (int i = 0; i < 1000; ++i) EXPECT_NE(draw_value(ValueClass::kInRange, 0, 0.0f, 1e-30f, rng), 0.0f);
}

TEST(ErrorModelSample, FlipUsesTheGoldenValueAtEachPosition) {
  json j = json::parse(R"({"full_channels": {"frequency": 1, "domain_classes": [{"flip": [100, 100], "frequency": 1}]}})");
  auto m = parse_error_model(j, "flip.json");
  ASSERT_TRUE(m.is_ok()) << m.status().to_string();
  const int64_t C = 3, H = 4, W = 5;
  std::vector<float> golden(C * H * W);
  for (size_t i = 0; i < golden.size(); ++i) golden[i] = 0.25f * static_cast<float>(i) - 3.0f;
  Rng rng(5, 5);
  for (int i = 0; i < 200; ++i) {
    auto c = sample_corruption(m.value(), C, H, W, golden.data(), -1, 1, rng);
    ASSERT_TRUE(c.is_ok()) << c.status().to_string();
    for (size_t k = 0; k < c->positions.size(); ++k)
      EXPECT_EQ(std::popcount(std::bit_cast<uint32_t>(c->values[k]) ^
                              std::bit_cast<uint32_t>(golden[c->positions[k]])), 1);
  }
  auto no_golden = sample_corruption(m.value(), C, H, W, nullptr, -1, 1, rng);
  EXPECT_EQ(no_golden.status().code(), StatusCode::kInvalidArgument);
}

TEST(ErrorModelSample, ErrorsAndRejections) {
  json j = json::parse(R"({"rectangles": {"frequency": 1, "domain_classes": [{"zero": [100, 100], "frequency": 1}],
      "parameters": [{"keys": {"rectangle_width": 4, "rectangle_height": 4}, "conditional_frequency": 1}]}})");
  auto m = parse_error_model(j, "rect.json");
  ASSERT_TRUE(m.is_ok()) << m.status().to_string();
  Rng rng(1, 1);
  // 4x4 rectangles do not fit in a 3x3 map: rejected after the retries.
  auto r = sample_corruption(m.value(), 8, 3, 3, nullptr, -1, 1, rng);
  EXPECT_EQ(r.status().code(), StatusCode::kUnsupported);
  EXPECT_EQ(r.status().message().rfind("rejected: error model 'rect'", 0), 0u) << r.status().message();
  EXPECT_NE(r.status().message().find("20 attempts"), std::string::npos);
  EXPECT_EQ(sample_corruption(m.value(), 8, 0, 3, nullptr, -1, 1, rng).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(sample_corruption(m.value(), 8, 8, 8, nullptr, 2, 1, rng).status().code(), StatusCode::kInvalidArgument);
  auto ok = sample_corruption(m.value(), 8, 8, 8, nullptr, -1, 1, rng);
  ASSERT_TRUE(ok.is_ok()) << ok.status().to_string();
}

TEST(ErrorModelSample, RandomMinMaxPairsStayConsistent) {
  ParameterSet p;
  p.stats["min_span_width"] = ParamValue{true, {{false, {2}}, {false, {6}}}};
  p.stats["max_span_width"] = ParamValue{true, {{false, {3}}, {false, {4}}, {false, {9}}}};
  Rng rng(9, 9);
  std::set<std::pair<double, double>> seen;
  for (int i = 0; i < 2000; ++i) {
    const RealisedParams r = realise_parameters(p, rng);
    const double lo = r.at("min_span_width").numbers[0], hi = r.at("max_span_width").numbers[0];
    EXPECT_LE(lo, hi);
    seen.insert({lo, hi});
  }
  // Every consistent pair is reachable: (2,3), (2,4), (2,9), (6,9).
  EXPECT_EQ(seen, (std::set<std::pair<double, double>>{{2, 3}, {2, 4}, {2, 9}, {6, 9}}));
}

TEST(ErrorModelParse, EditedFilesNeverThrowOrCrash) {
  // Replace every node of the hand model by values of the wrong type or range: parsing reports a
  // Status, and whatever parses can be sampled without crashing.
  const json base = json::parse(kHandModel);
  const json bad_values[] = {"abc", -1, 1e300, json::array(), json::object(), nullptr, true,
                             json::array({1, 2, 3}), json::parse(R"({"RANDOM": []})"),
                             json::parse(R"({"RANDOM": [[5, 1]]})"), 0, 1e-300};
  std::vector<json::json_pointer> ptrs;
  const json flat = base.flatten();
  for (auto it = flat.begin(); it != flat.end(); ++it) {
    json::json_pointer ptr(it.key());
    while (!ptr.empty()) {
      ptrs.push_back(ptr);
      ptr = ptr.parent_pointer();
    }
  }
  Rng rng(21, 21);
  std::vector<float> golden(4 * 3 * 3, 1.0f);
  int parsed = 0, failed = 0;
  for (const auto& ptr : ptrs)
    for (const json& bad : bad_values) {
      json j = base;
      j[ptr] = bad;
      auto m = parse_error_model(j, "edit.json");
      if (!m.is_ok()) {
        ++failed;
        EXPECT_EQ(m.status().message().rfind("error model 'edit.json': ", 0), 0u) << m.status().message();
        continue;
      }
      ++parsed;
      for (int k = 0; k < 5; ++k) {
        auto c = sample_corruption(m.value(), 4, 3, 3, golden.data(), -1, 1, rng);
        if (c.is_ok()) {
          EXPECT_EQ(c->values.size(), c->positions.size());
        }
      }
    }
  EXPECT_GT(parsed, 0);
  EXPECT_GT(failed, 0);
}

}  // namespace
}  // namespace sf::faults
