// Binds the nn normalisation nodes (BatchNormalization, InstanceNormalization,
// LayerNormalization, LpNormalization, MeanVarianceNormalization, LRN) and Dropout to the
// reference kernels in kernels/ref/norm.hpp and kernels/ref/nn_dropout.hpp. Small parameter
// tensors (per channel / per normalised element) are converted to double here so their type
// may differ from the input's (BatchNormalization-15, float16 models with float32 stats).
#include <cstring>
#include <vector>

#include "ir/ops/nn.hpp"
#include "kernels/ref/broadcast.hpp"
#include "kernels/ref/nn_dropout.hpp"
#include "kernels/ref/norm.hpp"
#include "runtime/kernel_registry.hpp"

namespace sf::rt {

void register_nn_norm_kernels();

namespace {

int64_t dims_product(const Shape& s, size_t from, size_t to) {
  int64_t n = 1;
  for (size_t i = from; i < to && i < s.size(); ++i) n *= s[i];
  return n;
}

std::vector<double> to_doubles(const Tensor& t) {
  std::vector<double> v(static_cast<size_t>(t.numel()));
  for (int64_t i = 0; i < t.numel(); ++i) v[static_cast<size_t>(i)] = t.double_at(i);
  return v;
}

// Writes `v` into a floating-point tensor of the same element count.
void store_doubles(Tensor& t, const std::vector<double>& v) {
  visit_dtype(t.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (ref::is_floating_v<T>) {
      T* d = t.data<T>();
      for (size_t i = 0; i < v.size(); ++i) d[i] = ref::store_f64<T>(v[i]);
    }
  });
}

// Runs f(TypeTag<T>) for the floating-point input types; other types are an error.
template <typename F>
Status visit_float(const KernelContext& ctx, DType dt, F&& f) {
  bool done = false;
  visit_dtype(dt, [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (ref::is_floating_v<T>) {
      f(tag);
      done = true;
    }
  });
  return done ? Status::ok() : ctx.error(std::string("unsupported type ") + dtype_name(dt));
}

Status check_param_count(const KernelContext& ctx, size_t i, int64_t want) {
  if (ctx.input(i).numel() != want)
    return ctx.error("input " + std::to_string(i) + " " + ctx.input(i).describe() + " needs " +
                     std::to_string(want) + " values");
  return Status::ok();
}

Status run_batch_norm(KernelContext& ctx) {
  const auto& a = ctx.node.attrs_as<ir::BatchNormAttrs>();
  const Tensor& x = ctx.input(0);
  const Shape& s = x.shape();
  const int64_t n = s[0];
  const int64_t channels = a.spatial ? s[1] : dims_product(s, 1, s.size());
  const int64_t inner = a.spatial ? dims_product(s, 2, s.size()) : 1;
  for (size_t i = 1; i < 5; ++i) SF_TRY(check_param_count(ctx, i, channels));
  const std::vector<double> scale = to_doubles(ctx.input(1)), bias = to_doubles(ctx.input(2));
  std::vector<double> mean = to_doubles(ctx.input(3)), var = to_doubles(ctx.input(4));
  Tensor& y = ctx.output(0);
  if (a.training) {
    // Normalise with the batch statistics (population variance); the running statistics
    // become input * momentum + batch * (1 - momentum), as the ONNX reference.
    std::vector<double> batch_mean(mean.size()), batch_var(var.size());
    SF_TRY(visit_float(ctx, x.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      ref::channel_stats(x.data<T>(), n, channels, inner, batch_mean.data(), batch_var.data());
    }));
    if (ctx.num_outputs() == 3) {
      const double m = a.momentum;
      for (size_t c = 0; c < mean.size(); ++c) {
        mean[c] = mean[c] * m + batch_mean[c] * (1 - m);
        var[c] = var[c] * m + batch_var[c] * (1 - m);
      }
      store_doubles(ctx.output(1), mean);
      store_doubles(ctx.output(2), var);
    }
    mean.swap(batch_mean);
    var.swap(batch_var);
  }
  return visit_float(ctx, x.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    ref::batch_norm(x.data<T>(), y.data<T>(), n, channels, inner, scale.data(), bias.data(),
                    mean.data(), var.data(), a.epsilon);
  });
}

