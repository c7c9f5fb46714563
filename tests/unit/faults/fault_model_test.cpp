// Fault models, sample sizes and outcome classes against values worked out by hand or taken
// from the references (fault-injection.md §6's Leveugle table).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "core/half.hpp"
#include "faults/fault_model.hpp"
#include "faults/outcome.hpp"
#include "faults/statistics.hpp"

namespace sf::faults {
namespace {

uint32_t bits_of(float f) {
  uint32_t b;
  std::memcpy(&b, &f, 4);
  return b;
}

TEST(FaultModel, ParsesSpecsAndRoundTrips) {
  for (const char* spec : {"flip:fp32", "flip:fp16:bit=14", "flip:bf16:bits=2:adjacent", "stuck1:int8:bit=7",
                           "stuck0:fp32:bits=3", "random:lo=-2:hi=3", "zero:elements=4", "flip:fp32:elements=8"}) {
    auto m = parse_fault_model(spec);
    ASSERT_TRUE(m.is_ok()) << spec << ": " << m.status().to_string();
    auto again = parse_fault_model(m->spec());
    ASSERT_TRUE(again.is_ok()) << m->spec();
    EXPECT_EQ(again->spec(), m->spec());
  }
  auto m = parse_fault_model("flip:bf16:bit=3:bits=2:adjacent");
  ASSERT_TRUE(m.is_ok());
  EXPECT_EQ(m->kind, FaultKind::kBitFlip);
  EXPECT_EQ(m->repr, Repr::kBF16);
  EXPECT_EQ(m->bit, 3);
  EXPECT_EQ(m->bits, 2);
  EXPECT_TRUE(m->adjacent);
}

TEST(FaultModel, RejectsBadSpecsWithTheValue) {
  struct Case {
    const char* spec;
    const char* needle;
  };
  for (const Case& c : {Case{"flop", "unknown kind 'flop'"}, Case{"flip:fp64", "unknown part 'fp64'"},
                        Case{"flip:fp16:bit=16", "bit=16"}, Case{"flip:int8:bits=9", "bits=9"},
                        Case{"flip:bit=x", "bit=x is not an integer"}, Case{"zero:fp16", "representation"},
                        Case{"random:lo=1:hi=1", "lo < hi"}, Case{"flip:fp32:bit=3:bits=2", "adjacent"},
                        Case{"flip:elements=0", "elements=0"}, Case{"flip:size=2", "unknown key 'size'"}}) {
    auto m = parse_fault_model(c.spec);
    ASSERT_FALSE(m.is_ok()) << c.spec;
    EXPECT_NE(m.status().message().find(c.needle), std::string::npos) << m.status().message();
  }
}

TEST(FaultModel, Fp32FlipAndStuckChangeExactlyTheMaskedBits) {
  Rng rng(1, 2);
  const float v = 0.7353144288f;
  auto flip = *parse_fault_model("flip:fp32");
  EXPECT_EQ(bits_of(apply_to_f32(flip, v, 1u << 30, 1, rng)), bits_of(v) ^ (1u << 30));
  auto s1 = *parse_fault_model("stuck1:fp32");
  EXPECT_EQ(bits_of(apply_to_f32(s1, v, 0x5u, 1, rng)), bits_of(v) | 0x5u);
  auto s0 = *parse_fault_model("stuck0:fp32");
  EXPECT_EQ(bits_of(apply_to_f32(s0, v, 1u << 29, 1, rng)), bits_of(v) & ~(1u << 29));
}

TEST(FaultModel, NarrowRepresentationsFlipTheStoredBits) {
  Rng rng(1, 2);
  // fp16: 1.5 = 0x3E00; flipping bit 14 (exponent MSB) gives 0x7E00 = NaN; bit 10 gives 0x3A00 = 0.75.
  auto f16 = *parse_fault_model("flip:fp16");
  EXPECT_TRUE(std::isnan(apply_to_f32(f16, 1.5f, 1u << 14, 1, rng)));
  EXPECT_EQ(apply_to_f32(f16, 1.5f, 1u << 10, 1, rng), 0.75f);
  // bf16: 1.5 = 0x3FC0; bit 6 is the top mantissa bit: 0x3F80 = 1.0.
  auto bf = *parse_fault_model("flip:bf16");
  EXPECT_EQ(apply_to_f32(bf, 1.5f, 1u << 6, 1, rng), 1.0f);
  // int8 with scale 0.5: 3.0 -> q = 6 = 0b00000110; flipping bit 7 gives -122 -> -61.0;
  // flipping bit 1 gives 4 -> 2.0.
  auto i8 = *parse_fault_model("flip:int8");
  EXPECT_EQ(apply_to_f32(i8, 3.0f, 1u << 7, 0.5f, rng), -61.0f);
  EXPECT_EQ(apply_to_f32(i8, 3.0f, 1u << 1, 0.5f, rng), 2.0f);
  EXPECT_EQ(apply_to_byte(i8, 0x06, 1u << 7, rng), 0x86);
  const float x[] = {1.0f, -254.0f, 3.0f};
  EXPECT_EQ(int8_scale(x, 3), 2.0f);
}

TEST(FaultModel, BitMasksHaveTheRequestedShape) {
  Rng rng(7, 0);
  auto two = *parse_fault_model("flip:fp32:bits=2:adjacent");
  auto three = *parse_fault_model("flip:fp16:bits=3");
  auto fixed = *parse_fault_model("flip:int8:bit=6");
  std::vector<int> hits(32, 0);
  for (int i = 0; i < 20000; ++i) {
    const uint32_t a = draw_bit_mask(two, rng);
    ASSERT_EQ(__builtin_popcount(a), 2);
    ASSERT_EQ(a >> __builtin_ctz(a), 3u);  // adjacent
    const uint32_t b = draw_bit_mask(three, rng);
    ASSERT_EQ(__builtin_popcount(b), 3);
    ASSERT_LT(b, 1u << 16);
    ASSERT_EQ(draw_bit_mask(fixed, rng), 1u << 6);
    ++hits[__builtin_ctz(draw_bit_mask(*parse_fault_model("flip:fp32"), rng))];
  }
  // Uniform over 32 bits: 625 expected each; 5 sigma is about 122.
  for (int b = 0; b < 32; ++b) EXPECT_NEAR(hits[b], 625, 125) << "bit " << b;
}

TEST(Statistics, LeveugleMatchesThePublishedTable) {
  // fault-injection.md §6 (Leveugle et al., DATE 2009), N -> infinity, p = 0.5.
  EXPECT_EQ(leveugle_sample_size(0, 0.05, 0.95), 385);
  EXPECT_EQ(leveugle_sample_size(0, 0.01, 0.95), 9604);
  EXPECT_EQ(leveugle_sample_size(0, 0.01, 0.99), 16588);
  EXPECT_EQ(leveugle_sample_size(0, 0.005, 0.99), 66349);
  EXPECT_EQ(leveugle_sample_size(0, 0.05, 0.998), 955);
  // "With N = 10^6, the 99% / 1% entry drops to 16,317."
  EXPECT_EQ(leveugle_sample_size(1e6, 0.01, 0.99), 16317);
  EXPECT_NEAR(normal_quantile_two_sided(0.95), 1.95996, 1e-4);
}

TEST(Statistics, ExactIntervalsBracketTheRate) {
  const Interval a = proportion_interval(0, 299, 0.95);
  EXPECT_EQ(a.lo, 0.0);
  EXPECT_NEAR(a.hi, 1 - std::pow(0.025, 1.0 / 299), 1e-6);
  const Interval b = proportion_interval(50, 100, 0.95);
  // Clopper-Pearson for 50/100 (scipy.stats.binomtest(50, 100).proportion_ci()): [0.3983, 0.6017].
  EXPECT_NEAR(b.lo, 0.3983, 1e-3);
  EXPECT_NEAR(b.hi, 0.6017, 1e-3);
}

rt::NamedTensors one_output(std::vector<float> v) {
  auto t = Tensor::make(DType::kF32, {1, static_cast<int64_t>(v.size())});
  std::memcpy(t->raw(), v.data(), v.size() * 4);
  return {{"y", *t}};
}

TEST(Outcome, ClassesFollowTheDefinitions) {
  const auto golden = one_output({2.0f, 1.0f, 0.0f});  // logits: softmax applied
  auto gs = golden_scores(golden, "auto");
  ASSERT_TRUE(gs.is_ok());
  EXPECT_TRUE(gs->softmax);
  EXPECT_EQ(gs->top1, 0);
  auto cls = [&](std::vector<float> f) { return classify(golden, *gs, one_output(f), 1e-5, 0.05); };
  EXPECT_EQ(cls({2.0f, 1.0f, 0.0f}).outcome, Outcome::kMasked);
  // softmax(2,1,0)[0] = 0.66524; with 2.05: 0.67631 (+0.011): safe.
  EXPECT_EQ(cls({2.05f, 1.0f, 0.0f}).outcome, Outcome::kSdcSafe);
  // with 2.5: 0.76612 (+0.101 > 0.05): critical though the class stays.
  EXPECT_EQ(cls({2.5f, 1.0f, 0.0f}).outcome, Outcome::kSdcCritical);
  const auto flipped = cls({0.0f, 1.0f, 2.0f});
  EXPECT_EQ(flipped.outcome, Outcome::kSdcCritical);
  EXPECT_EQ(flipped.faulty_top1, 2);
  const auto nan = cls({NAN, 1.0f, 0.0f});
  EXPECT_EQ(nan.outcome, Outcome::kDue);
  EXPECT_EQ(nan.due, "nan_inf");
  // A probability vector is compared as is.
  const auto probs = one_output({0.7f, 0.2f, 0.1f});
  auto ps = golden_scores(probs, "auto");
  EXPECT_FALSE(ps->softmax);
  EXPECT_EQ(classify(probs, *ps, one_output({0.64f, 0.26f, 0.1f}), 1e-5, 0.05).outcome, Outcome::kSdcCritical);
  EXPECT_EQ(classify(probs, *ps, one_output({0.66f, 0.24f, 0.1f}), 1e-5, 0.05).outcome, Outcome::kSdcSafe);
}

}  // namespace
}  // namespace sf::faults
