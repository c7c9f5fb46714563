// Run functions: one per op, binding a node's tensors to kernels. The reference set lives in
// src/runtime/ref_ops/<family>.cpp; faster backends will register per-node choices at plan time.
#pragma once

#include <string>
#include <vector>

#include "abft/scheme.hpp"
#include "core/status.hpp"
#include "core/tensor.hpp"
#include "ir/graph.hpp"

namespace sf::rt {

class KernelContext {
 public:
  KernelContext(const ir::Node& n, std::vector<const Tensor*> inputs,
                const std::vector<ir::TypeInfo>& types, int64_t max_bytes)
      : node(n), in(std::move(inputs)), out(n.outputs.size()), inferred(types),
        max_tensor_bytes(max_bytes) {}

  const ir::Node& node;
  std::vector<const Tensor*> in;   // nullptr for an omitted optional input
  std::vector<Tensor> out;         // allocated by the executor when inference fixed the shape
  const std::vector<ir::TypeInfo>& inferred;
  int64_t max_tensor_bytes;
  int threads = 1;  // fast kernels may split their work over this many threads
  // ABFT: where a kernel prepared with a checksum scheme reports what its checks saw (null: the
  // node runs unprotected or under duplication, which the executor does itself).
  abft::CheckResult* abft = nullptr;

  bool has(size_t i) const { return i < in.size() && in[i] != nullptr; }
  const Tensor& input(size_t i) const { return *in[i]; }
  size_t num_outputs() const { return out.size(); }
  // Output i, allocated now if the executor could not (data-dependent shape).
  Result<Tensor*> output(size_t i, DType dtype, const Shape& shape);
  // Output i as allocated by the executor (inference gave its full shape).
  Tensor& output(size_t i) { return out[i]; }
  Status error(const std::string& what) const {
    return runtime_error(node.label() + ": " + what);
  }
};

using RunFn = Status (*)(KernelContext& ctx);

void register_kernel(ir::OpKind op, RunFn fn);
RunFn find_kernel(ir::OpKind op);

}  // namespace sf::rt
