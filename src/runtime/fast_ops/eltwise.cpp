// Fast fp32 kernels for the memory-bound ops on the element-wise primitives
// (kernels/cpu/eltwise): unary math and activations, Add/Sub/Mul/Div with the common broadcasts
// (same shape, a scalar, a trailing row vector [.., N] against [.., M, N]), Softmax over the last
// axis (opset 13 single axis, or the coerce_2d form, which is always "last" in its 2-D view) and
// LayerNormalization over the last axis. Other dtypes, shapes and attributes return nullptr at
// prepare, or run the reference kernel when only the run-time shapes rule them out.
// Threads split independent rows (or element chunks) with rt::parallel_for: bit-identical
// results for any thread count.
#include <algorithm>
#include <cstring>
#include <limits>
#include <memory>
#include <optional>

#include "ir/ops/elementwise.hpp"
#include "ir/ops/nn.hpp"
#include "ir/ops/reduce.hpp"
#include "kernels/cpu/eltwise/eltwise.hpp"
#include "runtime/fast_kernel.hpp"
#include "runtime/fast_ops/families.hpp"
#include "runtime/parallel.hpp"

namespace sf::rt {

namespace {

using cpu::Bcast;
using cpu::BinaryOp;
using cpu::EltwiseKernel;
using cpu::UnaryOp;

// Elements per parallel chunk of a flat element-wise op (fits L1 with the output).
constexpr int64_t kChunk = 4096;

bool input_is_f32(const PrepareContext& ctx, size_t i) {
  const ir::TypeInfo* t = ctx.input_type(i);
  return t && t->dtype == DType::kF32;
}

// The reference kernel, for run-time shapes the fast path does not cover. The executor zeroes
// arena slots only for reference kernels, and reference kernels may rely on that: zero first.
Status run_reference(KernelContext& ctx) {
  RunFn ref = find_kernel(ctx.node.op);
  if (!ref) return ctx.error("no reference kernel");
  for (size_t o = 0; o < ctx.num_outputs(); ++o)
    if (!ctx.output(o).empty()) std::memset(ctx.output(o).raw(), 0, ctx.output(o).nbytes());
  return ref(ctx);
}

// Calls fn(begin, end) over [0, n) elements in kChunk pieces spread over the threads.
template <typename Fn>
void for_chunks(int threads, int64_t n, Fn&& fn) {
  const int64_t chunks = (n + kChunk - 1) / kChunk;
  parallel_for(threads, chunks, [&](int64_t c0, int64_t c1) {
    for (int64_t c = c0; c < c1; ++c) fn(c * kChunk, std::min(n, (c + 1) * kChunk));
  });
}

// ---- unary ---------------------------------------------------------------------------------

class UnaryKernel final : public PreparedKernel {
 public:
  UnaryKernel(const EltwiseKernel& k, UnaryOp op, float alpha, float beta)
      : k_(k), op_(op), alpha_(alpha), beta_(beta) {}
  std::string name() const override { return std::string(k_.name) + "_unary"; }
  Status run(KernelContext& ctx) const override {
    float alpha = alpha_, beta = beta_;
    if (ctx.node.op == ir::OpKind::kClip &&
        !dynamic_cast<const ir::ClipAttrs*>(ctx.node.attrs.get())) {  // opset 11+: bounds are inputs
      for (size_t i = 1; i < 3; ++i)
        if (ctx.has(i) && (ctx.input(i).numel() != 1 || ctx.input(i).dtype() != DType::kF32))
          return run_reference(ctx);
      if (ctx.has(1)) alpha = ctx.input(1).data<float>()[0];
      if (ctx.has(2)) beta = ctx.input(2).data<float>()[0];
    }
    const Tensor& x = ctx.input(0);
    Tensor& y = ctx.output(0);
    const float* src = x.data<float>();
    float* dst = y.data<float>();
    for_chunks(ctx.threads, x.numel(), [&](int64_t b, int64_t e) {
      k_.unary({op_, alpha, beta, 1, e - b, src + b, e - b, dst + b, e - b, nullptr});
    });
    return Status::ok();
  }

