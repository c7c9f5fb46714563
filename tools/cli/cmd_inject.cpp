// steadfast inject: a fault-injection campaign (src/faults/README.md). Loads the model once,
// plans the injections (count from --n, or Leveugle's formula from --margin and --confidence),
// runs them on all cores in forked workers that re-execute each injection from the faulty node
// onward, journals every record (re-running the same command resumes a killed campaign) and
// writes the summary as JSON and the records as CSV.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

#include "faults/campaign.hpp"
#include "faults/dataset.hpp"
#include "faults/journal.hpp"
#include "faults/report_html.hpp"
#include "faults/runner.hpp"
#include "faults/statistics.hpp"
#include "faults/summary.hpp"
#include "faults/error_sim.hpp"
#include "runtime/parallel.hpp"
#include "tools/cli/campaign_setup.hpp"
#include "tools/cli/commands.hpp"
#include "tools/cli/inject_mpi.hpp"

namespace sf::cli {

namespace {

struct InjectArgs {
  CampaignInputArgs in;
  std::string error_model;
  std::string fault = "flip:fp32";
  std::string site = "output";
  std::vector<std::string> layers;
  int64_t n = 0;
  double margin = 0.01, confidence = 0.99;
  uint64_t seed = 1;
  int jobs = 0;
  double timeout = 0;
  std::string journal, json, csv, html;
  double tolerance = 1e-5, critical_delta = 0.05;
  std::string scores = "auto";
  std::string abft = "off";
  double abft_balance = 0;
  bool no_progress = false;
  bool full_rerun = false;
  int64_t stop_after = 0;
};

void print_summary(const nlohmann::json& s, const faults::RunStats& st, const std::string& model) {
  std::printf("steadfast inject: %s, %s faults at %s sites, %lld injections over %zu layers\n",
              model.c_str(), s["fault"].get<std::string>().c_str(), s["site"].get<std::string>().c_str(),
              static_cast<long long>(s["outcomes"]["injections"].get<int64_t>()), s["per_layer"].size());
  for (const char* o : {"masked", "sdc_safe", "sdc_critical", "due"}) {
    const auto& r = s["outcomes"][o];
    std::printf("  %-13s %8lld  %6.2f%%  [%.2f%%, %.2f%%]\n", o, static_cast<long long>(r["count"].get<int64_t>()),
                100 * r["rate"].get<double>(), 100 * r["ci95"][0].get<double>(), 100 * r["ci95"][1].get<double>());
  }
  if (s.contains("abft"))
    std::printf("  abft: %lld detected, %lld corrected, %lld escaped (SDC without an alarm)\n",
                static_cast<long long>(s["abft"]["detected"].get<int64_t>()),
                static_cast<long long>(s["abft"]["corrected"].get<int64_t>()),
                static_cast<long long>(s["abft"]["escaped"].get<int64_t>()));
  std::printf("  run: %lld executed now, %lld resumed from the journal, %.2f s, %.1f injections/s\n",
              static_cast<long long>(st.executed), static_cast<long long>(st.resumed), st.seconds,
              st.seconds > 0 ? static_cast<double>(st.executed) / st.seconds : 0.0);
}

int run_inject(const InjectArgs& a, const MpiShard& shard) {
  faults::CampaignSpec spec;
  auto fm = faults::parse_fault_model(a.fault);
  if (!fm) return report(fm.status());
  spec.fault = *fm;
  auto site = faults::parse_site(a.site);
  if (!site) return report(site.status());
  spec.site = *site;
  spec.layers = a.layers;
  spec.n = a.n;
  spec.margin = a.margin;
  spec.confidence = a.confidence;
  spec.seed = a.seed;
  spec.full_rerun = a.full_rerun;
  spec.tolerance = a.tolerance;
  spec.critical_delta = a.critical_delta;
  spec.scores = a.scores;
  if (a.n < 0) return report(invalid_argument("--n must not be negative"));
  if (a.tolerance < 0 || a.critical_delta < 0)
    return report(invalid_argument("--tolerance and --critical-delta must not be negative"));

  if (!a.error_model.empty()) {
    auto em = faults::load_error_model(a.error_model);
    if (!em) return report(em.status());
    spec.error_model = std::make_shared<const faults::ErrorModel>(std::move(em).value());
    spec.error_model_label = a.error_model;
  }

  auto session = load_campaign_session(a.in.model, spec.site, a.abft, a.abft_balance);
  if (!session) return report(session.status());
  auto dataset = load_campaign_data(**session, a.in, a.seed);
  if (!dataset) return report(dataset.status());
  auto campaign = plan_campaign(**session, spec, *dataset, spec.error_model != nullptr);
  if (!campaign) return report(campaign.status());

  const std::string model_id = campaign_model_id(a.in.model);
  const std::string fp = campaign->fingerprint(model_id + "|" + dataset->description + "|abft=" + a.abft);
  std::string journal_path = !a.journal.empty() ? a.journal : "inject-" + fp + ".journal";
  if (shard.size > 1) journal_path += ".rank" + std::to_string(shard.rank) + "of" + std::to_string(shard.size);
  nlohmann::json header = {{"journal", "steadfast-inject"}, {"version", 1}, {"fingerprint", fp},
                           {"model", model_id}, {"data", dataset->description}, {"fault", spec.fault_label()},
                           {"site", faults::site_name(spec.site)}, {"seed", spec.seed},
                           {"injections", campaign->size()}, {"abft", a.abft}};
  auto journal = faults::Journal::open(journal_path, header);
  if (!journal) return report(journal.status());
  if (shard.rank == 0)
    std::fprintf(stderr, "steadfast inject: %lld injections over %zu layers, %s; journal %s%s\n",
               static_cast<long long>(campaign->size()), campaign->layers().size(),
               dataset->description.c_str(), journal_path.c_str(),
               journal->resumed() ? (" (resuming: " + std::to_string(journal->resumed()) + " done)").c_str() : "");

  faults::RunnerOptions ro;
  const int jobs = a.jobs > 0 ? a.jobs : std::max(1, rt::default_threads() / shard.size);
  ro.jobs = jobs;
  ro.rank = shard.rank;
  ro.ranks = shard.size;
  ro.timeout = a.timeout;
  ro.progress = !a.no_progress && shard.rank == 0;
  ro.abft = a.abft != "off";
  ro.stop_after = a.stop_after;
  auto stats = faults::run_campaign(**session, *campaign, *dataset, ro, *journal);
  if (!stats) return report(stats.status());
  const int64_t shard_done = static_cast<int64_t>(journal->records().size());
  auto records = mpi_gather_records(shard, journal->records());
  if (!records) return report(records.status());
  faults::RunStats total = *stats;
  total.executed = mpi_sum(shard, stats->executed);
  total.resumed = mpi_sum(shard, stats->resumed);
  total.crashes = mpi_sum(shard, stats->crashes);
  total.timeouts = mpi_sum(shard, stats->timeouts);
  total.seconds = mpi_max(shard, stats->seconds);
  if (shard.rank != 0) return shard_done < stats->planned ? kExitFailure : kExitOk;
  if (static_cast<int64_t>(records->size()) < campaign->size()) {
    std::fprintf(stderr, "steadfast inject: stopped after %lld of %lld injections; run the same command "
                 "again to resume\n", static_cast<long long>(records->size()),
                 static_cast<long long>(campaign->size()));
    return kExitFailure;
  }
  nlohmann::json summary = faults::summarize(*campaign, *records);
  summary["model"] = model_id;
  summary["data"] = dataset->description;
  summary["abft_mode"] = a.abft;
  summary["run"] = {{"executed", total.executed}, {"resumed", total.resumed},
                    {"seconds", total.seconds}, {"jobs", jobs}, {"ranks", shard.size},
                    {"injections_per_second", total.seconds > 0 ? static_cast<double>(total.executed) / total.seconds : 0.0},
                    {"crashes", total.crashes}, {"timeouts", total.timeouts}, {"journal", journal_path}};
  print_summary(summary, total, model_id);
  if (!a.json.empty()) {
    std::ofstream out(a.json);
    out << summary.dump(2) << "\n";
    if (!out) return report(io_error("cannot write '" + a.json + "'"));
  }
  if (!a.csv.empty()) {
    auto st = faults::write_records_csv(a.csv, *records);
    if (!st.is_ok()) return report(st);
  }
  if (!a.html.empty()) {
    auto st = faults::write_campaign_html(a.html, summary);
    if (!st.is_ok()) return report(st);
  }
  return kExitOk;
}

}  // namespace

void add_inject_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<InjectArgs>();
  CLI::App* cmd = app.add_subcommand("inject", "Run a fault-injection campaign on a model");
  add_campaign_input_options(cmd, args->in);
  cmd->add_option("--fault", args->fault,
                  "Fault model: flip|stuck0|stuck1|random|zero[:fp32|fp16|bf16|int8][:bit=B][:bits=K][:adjacent]"
                  "[:elements=E][:lo=L:hi=H]")->default_val("flip:fp32");
  cmd->add_option("--error-model", args->error_model,
                  "Simulate errors: overwrite layer outputs with corruptions sampled from this error model "
                  "(CLASSES JSON; `steadfast mine` makes one) instead of --fault")->check(CLI::ExistingFile);
  cmd->add_option("--sites", args->site, "Where faults land: output, weight or accumulator")->default_val("output");
  cmd->add_option("--layers", args->layers,
                  "Layers: node names (prefix*), op names or 'all' (default: Conv/Gemm/MatMul-like)")->delimiter(',');
  cmd->add_option("--n", args->n, "Total injections, split equally over the layers (0: from --margin/--confidence)")->default_val(0);
  cmd->add_option("--margin", args->margin, "Error margin per layer for Leveugle's sample size")->default_val(0.01);
  cmd->add_option("--confidence", args->confidence, "Confidence for Leveugle's sample size")->default_val(0.99);
  cmd->add_option("--seed", args->seed, "Campaign seed (every injection is a function of it and its index)")->default_val(1);
  cmd->add_option("--jobs", args->jobs, "Worker processes (0: one per physical core)")->default_val(0);
  cmd->add_option("--timeout", args->timeout, "Seconds before a silent worker counts as hung (0: 20x the golden run, >= 2 s)")->default_val(0);
  cmd->add_option("--journal", args->journal, "Journal file (default: inject-<fingerprint>.journal; an existing one is resumed)");
  cmd->add_option("--json", args->json, "Write the summary here");
  cmd->add_option("--csv", args->csv, "Write one row per injection here");
  cmd->add_option("--html", args->html, "Write a self-contained HTML report with SVG charts here");
  cmd->add_option("--tolerance", args->tolerance, "Masked when every score is within this of the golden one")->default_val(1e-5);
  cmd->add_option("--critical-delta", args->critical_delta, "SDC-critical when the top-1 score moves more than this")->default_val(0.05);
  cmd->add_option("--scores", args->scores, "auto (softmax unless the output is a probability vector), softmax or raw")->default_val("auto");
  cmd->add_option("--abft", args->abft, "ABFT during the campaign: auto, global, tile, dmr or off")->default_val("off");
  cmd->add_option("--abft-balance", args->abft_balance, "Machine balance for --abft auto (0: probe)")->default_val(0);
  cmd->add_flag("--no-progress", args->no_progress, "No progress bar");
  cmd->add_flag("--full-rerun", args->full_rerun,
                "Re-run every node after a corrupted output whole instead of only what the corruption "
                "changes (same records, slower; for comparison)");
  cmd->add_option("--stop-after", args->stop_after, "Stop after N new records, as if killed (testing)")->default_val(0)->group("");
  cmd->callback([args, &exit_code] {
    auto shard = mpi_start();
    if (!shard) {
      exit_code = report(shard.status());
      return;
    }
    exit_code = run_inject(*args, *shard);
    if (exit_code != kExitOk && shard->size > 1) mpi_abort(*shard, exit_code);
    mpi_finish(*shard);
  });
}

}  // namespace sf::cli
