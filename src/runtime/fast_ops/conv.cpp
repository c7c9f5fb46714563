// Binding of 2-D fp32 convolutions to kernels/cpu/conv (see conv.hpp). Work is split over
// independent output tiles (image, output row, pixel chunk, group, output-channel block; narrow
// outputs go through an im2col matrix and flat pixel chunks across rows) or, for
// depthwise layers, output rows; each output element is computed by one tile with the same
// arithmetic whatever the thread count, so results are deterministic.
#include "runtime/fast_ops/conv.hpp"

#include <algorithm>
#include <optional>
#include <vector>

#include "abft/conv_checksum.hpp"
#include "core/fp_bounds.hpp"
#include "core/large_alloc.hpp"
#include "ir/ops/fused.hpp"
#include "kernels/cpu/conv/conv_nhwc.hpp"
#include "kernels/cpu/conv/depthwise.hpp"
#include "kernels/cpu/eltwise/eltwise.hpp"
#include "runtime/abft_guard.hpp"
#include "runtime/fast_ops/families.hpp"
#include "runtime/parallel.hpp"
#include "runtime/scratch.hpp"

namespace sf::rt {

namespace {

// Output pixels per BRGEMM tile (a row of up to this many pixels, or a flat run for 1x1 layers).
constexpr int64_t kRowTilePixels = 64;
constexpr int64_t kFlatTilePixels = 64;
// Output channels per tile, rounded down to whole panels (at least one).
constexpr int64_t kChannelTile = 128;
// Below this many pixel tiles, channel blocks shrink to one panel.
constexpr int64_t kFewPixelTiles = 4;
// Channel blocks go outer only for weights of at least this many bytes. With smaller ones (the
// 300 KB expansions of EfficientNet-Lite0 at 14x14) channel-outer tiles made each thread write
// half the channels of every pixel, which the next layer's threads then read across cores:
// MobileNetV2 1.1% and EfficientNet-Lite0 0.7% slower than pixel-outer; thresholds of 1 and
// 2 MB measured 1.0% and a further 0.5% faster on MobileNetV2 than none (alternating pairs,
// 2 threads); ResNet-50 (4 MB layers) within noise either way.
constexpr int64_t kChannelsOuterMinWeightBytes = 2 * 1024 * 1024;

// Uninitialised fp32 scratch under the context's memory cap: every buffer here is fully
// overwritten (transposes, padded rows, output tiles, packed weights) before it is read.
Result<Tensor> scratch(const KernelContext& ctx, const Shape& shape) {
  int64_t bytes = static_cast<int64_t>(sizeof(float));
  for (int64_t d : shape)
    if (d < 0 || __builtin_mul_overflow(bytes, d, &bytes))
      return ctx.error("convolution scratch " + shape_str(shape) + " is too large");
  if (bytes > ctx.max_tensor_bytes)
    return ctx.error("convolution scratch " + shape_str(shape) + " needs " + std::to_string(bytes) +
                     " bytes, over the limit of " + std::to_string(ctx.max_tensor_bytes));
  SF_ASSIGN_OR_RETURN(Tensor buf, Tensor::make_arena(std::max<int64_t>(bytes, 1)));
  return buf.sub_buffer(0, DType::kF32, shape);
}

// NCHW [n, c, hw] -> NHWC, split over (image, pixel block).
void to_nhwc(int threads, const float* src, int64_t n, int64_t c, int64_t hw, float* dst) {
  constexpr int64_t kBlock = 256;
  const int64_t blocks = (hw + kBlock - 1) / kBlock;
  parallel_for(threads, n * blocks, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      const int64_t img = i / blocks, p0 = (i % blocks) * kBlock;
      cpu::nchw_to_nhwc(src + img * c * hw, c, hw, dst + img * c * hw, p0,
                        std::min(hw, p0 + kBlock));
    }
  });
}

// NHWC -> NCHW [n, c, hw], split over (image, channel block).
void to_nchw(int threads, const float* src, int64_t n, int64_t c, int64_t hw, float* dst) {
  constexpr int64_t kBlock = 16;
  const int64_t blocks = (c + kBlock - 1) / kBlock;
  parallel_for(threads, n * blocks, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      const int64_t img = i / blocks, c0 = (i % blocks) * kBlock;
      cpu::nhwc_to_nchw(src + img * c * hw, c, hw, dst + img * c * hw, c0,
                        std::min(c, c0 + kBlock));
    }
  });
}

class ConvFastKernel final : public PreparedKernel {
 public:
  ConvFastKernel(ConvFastSpec spec, bool depthwise, abft::Scheme abft)
      : spec_(std::move(spec)), depthwise_(depthwise) {
    // Depthwise layers have no BRGEMM and so no tile scheme (the session duplicates them under
    // it); their global check takes its sums per output row (compute_depthwise).
    if (abft == abft::Scheme::kGlobal || (!depthwise_ && abft == abft::Scheme::kTile)) abft_ = abft;
    if (depthwise_) dw_ = &cpu::depthwise_select();
    else gemm_ = &cpu::brgemm_select_for_n(spec_.out_c / group(), abft_ == abft::Scheme::kTile);
  }

  // Packs constant weights now (the shape of W fixes everything packing depends on).
  void pack(const Tensor& w) {
    packed_.resize(static_cast<size_t>(packed_floats()));
    pack_into(w.data<float>(), packed_.data());
    if (abft_ == abft::Scheme::kTile) {
      checks_.resize(static_cast<size_t>(cpu::conv_nhwc_check_floats(weight_shape(), gemm_->nr)));
      cpu::conv_nhwc_pack_checks(weight_shape(), gemm_->nr, packed_.data(), checks_.data());
    }
    if (abft_ == abft::Scheme::kGlobal) weight_checksums(w.data<float>(), wsum_, wabs_);
  }

  // The global scheme's weight side: per (input channel, tap) sums over the group's filters.
  void weight_checksums(const float* w, std::vector<double>& sum, std::vector<double>& abs) const {
    abft::ConvChecksumShape c;
    c.channels = spec_.in_per_group * group();
    c.kernel_h = spec_.kernel_h;
    c.kernel_w = spec_.kernel_w;
    c.group = group();
    c.out_c = spec_.out_c;
    sum.assign(static_cast<size_t>(c.channels * taps()), 0.0);
    abs.assign(sum.size(), 0.0);
    abft::conv_weight_checksums(c, w, sum.data(), abs.data());
  }
  abft::Scheme abft_scheme() const override { return abft_; }

