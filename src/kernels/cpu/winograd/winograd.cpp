// Winograd variant list, filter transform and the per-block driver (see winograd.hpp). Built
// without ISA flags: the transforms it calls come from the selected WinogradKernel.
#include "kernels/cpu/winograd/winograd.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "core/fp_bounds.hpp"

namespace sf::cpu {

#define SF_WINOGRAD(isa, level)                                                             \
  void winograd_input_f23__##isa(const float*, int64_t, int64_t, int64_t, float*, int64_t); \
  void winograd_input_f43__##isa(const float*, int64_t, int64_t, int64_t, float*, int64_t); \
  void winograd_output_f23__##isa(const WinogradOutputArgs&);                               \
  void winograd_output_f43__##isa(const WinogradOutputArgs&);                               \
  void winograd_column_sums__##isa(const float*, int64_t, int64_t, int64_t, float*, float*);
#include "kernels/cpu/winograd/kernels.inc"
#undef SF_WINOGRAD

namespace {

constexpr WinogradKernel kKernels[] = {
#define SF_WINOGRAD(isa, level)                            \
  {#isa,                                                   \
   Isa::level,                                             \
   {winograd_input_f23__##isa, winograd_input_f43__##isa}, \
   {winograd_output_f23__##isa, winograd_output_f43__##isa}, \
   winograd_column_sums__##isa},
#include "kernels/cpu/winograd/kernels.inc"
#undef SF_WINOGRAD
};

// G of F(2,3) and F(4,3) (alpha x 3), in double so U is rounded once.
constexpr double kG23[4][3] = {{1, 0, 0}, {0.5, 0.5, 0.5}, {0.5, -0.5, 0.5}, {0, 0, 1}};
constexpr double kG43[6][3] = {{1, 0, 0},
                               {-1.0 / 3, -1.0 / 3, -1.0 / 3},
                               {1.0 / 3, -1.0 / 3, 1.0 / 3},
                               {1.0 / 15, 2.0 / 15, 4.0 / 15},
                               {-16.0 / 15, 8.0 / 15, -4.0 / 15},
                               {0, 0, 1}};

// Half of a 1 MiB L2 (Zen 4/5, Sapphire Rapids have 1-2 MiB) for a block's V and M.
constexpr int64_t kBlockBudgetFloats = (int64_t{512} << 10) / 4;
constexpr int64_t kMinBlockTiles = 8, kMaxBlockTiles = 256;

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// Copies the alpha x alpha window at (ih0, iw0) of image img, zero outside the image, into patch
// as [alpha][alpha][c] (channels contiguous, as the input transform reads it).
void gather_patch(const WinogradConv& p, const float* x, int64_t img, int64_t ih0, int64_t iw0,
                  float* patch) {
  const int alpha = winograd_alpha(p.tile);
  if (p.channels_last) {
    for (int i = 0; i < alpha; ++i)
      for (int j = 0; j < alpha; ++j) {
        float* d = patch + (i * alpha + j) * p.c;
        const int64_t hh = ih0 + i, ww = iw0 + j;
        if (hh < 0 || hh >= p.h || ww < 0 || ww >= p.w)
          std::fill(d, d + p.c, 0.0f);
        else
          std::memcpy(d, x + ((img * p.h + hh) * p.w + ww) * p.c, p.c * sizeof(float));
      }
  } else {  // channel planes: read each plane's alpha x alpha window row by row
    // Columns [j0, j1) of the window lie inside the image (pads may exceed the image size).
    const int64_t j0 = std::clamp<int64_t>(-iw0, 0, alpha);
    const int64_t j1 = std::clamp<int64_t>(p.w - iw0, j0, alpha);
    for (int64_t ch = 0; ch < p.c; ++ch) {
      const float* plane = x + (img * p.c + ch) * p.h * p.w;
      for (int i = 0; i < alpha; ++i) {
        float* d = patch + i * alpha * p.c + ch;
        const int64_t hh = ih0 + i;
        if (hh < 0 || hh >= p.h) {
          for (int j = 0; j < alpha; ++j) d[j * p.c] = 0.0f;
          continue;
        }
        const float* row = plane + hh * p.w;
        for (int64_t j = 0; j < j0; ++j) d[j * p.c] = 0.0f;
        for (int64_t j = j0; j < j1; ++j) d[j * p.c] = row[iw0 + j];
        for (int64_t j = j1; j < alpha; ++j) d[j * p.c] = 0.0f;
      }
    }
  }
}

}  // namespace

const char* winograd_tile_name(WinogradTile t) { return t == WinogradTile::kF23 ? "f23" : "f43"; }

std::span<const WinogradKernel> winograd_kernels() { return kKernels; }

const WinogradKernel& winograd_select() {
  const Isa cap = max_isa();
  for (const WinogradKernel& k : kKernels)
    if (static_cast<int>(k.isa) <= static_cast<int>(cap)) return k;
  return kKernels[std::size(kKernels) - 1];
}

int64_t winograd_packed_u_floats(WinogradTile t, int64_t c, int64_t k, int nr) {
  const int64_t alpha = winograd_alpha(t);
  return alpha * alpha * packed_b_floats(c, k, nr);
}

void winograd_transform_filter(WinogradTile t, const float* w, int64_t k, int64_t c, int nr,
                               float* dst) {
  const int alpha = winograd_alpha(t);
  const int64_t per_pos = packed_b_floats(c, k, nr);
  std::fill(dst, dst + alpha * alpha * per_pos, 0.0f);  // the last panel's padding columns
  const double(*g)[3] = t == WinogradTile::kF23 ? kG23 : kG43;
  for (int64_t oc = 0; oc < k; ++oc)
    for (int64_t ic = 0; ic < c; ++ic) {
      const float* f = w + (oc * c + ic) * 9;
      double tmp[6][3];  // G f
      for (int a = 0; a < alpha; ++a)
        for (int s = 0; s < 3; ++s)
          tmp[a][s] = g[a][0] * f[s] + g[a][1] * f[3 + s] + g[a][2] * f[6 + s];
      // Packed B element (row ic, column oc) of position xi.
      const int64_t off = (oc / nr) * c * nr + ic * nr + oc % nr;
      for (int a = 0; a < alpha; ++a)
        for (int b = 0; b < alpha; ++b) {
          const double u = tmp[a][0] * g[b][0] + tmp[a][1] * g[b][1] + tmp[a][2] * g[b][2];
          dst[(a * alpha + b) * per_pos + off] = static_cast<float>(u);
        }
    }
}

int64_t winograd_u_check_floats(WinogradTile t, int64_t c, int64_t k, int nr) {
  const int64_t alpha = winograd_alpha(t);
  return alpha * alpha * ceil_div(k, nr) * 2 * c;
}

void winograd_pack_u_checks(WinogradTile t, const float* u, int64_t c, int64_t k, int nr,
                            float* dst) {
  const int64_t a2 = winograd_alpha(t) * winograd_alpha(t), panels = ceil_div(k, nr);
  const int64_t per_pos = packed_b_floats(c, k, nr), checks_pos = panels * 2 * c;
  for (int64_t xi = 0; xi < a2; ++xi)
    brgemm_pack_checks(u + xi * per_pos, panels, c, nr, dst + xi * checks_pos);
}

void winograd_u_sums(WinogradTile t, const float* u, int64_t c, int64_t k, int nr, double* sum,
                     double* abs) {
  const int64_t a2 = winograd_alpha(t) * winograd_alpha(t), panels = ceil_div(k, nr);
  const int64_t per_pos = packed_b_floats(c, k, nr);
  for (int64_t xi = 0; xi < a2; ++xi)
    for (int64_t ic = 0; ic < c; ++ic) {
      // Row ic of every panel; the padding columns past k are zeros and add nothing.
      double s = 0, a = 0;
      for (int64_t pi = 0; pi < panels; ++pi) {
        const float* row = u + xi * per_pos + (pi * c + ic) * nr;
        for (int j = 0; j < nr; ++j) s += row[j], a += std::fabs(row[j]);
      }
      sum[xi * c + ic] = s;
      abs[xi * c + ic] = a;
    }
}

namespace {
// |result - checksum| / tolerance, +infinity where it is not a finite number.
double check_ratio(const WinogradBlockCheck& c) {
  const double r = std::fabs(c.result - c.checksum) / c.tolerance;
  return std::isfinite(r) ? r : std::numeric_limits<double>::infinity();
}
}  // namespace

void winograd_check_merge(WinogradBlockCheck& into, const WinogradBlockCheck& c) {
  const bool verified = into.verified && c.verified, passed = into.passed && c.passed;
  bool take = !into.any;
  if (!take && into.passed != c.passed) take = !c.passed;
  else if (!take && into.verified != c.verified) take = c.verified;
  else if (!take) take = check_ratio(c) > check_ratio(into);
  if (take) into = c;
  into.verified = verified;
  into.passed = passed;
  into.any = true;
}

int64_t winograd_tile_count(const WinogradConv& p) {
  const int m = winograd_m(p.tile);
  return p.n * ceil_div(p.oh, m) * ceil_div(p.ow, m);
}

int64_t winograd_block_count(const WinogradConv& p) {
  const int64_t alpha = winograd_alpha(p.tile);
  const int64_t tiles = std::max<int64_t>(1, winograd_tile_count(p));
  const int64_t fit = std::clamp(kBlockBudgetFloats / (alpha * alpha * (p.c + p.k)), kMinBlockTiles,
                                 kMaxBlockTiles);
  if (fit >= tiles) return 1;
  // An even number of blocks: threads take whole blocks, so an odd count (F(4,3) on 27x27:
  // blocks of 22, 22 and 5 tiles) gave one of two threads 44 tiles and the other 5. The count
  // does not depend on the thread count, so neither do the tiles' results.
  return (ceil_div(tiles, fit) + 1) / 2 * 2;
}

int64_t winograd_block_tiles(const WinogradConv& p) {
  return ceil_div(std::max<int64_t>(1, winograd_tile_count(p)), winograd_block_count(p));
}

int64_t winograd_block_begin(const WinogradConv& p, int64_t b) {
  return b * winograd_tile_count(p) / winograd_block_count(p);
}

int64_t winograd_scratch_floats(const WinogradConv& p, int64_t block) {
  const int64_t alpha = winograd_alpha(p.tile), m = winograd_m(p.tile);
  // V, M, the gathered patch, the NCHW output stage, then the global check's V column sums.
  return alpha * alpha * block * (p.c + p.k) + alpha * alpha * p.c + m * m * p.k + 2 * p.c;
}

namespace {

// The BRGEMM's register lanes, for the count of roundings in its tile sums (brgemm_simd.hpp:
// mr * nr / lanes registers added in fp32, then the lanes). The scalar variant sums its elements
// in fp64; charging it mr * nr fp32 adds over-counts, which only loosens its bound.
int gemm_lanes(const BrgemmKernel& g) {
  switch (g.isa) {
    case Isa::kAvx512: return 16;
    case Isa::kAvx2: return 8;
    case Isa::kScalar: return 1;
  }
  return 1;
}

// sum_i x[i] * y[i] in fp64 with four partial sums (four independent add chains instead of one
// per position). The order is fixed, so is the result.
double dot_f64(const float* x, const double* y, int64_t n) {
  double s[4] = {0, 0, 0, 0};
  int64_t i = 0;
  for (; i + 4 <= n; i += 4)
    for (int j = 0; j < 4; ++j) s[j] += static_cast<double>(x[i + j]) * y[i + j];
  for (; i < n; ++i) s[0] += static_cast<double>(x[i]) * y[i];
  return (s[0] + s[1]) + (s[2] + s[3]);
}

}  // namespace

void winograd_conv_tiles(const WinogradConv& p, const WinogradKernel& transforms,
                         const BrgemmKernel& gemm, const float* u, const float* x, float* y,
                         int64_t tile_begin, int64_t tile_end, float* scratch,
                         const WinogradAbft* abft, WinogradBlockCheck* check) {
  const int alpha = winograd_alpha(p.tile), mt = winograd_m(p.tile);
  const int64_t a2 = alpha * alpha, nt = tile_end - tile_begin;
  const int64_t block = winograd_block_tiles(p);
  const int64_t tiles_w = ceil_div(p.ow, mt), tiles_img = ceil_div(p.oh, mt) * tiles_w;
  float* v = scratch;                    // [a2][block][c]
  float* mm = v + a2 * block * p.c;      // [a2][block][k]
  float* patch = mm + a2 * block * p.k;  // [alpha][alpha][c]
  float* stage = patch + a2 * p.c;       // [mt][mt][k] (NCHW outputs)
  float* v_sum = stage + mt * mt * p.k;  // [c] global check: V column sums, then of |V|
  float* v_abs = v_sum + p.c;
  const WinogradInputFn input = transforms.input[static_cast<int>(p.tile)];
  const WinogradOutputFn output = transforms.output[static_cast<int>(p.tile)];

  // 1. Input transform of every tile of the block.
  for (int64_t l = 0; l < nt; ++l) {
    const int64_t t = tile_begin + l, img = t / tiles_img, r = t % tiles_img;
    const int64_t ih0 = (r / tiles_w) * mt - p.pad_top, iw0 = (r % tiles_w) * mt - p.pad_left;
    const bool inside = ih0 >= 0 && iw0 >= 0 && ih0 + alpha <= p.h && iw0 + alpha <= p.w;
    if (p.channels_last && inside) {
      input(x + ((img * p.h + ih0) * p.w + iw0) * p.c, p.w * p.c, p.c, p.c, v + l * p.c,
            block * p.c);
      continue;
    }
    gather_patch(p, x, img, ih0, iw0, patch);
    input(patch, alpha * p.c, p.c, p.c, v + l * p.c, block * p.c);
  }

  // 2. alpha^2 independent GEMMs [nt x c] x [c x k], each under the checks asked for.
  const int64_t u_pos = packed_b_floats(p.c, p.k, gemm.nr);
  const int64_t checks_pos = ceil_div(p.k, gemm.nr) * 2 * p.c;
  const bool tile_checks = abft && abft->u_checks && gemm.abft;
  const bool global = abft && abft->u_sum && check;
  // The rounding count of the global bound (winograd.hpp): C-term dots, the kernel's tile sums,
  // the fp32 V column sums over nt tiles, the fp64 steps.
  const int lanes = gemm_lanes(gemm);
  const double n_round = static_cast<double>(p.c) + gemm.mr * gemm.nr / lanes + lanes +
                         static_cast<double>(nt) + 4;
  if (global) *check = WinogradBlockCheck{};
  for (int64_t xi = 0; xi < a2; ++xi) {
    BrgemmArgs g;
    g.m = nt;
    g.n = p.k;
    g.k = p.c;
    g.batch = 1;
    g.a = BrgemmBlocks::strided(v + xi * block * p.c, 0);
    g.lda = p.c;
    g.b = BrgemmBlocks::strided(u + xi * u_pos, 0);
    g.c = mm + xi * block * p.k;
    g.ldc = p.k;
    BrgemmAbft ab;
    BrgemmBlocks cols;
    double m_sum = 0;
    if (tile_checks) {
      cols = BrgemmBlocks::strided(abft->u_checks + xi * checks_pos, 0);
      ab.checks = &cols;
      ab.log = abft->log;
    }
    if (global) {
      // The checksum side from V[xi] as the GEMM will read it (in L2 from the input transform,
      // and brought closer for the GEMM by this pass).
      transforms.column_sums(v + xi * block * p.c, nt, p.c, p.c, v_sum, v_abs);
      ab.out_sum = &m_sum;
    }
    if (tile_checks || global) g.abft = &ab;
    gemm.fn(g);
    if (global) {
      const double* us = abft->u_sum + xi * p.c;
      const double* ua = abft->u_abs + xi * p.c;
      const double expected = dot_f64(v_sum, us, p.c), scale = dot_f64(v_abs, ua, p.c);
      WinogradBlockCheck c;
      c.result = m_sum;
      c.checksum = expected;
      c.tolerance = checksum_tolerance(n_round, scale,
                                       static_cast<double>(nt) * static_cast<double>(p.k) *
                                           static_cast<double>(p.c));
      c.verified = checksum_verifiable(c.checksum, c.tolerance);
      c.passed = checksum_agrees(c.result, c.checksum, c.tolerance);
      winograd_check_merge(*check, c);
    }
  }

  // 3. Output transform with the epilogue.
  for (int64_t l = 0; l < nt; ++l) {
    const int64_t t = tile_begin + l, img = t / tiles_img, r = t % tiles_img;
    const int64_t oh0 = (r / tiles_w) * mt, ow0 = (r % tiles_w) * mt;
    WinogradOutputArgs o;
    o.src = mm + l * p.k;
    o.src_stride = block * p.k;
    o.channels = p.k;
    o.bias = p.bias;
    o.rows = static_cast<int>(std::min<int64_t>(mt, p.oh - oh0));
    o.cols = static_cast<int>(std::min<int64_t>(mt, p.ow - ow0));
    if (p.channels_last) {
      const int64_t off = ((img * p.oh + oh0) * p.ow + ow0) * p.k;
      o.dst = y + off;
      o.dst_row = p.ow * p.k;
      o.dst_col = p.k;
      if (p.residual) {
        o.residual = p.residual + off;
        o.res_row = o.dst_row;
        o.res_col = o.dst_col;
      }
      o.act = p.act;
      output(o);
      continue;
    }
    o.dst = stage;  // conv + bias; the scatter adds the residual and applies the activation
    o.dst_row = mt * p.k;
    o.dst_col = p.k;
    output(o);
    const int64_t plane = p.oh * p.ow;
    for (int64_t ch = 0; ch < p.k; ++ch) {
      const int64_t base = (img * p.k + ch) * plane + oh0 * p.ow + ow0;
      for (int i = 0; i < o.rows; ++i)
        for (int j = 0; j < o.cols; ++j) {
          float val = stage[(i * mt + j) * p.k + ch];
          if (p.residual) val += p.residual[base + i * p.ow + j];
          y[base + i * p.ow + j] = apply_activation(p.act, val);
        }
    }
  }
}

}  // namespace sf::cpu
