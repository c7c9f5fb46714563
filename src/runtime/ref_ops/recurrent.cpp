// Binds recurrent nodes (RNN, GRU, LSTM) to the reference kernels in kernels/ref/recurrent.hpp.
#include "ir/ops/recurrent.hpp"

#include "kernels/ref/recurrent.hpp"
#include "runtime/kernel_registry.hpp"

namespace sf::rt {

namespace {

ref::RnnAct to_ref(ir::RnnActivationKind k) {
  using K = ir::RnnActivationKind;
  switch (k) {
    case K::kRelu:
      return ref::RnnAct::kRelu;
    case K::kTanh:
      return ref::RnnAct::kTanh;
    case K::kSigmoid:
      return ref::RnnAct::kSigmoid;
    case K::kAffine:
      return ref::RnnAct::kAffine;
    case K::kLeakyRelu:
      return ref::RnnAct::kLeakyRelu;
    case K::kThresholdedRelu:
      return ref::RnnAct::kThresholdedRelu;
    case K::kScaledTanh:
      return ref::RnnAct::kScaledTanh;
    case K::kHardSigmoid:
      return ref::RnnAct::kHardSigmoid;
    case K::kElu:
      return ref::RnnAct::kElu;
    case K::kSoftsign:
      return ref::RnnAct::kSoftsign;
    case K::kSoftplus:
      return ref::RnnAct::kSoftplus;
  }
  return ref::RnnAct::kTanh;
}

// Inputs: X, W, R, B, sequence_lens, initial_h (+ initial_c, P for LSTM); shapes were checked by
// inference, which ran on these very tensors.
Status run_recurrent(KernelContext& ctx) {
  const auto& a = ctx.node.attrs_as<ir::RecurrentAttrs>();
  const Tensor& x = ctx.input(0);
  const Tensor& r = ctx.input(2);
  const bool lstm = a.gates == 4;
  ref::RnnParams p;
  p.cell = a.gates == 1   ? ref::RnnCell::kRnn
           : a.gates == 3 ? ref::RnnCell::kGru
                          : ref::RnnCell::kLstm;
  p.batch_first = a.layout == 1;
  p.seq_length = x.dim(p.batch_first ? 1 : 0);
  p.batch = x.dim(p.batch_first ? 0 : 1);
  p.input_size = x.dim(2);
  p.hidden = r.dim(2);
  p.num_directions = a.num_directions;
  p.reverse = a.direction == ir::RnnDirection::kReverse;
  p.clip = a.clip ? *a.clip : 0.f;
  p.linear_before_reset = a.linear_before_reset;
  p.input_forget = a.input_forget;
  std::vector<ref::RnnActFn> acts;
  for (const ir::RnnActivation& f : a.activations)
    acts.push_back({to_ref(f.kind), f.alpha, f.beta});
  p.acts = acts.data();

  std::vector<int64_t> lens;
  if (ctx.has(4)) {
    const Tensor& sl = ctx.input(4);
    for (int64_t n = 0; n < sl.numel(); ++n) {
      const int64_t len = sl.int_at(n);
      if (len < 0 || len > p.seq_length)
        return ctx.error("sequence_lens[" + std::to_string(n) + "] = " + std::to_string(len) +
                         " is outside [0, " + std::to_string(p.seq_length) + "]");
      lens.push_back(len);
    }
  }
  // The kernel writes every output; those the node does not list go to scratch tensors.
  const int64_t S = p.seq_length, N = p.batch, D = p.num_directions, H = p.hidden;
  const Shape y_shape = p.batch_first ? Shape{N, S, D, H} : Shape{S, D, N, H};
  const Shape state_shape = p.batch_first ? Shape{N, D, H} : Shape{D, N, H};
  std::vector<Tensor> scratch(3);
  auto out = [&](size_t i, const Shape& shape) -> Result<Tensor*> {
    if (i < ctx.num_outputs()) return ctx.output(i, x.dtype(), shape);
    SF_ASSIGN_OR_RETURN(scratch[i], Tensor::make(x.dtype(), shape, ctx.max_tensor_bytes));
    return &scratch[i];
  };
  SF_ASSIGN_OR_RETURN(Tensor * y, out(0, y_shape));
  SF_ASSIGN_OR_RETURN(Tensor * y_h, out(1, state_shape));
  Tensor* y_c = nullptr;
  if (lstm) {
    SF_ASSIGN_OR_RETURN(y_c, out(2, state_shape));
  }
  bool supported = false;
  visit_dtype(x.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (ref::is_floating_v<T>) {
      ref::RnnTensors<T> t;
      t.x = x.data<T>();
      t.w = ctx.input(1).data<T>();
      t.r = r.data<T>();
      t.bias = ctx.has(3) ? ctx.input(3).data<T>() : nullptr;
      t.seq_lens = ctx.has(4) ? lens.data() : nullptr;
      t.init_h = ctx.has(5) ? ctx.input(5).data<T>() : nullptr;
      t.init_c = lstm && ctx.has(6) ? ctx.input(6).data<T>() : nullptr;
      t.peephole = lstm && ctx.has(7) ? ctx.input(7).data<T>() : nullptr;
      t.y = y->data<T>();
      t.y_h = y_h->data<T>();
      t.y_c = y_c ? y_c->data<T>() : nullptr;
      ref::rnn_run(p, t);
      supported = true;
    }
  });
  return supported ? Status::ok()
                   : ctx.error(std::string("unsupported type ") + dtype_name(x.dtype()));
}

}  // namespace

void register_recurrent_kernels() {
  register_kernel(ir::OpKind::kRNN, run_recurrent);
  register_kernel(ir::OpKind::kGRU, run_recurrent);
  register_kernel(ir::OpKind::kLSTM, run_recurrent);
}

}  // namespace sf::rt
