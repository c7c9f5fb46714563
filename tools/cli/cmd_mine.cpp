// steadfast mine: builds CLASSES-style error models (src/faults/README_error_models.md) from the
// engine's own accumulator-level injections. Each injection flips one bit of one BRGEMM
// accumulator inside a layer's microkernel, the layer's output is compared with its golden run,
// and the corrupted positions and values feed one ErrorModelMiner per layer. Writes one JSON file
// per layer, which `steadfast inject --error-model FILE` simulates.
#include <CLI/CLI.hpp>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "faults/error_sim.hpp"
#include "tools/cli/campaign_setup.hpp"
#include "tools/cli/commands.hpp"

namespace sf::cli {

namespace {

struct MineArgs {
  CampaignInputArgs in;
  std::vector<std::string> layers;
  std::string fault = "flip:fp32";
  int64_t n = 0;
  uint64_t seed = 1;
  double eps = 0;
  std::string values = "deltas";
  std::string out;
  bool no_progress = false;
};

std::string file_name_for(const std::string& layer) {
  std::string s;
  for (char c : layer) s += std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' ? c : '_';
  while (!s.empty() && (s.front() == '_' || s.front() == '.')) s.erase(s.begin());
  return (s.empty() ? "layer" : s) + ".json";
}

void print_layer(const faults::MinedLayer& m, const std::string& path) {
  const double inj = static_cast<double>(std::max<int64_t>(1, m.injections));
  std::printf("  %s (%s, %lldx%lldx%lld, range [%.4g, %.4g]): %lld injections, %lld fired, %lld corrupted the "
              "output (%.2f%%) -> %s\n",
              m.layer.c_str(), m.op.c_str(), static_cast<long long>(m.view.C), static_cast<long long>(m.view.H),
              static_cast<long long>(m.view.W), m.lo, m.hi, static_cast<long long>(m.injections),
              static_cast<long long>(m.fired), static_cast<long long>(m.corrupted),
              100.0 * static_cast<double>(m.corrupted) / inj, path.c_str());
  for (const auto& c : m.model.classes)
    std::printf("      %-34s %7lld  %6.2f%%\n", c.name.c_str(), static_cast<long long>(c.count), 100 * c.frequency);
}

int run_mine(const MineArgs& a) {
  faults::CampaignSpec spec;
  auto fm = faults::parse_fault_model(a.fault);
  if (!fm) return report(fm.status());
  spec.fault = *fm;
  spec.site = faults::Site::kAccumulator;
  spec.layers = a.layers;
  spec.n = a.n;
  spec.seed = a.seed;
  if (a.n <= 0) return report(invalid_argument("--n (the number of injections, split over the layers) must be positive"));
  if (!(a.eps >= 0)) return report(invalid_argument("--eps must not be negative"));
  if (a.values != "deltas" && a.values != "classes")
    return report(invalid_argument("--values must be deltas or classes, not '" + a.values + "'"));
  if (a.out.empty()) return report(invalid_argument("--out DIR is required"));
  std::error_code ec;
  std::filesystem::create_directories(a.out, ec);
  if (ec) return report(io_error("cannot create '" + a.out + "': " + ec.message()));

  auto session = load_campaign_session(a.in.model, spec.site, "off", 0);
  if (!session) return report(session.status());
  auto dataset = load_campaign_data(**session, a.in, a.seed);
  if (!dataset) return report(dataset.status());
  auto campaign = plan_campaign(**session, spec, *dataset, true);
  if (!campaign) return report(campaign.status());

  std::fprintf(stderr, "steadfast mine: %lld accumulator injections (%s) over %zu layers, %s\n",
               static_cast<long long>(campaign->size()), spec.fault.spec().c_str(), campaign->layers().size(),
               dataset->description.c_str());
  faults::MineOptions mo;
  mo.eps = a.eps;
  mo.values = a.values == "deltas" ? faults::ValueModel::kDeltas : faults::ValueModel::kClasses;
  if (!a.no_progress)
    mo.progress = [](int64_t done, int64_t total) {
      std::fprintf(stderr, "\r  %lld / %lld injections", static_cast<long long>(done), static_cast<long long>(total));
      if (done == total) std::fprintf(stderr, "\n");
    };
  auto mined = faults::mine_accumulator_errors(**session, *campaign, *dataset, mo);
  if (!mined) return report(mined.status());

  std::printf("steadfast mine: %s, error models of %zu layers (values: %s, eps %g) in %s\n",
              campaign_model_id(a.in.model).c_str(), mined->size(), a.values.c_str(), a.eps, a.out.c_str());
  for (faults::MinedLayer& m : *mined) {
    const std::string path = (std::filesystem::path(a.out) / file_name_for(m.layer)).string();
    // Where it came from, kept verbatim by readers (an "_" member).
    m.model.extra["_steadfast_source"] = {
        {"model", campaign_model_id(a.in.model)}, {"layer", m.layer}, {"op", m.op},
        {"shape_chw", {m.view.C, m.view.H, m.view.W}}, {"range", {m.lo, m.hi}},
        {"fault", spec.fault.spec()}, {"site", "accumulator"}, {"seed", a.seed},
        {"data", dataset->description}, {"eps", a.eps}, {"values", a.values}, {"fired", m.fired}};
    if (auto st = faults::save_error_model(m.model, path); !st.is_ok()) return report(st);
    print_layer(m, path);
  }
  return kExitOk;
}

}  // namespace

void add_mine_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<MineArgs>();
  CLI::App* cmd = app.add_subcommand(
      "mine", "Mine CLASSES-style error models from accumulator-level injections, one JSON file per layer");
  add_campaign_input_options(cmd, args->in);
  cmd->add_option("--layers", args->layers,
                  "Layers: node names (prefix*), op names or 'all' (default: Conv/Gemm/MatMul-like)")->delimiter(',');
  cmd->add_option("--fault", args->fault, "Accumulator fault: flip:fp32 or flip:fp32:bit=B")->default_val("flip:fp32");
  cmd->add_option("--n", args->n, "Injections, split equally over the layers")->required();
  cmd->add_option("--seed", args->seed, "Seed (every injection is a function of it and its index)")->default_val(1);
  cmd->add_option("--eps", args->eps,
                  "An output element counts as corrupted when it moved by at least this (0: any change; "
                  "CLASSES uses 1e-2)")->default_val(0);
  cmd->add_option("--values", args->values,
                  "Value model: deltas (the additive errors, steadfast extension _value_deltas) or classes "
                  "(the CLASSES value classes only)")->default_val("deltas");
  cmd->add_option("--out", args->out, "Directory for the models (one <layer>.json each)")->required();
  cmd->add_flag("--no-progress", args->no_progress, "No progress line");
  cmd->callback([args, &exit_code] { exit_code = run_mine(*args); });
}

}  // namespace sf::cli
