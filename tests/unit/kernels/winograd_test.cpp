// Winograd F(2,3) / F(4,3) convolution: the kernels (every transform variant of kernels.inc the
// CPU has, with every BRGEMM variant it has) against a naive double-precision convolution in this
// file, and the runtime binding (Session with a Conv node) against the reference Conv
// (rt::run_node), for every ISA cap and 1/2/3 threads (bit-identical per cap).
//
// Tolerance: the probabilistic bound stated in kernels/cpu/winograd/winograd.hpp,
//   |err| <= L (gamma sqrt(C + alpha^2) eps S + 4 eps E)   (S = sum |x| |w| over the receptive
// field, maximised over the outputs of the Winograd tile, E = |conv| + |bias| + |residual| for the
// epilogue's adds, L = 1.5 the steepest slope of the activations used), gamma 2 for F(2,3) and 4
// for F(4,3); WinogradKernels.ErrorWithinStatedBound prints the measured worst err / (eps S) next
// to the direct (reference-order) convolution's.
#include "kernels/cpu/winograd/winograd.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "core/cpu_features.hpp"
#include "ir/op_schema.hpp"
#include "kernels/cpu/gemm/brgemm.hpp"
#include "runtime/fast_ops/winograd.hpp"
#include "runtime/session.hpp"
#include "tests/unit/op_test_util.hpp"

