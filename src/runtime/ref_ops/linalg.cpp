// Binds linalg nodes to the reference kernels (kernels/ref/gemm.hpp, einsum.hpp, conv.hpp,
// quant.hpp). This file: MatMul, Gemm, Einsum and the shared helpers; convolutions are in
// linalg_conv.cpp, quantised ops in linalg_quant.cpp.
// float16/bfloat16 operands are widened to float32, computed there and rounded once at the end.
#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>

#include "ir/ops/linalg.hpp"
#include "kernels/ref/einsum.hpp"
#include "kernels/ref/gemm.hpp"
#include "kernels/ref/numeric.hpp"
#include "runtime/kernel_registry.hpp"
#include "runtime/ref_ops/linalg_common.hpp"

namespace sf::rt {

namespace linalg {

Result<Tensor> widen_half(const Tensor& t, int64_t limit_bytes) {
  if (t.dtype() != DType::kF16 && t.dtype() != DType::kBF16) return t;
  SF_ASSIGN_OR_RETURN(Tensor f, Tensor::make(DType::kF32, t.shape(), limit_bytes));
  float* dst = f.data<float>();
  if (t.dtype() == DType::kF16) {
    const Float16* src = t.data<Float16>();
    for (int64_t i = 0; i < t.numel(); ++i) dst[i] = static_cast<float>(src[i]);
  } else {
    const BFloat16* src = t.data<BFloat16>();
    for (int64_t i = 0; i < t.numel(); ++i) dst[i] = static_cast<float>(src[i]);
  }
  return f;
}

void narrow_half(const Tensor& src, Tensor& dst) {
  const float* s = src.data<float>();
  if (dst.dtype() == DType::kF16) {
    Float16* d = dst.data<Float16>();
    for (int64_t i = 0; i < dst.numel(); ++i) d[i] = Float16(s[i]);
  } else {
    BFloat16* d = dst.data<BFloat16>();
    for (int64_t i = 0; i < dst.numel(); ++i) d[i] = BFloat16(s[i]);
  }
}

Result<Tensor> scratch(KernelContext& ctx, DType dtype, const Shape& shape) {
  auto t = Tensor::make(dtype, shape, ctx.max_tensor_bytes);
  if (!t) return t.status().with_context(ctx.node.label() + ": scratch buffer");
  return t;
}

std::vector<float> read_scales(const Tensor& t, int64_t channels) {
  std::vector<float> v(static_cast<size_t>(channels));
  for (int64_t c = 0; c < channels; ++c)
    v[static_cast<size_t>(c)] = static_cast<float>(t.double_at(t.numel() == 1 ? 0 : c));
  return v;
}

std::vector<int32_t> read_zero_points(const Tensor* t, int64_t channels) {
  std::vector<int32_t> v(static_cast<size_t>(channels), 0);
  if (t)
    for (int64_t c = 0; c < channels; ++c)
      v[static_cast<size_t>(c)] = static_cast<int32_t>(t->int_at(t->numel() == 1 ? 0 : c));
  return v;
}

}  // namespace linalg

namespace {

using linalg::promote_lhs;
using linalg::promote_rhs;

// --- MatMul ---------------------------------------------------------------------------------

Status run_matmul(KernelContext& ctx) {
  const Tensor& a = ctx.input(0);
  const Tensor& b = ctx.input(1);
  Tensor& y = ctx.output(0);
  const Shape as = promote_lhs(a.shape()), bs = promote_rhs(b.shape());
  switch (a.dtype()) {
    case DType::kF32:
      linalg::matmul_batched(a.data<float>(), as, b.data<float>(), bs, y.data<float>());
      return Status::ok();
    case DType::kF64:
      linalg::matmul_batched(a.data<double>(), as, b.data<double>(), bs, y.data<double>());
      return Status::ok();
    case DType::kF16:
    case DType::kBF16: {
      SF_ASSIGN_OR_RETURN(Tensor af, linalg::widen_half(a, ctx.max_tensor_bytes));
      SF_ASSIGN_OR_RETURN(Tensor bf, linalg::widen_half(b, ctx.max_tensor_bytes));
      SF_ASSIGN_OR_RETURN(Tensor yf, linalg::scratch(ctx, DType::kF32, y.shape()));
      linalg::matmul_batched(af.data<float>(), as, bf.data<float>(), bs, yf.data<float>());
      linalg::narrow_half(yf, y);
      return Status::ok();
    }
    case DType::kI32:
    case DType::kU32:
      // Signed and unsigned 32-bit share the modulo-2^32 product.
      linalg::matmul_batched(static_cast<const uint32_t*>(a.raw()), as,
                             static_cast<const uint32_t*>(b.raw()), bs,
                             static_cast<uint32_t*>(y.raw()));
      return Status::ok();
    case DType::kI64:
    case DType::kU64:
      linalg::matmul_batched(static_cast<const uint64_t*>(a.raw()), as,
                             static_cast<const uint64_t*>(b.raw()), bs,
                             static_cast<uint64_t*>(y.raw()));
      return Status::ok();
    default:
      return ctx.error(std::string("unsupported type ") + dtype_name(a.dtype()));
  }
}

// --- Gemm -----------------------------------------------------------------------------------

// double -> integer with truncation toward zero and saturation (NaN -> 0).
template <typename T>
T saturate_to_int(double v) {
  if (std::isnan(v)) return T(0);
  constexpr double lo = static_cast<double>(std::numeric_limits<T>::min());
  constexpr double hi = static_cast<double>(std::numeric_limits<T>::max());
  if (v <= lo) return std::numeric_limits<T>::min();
  if (v >= hi) return std::numeric_limits<T>::max();
  return static_cast<T>(v);
}

// acc[M, N] = op(A) * op(B), U the arithmetic type (float, double, unsigned integer).
template <typename U>
Status gemm_product(KernelContext& ctx, const U* a, const U* b, int64_t m, int64_t n, int64_t k,
                    bool trans_a, bool trans_b, DType u_dtype, U* acc) {
  std::fill(acc, acc + m * n, U(0));
  Tensor bt;
  if (trans_b) {
    SF_ASSIGN_OR_RETURN(bt, linalg::scratch(ctx, u_dtype, {k, n}));
    ref::transpose_2d(b, n, k, static_cast<U*>(bt.raw()));
    b = static_cast<const U*>(bt.raw());
  }
  // A(i, p) = a[i * k + p] (A is [M, K]) or a[p * m + i] (A stored [K, M]).
  ref::gemm_acc<U>(m, n, k, a, trans_a ? 1 : k, trans_a ? m : 1, b, n, acc, n);
  return Status::ok();
}

Status run_gemm(KernelContext& ctx) {
  const auto& at = ctx.node.attrs_as<ir::GemmAttrs>();
  const Tensor& a = ctx.input(0);
  const Tensor& b = ctx.input(1);
  const Tensor* c = ctx.has(2) ? &ctx.input(2) : nullptr;
  Tensor& y = ctx.output(0);
  const int64_t m = y.dim(0), n = y.dim(1);
  const int64_t k = at.trans_a ? a.dim(0) : a.dim(1);
  const bool use_c = c != nullptr && at.beta != 0.0f;  // as the ONNX reference: beta 0 skips C
  std::vector<int64_t> c_st = {0, 0};
  if (use_c) c_st = ref::broadcast_strides(c->shape(), {m, n});

  // Float types: compute in float (float16/bfloat16 widened) or double.
  auto float_path = [&](auto tag, const Tensor& af, const Tensor& bf, const Tensor* cf,
                        Tensor& out) -> Status {
    using F = typename decltype(tag)::type;
    F* acc = out.data<F>();
    SF_TRY(gemm_product<F>(ctx, af.data<F>(), bf.data<F>(), m, n, k, at.trans_a, at.trans_b,
                           DTypeOf<F>::value, acc));
    const F alpha = static_cast<F>(at.alpha), beta = static_cast<F>(at.beta);
    const F* cp = cf ? cf->data<F>() : nullptr;
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        F v = acc[i * n + j];
        if (alpha != F(1)) v *= alpha;
        if (cp) v += beta * cp[i * c_st[0] + j * c_st[1]];
        acc[i * n + j] = v;
      }
    return Status::ok();
  };