  // conv_f32_nhwc[_<act>]__<isa>_<mr>x<nr> (the BRGEMM variant's tile) or
  // depthwise_f32_nhwc[_<act>]__<isa>_<lanes>.
  std::string name() const override {
    const std::string variant = depthwise_ ? dw_->name : gemm_->name;
    const size_t sep = variant.find("__");
    std::string n = depthwise_ ? "depthwise_f32_nhwc" : "conv_f32_nhwc";
    if (spec_.act.kind != Activation::kNone) n += std::string("_") + activation_name(spec_.act.kind);
    return n + (sep == std::string::npos ? "__" + variant : variant.substr(sep));
  }

  Status run(KernelContext& ctx) const override;
  // Incremental re-execution (region.hpp): channels-last BRGEMM layers (not depthwise).
  std::optional<Region> output_region(const std::vector<const Tensor*>& in,
                                      const std::vector<std::optional<Region>>& changed) const override;
  Status run_region(KernelContext& ctx, const Region& r) const override;
  // Works out the geometry and tap offsets for the input shape known at load time, so that runs
  // on that shape skip them.
  void expect_input(const Shape& xs) {
    auto s = shape_of(xs);
    if (!s) return;
    static_x_ = xs;
    static_s_ = *s;
    static_offsets_.resize(static_cast<size_t>(static_s_.taps()));
    cpu::conv_nhwc_tap_offsets(static_s_, static_offsets_.data());
  }
  std::vector<size_t> packed_inputs() const override {
    return packed_.empty() ? std::vector<size_t>{} : std::vector<size_t>{1};
  }

 private:
  int64_t group() const { return spec_.attrs.group; }
  int64_t taps() const { return spec_.kernel_h * spec_.kernel_w; }
  int64_t packed_weight_elems() const { return spec_.out_c * spec_.in_per_group * taps(); }
  // Shape fields packing depends on (M, C, group, kernel, dilation_w: row_merged()).
  cpu::ConvNhwcShape weight_shape() const {
    cpu::ConvNhwcShape s;
    s.in_c = spec_.in_per_group * group();
    s.out_c = spec_.out_c;
    s.group = group();
    s.kernel_h = spec_.kernel_h;
    s.kernel_w = spec_.kernel_w;
    const std::vector<int64_t>& d = spec_.attrs.dilations;
    s.dilation_w = d.size() == 2 ? d[1] : 1;
    return s;
  }
  int64_t packed_floats() const {
    return depthwise_ ? spec_.out_c * taps()
                      : cpu::conv_nhwc_packed_floats(weight_shape(), gemm_->nr);
  }
  void pack_into(const float* w, float* dst) const {
    if (depthwise_) cpu::depthwise_pack_weights(w, spec_.out_c, taps(), dst);
    else cpu::conv_nhwc_pack_weights(weight_shape(), gemm_->nr, w, dst);
  }
  // The layer's geometry for an input of shape xs (NCHW, or NHWC when channels_last); errors
  // name the problem, the caller adds the node.
  Result<cpu::ConvNhwcShape> shape_of(const Shape& xs) const;
  // The tap offsets of geometry s for input shape xs: the load-time ones when xs is that shape,
  // else computed into `own`.
  const int64_t* tap_offsets(const Shape& xs, const cpu::ConvNhwcShape& s,
                             std::vector<int64_t>& own) const {
    if (!static_x_.empty() && xs == static_x_) return static_offsets_.data();
    own.resize(static_cast<size_t>(s.taps()));
    cpu::conv_nhwc_tap_offsets(s, own.data());
    return own.data();
  }
  // The geometry for input shape xs: the load-time one when xs is that shape.
  Result<cpu::ConvNhwcShape> geometry(const Shape& xs) const {
    if (!static_x_.empty() && xs == static_x_) return static_s_;
    return shape_of(xs);
  }
  // Bias (input 2), residual (input 3; through r_nhwc for NCHW) and the packed weights
  // (packed_, or W packed into w_packed now) into op.
  Status bind_operands(KernelContext& ctx, const cpu::ConvNhwcShape& s, const Shape& y_shape,
                       cpu::ConvNhwcOperands& op, Tensor& r_nhwc, Tensor& w_packed) const;
  void compute_gemm(int threads, const cpu::ConvNhwcShape& s, const cpu::ConvNhwcOperands& op,
                    std::vector<double>* out_sums, std::vector<float>* tile_sums) const;
  Status verify_global(KernelContext& ctx, const cpu::ConvNhwcShape& s, const float* xp,
                       const std::vector<double>& out_sums, const std::vector<float>& tile_sums,
                       const float* w_now) const;
  Status compute_depthwise(int threads, const cpu::ConvNhwcShape& s,
                           const cpu::ConvNhwcOperands& op, bool pad_as_needed,
                           std::vector<double>* out_sums, std::vector<float>* tile_sums) const;

  ConvFastSpec spec_;
  bool depthwise_;
  const cpu::BrgemmKernel* gemm_ = nullptr;
  const cpu::DepthwiseKernel* dw_ = nullptr;
  std::vector<float, LargeAllocator<float>> packed_;  // empty: pack W on every run
  abft::Scheme abft_ = abft::Scheme::kNone;
  std::vector<float> checks_;  // tile scheme: checksum columns of packed_
  std::vector<double> wsum_, wabs_;  // global scheme: weight checksums [in_c][tap]
  Shape static_x_;                     // expect_input: the input shape (empty: none)
  cpu::ConvNhwcShape static_s_;        // and its geometry
  std::vector<int64_t> static_offsets_;  // and its tap offsets
};

Result<cpu::ConvNhwcShape> ConvFastKernel::shape_of(const Shape& xs) const {
  if (xs.size() != 4)
    return invalid_argument("fast convolution needs a rank-4 input, got " + shape_str(xs));
  const bool cl = spec_.channels_last;
  cpu::ConvNhwcShape s = weight_shape();
  s.batch = xs[0];
  s.in_h = cl ? xs[1] : xs[2];
  s.in_w = cl ? xs[2] : xs[3];
  const int64_t c = cl ? xs[3] : xs[1];
  if (c != s.in_c)
    return invalid_argument("input has " + std::to_string(c) + " channels, the weights expect " +
                     std::to_string(s.in_c) + " (" + std::to_string(spec_.in_per_group) +
                     " per group x group " + std::to_string(group()) + ")");
  SF_ASSIGN_OR_RETURN(ir::ConvGeometry g,
                      ir::conv_geometry(spec_.attrs, {s.in_h, s.in_w},
                                        {spec_.kernel_h, spec_.kernel_w}, spec_.label));
  s.out_h = g.out[0];
  s.out_w = g.out[1];
  s.stride_h = g.strides[0];
  s.stride_w = g.strides[1];
  s.dilation_h = g.dilations[0];
  s.dilation_w = g.dilations[1];
  s.pad_top = g.pad_begin[0];
  s.pad_left = g.pad_begin[1];
  s.pad_bottom = g.pad_end[0];
  s.pad_right = g.pad_end[1];
  if (s.pad_top < 0 || s.pad_left < 0 || s.pad_bottom < 0 || s.pad_right < 0)
    return invalid_argument("negative pads " + shape_str(spec_.attrs.pads));
  return s;
}

