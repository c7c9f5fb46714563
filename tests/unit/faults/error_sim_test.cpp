// Error simulation on a model (src/faults/error_sim.hpp) and the "_value_deltas" extension
// (error_model.hpp), against independent paths: mined layer outputs against full runs with the
// kernel's accumulator hook; error-model injections against full runs whose observer writes the
// recorded corruption; the logical CHW view of a channels-last tensor against the same layer in
// a session without the layout pass; delta draws against the histogram they come from.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "faults/campaign.hpp"
#include "faults/error_sim.hpp"
#include "faults/injector.hpp"
#include "io/onnx/loader.hpp"
#include "runtime/fault_observer.hpp"
#include "tests/unit/faults/embedded_fixture.hpp"

namespace sf::faults {
namespace {

using nlohmann::json;

std::unique_ptr<rt::Session> load(bool layout = true) {
  return test_fixture::load_embedded(1, false, true, layout);
}

Dataset data(const rt::Session& s, int n) { return test_fixture::random_inputs(s, n, 7); }

// The campaign with its layers' value ranges profiled over d.
Campaign plan(const rt::Session& s, const Dataset& d, const CampaignSpec& spec) {
  Campaign c = test_fixture::plan_campaign(s, d, spec);
  auto r = profile_ranges(s, c, d, 0);
  EXPECT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_TRUE(c.set_ranges(*r).is_ok());
  return c;
}

// Keeps a copy of one node's first output; optionally overwrites one element of it first.
class Capture : public rt::RunObserver {
 public:
  explicit Capture(size_t node, int64_t element = -1, float value = 0)
      : node_(node), element_(element), value_(value) {}
  Status after_node(size_t index, const ir::Node&, std::vector<Tensor>& out, double) override {
    if (index != node_) return Status::ok();
    if (element_ >= 0) out[0].data<float>()[element_] = value_;
    kept = out[0].clone();
    return Status::ok();
  }
  Tensor kept;

 private:
  size_t node_;
  int64_t element_;
  float value_;
};

// Runs `a` then `b` on every node.
class Both : public rt::RunObserver {
 public:
  Both(rt::RunObserver& a, rt::RunObserver& b) : a_(a), b_(b) {}
  void before_node(size_t i, const ir::Node& n) override { a_.before_node(i, n), b_.before_node(i, n); }
  Status after_node(size_t i, const ir::Node& n, std::vector<Tensor>& o, double s) override {
    SF_TRY(a_.after_node(i, n, o, s));
    return b_.after_node(i, n, o, s);
  }

