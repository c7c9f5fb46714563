// Elementwise ops: typed attributes, validation and inference.
#include "ir/ops/elementwise.hpp"

#include "ir/op_schema.hpp"

namespace sf::ir {

namespace {

Status infer_same_as_input0(InferContext& ctx) {
  ctx.set_output(0, ctx.dtype(0), ctx.in[0].shape);
  return Status::ok();
}

Status infer_float_unary(InferContext& ctx) {
  SF_TRY(ctx.expect_dtype(0, {DType::kF32, DType::kF64, DType::kF16, DType::kBF16}));
  return infer_same_as_input0(ctx);
}

Status infer_broadcast_binary(InferContext& ctx) {
  if (ctx.dtype(0) != ctx.dtype(1))
    return ctx.error(std::string("inputs have different types: ") + dtype_name(ctx.dtype(0)) +
                     " and " + dtype_name(ctx.dtype(1)));
  if (!ctx.rank_known(0) || !ctx.rank_known(1)) {
    ctx.set_output(0, ctx.dtype(0), std::nullopt);
    return Status::ok();
  }
  auto s = broadcast_shapes(ctx.shape(0), ctx.shape(1));
  if (!s) return ctx.error(s.status().message());
  ctx.set_output(0, ctx.dtype(0), *s);
  return Status::ok();
}

}  // namespace

void register_elementwise_schemas() {
  register_schema(OpKind::kRelu, {1, 1, 1, 1, 1, kMaxOpset, nullptr, infer_float_unary});
  register_schema(OpKind::kAdd, {2, 2, 1, 1, 1, kMaxOpset, nullptr, infer_broadcast_binary});
}

}  // namespace sf::ir
