// Per-node profiler: a RunObserver that records each node's kernel time over R runs, then a
// roofline report per executed node (after fusion): the node's static cost (ir/cost.hpp: FLOPs and
// compulsory bytes = inputs + weights + outputs), its arithmetic intensity, whether it is compute-
// or memory-bound against the machine probe's balance, the attainable GFLOP/s
// min(peak, AI * bandwidth), the achieved GFLOP/s and the utilisation achieved / attainable.
#pragma once

#include <string>
#include <vector>

#include "ir/cost.hpp"
#include "runtime/machine.hpp"
#include "runtime/observer.hpp"
#include "runtime/session.hpp"

namespace sf::rt {

// Median of the values (the mean of the two middle ones for an even count; 0 for none).
double median_of(std::vector<double> v);

// Records, per node of `graph`, the kernel time of every observed run and the node's cost on
// the shapes the run actually had (the graph's inferred types, with the graph inputs' shapes
// taken from `feeds` and every node output's from the tensor it produced), so free dimensions
// such as a batch size "N" are costed. Use one profiler per set of input shapes.
class Profiler : public RunObserver {
 public:
  Profiler(const ir::Graph& graph, const NamedTensors& feeds);
  Status after_node(size_t index, const ir::Node& node, std::vector<Tensor>& outputs,
                    double seconds) override;
  // seconds[k]: one entry per observed run of node k.
  const std::vector<std::vector<double>>& samples() const { return samples_; }
  // Node k's cost on the observed shapes ({-1, -1} before it ran or when a shape is unknown).
  const ir::NodeCost& cost(size_t k) const { return costs_[k]; }

 private:
  const ir::Graph& graph_;
  std::vector<ir::TypeInfo> types_;  // per value: as observed
  std::vector<std::vector<double>> samples_;
  std::vector<ir::NodeCost> costs_;
  std::vector<bool> costed_;
};

struct NodeProfile {
  size_t index = 0;
  std::string name, op, kernel;
  double seconds = 0;            // median over the runs
  double flops = -1, bytes = -1; // static cost; -1 when the shapes are not static
  double intensity = 0;          // FLOP per byte (0 when unknown)
  bool compute_bound = false;    // intensity >= machine balance
  double attainable_gflops = 0;  // min(peak, intensity * bandwidth)
  double achieved_gflops = 0;    // flops / seconds
  double utilisation = 0;        // achieved / attainable (fraction)
};

struct ProfileTotals {
  double seconds = 0;            // sum of the node medians
  double flops = 0, bytes = 0;   // over nodes with a known cost
  double achieved_gflops = 0;    // flops / seconds
  // The roofline's bound for the whole graph: flops / sum_k (flops_k / attainable_k), and the
  // fraction of it reached.
  double attainable_gflops = 0;
  double utilisation = 0;
};

struct ProfileReport {
  std::vector<NodeProfile> nodes;
  ProfileTotals totals;
  int threads = 1;
  size_t runs = 0;
  double peak_gflops = 0;    // for `threads` (MachineInfo::peak_gflops_for)
  double bandwidth_gbs = 0;  // for `threads`
  double balance = 0;        // peak / bandwidth
  std::string cpu, isa;
};

// Combines the samples and costs with the session's kernels and the machine figures; the
// profiler must have observed `session.graph()`.
ProfileReport build_profile(const Session& session, const Profiler& profiler,
                            const MachineInfo& machine);

}  // namespace sf::rt
