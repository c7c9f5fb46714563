// steadfast run: run a model on .npy inputs (or random ones) and write the outputs as .npz.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>

#include "io/npy/npy.hpp"
#include "runtime/session.hpp"
#include "tools/cli/commands.hpp"
#include "tools/cli/common_options.hpp"

namespace sf::cli {

namespace {

struct RunArgs {
  ModelArgs model;
  std::string output;
  bool quiet = false;
};

void print_summary(const std::string& name, const Tensor& t) {
  std::printf("  %s: %s", name.c_str(), t.describe().c_str());
  const int64_t n = std::min<int64_t>(t.numel(), 8);
  if (n > 0) {
    std::printf(" = [");
    for (int64_t i = 0; i < n; ++i) std::printf("%s%.6g", i ? ", " : "", t.double_at(i));
    std::printf("%s]", t.numel() > n ? ", ..." : "");
  }
  std::printf("\n");
}

int run_model(const RunArgs& a) {
  auto session = rt::Session::load(a.model.model, session_options(a.model));
  if (!session) return report(session.status());
  auto feeds = make_feeds(**session, a.model);
  if (!feeds) return report(feeds.status());
  abft::Report abft_report;
  const bool protect = (*session)->exec_options().abft != abft::Mode::kOff;
  auto out = (*session)->run(*feeds, nullptr, protect ? &abft_report : nullptr);
  if (protect && !a.model.abft_report.empty()) {
    std::ofstream f(a.model.abft_report);
    f << abft_report.to_json() << "\n";
    if (!f) return report(io_error("cannot write the ABFT report to '" + a.model.abft_report + "'"));
  }
  if (!out) return report(out.status());
  if (protect && !a.quiet) print_abft_summary(abft_report);
  if (!a.quiet) {
    std::printf("outputs:\n");
    for (const auto& [name, t] : *out) print_summary(name, t);
  }
  if (!a.output.empty()) {
    auto st = npy::write_npz(a.output, *out);
    if (!st.is_ok()) return report(st);
    if (!a.quiet) std::printf("wrote %s\n", a.output.c_str());
  }
  return kExitOk;
}

}  // namespace

void add_run_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<RunArgs>();
  CLI::App* cmd = app.add_subcommand(
      "run", "Run a model (with no MODEL: classify the embedded Fashion-MNIST images)");
  add_model_options(cmd, args->model, RandomInputs::kFlag, /*model_optional=*/true);
  cmd->add_option("--output,-o", args->output, "Write all outputs to this .npz file");
  cmd->add_flag("--quiet,-q", args->quiet, "Print nothing but errors");
  cmd->callback([args, &exit_code] {
    exit_code = args->model.model.empty() ? run_embedded_default() : run_model(*args);
  });
}

}  // namespace sf::cli