// Global ABFT takes its activation checksum S[c, tap] (conv_checksum.hpp) tile by tile, right
// after the tile's BRGEMM read the input, while it is still in cache: the first channel block of
// each group adds up, per tap, the input rows the tile read (the im2col rows it multiplied), as
// fp32 column sums and |.| sums (eltwise kColSumAbs) into the tile's own slot. verify_global adds
// the slots up in tile order in double, so the result does not depend on the thread count. A
// separate pass over the whole input from memory afterwards cost 10-60% of a memory-heavy layer.
// The cost here is taps * C adds per output pixel against taps * C * (out_c / group) FMAs, so
// layers with few outputs per group, and shapes whose slots would be large, keep the one-pass
// summed-area method (conv_input_tap_sums) instead (conv.hpp: kConvTileSums*).

// Per-tap column sums of the input a run of m output pixels along one output row reads: x0 is
// tap (0, 0) of the run's first pixel at channel c0, the taps sit at tap_offsets, pixels at
// stride_w. Channels [c0, c0 + cn) go to sum / abs ([taps][in_c]); with all channels (cn == in_c)
// and dilation_w 1, tap (i, j + 1) starts one pixel after tap (i, j), so a kernel row's taps are
// kernel_w * C contiguous columns in the slot's order (few channels still fill the vectors).
void add_window_tap_sums(const cpu::EltwiseKernel& k, const cpu::ConvNhwcShape& s,
                         const float* x0, const int64_t* tap_offsets, int64_t m, int64_t c0,
                         int64_t cn, float* sum, float* abs) {
  const int64_t c = s.in_c, taps = s.taps(), ld = s.stride_w * c;
  auto rows = [&](const float* src, int64_t n, int64_t at) {
    k.reduce({cpu::ReduceOp::kColSumAbs, m, n, src, ld, nullptr, sum + at, abs + at});
  };
  if (cn == c && s.dilation_w == 1) {
    for (int64_t tap = 0; tap < taps; tap += s.kernel_w)
      rows(x0 + tap_offsets[tap], s.kernel_w * c, tap * c);
    return;
  }
  for (int64_t tap = 0; tap < taps; ++tap) rows(x0 + tap_offsets[tap], cn, tap * c + c0);
}

// The tile's share of S for its group's channels: sum / abs are its slot, [taps][in_c].
void add_tile_tap_sums(const cpu::EltwiseKernel& k, const cpu::ConvNhwcShape& s,
                       const cpu::ConvNhwcOperands& op, const cpu::ConvNhwcTile& t, float* sum,
                       float* abs) {
  const int64_t c = s.in_c, cpg = s.in_per_group(), c0 = t.group * cpg, taps = s.taps();
  auto rows = [&](const float* src, int64_t ld, int64_t n, int64_t at) {
    k.reduce({cpu::ReduceOp::kColSumAbs, t.ow_len, n, src, ld, nullptr, sum + at, abs + at});
  };
  if (op.im2col) {  // the tile's im2col rows, [tap][in_c] each
    const int64_t kk = taps * c;
    const float* x = op.x + t.ow0 * kk;
    if (s.group == 1) return rows(x, kk, kk, 0);
    for (int64_t tap = 0; tap < taps; ++tap) rows(x + tap * c + c0, kk, cpg, tap * c + c0);
  } else if (s.pointwise()) {  // flat pixels of the unpadded input
    rows(op.x + t.ow0 * c + c0, c, cpg, c0);
  } else {  // a run of one output row
    const float* x0 =
        op.x + ((t.img * s.padded_h() + t.oh * s.stride_h) * s.padded_w() + t.ow0 * s.stride_w) * c + c0;
    add_window_tap_sums(k, s, x0, op.tap_offsets, t.ow_len, c0, cpg, sum, abs);
  }
}

