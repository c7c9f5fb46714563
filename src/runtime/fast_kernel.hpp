// Fast kernels chosen per node at plan time. A family registers PrepareFns per op; Session::prepare
// offers each node to them in registration order. A PrepareFn looks at the node (attributes,
// constant inputs such as weights, inferred shapes, options) and returns a PreparedKernel that
// owns whatever it precomputed (packed weights, Winograd-transformed filters), or nullptr when it
// does not handle this node, which then runs on the reference kernel.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/status.hpp"
#include "core/tensor.hpp"
#include "ir/graph.hpp"
#include "runtime/exec_options.hpp"
#include "runtime/kernel_registry.hpp"
#include "runtime/region.hpp"

namespace sf::rt {

struct PrepareContext {
  const ir::Graph& graph;
  const ir::Node& node;
  const ExecOptions& opts;
  // The checksum scheme the session wants for this node (kGlobal or kTile), or kNone.
  abft::Scheme abft = abft::Scheme::kNone;

  size_t num_inputs() const { return node.inputs.size(); }
  bool has_input(size_t i) const { return i < node.inputs.size() && node.inputs[i] != ir::kNoValue; }
  // Input i's value when it is a constant (an initializer or folded), else nullptr.
  const Tensor* constant(size_t i) const;
  // Input i's inferred type (shape may be partly unknown); nullptr when the input is omitted.
  const ir::TypeInfo* input_type(size_t i) const;
  const ir::TypeInfo& output_type(size_t i) const;
  // Input i's shape when fully static, else nullptr.
  const Shape* static_input_shape(size_t i) const;
};

class PreparedKernel {
 public:
  virtual ~PreparedKernel() = default;
  // The variant that runs, as in kernel naming: e.g. "conv_f32_nhwc_bias_relu__avx512_14x32".
  virtual std::string name() const = 0;
  // Runs on a context prepared like a reference kernel's (outputs preallocated where inference
  // fixed their shape). Must not modify the kernel (one prepared kernel may serve many runs).
  virtual Status run(KernelContext& ctx) const = 0;
  // Indices of constant inputs this kernel copied into its own form at prepare (packed weights)
  // and never reads at run time beyond their dtype and shape. When every reader of a constant
  // says so, the session frees the original bytes: the weights are then held once, packed.
  virtual std::vector<size_t> packed_inputs() const { return {}; }
  // The checksum scheme this kernel runs (PrepareContext::abft when it implements it, else kNone;
  // the session then protects the node by duplication or leaves it unprotected).
  virtual abft::Scheme abft_scheme() const { return abft::Scheme::kNone; }

  // Incremental re-execution (region.hpp). `changed[i]`: where input i differs from the run
  // whose output 0 is being updated (nullopt: nowhere). Returns the NHWC region of output 0
  // that depends on those positions, or nullopt when this kernel cannot recompute part of its
  // output (or an input changed in a way it cannot bound, such as a weight).
  virtual std::optional<Region> output_region(
      const std::vector<const Tensor*>& /*in*/,
      const std::vector<std::optional<Region>>& /*changed*/) const {
    return std::nullopt;
  }
  // Recomputes region r of output 0 (ctx.output(0), allocated and holding the earlier run's
  // values, which stay as they are outside r), bit-identical to what run() writes there.
  virtual Status run_region(KernelContext& ctx, const Region& /*r*/) const {
    return ctx.error("this kernel cannot recompute part of its output");
  }
};

using PrepareFn = Result<std::unique_ptr<PreparedKernel>> (*)(const PrepareContext& ctx);

void register_fast_kernel(ir::OpKind op, PrepareFn fn);
const std::vector<PrepareFn>& fast_kernels_for(ir::OpKind op);

// Chooses the kernel for one node: the first fast kernel that accepts it, else nullptr
// (the reference kernel runs).
Result<std::unique_ptr<PreparedKernel>> prepare_fast_kernel(
    const ir::Graph& g, const ir::Node& n, const ExecOptions& opts,
    abft::Scheme abft = abft::Scheme::kNone);

}  // namespace sf::rt
