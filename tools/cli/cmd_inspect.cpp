// steadfast inspect: inputs, outputs, op histogram, parameters, FLOPs and bytes per node.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <map>

#include "ir/cost.hpp"
#include "runtime/session.hpp"
#include "tools/cli/commands.hpp"

namespace sf::cli {

namespace {

std::string human(double v) {
  const char* units[] = {"", "K", "M", "G", "T"};
  int u = 0;
  while (v >= 1000 && u < 4) {
    v /= 1000;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g%s", v, units[u]);
  return buf;
}

int inspect(const std::string& path, bool optimize, bool fuse, bool per_node) {
  rt::SessionOptions so;
  so.optimize = optimize;
  so.exec.fuse = fuse;
  auto s = rt::Session::load(path, so);
  if (!s) return report(s.status());
  const ir::Graph& g = (*s)->graph();
  const auto& info = (*s)->model_info();
  std::printf("model: %s\n  ir_version %lld, default opset %d, producer '%s'\n", path.c_str(),
              static_cast<long long>(info.ir_version), info.default_opset, info.producer.c_str());
  std::printf("inputs:\n");
  for (const auto& io : (*s)->inputs()) std::printf("  %s: %s\n", io.name.c_str(), io.type.str().c_str());
  std::printf("outputs:\n");
  for (const auto& io : (*s)->outputs()) std::printf("  %s: %s\n", io.name.c_str(), io.type.str().c_str());
  std::map<std::string, int> hist;
  for (const auto& n : g.nodes) ++hist[ir::op_name(n.op)];
  std::printf("nodes: %zu", g.nodes.size());
  if (optimize) {
    const auto& ps = (*s)->pass_stats();
    std::printf(" (after folding %d, removing %d identities and %d dead nodes)", ps.folded,
                ps.identities_removed, ps.dead_removed);
    if (fuse)
      std::printf("\nfusion: %d BatchNorms folded, %d Pads folded; %d FusedConv, %d FusedMatMul (%d biases, "
                  "%d residuals, %d activations absorbed); %d LayerNorms, %d Gelus, "
                  "%d attentions recognised",
                  ps.bn_folded, ps.pads_folded, ps.convs_fused, ps.matmuls_fused, ps.biases_fused,
                  ps.residuals_fused, ps.activations_fused, ps.layernorms, ps.gelus,
                  ps.attentions);
  }
  std::printf("\nop histogram:\n");
  for (const auto& [op, count] : hist) std::printf("  %-28s %d\n", op.c_str(), count);
  std::printf("parameters: %lld\n", static_cast<long long>(g.parameter_count()));
  double total_flops = 0, total_bytes = 0;
  bool unknown = false;
  if (per_node) std::printf("per node:\n  %-40s %-20s %12s %12s\n", "node", "op", "FLOPs", "bytes");
  for (const auto& n : g.nodes) {
    const ir::NodeCost c = ir::node_cost(g, n);
    if (c.flops < 0) unknown = true;
    else {
      total_flops += c.flops;
      total_bytes += c.bytes;
    }
    if (per_node)
      std::printf("  %-40s %-20s %12s %12s\n", n.name.c_str(), ir::op_name(n.op),
                  c.flops < 0 ? "?" : human(c.flops).c_str(), c.bytes < 0 ? "?" : human(c.bytes).c_str());
  }
  std::printf("total: %s FLOPs, %s bytes%s\n", human(total_flops).c_str(), human(total_bytes).c_str(),
              unknown ? " (some nodes have shapes known only at run time)" : "");
  const rt::MemoryPlan& mp = (*s)->memory_plan();
  std::printf("activation memory: peak %s in one arena (%d values; %s without reuse, lower bound %s)\n",
              human(static_cast<double>(mp.arena_bytes)).c_str(), mp.planned_values,
              human(static_cast<double>(mp.unshared_bytes)).c_str(),
              human(static_cast<double>(mp.live_lower_bound)).c_str());
  std::printf("weights held only in packed form: %s of constants freed after packing\n",
              human(static_cast<double>((*s)->released_constant_bytes())).c_str());
  return kExitOk;
}

}  // namespace

void add_inspect_command(CLI::App& app, int& exit_code) {
  auto path = std::make_shared<std::string>();
  auto raw = std::make_shared<bool>(false);
  auto summary = std::make_shared<bool>(false);
  auto no_fuse = std::make_shared<bool>(false);
  CLI::App* cmd = app.add_subcommand("inspect", "Describe a model: I/O, ops, parameters, FLOPs and bytes per node");
  cmd->add_option("model", *path, "ONNX model file")->required();
  cmd->add_flag("--no-optimize", *raw, "Show the graph as loaded, before folding and simplification");
  cmd->add_flag("--no-fuse", *no_fuse, "Skip the fusion passes (show the simplified graph unfused)");
  cmd->add_flag("--summary", *summary, "Omit the per-node table");
  cmd->callback([=, &exit_code] { exit_code = inspect(*path, !*raw, !*no_fuse, !*summary); });
}

}  // namespace sf::cli