Status run_instance_norm(KernelContext& ctx) {
  const auto& a = ctx.node.attrs_as<ir::InstanceNormAttrs>();
  const Tensor& x = ctx.input(0);
  const Shape& s = x.shape();
  const int64_t inner = dims_product(s, 2, s.size());
  for (size_t i = 1; i < 3; ++i) SF_TRY(check_param_count(ctx, i, s[1]));
  const std::vector<double> scale = to_doubles(ctx.input(1)), bias = to_doubles(ctx.input(2));
  Tensor& y = ctx.output(0);
  return visit_float(ctx, x.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    ref::instance_norm(x.data<T>(), y.data<T>(), s[0], s[1], inner, scale.data(), bias.data(),
                       a.epsilon);
  });
}

// Scale or B of LayerNormalization expanded to one value per normalised element.
std::vector<double> expand_to(const Tensor& t, const Shape& norm) {
  Shape ps = t.shape();
  while (ps.size() > norm.size() && ps.front() == 1) ps.erase(ps.begin());
  const std::array<std::vector<int64_t>, 1> strides = {ref::broadcast_strides(ps, norm)};
  std::vector<double> v(static_cast<size_t>(shape_numel_unchecked(norm)));
  ref::for_each_broadcast<1>(norm, strides, [&](int64_t o, const std::array<int64_t, 1>& off) {
    v[static_cast<size_t>(o)] = t.double_at(off[0]);
  });
  return v;
}

Status run_layer_norm(KernelContext& ctx) {
  const auto& a = ctx.node.attrs_as<ir::LayerNormAttrs>();
  const Tensor& x = ctx.input(0);
  const Shape& s = x.shape();
  SF_ASSIGN_OR_RETURN(const int64_t axis, normalize_axis(a.axis, x.rank()));
  const auto ax = static_cast<size_t>(axis);
  const Shape norm(s.begin() + static_cast<std::ptrdiff_t>(ax), s.end());
  const int64_t outer = dims_product(s, 0, ax), inner = shape_numel_unchecked(norm);
  const std::vector<double> scale = expand_to(ctx.input(1), norm);
  const std::vector<double> bias = ctx.has(2) ? expand_to(ctx.input(2), norm) : std::vector<double>();
  std::vector<double> mean(static_cast<size_t>(outer)), inv_std(static_cast<size_t>(outer));
  Tensor& y = ctx.output(0);
  SF_TRY(visit_float(ctx, x.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    ref::layer_norm(x.data<T>(), y.data<T>(), outer, inner, scale.data(),
                    ctx.has(2) ? bias.data() : nullptr, a.epsilon, mean.data(), inv_std.data());
  }));
  if (ctx.num_outputs() > 1) store_doubles(ctx.output(1), mean);
  if (ctx.num_outputs() > 2) store_doubles(ctx.output(2), inv_std);
  return Status::ok();
}

Status run_lp_norm(KernelContext& ctx) {
  const auto& a = ctx.node.attrs_as<ir::LpNormAttrs>();
  const Tensor& x = ctx.input(0);
  const Shape& s = x.shape();
  SF_ASSIGN_OR_RETURN(const int64_t axis, normalize_axis(a.axis, x.rank()));
  const auto ax = static_cast<size_t>(axis);
  const int64_t outer = dims_product(s, 0, ax), inner = dims_product(s, ax + 1, s.size());
  Tensor& y = ctx.output(0);
  return visit_float(ctx, x.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    ref::lp_norm(x.data<T>(), y.data<T>(), outer, s[ax], inner, a.p);
  });
}

