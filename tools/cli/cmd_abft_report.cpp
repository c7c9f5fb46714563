// steadfast abft-report: the cost of each ABFT scheme on one model, per layer and end to end.
// The model is loaded once per mode (off, global, tile, auto; dmr with --with-dmr) and the modes
// run in alternating rounds on the same inputs (the machine is shared: interleaving spreads its
// noise over all modes alike). Each run is timed end to end and per node (the kernel time the
// executor measures includes the checks, recomputations and duplicate runs); the report takes
// medians. Per protected layer it prints the scheme the intensity-guided mode chose and why, and
// the overhead of every mode over the unprotected run; end to end it prints each mode's overhead
// and the reduction of the intensity-guided mode against global-only (overhead_global /
// overhead_auto, the figure Kosaian & Rashmi report as 1.09-5.3x on GPUs).
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <tuple>
#include <nlohmann/json.hpp>

#include "runtime/profiler.hpp"
#include "tools/cli/commands.hpp"
#include "tools/cli/common_options.hpp"

namespace sf::cli {

namespace {

struct ReportArgs {
  ModelArgs model;
  int runs = 10;
  int rounds = 4;
  int warmup = 2;
  bool with_dmr = false;
  bool with_measured = false;
  std::string json, markdown;
};

struct ModeRun {
  abft::Mode mode;
  abft::Select select;
  std::string label;
  std::unique_ptr<rt::Session> session;
  std::vector<double> total_ms;                 // every timed run
  std::vector<std::vector<double>> node_ms;     // per node, every timed run
  abft::Report report;
};

double pct(double t, double base) { return base > 0 ? 100.0 * (t / base - 1.0) : 0.0; }

int run_report(const ReportArgs& a) {
  if (a.runs < 1 || a.rounds < 1) return report(invalid_argument("--runs and --rounds must be >= 1"));
  using Sel = abft::Select;
  std::vector<std::tuple<abft::Mode, Sel, std::string>> modes = {
      {abft::Mode::kOff, Sel::kIntensity, "off"},
      {abft::Mode::kGlobal, Sel::kIntensity, "global"},
      {abft::Mode::kTile, Sel::kIntensity, "tile"},
      {abft::Mode::kAuto, Sel::kIntensity, "auto"}};
  if (a.with_measured) modes.emplace_back(abft::Mode::kAuto, Sel::kMeasured, "measured");
  if (a.with_dmr) modes.emplace_back(abft::Mode::kDmr, Sel::kIntensity, "dmr");
  std::vector<ModeRun> runs;
  for (const auto& [m, sel, label] : modes) {
    rt::SessionOptions so = session_options_no_abft(a.model);
    so.exec.abft = m;
    so.exec.abft_dmr_other = a.model.abft_dmr_other;
    so.exec.abft_select = sel;
    so.exec.abft_balance = a.model.abft_balance;
    auto s = rt::Session::load(a.model.model, so);
    if (!s) return report(s.status());
    runs.push_back({m, sel, label, std::move(s).value(), {}, {}, {}});
  }
  auto feeds = make_feeds(*runs[0].session, a.model);
  if (!feeds) return report(feeds.status());
  const size_t nodes = runs[0].session->graph().nodes.size();
  for (const ModeRun& r : runs)
    if (r.session->graph().nodes.size() != nodes)
      return report(internal_error("the modes' graphs differ in size"));
  for (ModeRun& r : runs) r.node_ms.assign(nodes, {});
  for (int round = 0; round < a.rounds; ++round) {
    for (size_t i = 0; i < runs.size(); ++i) {
      ModeRun& r = runs[(i + static_cast<size_t>(round)) % runs.size()];  // rotate the order
      for (int w = 0; w < a.warmup; ++w) {
        auto out = r.session->run(*feeds);
        if (!out) return report(out.status());
      }
      rt::Profiler prof(r.session->graph(), *feeds);
      for (int k = 0; k < a.runs; ++k) {
        const auto t0 = std::chrono::steady_clock::now();
        auto out = r.session->run(*feeds, &prof, r.mode == abft::Mode::kOff ? nullptr : &r.report);
        if (!out) return report(out.status());
        r.total_ms.push_back(
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
      }
      for (size_t k = 0; k < nodes; ++k)
        for (double s : prof.samples()[k]) r.node_ms[k].push_back(1e3 * s);
    }
    std::fprintf(stderr, "abft-report: round %d of %d done\n", round + 1, a.rounds);
  }

  const rt::Session& guided = *runs[3].session;
  std::vector<double> med(runs.size());
  for (size_t i = 0; i < runs.size(); ++i) med[i] = rt::median_of(runs[i].total_ms);
  nlohmann::json layers = nlohmann::json::array();
  std::string md = "| layer | op | intensity | auto chose | why | off ms |";
  for (size_t i = 1; i < runs.size(); ++i) md += std::string(" ") + runs[i].label + " % |";
  md += "\n|---|---|---:|---|---|---:|";
  for (size_t i = 1; i < runs.size(); ++i) md += "---:|";
  md += "\n";
  std::printf("%-44s %-11s %7s %-7s %9s", "layer", "op", "FLOP/B", "auto", "off ms");
  for (size_t i = 1; i < runs.size(); ++i) std::printf(" %8s%%", runs[i].label.c_str());
  std::printf("\n");
  for (size_t k = 0; k < nodes; ++k) {
    const rt::AbftNodePlan& p = guided.abft_plan(k);
    bool protected_somewhere = false;
    for (size_t i = 1; i < runs.size(); ++i)
      protected_somewhere |= runs[i].session->abft_plan(k).scheme != abft::Scheme::kNone;
    if (!protected_somewhere) continue;
    const ir::Node& n = guided.graph().nodes[k];
    const double base = rt::median_of(runs[0].node_ms[k]);
    nlohmann::json l = {{"node", n.label()}, {"op", ir::op_name(n.op)}, {"intensity", p.intensity},
                        {"auto_scheme", abft::scheme_name(p.scheme)}, {"reason", p.reason},
                        {"off_ms", base}};
    std::printf("%-44.44s %-11s %7.1f %-7s %9.4f", n.label().c_str(), ir::op_name(n.op),
                p.intensity, std::string(abft::scheme_name(p.scheme)).c_str(), base);
    char row[256];
    std::snprintf(row, sizeof row, "| %s | %s | %.1f | %s | %s | %.4f |", n.label().c_str(),
                  ir::op_name(n.op), p.intensity, std::string(abft::scheme_name(p.scheme)).c_str(),
                  p.reason.c_str(), base);
    md += row;
    for (size_t i = 1; i < runs.size(); ++i) {
      const double t = rt::median_of(runs[i].node_ms[k]);
      const abft::Scheme got = runs[i].session->abft_plan(k).scheme;
      std::printf(" %8.1f%s", pct(t, base), got == abft::Scheme::kDmr && runs[i].mode != abft::Mode::kDmr ? "d" : " ");
      std::snprintf(row, sizeof row, " %.1f%s |", pct(t, base),
                    got == abft::Scheme::kDmr && runs[i].mode != abft::Mode::kDmr ? " (dmr)" : "");
      md += row;
      l[runs[i].label + "_ms"] = t;
      l[runs[i].label + "_scheme"] = abft::scheme_name(got);
    }
    std::printf("\n");
    md += "\n";
    layers.push_back(l);
  }
  std::printf("(d: the layer's kernel has no checksum for that mode, so it was duplicated)\n\n");
  std::printf("end to end, median of %d runs x %d rounds, %d threads:\n", a.runs, a.rounds,
              runs[0].session->exec_options().threads);
  nlohmann::json e2e;
  std::string md_e2e = "| mode | median ms | overhead |\n|---|---:|---:|\n";
  for (size_t i = 0; i < runs.size(); ++i) {
    std::printf("  %-7s %9.3f ms  %+6.1f%%\n", runs[i].label.c_str(),
                med[i], pct(med[i], med[0]));
    char row[128];
    std::snprintf(row, sizeof row, "| %s | %.3f | %+.1f%% |\n",
                  runs[i].label.c_str(), med[i], pct(med[i], med[0]));
    md_e2e += row;
    e2e[runs[i].label] = {{"median_ms", med[i]},
                                                       {"overhead_pct", pct(med[i], med[0])}};
  }
  const double og = pct(med[1], med[0]), ot = pct(med[2], med[0]), oa = pct(med[3], med[0]);
  const double reduction = oa > 0 ? og / oa : 0;
  std::printf("  intensity-guided vs global-only: overhead %.1f%% vs %.1f%% (reduction %.2fx); "
              "better single scheme %.1f%%\n", oa, og, reduction, std::min(og, ot));
  if (a.with_measured) {
    const double om = pct(med[4], med[0]);
    std::printf("  measured-guided: overhead %.1f%% (reduction vs global-only %.2fx)\n", om,
                om > 0 ? og / om : 0);
  }
  int64_t alarms = 0;
  for (const ModeRun& r : runs)
    for (const abft::LayerStats& l : r.report.layers) alarms += l.alarms;
  std::printf("  alarms over all protected runs: %lld\n", static_cast<long long>(alarms));
  if (!a.json.empty()) {
    nlohmann::json j = {{"model", a.model.model}, {"runs", a.runs}, {"rounds", a.rounds},
                        {"threads", runs[0].session->exec_options().threads},
                        {"balance", guided.abft_balance()}, {"layers", layers},
                        {"end_to_end", e2e}, {"reduction_vs_global", reduction},
                        {"alarms", alarms}};
    std::ofstream o(a.json);
    o << j.dump(2) << "\n";
    if (!o) return report(io_error("cannot write " + a.json));
  }
  if (!a.markdown.empty()) {
    std::ofstream o(a.markdown);
    o << md_e2e << "\n" << md;
    if (!o) return report(io_error("cannot write " + a.markdown));
  }
  return kExitOk;
}

}  // namespace

void add_abft_report_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<ReportArgs>();
  CLI::App* cmd = app.add_subcommand(
      "abft-report", "Per-layer and end-to-end overhead of global-only, tile-only and "
                     "intensity-guided ABFT, with the scheme each layer got and why");
  add_model_options(cmd, args->model, RandomInputs::kAlways, /*model_optional=*/false);
  cmd->add_option("--runs", args->runs, "Timed runs per mode per round")->default_val(10);
  cmd->add_option("--rounds", args->rounds, "Alternating rounds over the modes")->default_val(4);
  cmd->add_option("--warmup", args->warmup, "Untimed runs per mode per round")->default_val(2);
  cmd->add_flag("--with-dmr", args->with_dmr, "Also time duplication of every layer");
  cmd->add_flag("--with-measured", args->with_measured,
                "Also time auto with --abft-select measured");
  cmd->add_option("--json", args->json, "Write the report as JSON");
  cmd->add_option("--markdown", args->markdown, "Write the tables as Markdown");
  cmd->callback([args, &exit_code] { exit_code = run_report(*args); });
}

}  // namespace sf::cli
