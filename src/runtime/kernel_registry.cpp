#include "runtime/kernel_registry.hpp"

#include <array>
#include <mutex>

#include "runtime/ref_ops/families.hpp"

namespace sf::rt {

namespace {
std::array<RunFn, ir::kOpCount>& storage() {
  static std::array<RunFn, ir::kOpCount> fns{};
  return fns;
}
}  // namespace

void register_kernel(ir::OpKind op, RunFn fn) { storage()[static_cast<size_t>(op)] = fn; }

RunFn find_kernel(ir::OpKind op) {
  static std::once_flag once;
  std::call_once(once, [] { register_all_ref_kernels(); });
  return storage()[static_cast<size_t>(op)];
}

Result<Tensor*> KernelContext::output(size_t i, DType dtype, const Shape& shape) {
  if (i >= out.size()) return internal_error(node.label() + ": output index out of range");
  Tensor& t = out[i];
  if (!t.empty()) {
    if (t.dtype() != dtype || t.shape() != shape)
      return internal_error(node.label() + ": output " + std::to_string(i) + " was inferred as " +
                            t.describe() + " but the kernel produced " + dtype_name(dtype) +
                            shape_str(shape));
    return &t;
  }
  auto made = Tensor::make(dtype, shape, max_tensor_bytes);
  if (!made) return made.status().with_context(node.label() + ": output " + std::to_string(i));
  t = std::move(made).value();
  return &t;
}

}  // namespace sf::rt