namespace sf {
namespace {

using cpu::WinogradTile;

constexpr double kEps = 5.9604644775390625e-08;  // 2^-24

double gamma_of(WinogradTile t) { return t == WinogradTile::kF23 ? 2.0 : 4.0; }

// gamma sqrt(C + alpha^2): the multiple of eps S the Winograd error stays within.
double bound_factor(WinogradTile t, int64_t c) {
  const double alpha = cpu::winograd_alpha(t);
  return gamma_of(t) * std::sqrt(static_cast<double>(c) + alpha * alpha);
}

struct ConvCase {
  int64_t n, c, k, h, w, pad;
  bool bias, residual;
  ActivationSpec act;
};

struct Data {
  std::vector<float> x, w, b, r;  // x and r in NCHW order
};

Data make_data(const ConvCase& cc, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  const int64_t oh = cc.h + 2 * cc.pad - 2, ow = cc.w + 2 * cc.pad - 2;
  Data d;
  d.x.resize(static_cast<size_t>(cc.n * cc.c * cc.h * cc.w));
  d.w.resize(static_cast<size_t>(cc.k * cc.c * 9));
  for (float& v : d.x) v = u(rng);
  for (float& v : d.w) v = u(rng);
  if (cc.bias) d.b.resize(static_cast<size_t>(cc.k));
  for (float& v : d.b) v = u(rng);
  if (cc.residual) d.r.resize(static_cast<size_t>(cc.n * cc.k * oh * ow));
  for (float& v : d.r) v = u(rng);
  return d;
}

// The exact convolution (double) with its epilogue and S per output, NCHW.
struct Naive {
  std::vector<double> y, s;
  std::vector<double> epi;  // |conv| + |bias| + |residual|: the scale of the epilogue's rounding
};

Naive naive_conv(const ConvCase& cc, const Data& d) {
  const int64_t oh = cc.h + 2 * cc.pad - 2, ow = cc.w + 2 * cc.pad - 2;
  Naive out;
  for (int64_t i = 0; i < cc.n; ++i)
    for (int64_t m = 0; m < cc.k; ++m)
      for (int64_t y = 0; y < oh; ++y)
        for (int64_t x = 0; x < ow; ++x) {
          double acc = 0, mag = 0;
          for (int64_t c = 0; c < cc.c; ++c)
            for (int64_t kh = 0; kh < 3; ++kh)
              for (int64_t kw = 0; kw < 3; ++kw) {
                const int64_t hh = y + kh - cc.pad, ww = x + kw - cc.pad;
                if (hh < 0 || hh >= cc.h || ww < 0 || ww >= cc.w) continue;
                const double a = d.x[static_cast<size_t>(((i * cc.c + c) * cc.h + hh) * cc.w + ww)];
                const double b = d.w[static_cast<size_t>(((m * cc.c + c) * 3 + kh) * 3 + kw)];
                acc += a * b;
                mag += std::fabs(a * b);
              }
          const size_t o = static_cast<size_t>(((i * cc.k + m) * oh + y) * ow + x);
          double epi = std::fabs(acc);
          if (cc.bias)
            acc += d.b[static_cast<size_t>(m)], epi += std::fabs(d.b[static_cast<size_t>(m)]);
          if (cc.residual) acc += d.r[o], epi += std::fabs(d.r[o]);
          out.epi.push_back(epi);
          out.y.push_back(apply_activation(cc.act, static_cast<float>(acc)));
          out.s.push_back(mag);
        }
  return out;
}

// NCHW [n, c, h, w] -> NHWC and back.
std::vector<float> to_nhwc(const std::vector<float>& v, int64_t n, int64_t c, int64_t h,
                           int64_t w) {
  std::vector<float> o(v.size());
  for (int64_t i = 0; i < n; ++i)
    for (int64_t ch = 0; ch < c; ++ch)
      for (int64_t p = 0; p < h * w; ++p)
        o[static_cast<size_t>((i * h * w + p) * c + ch)] =
            v[static_cast<size_t>((i * c + ch) * h * w + p)];
  return o;
}
std::vector<float> to_nchw(const std::vector<float>& v, int64_t n, int64_t c, int64_t h,
                           int64_t w) {
  std::vector<float> o(v.size());
  for (int64_t i = 0; i < n; ++i)
    for (int64_t ch = 0; ch < c; ++ch)
      for (int64_t p = 0; p < h * w; ++p)
        o[static_cast<size_t>((i * c + ch) * h * w + p)] =
            v[static_cast<size_t>((i * h * w + p) * c + ch)];
  return o;
}

// Runs the kernel on all tiles, block by block; returns Y in NCHW order.
std::vector<float> run_kernel(const ConvCase& cc, const Data& d, WinogradTile tile, bool nhwc,
                              const cpu::WinogradKernel& tr, const cpu::BrgemmKernel& gemm) {
  cpu::WinogradConv p;
  p.tile = tile;
  p.channels_last = nhwc;
  p.n = cc.n;
  p.c = cc.c;
  p.h = cc.h;
  p.w = cc.w;
  p.k = cc.k;
  p.oh = cc.h + 2 * cc.pad - 2;
  p.ow = cc.w + 2 * cc.pad - 2;
  p.pad_top = p.pad_left = cc.pad;
  p.act = cc.act;
  std::vector<float> u(
      static_cast<size_t>(cpu::winograd_packed_u_floats(tile, cc.c, cc.k, gemm.nr)));
  cpu::winograd_transform_filter(tile, d.w.data(), cc.k, cc.c, gemm.nr, u.data());
  const std::vector<float> x = nhwc ? to_nhwc(d.x, cc.n, cc.c, cc.h, cc.w) : d.x;
  std::vector<float> r = d.r;
  if (nhwc && cc.residual) r = to_nhwc(d.r, cc.n, cc.k, p.oh, p.ow);
  p.bias = cc.bias ? d.b.data() : nullptr;
  p.residual = cc.residual ? r.data() : nullptr;
  std::vector<float> y(static_cast<size_t>(cc.n * cc.k * p.oh * p.ow), -7.0f);
  const int64_t tiles = cpu::winograd_tile_count(p), block = cpu::winograd_block_tiles(p);
  std::vector<float> scratch(static_cast<size_t>(cpu::winograd_scratch_floats(p, block)));
  for (int64_t t = 0; t < tiles; t += block)
    cpu::winograd_conv_tiles(p, tr, gemm, u.data(), x.data(), y.data(), t,
                             std::min(tiles, t + block), scratch.data());
  return nhwc ? to_nchw(y, cc.n, cc.k, p.oh, p.ow) : y;
}

// S_tile per output: the largest S among the outputs of its Winograd tile. A tile's transforms
// mix its whole alpha x alpha input patch, so an output's rounding error scales with the tile's
// magnitudes, not only its own receptive field's (an edge output beside wide zero padding).
std::vector<double> tile_scale(const Naive& want, const ConvCase& cc, WinogradTile tile) {
  const int64_t oh = cc.h + 2 * cc.pad - 2, ow = cc.w + 2 * cc.pad - 2, mt = cpu::winograd_m(tile);
  std::vector<double> out(want.s.size());
  for (int64_t plane = 0; plane < cc.n * cc.k; ++plane)
    for (int64_t y = 0; y < oh; ++y)
      for (int64_t x = 0; x < ow; ++x) {
        double m = 0;
        for (int64_t yy = y / mt * mt; yy < std::min(oh, (y / mt + 1) * mt); ++yy)
          for (int64_t xx = x / mt * mt; xx < std::min(ow, (x / mt + 1) * mt); ++xx)
            m = std::max(m, want.s[static_cast<size_t>((plane * oh + yy) * ow + xx)]);
        out[static_cast<size_t>((plane * oh + y) * ow + x)] = m;
      }
  return out;
}

// Worst err / (eps S_tile) over the outputs; fails where the stated bound is exceeded.
double check_against_naive(const std::vector<float>& got, const Naive& want, const ConvCase& cc,
                           WinogradTile tile, const std::string& what) {
  const double gamma = bound_factor(tile, cc.c);
  const std::vector<double> s = tile_scale(want, cc, tile);
  double worst = 0;
  int bad = 0;
  for (size_t i = 0; i < want.y.size(); ++i) {
    const double err = std::fabs(got[i] - want.y[i]);
    const double bound = 1.5 * (gamma * kEps * s[i] + 4 * kEps * want.epi[i]) + 1e-30;
    worst = std::max(worst, err / (kEps * std::max(s[i], 1e-30)));
    if (!(err <= bound) && bad++ < 5)
      ADD_FAILURE() << what << " output " << i << ": got " << got[i] << ", want " << want.y[i]
                    << " (bound " << bound << ")";
  }
  return worst;
}

bool available(Isa isa) { return static_cast<int>(isa) <= static_cast<int>(detected_isa()); }

const ConvCase kCases[] = {
    // odd sizes (tile remainders), pads 0/1, channels not multiples of 16, batch 2
    {2, 19, 21, 13, 11, 1, true, true, {Activation::kRelu}},
    {2, 17, 33, 9, 10, 0, true, false, {Activation::kLeakyRelu, 0.1f}},
    {1, 35, 7, 7, 15, 1, false, true, {Activation::kSigmoid}},
    {2, 3, 18, 6, 5, 1, true, false, {Activation::kClip, -0.5f, 0.5f}},
    {1, 32, 16, 3, 3, 1, false, false, {}},
    // pads wider than the image: whole tile rows and columns of zeros
    {1, 5, 6, 4, 3, 3, true, true, {Activation::kHardSwish}},
};

TEST(WinogradKernels, MatchNaiveConvolutionForEveryVariant) {
  uint32_t seed = 1;
  for (const ConvCase& cc : kCases) {
    const Data d = make_data(cc, seed++);
    const Naive want = naive_conv(cc, d);
    for (const cpu::WinogradKernel& tr : cpu::winograd_kernels()) {
      if (!available(tr.isa)) continue;
      for (const cpu::BrgemmKernel& gemm : cpu::brgemm_kernels()) {
        if (!available(gemm.isa)) continue;
        for (WinogradTile tile : {WinogradTile::kF23, WinogradTile::kF43})
          for (bool nhwc : {false, true}) {
            const std::string what = std::string(tr.isa_name) + " " + gemm.name + " " +
                                     cpu::winograd_tile_name(tile) + (nhwc ? " nhwc" : " nchw") +
                                     " case c=" + std::to_string(cc.c);
            check_against_naive(run_kernel(cc, d, tile, nhwc, tr, gemm), want, cc, tile, what);
          }
      }
    }
  }
}

// The measured error against the bound, and against the direct fp32 convolution's (the
// reference Conv), over C = 64 and 256 (ResNet widths).
TEST(WinogradKernels, ErrorWithinStatedBound) {
  const cpu::WinogradKernel& tr = cpu::winograd_select();
  const cpu::BrgemmKernel& gemm = cpu::brgemm_select();
  for (int64_t c : {64, 256}) {
    const ConvCase cc{1, c, 8, 10, 10, 1, false, false, {}};
    const Data d = make_data(cc, 77);
    const Naive want = naive_conv(cc, d);
    // Direct fp32 convolution, summed in the same order as the reference im2col GEMM (c, kh, kw).
    std::vector<float> direct(want.y.size());
    for (int64_t m = 0, o = 0; m < cc.k; ++m)
      for (int64_t y = 0; y < 10; ++y)
        for (int64_t x = 0; x < 10; ++x, ++o) {
          float acc = 0;
          for (int64_t ch = 0; ch < c; ++ch)
            for (int64_t kh = 0; kh < 3; ++kh)
              for (int64_t kw = 0; kw < 3; ++kw) {
                const int64_t hh = y + kh - 1, ww = x + kw - 1;
                if (hh < 0 || hh >= 10 || ww < 0 || ww >= 10) continue;
                acc += d.x[static_cast<size_t>((ch * 10 + hh) * 10 + ww)] *
                       d.w[static_cast<size_t>(((m * c + ch) * 3 + kh) * 3 + kw)];
              }
          direct[static_cast<size_t>(o)] = acc;
        }
    double worst_direct = 0;
    for (size_t i = 0; i < want.y.size(); ++i)
      worst_direct = std::max(worst_direct, std::fabs(direct[i] - want.y[i]) / (kEps * want.s[i]));
    const double f23 = check_against_naive(run_kernel(cc, d, WinogradTile::kF23, false, tr, gemm),
                                           want, cc, WinogradTile::kF23, "f23");
    const double f43 = check_against_naive(run_kernel(cc, d, WinogradTile::kF43, false, tr, gemm),
                                           want, cc, WinogradTile::kF43, "f43");
    std::printf(
        "[ winograd ] C=%lld worst err/(eps S): direct %.2f; err/(eps S_tile): F(2,3) %.2f (bound "
        "%.1f)  F(4,3) %.2f (bound %.1f)\n",
        static_cast<long long>(c), worst_direct, f23, bound_factor(WinogradTile::kF23, c), f43,
        bound_factor(WinogradTile::kF43, c));
    // F(4,3) is measurably less accurate than direct convolution, F(2,3) is not.
    EXPECT_GT(f43, worst_direct);
  }
}

// ---- runtime binding -------------------------------------------------------------------------


ir::Attribute text(std::string v) {
  ir::Attribute a;
  a.kind = ir::Attribute::Kind::kString;
  a.s = std::move(v);
  return a;
}
ir::Attribute real(float v) {
  ir::Attribute a;
  a.kind = ir::Attribute::Kind::kFloat;
  a.f = v;
  return a;
}
ir::Attribute integer(int64_t v) {
  ir::Attribute a;
  a.kind = ir::Attribute::Kind::kInt;
  a.i = v;
  return a;
}

// How the convolution is expressed: ONNX Conv (NCHW, bias only) or FusedConv in either layout.
struct NodeKind {
  bool fused, nhwc;
};

Shape x_shape(const ConvCase& cc, NodeKind nk) {
  return nk.nhwc ? Shape{cc.n, cc.h, cc.w, cc.c} : Shape{cc.n, cc.c, cc.h, cc.w};
}
Shape y_shape(const ConvCase& cc, NodeKind nk) {
  const int64_t oh = cc.h + 2 * cc.pad - 2, ow = cc.w + 2 * cc.pad - 2;
  return nk.nhwc ? Shape{cc.n, oh, ow, cc.k} : Shape{cc.n, cc.k, oh, ow};
}

// Inputs x, w, b[, r] are values 0..3, the output the next one.
ir::Node conv_node(const ConvCase& cc, NodeKind nk, int64_t stride) {
  ir::Node n;
  n.name = "conv0";
  n.op = nk.fused ? ir::OpKind::kFusedConv : ir::OpKind::kConv;
  n.opset = nk.fused ? 1 : 17;
  const bool residual = nk.fused && cc.residual;
  n.inputs = {0, 1, 2};
  if (residual) n.inputs.push_back(3);
  n.outputs = {static_cast<ir::ValueId>(n.inputs.size())};
  n.raw_attrs["pads"] = test::ints_attr({cc.pad, cc.pad, cc.pad, cc.pad});
  n.raw_attrs["strides"] = test::ints_attr({stride, stride});
  if (nk.fused) {
    n.raw_attrs["activation"] = text(activation_name(cc.act.kind));
    n.raw_attrs["activation_alpha"] = real(cc.act.alpha);
    n.raw_attrs["activation_beta"] = real(cc.act.beta);
    n.raw_attrs["channels_last"] = integer(nk.nhwc ? 1 : 0);
  }
  EXPECT_TRUE(ir::parse_node(n).is_ok());
  return n;
}

// One (Fused)Conv node: x [and r] (graph inputs) -> y; W and B constant.
std::unique_ptr<ir::Graph> conv_graph(const ConvCase& cc, const Data& d, NodeKind nk,
                                      int64_t stride) {
  auto g = std::make_unique<ir::Graph>();
  const ir::ValueId x = g->add_value("x").value(), w = g->add_value("w").value(),
                    b = g->add_value("b").value();
  g->value(x).type = {DType::kF32, x_shape(cc, nk)};
  g->value(w).constant = test::make_tensor<float>({cc.k, cc.c, 3, 3}, d.w);
  g->value(b).constant = test::make_tensor<float>({cc.k}, d.b);
  g->inputs = {x};
  if (nk.fused && cc.residual) {
    const ir::ValueId r = g->add_value("r").value();
    g->value(r).type = {DType::kF32, y_shape(cc, nk)};
    g->inputs.push_back(r);
  }
  const ir::ValueId y = g->add_value("y").value();
  g->value(y).producer = 0;
  g->outputs = {y};
  g->nodes.push_back(conv_node(cc, nk, stride));
  return g;
}

Result<std::unique_ptr<rt::Session>> make_session(const ConvCase& cc, const Data& d, int threads,
                                                  bool winograd = true, int64_t stride = 1,
                                                  NodeKind nk = {false, false}) {
  rt::SessionOptions o;
  o.threads = threads;
  o.exec.winograd = winograd;
  return rt::Session::from_graph(conv_graph(cc, d, nk, stride), o);
}

// Conv (NCHW) and FusedConv (NCHW and NHWC, with residual and activation) on the Winograd kernel
// against the reference kernel of the same node (rt::run_node), within the Winograd bound plus
// the reference's own; every ISA cap; 1/2/3 threads bit-identical.
TEST(WinogradRuntime, MatchesReferenceAtEveryIsaCapAndThreadCount) {
  const ConvCase cases[] = {{2, 19, 21, 13, 11, 1, true, false, {}},
                            {2, 19, 21, 13, 11, 1, true, true, {Activation::kRelu}},
                            {2, 19, 21, 13, 11, 1, true, true, {Activation::kSigmoid}}};
  const NodeKind kinds[] = {{false, false}, {true, false}, {true, true}};
  for (int ci = 0; ci < 3; ++ci) {
    const ConvCase& cc = cases[ci];
    const NodeKind nk = kinds[ci];
    const Data d = make_data(cc, 5 + static_cast<uint32_t>(ci));
    const Tensor x = test::make_tensor<float>(
        x_shape(cc, nk), nk.nhwc ? to_nhwc(d.x, cc.n, cc.c, cc.h, cc.w) : d.x);
    const Shape ys = y_shape(cc, nk);
    const int64_t oh = cc.h + 2 * cc.pad - 2, ow = cc.w + 2 * cc.pad - 2;
    const Tensor r = !cc.residual ? Tensor::make(DType::kF32, ys).value()
                                  : test::make_tensor<float>(
                                        ys, nk.nhwc ? to_nhwc(d.r, cc.n, cc.k, oh, ow) : d.r);
    const Tensor w = test::make_tensor<float>({cc.k, cc.c, 3, 3}, d.w);
    const Tensor b = test::make_tensor<float>({cc.k}, d.b);
    std::vector<const Tensor*> in = {&x, &w, &b};
    rt::NamedTensors feeds = {{"x", x}};
    if (cc.residual) in.push_back(&r), feeds.emplace_back("r", r);
    auto ref = rt::run_node(conv_node(cc, nk, 1), in, MemoryLimit::kDefaultBytes);
    ASSERT_TRUE(ref.is_ok()) << ref.status().to_string();
    const Naive want = naive_conv(cc, d);
    for (const char* mode : {"f23", "f43"}) {
      test::ScopedEnv env("STEADFAST_WINOGRAD", mode);
      const WinogradTile tile =
          std::string(mode) == "f23" ? WinogradTile::kF23 : WinogradTile::kF43;
      for (int cap = 0; cap <= static_cast<int>(detected_isa()); ++cap) {
        set_max_isa_for_testing(cap);
        std::vector<float> first;
        for (int threads : {1, 2, 3}) {
          auto s = make_session(cc, d, threads, true, 1, nk);
          ASSERT_TRUE(s.is_ok()) << s.status().to_string();
          const std::string name = (*s)->kernel_name(0);
          const std::string want_name = std::string("conv_f32") + (nk.nhwc ? "_nhwc" : "") +
                                        "_winograd_" + mode + "_bias";
          EXPECT_EQ(name.rfind(want_name, 0), 0u) << name;
          EXPECT_NE(name.find(std::string("__") + isa_name(static_cast<Isa>(cap))),
                    std::string::npos)
              << name;
          auto out = (*s)->run(feeds);
          ASSERT_TRUE(out.is_ok()) << out.status().to_string();
          const Tensor& y = (*out)[0].second;
          ASSERT_EQ(y.shape(), (*ref)[0].shape());
          std::vector<float> got(y.data<float>(), y.data<float>() + y.numel());
          if (!first.empty()) {
            for (size_t i = 0; i < got.size(); ++i)
              ASSERT_EQ(got[i], first[i]) << name << " threads " << threads << " output " << i;
            continue;
          }
          first = got;
          // Against the reference: both bounds added (the reference is within ~9C eps S).
          const std::vector<float> ref_y((*ref)[0].data<float>(),
                                         (*ref)[0].data<float>() + (*ref)[0].numel());
          const std::vector<float> g_nchw = nk.nhwc ? to_nchw(got, cc.n, cc.k, oh, ow) : got;
          const std::vector<float> r_nchw = nk.nhwc ? to_nchw(ref_y, cc.n, cc.k, oh, ow) : ref_y;
          const std::vector<double> st = tile_scale(want, cc, tile);
          for (size_t i = 0; i < got.size(); ++i) {
            const double tol = (bound_factor(tile, cc.c) + 9.0 * std::sqrt(cc.c)) * kEps * st[i] +
                               4 * kEps * want.epi[i];
            ASSERT_NEAR(g_nchw[i], r_nchw[i], tol) << name << " output " << i;
          }
        }
      }
      set_max_isa_for_testing(-1);
    }
  }
}

TEST(WinogradRuntime, SwitchesAndIneligibleNodesFallBack) {
  const ConvCase cc{1, 8, 8, 9, 9, 1, true, false, {}};
  const Data d = make_data(cc, 9);
  {
    test::ScopedEnv env("STEADFAST_WINOGRAD", "f43");
    auto off = make_session(cc, d, 1, /*winograd=*/false);
    ASSERT_TRUE(off.is_ok());
    EXPECT_EQ((*off)->kernel_name(0).find("winograd"), std::string::npos) << (*off)->kernel_name(0);
    auto strided = make_session(cc, d, 1, true, /*stride=*/2);
    ASSERT_TRUE(strided.is_ok());
    EXPECT_EQ((*strided)->kernel_name(0).find("winograd"), std::string::npos) << (*strided)->kernel_name(0);
  }
  {
    test::ScopedEnv env("STEADFAST_WINOGRAD", "off");
    auto s = make_session(cc, d, 1);
    ASSERT_TRUE(s.is_ok());
    EXPECT_EQ((*s)->kernel_name(0).find("winograd"), std::string::npos) << (*s)->kernel_name(0);
  }
  {
    test::ScopedEnv env("STEADFAST_WINOGRAD", "f63");
    auto s = make_session(cc, d, 1);
    ASSERT_FALSE(s.is_ok());
    EXPECT_NE(s.status().to_string().find("STEADFAST_WINOGRAD"), std::string::npos);
    EXPECT_NE(s.status().to_string().find("conv0"), std::string::npos);
  }
}

TEST(WinogradRuntime, CostModelDeclinesSmallLayersAndTakesResNetLayers) {
  const Isa isa = Isa::kAvx512;
  // ResNet stage 1 (56x56x64) NHWC: F(4,3); stage 3 (14x14x256): Winograd of some tile size.
  EXPECT_EQ(rt::winograd_estimate(1, 64, 64, 56, 56, true, isa, 12, isa).choice,
            rt::WinogradMode::kF43);
  EXPECT_NE(rt::winograd_estimate(1, 256, 256, 14, 14, true, isa, 12, isa).choice,
            rt::WinogradMode::kOff);
  // NCHW pays a per-element gather and scatter per tile: the direct convolution wins.
  EXPECT_EQ(rt::winograd_estimate(1, 64, 64, 56, 56, false, isa, 12, isa).choice,
            rt::WinogradMode::kOff);
  // Few channels: the transforms cost more than the saved multiplies.
  EXPECT_EQ(rt::winograd_estimate(1, 4, 4, 32, 32, true, isa, 12, isa).choice,
            rt::WinogradMode::kOff);
  // Tiny image with wide channels: U (36 C K floats) is re-read for a handful of tiles.
  EXPECT_EQ(rt::winograd_estimate(1, 512, 512, 2, 2, true, isa, 12, isa).choice,
            rt::WinogradMode::kOff);
  // auto on a tiny layer leaves the node to the next kernel.
  test::ScopedEnv env("STEADFAST_WINOGRAD", "auto");
  const ConvCase small{1, 4, 4, 6, 6, 1, true, false, {}};
  auto s = make_session(small, make_data(small, 3), 1);
  ASSERT_TRUE(s.is_ok());
  EXPECT_EQ((*s)->kernel_name(0).find("winograd"), std::string::npos) << (*s)->kernel_name(0);
}

}  // namespace
}  // namespace sf