void ConvFastKernel::compute_gemm(int threads, const cpu::ConvNhwcShape& s,
                                  const cpu::ConvNhwcOperands& op, std::vector<double>* out_sums,
                                  std::vector<float>* tile_sums) const {
  const cpu::BrgemmKernel& k = *gemm_;
  const int64_t mg = s.out_per_group();
  const bool flat = s.pointwise() || op.im2col;
  const int64_t pixels = flat ? s.batch * s.out_h * s.out_w : s.out_w;
  const int64_t rows = flat ? 1 : s.batch * s.out_h;
  // Pixel tiles of whole register rows, at most p_max pixels, spread evenly (196 pixels in
  // rows of 12: 48, 48, 48, 52, not 60, 60, 60, 16, which left one of two threads idle for a
  // third of MobileNetV2's 14x14 projections).
  const int64_t p_max = flat ? kFlatTilePixels : kRowTilePixels;
  EvenTiles px = EvenTiles::at_most(pixels, k.mr, p_max / k.mr);
  // Few pixel tiles (small images): one panel per channel block, so that the threads share the
  // output channels. The tiling does not change any element's arithmetic.
  const int64_t channel_tile = rows * px.count < kFewPixelTiles ? k.nr : kChannelTile;
  const EvenTiles ch = EvenTiles::at_most(mg, k.nr, channel_tile / k.nr);
  const int64_t inner = s.group * ch.count;  // (group, channel block) per pixel tile
  // Tile order: pixel tiles outer (each tile's input stays in cache while the channel blocks
  // sweep it, and each thread writes whole output pixels, which the next layer's same thread
  // mostly reads), or, when the packed weights outweigh the input and are too large for L2 (a
  // 1x1 layer with wide channels on a small image), channel blocks outer, so each thread
  // streams only its share of the weights, once, and reuses each block across all pixel tiles.
  // Either way every tile computes its outputs whole, so the order changes no result.
  const int64_t w_floats = s.out_c * s.in_per_group() * s.taps();
  const bool channels_outer = w_floats * 4 >= kChannelsOuterMinWeightBytes &&
                              w_floats > s.batch * s.padded_h() * s.padded_w() * s.in_c;
  const auto outer_of = [&](int64_t i, int64_t tiles) {
    return channels_outer ? i % tiles : i / inner;
  };
  const auto inner_of = [&](int64_t i, int64_t tiles) {
    return channels_outer ? i / tiles : i % inner;
  };
  // Threads take contiguous runs of tiles of equal work (pixels x channels). While the best
  // cut still leaves a thread more than 5% over its share (few tiles: EfficientNet-Lite0's 7x7
  // projections had one pixel tile and three panels), the pixel tiles are cut finer.
  std::vector<double> work;
  const auto weigh = [&] {  // prefix sums in item order, from the tiles' lengths
    std::vector<double> pl(static_cast<size_t>(px.count)), cl(static_cast<size_t>(inner));
    for (int64_t p = 0; p < px.count; ++p) pl[static_cast<size_t>(p)] = static_cast<double>(px.len(p));
    for (int64_t c = 0; c < inner; ++c)
      cl[static_cast<size_t>(c)] = static_cast<double>(ch.len(c % ch.count));
    const auto add = [&](int64_t p, int64_t c) {
      work.push_back(work.back() + pl[static_cast<size_t>(p)] * cl[static_cast<size_t>(c)]);
    };
    work.assign(1, 0.0);
    work.reserve(static_cast<size_t>(rows * px.count * inner) + 1);
    if (channels_outer) {
      for (int64_t c = 0; c < inner; ++c)
        for (int64_t r = 0; r < rows; ++r)
          for (int64_t p = 0; p < px.count; ++p) add(p, c);
    } else {
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t p = 0; p < px.count; ++p)
          for (int64_t c = 0; c < inner; ++c) add(p, c);
    }
  };
  weigh();
  // Many tiles balance whatever their sizes; the check matters only for few.
  while (threads > 1 && px.count < px.units() && rows * px.count * inner < 16 * threads &&
         cut_imbalance(work, balanced_cuts(work, threads)) > 1.05) {
    ++px.count;
    weigh();
  }
  const int64_t tiles = rows * px.count;
  // Global ABFT: one sum slot per tile, added up in order afterwards (thread-count independent).
  if (out_sums) out_sums->assign(static_cast<size_t>(tiles * inner), 0.0);
  const int64_t slot = 2 * s.taps() * s.in_c;  // a tile's [2][taps][in_c] input sums
  const bool sum_inputs = tile_sums &&
                          conv_global_sums_in_tiles(s.out_c, s.in_per_group(), s.group) &&
                          tiles * slot <= kConvTileSumsMaxFloats;
  if (tile_sums) tile_sums->assign(sum_inputs ? static_cast<size_t>(tiles * slot) : 0, 0.0f);
  const cpu::EltwiseKernel& ek = cpu::eltwise_select();
  parallel_for_stealing(threads, work, [&](int64_t i, int64_t next_i) {
    const int64_t outer = outer_of(i, tiles), in = inner_of(i, tiles);
    const int64_t row = outer / px.count, pb = outer % px.count;
    cpu::ConvNhwcTile t;
    t.img = row / s.out_h;
    t.oh = row % s.out_h;
    t.ow0 = px.start(pb);
    t.ow_len = px.len(pb);
    t.group = in / ch.count;
    t.n0 = ch.start(in % ch.count);
    t.n_len = ch.len(in % ch.count);
    if (next_i >= 0) {  // the thread's next tile, whose weights the BRGEMM prefetches
      const int64_t next = inner_of(next_i, tiles);
      t.next_group = next / ch.count;
      t.next_n0 = ch.start(next % ch.count);
    }
    if (out_sums) t.out_sum = &(*out_sums)[static_cast<size_t>(i)];
    cpu::conv_nhwc_tile(s, k, op, t);
    if (sum_inputs && t.n0 == 0) {
      float* sums = tile_sums->data() + outer * slot;
      add_tile_tap_sums(ek, s, op, t, sums, sums + slot / 2);
    }
  });
}

