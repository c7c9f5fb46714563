// Fast convolution (kernels/cpu/conv, runtime/fast_ops/conv): every path against the reference
// Conv kernel (a session with fast kernels off) or a naive double-precision loop in this file,
// under each ISA cap the CPU allows, and bit-identical across 1, 2 and 3 threads.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "core/cpu_features.hpp"
#include "ir/op_schema.hpp"
#include "kernels/cpu/conv/conv_nhwc.hpp"
#include "kernels/cpu/conv/depthwise.hpp"
#include "runtime/fast_ops/conv.hpp"
#include "runtime/session.hpp"
#include "tests/unit/kernels/fast_op_test_util.hpp"
#include "tests/unit/op_test_util.hpp"

namespace sf {
namespace {

using ir::Graph;
using ir::ValueId;

// Deterministic pseudo-random values in [-1, 1).
Tensor random_tensor(const Shape& s, uint32_t seed) { return test::lcg_tensor(s, seed, 12345u); }

// A rank-4 tensor with its dims permuted (y dim i = x dim perm[i]).
Tensor transpose4(const Tensor& x, const std::vector<int64_t>& perm) {
  const Shape& xs = x.shape();
  Shape ys(4);
  for (size_t i = 0; i < 4; ++i) ys[i] = xs[static_cast<size_t>(perm[i])];
  Tensor y = Tensor::make(DType::kF32, ys).value();
  int64_t xstride[4] = {xs[1] * xs[2] * xs[3], xs[2] * xs[3], xs[3], 1};
  int64_t idx = 0;
  for (int64_t a = 0; a < ys[0]; ++a)
    for (int64_t b = 0; b < ys[1]; ++b)
      for (int64_t c = 0; c < ys[2]; ++c)
        for (int64_t d = 0; d < ys[3]; ++d) {
          const int64_t at[4] = {a, b, c, d};
          int64_t off = 0;
          for (size_t i = 0; i < 4; ++i) off += at[i] * xstride[perm[i]];
          y.data<float>()[idx++] = x.data<float>()[off];
        }
  return y;
}

// Attribute builders shared with the op tests (tests/unit/op_test_util.hpp).
ir::Attribute ints(std::vector<int64_t> v) { return test::ints_attr(std::move(v)); }
ir::Attribute int1(int64_t v) { return test::int_attr(v); }

struct ConvCase {
  std::string what;
  int64_t n, c, h, w, m, kh, kw;
  int64_t sh, sw, dh, dw;
  std::vector<int64_t> pads;  // top, left, bottom, right
  int64_t group;
  bool bias;
};

std::vector<ConvCase> conv_cases() {
  return {
      {"3x3_s1_p1_odd", 1, 5, 9, 11, 19, 3, 3, 1, 1, 1, 1, {1, 1, 1, 1}, 1, true},
      {"3x3_s2_p1", 2, 16, 10, 9, 33, 3, 3, 2, 2, 1, 1, {1, 1, 1, 1}, 1, true},
      {"5x5_s1_p2", 1, 3, 12, 12, 8, 5, 5, 1, 1, 1, 1, {2, 2, 2, 2}, 1, false},
      {"7x7_s2_p3", 1, 3, 15, 15, 20, 7, 7, 2, 2, 1, 1, {3, 3, 3, 3}, 1, true},
      {"3x3_dil2", 1, 6, 11, 10, 17, 3, 3, 1, 1, 2, 2, {2, 2, 2, 2}, 1, true},
      {"3x3_asym_pads_no_pad", 1, 4, 8, 7, 9, 3, 3, 1, 2, 1, 1, {0, 1, 2, 0}, 1, true},
      {"1x3_rect", 1, 7, 6, 9, 5, 1, 3, 1, 1, 1, 1, {0, 1, 0, 1}, 1, true},
      {"3x3_valid", 1, 8, 7, 7, 16, 3, 3, 1, 1, 1, 1, {0, 0, 0, 0}, 1, true},
      {"1x1_s1_pointwise", 2, 37, 9, 7, 70, 1, 1, 1, 1, 1, 1, {0, 0, 0, 0}, 1, true},
      {"1x1_s2", 1, 8, 9, 9, 24, 1, 1, 2, 2, 1, 1, {0, 0, 0, 0}, 1, true},
      {"1x1_k_blocked", 1, 600, 3, 4, 20, 1, 1, 1, 1, 1, 1, {0, 0, 0, 0}, 1, true},
      {"3x3_k_blocked", 1, 530, 3, 3, 7, 3, 3, 1, 1, 1, 1, {1, 1, 1, 1}, 1, false},
      {"grouped_3x3", 1, 16, 7, 8, 24, 3, 3, 1, 1, 1, 1, {1, 1, 1, 1}, 4, true},
      {"grouped_1x1", 1, 12, 5, 5, 18, 1, 1, 1, 1, 1, 1, {0, 0, 0, 0}, 3, true},
      {"depthwise_3x3_s1", 1, 37, 9, 10, 37, 3, 3, 1, 1, 1, 1, {1, 1, 1, 1}, 37, true},
      {"depthwise_3x3_s2", 2, 72, 11, 11, 72, 3, 3, 2, 2, 1, 1, {1, 1, 1, 1}, 72, true},
      {"depthwise_5x5_dil2", 1, 19, 12, 12, 19, 5, 5, 1, 1, 2, 2, {4, 4, 4, 4}, 19, false},
      {"depthwise_multiplier2", 1, 6, 7, 7, 12, 3, 3, 1, 1, 1, 1, {1, 1, 1, 1}, 6, true},
      // Tall padded depthwise layers pad chunks of several output rows (remainder chunks too).
      {"depthwise_3x3_s1_tall", 1, 20, 37, 6, 20, 3, 3, 1, 1, 1, 1, {1, 1, 1, 1}, 20, true},
      {"depthwise_3x3_s2_tall", 2, 24, 35, 5, 24, 3, 3, 2, 2, 1, 1, {1, 1, 1, 1}, 24, true},
      {"depthwise_3x3_dil2_tall", 1, 16, 33, 4, 16, 3, 3, 1, 1, 2, 2, {2, 2, 2, 2}, 16, false},
      {"depthwise_asym_pads_tall", 1, 8, 30, 5, 8, 3, 3, 1, 1, 1, 1, {0, 1, 2, 0}, 8, true},
      // Padded depthwise edges: an input narrower than the window (no interior column), pads
      // wider than the kernel (outputs that read only zeros), stride 2 padded only at the end
      // (SAME_UPPER). The first two pad a whole copy (their rim patches would copy more, RimPlan
      // in conv.cpp); SAME_UPPER, like depthwise_3x3_s2, reads its interior in place and pads
      // only the rim's windows.
      {"depthwise_5x5_narrow", 1, 16, 6, 3, 16, 5, 5, 1, 1, 1, 1, {2, 2, 2, 2}, 16, true},
      {"depthwise_3x3_wide_pads", 1, 17, 5, 6, 17, 3, 3, 1, 1, 1, 1, {3, 4, 3, 4}, 17, true},
      {"depthwise_3x3_s2_same_upper", 1, 32, 12, 13, 32, 3, 3, 2, 2, 1, 1, {0, 0, 1, 1}, 32, true},
      // Larger images, which all take the rim path: long interior runs between the rim's
      // patches, pads wider than the kernel, SAME_UPPER, and a strided 5x5 kernel.
      {"depthwise_3x3_rim", 1, 16, 20, 40, 16, 3, 3, 1, 1, 1, 1, {1, 1, 1, 1}, 16, true},
      {"depthwise_3x3_rim_wide_pads", 1, 8, 30, 80, 8, 3, 3, 1, 1, 1, 1, {3, 4, 3, 4}, 8, false},
      {"depthwise_3x3_s2_rim_same_upper", 1, 32, 24, 41, 32, 3, 3, 2, 2, 1, 1, {0, 0, 1, 1}, 32, true},
      {"depthwise_5x5_s2_rim", 1, 24, 40, 60, 24, 5, 5, 2, 2, 1, 1, {2, 2, 2, 2}, 24, true},
      // Narrow outputs: the im2col path, through the session at every ISA and thread count.
      {"3x3_7x7_im2col", 2, 40, 7, 7, 70, 3, 3, 1, 1, 1, 1, {1, 1, 1, 1}, 1, true},
      {"3x3_s2_14to7_im2col", 1, 24, 14, 14, 33, 3, 3, 2, 2, 1, 1, {1, 1, 1, 1}, 1, true},
      // Few input channels: a kernel row's taps are one BRGEMM block (row_merged), also through
      // im2col, with asymmetric pads and a kernel wider than tall.
      {"rgb_3x3_s2_im2col", 2, 3, 14, 13, 20, 3, 3, 2, 2, 1, 1, {1, 1, 1, 1}, 1, true},
      {"rgb_2x5_asym", 1, 2, 9, 11, 40, 2, 5, 1, 2, 1, 1, {0, 2, 1, 1}, 1, false},
  };
}

std::unique_ptr<Graph> conv_graph(const ConvCase& k) {
  auto g = std::make_unique<Graph>();
  const ValueId x = g->add_value("x").value();
  g->value(x).type = {DType::kF32, Shape{k.n, k.c, k.h, k.w}};
  g->inputs = {x};
  const ValueId w = g->add_value("w").value();
  g->value(w).constant = random_tensor({k.m, k.c / k.group, k.kh, k.kw}, 7);
  ir::Node n;
  n.name = "conv";
  n.op = ir::OpKind::kConv;
  n.opset = 13;
  n.inputs = {x, w};
  if (k.bias) {
    const ValueId b = g->add_value("b").value();
    g->value(b).constant = random_tensor({k.m}, 11);
    n.inputs.push_back(b);
  }
  n.raw_attrs["kernel_shape"] = ints({k.kh, k.kw});
  n.raw_attrs["strides"] = ints({k.sh, k.sw});
  n.raw_attrs["dilations"] = ints({k.dh, k.dw});
  n.raw_attrs["pads"] = ints({k.pads[0], k.pads[1], k.pads[2], k.pads[3]});
  n.raw_attrs["group"] = int1(k.group);
  const ValueId y = g->add_value("y").value();
  g->value(y).producer = 0;
  n.outputs = {y};
  EXPECT_TRUE(ir::parse_node(n).is_ok());
  g->nodes.push_back(std::move(n));
  g->outputs = {y};
  return g;
}

Tensor run_session(const ConvCase& k, const Tensor& x, bool fast, int threads,
                   std::string* kernel = nullptr) {
  rt::SessionOptions o;
  o.threads = threads;
  o.exec.fast_kernels = fast;
  auto s = rt::Session::from_graph(conv_graph(k), o);
  EXPECT_TRUE(s.is_ok()) << s.status().to_string();
  if (kernel) *kernel = (*s)->kernel_name(0);
  auto out = (*s)->run({{"x", x}});
  EXPECT_TRUE(out.is_ok()) << out.status().to_string();
  return (*out)[0].second;
}

bool bit_equal(const Tensor& a, const Tensor& b) {
  return a.shape() == b.shape() &&
         std::equal(a.data<float>(), a.data<float>() + a.numel(), b.data<float>());
}

void expect_close(const Tensor& got, const Tensor& want, double tol, const std::string& what) {
  ASSERT_EQ(got.shape(), want.shape()) << what;
  for (int64_t i = 0; i < want.numel(); ++i) {
    const double w = want.data<float>()[i];
    ASSERT_NEAR(got.data<float>()[i], w, tol * (1.0 + std::fabs(w))) << what << " element " << i;
  }
}

std::vector<int> isa_levels() {
  std::vector<int> levels;
  for (int l = 0; l <= static_cast<int>(detected_isa()); ++l) levels.push_back(l);
  return levels;
}

TEST(ConvFast, ConvMatchesReferenceUnderEveryIsaAndThreadCount) {
  for (const ConvCase& k : conv_cases()) {
    const Tensor x = random_tensor({k.n, k.c, k.h, k.w}, 3);
    const Tensor want = run_session(k, x, false, 1);
    for (int level : isa_levels()) {
      set_max_isa_for_testing(level);
      const std::string what = k.what + " isa " + isa_name(static_cast<Isa>(level));
      std::string kernel;
      const Tensor t1 = run_session(k, x, true, 1, &kernel);
      // Non-depthwise layers stay on the reference when only the scalar BRGEMM is allowed.
      const bool depthwise = k.group == k.c && k.group == k.m;
      const bool fast = depthwise || cpu::brgemm_select().isa != Isa::kScalar;
      EXPECT_EQ(kernel != "ref", fast) << what << " ran " << kernel;
      expect_close(t1, want, 1e-4, what);
      for (int threads : {2, 3})
        EXPECT_TRUE(bit_equal(run_session(k, x, true, threads), t1)) << what << " threads " << threads;
    }
    set_max_isa_for_testing(-1);
  }
}

// y = act(conv(x, w) + bias + residual) on NHWC tensors, in double.
std::vector<double> naive_nhwc(const Tensor& x, const Tensor& w, const Tensor& b, const Tensor* r,
                               int64_t group, int64_t stride, int64_t pad, const ActivationSpec& act,
                               int64_t oh, int64_t ow) {
  const int64_t n = x.shape()[0], h = x.shape()[1], wd = x.shape()[2], c = x.shape()[3];
  const int64_t m = w.shape()[0], cg = w.shape()[1], kh = w.shape()[2], kw = w.shape()[3];
  const int64_t mg = m / group;
  std::vector<double> y(static_cast<size_t>(n * oh * ow * m));
  for (int64_t img = 0; img < n; ++img)
    for (int64_t i = 0; i < oh; ++i)
      for (int64_t j = 0; j < ow; ++j)
        for (int64_t o = 0; o < m; ++o) {
          const int64_t g = o / mg;
          double acc = b.data<float>()[o];
          for (int64_t ci = 0; ci < cg; ++ci)
            for (int64_t a = 0; a < kh; ++a)
              for (int64_t e = 0; e < kw; ++e) {
                const int64_t yy = i * stride - pad + a, xx = j * stride - pad + e;
                if (yy < 0 || yy >= h || xx < 0 || xx >= wd) continue;
                acc += double(x.data<float>()[((img * h + yy) * wd + xx) * c + g * cg + ci]) *
                       w.data<float>()[((o * cg + ci) * kh + a) * kw + e];
              }
          const int64_t idx = ((img * oh + i) * ow + j) * m + o;
          if (r) acc += r->data<float>()[idx];
          y[static_cast<size_t>(idx)] = apply_activation(act, static_cast<float>(acc));
        }
  return y;
}

TEST(ConvFast, ChannelsLastEpilogueMatchesNaiveLoop) {
  struct Case {
    int64_t c, m, k, stride, pad, group;
  };
  const Case cases[] = {{13, 21, 3, 1, 1, 1}, {8, 40, 1, 1, 0, 1}, {24, 24, 3, 2, 1, 24},
                        {12, 12, 5, 1, 2, 12}, {9, 6, 3, 1, 1, 3}};
  const ActivationSpec acts[] = {{Activation::kRelu, 0, 0},
                                 {Activation::kClip, 0.0f, 0.5f},
                                 {Activation::kLeakyRelu, 0.1f, 0},
                                 {Activation::kSigmoid, 0, 0},
                                 {Activation::kHardSwish, 0, 0}};
  const ir::Node node = test::fused_conv_node();
  const std::vector<ir::TypeInfo> no_types;
  // Each shape with two of the activations (rotating), so every activation meets two shapes.
  for (size_t ci = 0; ci < std::size(cases); ++ci)
    for (size_t ai : {ci % std::size(acts), (ci + 2) % std::size(acts)}) {
      const Case& c = cases[ci];
      const ActivationSpec& act = acts[ai];
      const int64_t n = 2, h = 7, wd = 6;
      const int64_t oh = (h + 2 * c.pad - c.k) / c.stride + 1, ow = (wd + 2 * c.pad - c.k) / c.stride + 1;
      const Tensor x = random_tensor({n, h, wd, c.c}, 5);
      const Tensor w = random_tensor({c.m, c.c / c.group, c.k, c.k}, 6);
      const Tensor b = random_tensor({c.m}, 8);
      const Tensor r = random_tensor({n, oh, ow, c.m}, 9);
      const std::vector<double> want =
          naive_nhwc(x, w, b, &r, c.group, c.stride, c.pad, act, oh, ow);
      rt::ConvFastSpec spec = test::square_conv_spec(c.c, c.m, c.k, c.stride, c.pad, c.group, act, true);
      for (int level : isa_levels())
        for (bool cl : {true, false}) {
          set_max_isa_for_testing(level);
          spec.channels_last = cl;
          const Tensor xin = cl ? x : transpose4(x, {0, 3, 1, 2});
          const Tensor rin = cl ? r : transpose4(r, {0, 3, 1, 2});
          const std::string what = std::string("c") + std::to_string(c.c) + " m" +
                                   std::to_string(c.m) + " group " + std::to_string(c.group) +
                                   " " + activation_name(act.kind) + " isa " +
                                   std::to_string(level) + (cl ? " nhwc" : " nchw");
          Tensor first;
          for (int threads : {1, 2, 3})
            for (bool packed : {true, false}) {
              auto k = rt::make_conv_fast_kernel(spec, packed ? &w : nullptr);
              ASSERT_TRUE(k.is_ok() && *k) << what;
              rt::KernelContext ctx(node, {&xin, &w, &b, &rin}, no_types,
                                    MemoryLimit::kDefaultBytes);
              ctx.threads = threads;
              const Status st = (*k)->run(ctx);
              ASSERT_TRUE(st.is_ok()) << what << ": " << st.to_string();
              const Tensor y = cl ? ctx.output(0) : transpose4(ctx.output(0), {0, 2, 3, 1});
              ASSERT_EQ(y.shape(), (Shape{n, oh, ow, c.m})) << what;
              if (first.empty()) {
                first = y;
                for (size_t i = 0; i < want.size(); ++i)
                  ASSERT_NEAR(y.data<float>()[i], want[i], 1e-4 * (1 + std::fabs(want[i])))
                      << what << " element " << i;
              } else {
                EXPECT_TRUE(bit_equal(y, first)) << what << " threads " << threads;
              }
            }
        }
      set_max_isa_for_testing(-1);
    }
}

// Every BRGEMM variant in gemm/kernels.inc through the NHWC tiles directly (single thread).
TEST(ConvFast, EveryBrgemmVariantThroughNhwcTilesMatchesNaiveLoop) {
  struct Case {
    int64_t c, m, k, stride, pad, group, h, w;
  };
  const Case cases[] = {{20, 70, 3, 2, 1, 2, 9, 8}, {530, 33, 1, 1, 0, 1, 3, 4},
                        {6, 40, 5, 1, 2, 1, 7, 6}, {8, 24, 1, 2, 0, 1, 7, 7}};
  const ActivationSpec relu{Activation::kRelu, 0, 0};
  for (const Case& c : cases) {
    cpu::ConvNhwcShape s;
    s.in_h = c.h;
    s.in_w = c.w;
    s.in_c = c.c;
    s.out_c = c.m;
    s.kernel_h = s.kernel_w = c.k;
    s.stride_h = s.stride_w = c.stride;
    s.pad_top = s.pad_left = s.pad_bottom = s.pad_right = c.pad;
    s.group = c.group;
    s.out_h = (c.h + 2 * c.pad - c.k) / c.stride + 1;
    s.out_w = (c.w + 2 * c.pad - c.k) / c.stride + 1;
    const Tensor x = random_tensor({1, c.h, c.w, c.c}, 31);
    const Tensor w = random_tensor({c.m, c.c / c.group, c.k, c.k}, 32);
    const Tensor b = random_tensor({c.m}, 33);
    const std::vector<double> want =
        naive_nhwc(x, w, b, nullptr, c.group, c.stride, c.pad, relu, s.out_h, s.out_w);
    std::vector<float> xp(static_cast<size_t>(s.padded_h() * s.padded_w() * c.c));
    for (int64_t r = 0; r < s.padded_h(); ++r) cpu::conv_nhwc_pad_row(s, x.data<float>(), xp.data(), 0, r);
    std::vector<int64_t> offsets(static_cast<size_t>(s.taps()));
    cpu::conv_nhwc_tap_offsets(s, offsets.data());
    for (const cpu::BrgemmKernel& k : cpu::brgemm_kernels()) {
      if (static_cast<int>(k.isa) > static_cast<int>(detected_isa())) continue;
      std::vector<float> packed(static_cast<size_t>(cpu::conv_nhwc_packed_floats(s, k.nr)));
      cpu::conv_nhwc_pack_weights(s, k.nr, w.data<float>(), packed.data());
      std::vector<float> y(want.size(), -5.0f);
      cpu::ConvNhwcOperands op;
      op.x = xp.data();
      op.packed_w = packed.data();
      op.tap_offsets = offsets.data();
      op.bias = b.data<float>();
      op.y = y.data();
      op.act = relu;
      const int64_t mg = s.out_per_group();
      const bool flat = s.pointwise();
      const int64_t rows = flat ? 1 : s.out_h, pixels = flat ? s.out_h * s.out_w : s.out_w;
      // Pixel runs of 5 and channel blocks of one panel exercise tile edges.
      for (int64_t oh = 0; oh < rows; ++oh)
        for (int64_t p0 = 0; p0 < pixels; p0 += 5)
          for (int64_t g = 0; g < c.group; ++g)
            for (int64_t n0 = 0; n0 < mg; n0 += k.nr) {
              cpu::ConvNhwcTile t;
              t.oh = oh;
              t.ow0 = p0;
              t.ow_len = std::min<int64_t>(5, pixels - p0);
              t.group = g;
              t.n0 = n0;
              t.n_len = std::min<int64_t>(k.nr, mg - n0);
              cpu::conv_nhwc_tile(s, k, op, t);
            }
      for (size_t i = 0; i < want.size(); ++i)
        ASSERT_NEAR(y[i], want[i], 1e-4 * (1 + std::fabs(want[i])))
            << k.name << " c" << c.c << " m" << c.m << " k" << c.k << " element " << i;
    }
  }
}

// The im2col path (narrow outputs): every BRGEMM variant, tiles along the flat pixel index across
// output rows and images, with grouped, K-blocked (C > kConvKBlockMax) and strided shapes.
TEST(ConvFast, Im2colTilesOfEveryBrgemmVariantMatchNaiveLoop) {
  struct Case {
    int64_t n, c, m, k, stride, pad, group, h, w;
  };
  const Case cases[] = {{2, 24, 70, 3, 1, 1, 2, 7, 7}, {1, 530, 20, 3, 1, 1, 1, 4, 5},
                        {2, 16, 33, 3, 2, 1, 1, 14, 13}, {1, 9, 12, 5, 1, 2, 3, 6, 7}};
  const ActivationSpec relu{Activation::kRelu, 0, 0};
  for (const Case& c : cases) {
    cpu::ConvNhwcShape s;
    s.batch = c.n;
    s.in_h = c.h;
    s.in_w = c.w;
    s.in_c = c.c;
    s.out_c = c.m;
    s.kernel_h = s.kernel_w = c.k;
    s.stride_h = s.stride_w = c.stride;
    s.pad_top = s.pad_left = s.pad_bottom = s.pad_right = c.pad;
    s.group = c.group;
    s.out_h = (c.h + 2 * c.pad - c.k) / c.stride + 1;
    s.out_w = (c.w + 2 * c.pad - c.k) / c.stride + 1;
    const Tensor x = random_tensor({c.n, c.h, c.w, c.c}, 41);
    const Tensor w = random_tensor({c.m, c.c / c.group, c.k, c.k}, 42);
    const Tensor b = random_tensor({c.m}, 43);
    const Tensor r = random_tensor({c.n, s.out_h, s.out_w, c.m}, 44);
    const std::vector<double> want =
        naive_nhwc(x, w, b, &r, c.group, c.stride, c.pad, relu, s.out_h, s.out_w);
    std::vector<float> xp(static_cast<size_t>(c.n * s.padded_h() * s.padded_w() * c.c));
    for (int64_t img = 0; img < c.n; ++img)
      for (int64_t row = 0; row < s.padded_h(); ++row)
        cpu::conv_nhwc_pad_row(s, x.data<float>(), xp.data(), img, row);
    const int64_t pixels = c.n * s.out_h * s.out_w;
    std::vector<float> cols(static_cast<size_t>(cpu::conv_nhwc_im2col_floats(s)));
    cpu::conv_nhwc_im2col_rows(s, xp.data(), cols.data(), 0, 3);
    cpu::conv_nhwc_im2col_rows(s, xp.data(), cols.data(), 3, pixels);
    for (const cpu::BrgemmKernel& k : cpu::brgemm_kernels()) {
      if (static_cast<int>(k.isa) > static_cast<int>(detected_isa())) continue;
      std::vector<float> packed(static_cast<size_t>(cpu::conv_nhwc_packed_floats(s, k.nr)));
      cpu::conv_nhwc_pack_weights(s, k.nr, w.data<float>(), packed.data());
      std::vector<float> y(want.size(), -5.0f);
      cpu::ConvNhwcOperands op;
      op.x = cols.data();
      op.im2col = true;
      op.packed_w = packed.data();
      op.bias = b.data<float>();
      op.residual = r.data<float>();
      op.y = y.data();
      op.act = relu;
      const int64_t mg = s.out_per_group();
      for (int64_t p0 = 0; p0 < pixels; p0 += 17)
        for (int64_t g = 0; g < c.group; ++g)
          for (int64_t n0 = 0; n0 < mg; n0 += k.nr) {
            cpu::ConvNhwcTile t;
            t.ow0 = p0;
            t.ow_len = std::min<int64_t>(17, pixels - p0);
            t.group = g;
            t.n0 = n0;
            t.n_len = std::min<int64_t>(k.nr, mg - n0);
            cpu::conv_nhwc_tile(s, k, op, t);
          }
      for (size_t i = 0; i < want.size(); ++i)
        ASSERT_NEAR(y[i], want[i], 1e-4 * (1 + std::fabs(want[i])))
            << k.name << " c" << c.c << " m" << c.m << " k" << c.k << " element " << i;
    }
  }
}

TEST(ConvFast, Im2colIsChosenForNarrowOutputsOnly) {
  cpu::ConvNhwcShape s;
  s.in_c = s.out_c = 512;
  s.kernel_h = s.kernel_w = 3;
  s.pad_top = s.pad_left = s.pad_bottom = s.pad_right = 1;
  s.in_h = s.in_w = s.out_h = s.out_w = 7;
  EXPECT_TRUE(cpu::conv_nhwc_use_im2col(s, 6));   // 7 of 12 rows
  s.in_c = s.out_c = 256;
  s.in_h = s.in_w = s.out_h = s.out_w = 14;
  EXPECT_TRUE(cpu::conv_nhwc_use_im2col(s, 6));   // 14 of 18
  s.in_c = s.out_c = 64;
  s.in_h = s.in_w = s.out_h = s.out_w = 56;
  EXPECT_FALSE(cpu::conv_nhwc_use_im2col(s, 6));  // 56 of 60
  s.in_h = s.in_w = s.out_h = s.out_w = 7;
  s.pad_top = s.pad_left = s.pad_bottom = s.pad_right = 0;
  s.kernel_h = s.kernel_w = 1;
  EXPECT_FALSE(cpu::conv_nhwc_use_im2col(s, 6));  // pointwise: one flat GEMM already
}

// Channel counts that reach every block shape of the vector variants: 45 (AVX-512: two full
// vectors and a masked one; AVX2: a two-vector block with a masked second vector), 61 (AVX-512:
// a masked second vector), 16 (one whole AVX-512 vector, two AVX2 ones), 5 (one masked vector).
TEST(ConvFast, EveryDepthwiseVariantMatchesNaiveLoop) {
  const int64_t pw = 9, kh = 3, kw = 3, out_w = 4, stride = 2, dil = 1;
  for (const int64_t ch : {45, 61, 16, 5}) {
    const Tensor src = random_tensor({kh, pw, ch}, 21);
    const Tensor w = random_tensor({kh * kw, ch}, 22);
    const Tensor b = random_tensor({ch}, 23);
    const Tensor r = random_tensor({out_w, ch}, 24);
    for (const cpu::DepthwiseKernel& k : cpu::depthwise_kernels()) {
      if (static_cast<int>(k.isa) > static_cast<int>(detected_isa())) continue;
      for (Activation a : {Activation::kNone, Activation::kRelu, Activation::kTanh}) {
        // One float past the row: a masked store must not write it.
        std::vector<float> dst(static_cast<size_t>(out_w * ch + 1), -7.0f);
        cpu::DepthwiseRowArgs p;
        p.src = src.data<float>();
        p.padded_w = pw;
        p.channels = ch;
        p.kernel_h = kh;
        p.kernel_w = kw;
        p.stride_w = stride;
        p.dilation_h = p.dilation_w = dil;
        p.out_w = out_w;
        p.weights = w.data<float>();
        p.bias = b.data<float>();
        p.residual = r.data<float>();
        p.dst = dst.data();
        p.act.kind = a;
        k.fn(p);
        for (int64_t ow = 0; ow < out_w; ++ow)
          for (int64_t c = 0; c < ch; ++c) {
            double acc = b.data<float>()[c] + double(r.data<float>()[ow * ch + c]);
            for (int64_t i = 0; i < kh; ++i)
              for (int64_t j = 0; j < kw; ++j)
                acc += double(src.data<float>()[(i * pw + ow * stride + j) * ch + c]) *
                       w.data<float>()[(i * kw + j) * ch + c];
            const double want = apply_activation(p.act, static_cast<float>(acc));
            ASSERT_NEAR(dst[static_cast<size_t>(ow * ch + c)], want, 1e-5 * (1 + std::fabs(want)))
                << k.name << " " << activation_name(a) << " channels " << ch << " pixel " << ow
                << " channel " << c;
          }
        EXPECT_EQ(dst.back(), -7.0f) << k.name << " wrote past the row, channels " << ch;
      }
    }
  }
}

TEST(ConvFast, WrongInputChannelsIsAnErrorNamingTheNode) {
  rt::ConvFastSpec spec;
  spec.label = "Conv 'bad'";
  spec.attrs.group = 1;
  spec.out_c = 4;
  spec.in_per_group = 3;
  spec.kernel_h = spec.kernel_w = 1;
  const Tensor w = random_tensor({4, 3, 1, 1}, 1);
  const Tensor x = random_tensor({1, 5, 2, 2}, 2);
  auto k = rt::make_conv_fast_kernel(spec, &w);
  ASSERT_TRUE(k.is_ok() && *k);
  ir::Node node;
  node.name = "bad";
  node.op = ir::OpKind::kConv;
  node.inputs = {0, 1};
  node.outputs = {2};
  const std::vector<ir::TypeInfo> no_types;
  rt::KernelContext ctx(node, {&x, &w}, no_types, MemoryLimit::kDefaultBytes);
  const Status st = (*k)->run(ctx);
  EXPECT_FALSE(st.is_ok());
  EXPECT_NE(st.to_string().find("bad"), std::string::npos) << st.to_string();
}

}  // namespace
}  // namespace sf
