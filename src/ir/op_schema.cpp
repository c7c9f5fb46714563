#include "ir/op_schema.hpp"

#include <array>
#include <mutex>

#include "ir/ops/families.hpp"

namespace sf::ir {

namespace {
struct Registry {
  std::array<OpSchema, kOpCount> schemas{};
  std::array<bool, kOpCount> present{};
};

Registry& storage() {
  static Registry r;
  return r;
}

const Registry& registry() {
  static std::once_flag once;
  std::call_once(once, [] { register_all_schemas(); });
  return storage();
}
}  // namespace

void register_schema(OpKind op, const OpSchema& schema) {
  storage().schemas[static_cast<size_t>(op)] = schema;
  storage().present[static_cast<size_t>(op)] = true;
}

const OpSchema* find_schema(OpKind op) {
  const Registry& r = registry();
  const auto i = static_cast<size_t>(op);
  return r.present[i] ? &r.schemas[i] : nullptr;
}

Status InferContext::expect_dtype(size_t i, std::initializer_list<DType> allowed) const {
  if (!has(i)) return Status::ok();
  for (DType d : allowed)
    if (in[i].dtype == d) return Status::ok();
  std::string names;
  for (DType d : allowed) names += std::string(names.empty() ? "" : ", ") + dtype_name(d);
  return error("input " + std::to_string(i) + " has type " + dtype_name(in[i].dtype) +
               ", expected one of {" + names + "}");
}

Status InferContext::expect_rank(size_t i, int64_t lo, int64_t hi) const {
  if (!rank_known(i)) return Status::ok();
  const int64_t r = rank(i);
  if (r < lo || r > hi)
    return error("input " + std::to_string(i) + " has rank " + std::to_string(r) + " (shape " +
                 shape_str(shape(i)) + "), expected " +
                 (lo == hi ? std::to_string(lo)
                           : "between " + std::to_string(lo) + " and " + std::to_string(hi)));
  return Status::ok();
}

Status parse_node(Node& node) {
  const OpSchema* s = find_schema(node.op);
  if (!s)
    return unsupported(node.label() + ": operator " + op_name(node.op) + " (opset " +
                       std::to_string(node.opset) + ") is not supported");
  if (node.opset < s->min_opset || node.opset > s->max_opset)
    return unsupported(node.label() + ": opset " + std::to_string(node.opset) +
                       " is not supported for " + op_name(node.op) + " (supported: " +
                       std::to_string(s->min_opset) + " to " + std::to_string(s->max_opset) + ")");
  const int n_in = static_cast<int>(node.inputs.size());
  const int n_out = static_cast<int>(node.outputs.size());
  if (n_in < s->min_inputs || n_in > s->max_inputs)
    return invalid_model(node.label() + ": has " + std::to_string(n_in) + " inputs, expected " +
                         std::to_string(s->min_inputs) + " to " + std::to_string(s->max_inputs));
  for (int i = 0; i < (s->variadic ? n_in : s->min_inputs); ++i)
    if (node.inputs[static_cast<size_t>(i)] == kNoValue)
      return invalid_model(node.label() + ": required input " + std::to_string(i) + " is empty");
  if (n_out < s->min_outputs || n_out > s->max_outputs)
    return invalid_model(node.label() + ": has " + std::to_string(n_out) + " outputs, expected " +
                         std::to_string(s->min_outputs) + " to " + std::to_string(s->max_outputs));
  if (s->parse) SF_TRY(s->parse(node));
  return Status::ok();
}

Status infer_node(InferContext& ctx) {
  const OpSchema* s = find_schema(ctx.node.op);
  if (!s || !s->infer) return internal_error(ctx.node.label() + ": no inference registered");
  return s->infer(ctx);
}

}  // namespace sf::ir