Status run_mvn(KernelContext& ctx) {
  const auto& a = ctx.node.attrs_as<ir::MvnAttrs>();
  const Tensor& x = ctx.input(0);
  std::vector<bool> reduced(x.shape().size(), false);
  for (int64_t ax : a.axes) {
    SF_ASSIGN_OR_RETURN(const int64_t n, normalize_axis(ax, x.rank()));
    reduced[static_cast<size_t>(n)] = true;
  }
  Tensor& y = ctx.output(0);
  return visit_float(ctx, x.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    ref::mvn(x.data<T>(), y.data<T>(), x.shape(), reduced, a.normalize_variance);
  });
}

Status run_lrn(KernelContext& ctx) {
  const auto& a = ctx.node.attrs_as<ir::LrnAttrs>();
  const Tensor& x = ctx.input(0);
  const Shape& s = x.shape();
  Tensor& y = ctx.output(0);
  return visit_float(ctx, x.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    ref::lrn(x.data<T>(), y.data<T>(), s[0], s[1], dims_product(s, 2, s.size()), a.size, a.alpha,
             a.beta, a.bias);
  });
}

// Opset 12+: training when input 2 is true and the ratio (input 1, default 0.5) is non-zero;
// the mask uses the `seed` attribute (0 when absent, so runs are reproducible). Before opset
// 12 Dropout is always the identity here (is_test=0 of opsets 1 and 6 is treated as inference,
// as ONNX Runtime does).
Status run_dropout(KernelContext& ctx) {
  const auto& a = ctx.node.attrs_as<ir::DropoutAttrs>();
  const Tensor& x = ctx.input(0);
  Tensor& y = ctx.output(0);
  const bool want_mask = ctx.num_outputs() > 1;
  bool training = false;
  double ratio = 0.5;
  if (ctx.node.opset >= 12) {
    if (ctx.has(2)) training = ctx.input(2).data<bool>()[0];
    if (ctx.has(1)) ratio = ctx.input(1).double_at(0);
  }
  if (training && ratio != 0) {
    if (!(ratio >= 0 && ratio < 1))
      return ctx.error("ratio must be in [0, 1) in training mode, got " + std::to_string(ratio));
    Tensor scratch;
    bool* mask = nullptr;
    if (want_mask) {
      mask = ctx.output(1).data<bool>();
    } else {
      auto made = Tensor::make(DType::kBool, x.shape(), ctx.max_tensor_bytes);
      if (!made) return made.status().with_context(ctx.node.label() + ": dropout mask");
      scratch = std::move(made).value();
      mask = scratch.data<bool>();
    }
    const auto seed = static_cast<uint32_t>(a.seed.value_or(0));  // numpy takes 32 bits
    ref::dropout_mask(seed, ratio, mask, x.numel());
    return visit_float(ctx, x.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      ref::dropout_apply(x.data<T>(), mask, y.data<T>(), x.numel(), ratio);
    });
  }
  if (x.nbytes() > 0) std::memcpy(y.raw(), x.raw(), x.nbytes());
  if (want_mask) {
    Tensor& m = ctx.output(1);
    visit_dtype(m.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      T* d = m.data<T>();
      for (int64_t i = 0; i < m.numel(); ++i) {
        if constexpr (std::is_same_v<T, bool>) d[i] = true;
        else d[i] = ref::store<T>(1);
      }
    });
  }
  return Status::ok();
}

}  // namespace

void register_nn_norm_kernels() {
  register_kernel(ir::OpKind::kBatchNormalization, run_batch_norm);
  register_kernel(ir::OpKind::kInstanceNormalization, run_instance_norm);
  register_kernel(ir::OpKind::kLayerNormalization, run_layer_norm);
  register_kernel(ir::OpKind::kLpNormalization, run_lp_norm);
  register_kernel(ir::OpKind::kMeanVarianceNormalization, run_mvn);
  register_kernel(ir::OpKind::kLRN, run_lrn);
  register_kernel(ir::OpKind::kDropout, run_dropout);
}

}  // namespace sf::rt
