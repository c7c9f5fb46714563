// steadfast bench: load a model once, run it repeatedly on given or seeded random inputs and
// report min / median / max latency and the peak resident set size.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

#include "runtime/profiler.hpp"
#include "tools/cli/commands.hpp"
#include "tools/cli/common_options.hpp"

namespace sf::cli {

namespace {

struct BenchArgs {
  ModelArgs model;
  int runs = 20;
  int warmup = 3;
  std::string json;
};

double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

int run_bench(const BenchArgs& a) {
  if (a.runs < 1) return report(invalid_argument("--runs must be at least 1"));
  if (a.warmup < 0) return report(invalid_argument("--warmup must not be negative"));
  const auto t_load = std::chrono::steady_clock::now();
  auto session = rt::Session::load(a.model.model, session_options(a.model));
  if (!session) return report(session.status());
  const double load_ms = ms_since(t_load);
  auto feeds = make_feeds(**session, a.model);
  if (!feeds) return report(feeds.status());
  for (int i = 0; i < a.warmup; ++i) {
    auto out = (*session)->run(*feeds);
    if (!out) return report(out.status());
  }
  std::vector<double> ms;
  for (int i = 0; i < a.runs; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    auto out = (*session)->run(*feeds);
    if (!out) return report(out.status());
    ms.push_back(ms_since(t0));
  }
  const double med = rt::median_of(ms);
  const double lo = *std::min_element(ms.begin(), ms.end());
  const double hi = *std::max_element(ms.begin(), ms.end());
  const double rss = peak_rss_mb();
  const int threads = (*session)->exec_options().threads;
  const std::string off = ablation_string(a.model);
  std::printf("%s: %d runs after %d warm-up, %d threads%s%s: min %.3f ms, median %.3f ms, "
              "max %.3f ms; load %.1f ms; peak RSS %.1f MB\n",
              a.model.model.c_str(), a.runs, a.warmup, threads, off.empty() ? "" : ", off: ",
              off.c_str(), lo, med, hi, load_ms, rss);
  if (!a.json.empty()) {
    nlohmann::json j = {{"model", a.model.model}, {"runs", a.runs},       {"warmup", a.warmup},
                        {"threads", threads},     {"options_off", off},   {"min_ms", lo},
                        {"median_ms", med},       {"max_ms", hi},         {"load_ms", load_ms},
                        {"peak_rss_mb", rss},     {"times_ms", ms}};
    std::ofstream o(a.json);
    o << j.dump(2) << "\n";
    if (!o) return report(io_error("cannot write " + a.json));
  }
  return kExitOk;
}

}  // namespace

void add_bench_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<BenchArgs>();
  CLI::App* cmd = app.add_subcommand(
      "bench", "Latency (min / median / max) and peak RSS of repeated runs of a model; inputs "
               "not given are seeded random tensors");
  add_model_options(cmd, args->model, RandomInputs::kAlways, /*model_optional=*/false);
  cmd->add_option("--runs", args->runs, "Timed runs")->default_val(20);
  cmd->add_option("--warmup", args->warmup, "Untimed runs first")->default_val(3);
  cmd->add_option("--json", args->json, "Write the figures as JSON");
  cmd->callback([args, &exit_code] { exit_code = run_bench(*args); });
}

}  // namespace sf::cli