// The global check (abft.md §3): the sum of the pre-epilogue outputs against
// sum_{c,tap} wsum[c,tap] * S[c,tap], S the per-tap sums of the padded input over the positions
// the outputs read (exact for padding, stride, dilation and groups). Roundings counted: the
// K = taps * C/group term dot of every output, one add per K block, the register tile's sum
// (mr * nr / lanes registers, 16 lanes), and the checksum side: the fp32 tile sums' roundings
// (sum_rounds, against the |.| sums that make up `scale`), then fp64 (negligible, covered by
// the margin).
Status ConvFastKernel::verify_global(KernelContext& ctx, const cpu::ConvNhwcShape& s,
                                     const float* xp, const std::vector<double>& out_sums,
                                     const std::vector<float>& tile_sums,
                                     const float* w_now) const {
  abft::ConvChecksumShape c;
  c.batch = s.batch;
  c.padded_h = s.padded_h();
  c.padded_w = s.padded_w();
  c.channels = s.in_c;
  c.kernel_h = s.kernel_h;
  c.kernel_w = s.kernel_w;
  c.stride_h = s.stride_h;
  c.stride_w = s.stride_w;
  c.dilation_h = s.dilation_h;
  c.dilation_w = s.dilation_w;
  c.out_h = s.out_h;
  c.out_w = s.out_w;
  c.group = s.group;
  c.out_c = s.out_c;
  SF_TRY(abft::conv_checksum_validate(c));
  std::vector<double> wsum_now, wabs_now;
  const double* wsum = wsum_.data();
  const double* wabs = wabs_.data();
  if (w_now) {  // weights packed per run: their checksums too
    weight_checksums(w_now, wsum_now, wabs_now);
    wsum = wsum_now.data();
    wabs = wabs_now.data();
  }
  const size_t n = static_cast<size_t>(s.in_c * s.taps());
  std::vector<double> sum(n), abs(n);
  const int64_t taps = s.taps(), cin = s.in_c;
  // The fp32 tile sums each add at most a tile's pixels per column (a depthwise tile is one
  // output row): their rounding error is within that many roundings of the |.| sums, counted below.
  const int64_t tile_rows = depthwise_ ? s.out_w : std::max(kRowTilePixels, kFlatTilePixels);
  int64_t sum_rounds = 0;
  if (!tile_sums.empty()) {  // the per-tile sums, [tile][2][taps][in_c]
    // Added up tile by tile in the slots' own order (contiguous, vectorised; each element in
    // tile order on whichever thread owns its range, so the result is thread-count independent),
    // then transposed to [in_c][taps]. A strided scalar loop here cost more than the layer on
    // small depthwise layers with many channels.
    const int64_t slot = 2 * taps * cin, tiles = static_cast<int64_t>(tile_sums.size()) / slot;
    std::vector<double> acc(static_cast<size_t>(slot), 0.0);
    constexpr int64_t kRange = 4096;
    parallel_for(std::max(1, ctx.threads), (slot + kRange - 1) / kRange, [&](int64_t b, int64_t e) {
      const int64_t lo = b * kRange, hi = std::min(slot, e * kRange);
      for (int64_t t = 0; t < tiles; ++t) {
        const float* ts = tile_sums.data() + t * slot;
        for (int64_t i = lo; i < hi; ++i) acc[static_cast<size_t>(i)] += ts[i];
      }
    });
    for (int64_t tap = 0; tap < taps; ++tap)
      for (int64_t ch = 0; ch < cin; ++ch) {
        sum[static_cast<size_t>(ch * taps + tap)] = acc[static_cast<size_t>(tap * cin + ch)];
        abs[static_cast<size_t>(ch * taps + tap)] = acc[static_cast<size_t>(slot / 2 + tap * cin + ch)];
      }
    sum_rounds = tile_rows;
  } else {
    std::vector<double> scratch(static_cast<size_t>(abft::conv_tap_sums_scratch(c)));
    abft::conv_input_tap_sums(c, xp, scratch.data(), sum.data(), abs.data(), std::max(1, ctx.threads));
  }
  const abft::ConvChecksum chk = abft::conv_checksum(c, wsum, wabs, sum.data(), abs.data());
  double result = 0;
  for (double v : out_sums) result += v;
  const int64_t k = s.taps() * s.in_per_group();
  // Depthwise: the taps' multiply-adds, then the fp32 adds of the kernel's output sum.
  const int64_t k_blocks =
      depthwise_ ? 0 : (s.tap_k() + cpu::conv_nhwc_k_block(s) - 1) / cpu::conv_nhwc_k_block(s);
  const double sum_of_tile = depthwise_ ? static_cast<double>(cpu::kDepthwiseOutSumAdds)
                                        : static_cast<double>(gemm_->mr * gemm_->nr);
  const double rounds = static_cast<double>(k + k_blocks + sum_rounds) + sum_of_tile + 32;
  abft::CheckResult& r = *ctx.abft;
  r.result = result;
  r.checksum = chk.expected;
  const double products = static_cast<double>(s.batch * s.out_h * s.out_w) *
                          static_cast<double>(s.out_c) * static_cast<double>(k);
  r.tolerance = checksum_tolerance(rounds, chk.scale, products);
  r.verified = checksum_verifiable(r.checksum, r.tolerance);
  r.passed = checksum_agrees(r.result, r.checksum, r.tolerance);
  return Status::ok();
}

// Where a padded depthwise layer's windows cross the rim (compute_depthwise's pad_as_needed).
struct RimPlan {
  const cpu::ConvNhwcShape& s;
  int64_t window_h, window_w;
  // Output columns [ow_lo, ow_hi) read only input columns: ow * stride_w - pad_left >= 0 and
  // ow * stride_w - pad_left + window_w <= in_w.
  int64_t ow_lo, ow_hi;
  // Output row oh crosses the top or bottom rim (or no column is interior): padded whole.
  bool rim_row(int64_t oh) const {
    const int64_t ih = oh * s.stride_h - s.pad_top;
    return ih < 0 || ih + window_h > s.in_h || ow_hi == ow_lo;
  }
  // Padded columns the windows of output columns [o0, o1) of a row span.
  int64_t patch_cols(int64_t o0, int64_t o1) const {
    return o1 > o0 ? (o1 - 1 - o0) * s.stride_w + window_w : 0;
  }
  // Padded pixels one image's patches copy: against padded_h * padded_w for a whole padded copy.
  int64_t patch_pixels() const {
    int64_t n = 0;
    for (int64_t oh = 0; oh < s.out_h; ++oh)
      n += window_h * (rim_row(oh) ? patch_cols(0, s.out_w)
                                   : patch_cols(0, ow_lo) + patch_cols(ow_hi, s.out_w));
    return n;
  }
};

RimPlan rim_plan(const cpu::ConvNhwcShape& s) {
  const int64_t window_h = (s.kernel_h - 1) * s.dilation_h + 1;
  const int64_t window_w = (s.kernel_w - 1) * s.dilation_w + 1;
  const int64_t ow_lo = std::min(s.out_w, (s.pad_left + s.stride_w - 1) / s.stride_w);
  const int64_t ow_hi =
      s.in_w + s.pad_left < window_w
          ? ow_lo
          : std::clamp<int64_t>((s.in_w + s.pad_left - window_w) / s.stride_w + 1, ow_lo, s.out_w);
  return {s, window_h, window_w, ow_lo, ow_hi};
}

