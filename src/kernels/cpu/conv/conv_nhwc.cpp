// Direct NHWC convolution on BRGEMM: weight packing, tap offsets, input padding and one output
// tile per call (formula, mapping and error bound in conv_nhwc.hpp). No ISA flags: the compute
// runs in whichever BRGEMM variant the caller selected (brgemm_select()).
#include "kernels/cpu/conv/conv_nhwc.hpp"

#include <algorithm>
#include <cstring>

namespace sf::cpu {

namespace {

int64_t num_panels(int64_t n, int nr) { return (n + nr - 1) / nr; }

// Offset of the packed block of (group g, K block starting at k0, batch block t) for K block
// length klen (K and batch blocks as the BRGEMM sees them: tap_k(), batch_taps()).
int64_t packed_block_offset(const ConvNhwcShape& s, int nr, int64_t g, int64_t k0, int64_t klen,
                            int64_t t) {
  const int64_t panel_floats = num_panels(s.out_per_group(), nr) * nr;  // per K row
  return (g * s.tap_k() + k0) * s.batch_taps() * panel_floats + t * klen * panel_floats;
}

bool has_epilogue(const ConvNhwcOperands& op) {
  return op.bias || op.residual || op.act.kind != Activation::kNone;
}

}  // namespace

int64_t conv_nhwc_k_block(const ConvNhwcShape& s) {
  const int64_t kg = s.tap_k();
  const int64_t max_block = std::min(
      kConvKBlockMax, std::max<int64_t>(64, kConvTapKMax / std::max<int64_t>(1, s.batch_taps())));
  const int64_t blocks = (kg + max_block - 1) / max_block;
  return blocks > 0 ? (kg + blocks - 1) / blocks : kg;
}

int64_t conv_nhwc_packed_floats(const ConvNhwcShape& s, int nr) {
  return s.group * s.in_per_group() * s.taps() * num_panels(s.out_per_group(), nr) * nr;
}

void conv_nhwc_pack_weights(const ConvNhwcShape& s, int nr, const float* w, float* dst) {
  const int64_t cg = s.in_per_group(), mg = s.out_per_group(), taps = s.taps();
  const int64_t kg = s.tap_k(), kb = conv_nhwc_k_block(s), np = num_panels(mg, nr);
  const bool merged = s.row_merged();
  for (int64_t g = 0; g < s.group; ++g)
    for (int64_t k0 = 0; k0 < kg; k0 += kb) {
      const int64_t klen = std::min(kb, kg - k0);
      for (int64_t t = 0; t < s.batch_taps(); ++t) {
        float* block = dst + packed_block_offset(s, nr, g, k0, klen, t);
        for (int64_t r = 0; r < klen; ++r) {
          // Row k0 + r of the block: channel c of tap `tap` ((t, j) of a merged kernel row).
          const int64_t kk = k0 + r;
          const int64_t c = merged ? kk % cg : kk;
          const int64_t tap = merged ? t * s.kernel_w + kk / cg : t;
          for (int64_t p = 0; p < np; ++p) {
            float* d = block + (p * klen + r) * nr;
            for (int col = 0; col < nr; ++col) {
              const int64_t m = p * nr + col;
              d[col] = m < mg ? w[((g * mg + m) * cg + c) * taps + tap] : 0.0f;
            }
          }
        }
      }
    }
}

int64_t conv_nhwc_check_floats(const ConvNhwcShape& s, int nr) {
  return conv_nhwc_packed_floats(s, nr) / nr * 2;
}

void conv_nhwc_pack_checks(const ConvNhwcShape& s, int nr, const float* packed, float* dst) {
  const int64_t kg = s.tap_k(), kb = conv_nhwc_k_block(s);
  const int64_t np = num_panels(s.out_per_group(), nr);
  for (int64_t g = 0; g < s.group; ++g)
    for (int64_t k0 = 0; k0 < kg; k0 += kb) {
      const int64_t klen = std::min(kb, kg - k0);
      for (int64_t t = 0; t < s.batch_taps(); ++t) {
        const int64_t off = packed_block_offset(s, nr, g, k0, klen, t);
        brgemm_pack_checks(packed + off, np, klen, nr, dst + off / nr * 2);
      }
    }
}

void conv_nhwc_tap_offsets(const ConvNhwcShape& s, int64_t* offsets) {
  for (int64_t i = 0; i < s.kernel_h; ++i)
    for (int64_t j = 0; j < s.kernel_w; ++j)
      offsets[i * s.kernel_w + j] =
          (i * s.dilation_h * s.padded_w() + j * s.dilation_w) * s.in_c;
}

void conv_nhwc_pad_patch(const ConvNhwcShape& s, const float* src, int64_t img, int64_t prow0,
                         int64_t rows, int64_t pcol0, int64_t cols, float* dst) {
  const int64_t c = s.in_c;
  // Columns [lo, hi) of the patch hold input pixels; the rest are rim.
  const int64_t lo = std::clamp<int64_t>(s.pad_left - pcol0, 0, cols);
  const int64_t hi = std::clamp<int64_t>(s.pad_left + s.in_w - pcol0, lo, cols);
  for (int64_t r = 0; r < rows; ++r) {
    float* d = dst + r * cols * c;
    const int64_t row = prow0 + r - s.pad_top;
    if (row < 0 || row >= s.in_h || hi == lo) {
      std::fill(d, d + cols * c, 0.0f);
      continue;
    }
    std::fill(d, d + lo * c, 0.0f);
    std::memcpy(d + lo * c, src + ((img * s.in_h + row) * s.in_w + pcol0 + lo - s.pad_left) * c,
                static_cast<size_t>((hi - lo) * c) * sizeof(float));
    std::fill(d + hi * c, d + cols * c, 0.0f);
  }
}

void conv_nhwc_pad_row(const ConvNhwcShape& s, const float* src, float* dst, int64_t img,
                       int64_t prow) {
  conv_nhwc_pad_patch(s, src, img, prow, 1, 0, s.padded_w(),
                      dst + (img * s.padded_h() + prow) * s.padded_w() * s.in_c);
}

int64_t conv_nhwc_im2col_floats(const ConvNhwcShape& s) {
  return s.batch * s.out_h * s.out_w * s.taps() * s.in_c;
}

bool conv_nhwc_use_im2col(const ConvNhwcShape& s, int mr) {
  if (s.pointwise() || mr < 1 || s.out_w < 1) return false;
  const int64_t rounded = (s.out_w + mr - 1) / mr * mr;
  return s.out_w * 100 < 85 * rounded && conv_nhwc_im2col_floats(s) <= kConvIm2colMaxFloats;
}

void conv_nhwc_im2col_rows(const ConvNhwcShape& s, const float* xp, float* dst, int64_t p0,
                           int64_t p1) {
  const int64_t c = s.in_c, taps = s.taps(), pw = s.padded_w();
  for (int64_t p = p0; p < p1; ++p) {
    const int64_t img = p / (s.out_h * s.out_w), r = p % (s.out_h * s.out_w);
    const int64_t oh = r / s.out_w, ow = r % s.out_w;
    float* d = dst + p * taps * c;
    for (int64_t i = 0; i < s.kernel_h; ++i) {
      const float* row =
          xp + ((img * s.padded_h() + oh * s.stride_h + i * s.dilation_h) * pw + ow * s.stride_w) * c;
      for (int64_t j = 0; j < s.kernel_w; ++j, d += c)
        std::memcpy(d, row + j * s.dilation_w * c, static_cast<size_t>(c) * sizeof(float));
    }
  }
}

void conv_nhwc_tile(const ConvNhwcShape& s, const BrgemmKernel& kernel, const ConvNhwcOperands& op,
                    const ConvNhwcTile& t) {
  const int64_t c = s.in_c, m = s.out_c, cg = s.in_per_group(), mg = s.out_per_group();
  const int nr = kernel.nr;
  const bool pointwise = s.pointwise();
  const int64_t taps = pointwise ? 1 : s.batch_taps();
  const int64_t kg = s.tap_k();
  int64_t out_pixel = 0, a_offset = 0, lda = c;
  if (pointwise) {
    out_pixel = t.ow0;
    a_offset = t.ow0 * c;
  } else if (op.im2col) {
    out_pixel = t.ow0;
    a_offset = t.ow0 * s.taps() * c;
    lda = s.taps() * c;
  } else {
    out_pixel = (t.img * s.out_h + t.oh) * s.out_w + t.ow0;
    a_offset = ((t.img * s.padded_h() + t.oh * s.stride_h) * s.padded_w() + t.ow0 * s.stride_w) * c;
    lda = c * s.stride_w;
  }
  const int64_t col0 = t.group * mg + t.n0;
  Epilogue e;
  e.bias = op.bias ? op.bias + col0 : nullptr;
  e.residual = op.residual ? op.residual + out_pixel * m + col0 : nullptr;
  e.ld_residual = m;
  e.act = op.act;
  const Epilogue* epilogue = has_epilogue(op) ? &e : nullptr;
  const int64_t kb = conv_nhwc_k_block(s);
  const int64_t panel_floats = num_panels(mg, nr) * nr;
  // The packed weight blocks of (group, K block at k1, output channels from n0), one per tap.
  const auto weight_blocks = [&](int64_t group, int64_t k1, int64_t n0) {
    const int64_t klen1 = std::min(kb, kg - k1);
    return BrgemmBlocks::strided(
        op.packed_w + packed_block_offset(s, nr, group, k1, klen1, 0) + (n0 / nr) * klen1 * nr,
        klen1 * panel_floats);
  };
  for (int64_t k0 = 0; k0 < kg; k0 += kb) {
    const int64_t klen = std::min(kb, kg - k0);
    BrgemmArgs a;
    a.m = t.ow_len;
    a.n = t.n_len;
    a.k = klen;
    a.batch = taps;
    const float* a_base = op.x + a_offset + t.group * cg + k0;
    if (taps == 1) a.a = BrgemmBlocks::strided(a_base, 0);
    else if (op.im2col) a.a = BrgemmBlocks::strided(a_base, s.row_merged() ? kg : c);
    else if (s.row_merged()) a.a = BrgemmBlocks::strided(a_base, s.dilation_h * s.padded_w() * c);
    else a.a = BrgemmBlocks::offset(a_base, op.tap_offsets);
    a.lda = lda;
    a.b = weight_blocks(t.group, k0, t.n0);
    a.c = op.y + out_pixel * m + col0;
    a.ldc = m;
    if (k0 + klen < kg) a.b_next = weight_blocks(t.group, k0 + klen, t.n0);
    else if (t.next_n0 >= 0) a.b_next = weight_blocks(t.next_group, 0, t.next_n0);
    a.accumulate = k0 > 0;
    a.epilogue = k0 + klen >= kg ? epilogue : nullptr;
    BrgemmAbft abft;
    BrgemmBlocks checks;
    abft.out_sum = k0 + klen >= kg ? t.out_sum : nullptr;  // the final values only
    if (op.checks) {
      const int64_t b_off = a.b.base - op.packed_w;
      checks = BrgemmBlocks::strided(op.checks + b_off / nr * 2, klen * panel_floats / nr * 2);
      abft.checks = &checks;
      abft.log = op.log;
    }
    if (abft.out_sum || abft.checks) a.abft = &abft;
    kernel.fn(a);
  }
}

void nchw_to_nhwc(const float* src, int64_t c, int64_t hw, float* dst, int64_t p0, int64_t p1) {
  constexpr int64_t kTile = 16;
  for (int64_t pb = p0; pb < p1; pb += kTile) {
    const int64_t pe = std::min(p1, pb + kTile);
    for (int64_t cb = 0; cb < c; cb += kTile) {
      const int64_t ce = std::min(c, cb + kTile);
      for (int64_t p = pb; p < pe; ++p)
        for (int64_t ch = cb; ch < ce; ++ch) dst[p * c + ch] = src[ch * hw + p];
    }
  }
}

void nhwc_to_nchw(const float* src, int64_t c, int64_t hw, float* dst, int64_t c0, int64_t c1) {
  constexpr int64_t kTile = 16;
  for (int64_t cb = c0; cb < c1; cb += kTile) {
    const int64_t ce = std::min(c1, cb + kTile);
    for (int64_t pb = 0; pb < hw; pb += kTile) {
      const int64_t pe = std::min(hw, pb + kTile);
      for (int64_t ch = cb; ch < ce; ++ch)
        for (int64_t p = pb; p < pe; ++p) dst[ch * hw + p] = src[p * c + ch];
    }
  }
}

}  // namespace sf::cpu
