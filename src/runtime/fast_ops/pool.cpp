// Fast fp32 2-D pooling (kernels/cpu/pool): MaxPool / AveragePool / GlobalAveragePool on NCHW,
// split over planes, and their channels-last forms (MaxPoolNhwc, AveragePoolNhwc,
// GlobalAveragePoolNhwc from the layout pass), split over output rows or images. Every output
// element is computed by one thread in a fixed order (deterministic).
#include <algorithm>
#include <memory>
#include <string>

#include "ir/ops/layout.hpp"
#include "kernels/cpu/pool/pool.hpp"
#include "runtime/fast_kernel.hpp"
#include "runtime/fast_ops/families.hpp"
#include "runtime/parallel.hpp"

namespace sf::rt {

namespace {

enum class PoolOp { kMax, kAverage, kGlobalAverage };

class PoolFastKernel final : public PreparedKernel {
 public:
  PoolFastKernel(PoolOp op, bool nhwc) : op_(op), nhwc_(nhwc), k_(&cpu::pool_select()) {}

  std::string name() const override {
    const char* what = op_ == PoolOp::kMax ? "max" : op_ == PoolOp::kAverage ? "avg" : "global_avg";
    return nhwc_ ? std::string(k_->name) + "_" + what
                 : std::string("pool_f32_nchw_") + what + "__scalar";
  }

  Status run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    if (x.dtype() != DType::kF32 || x.shape().size() != 4)
      return ctx.error("fast pooling needs a float32 rank-4 input, got " + x.describe());
    const Shape& xs = x.shape();
    const int64_t n = xs[0], c = nhwc_ ? xs[3] : xs[1];
    const int64_t h = nhwc_ ? xs[1] : xs[2], w = nhwc_ ? xs[2] : xs[3];
    const int threads = std::max(1, ctx.threads);
    const float* src = x.data<float>();
    if (op_ == PoolOp::kGlobalAverage) {
      const Shape ys = nhwc_ ? Shape{n, 1, 1, c} : Shape{n, c, 1, 1};
      SF_ASSIGN_OR_RETURN(Tensor * y, ctx.output(0, DType::kF32, ys));
      float* dst = y->data<float>();
      if (nhwc_) {
        parallel_for(threads, n, [&](int64_t b, int64_t e) {
          for (int64_t i = b; i < e; ++i) k_->global_avg(src + i * h * w * c, h * w, c, dst + i * c);
        });
      } else {
        parallel_for(threads, n * c, [&](int64_t b, int64_t e) {
          cpu::global_avg_pool_nchw(src + b * h * w, e - b, h * w, dst + b);
        });
      }
      return Status::ok();
    }
    const auto& a = ctx.node.attrs_as<ir::PoolAttrs>();
    auto geom = ir::pool_geometry(a, Shape{h, w});
    if (!geom) return ctx.error(geom.status().message());
    cpu::PoolWindow win;
    win.in_h = h;
    win.in_w = w;
    win.kernel_h = a.kernel_shape[0];
    win.kernel_w = a.kernel_shape[1];
    win.stride_h = a.strides[0];
    win.stride_w = a.strides[1];
    win.dilation_h = a.dilations[0];
    win.dilation_w = a.dilations[1];
    win.pad_top = (*geom)[0].pad_begin;
    win.pad_left = (*geom)[1].pad_begin;
    win.out_w = (*geom)[1].out;
    win.count_include_pad = a.count_include_pad;
    const int64_t oh = (*geom)[0].out, ow = win.out_w;
    const Shape ys = nhwc_ ? Shape{n, oh, ow, c} : Shape{n, c, oh, ow};
    SF_ASSIGN_OR_RETURN(Tensor * y, ctx.output(0, DType::kF32, ys));
    float* dst = y->data<float>();
    const bool is_max = op_ == PoolOp::kMax;
    if (nhwc_) {
      const cpu::PoolRowFn fn = is_max ? k_->max_row : k_->avg_row;
      parallel_for(threads, n * oh, [&](int64_t b, int64_t e) {
        for (int64_t r = b; r < e; ++r) {
          cpu::PoolRowArgs p;
          p.src = src + (r / oh) * h * w * c;
          p.channels = c;
          p.win = win;
          p.oh = r % oh;
          p.dst = dst + r * ow * c;
          fn(p);
        }
      });
    } else {
      parallel_for(threads, n * c, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) {
          if (is_max) cpu::pool_max_nchw_plane(src + i * h * w, win, oh, dst + i * oh * ow);
          else cpu::pool_avg_nchw_plane(src + i * h * w, win, oh, dst + i * oh * ow);
        }
      });
    }
    return Status::ok();
  }

 private:
  PoolOp op_;
  bool nhwc_;
  const cpu::PoolKernel* k_;
};

// Takes fp32 rank-4 inputs with a 2-D window and no Indices output.
bool eligible(const PrepareContext& ctx, bool windowed) {
  const ir::TypeInfo* t = ctx.input_type(0);
  if (!t || t->dtype != DType::kF32 || !t->shape || t->shape->size() != 4) return false;
  if (ctx.node.outputs.size() > 1 && ctx.node.outputs[1] != ir::kNoValue) return false;
  return !windowed || ctx.node.attrs_as<ir::PoolAttrs>().kernel_shape.size() == 2;
}

template <PoolOp kOp, bool kNhwc>
Result<std::unique_ptr<PreparedKernel>> prepare_pool(const PrepareContext& ctx) {
  if (!eligible(ctx, kOp != PoolOp::kGlobalAverage)) return std::unique_ptr<PreparedKernel>();
  return std::unique_ptr<PreparedKernel>(std::make_unique<PoolFastKernel>(kOp, kNhwc));
}

}  // namespace

void register_pool_fast_kernels() {
  register_fast_kernel(ir::OpKind::kMaxPool, prepare_pool<PoolOp::kMax, false>);
  register_fast_kernel(ir::OpKind::kAveragePool, prepare_pool<PoolOp::kAverage, false>);
  register_fast_kernel(ir::OpKind::kGlobalAveragePool, prepare_pool<PoolOp::kGlobalAverage, false>);
  register_fast_kernel(ir::OpKind::kMaxPoolNhwc, prepare_pool<PoolOp::kMax, true>);
  register_fast_kernel(ir::OpKind::kAveragePoolNhwc, prepare_pool<PoolOp::kAverage, true>);
  register_fast_kernel(ir::OpKind::kGlobalAveragePoolNhwc,
                       prepare_pool<PoolOp::kGlobalAverage, true>);
}

}  // namespace sf::rt
