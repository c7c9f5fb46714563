// The row and column passes behind conv_input_tap_sums (method in conv_checksum.cpp's opening
// comment), as a template over the register block: W doubles per vector, NV vectors of running
// sums (and NV of |.| sums) per block of W*NV lanes. Each instruction-set file includes this
// header and instantiates tap_sums_rows with its own block, with its own compiler flags; everything
// here has internal linkage, so copies compiled with different flags never meet at link time.
// Every lane takes the same sequence of IEEE additions in every variant (no FMA, no reassociation),
// so all variants give bit-identical results.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "abft/conv_checksum.hpp"

namespace sf::abft {

// One variant: the rows of xp for channels [c0, c1) into the tap-major scratch sums
// (conv_checksum.cpp lays the scratch out and transposes the result).
struct TapSumsRowsArgs {
  const ConvChecksumShape* shape;
  const float* xp;
  int64_t c0, c1;
  double *win, *awin;    // [kw][C]: this row's window sums
  double *acc2, *aacc2;  // [sh][kw][C]: running sums per row residue (zero on entry)
  double *st, *ast;      // [taps][C]: S tap-major (zero on entry)
};
using TapSumsRowsFn = void (*)(const TapSumsRowsArgs&);

#define SF_CONV_TAP_SUMS(fn, isa) void fn(const TapSumsRowsArgs&);
#include "abft/conv_tap_sums.inc"
#undef SF_CONV_TAP_SUMS

namespace {

// Column residues are tracked in a 64-bit mask; wider strides count every residue as used.
constexpr int64_t kMaxMaskedStride = 64;
// Kernel widths up to this keep their column geometry in a table.
constexpr int64_t kTapCache = 32;

// Geometry shared by every channel range of one call.
struct Plan {
  const ConvChecksumShape* s;
  int64_t c;          // channels
  int64_t lanes;      // sw * channels: floats per super-column
  int64_t taps;
  int64_t h_used;     // rows 0 .. h_used-1 hold every row some output reads
  int64_t w_used;     // columns alike
  int64_t nb;         // super-columns touched: ceil(w_used / sw)
  int64_t nb_full;    // super-columns entirely below w_used: floor(w_used / sw)
  uint64_t used = 0;  // bit rw: some tap column has residue rw (all, when sw > 64)
  bool all_used = true;

  // Tap column j reads super-columns [col_start(j), col_start(j) + out_w) in lanes of residue
  // col_residue(j); cached for the first kTapCache columns (the divisions would otherwise
  // dominate narrow rows).
  int64_t start_[kTapCache], residue_[kTapCache];

