// ABFT of the Winograd convolution's GEMM stage (kernels/cpu/winograd/winograd.hpp), F(2,3) and
// F(4,3), NCHW and NHWC, with and without padding:
//  - kernel level, every transform and BRGEMM variant the CPU has: the tile and global checks
//    never change an output bit (against the unprotected kernel) and raise no alarm on fault-free
//    data from 1e-20 to 1e20 and with heavy cancellation; the tile scheme checks every register
//    tile of every position (count computed here); both sides of the global invariant agree with
//    a brute-force fp64 evaluation from the block's own V, M and packed U (read back from the
//    scratch), and the tolerance is at least the bound of the roundings computed here and at most
//    a few hundred roundings more;
//  - a flip of any bit of any accumulator whose effect exceeds twice the tolerance is detected
//    (effect computed here from the fault-free M), by the global and the tile scheme;
//  - through a Session (forced --abft global / tile): the Winograd layer runs its own scheme (not
//    DMR), fault-free runs are bit-identical to the unprotected session without alarms, an
//    injected accumulator fault (bit 30 half-way through C) is detected and the layer output
//    after recomputation equals the fault-free one bit for bit; a persistent fault ends the run
//    detected-unrecoverable.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "core/cpu_features.hpp"
#include "core/fp_bounds.hpp"
#include "ir/op_schema.hpp"
#include "kernels/cpu/gemm/abft.hpp"
#include "kernels/cpu/gemm/brgemm.hpp"
#include "kernels/cpu/winograd/winograd.hpp"
#include "runtime/fault_observer.hpp"
#include "runtime/session.hpp"
#include "tests/unit/kernels/fast_op_test_util.hpp"
#include "tests/unit/op_test_util.hpp"

