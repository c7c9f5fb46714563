#include "runtime/profiler.hpp"

#include <algorithm>
#include <cstdint>

#include "ir/op_kind.hpp"

namespace sf::rt {

double median_of(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

Profiler::Profiler(const ir::Graph& graph, const NamedTensors& feeds)
    : graph_(graph),
      samples_(graph.nodes.size()),
      costs_(graph.nodes.size(), ir::NodeCost{-1, -1}),
      costed_(graph.nodes.size(), false) {
  types_.reserve(graph.values.size());
  for (const ir::Value& v : graph.values) types_.push_back(v.type);
  for (ir::ValueId id : graph.inputs) {
    const ir::Value& v = graph.value(id);
    for (const auto& feed : feeds)
      if (feed.first == v.name) types_[static_cast<size_t>(id)] = {feed.second.dtype(), feed.second.shape()};
  }
}

Status Profiler::after_node(size_t index, const ir::Node& node, std::vector<Tensor>& outputs,
                            double seconds) {
  if (index >= samples_.size() || &node != &graph_.nodes[index])
    return internal_error(node.label() + ": the profiler observes another graph (node " +
                          std::to_string(index) + ")");
  samples_[index].push_back(seconds);
  if (costed_[index]) return Status::ok();
  for (size_t o = 0; o < node.outputs.size() && o < outputs.size(); ++o)
    if (node.outputs[o] != ir::kNoValue)
      types_[static_cast<size_t>(node.outputs[o])] = {outputs[o].dtype(), outputs[o].shape()};
  std::vector<const ir::TypeInfo*> in, out;
  for (ir::ValueId id : node.inputs)
    in.push_back(id == ir::kNoValue ? nullptr : &types_[static_cast<size_t>(id)]);
  for (ir::ValueId id : node.outputs)
    out.push_back(id == ir::kNoValue ? nullptr : &types_[static_cast<size_t>(id)]);
  costs_[index] = ir::node_cost(node, in, out);
  costed_[index] = true;
  return Status::ok();
}

ProfileReport build_profile(const Session& session, const Profiler& profiler,
                            const MachineInfo& machine) {
  ProfileReport r;
  const ir::Graph& g = session.graph();
  r.threads = session.exec_options().threads;
  r.peak_gflops = machine.peak_gflops_for(r.threads);
  r.bandwidth_gbs = machine.bandwidth_gbs_for(r.threads);
  r.balance = r.bandwidth_gbs > 0 ? r.peak_gflops / r.bandwidth_gbs : 0;
  r.cpu = machine.cpu;
  r.isa = machine.isa;
  const auto& samples = profiler.samples();
  size_t min_runs = SIZE_MAX;
  double roofline_seconds = 0;
  for (size_t k = 0; k < g.nodes.size() && k < samples.size(); ++k) {
    if (samples[k].empty()) continue;  // not executed
    min_runs = std::min(min_runs, samples[k].size());
    const ir::Node& n = g.nodes[k];
    NodeProfile p;
    p.index = k;
    p.name = n.name;
    p.op = ir::op_name(n.op);
    p.kernel = session.kernel_name(k);
    p.seconds = median_of(samples[k]);
    const ir::NodeCost& c = profiler.cost(k);
    p.flops = c.flops;
    p.bytes = c.bytes;
    if (c.flops >= 0 && c.bytes > 0) {
      p.intensity = c.flops / c.bytes;
      p.compute_bound = p.intensity >= r.balance;
      p.attainable_gflops = std::min(r.peak_gflops, p.intensity * r.bandwidth_gbs);
      if (p.seconds > 0) p.achieved_gflops = c.flops / p.seconds / 1e9;
      if (p.attainable_gflops > 0) {
        p.utilisation = p.achieved_gflops / p.attainable_gflops;
        roofline_seconds += c.flops / (p.attainable_gflops * 1e9);
      }
      r.totals.flops += c.flops;
      r.totals.bytes += c.bytes;
    }
    r.totals.seconds += p.seconds;
    r.nodes.push_back(std::move(p));
  }
  r.runs = r.nodes.empty() ? 0 : min_runs;
  if (r.totals.seconds > 0) r.totals.achieved_gflops = r.totals.flops / r.totals.seconds / 1e9;
  if (roofline_seconds > 0 && r.totals.seconds > 0) {
    r.totals.attainable_gflops = r.totals.flops / roofline_seconds / 1e9;
    r.totals.utilisation = roofline_seconds / r.totals.seconds;
  }
  return r;
}

}  // namespace sf::rt
