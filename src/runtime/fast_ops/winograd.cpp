// Winograd fast kernel for ONNX Conv (NCHW) and the internal FusedConv (NCHW or NHWC, with bias,
// residual and activation fused into the output transform): 3x3, stride 1, dilation 1, group 1,
// fp32, constant weights. The prepare step decides per layer between F(4,3), F(2,3) and "not
// mine" (the direct convolution registered after this family runs) with the cost model below,
// transforms and packs the filters once (U = G g G^T as BRGEMM B panels), and run() splits the
// tiles into fixed-size blocks computed in parallel (arithmetic: kernels/cpu/winograd/).
//
// ABFT: both schemes (PrepareContext::abft) on the GEMM stage (kernels/cpu/winograd/winograd.hpp
// states the invariants, the rounding count and what is not covered: the input and output
// transforms and the epilogue). tile: the `_abft` BRGEMM twin with checksum columns of packed U
// made here; global: per tile block and position, sum M against the V column sums times the fp64
// row sums of packed U made here; one result slot per block (deterministic for any thread count),
// the layer fails if any block does and reports its worst block.
//
// Switches: ExecOptions::winograd (false: never offered); STEADFAST_WINOGRAD = off | f23 | f43 |
// auto (unset: auto) forces a tile size for tests and benchmarks (the node must still qualify).
//
// Cost model (cycles on one core; both sides parallelise the same way, so threads cancel). Each
// stage costs max(flops / peak, bytes / bandwidth):
//   direct  2 N OH OW K C 9 flops at the BRGEMM's FMA peak; reads X, W, writes Y from memory.
//   GEMM    2 a^2 T C K flops (T tiles, padded edge tiles included) at the FMA peak times the row
//           efficiency T_b / roundup(T_b, mr) of a block of T_b tiles; bytes: U (a^2 C K floats)
//           from memory once per run at a loaded core's streaming rate (~2 B/cycle), then once
//           per further block from L2 when it fits in half of it, else L3 (up to an 8 MB share),
//           else memory; plus V and M through L2. U is 4x (F(4,3)) the direct weights, so few
//           tiles on many channels (7x7x512) make Winograd memory-bound.
//   threads tile blocks are the unit of parallel work: fewer blocks than 2 (the planned thread
//           count; the choice must not depend on the session's) scale the total up.
//   input   ~8 (F(2,3)) / ~42 (F(4,3)) vector flops per channel, tile and 1D pass at the vector
//           add peak; V written through L2; NCHW gathers a^2 C elements per tile at ~10 cycles
//           each (measured: NCHW F(4,3) 56x56x64 takes 2.6 ms against 0.9 ms for NHWC).
//   output  likewise (~6 / ~25 per pass); NCHW scatters m^2 K elements per tile, as slowly.
// Peaks per cycle: FMA flops avx512 64, avx2 32, scalar 4; vector add flops half of that.
// Bandwidth: L2 64 B/cycle, L3/memory 16 B/cycle. Winograd is taken when the best
// tile size is estimated at least 10% faster than direct, the margin paying for its larger error.
// Few channels make the transforms dominate; tiny images waste edge tiles and re-read U per few
// tiles; both make the model decline. auto also declines when the only BRGEMM allowed is the
// scalar one (a correctness fallback: 86% of Winograd's time goes to it and the reference
// im2col convolution is faster).
#include "runtime/fast_ops/winograd.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <memory>
#include <vector>

#include "core/large_alloc.hpp"
#include "ir/ops/fused.hpp"
#include "ir/ops/linalg.hpp"
#include "kernels/cpu/gemm/brgemm.hpp"
#include "kernels/cpu/winograd/winograd.hpp"
#include "runtime/abft_guard.hpp"
#include "runtime/fast_kernel.hpp"
#include "runtime/fast_ops/families.hpp"
#include "runtime/parallel.hpp"
#include "runtime/scratch.hpp"

