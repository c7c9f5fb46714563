// steadfast profile: per-node time over R runs (median) against the roofline of this machine
// (src/runtime/profiler.hpp, src/runtime/machine.hpp); a table, and optionally JSON and a
// self-contained HTML report with an SVG roofline.
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>

#include "runtime/machine.hpp"
#include "runtime/profiler.hpp"
#include "tools/cli/commands.hpp"
#include "tools/cli/common_options.hpp"
#include "tools/cli/profile_report.hpp"

namespace sf::cli {

namespace {

struct ProfileArgs {
  ModelArgs model;
  int runs = 10;
  int warmup = 2;
  std::string json, html;
  int top = 0;
};

Status write_file(const std::string& path, const std::string& text) {
  std::ofstream o(path);
  o << text;
  if (!o) return io_error("cannot write " + path);
  return Status::ok();
}

int run_profile(const ProfileArgs& a) {
  if (a.runs < 1) return report(invalid_argument("--runs must be at least 1"));
  if (a.warmup < 0) return report(invalid_argument("--warmup must not be negative"));
  auto machine = rt::load_or_probe();
  if (!machine) return report(machine.status());
  auto session = rt::Session::load(a.model.model, session_options(a.model));
  if (!session) return report(session.status());
  auto feeds = make_feeds(**session, a.model);
  if (!feeds) return report(feeds.status());
  for (int i = 0; i < a.warmup; ++i) {
    auto out = (*session)->run(*feeds);
    if (!out) return report(out.status());
  }
  rt::Profiler profiler((*session)->graph(), *feeds);
  std::vector<double> run_ms;
  for (int i = 0; i < a.runs; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    auto out = (*session)->run(*feeds, &profiler);
    if (!out) return report(out.status());
    run_ms.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  const rt::ProfileReport r = rt::build_profile(**session, profiler, machine->info);
  ProfileContext c{a.model.model, ablation_string(a.model), a.warmup, rt::median_of(run_ms)};
  print_profile_table(r, c, a.top);
  if (!a.json.empty()) {
    Status st = write_file(a.json, profile_json(r, c).dump(2) + "\n");
    if (!st.is_ok()) return report(st);
  }
  if (!a.html.empty()) {
    Status st = write_file(a.html, profile_html(r, c));
    if (!st.is_ok()) return report(st);
    std::printf("wrote %s\n", a.html.c_str());
  }
  return kExitOk;
}

}  // namespace

void add_profile_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<ProfileArgs>();
  CLI::App* cmd = app.add_subcommand(
      "profile", "Per-node time, FLOPs, bytes and roofline utilisation of a model");
  add_model_options(cmd, args->model, RandomInputs::kFlag, /*model_optional=*/false);
  cmd->add_option("--runs", args->runs, "Profiled runs (the median per node is reported)")
      ->default_val(10);
  cmd->add_option("--warmup", args->warmup, "Unprofiled runs first")->default_val(2);
  cmd->add_option("--json", args->json, "Write the profile as JSON");
  cmd->add_option("--html", args->html, "Write a self-contained HTML report with a roofline");
  cmd->add_option("--top", args->top, "Show only the N slowest nodes (0: all, in order)")
      ->default_val(0);
  cmd->callback([args, &exit_code] { exit_code = run_profile(*args); });
}

}  // namespace sf::cli
