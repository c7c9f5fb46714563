// The memory planner against a brute-force check: no two values whose lifetimes overlap share a
// byte, every slot is aligned and inside the arena, and the arena is never smaller than the live
// lower bound. Then a real model runs with and without the arena and must give identical outputs.
#include <gtest/gtest.h>

#include <climits>
#include <random>

#include "io/onnx/loader.hpp"
#include "runtime/memory_plan.hpp"
#include "runtime/session.hpp"

namespace sf {
namespace {

// A chain with skip connections: value i is produced by node i and read by nodes up to i + span.
ir::Graph make_graph(int nodes, std::mt19937& rng) {
  ir::Graph g;
  std::uniform_int_distribution<int64_t> dim(1, 300);
  for (int k = 0; k < nodes; ++k) {
    ir::Value v;
    v.name = "v" + std::to_string(k);
    v.type = ir::TypeInfo{DType::kF32, Shape{dim(rng), dim(rng)}};
    v.producer = k;
    g.values.push_back(v);
    ir::Node n;
    n.op = ir::OpKind::kRelu;
    n.name = "n" + std::to_string(k);
    n.outputs = {static_cast<ir::ValueId>(k)};
    g.nodes.push_back(n);
  }
  return g;
}

TEST(MemoryPlan, NoOverlapBetweenLiveValuesAndAligned) {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 50; ++trial) {
    const int n = 5 + trial;
    ir::Graph g = make_graph(n, rng);
    std::vector<int64_t> last(g.values.size());
    std::uniform_int_distribution<int> span(0, 6);
    for (int v = 0; v < n; ++v) last[v] = std::min(n - 1, v + span(rng));
    last[n - 1] = INT64_MAX;  // the graph output stays out of the arena
    const rt::MemoryPlan p = rt::plan_memory(g, last);
    EXPECT_EQ(p.offset[n - 1], rt::MemoryPlan::kNotPlanned);
    EXPECT_GE(p.arena_bytes, p.live_lower_bound);
    EXPECT_LE(p.arena_bytes, p.unshared_bytes);
    for (int a = 0; a < n - 1; ++a) {
      const int64_t bytes_a = g.values[a].type.shape->at(0) * g.values[a].type.shape->at(1) * 4;
      ASSERT_GE(p.offset[a], 0);
      EXPECT_EQ(p.offset[a] % 64, 0);
      EXPECT_LE(p.offset[a] + bytes_a, p.arena_bytes);
      for (int b = a + 1; b < n - 1; ++b) {
        const bool live_together = a <= last[b] && b <= last[a];
        if (!live_together) continue;
        const int64_t bytes_b = g.values[b].type.shape->at(0) * g.values[b].type.shape->at(1) * 4;
        const bool disjoint = p.offset[a] + bytes_a <= p.offset[b] || p.offset[b] + bytes_b <= p.offset[a];
        EXPECT_TRUE(disjoint) << "values " << a << " and " << b << " overlap";
      }
    }
  }
}

// The embedded Fashion-MNIST CNN with and without the arena: bit-identical logits (both paths run
// the same kernels; only where the bytes live differs).
TEST(MemoryPlan, EmbeddedModelSameOutputsWithAndWithoutArena) {
  const std::string path = std::string(SF_SOURCE_DIR) + "/models/embedded/fashion_cnn.onnx";
  std::vector<std::vector<float>> results;
  for (bool plan : {true, false}) {
    rt::SessionOptions so;
    so.exec.memory_plan = plan;
    // Fix the dynamic batch dim so every intermediate shape is static and gets a slot.
    auto m = onnx_io::load_model_file(path);
    ASSERT_TRUE(m.is_ok()) << m.status().to_string();
    ir::Graph& g = *m->graph;
    for (ir::ValueId id : g.inputs)
      if (g.value(id).type.shape)
        for (auto& d : *g.value(id).type.shape) d = d < 0 ? 1 : d;
    auto s = rt::Session::from_graph(std::move(m->graph), so);
    ASSERT_TRUE(s.is_ok()) << s.status().to_string();
    if (plan) EXPECT_GT((*s)->memory_plan().arena_bytes, 0);
    const auto in = (*s)->inputs().at(0);
    Shape shape = *in.type.shape;
    for (auto& d : shape) d = d < 0 ? 1 : d;
    auto x = Tensor::make(DType::kF32, shape);
    ASSERT_TRUE(x.is_ok());
    for (int64_t i = 0; i < x->numel(); ++i) x->data<float>()[i] = static_cast<float>((i * 37) % 255) / 255.0f;
    auto out = (*s)->run({{in.name, *x}});
    ASSERT_TRUE(out.is_ok()) << out.status().to_string();
    const Tensor& y = out->at(0).second;
    results.emplace_back(y.data<float>(), y.data<float>() + y.numel());
  }
  EXPECT_EQ(results[0], results[1]);
}

}  // namespace
}  // namespace sf