namespace sf::rt {

namespace {

using cpu::WinogradConv;
using cpu::WinogradTile;

constexpr double kL2BytesPerCycle = 64, kMemBytesPerCycle = 16, kGatherPerCycle = 0.1;
// Streaming U from memory on one core of a loaded machine (measured: a 37.7 MB U of a 7x7x512
// F(4,3) layer streams at ~5 GB/s, 1.3 B/cycle), and re-reading it from L3.
constexpr double kUMemBytesPerCycle = 2, kUL3BytesPerCycle = 16;
constexpr double kL2HalfBytes = 512.0 * 1024, kL3ShareBytes = 8.0 * 1024 * 1024;
// The parallelism the estimate plans for: fewer tile blocks than this leave threads idle (the
// choice must not depend on the session's thread count, or results would).
constexpr double kPlannedThreads = 2;
constexpr double kWinogradMargin = 0.9;

double fma_flops_per_cycle(Isa isa) {
  switch (isa) {
    case Isa::kAvx512:
      return 64;
    case Isa::kAvx2:
      return 32;
    case Isa::kScalar:
      return 4;
  }
  return 4;
}

double winograd_cycles(WinogradTile tile, int64_t n, int64_t c, int64_t k, int64_t oh, int64_t ow,
                       bool channels_last, Isa gemm_isa, int gemm_mr, Isa transform_isa) {
  WinogradConv p;
  p.tile = tile;
  p.n = n;
  p.c = c;
  p.k = k;
  p.oh = oh;
  p.ow = ow;
  const double m = cpu::winograd_m(tile),
               a2 = cpu::winograd_alpha(tile) * cpu::winograd_alpha(tile);
  const double tiles = static_cast<double>(cpu::winograd_tile_count(p));
  const int64_t block = cpu::winograd_block_tiles(p);
  const double blocks = static_cast<double>(cpu::winograd_block_count(p));
  const double mr = std::max(1, gemm_mr);
  const double row_eff =
      static_cast<double>(block) / (std::ceil(static_cast<double>(block) / mr) * mr);
  const double peak = fma_flops_per_cycle(gemm_isa), vec = fma_flops_per_cycle(transform_isa) / 2;
  const double cd = static_cast<double>(c), kd = static_cast<double>(k);

  // U: read from memory once per run (the whole model's weights do not stay in cache), then once
  // more per further block, from L2 when it fits in half of it, else L3 when it fits a share of
  // it, else memory again.
  const double u_bytes = a2 * cd * kd * 4;
  const double u_bw = u_bytes <= kL2HalfBytes   ? kL2BytesPerCycle
                      : u_bytes <= kL3ShareBytes ? kUL3BytesPerCycle
                                                 : kUMemBytesPerCycle;
  const double u_cycles = u_bytes / kUMemBytesPerCycle + u_bytes * (blocks - 1) / u_bw;
  const double gemm =
      std::max(2 * a2 * tiles * cd * kd / (peak * row_eff),
               u_cycles + a2 * tiles * (cd + kd) * 4 / kL2BytesPerCycle);
  const double in_flops = (tile == WinogradTile::kF23 ? 8.0 : 42.0) * 2 * std::sqrt(a2);
  const double out_flops = (tile == WinogradTile::kF23 ? 6.0 : 25.0) * 2 * std::sqrt(a2);
  const double x_bytes = static_cast<double>(n) * cd * static_cast<double>((oh + 2) * (ow + 2)) * 4;
  double input =
      std::max(in_flops * tiles * cd / vec, (a2 * tiles * cd * 4 + x_bytes) / kL2BytesPerCycle);
  double output = std::max(out_flops * tiles * kd / vec, a2 * tiles * kd * 4 / kL2BytesPerCycle);
  if (!channels_last) {
    input += a2 * tiles * cd / kGatherPerCycle;
    output += m * m * tiles * kd / kGatherPerCycle;
  }
  return (input + gemm + output) * kPlannedThreads / std::min(blocks, kPlannedThreads);
}

const char* act_suffix(Activation a) { return a == Activation::kNone ? "" : activation_name(a); }

class WinogradConvKernel final : public PreparedKernel {
 public:
  WinogradConvKernel(const ir::ConvAttrs& attrs, WinogradTile tile, bool channels_last,
                     ActivationSpec act, int residual_input, int64_t c, int64_t k,
                     const cpu::BrgemmKernel& gemm, const cpu::WinogradKernel& tr,
                     std::vector<float, LargeAllocator<float>> u, bool has_bias,
                     abft::Scheme abft)
      : attrs_(attrs),
        tile_(tile),
        channels_last_(channels_last),
        act_(act),
        residual_input_(residual_input),
        c_(c),
        k_(k),
        gemm_(gemm),
        tr_(tr),
        u_(std::move(u)) {
    name_ = std::string("conv_f32") + (channels_last ? "_nhwc" : "") + "_winograd_" +
            cpu::winograd_tile_name(tile) + (has_bias ? "_bias" : "") +
            (residual_input >= 0 ? "_residual" : "") + (act.kind != Activation::kNone ? "_" : "") +
            act_suffix(act.kind) + "__" + tr.isa_name + "_" + std::to_string(gemm.mr) + "x" +
            std::to_string(gemm.nr) + (gemm.abft ? "_abft" : "");
    // The checksum side data, from the packed U the GEMMs multiply.
    if (abft == abft::Scheme::kTile && gemm.abft) {
      abft_ = abft;
      u_checks_.resize(static_cast<size_t>(cpu::winograd_u_check_floats(tile, c, k, gemm.nr)));
      cpu::winograd_pack_u_checks(tile, u_.data(), c, k, gemm.nr, u_checks_.data());
    } else if (abft == abft::Scheme::kGlobal) {
      abft_ = abft;
      const int64_t alpha = cpu::winograd_alpha(tile);
      const size_t n = static_cast<size_t>(alpha * alpha * c);
      u_sum_.resize(n);
      u_abs_.resize(n);
      cpu::winograd_u_sums(tile, u_.data(), c, k, gemm.nr, u_sum_.data(), u_abs_.data());
    }
  }

