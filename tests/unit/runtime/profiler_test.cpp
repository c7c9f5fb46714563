// The profiler on the embedded Fashion-MNIST CNN (whose batch dimension "N" is free, so costs
// come from the shapes the run saw): one row per executed node, medians of the recorded times,
// FLOPs of Conv and Gemm against formulas written out here, and the roofline arithmetic.
#include <gtest/gtest.h>

#include <algorithm>

#include "ir/op_kind.hpp"
#include "runtime/profiler.hpp"

namespace sf {
namespace {

const std::string kModel = std::string(SF_SOURCE_DIR) + "/models/embedded/fashion_cnn.onnx";

TEST(ProfilerMedian, OddEvenEmpty) {
  EXPECT_EQ(rt::median_of({}), 0);
  EXPECT_EQ(rt::median_of({3, 1, 2}), 2);
  EXPECT_EQ(rt::median_of({4, 1, 3, 2}), 2.5);
}

TEST(Profiler, EmbeddedModelRowsCostsAndRoofline) {
  rt::SessionOptions so;
  so.exec.fuse = false;  // keep the Conv and Gemm nodes of the file
  so.exec.layout = false;
  auto session = rt::Session::load(kModel, so);
  ASSERT_TRUE(session.is_ok()) << session.status().to_string();
  const ir::Graph& g = (*session)->graph();
  auto x = Tensor::make(DType::kF32, {2, 1, 28, 28});  // batch 2 on the free dimension
  ASSERT_TRUE(x.is_ok());
  std::fill(x->data<float>(), x->data<float>() + x->numel(), 0.5f);
  rt::NamedTensors feeds{{"image", *x}};
  rt::Profiler profiler(g, feeds);
  constexpr int kRuns = 3;
  for (int i = 0; i < kRuns; ++i) ASSERT_TRUE((*session)->run(feeds, &profiler).is_ok());

  rt::MachineInfo m;  // made-up machine: balance 100 / 10 = 10 FLOP/byte
  m.cpu = "test";
  m.isa = "scalar";
  m.threads = 1;
  m.peak_gflops_1t = m.peak_gflops = 100;
  m.bandwidth_gbs_1t = m.bandwidth_gbs = 10;
  const rt::ProfileReport r = rt::build_profile(**session, profiler, m);
  ASSERT_EQ(r.nodes.size(), g.nodes.size());
  EXPECT_EQ(r.runs, static_cast<size_t>(kRuns));
  EXPECT_DOUBLE_EQ(r.balance, 10);

  int convs = 0, gemms = 0;
  double sum_seconds = 0, sum_flops = 0;
  for (const rt::NodeProfile& p : r.nodes) {
    const ir::Node& n = g.nodes[p.index];
    EXPECT_EQ(p.op, ir::op_name(n.op));
    EXPECT_EQ(p.kernel, (*session)->kernel_name(p.index));
    std::vector<double> t = profiler.samples()[p.index];
    ASSERT_EQ(t.size(), static_cast<size_t>(kRuns));
    std::sort(t.begin(), t.end());
    EXPECT_EQ(p.seconds, t[1]);
    ASSERT_GT(p.bytes, 0) << p.name;
    ASSERT_GE(p.flops, 0) << p.name;
    // The model: conv1 1->16 3x3 pad 1 on 28x28, pool; conv2 16->32 3x3 pad 1 on 14x14, pool;
    // fc1 32*7*7 -> 128; fc2 128 -> 10 (models/embedded/train.py), batch 2.
    if (n.op == ir::OpKind::kConv) {
      const double want = convs == 0 ? 2.0 * (2 * 16 * 28 * 28) * (1 * 3 * 3)
                                     : 2.0 * (2 * 32 * 14 * 14) * (16 * 3 * 3);
      EXPECT_DOUBLE_EQ(p.flops, want) << p.name;
      ++convs;
    }
    if (n.op == ir::OpKind::kGemm) {
      const double want = gemms == 0 ? 2.0 * 2 * 128 * (32 * 7 * 7) + 2 * 128
                                     : 2.0 * 2 * 10 * 128 + 2 * 10;
      EXPECT_DOUBLE_EQ(p.flops, want) << p.name;
      ++gemms;
    }
    EXPECT_DOUBLE_EQ(p.intensity, p.flops / p.bytes);
    EXPECT_EQ(p.compute_bound, p.intensity >= 10);
    EXPECT_DOUBLE_EQ(p.attainable_gflops, std::min(100.0, p.intensity * 10));
    if (p.seconds > 0) {
      EXPECT_DOUBLE_EQ(p.achieved_gflops, p.flops / p.seconds / 1e9);
      EXPECT_DOUBLE_EQ(p.utilisation, p.achieved_gflops / p.attainable_gflops);
    }
    sum_seconds += p.seconds;
    sum_flops += p.flops;
  }
  EXPECT_EQ(convs, 2);
  EXPECT_EQ(gemms, 2);
  EXPECT_DOUBLE_EQ(r.totals.seconds, sum_seconds);
  EXPECT_DOUBLE_EQ(r.totals.flops, sum_flops);
  EXPECT_GT(r.totals.utilisation, 0);
}

TEST(Profiler, RefusesAnotherGraph) {
  auto a = rt::Session::load(kModel, rt::SessionOptions{});
  auto b = rt::Session::load(kModel, rt::SessionOptions{});
  ASSERT_TRUE(a.is_ok() && b.is_ok());
  auto x = Tensor::make(DType::kF32, {1, 1, 28, 28});
  ASSERT_TRUE(x.is_ok());
  rt::NamedTensors feeds{{"image", *x}};
  rt::Profiler profiler((*a)->graph(), feeds);
  auto out = (*b)->run(feeds, &profiler);
  ASSERT_FALSE(out.is_ok());
  EXPECT_NE(out.status().message().find("another graph"), std::string::npos);
}

}  // namespace
}  // namespace sf