 private:
  const EltwiseKernel& k_;
  UnaryOp op_;
  float alpha_, beta_;
};

std::optional<UnaryKernel> unary_for(const ir::Node& n) {
  const EltwiseKernel& k = cpu::eltwise_select();
  switch (n.op) {
    case ir::OpKind::kRelu: return UnaryKernel(k, UnaryOp::kRelu, 0, 0);
    case ir::OpKind::kSigmoid: return UnaryKernel(k, UnaryOp::kSigmoid, 0, 0);
    case ir::OpKind::kTanh: return UnaryKernel(k, UnaryOp::kTanh, 0, 0);
    case ir::OpKind::kErf: return UnaryKernel(k, UnaryOp::kErf, 0, 0);
    case ir::OpKind::kSqrt: return UnaryKernel(k, UnaryOp::kSqrt, 0, 0);
    case ir::OpKind::kExp: return UnaryKernel(k, UnaryOp::kExp, 0, 0);
    case ir::OpKind::kNeg: return UnaryKernel(k, UnaryOp::kNeg, 0, 0);
    case ir::OpKind::kAbs: return UnaryKernel(k, UnaryOp::kAbs, 0, 0);
    case ir::OpKind::kReciprocal: return UnaryKernel(k, UnaryOp::kReciprocal, 0, 0);
    case ir::OpKind::kHardSwish: return UnaryKernel(k, UnaryOp::kHardSwish, 0, 0);
    case ir::OpKind::kLeakyRelu:
      return UnaryKernel(k, UnaryOp::kLeakyRelu, n.attrs_as<ir::LeakyReluAttrs>().alpha, 0);
    case ir::OpKind::kHardSigmoid: {
      const auto& a = n.attrs_as<ir::HardSigmoidAttrs>();
      return UnaryKernel(k, UnaryOp::kHardSigmoid, a.alpha, a.beta);
    }
    case ir::OpKind::kGelu:
      return UnaryKernel(k,
                         n.attrs_as<ir::GeluAttrs>().approximate == ir::GeluApproximation::kTanh
                             ? UnaryOp::kGeluTanh
                             : UnaryOp::kGelu,
                         0, 0);
    case ir::OpKind::kClip: {
      const auto* legacy = dynamic_cast<const ir::ClipAttrs*>(n.attrs.get());
      const float inf = std::numeric_limits<float>::infinity();
      return UnaryKernel(k, UnaryOp::kClip, legacy ? legacy->min : -inf,
                         legacy ? legacy->max : inf);
    }
    default: return std::nullopt;
  }
}

Result<std::unique_ptr<PreparedKernel>> prepare_unary(const PrepareContext& ctx) {
  if (!input_is_f32(ctx, 0) || ctx.node.outputs.size() != 1) return std::unique_ptr<PreparedKernel>();
  std::optional<UnaryKernel> k = unary_for(ctx.node);
  if (!k) return std::unique_ptr<PreparedKernel>();
  return std::unique_ptr<PreparedKernel>(std::make_unique<UnaryKernel>(*k));
}

// ---- binary --------------------------------------------------------------------------------

// True when `small` is a row vector of `big`'s last dim: numel == big's last dim, all other dims 1.
bool is_row_of(const Shape& small, const Shape& big) {
  if (big.empty() || small.empty() || small.size() > big.size()) return false;
  for (size_t i = 0; i + 1 < small.size(); ++i)
    if (small[i] != 1) return false;
  return small.back() == big.back();
}

class BinaryKernel final : public PreparedKernel {
 public:
  BinaryKernel(const EltwiseKernel& k, BinaryOp op) : k_(k), op_(op) {}
  std::string name() const override { return std::string(k_.name) + "_binary"; }
  Status run(KernelContext& ctx) const override {
    const Tensor& a = ctx.input(0);
    const Tensor& b = ctx.input(1);
    Tensor& y = ctx.output(0);
    const float* pa = a.data<float>();
    const float* pb = b.data<float>();
    float* dst = y.data<float>();
    const int64_t total = y.numel();
    const auto flat = [&](Bcast ba, Bcast bb) {
      for_chunks(ctx.threads, total, [&](int64_t s, int64_t e) {
        const int64_t n = e - s;
        k_.binary({op_, 1, n, ba == Bcast::kNone ? pa + s : pa, n, ba,
                   bb == Bcast::kNone ? pb + s : pb, n, bb, dst + s, n});
      });
    };
    if (a.shape() == b.shape()) {
      flat(Bcast::kNone, Bcast::kNone);
    } else if (b.numel() == 1 && y.shape() == a.shape()) {
      flat(Bcast::kNone, Bcast::kScalar);
    } else if (a.numel() == 1 && y.shape() == b.shape()) {
      flat(Bcast::kScalar, Bcast::kNone);
    } else if ((is_row_of(b.shape(), a.shape()) && y.shape() == a.shape()) ||
               (is_row_of(a.shape(), b.shape()) && y.shape() == b.shape())) {
      const bool b_row = y.shape() == a.shape();
      const int64_t n = y.shape().back();
      const int64_t rows = n ? total / n : 0;
      const int64_t block = std::max<int64_t>(1, kChunk / std::max<int64_t>(n, 1));
      parallel_for(ctx.threads, (rows + block - 1) / block, [&](int64_t c0, int64_t c1) {
        const int64_t r0 = c0 * block, r1 = std::min(rows, c1 * block);
        if (r0 >= r1) return;
        k_.binary({op_, r1 - r0, n, b_row ? pa + r0 * n : pa, n,
                   b_row ? Bcast::kNone : Bcast::kRow, b_row ? pb : pb + r0 * n, n,
                   b_row ? Bcast::kRow : Bcast::kNone, dst + r0 * n, n});
      });
    } else {
      return run_reference(ctx);
    }
    return Status::ok();
  }