  std::string name() const override { return name_; }
  abft::Scheme abft_scheme() const override { return abft_; }
  // W is transformed into U at prepare and never read again.
  std::vector<size_t> packed_inputs() const override { return {1}; }

  // The layer's geometry and epilogue operands for this run's X, its output allocated (y).
  Result<WinogradConv> conv_of(KernelContext& ctx, Tensor*& y) const {
    const Tensor& x = ctx.input(0);
    if (x.dtype() != DType::kF32 || x.shape().size() != 4)
      return ctx.error("Winograd Conv needs a float32 rank-4 X, got " + shape_str(x.shape()));
    const Shape& xs = x.shape();
    WinogradConv p;
    p.tile = tile_;
    p.channels_last = channels_last_;
    p.n = xs[0];
    p.c = channels_last_ ? xs[3] : xs[1];
    p.h = channels_last_ ? xs[1] : xs[2];
    p.w = channels_last_ ? xs[2] : xs[3];
    p.k = k_;
    if (p.c != c_)
      return ctx.error("X has " + std::to_string(p.c) + " channels, W expects " +
                       std::to_string(c_));
    SF_ASSIGN_OR_RETURN(ir::ConvGeometry g,
                        ir::conv_geometry(attrs_, Shape{p.h, p.w}, Shape{3, 3}, ctx.node.label()));
    p.oh = g.out[0];
    p.ow = g.out[1];
    p.pad_top = g.pad_begin[0];
    p.pad_left = g.pad_begin[1];
    const Shape ys = channels_last_ ? Shape{p.n, p.oh, p.ow, p.k} : Shape{p.n, p.k, p.oh, p.ow};
    y = &ctx.output(0);
    if (y->empty()) {
      SF_ASSIGN_OR_RETURN(y, ctx.output(0, DType::kF32, ys));
    }
    if (y->shape() != ys || y->dtype() != DType::kF32)
      return ctx.error("output is " + shape_str(y->shape()) + ", Winograd computes " +
                       shape_str(ys));
    if (ctx.has(2)) {
      const Tensor& b = ctx.input(2);
      if (b.dtype() != DType::kF32 || b.numel() != p.k)
        return ctx.error("bias must be float32 with " + std::to_string(p.k) + " elements, got " +
                         shape_str(b.shape()));
      p.bias = b.data<float>();
    }
    if (residual_input_ >= 0) {
      const Tensor& r = ctx.input(static_cast<size_t>(residual_input_));
      if (r.dtype() != DType::kF32 || r.shape() != ys)
        return ctx.error("residual must be float32 " + shape_str(ys) + ", got " +
                         shape_str(r.shape()));
      p.residual = r.data<float>();
    }
    p.act = act_;
    return p;
  }