  switch (a.dtype()) {
    case DType::kF32:
      return float_path(TypeTag<float>{}, a, b, use_c ? c : nullptr, y);
    case DType::kF64:
      return float_path(TypeTag<double>{}, a, b, use_c ? c : nullptr, y);
    case DType::kF16:
    case DType::kBF16: {
      SF_ASSIGN_OR_RETURN(Tensor af, linalg::widen_half(a, ctx.max_tensor_bytes));
      SF_ASSIGN_OR_RETURN(Tensor bf, linalg::widen_half(b, ctx.max_tensor_bytes));
      Tensor cf;
      if (use_c) {
        SF_ASSIGN_OR_RETURN(cf, linalg::widen_half(*c, ctx.max_tensor_bytes));
      }
      SF_ASSIGN_OR_RETURN(Tensor yf, linalg::scratch(ctx, DType::kF32, y.shape()));
      SF_TRY(float_path(TypeTag<float>{}, af, bf, use_c ? &cf : nullptr, yf));
      linalg::narrow_half(yf, y);
      return Status::ok();
    }
    default:
      break;
  }
  bool handled = false;
  Status st = Status::ok();
  visit_dtype(a.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool> && sizeof(T) >= 4) {
      using U = std::make_unsigned_t<T>;
      handled = true;
      U* acc = static_cast<U*>(y.raw());
      st = gemm_product<U>(ctx, static_cast<const U*>(a.raw()), static_cast<const U*>(b.raw()), m,
                           n, k, at.trans_a, at.trans_b, DTypeOf<U>::value, acc);
      if (!st.is_ok()) return;
      const T* cp = use_c ? c->data<T>() : nullptr;
      const bool exact = at.alpha == 1.0f && (!cp || at.beta == 1.0f);
      for (int64_t i = 0; i < m; ++i)
        for (int64_t j = 0; j < n; ++j) {
          U& v = acc[i * n + j];
          if (exact) {
            if (cp) v += static_cast<U>(cp[i * c_st[0] + j * c_st[1]]);
          } else {
            // alpha and beta are floats: the result is computed in double and truncated.
            double r = static_cast<double>(at.alpha) * static_cast<double>(static_cast<T>(v));
            if (cp) r += static_cast<double>(at.beta) * static_cast<double>(cp[i * c_st[0] + j * c_st[1]]);
            v = static_cast<U>(saturate_to_int<T>(r));
          }
        }
    }
  });
  if (!handled) return ctx.error(std::string("unsupported type ") + dtype_name(a.dtype()));
  return st;
}