 private:
  const EltwiseKernel& k_;
  BinaryOp op_;
};

Result<std::unique_ptr<PreparedKernel>> prepare_binary(const PrepareContext& ctx) {
  if (!input_is_f32(ctx, 0) || !input_is_f32(ctx, 1) || !ctx.has_input(1))
    return std::unique_ptr<PreparedKernel>();
  const auto* legacy = dynamic_cast<const ir::LegacyBroadcastAttrs*>(ctx.node.attrs.get());
  if (legacy && legacy->broadcast) return std::unique_ptr<PreparedKernel>();
  BinaryOp op = BinaryOp::kAdd;
  switch (ctx.node.op) {
    case ir::OpKind::kAdd: op = BinaryOp::kAdd; break;
    case ir::OpKind::kSub: op = BinaryOp::kSub; break;
    case ir::OpKind::kMul: op = BinaryOp::kMul; break;
    case ir::OpKind::kDiv: op = BinaryOp::kDiv; break;
    default: return std::unique_ptr<PreparedKernel>();
  }
  return std::unique_ptr<PreparedKernel>(std::make_unique<BinaryKernel>(cpu::eltwise_select(), op));
}

// ---- softmax and layer normalisation -------------------------------------------------------

// Splits `rows` rows over the threads, fn(r0, r1).
template <typename Fn>
void for_rows(int threads, int64_t rows, int64_t n, Fn&& fn) {
  const int64_t block = std::max<int64_t>(1, kChunk / std::max<int64_t>(n, 1));
  parallel_for(threads, (rows + block - 1) / block, [&](int64_t c0, int64_t c1) {
    const int64_t r0 = c0 * block, r1 = std::min(rows, c1 * block);
    if (r0 < r1) fn(r0, r1);
  });
}

class SoftmaxKernel final : public PreparedKernel {
 public:
  explicit SoftmaxKernel(const EltwiseKernel& k) : k_(k) {}
  std::string name() const override { return std::string(k_.name) + "_softmax"; }
  Status run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    auto g = ir::softmax_geometry(ctx.node.attrs_as<ir::SoftmaxAttrs>(), x.shape());
    if (!g) return ctx.error(g.status().message());
    if (g->inner != 1 || g->n == 0) return run_reference(ctx);
    const float* src = x.data<float>();
    float* dst = ctx.output(0).data<float>();
    const int64_t n = g->n;
    for_rows(ctx.threads, g->outer, n, [&](int64_t r0, int64_t r1) {
      cpu::softmax_rows(k_, r1 - r0, n, src + r0 * n, n, dst + r0 * n, n);
    });
    return Status::ok();
  }