  // Incremental re-execution (region.hpp), channels-last only: the outputs that read a changed
  // input position or add a changed residual, widened to whole m x m tiles of the tile grid
  // (from the origin). The transforms mix a tile's whole (m+2) x (m+2) input patch into every
  // output of the tile, so in floating point a change can move any output of such a tile, not
  // only those whose 3x3 window holds it; each tile depends on its own patch alone.
  std::optional<Region> output_region(const std::vector<const Tensor*>& in,
                                      const std::vector<std::optional<Region>>& changed) const override {
    if (!channels_last_ || in.empty() || !in[0] || in[0]->shape().size() != 4) return std::nullopt;
    for (size_t i = 1; i < changed.size(); ++i)
      if (changed[i] && static_cast<int>(i) != residual_input_) return std::nullopt;
    const Shape& xs = in[0]->shape();
    auto g = ir::conv_geometry(attrs_, Shape{xs[1], xs[2]}, Shape{3, 3}, "");
    if (!g) return std::nullopt;
    const int64_t oh = g->out[0], ow = g->out[1];
    Region out;
    if (changed[0]) {
      const Region& c = *changed[0];
      const auto [y0, y1] = window_reach(c.y0, c.y1, 3, 1, 1, g->pad_begin[0], oh);
      const auto [x0, x1] = window_reach(c.x0, c.x1, 3, 1, 1, g->pad_begin[1], ow);
      out = Region{y0, y1, x0, x1};
    }
    if (residual_input_ >= 0 && static_cast<size_t>(residual_input_) < changed.size() &&
        changed[static_cast<size_t>(residual_input_)])
      out = out.unite(changed[static_cast<size_t>(residual_input_)]->clip(oh, ow));
    if (out.empty()) return Region{};
    const int64_t m = cpu::winograd_m(tile_);
    return Region{out.y0 / m * m, out.y1 + (m - out.y1 % m) % m, out.x0 / m * m,
                  out.x1 + (m - out.x1 % m) % m}.clip(oh, ow);
  }

  // The tiles holding region r, each computed as run() computes it, on one thread (fault
  // campaigns run one single-threaded session per core), in runs of at most a block.
  Status run_region(KernelContext& ctx, const Region& r) const override {
    if (!channels_last_) return ctx.error("no region runs for an NCHW Winograd convolution");
    Tensor* y = &ctx.output(0);
    if (y->empty()) return ctx.error("region run needs the output allocated");
    SF_ASSIGN_OR_RETURN(WinogradConv p, conv_of(ctx, y));
    const Region o = r.clip(p.oh, p.ow);
    if (o.empty()) return Status::ok();
    const int64_t m = cpu::winograd_m(tile_), block = cpu::winograd_block_tiles(p);
    const int64_t tiles_w = (p.ow + m - 1) / m, tiles_img = (p.oh + m - 1) / m * tiles_w;
    const Region tiles{o.y0 / m, (o.y1 + m - 1) / m, o.x0 / m, (o.x1 + m - 1) / m};
    std::vector<float, LargeAllocator<float>> scratch(
        static_cast<size_t>(cpu::winograd_scratch_floats(p, block)));
    for (int64_t img = 0; img < p.n; ++img)
      for (const auto& [b, e] : region_runs(tiles, tiles_w))
        for (int64_t t = b; t < e; t += block)
          cpu::winograd_conv_tiles(p, tr_, gemm_, u_.data(), ctx.input(0).data<float>(),
                                   y->data<float>(), img * tiles_img + t,
                                   img * tiles_img + std::min(e, t + block), scratch.data());
    return Status::ok();
  }

