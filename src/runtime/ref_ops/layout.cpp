// Reference kernels of the channels-last pools (ir/ops/layout.hpp), written as plain loops over
// NHWC with the window placement of pool_geometry, so they are checked against the NCHW
// reference pools by the tests rather than sharing code with them.
//   MaxPoolNhwc: max over the window taps inside the input (NaN propagates, -inf if none).
//   AveragePoolNhwc: float sum of those taps in row-major window order, divided by their count
//     (or by the window area with count_include_pad), as ref::avg_pool3d.
//   GlobalAveragePoolNhwc: double sum over H*W per channel, divided by H*W.
#include <cmath>
#include <limits>

#include "ir/ops/layout.hpp"
#include "runtime/kernel_registry.hpp"

namespace sf::rt {

namespace {

enum class PoolKind { kMax, kAverage };

template <PoolKind K>
Status run_pool_nhwc(KernelContext& ctx) {
  const auto& a = ctx.node.attrs_as<ir::PoolAttrs>();
  const Tensor& x = ctx.input(0);
  const Shape& xs = x.shape();
  auto geom = ir::pool_geometry(a, ir::nhwc_spatial(xs));
  if (!geom) return ctx.error(geom.status().message());
  const int64_t n = xs[0], h = xs[1], w = xs[2], c = xs[3];
  const int64_t oh = (*geom)[0].out, ow = (*geom)[1].out;
  const int64_t kh = a.kernel_shape[0], kw = a.kernel_shape[1];
  const float* src = x.data<float>();
  float* dst = ctx.output(0).data<float>();
  for (int64_t img = 0; img < n; ++img)
    for (int64_t i = 0; i < oh; ++i)
      for (int64_t j = 0; j < ow; ++j)
        for (int64_t ch = 0; ch < c; ++ch) {
          float acc = K == PoolKind::kMax ? -std::numeric_limits<float>::infinity() : 0.0f;
          int64_t count = 0;
          for (int64_t u = 0; u < kh; ++u) {
            const int64_t y = i * a.strides[0] - (*geom)[0].pad_begin + u * a.dilations[0];
            if (y < 0 || y >= h) continue;
            for (int64_t v = 0; v < kw; ++v) {
              const int64_t xx = j * a.strides[1] - (*geom)[1].pad_begin + v * a.dilations[1];
              if (xx < 0 || xx >= w) continue;
              const float e = src[((img * h + y) * w + xx) * c + ch];
              if constexpr (K == PoolKind::kMax) {
                if (e > acc || std::isnan(e)) acc = std::isnan(acc) ? acc : e;
              } else {
                acc += e;
              }
              ++count;
            }
          }
          if constexpr (K == PoolKind::kAverage) {
            const int64_t div = a.count_include_pad ? kh * kw : count;
            acc = div > 0 ? acc / static_cast<float>(div) : std::numeric_limits<float>::quiet_NaN();
          }
          dst[((img * oh + i) * ow + j) * c + ch] = acc;
        }
  return Status::ok();
}

Status run_global_average_pool_nhwc(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  const int64_t n = x.dim(0), hw = x.dim(1) * x.dim(2), c = x.dim(3);
  const float* src = x.data<float>();
  float* dst = ctx.output(0).data<float>();
  for (int64_t img = 0; img < n; ++img)
    for (int64_t ch = 0; ch < c; ++ch) {
      double sum = 0;
      for (int64_t p = 0; p < hw; ++p) sum += src[(img * hw + p) * c + ch];
      dst[img * c + ch] = static_cast<float>(sum / static_cast<double>(hw));
    }
  return Status::ok();
}

}  // namespace

void register_layout_kernels() {
  register_kernel(ir::OpKind::kMaxPoolNhwc, run_pool_nhwc<PoolKind::kMax>);
  register_kernel(ir::OpKind::kAveragePoolNhwc, run_pool_nhwc<PoolKind::kAverage>);
  register_kernel(ir::OpKind::kGlobalAveragePoolNhwc, run_global_average_pool_nhwc);
}

}  // namespace sf::rt