 private:
  rt::RunObserver &a_, &b_;
};

TEST(ErrorSim, ChwViewOfChannelsLastEqualsTheNchwLayer) {
  auto nhwc = load(true), nchw = load(false);
  const Dataset d = data(*nhwc, 1);
  CampaignSpec spec;
  spec.fault = *parse_fault_model("flip:fp32");
  const Campaign a = plan(*nhwc, d, spec), b = plan(*nchw, d, spec);
  ASSERT_EQ(a.layers().size(), b.layers().size());
  auto sa = nhwc->capture(d.items[0]), sb = nchw->capture(d.items[0]);
  ASSERT_TRUE(sa.is_ok() && sb.is_ok());
  int channels_last = 0;
  for (size_t k = 0; k < a.layers().size(); ++k) {
    const CampaignLayer &la = a.layers()[k], &lb = b.layers()[k];
    ASSERT_EQ(la.name, lb.name);
    ASSERT_FALSE(lb.channels_last);
    channels_last += la.channels_last;
    const ChwView va = chw_view(la), vb = chw_view(lb);
    EXPECT_EQ(va.C, vb.C);
    EXPECT_EQ(va.H, vb.H);
    EXPECT_EQ(va.W, vb.W);
    const auto ca = to_chw(sa->values[static_cast<size_t>(la.value)], va);
    const auto cb = to_chw(sb->values[static_cast<size_t>(lb.value)], vb);
    ASSERT_EQ(ca.size(), cb.size());
    double worst = 0;
    for (size_t i = 0; i < ca.size(); ++i) worst = std::max(worst, std::fabs(double(ca[i]) - cb[i]));
    EXPECT_LT(worst, 1e-4) << la.name;
    EXPECT_LE(la.lo, la.hi);
  }
  EXPECT_GE(channels_last, 2);  // the convolutions run channels-last
}

TEST(ErrorSim, MinedLayerOutputsMatchAFullRunWithTheKernelHook) {
  auto s = load();
  const Dataset d = data(*s, 2);
  const Campaign c = plan(*s, d, test_fixture::spec_of("flip:fp32", Site::kAccumulator, 24, 5));
  Injector layer_inj(*s, c, d, false), full_inj(*s, c, d, false);
  int differ = 0;
  for (int64_t i = 0; i < c.size(); ++i) {
    auto lo = layer_inj.accumulator_layer_outputs(i);
    ASSERT_TRUE(lo.is_ok()) << lo.status().to_string();
    auto rec = full_inj.run(i);  // the same injection's fault, as recorded
    ASSERT_TRUE(rec.is_ok());
    const cpu::AccumulatorFault af = test_fixture::recorded_accumulator_fault(*rec);
    const CampaignLayer& l = c.layers()[lo->layer];
    rt::AccumulatorFaultObserver arm(l.node, af);
    Capture cap(l.node);
    Both both(arm, cap);
    auto out = s->run(d.items[static_cast<size_t>((*rec)["input"].get<int64_t>())], &both);
    cpu::fault_disarm();
    ASSERT_FALSE(cap.kept.empty());
    ASSERT_EQ(cap.kept.numel(), lo->faulty.numel());
    EXPECT_EQ(std::memcmp(cap.kept.raw(), lo->faulty.raw(), cap.kept.nbytes()), 0) << "injection " << i;
    EXPECT_EQ(lo->fired, arm.fired());
    differ += std::memcmp(lo->golden->raw(), lo->faulty.raw(), cap.kept.nbytes()) != 0;
  }
  EXPECT_GT(differ, 5);  // the faults changed the outputs
}

TEST(ErrorSim, ErrorModelInjectionsMatchAFullRunWritingTheSameValue) {
  auto s = load();
  const Dataset d = data(*s, 3);
  // One corrupted position per injection (class single), values from a delta histogram that
  // spans tiny to huge errors, so outcomes of every kind occur.
  ErrorModel m;
  m.op_name = "test";
  m.tensor_count = 3, m.injection_count = 4;
  DeltaHistogram h;
  for (int k = -30; k <= 10; k += 4) h.bins.push_back({double(k), 3, 1});
  m.deltas = h;
  SpatialClass sc;
  sc.name = "single", sc.count = 3, sc.frequency = 1;
  DomainClass dc;
  dc.buckets.push_back({ValueClass::kDelta, 100, 100});
  dc.count = 3, dc.frequency = 1;
  sc.domain_classes.push_back(dc);
  m.classes.push_back(sc);
  CampaignSpec spec = test_fixture::spec_of("flip:fp32", Site::kOutput, 80, 9);
  spec.error_model = std::make_shared<const ErrorModel>(m);
  spec.error_model_label = "test";
  const Campaign c = plan(*s, d, spec);
  Injector inj(*s, c, d, false);
  int none = 0, changed = 0;
  for (int64_t i = 0; i < c.size(); ++i) {
    auto rec = inj.run(i);
    ASSERT_TRUE(rec.is_ok()) << rec.status().to_string();
    const auto& f = (*rec)["faults"][0];
    const int64_t input = (*rec)["input"].get<int64_t>();
    auto golden = s->run(d.items[static_cast<size_t>(input)]);
    auto gs = golden_scores(*golden, "auto");
    if (f["class"] == "none") {
      ++none;
      EXPECT_EQ((*rec)["outcome"], "masked");
      continue;
    }
    ASSERT_EQ(f["positions"].get<int64_t>(), 1);
    const CampaignLayer& l = c.layers()[c.describe(i).layer];
    const float after = f["after"].is_null() ? std::numeric_limits<float>::quiet_NaN() : f["after"].get<float>();
    Capture write(l.node, f["element"].get<int64_t>(), after);
    auto faulty = s->run(d.items[static_cast<size_t>(input)], &write);
    Classification want;
    want.outcome = Outcome::kDue;
    if (faulty.is_ok()) want = classify(*golden, *gs, *faulty, c.spec().tolerance, c.spec().critical_delta);
    EXPECT_EQ((*rec)["outcome"], outcome_name(want.outcome)) << "injection " << i;
    if (want.outcome != Outcome::kDue) {
      EXPECT_EQ((*rec)["max_abs_diff"].get<double>(), want.max_abs_diff);
    }
    changed += want.max_abs_diff > 0;
  }
  EXPECT_GT(none, 5);    // P(uncorrupted) = 1/4
  EXPECT_GT(changed, 20);
}

TEST(ErrorSim, ErrorModelsNeedOutputSites) {
  auto s = load();
  const Dataset d = data(*s, 1);
  CampaignSpec spec = test_fixture::spec_of("flip:fp32", Site::kWeight, 0, 1);
  ErrorModel m;
  spec.error_model = std::make_shared<const ErrorModel>(m);
  auto sample = s->capture(d.items[0]);
  auto c = Campaign::plan(*s, spec, 1, *sample);
  ASSERT_FALSE(c.is_ok());
  EXPECT_NE(c.status().message().find("--sites must be output"), std::string::npos);
}

TEST(DeltaModel, MinerRecordsBinAndSignRelativeToGolden) {
  ErrorModelMiner miner("t", 0, ValueModel::kDeltas);
  // Golden RMS 2: the unit. Position 1 grows a negative golden value by 2 * 2^-3 (with its sign);
  // position 2, in the same row, shrinks a positive one by 2 * 2^-10 (against its sign).
  std::vector<float> g = {2, -2, 2, -2, 2, 2}, f = g;
  f[1] = -2.25f;
  f[2] = 2 - 2 * std::exp2(-10.0f);
  miner.add(g.data(), f.data(), 1, 2, 3, -2, 2);
  miner.add(g.data(), g.data(), 1, 2, 3, -2, 2);  // unchanged: counted, not corrupted
  const ErrorModel m = miner.build();
  EXPECT_EQ(m.tensor_count, 1);
  EXPECT_EQ(m.injection_count, 2);
  ASSERT_TRUE(m.deltas.has_value());
  ASSERT_EQ(m.deltas->bins.size(), 2u);
  EXPECT_EQ(m.deltas->bins[0].log2_lo, -10);
  EXPECT_EQ(m.deltas->bins[0].with_sign, 0);
  EXPECT_EQ(m.deltas->bins[0].against_sign, 1);
  EXPECT_EQ(m.deltas->bins[1].log2_lo, -3);
  EXPECT_EQ(m.deltas->bins[1].with_sign, 1);
  EXPECT_EQ(m.deltas->bins[1].against_sign, 0);
  ASSERT_EQ(m.classes.size(), 1u);
  EXPECT_EQ(m.classes[0].name, "same_row");
  EXPECT_EQ(m.classes[0].domain_classes[0].buckets[0].value_class, ValueClass::kDelta);
  // The CLASSES threshold ignores the 2^-8 change.
  ErrorModelMiner classes("t", 1e-2, ValueModel::kClasses);
  classes.add(g.data(), f.data(), 1, 2, 3, -2, 2);
  EXPECT_EQ(classes.build().classes[0].name, "single");
  EXPECT_FALSE(classes.build().deltas.has_value());
}

TEST(DeltaModel, DrawsFollowTheHistogram) {
  DeltaHistogram h;
  h.bins = {{-8, 300, 100}, {2, 0, 600}};
  Rng rng(3, 0);
  const float lo = -1, hi = 3;
  int small_with = 0, small_against = 0, big = 0;
  const int n = 20000;
  for (int i = 0; i < n; ++i) {
    const float golden = (i % 2) ? -0.25f : 0.75f;
    const float v = draw_value(ValueClass::kDelta, golden, lo, hi, rng, &h, 4.0);
    const double d = double(v) - golden, mag = std::fabs(d) / 4;
    const bool with = std::signbit(d) == std::signbit(golden);
    if (mag >= std::exp2(-8) * 0.999 && mag < std::exp2(-7.75) * 1.001) {
      (with ? small_with : small_against)++;
    } else {
      ASSERT_GE(mag, std::exp2(2) * 0.999);
      ASSERT_LT(mag, std::exp2(2.25) * 1.001);
      ASSERT_FALSE(with);
      ++big;
    }
  }
  // Shares 0.3 / 0.1 / 0.6 within 5 binomial sigmas.
  auto near = [&](int k, double p) { return std::fabs(k - n * p) < 5 * std::sqrt(n * p * (1 - p)); };
  EXPECT_TRUE(near(small_with, 0.3)) << small_with;
  EXPECT_TRUE(near(small_against, 0.1)) << small_against;
  EXPECT_TRUE(near(big, 0.6)) << big;
}

TEST(DeltaModel, JsonRoundTripAndErrors) {
  ErrorModelMiner miner("t", 0, ValueModel::kDeltas);
  std::vector<float> g = {1, 2, 3, 4}, f = {1, 2.5f, 3, -4};
  miner.add(g.data(), f.data(), 1, 1, 4, -4, 4);
  const ErrorModel m = miner.build();
  const json j = error_model_to_json(m);
  ASSERT_TRUE(j.contains("_value_deltas"));
  EXPECT_EQ(j["_value_deltas"]["sign"], "golden");
  auto back = parse_error_model(j, "t.json");
  ASSERT_TRUE(back.is_ok()) << back.status().to_string();
  EXPECT_EQ(back->deltas, m.deltas);
  EXPECT_EQ(error_model_to_json(*back), j);

  json no_deltas = j;
  no_deltas.erase("_value_deltas");
  auto e1 = parse_error_model(no_deltas, "t.json");
  ASSERT_FALSE(e1.is_ok());
  EXPECT_NE(e1.status().message().find("_value_deltas is missing"), std::string::npos);
  json unsorted = j;
  unsorted["_value_deltas"]["bins"] = json::array({json::array({1, 1, 0}), json::array({0, 1, 0})});
  auto e2 = parse_error_model(unsorted, "t.json");
  ASSERT_FALSE(e2.is_ok());
  EXPECT_NE(e2.status().message().find("_value_deltas.bins[1][0]"), std::string::npos);
  json bad = j;
  bad["_value_deltas"]["bins"][0] = json::array({0, -1, 0});
  EXPECT_FALSE(parse_error_model(bad, "t.json").is_ok());
  json empty = j;
  empty["_value_deltas"]["bins"] = json::array({json::array({0, 0, 0})});
  EXPECT_FALSE(parse_error_model(empty, "t.json").is_ok());
}

}  // namespace
}  // namespace sf::faults