  Status run(KernelContext& ctx) const override {
    Tensor* y = nullptr;
    SF_ASSIGN_OR_RETURN(WinogradConv p, conv_of(ctx, y));
    const float* xp = ctx.input(0).data<float>();
    const int64_t block = cpu::winograd_block_tiles(p), blocks = cpu::winograd_block_count(p);
    const int64_t scratch_floats = cpu::winograd_scratch_floats(p, block);
    float* yp = y->data<float>();
    const float* up = u_.data();
    // ABFT: the checks ctx.abft asks for; one global result per block.
    const abft::Scheme scheme = ctx.abft ? abft_ : abft::Scheme::kNone;
    cpu::TileCheckLog tile_log;
    cpu::WinogradAbft wa;
    if (scheme == abft::Scheme::kTile) {
      wa.u_checks = u_checks_.data();
      wa.log = &tile_log;
    } else if (scheme == abft::Scheme::kGlobal) {
      wa.u_sum = u_sum_.data();
      wa.u_abs = u_abs_.data();
    }
    std::vector<cpu::WinogradBlockCheck> block_checks(
        scheme == abft::Scheme::kGlobal ? static_cast<size_t>(blocks) : 0);
    cpu::WinogradBlockCheck* slots = block_checks.empty() ? nullptr : block_checks.data();
    const cpu::WinogradAbft* wap = scheme == abft::Scheme::kNone ? nullptr : &wa;
    // Blocks are fixed by the shape, not the thread count: each tile is computed the same way
    // whichever thread owns its block.
    const bool ran = parallel_for_with_scratch(
        ctx.threads, blocks, scratch_floats, [&](int64_t b0, int64_t b1, float* scratch) {
          for (int64_t b = b0; b < b1; ++b)
            cpu::winograd_conv_tiles(p, tr_, gemm_, up, xp, yp, cpu::winograd_block_begin(p, b),
                                     cpu::winograd_block_begin(p, b + 1), scratch, wap,
                                     slots ? slots + b : nullptr);
        });
    if (!ran)
      return ctx.error("out of memory for Winograd scratch of " +
                       std::to_string(scratch_floats * 4) + " bytes a thread");
    if (scheme == abft::Scheme::kTile) report_tiles(tile_log, *ctx.abft);
    if (scheme == abft::Scheme::kGlobal) {
      // The layer passes when every block does; the worst block is reported.
      cpu::WinogradBlockCheck all;
      for (const cpu::WinogradBlockCheck& c : block_checks) cpu::winograd_check_merge(all, c);
      abft::CheckResult& r = *ctx.abft;
      r.result = all.result;
      r.checksum = all.checksum;
      r.tolerance = all.tolerance;
      r.verified = all.any && all.verified;
      r.passed = all.passed;
    }
    return Status::ok();
  }