namespace sf {
namespace {

using cpu::WinogradTile;

constexpr WinogradTile kTiles[] = {WinogradTile::kF23, WinogradTile::kF43};

bool available(Isa isa) { return static_cast<int>(isa) <= static_cast<int>(detected_isa()); }

// Uniform values in [-scale, scale) from an LCG (reproducible across platforms).
std::vector<float> lcg(size_t count, uint32_t seed, float scale) {
  std::vector<float> v(count);
  uint32_t s = 2463534242u ^ seed;
  for (float& f : v) {
    s = s * 1664525u + 1013904223u;
    f = scale * (static_cast<float>(s >> 8) / 8388608.0f - 1.0f);
  }
  return v;
}

// One layer: N x C x H x W input, K 3x3 filters, pads `pad` on every side.
struct Layer {
  int64_t n, c, k, h, w, pad;
  bool nhwc;
  int64_t oh() const { return h + 2 * pad - 2; }
  int64_t ow() const { return w + 2 * pad - 2; }
};

// ---- kernel level -------------------------------------------------------------------------------

enum class Check { kNone, kTile, kGlobal };

cpu::WinogradConv conv_params(const Layer& l, WinogradTile tile) {
  cpu::WinogradConv p;
  p.tile = tile;
  p.channels_last = l.nhwc;
  p.n = l.n;
  p.c = l.c;
  p.h = l.h;
  p.w = l.w;
  p.k = l.k;
  p.oh = l.oh();
  p.ow = l.ow();
  p.pad_top = p.pad_left = l.pad;
  return p;
}

// The packed U of a layer for one BRGEMM tile width, and its ABFT side data.
struct PackedU {
  std::vector<float> u, checks;
  std::vector<double> sum, abs;
  PackedU(WinogradTile tile, const std::vector<float>& w, int64_t c, int64_t k, int nr) {
    u.resize(static_cast<size_t>(cpu::winograd_packed_u_floats(tile, c, k, nr)));
    cpu::winograd_transform_filter(tile, w.data(), k, c, nr, u.data());
    checks.resize(static_cast<size_t>(cpu::winograd_u_check_floats(tile, c, k, nr)));
    cpu::winograd_pack_u_checks(tile, u.data(), c, k, nr, checks.data());
    const int64_t a2 = cpu::winograd_alpha(tile) * cpu::winograd_alpha(tile);
    sum.resize(static_cast<size_t>(a2 * c));
    abs.resize(sum.size());
    cpu::winograd_u_sums(tile, u.data(), c, k, nr, sum.data(), abs.data());
  }
};

struct KernelRun {
  std::vector<float> y;
  std::vector<cpu::WinogradBlockCheck> blocks;
  int64_t tile_checks = 0, tile_alarms = 0, tile_failed = 0;
};

// All blocks of the layer in order, one scratch.
KernelRun run_layer(const cpu::WinogradConv& p, const cpu::WinogradKernel& tr,
                    const cpu::BrgemmKernel& gemm, const PackedU& pu, const std::vector<float>& x,
                    Check check) {
  KernelRun r;
  r.y.assign(static_cast<size_t>(p.n * p.k * p.oh * p.ow), -7.0f);
  const int64_t tiles = cpu::winograd_tile_count(p), block = cpu::winograd_block_tiles(p);
  std::vector<float> scratch(static_cast<size_t>(cpu::winograd_scratch_floats(p, block)));
  cpu::TileCheckLog log;
  cpu::WinogradAbft wa;
  if (check == Check::kTile) wa.u_checks = pu.checks.data(), wa.log = &log;
  if (check == Check::kGlobal) wa.u_sum = pu.sum.data(), wa.u_abs = pu.abs.data();
  for (int64_t t = 0; t < tiles; t += block) {
    cpu::WinogradBlockCheck bc;
    cpu::winograd_conv_tiles(p, tr, gemm, pu.u.data(), x.data(), r.y.data(), t,
                             std::min(tiles, t + block), scratch.data(),
                             check == Check::kNone ? nullptr : &wa, &bc);
    if (check == Check::kGlobal) r.blocks.push_back(bc);
  }
  r.tile_checks = log.checks();
  r.tile_alarms = log.alarm_count();
  r.tile_failed = log.failed();
  return r;
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

const Layer kKernelLayers[] = {
    // several blocks of tiles (F(2,3): 3, F(4,3): 2), channels not multiples of the vector width
    {2, 19, 21, 30, 27, 1, false},
    {2, 19, 21, 30, 27, 1, true},
    {2, 19, 21, 30, 27, 0, false},
    {2, 19, 21, 30, 27, 0, true},
};

TEST(WinogradAbftKernels, ChecksNeverChangeOutputsAndRaiseNoFalseAlarm) {
  uint32_t seed = 1;
  for (const Layer& l : kKernelLayers) {
    const std::vector<float> w = lcg(static_cast<size_t>(l.k * l.c * 9), seed++, 1.0f);
    for (WinogradTile tile : kTiles) {
      const cpu::WinogradConv p = conv_params(l, tile);
      const int64_t a2 = cpu::winograd_alpha(tile) * cpu::winograd_alpha(tile);
      const int64_t tiles = cpu::winograd_tile_count(p), block = cpu::winograd_block_tiles(p);
      // Data sets: magnitudes 1e-20..1e20, and a large offset with small noise (the transforms'
      // differences cancel to a few bits, V mixes tiny and large values).
      std::vector<std::vector<float>> inputs;
      for (float scale : {1e-20f, 1e-10f, 1.0f, 1e10f, 1e20f})
        inputs.push_back(lcg(static_cast<size_t>(l.n * l.c * l.h * l.w), seed++, scale));
      inputs.push_back(lcg(static_cast<size_t>(l.n * l.c * l.h * l.w), seed++, 1e-3f));
      for (float& v : inputs.back()) v += 1e3f;
      for (const cpu::WinogradKernel& tr : cpu::winograd_kernels()) {
        if (!available(tr.isa)) continue;
        for (const cpu::BrgemmKernel& gemm : cpu::brgemm_kernels()) {
          if (!available(gemm.isa) || gemm.abft) continue;
          const cpu::BrgemmKernel& twin = cpu::brgemm_abft_twin(gemm);
          ASSERT_TRUE(twin.abft) << gemm.name;
          const PackedU pu(tile, w, l.c, l.k, gemm.nr);
          // Every register tile of every position of every block: sum over blocks of
          // alpha^2 * ceil(rows / mr) * ceil(K / nr).
          int64_t want_tile_checks = 0;
          for (int64_t t = 0; t < tiles; t += block)
            want_tile_checks += a2 * ((std::min(block, tiles - t) + gemm.mr - 1) / gemm.mr) *
                                ((l.k + gemm.nr - 1) / gemm.nr);
          for (size_t di = 0; di < inputs.size(); ++di) {
            const std::string what = std::string(tr.isa_name) + " " + gemm.name + " " +
                                     cpu::winograd_tile_name(tile) + (l.nhwc ? " nhwc" : " nchw") +
                                     " pad " + std::to_string(l.pad) + " data " +
                                     std::to_string(di);
            const KernelRun plain = run_layer(p, tr, gemm, pu, inputs[di], Check::kNone);
            const KernelRun tiled = run_layer(p, tr, twin, pu, inputs[di], Check::kTile);
            const KernelRun global = run_layer(p, tr, gemm, pu, inputs[di], Check::kGlobal);
            EXPECT_TRUE(same_bits(plain.y, tiled.y)) << what;
            EXPECT_TRUE(same_bits(plain.y, global.y)) << what;
            EXPECT_EQ(tiled.tile_alarms, 0) << what;
            EXPECT_EQ(tiled.tile_checks, want_tile_checks) << what;
            ASSERT_EQ(global.blocks.size(), static_cast<size_t>((tiles + block - 1) / block));
            for (const cpu::WinogradBlockCheck& bc : global.blocks) {
              EXPECT_TRUE(bc.verified && bc.passed)
                  << what << ": result " << bc.result << " checksum " << bc.checksum
                  << " tolerance " << bc.tolerance;
            }
          }
        }
      }
    }
  }
}

// One block's V, M (read back from the scratch after a fault-free call) and the brute-force sides
// of the global invariant per position xi, in long double:
//   sum_m  = sum_{t,k} M[xi][t][k]                 (the GEMM's outputs as stored)
//   chk    = sum_{t,c} V[xi][t][c] sum_k U[xi][c][k]  (the exact checksum of the V and U used)
//   scale  = sum_{t,c} |V| sum_k |U|
struct BlockSides {
  std::vector<long double> sum_m, chk, scale, abs_m;
  std::vector<float> scratch;
};

BlockSides block_sides(const cpu::WinogradConv& p, const cpu::WinogradKernel& tr,
                       const cpu::BrgemmKernel& gemm, const std::vector<float>& u,
                       const std::vector<float>& x, std::vector<float>& y, int64_t nt) {
  const int64_t a2 = cpu::winograd_alpha(p.tile) * cpu::winograd_alpha(p.tile);
  const int64_t block = cpu::winograd_block_tiles(p);
  BlockSides s;
  s.scratch.assign(static_cast<size_t>(cpu::winograd_scratch_floats(p, block)), 0.0f);
  cpu::winograd_conv_tiles(p, tr, gemm, u.data(), x.data(), y.data(), 0, nt, s.scratch.data());
  const float* v = s.scratch.data();
  const float* m = v + a2 * block * p.c;
  const int64_t per_pos = cpu::packed_b_floats(p.c, p.k, gemm.nr);
  for (int64_t xi = 0; xi < a2; ++xi) {
    long double sm = 0, am = 0, chk = 0, sc = 0;
    for (int64_t t = 0; t < nt; ++t)
      for (int64_t k = 0; k < p.k; ++k) {
        sm += m[(xi * block + t) * p.k + k];
        am += std::fabs(m[(xi * block + t) * p.k + k]);
      }
    for (int64_t c = 0; c < p.c; ++c) {
      long double us = 0, ua = 0, vs = 0, va = 0;
      for (int64_t k = 0; k < p.k; ++k) {
        const float e = u[static_cast<size_t>(xi * per_pos + (k / gemm.nr) * p.c * gemm.nr +
                                              c * gemm.nr + k % gemm.nr)];
        us += e;
        ua += std::fabs(e);
      }
      for (int64_t t = 0; t < nt; ++t) {
        vs += v[(xi * block + t) * p.c + c];
        va += std::fabs(v[(xi * block + t) * p.c + c]);
      }
      chk += vs * us;
      sc += va * ua;
    }
    s.sum_m.push_back(sm);
    s.abs_m.push_back(am);
    s.chk.push_back(chk);
    s.scale.push_back(sc);
  }
  return s;
}

// Where a targeted fault lands: M[xi][t][k] of the first block in the scratch.
const float* m_element(const cpu::WinogradConv& p, const float* scratch, int64_t xi, int64_t t,
                       int64_t k) {
  const int64_t a2 = cpu::winograd_alpha(p.tile) * cpu::winograd_alpha(p.tile);
  const int64_t block = cpu::winograd_block_tiles(p);
  return scratch + a2 * block * p.c + (xi * block + t) * p.k + k;
}

// (t, k) of the largest |M[xi][t][k]| among the first nt tiles.
std::pair<int64_t, int64_t> largest_m(const cpu::WinogradConv& p, const float* scratch,
                                      int64_t xi, int64_t nt) {
  int64_t bt = 0, bk = 0;
  for (int64_t t = 0; t < nt; ++t)
    for (int64_t k = 0; k < p.k; ++k)
      if (std::fabs(*m_element(p, scratch, xi, t, k)) >
          std::fabs(*m_element(p, scratch, xi, bt, bk)))
        bt = t, bk = k;
  return {bt, bk};
}

// Runs the first block again with a fault on M[xi][t][k] (bit `bit` of the final accumulator,
// after the C loop) under `check`; returns the block's global result and the tile log's counts.
struct FaultyRun {
  cpu::WinogradBlockCheck global;
  int64_t tile_alarms = 0, tile_failed = 0;
  std::vector<float> y;
  bool fired = false;
};
FaultyRun run_faulty_block(const cpu::WinogradConv& p, const cpu::WinogradKernel& tr,
                           const cpu::BrgemmKernel& gemm, const PackedU& pu,
                           const std::vector<float>& x, int64_t nt, std::vector<float>& scratch,
                           int64_t xi, int64_t t, int64_t k, int bit, Check check) {
  FaultyRun r;
  r.y.assign(static_cast<size_t>(p.n * p.k * p.oh * p.ow), -7.0f);
  cpu::TileCheckLog log;
  cpu::WinogradAbft wa;
  if (check == Check::kTile) wa.u_checks = pu.checks.data(), wa.log = &log;
  if (check == Check::kGlobal) wa.u_sum = pu.sum.data(), wa.u_abs = pu.abs.data();
  cpu::AccumulatorFault f;
  f.target = m_element(p, scratch.data(), xi, t, k);
  f.at = 1.0;
  f.bit = bit;
  cpu::fault_arm(f);
  cpu::winograd_conv_tiles(p, tr, gemm, pu.u.data(), x.data(), r.y.data(), 0, nt, scratch.data(),
                           &wa, &r.global);
  r.fired = cpu::fault_fired();
  cpu::fault_disarm();
  r.tile_alarms = log.alarm_count();
  r.tile_failed = log.failed();
  return r;
}

TEST(WinogradAbftKernels, GlobalCheckSidesMatchBruteForce) {
  const cpu::WinogradKernel& tr = cpu::winograd_select();
  const cpu::BrgemmKernel& gemm = cpu::brgemm_select();
  for (const Layer& l : {kKernelLayers[0], kKernelLayers[3]}) {
    const std::vector<float> w = lcg(static_cast<size_t>(l.k * l.c * 9), 11, 1.0f);
    const std::vector<float> x = lcg(static_cast<size_t>(l.n * l.c * l.h * l.w), 12, 1.0f);
    for (WinogradTile tile : kTiles) {
      const cpu::WinogradConv p = conv_params(l, tile);
      const int64_t a2 = cpu::winograd_alpha(tile) * cpu::winograd_alpha(tile);
      const int64_t nt = cpu::winograd_block_tiles(p);
      const PackedU pu(tile, w, l.c, l.k, gemm.nr);
      std::vector<float> y(static_cast<size_t>(l.n * l.k * l.oh() * l.ow()));
      BlockSides s = block_sides(p, tr, gemm, pu.u, x, y, nt);
      for (int64_t xi = 0; xi < a2; ++xi) {
        const std::string what = std::string(cpu::winograd_tile_name(tile)) +
                                 (l.nhwc ? " nhwc" : " nchw") + " xi " + std::to_string(xi);
        const auto i = static_cast<size_t>(xi);
        const double scale = static_cast<double>(s.scale[i]);
        // The invariant itself on the stored V, M, U: the C-term dots are within gamma_C S.
        EXPECT_LE(std::fabs(static_cast<double>(s.sum_m[i] - s.chk[i])),
                  checksum_tolerance(static_cast<double>(l.c), scale))
            << what;
        // The kernel's own sides, read off a failing check: a fault far above the tolerance on
        // this position (the sign of its largest M: a change of 2 max|M|, against a tolerance
        // of ~1e-5 S) makes it the block's worst, reporting its checksum and tolerance.
        const auto [bt, bk] = largest_m(p, s.scratch.data(), xi, nt);
        const FaultyRun f = run_faulty_block(p, tr, gemm, pu, x, nt, s.scratch, xi, bt, bk, 31,
                                             Check::kGlobal);
        ASSERT_TRUE(f.fired) << what;
        EXPECT_FALSE(f.global.passed) << what;
        EXPECT_TRUE(f.global.verified) << what;
        // Checksum: fp32 V sums over nt tiles (gamma_nt S) and fp64 steps.
        EXPECT_LE(std::fabs(f.global.checksum - static_cast<double>(s.chk[i])),
                  checksum_tolerance(static_cast<double>(nt) + 1, scale))
            << what;
        // Tolerance: sound (at least the C-term dots and the V sums) and tight (at most a few
        // hundred roundings more: the tile sums and the fp64 steps).
        EXPECT_GE(f.global.tolerance, checksum_tolerance(static_cast<double>(l.c + nt), scale))
            << what;
        EXPECT_LE(f.global.tolerance,
                  checksum_tolerance(static_cast<double>(l.c + nt + 512), scale))
            << what;
      }
    }
  }
}

TEST(WinogradAbftKernels, FlipsAboveTwiceTheToleranceAreDetected) {
  const cpu::WinogradKernel& tr = cpu::winograd_select();
  const cpu::BrgemmKernel& gemm = cpu::brgemm_select();
  const cpu::BrgemmKernel& twin = cpu::brgemm_abft_twin(gemm);
  const Layer l = kKernelLayers[1];
  const std::vector<float> w = lcg(static_cast<size_t>(l.k * l.c * 9), 21, 1.0f);
  const std::vector<float> x = lcg(static_cast<size_t>(l.n * l.c * l.h * l.w), 22, 1.0f);
  for (WinogradTile tile : kTiles) {
    const cpu::WinogradConv p = conv_params(l, tile);
    const int64_t a2 = cpu::winograd_alpha(tile) * cpu::winograd_alpha(tile);
    const int64_t nt = cpu::winograd_block_tiles(p);
    const PackedU pu(tile, w, l.c, l.k, gemm.nr);
    std::vector<float> clean_y(static_cast<size_t>(l.n * l.k * l.oh() * l.ow()), -7.0f);
    BlockSides s = block_sides(p, tr, gemm, pu.u, x, clean_y, nt);
    int lowest_detected = 32, above = 0;
    for (int64_t xi : {int64_t{0}, a2 / 2 + 1, a2 - 1}) {
      // The position's largest |M| (a flip of its top mantissa bit must be caught).
      const auto [bt, bk] = largest_m(p, s.scratch.data(), xi, nt);
      const float m0 = *m_element(p, s.scratch.data(), xi, bt, bk);
      for (int bit = 0; bit < 32; ++bit) {
        const std::string what = std::string(cpu::winograd_tile_name(tile)) + " xi " +
                                 std::to_string(xi) + " M " + std::to_string(m0) + " bit " +
                                 std::to_string(bit);
        const double delta = static_cast<double>(cpu::flip_bit(m0, bit)) - m0;
        const FaultyRun g = run_faulty_block(p, tr, gemm, pu, x, nt, s.scratch, xi, bt, bk, bit,
                                             Check::kGlobal);
        ASSERT_TRUE(g.fired) << what;
        const bool detected = !g.global.passed;
        const bool above_global = std::fabs(delta) > 2.01 * g.global.tolerance ||
                                  !std::isfinite(delta);
        if (above_global) {
          ++above;
          EXPECT_TRUE(detected) << what << " delta " << delta << " tolerance "
                                << g.global.tolerance;
        }
        if (detected) lowest_detected = std::min(lowest_detected, bit);
        if (bit == 22) {
          EXPECT_TRUE(detected) << what << " (top mantissa bit of the largest M)";
        }
        // The tile scheme on the same flip: its tolerance is below the global one here (a
        // smaller scale, a comparable count), so a flip above twice the global tolerance is
        // caught there too, and the in-kernel recompute restores the output.
        const FaultyRun t = run_faulty_block(p, tr, twin, pu, x, nt, s.scratch, xi, bt, bk, bit,
                                             Check::kTile);
        ASSERT_TRUE(t.fired) << what;
        if (above_global) {
          EXPECT_GE(t.tile_alarms, 1) << what;
        }
        EXPECT_EQ(t.tile_failed, 0) << what;
        if (t.tile_alarms > 0) {
          EXPECT_TRUE(same_bits(t.y, clean_y)) << what;
        }
      }
    }
    EXPECT_GE(above, 3 * 9) << "at least the exponent flips exceed the tolerance";
    std::printf("[ wino abft ] %s: flips of M detected by the global check from bit %d up\n",
                cpu::winograd_tile_name(tile), lowest_detected);
  }
}

// ---- through a Session --------------------------------------------------------------------------

Shape x_shape(const Layer& l) {
  return l.nhwc ? Shape{l.n, l.h, l.w, l.c} : Shape{l.n, l.c, l.h, l.w};
}
Shape y_shape(const Layer& l) {
  return l.nhwc ? Shape{l.n, l.oh(), l.ow(), l.k} : Shape{l.n, l.k, l.oh(), l.ow()};
}

// NCHW: ONNX Conv with bias. NHWC: FusedConv with bias, residual and Relu, channels_last.
std::unique_ptr<ir::Graph> conv_graph(const Layer& l, const std::vector<float>& w,
                                      const std::vector<float>& b) {
  auto g = std::make_unique<ir::Graph>();
  const ir::ValueId x = g->add_value("x").value(), wv = g->add_value("w").value(),
                    bv = g->add_value("b").value();
  g->value(x).type = {DType::kF32, x_shape(l)};
  g->value(wv).constant = test::make_tensor<float>({l.k, l.c, 3, 3}, w);
  g->value(bv).constant = test::make_tensor<float>({l.k}, b);
  g->inputs = {x};
  ir::Node n;
  n.name = "wino0";
  n.inputs = {x, wv, bv};
  if (l.nhwc) {
    const ir::ValueId r = g->add_value("r").value();
    g->value(r).type = {DType::kF32, y_shape(l)};
    g->inputs.push_back(r);
    n.inputs.push_back(r);
  }
  const ir::ValueId y = g->add_value("y").value();
  g->value(y).producer = 0;
  g->outputs = {y};
  n.outputs = {y};
  n.op = l.nhwc ? ir::OpKind::kFusedConv : ir::OpKind::kConv;
  n.opset = l.nhwc ? 1 : 17;
  n.raw_attrs["pads"] = test::ints_attr({l.pad, l.pad, l.pad, l.pad});
  n.raw_attrs["strides"] = test::ints_attr({1, 1});
  if (l.nhwc) {
    n.raw_attrs["activation"] = test::string_attr(activation_name(Activation::kRelu));
    n.raw_attrs["channels_last"] = test::int_attr(1);
  }
  const Status parsed = ir::parse_node(n);
  EXPECT_TRUE(parsed.is_ok()) << parsed.to_string();
  g->nodes.push_back(std::move(n));
  return g;
}

std::unique_ptr<rt::Session> session(const Layer& l, const std::vector<float>& w,
                                     const std::vector<float>& b, abft::Mode mode, int threads) {
  rt::SessionOptions so;
  so.threads = threads;
  so.exec.abft = mode;
  so.exec.abft_balance = 9.0;  // fixed, so nothing probes the machine
  auto s = rt::Session::from_graph(conv_graph(l, w, b), so);
  EXPECT_TRUE(s.is_ok()) << s.status().to_string();
  return s.is_ok() ? std::move(s).value() : nullptr;
}

// The node that runs on the Winograd kernel (the only one here), or -1.
int64_t winograd_node(const rt::Session& s) {
  for (size_t k = 0; k < s.graph().nodes.size(); ++k)
    if (s.kernel_name(k).find("winograd") != std::string::npos) return static_cast<int64_t>(k);
  return -1;
}

rt::NamedTensors feeds(const Layer& l, float scale, uint32_t seed) {
  rt::NamedTensors f = {
      {"x", test::make_tensor<float>(x_shape(l), lcg(static_cast<size_t>(l.n * l.c * l.h * l.w), seed, scale))}};
  if (l.nhwc)
    f.emplace_back("r", test::make_tensor<float>(y_shape(l), lcg(static_cast<size_t>(l.n * l.k * l.oh() * l.ow()),
                                                  seed + 1000, scale)));
  return f;
}

using test::same_outputs;

const Layer kSessionLayers[] = {
    {2, 40, 24, 30, 27, 1, false},
    {2, 40, 24, 30, 27, 0, false},
    {2, 40, 24, 30, 27, 1, true},
    {2, 40, 24, 30, 27, 0, true},
};

std::string describe(const Layer& l, const char* tile, abft::Mode mode) {
  return std::string(tile) + (l.nhwc ? " nhwc" : " nchw") + " pad " + std::to_string(l.pad) +
         " " + std::string(abft::mode_name(mode));
}

TEST(WinogradAbftSession, FaultFreeRunsRaiseNoAlarmAndChangeNothing) {
  for (const char* tile : {"f23", "f43"}) {
    test::ScopedEnv env("STEADFAST_WINOGRAD", tile);
    uint32_t seed = 100;
    for (const Layer& l : kSessionLayers) {
      const std::vector<float> w = lcg(static_cast<size_t>(l.k * l.c * 9), seed++, 1.0f);
      const std::vector<float> b = lcg(static_cast<size_t>(l.k), seed++, 1.0f);
      auto plain = session(l, w, b, abft::Mode::kOff, 2);
      ASSERT_TRUE(plain);
      for (abft::Mode mode : {abft::Mode::kGlobal, abft::Mode::kTile}) {
        const std::string what = describe(l, tile, mode);
        auto s = session(l, w, b, mode, 2);
        ASSERT_TRUE(s);
        const int64_t node = winograd_node(*s);
        ASSERT_GE(node, 0) << what << ": " << s->kernel_name(0);
        const std::string kname = s->kernel_name(static_cast<size_t>(node));
        EXPECT_EQ(kname.find("_nhwc") != std::string::npos, l.nhwc) << what << ": " << kname;
        EXPECT_EQ(kname.find("_abft") != std::string::npos, mode == abft::Mode::kTile)
            << what << ": " << kname;
        const abft::Scheme want =
            mode == abft::Mode::kGlobal ? abft::Scheme::kGlobal : abft::Scheme::kTile;
        EXPECT_EQ(s->abft_plan(static_cast<size_t>(node)).scheme, want)
            << what << ": " << s->abft_plan(static_cast<size_t>(node)).reason;
        abft::Report report;
        for (float scale : {1e-20f, 1e-10f, 1.0f, 1e10f, 1e20f}) {
          const rt::NamedTensors in = feeds(l, scale, seed++);
          auto want_out = plain->run(in);
          auto got = s->run(in, nullptr, &report);
          ASSERT_TRUE(want_out.is_ok() && got.is_ok()) << what;
          EXPECT_TRUE(same_outputs(*want_out, *got)) << what << " scale " << scale;
        }
        ASSERT_EQ(report.layers.size(), 1u) << what;
        const abft::LayerStats& st = report.layers[0];
        EXPECT_EQ(st.scheme, want) << what;
        EXPECT_EQ(st.alarms, 0) << what << "\n" << report.to_json();
        EXPECT_EQ(st.unverifiable, 0) << what;
        // global: one check per run; tile: every register tile of every position.
        if (mode == abft::Mode::kGlobal) {
          EXPECT_EQ(st.checks, 5) << what;
        } else {
          EXPECT_GT(st.checks, 5 * 16) << what;
        }
      }
    }
  }
}

TEST(WinogradAbftSession, AccumulatorFaultIsDetectedAndCorrected) {
  for (const char* tile : {"f23", "f43"}) {
    test::ScopedEnv env("STEADFAST_WINOGRAD", tile);
    uint32_t seed = 300;
    for (const Layer& l : kSessionLayers) {
      const std::vector<float> w = lcg(static_cast<size_t>(l.k * l.c * 9), seed++, 1.0f);
      const std::vector<float> b = lcg(static_cast<size_t>(l.k), seed++, 1.0f);
      // Small inputs keep every partial sum below 2 in magnitude, so a flip of bit 30 (the top
      // exponent bit) multiplies it by 2^128: far above any tolerance whatever the position.
      const rt::NamedTensors in = feeds(l, 0.01f, seed++);
      for (abft::Mode mode : {abft::Mode::kGlobal, abft::Mode::kTile}) {
        const std::string what = describe(l, tile, mode);
        auto s = session(l, w, b, mode, 1);
        ASSERT_TRUE(s);
        const int64_t node = winograd_node(*s);
        ASSERT_GE(node, 0) << what;
        auto clean = s->run(in);
        ASSERT_TRUE(clean.is_ok()) << what;
        for (uint32_t pick : {0u, 7u, 13u}) {
          cpu::AccumulatorFault f;
          f.bit = 30;
          f.at = 0.5;
          f.skip_tiles = pick * 11;
          f.row_pick = pick;
          f.col_pick = pick * 5;
          rt::AccumulatorFaultObserver inject(static_cast<size_t>(node), f);
          abft::Report report;
          auto got = s->run(in, &inject, &report);
          ASSERT_TRUE(got.is_ok()) << what << ": " << got.status().to_string();
          ASSERT_TRUE(inject.fired()) << what << " pick " << pick;
          ASSERT_EQ(report.layers.size(), 1u);
          const abft::LayerStats& st = report.layers[0];
          if (mode == abft::Mode::kGlobal) {
            // The block check fails, the session recomputes the layer once and it passes.
            EXPECT_EQ(st.alarms, 1) << what << " pick " << pick << "\n" << report.to_json();
            EXPECT_EQ(st.recomputes, 1) << what << " pick " << pick;
            EXPECT_EQ(st.corrected, 1) << what << " pick " << pick;
          } else {
            // The tile check fails and the kernel recomputes the tile.
            EXPECT_EQ(st.alarms, 1) << what << " pick " << pick << "\n" << report.to_json();
            EXPECT_EQ(st.corrected, 1) << what << " pick " << pick;
            EXPECT_EQ(st.recomputes, 0) << what << " pick " << pick;
          }
          EXPECT_EQ(st.unrecoverable, 0) << what;
          EXPECT_TRUE(same_outputs(*clean, *got)) << what << " pick " << pick;
        }
      }
    }
  }
}

TEST(WinogradAbftSession, PersistentFaultEndsTheRunAsDetectedUnrecoverable) {
  test::ScopedEnv env("STEADFAST_WINOGRAD", "f43");
  const Layer l = kSessionLayers[2];
  const std::vector<float> w = lcg(static_cast<size_t>(l.k * l.c * 9), 7, 1.0f);
  const std::vector<float> b = lcg(static_cast<size_t>(l.k), 8, 1.0f);
  auto s = session(l, w, b, abft::Mode::kGlobal, 2);
  ASSERT_TRUE(s);
  const int64_t node = winograd_node(*s);
  ASSERT_GE(node, 0);
  // A stuck fault: the hook re-arms after firing, so every recomputation is hit again.
  struct Rearm : rt::RunObserver {
    size_t node = 0;
    void before_node(size_t index, const ir::Node&) override {
      if (index != node) return;
      cpu::AccumulatorFault f;
      f.bit = 30;
      f.at = 0.5;
      cpu::fault_arm(f);
      cpu::fault_set_persistent(true);
    }
    Status after_node(size_t index, const ir::Node&, std::vector<Tensor>&, double) override {
      if (index == node) cpu::fault_set_persistent(false), cpu::fault_disarm();
      return Status::ok();
    }
  } rearm;
  rearm.node = static_cast<size_t>(node);
  // The failing node ends the run before after_node: clear the process-wide hook here, or the
  // stuck fault would hit every later test's BRGEMM calls.
  struct Clear {
    ~Clear() {
      cpu::fault_set_persistent(false);
      cpu::fault_disarm();
    }
  } clear;
  abft::Report report;
  auto got = s->run(feeds(l, 0.01f, 9), &rearm, &report);
  ASSERT_FALSE(got.is_ok());
  EXPECT_EQ(got.status().code(), StatusCode::kDetectedUnrecoverable);
  EXPECT_NE(got.status().message().find("wino0"), std::string::npos) << got.status().message();
  ASSERT_EQ(report.layers.size(), 1u);
  EXPECT_EQ(report.layers[0].unrecoverable, 1);
}

}  // namespace
}  // namespace sf