// Global ABFT of a depthwise layer: the kernel adds each output row's pre-epilogue sum into the
// row's slot of out_sums, and right after it the row's input windows are summed per tap (fp32
// column sums and |.| sums, eltwise kColSumAbs, while the rows are in cache) into the row's
// [2][taps][C] slot of tile_sums; rows whose slots would exceed kConvTileSumsMaxFloats leave
// tile_sums empty and verify_global makes its summed-area pass instead.
// With pad_as_needed, op.x is the unpadded input and nothing is padded up front: the output
// pixels whose windows lie inside the input read it in place (the kernel's row stride is then
// the input's), and only the windows that cross the rim (the first and last output rows, the
// first and last columns of the others) are padded into a small per-thread patch (pooled
// scratch). The taps and their order are the same, so the outputs are the same bits as from a
// padded copy; but the layer reads its input once, instead of copying it whole into scratch and
// reading the copy back (on MobileNetV2's 112x112x96 layer that copy and re-read cost more than
// the arithmetic).
Status ConvFastKernel::compute_depthwise(int threads, const cpu::ConvNhwcShape& s,
                                         const cpu::ConvNhwcOperands& op, bool pad_as_needed,
                                         std::vector<double>* out_sums,
                                         std::vector<float>* tile_sums) const {
  const int64_t c = s.in_c, row_floats = s.out_w * c, rows = s.batch * s.out_h;
  const int64_t slot = 2 * s.taps() * c;
  const RimPlan rim = rim_plan(s);
  const int64_t window_h = rim.window_h, ow_lo = rim.ow_lo, ow_hi = rim.ow_hi;
  if (out_sums) out_sums->assign(static_cast<size_t>(rows), 0.0);
  const bool sum_inputs = tile_sums && rows * slot <= kConvTileSumsMaxFloats;
  if (tile_sums) tile_sums->assign(sum_inputs ? static_cast<size_t>(rows * slot) : 0, 0.0f);
  const cpu::EltwiseKernel& ek = cpu::eltwise_select();
  const int64_t patch_floats = pad_as_needed ? window_h * s.padded_w() * c : 0;
  const bool ran = parallel_for_with_scratch(threads, rows, patch_floats,
                                             [&](int64_t b, int64_t e, float* patch) {
    for (int64_t r = b; r < e; ++r) {
      const int64_t img = r / s.out_h, oh = r % s.out_h;
      cpu::DepthwiseRowArgs a;
      a.padded_w = s.padded_w();
      a.channels = c;
      a.kernel_h = s.kernel_h;
      a.kernel_w = s.kernel_w;
      a.stride_w = s.stride_w;
      a.dilation_h = s.dilation_h;
      a.dilation_w = s.dilation_w;
      a.out_w = s.out_w;
      a.weights = op.packed_w;
      a.bias = op.bias;
      a.residual = op.residual ? op.residual + r * row_floats : nullptr;
      a.dst = op.y + r * row_floats;
      a.act = op.act;
      if (out_sums) a.out_sum = &(*out_sums)[static_cast<size_t>(r)];
      if (!patch) {
        a.src = op.x + (img * s.padded_h() + oh * s.stride_h) * s.padded_w() * c;
        dw_->fn(a);
        if (!sum_inputs) continue;
        float* sum = tile_sums->data() + r * slot;
        add_window_tap_sums(ek, s, a.src, op.tap_offsets, s.out_w, 0, c, sum, sum + slot / 2);
        continue;
      }
      const int64_t prow = oh * s.stride_h;
      // Output columns [o0, o1) from the padded patch of their windows.
      const auto from_patch = [&](int64_t o0, int64_t o1) {
        if (o1 <= o0) return;
        const int64_t pcol = o0 * s.stride_w, cols = rim.patch_cols(o0, o1);
        cpu::conv_nhwc_pad_patch(s, op.x, img, prow, window_h, pcol, cols, patch);
        cpu::DepthwiseRowArgs p = a;
        p.src = patch;
        p.padded_w = cols;
        p.out_w = o1 - o0;
        p.dst = a.dst + o0 * c;
        if (a.residual) p.residual = a.residual + o0 * c;
        dw_->fn(p);
      };
      if (rim.rim_row(oh)) {
        from_patch(0, s.out_w);
        continue;
      }
      const int64_t ih = prow - s.pad_top;
      from_patch(0, ow_lo);
      cpu::DepthwiseRowArgs p = a;
      p.src = op.x + ((img * s.in_h + ih) * s.in_w + ow_lo * s.stride_w - s.pad_left) * c;
      p.padded_w = s.in_w;
      p.out_w = ow_hi - ow_lo;
      p.dst = a.dst + ow_lo * c;
      if (a.residual) p.residual = a.residual + ow_lo * c;
      dw_->fn(p);
      from_patch(ow_hi, s.out_w);
    }
  });
  if (!ran) return resource_limit("out of memory for a depthwise padding patch");
  return Status::ok();
}

Status ConvFastKernel::bind_operands(KernelContext& ctx, const cpu::ConvNhwcShape& s,
                                     const Shape& y_shape, cpu::ConvNhwcOperands& op,
                                     Tensor& r_nhwc, Tensor& w_packed) const {
  const bool cl = spec_.channels_last;
  const int64_t out_hw = s.out_h * s.out_w;
  if (ctx.has(2)) {
    if (ctx.input(2).numel() != s.out_c) return ctx.error("bias must have one value per output channel");
    op.bias = ctx.input(2).data<float>();
  }
  if (ctx.has(3)) {
    const Tensor& r = ctx.input(3);
    if (r.shape() != y_shape)
      return ctx.error("residual " + shape_str(r.shape()) + " must have the output's shape " +
                       shape_str(y_shape));
    op.residual = r.data<float>();
    if (!cl) {
      SF_ASSIGN_OR_RETURN(r_nhwc, scratch(ctx, {s.batch, s.out_h, s.out_w, s.out_c}));
      to_nhwc(std::max(1, ctx.threads), r.data<float>(), s.batch, s.out_c, out_hw, r_nhwc.data<float>());
      op.residual = r_nhwc.data<float>();
    }
  }
  if (packed_.empty()) {
    const Tensor& w = ctx.input(1);
    if (w.dtype() != DType::kF32 || w.numel() != packed_weight_elems())
      return ctx.error("weights must be float32 " +
                       shape_str({spec_.out_c, spec_.in_per_group, spec_.kernel_h, spec_.kernel_w}));
    SF_ASSIGN_OR_RETURN(w_packed, scratch(ctx, {packed_floats()}));
    pack_into(w.data<float>(), w_packed.data<float>());
    op.packed_w = w_packed.data<float>();
  } else {
    op.packed_w = packed_.data();
  }
  return Status::ok();
}