  bool residue_used(int64_t rw) const { return all_used || ((used >> rw) & 1u) != 0; }
  int64_t col_start(int64_t j) const {
    return j < kTapCache ? start_[j] : j * s->dilation_w / s->stride_w;
  }
  int64_t col_residue(int64_t j) const {
    return j < kTapCache ? residue_[j] : j * s->dilation_w % s->stride_w;
  }
  // True when some tap reads row h of xp.
  bool row_used(int64_t h) const {
    for (int64_t i = 0; i < s->kernel_h; ++i) {
      const int64_t d = h - i * s->dilation_h;
      if (d >= 0 && d % s->stride_h == 0 && d / s->stride_h < s->out_h) return true;
    }
    return false;
  }
};

inline Plan make_plan(const ConvChecksumShape& s) {
  Plan g;
  g.s = &s;
  g.c = s.channels;
  g.lanes = s.stride_w * s.channels;
  g.taps = s.kernel_h * s.kernel_w;
  g.h_used = (s.out_h - 1) * s.stride_h + (s.kernel_h - 1) * s.dilation_h + 1;
  g.w_used = (s.out_w - 1) * s.stride_w + (s.kernel_w - 1) * s.dilation_w + 1;
  g.nb = (g.w_used + s.stride_w - 1) / s.stride_w;
  g.nb_full = g.w_used / s.stride_w;
  for (int64_t j = 0; j < std::min(s.kernel_w, kTapCache); ++j) {
    g.start_[j] = j * s.dilation_w / s.stride_w;
    g.residue_[j] = j * s.dilation_w % s.stride_w;
  }
  if (s.stride_w <= kMaxMaskedStride) {
    g.all_used = false;
    for (int64_t j = 0; j < s.kernel_w; ++j) g.used |= uint64_t{1} << g.col_residue(j);
  }
  return g;
}

// dst[c] += src[c] (or -=) over channels [c0, c1), for the sum and |.| arrays together.
inline void add_block(double* __restrict dst, double* __restrict adst, const double* __restrict src,
                      const double* __restrict asrc, int64_t c0, int64_t c1, bool negate) {
  if (negate) {
    for (int64_t c = c0; c < c1; ++c) {
      dst[c] -= src[c];
      adst[c] -= asrc[c];
    }
  } else {
    for (int64_t c = c0; c < c1; ++c) {
      dst[c] += src[c];
      adst[c] += asrc[c];
    }
  }
}

// GCC/Clang vectors of W doubles, with the W floats they are converted from and a sign mask.
// The TU's compiler flags decide the registers they live in (W = 2: SSE2, 4: AVX, 8: AVX-512).
template <int W>
struct LaneVec {
  typedef double D __attribute__((vector_size(W * sizeof(double))));
  typedef float F __attribute__((vector_size(W * sizeof(float))));
  typedef int64_t I __attribute__((vector_size(W * sizeof(int64_t))));
};

// Column pass of lanes [l, l + W*NV) over one row of one image. The running sums of the lanes
// stay in NV + NV vector registers while the loop walks the super-columns; at each window
// boundary the lanes that belong to window j (residue col_residue(j), channels [c0, c1)) are
// subtracted from (start) or added to (end) win[j*C + c]. Each lane adds its values in
// super-column order, so the result does not depend on the block size or on how lanes are
// grouped into blocks.
template <int W, int NV>
void column_block(const Plan& g, const float* row, int64_t l, int64_t c0, int64_t c1, double* win,
                  double* awin) {
  constexpr int kLanes = W * NV;
  using VecD = typename LaneVec<W>::D;
  using VecF = typename LaneVec<W>::F;
  using VecI = typename LaneVec<W>::I;
  const VecI abs_mask = VecI{} + INT64_MAX;  // clears the sign bit
  const ConvChecksumShape& s = *g.s;
  const int64_t kw = s.kernel_w, lanes = g.lanes, c = g.c;
  VecD a[NV], aa[NV];
#pragma GCC unroll 8
  for (int v = 0; v < NV; ++v) a[v] = aa[v] = VecD{};
  // Adds the kLanes floats at p to the running sums (constant indices only, so the arrays stay
  // in registers).
  auto add = [&](const float* p) {
#pragma GCC unroll 8
    for (int v = 0; v < NV; ++v) {
      VecF f;
      std::memcpy(&f, p + v * W, sizeof f);
      const VecD x = __builtin_convertvector(f, VecD);
      a[v] += x;
      aa[v] += (VecD)((VecI)x & abs_mask);
    }
  };
  auto apply = [&](int64_t j, bool negate) {
    const int64_t base = g.col_residue(j) * c;  // lane of (residue of j, channel 0)
    const int64_t k0 = std::max<int64_t>(0, base + c0 - l);
    const int64_t k1 = std::min<int64_t>(kLanes, base + c1 - l);
    if (k0 >= k1) return;
    const int64_t off = j * c + l - base;
    if (k0 == 0 && k1 == kLanes) {  // the whole block is in the window: vector updates
#pragma GCC unroll 8
      for (int v = 0; v < NV; ++v) {
        VecD w, aw;
        std::memcpy(&w, win + off + v * W, sizeof w);
        std::memcpy(&aw, awin + off + v * W, sizeof aw);
        w = negate ? w - a[v] : w + a[v];
        aw = negate ? aw - aa[v] : aw + aa[v];
        std::memcpy(win + off + v * W, &w, sizeof w);
        std::memcpy(awin + off + v * W, &aw, sizeof aw);
      }
      return;
    }
    double ta[kLanes], taa[kLanes];
#pragma GCC unroll 8
    for (int v = 0; v < NV; ++v) {
      std::memcpy(ta + v * W, &a[v], sizeof(VecD));
      std::memcpy(taa + v * W, &aa[v], sizeof(VecD));
    }
    add_block(win + off, awin + off, ta, taa, k0, k1, negate);
  };
  // Window j starts at boundary col_start(j) (prefix before it) and ends at boundary
  // col_start(j) + out_w (prefix after its last index). Both sequences are non-decreasing in j,
  // so a two-pointer merge visits the boundaries in order.
  int64_t js = 0, je = 0, pos = 0;
  while (je < kw) {
    const int64_t next_start = js < kw ? g.col_start(js) : g.nb + 1;
    const int64_t at = std::min(next_start, g.col_start(je) + s.out_w);
    const float* x = row + pos * lanes + l;
    for (int64_t b = pos; b < std::min(at, g.nb_full); ++b, x += lanes) add(x);
    if (pos <= g.nb_full && g.nb_full < at) {
      // The last super-column sticks out past w_used (and maybe past the row): only its lanes
      // below `limit` are read; the others get +0.0 (their windows have all ended).
      const int64_t limit = (g.w_used - g.nb_full * s.stride_w) * c;
      float tail[kLanes] = {};
      const int64_t valid = std::clamp<int64_t>(limit - l, 0, kLanes);
      std::memcpy(tail, row + g.nb_full * lanes + l, valid * sizeof(float));
      add(tail);
    }
    pos = at;
    for (; je < kw && g.col_start(je) + s.out_w == at; ++je) apply(je, false);
    for (; js < kw && g.col_start(js) == at; ++js) apply(js, true);
  }
}

// Lanes [lo, hi) in blocks of W*NV lanes, the remainder in blocks of 8 (W <= 8), 4, 2 and 1.
template <int W, int NV>
void column_lanes(const Plan& g, const float* row, int64_t lo, int64_t hi, int64_t c0, int64_t c1,
                  double* win, double* awin) {
  int64_t l = lo;
  for (; l + W * NV <= hi; l += W * NV) column_block<W, NV>(g, row, l, c0, c1, win, awin);
  if constexpr (W * NV > 8) {
    constexpr int kW8 = W < 8 ? W : 8;  // 8-lane blocks in this variant's vectors
    for (; l + 8 <= hi; l += 8) column_block<kW8, 8 / kW8>(g, row, l, c0, c1, win, awin);
  }
  if constexpr (W * NV > 4) {
    if (l + 4 <= hi) {
      column_block<2, 2>(g, row, l, c0, c1, win, awin);
      l += 4;
    }
  }
  if (l + 2 <= hi) {
    column_block<2, 1>(g, row, l, c0, c1, win, awin);
    l += 2;
  }
  if (l < hi) column_block<1, 1>(g, row, l, c0, c1, win, awin);
}

// Column pass over one row of one image for channels [c0, c1): win[j*C + c] += the sum of the
// out_w columns tap column j reads (awin with |x|). Lanes of unused column residues are skipped;
// with all channels, consecutive used residues form one contiguous lane run.
template <int W, int NV>
void column_pass(const Plan& g, const float* row, int64_t c0, int64_t c1, double* win,
                 double* awin) {
  const int64_t sw = g.s->stride_w;
  const bool full = c0 == 0 && c1 == g.c;
  for (int64_t rw = 0; rw < sw;) {
    if (!g.residue_used(rw)) {
      ++rw;
      continue;
    }
    int64_t r1 = rw + 1;
    if (full) {
      while (r1 < sw && g.residue_used(r1)) ++r1;
    }
    column_lanes<W, NV>(g, row, rw * g.c + c0, (r1 - 1) * g.c + c1, c0, c1, win, awin);
    rw = r1;
  }
}

// Row-level event of tap row i: st[(i*kw + j)*C + c] -= (start) or += (end)
// acc2[(rh*kw + j)*C + c] for every j, in the tap-major scratch copy of S.
inline void row_event(const Plan& g, int64_t i, const double* acc2, const double* aacc2,
                      int64_t c0, int64_t c1, bool negate, double* st, double* ast) {
  const ConvChecksumShape& s = *g.s;
  const int64_t kw = s.kernel_w, rh = i * s.dilation_h % s.stride_h;
  for (int64_t j = 0; j < kw; ++j) {
    add_block(st + (i * kw + j) * g.c, ast + (i * kw + j) * g.c, acc2 + (rh * kw + j) * g.c,
              aacc2 + (rh * kw + j) * g.c, c0, c1, negate);
  }
}

// The row loop for channels [c0, c1): per used row h, the column pass of every image adds the
// row's window sums into win; win then joins the running sums of h's row residue (acc2), and the
// tap rows that start before h or end at h take their difference of those running sums into
// st (tap-major S). Scratch arrays hold zeros on entry for these channels.
template <int W, int NV>
void tap_sums_rows(const TapSumsRowsArgs& args) {
  const ConvChecksumShape& s = *args.shape;
  const float* xp = args.xp;
  const int64_t c0 = args.c0, c1 = args.c1;
  double *win = args.win, *awin = args.awin, *acc2 = args.acc2, *aacc2 = args.aacc2;
  double *st = args.st, *ast = args.ast;
  const Plan g = make_plan(s);
  const int64_t c = s.channels, kw = s.kernel_w, kh = s.kernel_h;
  const int64_t image = s.padded_h * s.padded_w * c, row_stride = s.padded_w * c;
  int64_t is = 0, ie = 0;  // next tap row whose start / end row event is due
  for (int64_t h = 0; h < g.h_used; ++h) {
    if (!g.row_used(h)) continue;
    const int64_t rh = h % s.stride_h;
    // Tap rows starting at h read the running sums before row h (their row residue is rh).
    for (; is < kh && is * s.dilation_h == h; ++is)
      row_event(g, is, acc2, aacc2, c0, c1, true, st, ast);
    for (int64_t j = 0; j < kw; ++j) {
      std::fill(win + j * c + c0, win + j * c + c1, 0.0);
      std::fill(awin + j * c + c0, awin + j * c + c1, 0.0);
    }
    for (int64_t n = 0; n < s.batch; ++n)
      column_pass<W, NV>(g, xp + n * image + h * row_stride, c0, c1, win, awin);
    for (int64_t j = 0; j < kw; ++j) {
      add_block(acc2 + (rh * kw + j) * c, aacc2 + (rh * kw + j) * c, win + j * c, awin + j * c,
                c0, c1, false);
    }
    for (; ie < kh && ie * s.dilation_h + (s.out_h - 1) * s.stride_h == h; ++ie)
      row_event(g, ie, acc2, aacc2, c0, c1, false, st, ast);
  }
  SF_ASSERT(is == kh && ie == kh);
}

}  // namespace
}  // namespace sf::abft
