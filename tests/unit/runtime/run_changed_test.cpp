// Incremental re-execution (runtime/region.hpp, PreparedKernel::output_region / run_region,
// Session::run_changed): the region helpers against brute force; conv region runs against full
// runs, bit for bit, with the reached region checked by perturbing every changed input position;
// and run_changed against run_from on the embedded CNN under every Winograd mode.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "ir/op_schema.hpp"
#include "kernels/cpu/gemm/brgemm.hpp"
#include "runtime/fast_ops/conv.hpp"
#include "runtime/region.hpp"
#include "runtime/session.hpp"
#include "tests/unit/faults/embedded_fixture.hpp"
#include "tests/unit/kernels/fast_op_test_util.hpp"
#include "tests/unit/op_test_util.hpp"

namespace sf {
namespace {

using rt::Region;

TEST(Region, WindowReachMatchesBruteForce) {
  for (int64_t k : {1, 3, 5})
    for (int64_t s : {1, 2, 3})
      for (int64_t d : {1, 2})
        for (int64_t p : {0, 1, 2}) {
          const int64_t in = 11, out = (in + 2 * p - (k - 1) * d - 1) / s + 1;
          for (int64_t a = 0; a < in; ++a)
            for (int64_t b = a + 1; b <= in; ++b) {
              int64_t lo = out, hi = 0;
              for (int64_t o = 0; o < out; ++o)
                for (int64_t t = 0; t < k; ++t) {
                  const int64_t i = o * s - p + t * d;
                  if (i >= a && i < b) {
                    lo = std::min(lo, o);
                    hi = std::max(hi, o + 1);
                  }
                }
              const auto [got_lo, got_hi] = rt::window_reach(a, b, k, s, d, p, out);
              const std::string what = "k" + std::to_string(k) + " s" + std::to_string(s) + " d" +
                                       std::to_string(d) + " p" + std::to_string(p) + " [" +
                                       std::to_string(a) + "," + std::to_string(b) + ")";
              if (lo >= hi) {
                if (d == 1) {
                  EXPECT_GE(got_lo, got_hi) << what;
                }
              } else if (d == 1) {  // exact
                EXPECT_EQ(got_lo, lo) << what;
                EXPECT_EQ(got_hi, hi) << what;
              } else {  // the span: it holds every output that reads a row of [a, b)
                EXPECT_LE(got_lo, lo) << what;
                EXPECT_GE(got_hi, hi) << what;
              }
            }
        }
}

TEST(Region, RunsCoverTheRegionAndMergeOnlyShortGaps) {
  const int64_t w = 9;
  for (const Region r : {Region{0, 3, 2, 4}, Region{1, 5, 0, 9}, Region{2, 6, 3, 8}, Region{4, 5, 7, 8}}) {
    const auto runs = rt::region_runs(r, w);
    std::vector<int> covered(static_cast<size_t>(w * 7), 0);
    for (const auto& [b, e] : runs)
      for (int64_t i = b; i < e; ++i) ++covered[static_cast<size_t>(i)];
    for (int64_t y = 0; y < 7; ++y)
      for (int64_t x = 0; x < w; ++x) {
        const int c = covered[static_cast<size_t>(y * w + x)];
        const bool inside = y >= r.y0 && y < r.y1 && x >= r.x0 && x < r.x1;
        EXPECT_LE(c, 1);
        if (inside) {
          EXPECT_EQ(c, 1) << y << "," << x;
        } else if (c) {
          // Outside the region only the gaps between merged rows (no longer than a row's span).
          EXPECT_LE(w - (r.x1 - r.x0), r.x1 - r.x0) << y << "," << x;
        }
      }
  }
}

TEST(Region, DiffRegionIsTheBoundingBoxOfTheDifferences) {
  std::mt19937 rng(3);
  Tensor a = test::lcg_tensor({2, 6, 7, 5}, 1, 77u);
  for (int trial = 0; trial < 50; ++trial) {
    Tensor b = a.clone();
    const int flips = trial % 4;  // 0: equal
    Region want{6, 0, 7, 0};
    for (int f = 0; f < flips; ++f) {
      const int64_t img = rng() % 2, y = rng() % 6, x = rng() % 7, c = rng() % 5;
      b.data<float>()[((img * 6 + y) * 7 + x) * 5 + c] += 1.0f;
      want = Region{std::min(want.y0, y), std::max(want.y1, y + 1), std::min(want.x0, x),
                    std::max(want.x1, x + 1)};
    }
    const Region got = rt::nhwc_diff_region(a, b, rt::whole_nhwc(a));
    if (flips == 0) EXPECT_TRUE(got.empty());
    else EXPECT_EQ(got, want);
  }
}

// A conv kernel's run_region over a golden output whose region is wiped with NaN restores the
// full run's output bit for bit; output_region holds every output that a change anywhere in the
// changed input region (or residual region) moves.
TEST(RunRegion, ConvRegionsMatchFullRunsBitForBit) {
  struct Case {
    const char* what;
    int64_t c, m, h, w, k, stride, pad, group;
  };
  const Case cases[] = {{"3x3 pad 1", 13, 21, 9, 10, 3, 1, 1, 1},
                        {"3x3 stride 2", 16, 24, 11, 9, 3, 2, 1, 1},
                        {"1x1 pointwise", 24, 40, 8, 9, 1, 1, 0, 1},
                        {"1x1 stride 2", 16, 32, 9, 9, 1, 2, 0, 1},
                        {"3x3 on 7x7 (im2col)", 64, 40, 7, 7, 3, 1, 1, 1},
                        {"grouped 3x3", 12, 6, 8, 8, 3, 1, 1, 3},
                        {"7x7 stride 2 pad 3", 3, 16, 16, 15, 7, 2, 3, 1}};
  const ir::Node node = test::fused_conv_node();
  const std::vector<ir::TypeInfo> no_types;
  std::mt19937 rng(11);
  for (const Case& c : cases) {
    const int64_t n = 2;
    const int64_t oh = (c.h + 2 * c.pad - c.k) / c.stride + 1, ow = (c.w + 2 * c.pad - c.k) / c.stride + 1;
    const Tensor x = test::lcg_tensor({n, c.h, c.w, c.c}, 5, 12345u);
    const Tensor w = test::lcg_tensor({c.m, c.c / c.group, c.k, c.k}, 6, 12345u);
    const Tensor b = test::lcg_tensor({c.m}, 8, 12345u);
    const Tensor r = test::lcg_tensor({n, oh, ow, c.m}, 9, 12345u);
    const rt::ConvFastSpec spec = test::square_conv_spec(c.c, c.m, c.k, c.stride, c.pad, c.group,
                                                         {Activation::kRelu, 0, 0}, true);
    const Shape xs = x.shape();
    auto made = rt::make_conv_fast_kernel(spec, &w, abft::Scheme::kNone, &xs);
    ASSERT_TRUE(made.is_ok() && *made) << c.what;
    const rt::PreparedKernel& kern = **made;
    const auto full_run = [&](const Tensor& xin, const Tensor& rin, int threads) {
      rt::KernelContext ctx(node, {&xin, &w, &b, &rin}, no_types, MemoryLimit::kDefaultBytes);
      ctx.threads = threads;
      EXPECT_TRUE(kern.run(ctx).is_ok()) << c.what;
      return ctx.output(0);
    };
    const Tensor golden = full_run(x, r, 2);
    int moved_some = 0;  // trials whose perturbation moved an output (a stride can skip it)
    for (int trial = 0; trial < 12; ++trial) {
      // Wipe a random region and recompute it.
      const int64_t y0 = rng() % oh, y1 = y0 + 1 + rng() % (oh - y0);
      const int64_t x0 = rng() % ow, x1 = x0 + 1 + rng() % (ow - x0);
      const Region reg{y0, y1, x0, x1};
      Tensor y = golden.clone();
      for (int64_t img = 0; img < n; ++img)
        for (int64_t yy = y0; yy < y1; ++yy)
          for (int64_t xx = x0; xx < x1; ++xx)
            for (int64_t ch = 0; ch < c.m; ++ch)
              y.data<float>()[((img * oh + yy) * ow + xx) * c.m + ch] = std::nanf("");
      rt::KernelContext ctx(node, {&x, &w, &b, &r}, no_types, MemoryLimit::kDefaultBytes);
      ctx.out[0] = y;
      const Status st = kern.run_region(ctx, reg);
      ASSERT_TRUE(st.is_ok()) << c.what << ": " << st.to_string();
      EXPECT_TRUE(test::bit_equal(ctx.output(0), golden)) << c.what << " region " << y0 << ":" << y1
                                                          << "," << x0 << ":" << x1;
      // Changed input positions: every output they move lies in output_region.
      const int64_t iy0 = rng() % c.h, iy1 = iy0 + 1 + rng() % std::min<int64_t>(3, c.h - iy0);
      const int64_t ix0 = rng() % c.w, ix1 = ix0 + 1 + rng() % std::min<int64_t>(3, c.w - ix0);
      const bool res = trial % 3 == 0;
      const Region in_reg{iy0, iy1, ix0, ix1}, res_reg{y0, y1, x0, x1};
      std::vector<std::optional<Region>> changed(4);
      changed[0] = in_reg;
      if (res) changed[3] = res_reg;
      const std::optional<Region> reach = kern.output_region({&x, &w, &b, &r}, changed);
      ASSERT_TRUE(reach.has_value()) << c.what;
      Tensor x2 = x.clone(), r2 = r.clone();
      for (int64_t img = 0; img < n; ++img)
        for (int64_t yy = iy0; yy < iy1; ++yy)
          for (int64_t xx = ix0; xx < ix1; ++xx)
            for (int64_t ch = 0; ch < c.c; ++ch) x2.data<float>()[((img * c.h + yy) * c.w + xx) * c.c + ch] += 3.0f;
      if (res)
        for (int64_t img = 0; img < n; ++img)
          for (int64_t yy = y0; yy < y1; ++yy)
            for (int64_t xx = x0; xx < x1; ++xx)
              for (int64_t ch = 0; ch < c.m; ++ch) r2.data<float>()[((img * oh + yy) * ow + xx) * c.m + ch] += 3.0f;
      const Tensor moved = full_run(x2, r2, 1);
      const Region diff = rt::nhwc_diff_region(moved, golden, rt::whole_nhwc(golden));
      moved_some += !diff.empty();
      EXPECT_EQ(diff.unite(*reach), *reach)
          << c.what << ": changes at " << diff.y0 << ":" << diff.y1 << "," << diff.x0 << ":"
          << diff.x1 << " outside the reached " << reach->y0 << ":" << reach->y1 << ","
          << reach->x0 << ":" << reach->x1;
    }
    EXPECT_GE(moved_some, 6) << c.what;
  }
}

// A small residual CNN (ONNX NCHW ops; the session fuses and lays it out channels-last): three
// 3x3 convolutions with a residual Add, a 3x3 stride-2 one, a 1x1 and a last 3x3, so region
// runs follow region runs (Winograd after Winograd when forced).
std::unique_ptr<ir::Graph> residual_cnn() {
  auto g = std::make_unique<ir::Graph>();
  uint32_t seed = 40;
  const auto value = [&](const std::string& name) { return g->add_value(name).value(); };
  const auto constant = [&](const std::string& name, const Shape& shape) {
    const ir::ValueId v = value(name);
    g->value(v).constant = test::lcg_tensor(shape, ++seed, 999u, -0.3f, 0.3f);
    return v;
  };
  const auto node = [&](ir::OpKind op, const std::string& name, std::vector<ir::ValueId> in,
                        std::map<std::string, ir::Attribute> attrs = {}) {
    ir::Node n;
    n.name = name;
    n.op = op;
    n.opset = 13;
    n.inputs = std::move(in);
    n.raw_attrs = std::move(attrs);
    const ir::ValueId out = value(name + "_out");
    g->value(out).producer = static_cast<int32_t>(g->nodes.size());
    n.outputs = {out};
    EXPECT_TRUE(ir::parse_node(n).is_ok()) << name;
    g->nodes.push_back(std::move(n));
    return out;
  };
  const auto conv = [&](const std::string& name, ir::ValueId x, int64_t c, int64_t m, int64_t k,
                        int64_t stride) {
    const int64_t p = k / 2;
    return node(ir::OpKind::kConv, name,
                {x, constant(name + "_w", {m, c, k, k}), constant(name + "_b", {m})},
                {{"kernel_shape", test::ints_attr({k, k})},
                 {"strides", test::ints_attr({stride, stride})},
                 {"pads", test::ints_attr({p, p, p, p})}});
  };
  const ir::ValueId x = value("x");
  g->value(x).type = {DType::kF32, Shape{1, 16, 20, 20}};
  g->inputs = {x};
  const ir::ValueId r1 = node(ir::OpKind::kRelu, "relu1", {conv("conv1", x, 16, 16, 3, 1)});
  const ir::ValueId a2 = node(ir::OpKind::kAdd, "add2", {conv("conv2", r1, 16, 16, 3, 1), r1});
  const ir::ValueId r2 = node(ir::OpKind::kRelu, "relu2", {a2});
  const ir::ValueId r3 = node(ir::OpKind::kRelu, "relu3", {conv("conv3", r2, 16, 16, 3, 1)});
  const ir::ValueId r4 = node(ir::OpKind::kRelu, "relu4", {conv("conv4", r3, 16, 24, 3, 2)});
  const ir::ValueId c5 = conv("conv5", r4, 24, 24, 1, 1);
  g->outputs = {conv("conv6", c5, 24, 24, 3, 1)};
  return g;
}

// run_changed against run_from on the embedded CNN, from every node, with single values and
// whole rows corrupted (including NaN and huge values), under each Winograd mode (the 3x3
// convolutions then run as F(2,3) / F(4,3) tiles) and with 1 and 2 threads.
// Corrupts the output of every node of s in turn (single values and a run of 40, including NaN
// and huge values) and checks run_changed against run_from, bit for bit. Returns how many nodes
// ran on channels-last kernels (which take region runs).
int expect_run_changed_matches(const rt::Session& s, const rt::NamedTensors& input, unsigned seed,
                               const std::string& what) {
  auto snap = s.capture(input);
  EXPECT_TRUE(snap.is_ok()) << snap.status().to_string();
  if (!snap.is_ok()) return 0;
  const ir::Graph& g = s.graph();
  std::mt19937 rng(seed);
  int regional = 0;
  for (size_t k = 0; k < g.nodes.size(); ++k) {
    const ir::ValueId v = g.nodes[k].outputs[0];
    const Tensor& was = snap->values[static_cast<size_t>(v)];
    if (was.empty() || was.dtype() != DType::kF32 || was.numel() == 0) continue;
    if (s.kernel_name(k).find("nhwc") != std::string::npos) ++regional;
    const float values[] = {std::numeric_limits<float>::quiet_NaN(), 1e30f, -2.5f, 0.0f, 0.37f};
    for (int trial = 0; trial < 8; ++trial) {
      Tensor bad = was.clone();
      const int64_t e = static_cast<int64_t>(rng() % static_cast<uint64_t>(bad.numel()));
      const int64_t len = trial == 7 ? std::min<int64_t>(bad.numel() - e, 40) : 1;
      for (int64_t i = e; i < e + len; ++i) bad.data<float>()[i] = values[(trial + i) % 5];
      rt::RunOverrides ov;
      ov.values.emplace_back(v, &bad);
      auto want = s.run_from(*snap, k + 1, nullptr, nullptr, &ov);
      auto got = s.run_changed(*snap, k + 1, ov);
      EXPECT_TRUE(want.is_ok()) << want.status().to_string();
      EXPECT_TRUE(got.is_ok()) << got.status().to_string();
      if (!want.is_ok() || !got.is_ok()) continue;
      EXPECT_TRUE(test::same_outputs(*got, *want))
          << what << ", node " << g.nodes[k].label() << " (" << s.kernel_name(k) << "), element " << e;
    }
  }
  return regional;
}

TEST(RunChanged, MatchesRunFromBitForBit) {
  for (const char* mode : {"off", "f23", "f43"}) {
    ASSERT_EQ(setenv("STEADFAST_WINOGRAD", mode, 1), 0);
    for (int threads : {1, 2}) {
      const std::string what = std::string("winograd ") + mode + ", threads " + std::to_string(threads);
      auto emb = faults::test_fixture::load_embedded(threads);
      const faults::Dataset d = faults::test_fixture::random_inputs(*emb, 2, 9);
      // Under a scalar ISA cap the convolutions decline their fast kernels (the reference runs
      // them whole), so only the comparison is checked there.
      const int min_regional = cpu::brgemm_select().isa == Isa::kScalar ? 0 : 1;
      EXPECT_GE(expect_run_changed_matches(*emb, d.items[1], 5u + threads, "embedded, " + what),
                2 * min_regional);
      rt::SessionOptions o;
      o.threads = threads;
      auto cnn = rt::Session::from_graph(residual_cnn(), o);
      ASSERT_TRUE(cnn.is_ok()) << cnn.status().to_string();
      const rt::NamedTensors in{{"x", test::lcg_tensor({1, 16, 20, 20}, 3, 5u)}};
      EXPECT_GE(expect_run_changed_matches(**cnn, in, 7u + threads, "residual CNN, " + what),
                5 * min_regional);
      if (std::string(mode) != "off" && min_regional) {  // the 3x3 stride-1 layers: Winograd
        int winograd = 0;
        for (size_t k = 0; k < (*cnn)->graph().nodes.size(); ++k)
          winograd += (*cnn)->kernel_name(k).find("winograd") != std::string::npos;
        EXPECT_GE(winograd, 3) << what;
      }
    }
  }
  unsetenv("STEADFAST_WINOGRAD");
}

}  // namespace
}  // namespace sf