Status ConvFastKernel::run(KernelContext& ctx) const {
  const Tensor& x = ctx.input(0);
  if (x.dtype() != DType::kF32) return ctx.error("fast convolution needs float32 input");
  auto got = geometry(x.shape());
  if (!got) return ctx.error(got.status().message());
  const cpu::ConvNhwcShape& s = *got;
  const bool cl = spec_.channels_last;
  const Shape y_shape = cl ? Shape{s.batch, s.out_h, s.out_w, s.out_c}
                           : Shape{s.batch, s.out_c, s.out_h, s.out_w};
  SF_ASSIGN_OR_RETURN(Tensor * y, ctx.output(0, DType::kF32, y_shape));
  if (y->numel() == 0) return Status::ok();
  const int threads = std::max(1, ctx.threads);
  const int64_t in_hw = s.in_h * s.in_w, out_hw = s.out_h * s.out_w;

  cpu::ConvNhwcOperands op;
  op.act = spec_.act;
  Tensor x_nhwc, x_pad, r_nhwc, y_nhwc, w_packed;
  const float* xp = x.data<float>();
  if (!cl) {
    SF_ASSIGN_OR_RETURN(x_nhwc, scratch(ctx, {s.batch, s.in_h, s.in_w, s.in_c}));
    to_nhwc(threads, xp, s.batch, s.in_c, in_hw, x_nhwc.data<float>());
    xp = x_nhwc.data<float>();
  }
  // Depthwise layers pad only the windows that cross the rim, as they go, unless the global
  // check needs the whole padded input for its sums, or the rim's patches would copy more than
  // a whole padded copy: small images, large kernels (5x5 on 14x14: 960 against 324 pixels a
  // channel; EfficientNet-Lite0's 5x5 layers at 14x14 and 7x7 took 12-26 us less each from a
  // padded copy, 2 threads).
  const bool global = ctx.abft && abft_ == abft::Scheme::kGlobal;
  const bool pad_as_needed = depthwise_ && s.padded() && !global &&
                             rim_plan(s).patch_pixels() < s.padded_h() * s.padded_w();
  if (s.padded() && !pad_as_needed) {
    SF_ASSIGN_OR_RETURN(x_pad, scratch(ctx, {s.batch, s.padded_h(), s.padded_w(), s.in_c}));
    float* dst = x_pad.data<float>();
    parallel_for(threads, s.batch * s.padded_h(), [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) cpu::conv_nhwc_pad_row(s, xp, dst, i / s.padded_h(), i % s.padded_h());
    });
    xp = dst;
  }
  op.x = xp;
  SF_TRY(bind_operands(ctx, s, y_shape, op, r_nhwc, w_packed));
  Tensor checks_now;
  cpu::TileCheckLog tile_log;
  if (ctx.abft && abft_ == abft::Scheme::kTile) {
    op.checks = checks_.data();
    if (packed_.empty()) {
      SF_ASSIGN_OR_RETURN(checks_now,
                          scratch(ctx, {cpu::conv_nhwc_check_floats(weight_shape(), gemm_->nr)}));
      cpu::conv_nhwc_pack_checks(weight_shape(), gemm_->nr, op.packed_w, checks_now.data<float>());
      op.checks = checks_now.data<float>();
    }
    op.log = &tile_log;
  }
  if (cl) {
    op.y = y->data<float>();
  } else {
    SF_ASSIGN_OR_RETURN(y_nhwc, scratch(ctx, {s.batch, s.out_h, s.out_w, s.out_c}));
    op.y = y_nhwc.data<float>();
  }
  std::vector<double> out_sums;
  std::vector<float> tile_sums;
  const float* xp_checked = op.x;  // the padded input the checksum sums (before any im2col)
  std::vector<int64_t> offsets;
  op.tap_offsets = tap_offsets(x.shape(), s, offsets);
  if (depthwise_) {
    const Status st = compute_depthwise(threads, s, op, pad_as_needed,
                                        global ? &out_sums : nullptr, global ? &tile_sums : nullptr);
    if (!st.is_ok()) return ctx.error(st.message());
  } else {
    Tensor cols;
    if (cpu::conv_nhwc_use_im2col(s, gemm_->mr)) {
      SF_ASSIGN_OR_RETURN(cols, scratch(ctx, {cpu::conv_nhwc_im2col_floats(s)}));
      float* dst = cols.data<float>();
      const float* src = op.x;
      const int64_t pixels = s.batch * s.out_h * s.out_w;
      parallel_for(threads, pixels, [&](int64_t b, int64_t e) {
        cpu::conv_nhwc_im2col_rows(s, src, dst, b, e);
      });
      op.x = dst;
      op.im2col = true;
    }
    compute_gemm(threads, s, op, global ? &out_sums : nullptr, global ? &tile_sums : nullptr);
  }
  if (op.log) report_tiles(tile_log, *ctx.abft);
  if (global)
    SF_TRY(verify_global(ctx, s, xp_checked, out_sums, tile_sums,
                         packed_.empty() ? ctx.input(1).data<float>() : nullptr));
  if (!cl) to_nchw(threads, op.y, s.batch, s.out_c, out_hw, y->data<float>());
  return Status::ok();
}

std::optional<Region> ConvFastKernel::output_region(
    const std::vector<const Tensor*>& in, const std::vector<std::optional<Region>>& changed) const {
  if (depthwise_ || !spec_.channels_last || in.empty() || !in[0]) return std::nullopt;
  for (size_t i = 1; i < changed.size(); ++i)
    if (changed[i] && i != 3) return std::nullopt;  // weights or bias
  auto s = geometry(in[0]->shape());
  if (!s) return std::nullopt;
  Region out;
  if (changed[0]) {
    const Region& c = *changed[0];
    const auto [y0, y1] = window_reach(c.y0, c.y1, s->kernel_h, s->stride_h, s->dilation_h,
                                       s->pad_top, s->out_h);
    const auto [x0, x1] = window_reach(c.x0, c.x1, s->kernel_w, s->stride_w, s->dilation_w,
                                       s->pad_left, s->out_w);
    out = Region{y0, y1, x0, x1};
  }
  if (changed.size() > 3 && changed[3]) out = out.unite(changed[3]->clip(s->out_h, s->out_w));
  return out;
}

