// Session: load -> verify -> infer -> simplify -> plan, then run many times.
// The executor walks nodes in order, infers each node's output shapes from the actual inputs,
// allocates outputs under the memory cap, runs the node's kernel and frees values after
// their last use.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/status.hpp"
#include "core/tensor.hpp"
#include "io/onnx/loader.hpp"
#include "ir/graph.hpp"
#include "ir/passes/passes.hpp"
#include "abft/scheme.hpp"
#include "runtime/abft_guard.hpp"
#include "runtime/exec_options.hpp"
#include "runtime/fast_kernel.hpp"
#include "runtime/kernel_registry.hpp"
#include "runtime/memory_plan.hpp"
#include "runtime/observer.hpp"

namespace sf::rt {

struct SessionOptions {
  int threads = 0;                 // 0: one per physical core
  int64_t max_tensor_bytes = MemoryLimit::kDefaultBytes;
  bool optimize = true;            // constant folding, identity and dead-node removal
  int64_t max_folded_bytes = int64_t{64} << 20;
  ExecOptions exec;                // fast kernels and their switches (exec.threads is set from threads)
  // Keep constant inputs after their kernels packed them (weight-fault campaigns re-prepare a
  // node from a corrupted copy of its weights; see Session::prepare_with_constant).
  bool keep_constants = false;
};

struct IoInfo {
  std::string name;
  ir::TypeInfo type;
};

using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

// Every value of one run (graph inputs and node outputs, indexed by value id; constants are not
// copied), so later runs can restart from any node: fault campaigns run the golden inference
// once per input and re-execute each injection only from the faulty node onward.
struct Snapshot {
  std::vector<Tensor> values;
  NamedTensors outputs;  // the run's graph outputs
  double seconds = 0;    // the run's wall time
};

// Changes to one run (weight faults): constants read with other bytes, and nodes run by other
// prepared kernels (made by Session::prepare_with_constant). Neither is owned.
struct RunOverrides {
  std::vector<std::pair<ir::ValueId, const Tensor*>> values;
  std::vector<std::pair<size_t, const PreparedKernel*>> kernels;
};

class Session {
 public:
  static Result<std::unique_ptr<Session>> load(const std::string& path, const SessionOptions& opts);
  static Result<std::unique_ptr<Session>> from_graph(std::unique_ptr<ir::Graph> graph,
                                                     const SessionOptions& opts);

  std::vector<IoInfo> inputs() const;
  std::vector<IoInfo> outputs() const;
  const ir::Graph& graph() const { return *graph_; }
  const ir::PassStats& pass_stats() const { return stats_; }
  const onnx_io::ModelInfo& model_info() const { return info_; }

  // Runs the graph; inputs are matched by name and checked against the declared types.
  // `observer`, when given, sees every node before and after it runs. `abft_report`, when given,
  // accumulates the ABFT counts and events of this run (its layers are set up on first use).
  Result<NamedTensors> run(const NamedTensors& inputs, RunObserver* observer = nullptr,
                           abft::Report* abft_report = nullptr) const;
  // A run that keeps a copy of every value it makes.
  Result<Snapshot> capture(const NamedTensors& inputs) const;
  // Runs nodes [first, end) with the values made before `first` taken from `snap` (which is not
  // modified). With the same inputs and no fault the outputs are bit-identical to run()'s.
  Result<NamedTensors> run_from(const Snapshot& snap, size_t first, RunObserver* observer = nullptr,
                                abft::Report* abft_report = nullptr,
                                const RunOverrides* overrides = nullptr) const;
  // run_from(snap, first, nullptr, nullptr, &overrides) computing only what the overridden
  // values change (incremental re-execution, for fault campaigns): a node whose inputs all equal
  // snap's takes snap's outputs, a kernel that can bound the NHWC region its changed inputs
  // reach recomputes only that region (runtime/region.hpp), and each new output is compared with
  // snap's. The outputs are bit-identical to run_from's. No ABFT, no observer, no kernel
  // overrides (a replaced kernel changes its node's every output).
  Result<NamedTensors> run_changed(const Snapshot& snap, size_t first,
                                   const RunOverrides& overrides) const;
  // Node k's kernel prepared again as if constant `value` held `replacement` (same dtype and
  // shape): a persistent weight fault. Needs SessionOptions::keep_constants when the node's
  // kernel packs that constant. Returns nullptr when node k runs on its reference kernel (which
  // reads the constant at run time, so RunOverrides::values alone corrupts it).
  Result<std::unique_ptr<PreparedKernel>> prepare_with_constant(size_t k, ir::ValueId value,
                                                                const Tensor& replacement);

  // The kernel chosen for node k: a fast variant's name, or "ref".
  std::string kernel_name(size_t k) const;
  const ExecOptions& exec_options() const { return opts_.exec; }
  // The activation arena (empty when memory planning is off).
  const MemoryPlan& memory_plan() const { return memory_; }
  // Bytes of constants freed after packing (the packed copies replace them).
  int64_t released_constant_bytes() const { return released_bytes_; }
  // The ABFT scheme node k runs under and why.
  const AbftNodePlan& abft_plan(size_t k) const { return abft_plan_[k]; }
  // The machine balance (FLOP per byte) the intensity-guided choice used (0 when not needed).
  double abft_balance() const { return abft_balance_; }

 private:
  Status prepare();
  Result<NamedTensors> execute_run(std::vector<Tensor>& env, size_t first, RunObserver* observer,
                                   abft::Report* abft_report, const RunOverrides* overrides,
                                   const Snapshot* golden = nullptr) const;
  // The run's value table for a restart at node `first` from snap, with the overrides applied.
  Status env_from(const Snapshot& snap, size_t first, const RunOverrides* overrides,
                  std::vector<Tensor>& env) const;
  Result<AbftNodePlan> choose_abft(const ir::Node& n);
  void release_packed_inputs(size_t k, std::vector<int>& readers_left, std::vector<bool>& releasable);
  std::unique_ptr<ir::Graph> graph_;
  SessionOptions opts_;
  ir::PassStats stats_;
  onnx_io::ModelInfo info_;
  std::vector<RunFn> kernels_;              // per node: the reference kernel
  std::vector<std::unique_ptr<PreparedKernel>> fast_;  // per node: the fast kernel, or null
  std::vector<std::vector<ir::ValueId>> free_after_;  // per node: values dead after it
  std::vector<std::vector<ir::TypeInfo>> static_out_;  // per node: see ExecPlan::static_out
  MemoryPlan memory_;
  int64_t released_bytes_ = 0;  // constant bytes freed because kernels hold them packed
  std::vector<AbftNodePlan> abft_plan_;  // per node
  double abft_balance_ = 0;
};

// Runs one node on given tensors with the reference kernels (used by constant folding,
// subgraph execution and tests).
Result<std::vector<Tensor>> run_node(const ir::Node& node, const std::vector<const Tensor*>& in,
                                     int64_t max_tensor_bytes);

// Runs a graph with values bound by name (outer-scope values for subgraphs come from `outer`).
Result<std::vector<Tensor>> run_graph(const ir::Graph& g, const std::vector<Tensor>& inputs,
                                      const std::vector<std::pair<std::string, const Tensor*>>& outer,
                                      int64_t max_tensor_bytes);

}  // namespace sf::rt