// --- Einsum ---------------------------------------------------------------------------------

// Two operands whose labels each appear once per operand, without broadcasting and without a
// label summed within one operand only, form a batched matrix product: A is copied to
// [batch, m, k], B to [batch, k, n] (labels classified by where they appear), gemm_acc
// multiplies them (float accumulation, as MatMul) and the result is permuted to the output
// order. Returns false (nothing written) for other equations, which take the generic loop.
template <typename F>
Result<bool> einsum_as_gemm(KernelContext& ctx, const ir::EinsumPlan& p,
                            const std::vector<Shape>& shapes, Tensor& y) {
  const auto n_labels = static_cast<size_t>(p.num_labels);
  std::vector<int> pos[2] = {std::vector<int>(n_labels, -1), std::vector<int>(n_labels, -1)};
  std::vector<bool> in_out(n_labels, false);
  for (size_t t = 0; t < 2; ++t)
    for (size_t ax = 0; ax < shapes[t].size(); ++ax) {
      const auto l = static_cast<size_t>(p.operand_labels[t][ax]);
      if (pos[t][l] >= 0 || shapes[t][ax] != p.label_dims[l]) return false;
      pos[t][l] = static_cast<int>(ax);
    }
  for (int l : p.output_labels) in_out[static_cast<size_t>(l)] = true;
  std::vector<int> batch, rows, cols, depth;  // output-ordered batch/m/n labels, A-ordered k
  for (int l : p.output_labels) {
    const bool a = pos[0][static_cast<size_t>(l)] >= 0, b = pos[1][static_cast<size_t>(l)] >= 0;
    (a && b ? batch : (a ? rows : cols)).push_back(l);
  }
  for (size_t ax = 0; ax < shapes[0].size(); ++ax) {
    const int l = p.operand_labels[0][ax];
    if (!in_out[static_cast<size_t>(l)]) {
      if (pos[1][static_cast<size_t>(l)] < 0) return false;  // summed within A only
      depth.push_back(l);
    }
  }
  for (size_t ax = 0; ax < shapes[1].size(); ++ax) {
    const int l = p.operand_labels[1][ax];
    if (!in_out[static_cast<size_t>(l)] && pos[0][static_cast<size_t>(l)] < 0) return false;
  }
  auto dims_of = [&](const std::vector<int>& ls) {
    int64_t n = 1;
    for (int l : ls) n *= p.label_dims[static_cast<size_t>(l)];
    return n;
  };
  const int64_t nb = dims_of(batch), m = dims_of(rows), n = dims_of(cols), k = dims_of(depth);
  // Copies operand t with its axes in the order of `groups`.
  auto gather = [&](size_t t, std::initializer_list<const std::vector<int>*> groups,
                    Tensor& dst) -> Status {
    const std::vector<int64_t> st = shape_strides(shapes[t]);
    std::vector<int64_t> dims, src_st;
    for (const auto* g : groups)
      for (int l : *g) {
        dims.push_back(p.label_dims[static_cast<size_t>(l)]);
        src_st.push_back(st[static_cast<size_t>(pos[t][static_cast<size_t>(l)])]);
      }
    SF_ASSIGN_OR_RETURN(dst, linalg::scratch(ctx, DTypeOf<F>::value, {shape_numel_unchecked(dims)}));
    ref::einsum_permute_copy(ctx.input(t).data<F>(), dims, src_st, dst.data<F>());
    return Status::ok();
  };
  Tensor a2, b2, c2;
  SF_TRY(gather(0, {&batch, &rows, &depth}, a2));
  SF_TRY(gather(1, {&batch, &depth, &cols}, b2));
  SF_ASSIGN_OR_RETURN(c2, linalg::scratch(ctx, DTypeOf<F>::value, {nb * m * n}));
  std::fill(c2.data<F>(), c2.data<F>() + nb * m * n, F(0));
  for (int64_t bi = 0; bi < nb; ++bi)
    ref::gemm_acc<F>(m, n, k, a2.data<F>() + bi * m * k, k, 1, b2.data<F>() + bi * k * n, n,
                     c2.data<F>() + bi * m * n, n);
  // c2 is [batch..., rows..., cols...]: read it in the output's label order.
  std::vector<int64_t> c_dims, c_st_by_label(n_labels, 0);
  for (const auto* g : {&batch, &rows, &cols})
    for (int l : *g) c_dims.push_back(p.label_dims[static_cast<size_t>(l)]);
  const std::vector<int64_t> c_st = shape_strides(c_dims);
  size_t i = 0;
  for (const auto* g : {&batch, &rows, &cols})
    for (int l : *g) c_st_by_label[static_cast<size_t>(l)] = c_st[i++];
  std::vector<int64_t> out_dims, out_src_st;
  for (int l : p.output_labels) {
    out_dims.push_back(p.label_dims[static_cast<size_t>(l)]);
    out_src_st.push_back(c_st_by_label[static_cast<size_t>(l)]);
  }
  ref::einsum_permute_copy(c2.data<F>(), out_dims, out_src_st, y.data<F>());
  return true;
}