// The tiles of run()'s compute_gemm that hold region r, computed the same way (every output
// element's sum runs over the same taps and channels in the same order whatever the tiling), on
// one thread: fault campaigns run one single-threaded session per core.
Status ConvFastKernel::run_region(KernelContext& ctx, const Region& r) const {
  if (depthwise_ || !spec_.channels_last) return ctx.error("no region runs for this convolution");
  const Tensor& x = ctx.input(0);
  if (x.dtype() != DType::kF32) return ctx.error("fast convolution needs float32 input");
  auto got = geometry(x.shape());
  if (!got) return ctx.error(got.status().message());
  const cpu::ConvNhwcShape& s = *got;
  const Shape y_shape{s.batch, s.out_h, s.out_w, s.out_c};
  Tensor& y = ctx.output(0);
  if (y.dtype() != DType::kF32 || y.shape() != y_shape)
    return ctx.error("region run needs the output allocated as " + shape_str(y_shape));
  const Region o = r.clip(s.out_h, s.out_w);
  if (o.empty()) return Status::ok();
  cpu::ConvNhwcOperands op;
  op.act = spec_.act;
  op.y = y.data<float>();
  Tensor x_pad, r_nhwc, w_packed, cols;
  const float* xp = x.data<float>();
  if (s.padded()) {  // only the padded rows the region's windows read
    SF_ASSIGN_OR_RETURN(x_pad, scratch(ctx, {s.batch, s.padded_h(), s.padded_w(), s.in_c}));
    const int64_t p0 = o.y0 * s.stride_h;
    const int64_t p1 = std::min(s.padded_h(), (o.y1 - 1) * s.stride_h + (s.kernel_h - 1) * s.dilation_h + 1);
    for (int64_t img = 0; img < s.batch; ++img)
      for (int64_t prow = p0; prow < p1; ++prow)
        cpu::conv_nhwc_pad_row(s, xp, x_pad.data<float>(), img, prow);
    xp = x_pad.data<float>();
  }
  op.x = xp;
  SF_TRY(bind_operands(ctx, s, y_shape, op, r_nhwc, w_packed));
  std::vector<int64_t> offsets;
  op.tap_offsets = tap_offsets(x.shape(), s, offsets);
  const bool flat = s.pointwise() || cpu::conv_nhwc_use_im2col(s, gemm_->mr);
  // Tiles: a run of one output row each, or for the flat operands runs of flat pixels that
  // may span rows (region_runs), per image; every channel block of every group.
  std::vector<std::pair<int64_t, int64_t>> runs;
  for (int64_t img = 0; img < s.batch; ++img) {
    const int64_t base = img * s.out_h * s.out_w;
    if (flat) {
      for (const auto& [b, e] : region_runs(o, s.out_w)) runs.emplace_back(base + b, base + e);
    } else {
      for (int64_t row = o.y0; row < o.y1; ++row)
        runs.emplace_back(base + row * s.out_w + o.x0, base + row * s.out_w + o.x1);
    }
  }
  if (flat && !s.pointwise()) {
    SF_ASSIGN_OR_RETURN(cols, scratch(ctx, {cpu::conv_nhwc_im2col_floats(s)}));
    for (const auto& [b, e] : runs) cpu::conv_nhwc_im2col_rows(s, op.x, cols.data<float>(), b, e);
    op.x = cols.data<float>();
    op.im2col = true;
  }
  const cpu::BrgemmKernel& k = *gemm_;
  const EvenTiles ch = EvenTiles::at_most(s.out_per_group(), k.nr, kChannelTile / k.nr);
  for (const auto& [b, e] : runs)
    for (int64_t g = 0; g < s.group; ++g)
      for (int64_t cb = 0; cb < ch.count; ++cb) {
        cpu::ConvNhwcTile t;
        t.img = b / (s.out_h * s.out_w);
        t.oh = b / s.out_w % s.out_h;
        t.ow0 = flat ? b : b % s.out_w;
        t.ow_len = e - b;
        t.group = g;
        t.n0 = ch.start(cb);
        t.n_len = ch.len(cb);
        cpu::conv_nhwc_tile(s, k, op, t);
      }
  return Status::ok();
}

// Conv and FusedConv share everything but the activation and the layout flag.
Result<std::unique_ptr<PreparedKernel>> prepare_conv_like(const PrepareContext& ctx,
                                                          const ActivationSpec& act,
                                                          bool channels_last) {
  const ir::Node& n = ctx.node;
  const ir::TypeInfo* xt = ctx.input_type(0);
  if (!xt || xt->dtype != DType::kF32 || !xt->shape || xt->shape->size() != 4)
    return std::unique_ptr<PreparedKernel>();
  const Tensor* w = ctx.constant(1);
  const Shape* ws = w ? &w->shape() : ctx.static_input_shape(1);
  if (!ws || ws->size() != 4) return std::unique_ptr<PreparedKernel>();
  ConvFastSpec spec;
  spec.label = n.label();
  spec.attrs = n.attrs_as<ir::ConvAttrs>();
  spec.out_c = (*ws)[0];
  spec.in_per_group = (*ws)[1];
  spec.kernel_h = (*ws)[2];
  spec.kernel_w = (*ws)[3];
  spec.act = act;
  spec.channels_last = channels_last;
  // The portable BRGEMM variant is slower than the reference's im2col + auto-vectorised GEMM;
  // the depthwise kernels have their own vector variants.
  if (!conv_is_depthwise(spec) && cpu::brgemm_select().isa == Isa::kScalar)
    return std::unique_ptr<PreparedKernel>();
  return make_conv_fast_kernel(spec, ctx.opts.pack_weights ? w : nullptr, ctx.abft,
                               ctx.static_input_shape(0));
}

Result<std::unique_ptr<PreparedKernel>> prepare_conv(const PrepareContext& ctx) {
  return prepare_conv_like(ctx, ActivationSpec{}, false);
}

Result<std::unique_ptr<PreparedKernel>> prepare_fused_conv(const PrepareContext& ctx) {
  const auto& a = ctx.node.attrs_as<ir::FusedConvAttrs>();
  return prepare_conv_like(ctx, a.act, a.channels_last);
}

}  // namespace

bool conv_is_depthwise(int64_t out_c, int64_t in_per_group, int64_t group) {
  return group > 1 && in_per_group == 1 && out_c == group;
}

bool conv_is_depthwise(const ConvFastSpec& spec) {
  return conv_is_depthwise(spec.out_c, spec.in_per_group, spec.attrs.group);
}

bool conv_global_sums_in_tiles(int64_t out_c, int64_t in_per_group, int64_t group) {
  return !conv_is_depthwise(out_c, in_per_group, group) && group > 0 &&
         out_c / group >= kConvTileSumsMinOutPerGroup;
}

Result<std::unique_ptr<PreparedKernel>> make_conv_fast_kernel(const ConvFastSpec& spec,
                                                              const Tensor* weights,
                                                              abft::Scheme abft,
                                                              const Shape* static_x) {
  const int64_t group = spec.attrs.group;
  if (group < 1 || spec.out_c < 1 || spec.in_per_group < 1 || spec.kernel_h < 1 ||
      spec.kernel_w < 1 || spec.out_c % group != 0)
    return std::unique_ptr<PreparedKernel>();
  for (int64_t p : spec.attrs.pads)
    if (p < 0) return std::unique_ptr<PreparedKernel>();
  if (weights && weights->dtype() != DType::kF32) return std::unique_ptr<PreparedKernel>();
  auto k = std::make_unique<ConvFastKernel>(spec, conv_is_depthwise(spec), abft);
  if (weights) k->pack(*weights);
  if (static_x) k->expect_input(*static_x);
  return std::unique_ptr<PreparedKernel>(std::move(k));
}

void register_conv_fast_kernels() {
  register_fast_kernel(ir::OpKind::kConv, prepare_conv);
  register_fast_kernel(ir::OpKind::kFusedConv, prepare_fused_conv);
}

}  // namespace sf::rt
