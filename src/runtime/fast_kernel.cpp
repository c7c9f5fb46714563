#include "runtime/fast_kernel.hpp"

#include <array>
#include <mutex>

#include "runtime/fast_ops/families.hpp"

namespace sf::rt {

namespace {
std::array<std::vector<PrepareFn>, ir::kOpCount>& storage() {
  static std::array<std::vector<PrepareFn>, ir::kOpCount> fns;
  return fns;
}
}  // namespace

void register_fast_kernel(ir::OpKind op, PrepareFn fn) {
  storage()[static_cast<size_t>(op)].push_back(fn);
}

const std::vector<PrepareFn>& fast_kernels_for(ir::OpKind op) {
  static std::once_flag once;
  std::call_once(once, [] { register_all_fast_kernels(); });
  return storage()[static_cast<size_t>(op)];
}

const Tensor* PrepareContext::constant(size_t i) const {
  if (!has_input(i)) return nullptr;
  const auto& v = graph.value(node.inputs[i]);
  return v.constant ? &*v.constant : nullptr;
}

const ir::TypeInfo* PrepareContext::input_type(size_t i) const {
  if (!has_input(i)) return nullptr;
  return &graph.value(node.inputs[i]).type;
}

const ir::TypeInfo& PrepareContext::output_type(size_t i) const {
  return graph.value(node.outputs[i]).type;
}

const Shape* PrepareContext::static_input_shape(size_t i) const {
  const ir::TypeInfo* t = input_type(i);
  return t && t->shape && shape_is_static(*t->shape) ? &*t->shape : nullptr;
}

Result<std::unique_ptr<PreparedKernel>> prepare_fast_kernel(const ir::Graph& g, const ir::Node& n,
                                                           const ExecOptions& opts,
                                                           abft::Scheme abft) {
  if (!opts.fast_kernels) return std::unique_ptr<PreparedKernel>();
  PrepareContext ctx{g, n, opts, abft};
  for (PrepareFn fn : fast_kernels_for(n.op)) {
    SF_ASSIGN_OR_RETURN(std::unique_ptr<PreparedKernel> k, fn(ctx));
    if (k) return k;
  }
  return std::unique_ptr<PreparedKernel>();
}

}  // namespace sf::rt