Status run_einsum(KernelContext& ctx) {
  const auto& at = ctx.node.attrs_as<ir::EinsumAttrs>();
  std::vector<Shape> shapes;
  for (size_t i = 0; i < ctx.in.size(); ++i) shapes.push_back(ctx.input(i).shape());
  SF_ASSIGN_OR_RETURN(ir::EinsumPlan plan, ir::einsum_plan(at, shapes, ctx.node.label()));
  // Per operand and label: the sum of the strides of its axes with that label (0: broadcast).
  std::vector<std::vector<int64_t>> strides(shapes.size(),
                                            std::vector<int64_t>(static_cast<size_t>(plan.num_labels), 0));
  for (size_t t = 0; t < shapes.size(); ++t) {
    const std::vector<int64_t> st = shape_strides(shapes[t]);
    for (size_t ax = 0; ax < shapes[t].size(); ++ax) {
      const auto l = static_cast<size_t>(plan.operand_labels[t][ax]);
      if (shapes[t][ax] == 1 && plan.label_dims[l] != 1) continue;
      strides[t][l] += st[ax];
    }
  }
  Tensor& y = ctx.output(0);
  if (shapes.size() == 2 && (y.dtype() == DType::kF32 || y.dtype() == DType::kF64)) {
    Result<bool> done = y.dtype() == DType::kF32 ? einsum_as_gemm<float>(ctx, plan, shapes, y)
                                                 : einsum_as_gemm<double>(ctx, plan, shapes, y);
    if (!done) return done.status();
    if (*done) return Status::ok();
  }
  bool ok = visit_dtype(y.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (!std::is_same_v<T, bool>) {
      std::vector<const T*> ops;
      for (size_t i = 0; i < ctx.in.size(); ++i) ops.push_back(ctx.input(i).data<T>());
      ref::einsum<T>(ops, strides, plan.label_dims, plan.output_labels, plan.reduced_labels,
                     y.data<T>());
    }
  });
  return ok && y.dtype() != DType::kBool ? Status::ok() : ctx.error("unsupported type");
}

}  // namespace

void register_linalg_kernels() {
  register_kernel(ir::OpKind::kMatMul, run_matmul);
  register_kernel(ir::OpKind::kGemm, run_gemm);
  register_kernel(ir::OpKind::kEinsum, run_einsum);
  linalg::register_conv_kernels();
  linalg::register_quant_kernels();
}

}  // namespace sf::rt