 private:
  const EltwiseKernel& k_;
};

Result<std::unique_ptr<PreparedKernel>> prepare_softmax(const PrepareContext& ctx) {
  if (!input_is_f32(ctx, 0)) return std::unique_ptr<PreparedKernel>();
  return std::unique_ptr<PreparedKernel>(std::make_unique<SoftmaxKernel>(cpu::eltwise_select()));
}

class LayerNormKernel final : public PreparedKernel {
 public:
  explicit LayerNormKernel(const EltwiseKernel& k) : k_(k) {}
  std::string name() const override { return std::string(k_.name) + "_layer_norm"; }
  Status run(KernelContext& ctx) const override {
    const auto& a = ctx.node.attrs_as<ir::LayerNormAttrs>();
    const Tensor& x = ctx.input(0);
    if (x.rank() == 0) return run_reference(ctx);
    const int64_t n = x.shape().back();
    const auto fits = [&](size_t i) {
      return !ctx.has(i) || (ctx.input(i).dtype() == DType::kF32 && ctx.input(i).numel() == n);
    };
    const bool last = a.axis == -1 || a.axis == x.rank() - 1;
    if (!last || n == 0 || !ctx.has(1) || !fits(1) || !fits(2)) return run_reference(ctx);
    const float* src = x.data<float>();
    const float* scale = ctx.input(1).data<float>();
    const float* bias = ctx.has(2) ? ctx.input(2).data<float>() : nullptr;
    float* dst = ctx.output(0).data<float>();
    for_rows(ctx.threads, x.numel() / n, n, [&](int64_t r0, int64_t r1) {
      cpu::layer_norm_rows(k_, r1 - r0, n, src + r0 * n, n, dst + r0 * n, n, scale, bias,
                           a.epsilon, nullptr, nullptr);
    });
    return Status::ok();
  }

 private:
  const EltwiseKernel& k_;
};

Result<std::unique_ptr<PreparedKernel>> prepare_layer_norm(const PrepareContext& ctx) {
  // Only Y: the optional Mean / InvStdDev outputs stay with the reference kernel.
  if (!input_is_f32(ctx, 0) || ctx.node.outputs.size() != 1) return std::unique_ptr<PreparedKernel>();
  return std::unique_ptr<PreparedKernel>(std::make_unique<LayerNormKernel>(cpu::eltwise_select()));
}

}  // namespace

void register_eltwise_fast_kernels() {
  using ir::OpKind;
  for (OpKind op : {OpKind::kRelu, OpKind::kSigmoid, OpKind::kTanh, OpKind::kErf, OpKind::kSqrt,
                    OpKind::kExp, OpKind::kNeg, OpKind::kAbs, OpKind::kReciprocal,
                    OpKind::kHardSwish, OpKind::kLeakyRelu, OpKind::kHardSigmoid, OpKind::kGelu,
                    OpKind::kClip})
    register_fast_kernel(op, prepare_unary);
  for (OpKind op : {OpKind::kAdd, OpKind::kSub, OpKind::kMul, OpKind::kDiv})
    register_fast_kernel(op, prepare_binary);
  register_fast_kernel(OpKind::kSoftmax, prepare_softmax);
  register_fast_kernel(OpKind::kLayerNormalization, prepare_layer_norm);
}

}  // namespace sf::rt
