// Summaries of an ABFT campaign as text, JSON and Markdown (abft_campaign_report.hpp).
#include "tools/cli/abft_campaign_report.hpp"

#include <cmath>
#include <cstdio>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "abft/confidence.hpp"

namespace sf::cli::campaign {

namespace {

constexpr int kBits = 32;

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

// A rate as a percentage, "-" with no denominator.
std::string pct(int64_t num, int64_t den) {
  return den > 0 ? fmt("%.1f%%", 100.0 * static_cast<double>(num) / static_cast<double>(den)) : "-";
}

double far_upper(const FaultFreeRow& r) {
  return abft::binomial_upper_bound(r.alarms + r.failed_runs, r.inferences);
}

// A Markdown table from a header and rows of cells.
class Table {
 public:
  explicit Table(std::vector<std::string> header) : header_(std::move(header)) {}
  void row(std::vector<std::string> cells) { rows_.push_back(std::move(cells)); }
  std::string str() const {
    std::ostringstream o;
    auto line = [&](const std::vector<std::string>& cells) {
      o << "|";
      for (const std::string& c : cells) o << " " << c << " |";
      o << "\n";
    };
    line(header_);
    o << "|";
    for (size_t i = 0; i < header_.size(); ++i) o << (i < 2 ? "---|" : "---:|");
    o << "\n";
    for (const auto& r : rows_) line(r);
    return o.str();
  }

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
};

std::string n(int64_t v) { return std::to_string(v); }

// Tallies of the injections that pass `keep`, by bit.
std::vector<Tally> by_bit(const Campaign& c, const std::function<bool(const Injection&)>& keep) {
  std::vector<Tally> t(kBits);
  for (const Injection& i : c.injections)
    if (keep(i)) t[static_cast<size_t>(i.bit & 31)].add(i);
  return t;
}

Tally total(const Campaign& c, const std::function<bool(const Injection&)>& keep) {
  Tally t;
  for (const Injection& i : c.injections)
    if (keep(i)) t.add(i);
  return t;
}

std::string coverage(const Tally& t) {
  return t.above > 0 ? fmt("%.4f", t.coverage_lower_bound()) : "-";
}

std::string bit_table(const std::vector<Tally>& bits) {
  Table tb({"bit", "field", "injections", "above tol.", "detected (above)", "missed",
            "below tol., undetected (benign)", "below tol., detected", "detection rate (above tol.)",
            "detection rate (all)"});
  for (int b = kBits - 1; b >= 0; --b) {
    const Tally& t = bits[static_cast<size_t>(b)];
    tb.row({n(b), bit_field(b), n(t.injections), n(t.above), n(t.above_detected), n(t.missed),
            n(t.below_undetected), n(t.below_detected), pct(t.above_detected, t.above),
            pct(t.above_detected + t.below_detected, t.injections)});
  }
  return tb.str();
}

nlohmann::json tally_json(const Tally& t) {
  return {{"injections", t.injections},
          {"above_tolerance", t.above},
          {"detected_above", t.above_detected},
          {"missed", t.missed},
          {"below_tolerance_undetected", t.below_undetected},
          {"below_tolerance_detected", t.below_detected},
          {"unclassified", t.unclassified},
          {"wrong_corrections", t.wrong_corrections},
          {"detected_unrecoverable", t.unrecoverable},
          {"silent_output_changes", t.silent_output_changes},
          {"silent_top1_changes", t.silent_top1_changes},
          {"coverage_lower_bound_95", t.above > 0 ? t.coverage_lower_bound() : 0.0}};
}

nlohmann::json injection_json(const Injection& i) {
  auto num = [](double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(std::to_string(v)); };
  return {{"model", i.model}, {"mode", i.mode}, {"node", i.node},
          {"scheme", abft::scheme_name(i.scheme)}, {"input", i.input}, {"skip_tiles", i.skip_tiles},
          {"row_pick", i.row_pick}, {"col_pick", i.col_pick}, {"at", i.at}, {"bit", i.bit},
          {"before", num(i.before)}, {"after", num(i.after)}, {"error", num(i.error)},
          {"tolerance", i.tolerance}, {"difference", num(i.difference)},
          {"classified", i.classified}, {"above", i.above}, {"detected", i.detected},
          {"unrecoverable", i.unrecoverable}, {"output_changed", i.output_changed},
          {"top1_changed", i.top1_applicable ? nlohmann::json(i.top1_changed) : nlohmann::json()}};
}

}  // namespace

void Tally::add(const Injection& i) {
  ++injections;
  if (!i.classified) {
    ++unclassified;
  } else if (i.above) {
    ++above;
    if (i.detected) ++above_detected;
    else ++missed;
  } else if (i.detected) {
    ++below_detected;
  } else {
    ++below_undetected;
  }
  if (i.wrong_correction()) ++wrong_corrections;
  if (i.unrecoverable) ++unrecoverable;
  if (!i.detected && i.output_changed) ++silent_output_changes;
  if (!i.detected && i.top1_changed) ++silent_top1_changes;
}

double Tally::coverage_lower_bound() const {
  return abft::binomial_lower_bound(above_detected, above);
}

const char* bit_field(int bit) {
  if (bit == 31) return "sign";
  if (bit >= 23) return "exponent";
  if (bit >= 16) return "mantissa (high)";
  return "mantissa (low)";
}

void print_text(const Campaign& c) {
  if (!c.fault_free_rows.empty()) {
    std::printf("\nfault-free runs (%d thread%s):\n", c.threads, c.threads == 1 ? "" : "s");
    std::printf("  %-22s %-7s %10s %12s %12s %7s %10s  %s\n", "model", "scheme", "inferences",
                "checks", "unverifiable", "alarms", "failed", "false-alarm rate <= (95%)");
    for (const FaultFreeRow& r : c.fault_free_rows)
      std::printf("  %-22s %-7s %10lld %12lld %12lld %7lld %10lld  %.3g\n", r.model.c_str(),
                  r.mode.c_str(), static_cast<long long>(r.inferences),
                  static_cast<long long>(r.checks), static_cast<long long>(r.unverifiable),
                  static_cast<long long>(r.alarms), static_cast<long long>(r.failed_runs),
                  far_upper(r));
  }
  if (!c.injection_rows.empty()) {
    std::printf("\ninjections (one bit flip per run):\n");
    std::printf("  %-22s %-7s %6s %6s %6s %7s %7s %7s %7s %6s %6s  %s\n", "model", "scheme", "nodes",
                "inj.", "above", "detect", "MISSED", "benign", "below-d", "uncl.", "wrong",
                "coverage >= (95%)");
    for (const InjectionRow& r : c.injection_rows) {
      const Tally& t = r.tally;
      std::printf("  %-22s %-7s %6lld %6lld %6lld %7lld %7lld %7lld %7lld %6lld %6lld  %s%s\n",
                  r.model.c_str(), r.mode.c_str(), static_cast<long long>(r.candidate_nodes),
                  static_cast<long long>(t.injections), static_cast<long long>(t.above),
                  static_cast<long long>(t.above_detected), static_cast<long long>(t.missed),
                  static_cast<long long>(t.below_undetected),
                  static_cast<long long>(t.below_detected), static_cast<long long>(t.unclassified),
                  static_cast<long long>(t.wrong_corrections), coverage(t).c_str(),
                  r.candidate_nodes == 0 ? "  (no protected BRGEMM node)"
                  : r.reached_target     ? ""
                                         : "  (--max-injections reached first)");
    }
    std::printf("\ndetection against the flipped bit (all models and schemes):\n");
    std::printf("  %3s %-16s %6s %6s %7s %7s %7s %7s %10s %10s\n", "bit", "field", "inj.", "above",
                "detect", "MISSED", "benign", "below-d", "rate(abv)", "rate(all)");
    const auto bits = by_bit(c, [](const Injection&) { return true; });
    for (int b = kBits - 1; b >= 0; --b) {
      const Tally& t = bits[static_cast<size_t>(b)];
      std::printf("  %3d %-16s %6lld %6lld %7lld %7lld %7lld %7lld %10s %10s\n", b, bit_field(b),
                  static_cast<long long>(t.injections), static_cast<long long>(t.above),
                  static_cast<long long>(t.above_detected), static_cast<long long>(t.missed),
                  static_cast<long long>(t.below_undetected),
                  static_cast<long long>(t.below_detected), pct(t.above_detected, t.above).c_str(),
                  pct(t.above_detected + t.below_detected, t.injections).c_str());
    }
  }
}

std::string to_json(const Campaign& c) {
  nlohmann::json j;
  j["command"] = c.command;
  j["models"] = c.models;
  j["schemes"] = c.modes;
  j["threads"] = c.threads;
  j["seed"] = c.seed;
  j["fault_free_per_model_and_scheme"] = c.fault_free;
  j["min_above"] = c.min_above;
  j["max_injections"] = c.max_injections;
  j["abft_balance"] = c.balance;
  j["dmr_other"] = c.dmr_other;
  j["checks_broken"] = c.checks_broken;
  nlohmann::json ff = nlohmann::json::array();
  int64_t inf = 0, alarms = 0;
  for (const FaultFreeRow& r : c.fault_free_rows) {
    ff.push_back({{"model", r.model}, {"scheme", r.mode}, {"threads", r.threads},
                  {"inferences", r.inferences}, {"checks", r.checks},
                  {"unverifiable", r.unverifiable}, {"alarms", r.alarms},
                  {"failed_runs", r.failed_runs}, {"seconds", r.seconds},
                  {"false_alarm_rate_upper_95", far_upper(r)}});
    inf += r.inferences, alarms += r.alarms + r.failed_runs;
  }
  j["fault_free"] = ff;
  j["fault_free_total"] = {{"inferences", inf}, {"alarms", alarms},
                           {"false_alarm_rate_upper_95", abft::binomial_upper_bound(alarms, inf)}};
  nlohmann::json rows = nlohmann::json::array();
  for (const InjectionRow& r : c.injection_rows) {
    nlohmann::json t = tally_json(r.tally);
    t["model"] = r.model;
    t["scheme"] = r.mode;
    t["candidate_nodes"] = r.candidate_nodes;
    t["retries"] = r.retries;
    t["reached_target"] = r.reached_target;
    t["seconds"] = r.seconds;
    rows.push_back(std::move(t));
  }
  j["injection_summary"] = rows;
  nlohmann::json per_scheme = nlohmann::json::object();
  for (const std::string& m : c.modes) {
    auto keep = [&](const Injection& i) { return i.mode == m; };
    nlohmann::json bits = nlohmann::json::array();
    for (const Tally& t : by_bit(c, keep)) bits.push_back(tally_json(t));
    per_scheme[m] = {{"total", tally_json(total(c, keep))}, {"by_bit", bits}};
  }
  j["by_scheme"] = per_scheme;
  nlohmann::json all_bits = nlohmann::json::array();
  for (const Tally& t : by_bit(c, [](const Injection&) { return true; })) all_bits.push_back(tally_json(t));
  j["by_bit"] = all_bits;
  nlohmann::json inj = nlohmann::json::array();
  for (const Injection& i : c.injections) inj.push_back(injection_json(i));
  j["injections"] = inj;
  return j.dump(1);
}

std::string to_markdown(const Campaign& c) {
  std::ostringstream o;
  o << "<!-- generated by: " << c.command << " -->\n\n";
  if (!c.fault_free_rows.empty()) {
    o << "### Fault-free runs\n\n";
    Table t({"model", "scheme", "threads", "inferences", "checks", "unverifiable checks", "alarms",
             "failed runs", "false-alarm rate (95% upper bound)"});
    std::map<std::string, FaultFreeRow> per_mode;
    FaultFreeRow all;
    for (const FaultFreeRow& r : c.fault_free_rows) {
      t.row({r.model, r.mode, n(r.threads), n(r.inferences), n(r.checks), n(r.unverifiable),
             n(r.alarms), n(r.failed_runs), fmt("%.3g", far_upper(r))});
      for (FaultFreeRow* s : {&per_mode[r.mode], &all}) {
        s->inferences += r.inferences, s->checks += r.checks, s->unverifiable += r.unverifiable;
        s->alarms += r.alarms, s->failed_runs += r.failed_runs;
      }
    }
    for (const std::string& m : c.modes) {
      if (!per_mode.count(m)) continue;
      const FaultFreeRow& s = per_mode[m];
      t.row({"**all models**", m, "", n(s.inferences), n(s.checks), n(s.unverifiable), n(s.alarms),
             n(s.failed_runs), fmt("%.3g", far_upper(s))});
    }
    t.row({"**all models**", "**all**", "", n(all.inferences), n(all.checks), n(all.unverifiable),
           n(all.alarms), n(all.failed_runs), fmt("%.3g", far_upper(all))});
    o << t.str() << "\n";
  }
  if (!c.injection_rows.empty()) {
    o << "### Injections by model and scheme\n\n";
    Table t({"model", "scheme", "nodes", "injections", "above tol.", "detected (above)", "missed",
             "below tol., undetected (benign)", "below tol., detected", "unclassified",
             "wrong corrections", "detected-unrecoverable", "undetected output changes",
             "undetected top-1 changes", "coverage (95% lower bound)"});
    auto row = [&](const std::string& model, const std::string& mode, const std::string& nodes,
                   const Tally& s) {
      t.row({model, mode, nodes, n(s.injections), n(s.above), n(s.above_detected), n(s.missed),
             n(s.below_undetected), n(s.below_detected), n(s.unclassified), n(s.wrong_corrections),
             n(s.unrecoverable), n(s.silent_output_changes), n(s.silent_top1_changes),
             coverage(s)});
    };
    for (const InjectionRow& r : c.injection_rows)
      row(r.model, r.mode, r.candidate_nodes ? n(r.candidate_nodes) : "none", r.tally);
    for (const std::string& m : c.modes)
      row("**all models**", m, "", total(c, [&](const Injection& i) { return i.mode == m; }));
    o << t.str() << "\n";

    o << "### Injection site\n\n";
    Table s({"scheme", "site", "injections", "above tol.", "detected (above)", "missed",
             "below tol., undetected", "below tol., detected"});
    for (const std::string& m : c.modes)
      for (bool output : {false, true}) {
        const Tally x = total(c, [&](const Injection& i) { return i.mode == m && (i.at >= 1.0) == output; });
        s.row({m, output ? "output element (after the K loop)" : "accumulator inside the K loop",
               n(x.injections), n(x.above), n(x.above_detected), n(x.missed), n(x.below_undetected),
               n(x.below_detected)});
      }
    o << s.str() << "\n";

    o << "### Detection against the flipped bit, all schemes\n\n";
    o << bit_table(by_bit(c, [](const Injection&) { return true; })) << "\n";
    for (const std::string& m : c.modes) {
      o << "### Detection against the flipped bit, scheme " << m << "\n\n";
      o << bit_table(by_bit(c, [&](const Injection& i) { return i.mode == m; })) << "\n";
    }
  }
  return o.str();
}

}  // namespace sf::cli::campaign
