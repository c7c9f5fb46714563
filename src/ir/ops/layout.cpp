// layout ops: schemas and inference of the channels-last pools (see layout.hpp). Attributes are
// parsed by the same functions as MaxPool / AveragePool, so a rewritten node keeps its window.
#include "ir/ops/layout.hpp"

#include "ir/op_schema.hpp"

namespace sf::ir {

namespace {

Status infer_pool_nhwc(InferContext& ctx) {
  SF_TRY(ctx.expect_dtype(0, {DType::kF32}));
  SF_TRY(ctx.expect_rank(0, 4, 4));
  const auto& a = ctx.node.attrs_as<PoolAttrs>();
  if (a.kernel_shape.size() != 2)
    return ctx.error("kernel_shape " + shape_str(a.kernel_shape) +
                     " must have 2 entries (channels-last pools are 2-D)");
  if (!ctx.rank_known(0)) {
    ctx.set_output(0, DType::kF32, std::nullopt);
    return Status::ok();
  }
  const Shape& in = ctx.shape(0);
  auto geom = pool_geometry(a, nhwc_spatial(in));
  if (!geom) return ctx.error(geom.status().message());
  ctx.set_output(0, DType::kF32, Shape{in[0], (*geom)[0].out, (*geom)[1].out, in[3]});
  return Status::ok();
}

Status infer_global_pool_nhwc(InferContext& ctx) {
  SF_TRY(ctx.expect_dtype(0, {DType::kF32}));
  SF_TRY(ctx.expect_rank(0, 4, 4));
  if (!ctx.rank_known(0)) {
    ctx.set_output(0, DType::kF32, std::nullopt);
    return Status::ok();
  }
  const Shape& in = ctx.shape(0);
  ctx.set_output(0, DType::kF32, Shape{in[0], 1, 1, in[3]});
  return Status::ok();
}

}  // namespace

void register_layout_schemas() {
  register_schema(OpKind::kMaxPoolNhwc,
                  {1, 1, 1, 1, kMinOpset, kMaxOpset, parse_max_pool_attrs, infer_pool_nhwc});
  register_schema(OpKind::kAveragePoolNhwc,
                  {1, 1, 1, 1, kMinOpset, kMaxOpset, parse_average_pool_attrs, infer_pool_nhwc});
  register_schema(OpKind::kGlobalAveragePoolNhwc,
                  {1, 1, 1, 1, kMinOpset, kMaxOpset, nullptr, infer_global_pool_nhwc});
}

}  // namespace sf::ir
