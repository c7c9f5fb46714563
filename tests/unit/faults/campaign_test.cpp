// Campaign machinery against independent paths: re-execution from a snapshot against full runs,
// each site's injection against a full run with the same fault made another way (the ABFT fault
// hooks, a corrupted model), and the forked runner and journal against themselves under
// different worker counts and interruptions (the records must be identical).
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>

#include "faults/campaign.hpp"
#include "faults/dataset.hpp"
#include "faults/injector.hpp"
#include "faults/journal.hpp"
#include "faults/runner.hpp"
#include "faults/summary.hpp"
#include "io/onnx/loader.hpp"
#include "runtime/fault_observer.hpp"
#include "tests/unit/faults/embedded_fixture.hpp"
#include "tests/unit/kernels/fast_op_test_util.hpp"

namespace sf::faults {
namespace {

using test::same_outputs;

const std::string kModel = std::string(SF_SOURCE_DIR) + "/models/embedded/fashion_cnn.onnx";

std::unique_ptr<rt::Session> load(int threads, bool keep = false, bool fuse = true) {
  return test_fixture::load_embedded(threads, keep, fuse);
}

Dataset data(const rt::Session& s, int n) { return test_fixture::random_inputs(s, n, 5); }

TEST(Snapshot, RunFromEveryNodeIsBitIdenticalToAFullRun) {
  for (int threads : {1, 2}) {
    auto s = load(threads);
    const Dataset d = data(*s, 2);
    auto full = s->run(d.items[1]);
    ASSERT_TRUE(full.is_ok());
    auto snap = s->capture(d.items[1]);
    ASSERT_TRUE(snap.is_ok());
    EXPECT_TRUE(same_outputs(snap->outputs, *full));
    for (size_t k = 0; k <= s->graph().nodes.size(); ++k) {
      auto part = s->run_from(*snap, k);
      ASSERT_TRUE(part.is_ok()) << part.status().to_string();
      EXPECT_TRUE(same_outputs(*part, *full)) << "from node " << k << ", threads " << threads;
    }
  }
}

Campaign plan(const rt::Session& s, const Dataset& d, const std::string& fault, Site site, int64_t n) {
  return test_fixture::plan_campaign(s, d, test_fixture::spec_of(fault, site, n, 11));
}

Classification full_run_class(const rt::Session& s, const Dataset& d, int64_t input,
                              rt::RunObserver* obs, const Campaign& c) {
  auto golden = s.run(d.items[static_cast<size_t>(input)]);
  auto gs = golden_scores(*golden, "auto");
  auto faulty = s.run(d.items[static_cast<size_t>(input)], obs);
  EXPECT_TRUE(faulty.is_ok());
  return classify(*golden, *gs, *faulty, c.spec().tolerance, c.spec().critical_delta);
}

TEST(Injector, OutputFaultsMatchAFullRunWithTheOutputHook) {
  auto s = load(1);
  const Dataset d = data(*s, 3);
  const Campaign c = plan(*s, d, "flip:fp32", Site::kOutput, 60);
  Injector inj(*s, c, d, false);
  int changed = 0;
  for (int64_t i = 0; i < c.size(); ++i) {
    auto rec = inj.run(i);
    ASSERT_TRUE(rec.is_ok()) << rec.status().to_string();
    const auto& f = (*rec)["faults"][0];
    const CampaignLayer& l = c.layers()[c.describe(i).layer];
    rt::OutputFaultObserver obs(l.node, 0, f["element"].get<int64_t>(), __builtin_ctz(f["mask"].get<uint32_t>()));
    const Classification want = full_run_class(*s, d, (*rec)["input"].get<int64_t>(), &obs, c);
    ASSERT_TRUE(obs.fired());
    EXPECT_EQ((*rec)["outcome"], outcome_name(want.outcome)) << "injection " << i;
    if (want.outcome != Outcome::kDue) {
      EXPECT_EQ((*rec)["max_abs_diff"].get<double>(), want.max_abs_diff) << "injection " << i;
      EXPECT_EQ((*rec)["faulty_top1"].get<int64_t>(), want.faulty_top1);
    }
    changed += want.max_abs_diff > 0;
  }
  EXPECT_GT(changed, 5);  // the comparison saw real differences
}

TEST(Injector, AccumulatorFaultsMatchAFullRunWithTheKernelHook) {
  auto s = load(1);
  const Dataset d = data(*s, 2);
  const Campaign c = plan(*s, d, "flip:fp32", Site::kAccumulator, 40);
  Injector inj(*s, c, d, false);
  int changed = 0;
  for (int64_t i = 0; i < c.size(); ++i) {
    auto rec = inj.run(i);
    ASSERT_TRUE(rec.is_ok()) << rec.status().to_string();
    ASSERT_TRUE((*rec)["fired"].get<bool>());
    const cpu::AccumulatorFault af = test_fixture::recorded_accumulator_fault(*rec);
    const CampaignLayer& l = c.layers()[c.describe(i).layer];
    rt::AccumulatorFaultObserver obs(l.node, af);
    const Classification want = full_run_class(*s, d, (*rec)["input"].get<int64_t>(), &obs, c);
    cpu::fault_disarm();
    EXPECT_EQ((*rec)["outcome"], outcome_name(want.outcome)) << "injection " << i;
    if (want.outcome != Outcome::kDue) {
      EXPECT_EQ((*rec)["max_abs_diff"].get<double>(), want.max_abs_diff) << "injection " << i;
    }
    changed += want.max_abs_diff > 0;
  }
  EXPECT_GT(changed, 3);
}

TEST(Injector, WeightFaultsMatchAModelLoadedWithTheCorruptedWeight) {
  // Without fusion the faulty weights are the model file's initializers, so the reference is the
  // model loaded afresh with that initializer corrupted.
  auto s = load(1, /*keep=*/true, /*fuse=*/false);
  const Dataset d = data(*s, 2);
  const Campaign c = plan(*s, d, "flip:fp32", Site::kWeight, 24);
  Injector inj(*s, c, d, false);
  for (int64_t i = 0; i < c.size(); ++i) {
    auto rec = inj.run(i);
    ASSERT_TRUE(rec.is_ok()) << rec.status().to_string();
    const CampaignLayer& l = c.layers()[c.describe(i).layer];
    auto loaded = onnx_io::load_model_file(kModel, {});
    ASSERT_TRUE(loaded.is_ok());
    const auto id = loaded->graph->find(s->graph().value(l.value).name);
    ASSERT_TRUE(id.has_value()) << l.name;
    ir::Value& w = loaded->graph->values[static_cast<size_t>(*id)];
    Tensor bad = w.constant->clone();
    const auto& f = (*rec)["faults"][0];
    uint32_t bits;
    float* p = bad.data<float>() + f["element"].get<int64_t>();
    std::memcpy(&bits, p, 4);
    bits ^= f["mask"].get<uint32_t>();
    std::memcpy(p, &bits, 4);
    w.constant = bad;
    rt::SessionOptions so;
    so.threads = 1;
    so.exec.fuse = false;
    auto ref = rt::Session::from_graph(std::move(loaded->graph), so);
    ASSERT_TRUE(ref.is_ok());
    const auto& item = d.items[static_cast<size_t>((*rec)["input"].get<int64_t>())];
    auto golden = s->run(item);
    auto gs = golden_scores(*golden, "auto");
    auto faulty = (*ref)->run(item);
    ASSERT_TRUE(faulty.is_ok());
    const Classification want = classify(*golden, *gs, *faulty, 1e-5, 0.05);
    EXPECT_EQ((*rec)["outcome"], outcome_name(want.outcome)) << "injection " << i;
    if (want.outcome != Outcome::kDue) {
      EXPECT_EQ((*rec)["max_abs_diff"].get<double>(), want.max_abs_diff) << "injection " << i;
    }
  }
}

std::string temp_path(const std::string& name) {
  return testing::TempDir() + "/sf_" + std::to_string(::getpid()) + "_" + name;
}

std::map<int64_t, nlohmann::json> run_all(rt::Session& s, const Campaign& c, const Dataset& d,
                                          const std::string& path, int jobs, int64_t stop_after) {
  auto j = Journal::open(path, {{"fingerprint", c.fingerprint("test")}});
  EXPECT_TRUE(j.is_ok()) << j.status().to_string();
  RunnerOptions ro;
  ro.jobs = jobs;
  ro.progress = false;
  ro.stop_after = stop_after;
  auto st = run_campaign(s, c, d, ro, *j);
  EXPECT_TRUE(st.is_ok()) << st.status().to_string();
  return j->records();
}

TEST(Runner, WorkerCountAndInterruptionsDoNotChangeTheRecords) {
  auto s = load(1);
  const Dataset d = data(*s, 6);
  const Campaign c = plan(*s, d, "flip:fp32", Site::kOutput, 300);
  const std::string a = temp_path("a.journal"), b = temp_path("b.journal");
  std::remove(a.c_str());
  std::remove(b.c_str());
  const auto one = run_all(*s, c, d, a, 1, 0);
  ASSERT_EQ(static_cast<int64_t>(one.size()), c.size());
  // Two workers, stopped three times part-way, then finished.
  for (int64_t stop : {37, 50, 90}) {
    const auto part = run_all(*s, c, d, b, 2, stop);
    EXPECT_LT(static_cast<int64_t>(part.size()), c.size());
  }
  // A torn last line, as a kill during a write leaves it.
  {
    std::ofstream torn(b, std::ios::app);
    torn << "{\"i\": 299, \"outc";
  }
  const auto two = run_all(*s, c, d, b, 2, 0);
  ASSERT_EQ(two.size(), one.size());
  for (const auto& [i, rec] : one) EXPECT_EQ(rec.dump(), two.at(i).dump()) << "record " << i;
  EXPECT_EQ(summarize(c, one).dump(), summarize(c, two).dump());
  std::remove(a.c_str());
  std::remove(b.c_str());
}

TEST(Journal, RefusesAnotherCampaignsJournal) {
  const std::string p = temp_path("other.journal");
  std::remove(p.c_str());
  {
    auto j = Journal::open(p, {{"fingerprint", "aaaa"}});
    ASSERT_TRUE(j.is_ok());
    ASSERT_TRUE(j->append({{"i", 3}, {"outcome", "masked"}}).is_ok());
    ASSERT_TRUE(j->append({{"i", 3}, {"outcome", "due"}}).is_ok());  // ignored: index 3 is known
  }
  auto again = Journal::open(p, {{"fingerprint", "aaaa"}});
  ASSERT_TRUE(again.is_ok());
  EXPECT_EQ(again->records().size(), 1u);
  EXPECT_EQ(again->records().at(3)["outcome"], "masked");
  auto other = Journal::open(p, {{"fingerprint", "bbbb"}});
  ASSERT_FALSE(other.is_ok());
  EXPECT_NE(other.status().message().find("fingerprint aaaa"), std::string::npos) << other.status().message();
  std::remove(p.c_str());
}

}  // namespace
}  // namespace sf::faults