 private:
  ir::ConvAttrs attrs_;
  WinogradTile tile_;
  bool channels_last_;
  ActivationSpec act_;
  int residual_input_;
  int64_t c_, k_;
  const cpu::BrgemmKernel& gemm_;
  const cpu::WinogradKernel& tr_;
  std::vector<float, LargeAllocator<float>> u_;
  std::string name_;
  abft::Scheme abft_ = abft::Scheme::kNone;
  std::vector<float> u_checks_;        // tile scheme: checksum columns of u_ per position
  std::vector<double> u_sum_, u_abs_;  // global scheme: [alpha^2][C] sums over k of u_, |u_|
};

bool all_ones(const std::vector<int64_t>& v) {
  return std::all_of(v.begin(), v.end(), [](int64_t e) { return e == 1; });
}

// Shared by Conv and (with the fusion branch) FusedConv: X at input 0, W at 1, B at 2 and the
// residual at `residual_input` (-1: none).
Result<std::unique_ptr<PreparedKernel>> prepare_winograd(const PrepareContext& ctx,
                                                         const ir::ConvAttrs& a, bool channels_last,
                                                         ActivationSpec act, int residual_input) {
  std::unique_ptr<PreparedKernel> none;
  if (!ctx.opts.winograd) return none;
  SF_ASSIGN_OR_RETURN(WinogradMode mode, winograd_mode_from_env());
  if (mode == WinogradMode::kOff) return none;
  const Tensor* w = ctx.constant(1);
  const ir::TypeInfo* xt = ctx.input_type(0);
  if (!w || w->dtype() != DType::kF32 || w->shape().size() != 4 || w->shape()[2] != 3 ||
      w->shape()[3] != 3 || !xt || xt->dtype != DType::kF32)
    return none;
  if (a.group != 1 || !all_ones(a.strides) || !all_ones(a.dilations)) return none;
  if (!a.kernel_shape.empty() && a.kernel_shape != std::vector<int64_t>{3, 3}) return none;
  if (ctx.has_input(2)) {  // a constant's dtype is on the tensor, not the value's type
    const Tensor* b = ctx.constant(2);
    const DType bt = b ? b->dtype() : ctx.input_type(2)->dtype;
    if (bt != DType::kF32) return none;
  }
  const int64_t k = w->shape()[0], c = w->shape()[1];
  if (k <= 0 || c <= 0) return none;
  if (residual_input >= 0 && !ctx.has_input(static_cast<size_t>(residual_input)))
    residual_input = -1;
  // The tile scheme runs the `_abft` twin (same tile, so the same packing, cost and results).
  const cpu::BrgemmKernel& gemm = ctx.abft == abft::Scheme::kTile
                                      ? cpu::brgemm_abft_twin(cpu::brgemm_select())
                                      : cpu::brgemm_select();
  const cpu::WinogradKernel& tr = cpu::winograd_select();
  WinogradTile tile = WinogradTile::kF43;
  if (mode == WinogradMode::kF23) tile = WinogradTile::kF23;
  if (mode == WinogradMode::kAuto) {
    // The scalar BRGEMM is the correctness fallback; on it Winograd loses to the reference conv.
    if (gemm.isa == Isa::kScalar) return none;
    const Shape* xs = ctx.static_input_shape(0);
    const Shape* ys = ctx.output_type(0).shape ? &*ctx.output_type(0).shape : nullptr;
    if (!xs || !ys || xs->size() != 4 || ys->size() != 4 || !shape_is_static(*ys)) return none;
    const int64_t oh = channels_last ? (*ys)[1] : (*ys)[2],
                  ow = channels_last ? (*ys)[2] : (*ys)[3];
    const WinogradEstimate e =
        winograd_estimate((*xs)[0], c, k, oh, ow, channels_last, gemm.isa, gemm.mr, tr.isa);
    if (e.choice == WinogradMode::kOff) return none;
    tile = e.choice == WinogradMode::kF23 ? WinogradTile::kF23 : WinogradTile::kF43;
  }
  std::vector<float, LargeAllocator<float>> u(
      static_cast<size_t>(cpu::winograd_packed_u_floats(tile, c, k, gemm.nr)));
  cpu::winograd_transform_filter(tile, w->data<float>(), k, c, gemm.nr, u.data());
  return std::unique_ptr<PreparedKernel>(new WinogradConvKernel(
      a, tile, channels_last, act, residual_input, c, k, gemm, tr, std::move(u), ctx.has_input(2),
      ctx.abft));
}

Result<std::unique_ptr<PreparedKernel>> prepare_conv(const PrepareContext& ctx) {
  return prepare_winograd(ctx, ctx.node.attrs_as<ir::ConvAttrs>(), false, ActivationSpec{}, -1);
}

// FusedConv (ir/ops/fused.hpp): Y = act(conv(X, W) + B + R); X, R, Y are NHWC when channels_last.
Result<std::unique_ptr<PreparedKernel>> prepare_fused_conv(const PrepareContext& ctx) {
  const auto& a = ctx.node.attrs_as<ir::FusedConvAttrs>();
  return prepare_winograd(ctx, a, a.channels_last, a.act, /*residual_input=*/3);
}

}  // namespace

Result<WinogradMode> winograd_mode_from_env() {
  const char* v = std::getenv("STEADFAST_WINOGRAD");
  if (!v || !*v) return WinogradMode::kAuto;
  const std::string s(v);
  if (s == "off") return WinogradMode::kOff;
  if (s == "f23") return WinogradMode::kF23;
  if (s == "f43") return WinogradMode::kF43;
  if (s == "auto") return WinogradMode::kAuto;
  return invalid_argument("STEADFAST_WINOGRAD must be off, f23, f43 or auto, got '" + s + "'");
}

WinogradEstimate winograd_estimate(int64_t n, int64_t c, int64_t k, int64_t oh, int64_t ow,
                                   bool channels_last, Isa gemm_isa, int gemm_mr,
                                   Isa transform_isa) {
  WinogradEstimate e;
  const double cd = static_cast<double>(c), kd = static_cast<double>(k);
  const double flops = 2.0 * static_cast<double>(n * oh * ow) * kd * cd * 9;
  const double bytes = 4.0 * (static_cast<double>(n * (oh + 2) * (ow + 2)) * cd + 9 * cd * kd +
                              static_cast<double>(n * oh * ow) * kd);
  e.direct = std::max(flops / fma_flops_per_cycle(gemm_isa), bytes / kMemBytesPerCycle);
  e.f23 = winograd_cycles(WinogradTile::kF23, n, c, k, oh, ow, channels_last, gemm_isa, gemm_mr,
                          transform_isa);
  e.f43 = winograd_cycles(WinogradTile::kF43, n, c, k, oh, ow, channels_last, gemm_isa, gemm_mr,
                          transform_isa);
  const double best = std::min(e.f23, e.f43);
  if (best < kWinogradMargin * e.direct)
    e.choice = e.f43 <= e.f23 ? WinogradMode::kF43 : WinogradMode::kF23;
  return e;
}

void register_winograd_fast_kernels() {
  register_fast_kernel(ir::OpKind::kConv, prepare_conv);
  register_fast_kernel(ir::OpKind::kFusedConv, prepare_fused_conv);
}

}  // namespace sf::rt
