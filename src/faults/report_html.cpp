#include "faults/report_html.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>
#include <vector>

#include "faults/fault_model.hpp"
#include "faults/svg_chart.hpp"

namespace sf::faults {

namespace {

using nlohmann::json;
using svg::escape;
using svg::fixed;
using svg::percent;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// The summary's outcome keys (outcome.hpp's outcome_name) with their labels and colours; the
// last three, stacked in this order, make up the non-masked rate.
struct OutcomeStyle {
  const char* key;
  const char* label;
  const char* colour;
};
constexpr std::array<OutcomeStyle, 4> kOutcomeStyles = {
    {{"masked", "masked", "#b8c4cc"},
     {"sdc_safe", "SDC-safe", "#f2b134"},
     {"sdc_critical", "SDC-critical", "#d62728"},
     {"due", "DUE", "#6a3d9a"}}};
constexpr size_t kFirstVisible = 1;  // kOutcomeStyles[1..3]: the non-masked classes
constexpr const char* kNonMaskedLabel = "non-masked";

// ---- non-throwing JSON access (the summary may come from a file: any key may be missing) ----

const json& field(const json& j, const char* key) {
  static const json kNull;
  if (!j.is_object()) return kNull;
  auto it = j.find(key);
  return it == j.end() ? kNull : *it;
}

double number(const json& j, double fallback = kNaN) {
  return j.is_number() ? j.get<double>() : fallback;
}

int64_t integer(const json& j) {
  if (j.is_number_integer()) return j.get<int64_t>();
  return j.is_number_float() && std::isfinite(j.get<double>()) ? std::llround(j.get<double>()) : 0;
}

// Strings as they are, other values as JSON text ("n/a" when missing).
std::string plain(const json& j) {
  if (j.is_string()) return j.get_ref<const std::string&>();
  if (j.is_null()) return "n/a";
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

struct Rate {
  int64_t count = 0;
  double rate = kNaN, lo = kNaN, hi = kNaN;
};

Rate rate_of(const json& group, const char* key) {
  const json& r = field(group, key);
  const json& ci = field(r, "ci95");
  Rate o{integer(field(r, "count")), number(field(r, "rate")), kNaN, kNaN};
  if (ci.is_array() && ci.size() == 2) {
    o.lo = number(ci[0]);
    o.hi = number(ci[1]);
  }
  return o;
}

// 1 - masked, with the summary's "vulnerability" interval (the complement of masked's exact
// interval when it is missing: Clopper-Pearson intervals are symmetric under x -> n - x).
Rate non_masked(const json& group) {
  if (field(group, "vulnerability").is_object()) return rate_of(group, "vulnerability");
  const Rate m = rate_of(group, "masked");
  return {integer(field(group, "injections")) - m.count, 1 - m.rate, 1 - m.hi, 1 - m.lo};
}

std::string ci_text(const Rate& r) { return "[" + percent(r.lo) + ", " + percent(r.hi) + "]"; }

// "5.60% (28)"
std::string rate_cell(const Rate& r) {
  return "<td>" + percent(r.rate) + " <span class=\"n\">(" + std::to_string(r.count) +
         ")</span></td>";
}

// The header cells of the outcome columns, then "non-masked [95% CI]", closing the header row.
std::string outcome_header() {
  std::string o;
  for (const auto& st : kOutcomeStyles) o += "<th>" + escape(st.label) + "</th>";
  return o + "<th>non-masked [95% CI]</th></tr></thead>\n<tbody>\n";
}

// A group's outcome cells and its non-masked cell, closing the row.
std::string outcome_cells(const json& group) {
  std::string o;
  for (const auto& st : kOutcomeStyles) o += rate_cell(rate_of(group, st.key));
  const Rate nm = non_masked(group);
  return o + "<td>" + percent(nm.rate) + " " + ci_text(nm) + "</td></tr>\n";
}

std::string swatch(const char* colour) {
  return "<span class=\"swatch\" style=\"background:" + std::string(colour) + "\"></span>";
}

std::string legend(size_t first) {
  std::string o = "<p class=\"legend\">";
  for (size_t k = first; k < kOutcomeStyles.size(); ++k)
    o += swatch(kOutcomeStyles[k].colour) + escape(kOutcomeStyles[k].label) + " &nbsp; ";
  return o + "</p>\n";
}

// The stacked segments of one group (all four classes, or the non-masked ones from `first`).
std::vector<svg::Segment> segments(const json& group, size_t first, const std::string& what) {
  std::vector<svg::Segment> o;
  for (size_t k = first; k < kOutcomeStyles.size(); ++k) {
    const Rate r = rate_of(group, kOutcomeStyles[k].key);
    std::string title = what + ": " + kOutcomeStyles[k].label + " " + percent(r.rate);
    // Population-weighted rates come without counts and intervals.
    if (!field(field(group, kOutcomeStyles[k].key), "count").is_null())
      title += " (" + std::to_string(r.count) + "), 95% CI " + ci_text(r);
    o.push_back({kOutcomeStyles[k].key, std::isfinite(r.rate) ? r.rate : 0.0,
                 kOutcomeStyles[k].colour, title});
  }
  return o;
}

// Wide tables scroll sideways instead of squeezing their cells.
std::string scroll(const std::string& table) {
  return "<div class=\"scroll\">" + table + "</div>\n";
}

std::string note(const std::string& id, const std::string& text) {
  return "<p class=\"note\" id=\"" + id + "\">" + escape(text) + "</p>\n";
}

// ---- page sections ---------------------------------------------------------------------------

std::string page_head(const json& s) {
  return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>steadfast "
         "inject: " +
         escape(plain(field(s, "model"))) + " (" + escape(plain(field(s, "fault"))) +
         ")</title>\n<style>body{font-family:sans-serif;margin:20px;color:#222;max-width:1100px}"
         "table{border-collapse:collapse;font-size:13px;margin:8px 0}td,th{border:1px solid #ccc;"
         "padding:2px 6px;text-align:right;white-space:nowrap}td.t,th.t{text-align:left}"
         ".scroll{overflow-x:auto}caption{text-align:left;"
         "font-weight:bold;padding:4px 0}.flex{display:flex;gap:24px;flex-wrap:wrap;align-items:"
         "flex-start}.swatch{display:inline-block;width:11px;height:11px;margin-right:4px;"
         "border:1px solid #888;vertical-align:middle}.note{color:#555;font-style:italic}"
         "svg{max-width:100%;height:auto}span.n{color:#666}dt{font-weight:bold}dd{margin:0 0 6px "
         "20px}</style>\n</head><body>\n";
}

std::string header_row(const std::string& name, const std::string& value) {
  return "<tr><th class=\"t\">" + escape(name) + "</th><td class=\"t\">" + escape(value) +
         "</td></tr>\n";
}

std::string header_section(const json& s) {
  const json& run = field(s, "run");
  const double ips = number(field(run, "injections_per_second"));
  std::string o = "<h1>steadfast inject: " + escape(plain(field(s, "model"))) + "</h1>\n";
  o += "<table id=\"campaign\"><caption>Campaign</caption>\n";
  o += header_row("model", plain(field(s, "model")));
  o += header_row("fault model", plain(field(s, "fault")));
  o += header_row("site", plain(field(s, "site")));
  o += header_row("data", plain(field(s, "data")));
  o += header_row("inputs", plain(field(s, "inputs")));
  o += header_row("injections", plain(field(field(s, "outcomes"), "injections")) + " of " +
                                    plain(field(s, "planned")) + " planned");
  o += header_row("seed", plain(field(s, "seed")));
  if (!field(s, "abft_mode").is_null()) o += header_row("ABFT", plain(field(s, "abft_mode")));
  if (!field(s, "accumulator_not_fired").is_null())
    o +=
        header_row("accumulator faults that never fired", plain(field(s, "accumulator_not_fired")));
  if (run.is_object())
    o += header_row("run", plain(field(run, "executed")) + " executed, " +
                               plain(field(run, "resumed")) + " resumed, " +
                               fixed(number(field(run, "seconds")), 2) + " s, " +
                               plain(field(run, "jobs")) + " jobs, " +
                               fixed(ips, ips >= 100 ? 0 : 1) + " injections/s");
  o += "</table>\n";
  const std::string tol = plain(field(s, "tolerance")), delta = plain(field(s, "critical_delta"));
  o += "<dl id=\"definitions\">\n<dt>masked</dt><dd>every output score within the tolerance " +
       escape(tol) +
       " of the fault-free run's</dd>\n<dt>SDC-safe</dt><dd>a silent change beyond the tolerance "
       "that "
       "keeps the top-1 class and moves its score by at most the critical delta " +
       escape(delta) +
       "</dd>\n<dt>SDC-critical</dt><dd>the top-1 class changed, or its score moved by more than " +
       escape(delta) +
       "</dd>\n<dt>DUE</dt><dd>a detected unrecoverable error: NaN/Inf output, engine error (an "
       "uncorrected "
       "ABFT alarm included), crash or timeout</dd>\n</dl>\n";
  return o;
}

// Two rows: the sampled rates and, when given, the population-weighted ones.
std::string overall_svg(const json& s) {
  constexpr double kW = 560, kLabel = 150, kRight = 20, kBar = 22, kGap = 12, kTop = 8;
  const json& weighted = field(s, "population_weighted_rates");
  json weighted_group = json::object();
  if (weighted.is_object())
    for (const auto& st : kOutcomeStyles)
      weighted_group[st.key] = {{"rate", number(field(weighted, st.key), 0.0)}};
  const int rows = weighted.is_object() ? 2 : 1;
  const double axis_y = kTop + rows * (kBar + kGap);
  const svg::Scale scale{1.0, kLabel, kW - kLabel - kRight, false};
  std::string o = svg::open("overall", kW, axis_y + 22, "Outcome breakdown",
                            "Stacked bar of the outcome rates: masked, SDC-safe, SDC-critical, DUE",
                            "data-scale-max=\"1\" data-plot-start=\"" + fixed(scale.px0, 2) +
                                "\" data-plot-length=\"" + fixed(scale.len, 2) + "\"");
  o += svg::rate_axis(scale, kTop - 4, axis_y - kGap + 4, 4);
  for (int row = 0; row < rows; ++row) {
    const json& group = row == 0 ? field(s, "outcomes") : weighted_group;
    const std::string name = row == 0 ? "sampled" : "population-weighted";
    const double y = kTop + row * (kBar + kGap);
    o += "<g class=\"row\" data-row=\"" + std::string(row == 0 ? "sampled" : "weighted") + "\">" +
         svg::text(kLabel - 6, y + kBar / 2 + 4, "end", escape(name), "label") + "\n";
    std::vector<svg::Segment> segs = segments(group, 0, name);
    o += svg::stacked_bar(scale, y, kBar, segs);
    double cum = 0;  // the percentage inside each segment wide enough to hold it
    for (const auto& g : segs) {
      const double a = scale.at(cum), b = scale.at(cum + g.rate);
      cum += g.rate;
      if (b - a >= 46)
        o += svg::text((a + b) / 2, y + kBar / 2 + 4, "middle", percent(g.rate, 1), "inside", 11);
    }
    o += "</g>\n";
  }
  return o + "</svg>\n";
}

std::string outcome_row(const std::string& key, const std::string& label, const char* colour,
                        const Rate& r) {
  return "<tr data-outcome=\"" + key + "\"><th class=\"t\">" +
         (colour ? swatch(colour) : std::string()) + escape(label) + "</th><td class=\"count\">" +
         std::to_string(r.count) + "</td><td class=\"pct\">" + percent(r.rate) +
         "</td><td class=\"ci\">" + ci_text(r) + "</td></tr>\n";
}

std::string outcomes_table(const json& s) {
  const json& all = field(s, "outcomes");
  std::string o =
      "<table id=\"outcomes\"><caption>Outcomes of " + escape(plain(field(all, "injections"))) +
      " injections</caption>\n<thead><tr><th class=\"t\">outcome</th><th>count</th><th>%</th>"
      "<th>95% CI (Clopper-Pearson)</th></tr></thead>\n<tbody>\n";
  for (const auto& st : kOutcomeStyles)
    o += outcome_row(st.key, st.label, st.colour, rate_of(all, st.key));
  o += "</tbody>\n<tfoot>" + outcome_row("non_masked", kNonMaskedLabel, nullptr, non_masked(all)) +
       "</tfoot></table>\n";
  return o;
}

std::string weighted_table(const json& s) {
  const json& w = field(s, "population_weighted_rates");
  if (!w.is_object()) return note("weighted-note", "No population-weighted rates in the summary.");
  std::string o =
      "<table id=\"weighted\"><caption>Population-weighted rates</caption>\n<thead><tr>";
  for (const auto& st : kOutcomeStyles) o += "<th>" + escape(st.label) + "</th>";
  o += "</tr></thead>\n<tbody><tr>";
  for (const auto& st : kOutcomeStyles)
    o += "<td data-outcome=\"" + std::string(st.key) + "\">" + percent(number(field(w, st.key))) +
         "</td>";
  return o +
         "</tr></tbody></table>\n<p class=\"note\">Each layer's rates weighted by its share of the "
         "fault "
         "population (elements &times; bits &times; inputs): the estimate for a fault anywhere in "
         "the chosen "
         "layers. The sampled rates weight the layers equally, as the stratified plan does.</p>\n";
}

std::string due_kinds_table(const json& s) {
  const json& kinds = field(s, "due_kinds");
  if (!kinds.is_object() || kinds.empty()) return "";
  std::string o = "<table id=\"due-kinds\"><caption>DUE causes</caption>\n<tbody>\n";
  for (auto it = kinds.begin(); it != kinds.end(); ++it)
    o += "<tr><th class=\"t\">" + escape(it.key()) + "</th><td>" + plain(it.value()) +
         "</td></tr>\n";
  return o + "</tbody></table>\n";
}

std::string overall_section(const json& s) {
  return "<h2>Outcomes</h2>\n" + legend(0) + "<div class=\"flex\">\n" + overall_svg(s) +
         outcomes_table(s) + "</div>\n" + weighted_table(s) + due_kinds_table(s);
}

// ---- per layer --------------------------------------------------------------------------------

constexpr size_t kLabelChars = 48;  // longer layer names keep their tail behind an ellipsis

// The axis end: every non-masked rate and its interval fit (layers without injections aside).
double groups_rate_max(const json& groups) {
  double hi = 0;
  for (const auto& g : groups) {
    if (integer(field(g, "injections")) <= 0) continue;
    const Rate r = non_masked(g);
    hi = std::max({hi, std::isfinite(r.rate) ? r.rate : 0.0, std::isfinite(r.hi) ? r.hi : 0.0});
  }
  return svg::nice_rate_max(hi);
}

std::string layer_row_svg(const json& l, size_t index, const svg::Scale& scale, double y,
                          double row_h) {
  constexpr double kBarFraction = 0.66;
  const std::string name = plain(field(l, "layer"));
  const Rate nm = non_masked(l);
  const int64_t n = integer(field(l, "injections"));
  const double bar = row_h * kBarFraction, top = y + (row_h - bar) / 2;
  std::string o = "<g class=\"layer\" data-index=\"" + std::to_string(index) + "\" data-layer=\"" +
                  escape(name) + "\"><title>" +
                  escape(name + " (" + plain(field(l, "op")) + "): non-masked " + percent(nm.rate) +
                         ", 95% CI " + ci_text(nm) + ", " + std::to_string(n) + " injections") +
                  "</title>\n";
  o += svg::text(scale.px0 - 6, y + row_h / 2 + 4, "end", escape(svg::tail(name, kLabelChars)),
                 "label");
  o += "\n" + svg::stacked_bar(scale, top, bar, segments(l, kFirstVisible, name));
  if (n > 0)
    o += svg::whisker(scale, nm.lo, nm.hi, y + row_h / 2, bar / 2,
                      "95% CI of the non-masked rate " + ci_text(nm));
  o += svg::text(scale.px0 + scale.len + 8, y + row_h / 2 + 4, "start",
                 n > 0 ? percent(nm.rate) : std::string("no injections"), "value", 11);
  return o + "</g>\n";
}

std::string layers_svg(const json& layers) {
  constexpr double kW = 900, kRight = 80, kRow = 18, kTop = 6, kBottom = 40;
  size_t longest = 0;
  for (const auto& l : layers)
    longest = std::max(longest, svg::code_points(plain(field(l, "layer"))));
  const double label_w =
      std::clamp(7.0 * static_cast<double>(std::min(longest, kLabelChars)) + 12, 80.0, 360.0);
  const double plot_h = kRow * static_cast<double>(layers.size()), h = kTop + plot_h + kBottom;
  const svg::Scale scale{groups_rate_max(layers), label_w, kW - label_w - kRight, false};
  std::string o = svg::open(
      "per-layer", kW, h, "Vulnerability per layer",
      "Horizontal stacked bars, one per layer (" + std::to_string(layers.size()) +
          "), of the SDC-safe, SDC-critical and DUE rates, with 95% intervals of the non-masked "
          "rate",
      "data-scale-max=\"" + fixed(scale.max, 6) + "\" data-plot-start=\"" + fixed(scale.px0, 2) +
          "\" data-plot-length=\"" + fixed(scale.len, 2) + "\" aria-describedby=\"layers\"");
  o += svg::rate_axis(scale, kTop, kTop + plot_h, 5);
  o += svg::text(scale.px0 + scale.len / 2, h - 6, "middle",
                 "non-masked rate (fraction of the layer&#39;s injections)", "axis-title");
  o += "\n";
  for (size_t k = 0; k < layers.size(); ++k)
    o += layer_row_svg(layers[k], k, scale, kTop + kRow * static_cast<double>(k), kRow);
  return o + "</svg>\n";
}

std::string layers_table(const json& layers) {
  std::string o =
      "<table id=\"layers\"><caption>Per layer</caption>\n<thead><tr><th>#</th><th "
      "class=\"t\">layer"
      "</th><th class=\"t\">op</th><th>elements</th><th>planned</th><th>injections</th>";
  o += outcome_header();
  for (size_t k = 0; k < layers.size(); ++k) {
    const json& l = layers[k];
    o += "<tr data-index=\"" + std::to_string(k) + "\"><td>" + std::to_string(k) +
         "</td><td class=\"t\">" + escape(plain(field(l, "layer"))) + "</td><td class=\"t\">" +
         escape(plain(field(l, "op"))) + "</td><td>" + plain(field(l, "elements")) + "</td><td>" +
         plain(field(l, "planned")) + "</td><td>" + plain(field(l, "injections")) + "</td>";
    o += outcome_cells(l);
  }
  return o + "</tbody></table>\n";
}

std::string layers_section(const json& s) {
  const json& layers = field(s, "per_layer");
  std::string o = "<h2>Vulnerability per layer</h2>\n";
  if (!layers.is_array() || layers.empty())
    return o + note("per-layer-note", "No per-layer results in the summary.");
  o += legend(kFirstVisible) +
       "<p>Bars: the share of each layer's injections that was not masked, by class; "
       "whiskers: its 95% interval.</p>\n";
  return o + layers_svg(layers) + scroll(layers_table(layers));
}

// ---- per bit position -------------------------------------------------------------------------

struct BitRegion {
  int lo, hi;
  const char* name;
};

// The fields of the representation the fault model flips (none for value replacements).
std::vector<BitRegion> bit_regions(Repr r) {
  switch (r) {
    case Repr::kF32:
      return {{0, 22, "mantissa"}, {23, 30, "exponent"}, {31, 31, "sign"}};
    case Repr::kF16:
      return {{0, 9, "mantissa"}, {10, 14, "exponent"}, {15, 15, "sign"}};
    case Repr::kBF16:
      return {{0, 6, "mantissa"}, {7, 14, "exponent"}, {15, 15, "sign"}};
    case Repr::kI8:
      return {{0, 6, "value"}, {7, 7, "sign"}};
  }
  return {};
}

std::string bit_regions_svg(const std::vector<BitRegion>& regions, double left, double slot,
                            double y) {
  std::string o = "<g class=\"regions\">";
  for (const auto& r : regions) {
    const double a = left + slot * r.lo + 2, b = left + slot * (r.hi + 1) - 2;
    o += "<line x1=\"" + fixed(a, 2) + "\" y1=\"" + fixed(y, 2) + "\" x2=\"" + fixed(b, 2) +
         "\" y2=\"" + fixed(y, 2) + "\" stroke=\"#888\"/>" +
         svg::text((a + b) / 2, y + 13, "middle", r.name, "region", 11);
  }
  return o + "</g>\n";
}

std::string bits_svg(const json& s, const std::vector<const json*>& bits) {
  constexpr double kW = 900, kLeft = 60, kRight = 16, kTop = 12, kPlot = 220, kBottom = 62;
  auto fm = parse_fault_model(plain(field(s, "fault")));
  const bool repr_known = fm.is_ok() && fm->touches_bits();
  int nbits = repr_known ? repr_bits(fm->repr) : 0;
  for (const json* b : bits)
    nbits = std::max(nbits, static_cast<int>(integer(field(*b, "bit"))) + 1);
  const double slot = (kW - kLeft - kRight) / nbits, base = kTop + kPlot;
  json groups = json::array();
  for (const json* b : bits) groups.push_back(*b);
  const svg::Scale scale{groups_rate_max(groups), base, kPlot, true};
  std::string o = svg::open(
      "per-bit", kW, kTop + kPlot + kBottom, "Sensitivity per bit position",
      "Stacked columns of the SDC-safe, SDC-critical and DUE rates for each of " +
          std::to_string(nbits) + " bit positions, with 95% intervals of the non-masked rate",
      "data-scale-max=\"" + fixed(scale.max, 6) + "\" data-plot-start=\"" + fixed(scale.px0, 2) +
          "\" data-plot-length=\"" + fixed(scale.len, 2) + "\" aria-describedby=\"bits\"");
  o += svg::rate_axis(scale, kLeft, kW - kRight, 5);
  for (int b = 0; b < nbits; ++b)
    o += svg::text(kLeft + slot * (b + 0.5), base + 14, "middle", std::to_string(b), "bit-label",
                   10);
  if (repr_known && nbits == repr_bits(fm->repr))
    o += bit_regions_svg(bit_regions(fm->repr), kLeft, slot, base + 22);
  o += svg::text(kLeft + (kW - kLeft - kRight) / 2, kTop + kPlot + kBottom - 6, "middle",
                 "bit position (0 = least significant)", "axis-title") +
       "\n";
  for (const json* b : bits) {
    const int bit = static_cast<int>(integer(field(*b, "bit")));
    const Rate nm = non_masked(*b);
    const double x = kLeft + slot * bit;
    o += "<g class=\"bit\" data-bit=\"" + std::to_string(bit) + "\"><title>bit " +
         std::to_string(bit) + ": non-masked " +
         escape(percent(nm.rate) + ", 95% CI " + ci_text(nm)) + ", " +
         plain(field(*b, "injections")) + " injections</title>\n";
    o += svg::stacked_bar(scale, x + slot * 0.15, slot * 0.7,
                          segments(*b, kFirstVisible, "bit " + std::to_string(bit)));
    if (integer(field(*b, "injections")) > 0)
      o += svg::whisker(scale, nm.lo, nm.hi, x + slot / 2, slot * 0.2, "95% CI " + ci_text(nm));
    o += "</g>\n";
  }
  return o + "</svg>\n";
}

std::string bits_table(const json& per_bit) {
  std::string o =
      "<table id=\"bits\"><caption>Per bit position</caption>\n<thead><tr><th>bit</th>"
      "<th>injections</th>";
  o += outcome_header();
  for (const auto& b : per_bit) {
    const int64_t bit = integer(field(b, "bit"));
    o += "<tr data-bit=\"" + std::to_string(bit) + "\"><td>" +
         (bit >= 0 ? std::to_string(bit) : std::string("several bits or a value")) + "</td><td>" +
         plain(field(b, "injections")) + "</td>";
    o += outcome_cells(b);
  }
  return o + "</tbody></table>\n";
}

std::string bits_section(const json& s) {
  const json& per_bit = field(s, "per_bit");
  std::string o = "<h2>Sensitivity per bit position</h2>\n";
  if (!per_bit.is_array() || per_bit.empty())
    return o + note("per-bit-note", "No per-bit results in the summary: the chart is left out.");
  std::vector<const json*>
      single;  // faults of one known bit; the rest are listed in the table only
  for (const auto& b : per_bit)
    if (integer(field(b, "bit")) >= 0 && integer(field(b, "bit")) < 64) single.push_back(&b);
  if (single.empty())
    o += note("per-bit-note",
              "No injection hit a single bit (several bits per value, or value replacements): "
              "the chart is left out.");
  else
    o += legend(kFirstVisible) + bits_svg(s, single);
  return o + scroll(bits_table(per_bit));
}

// ---- fault models and ABFT --------------------------------------------------------------------

std::string fault_models_section(const json& s) {
  const json& models = field(s, "per_fault_model");
  std::string o = "<h2>Per fault model</h2>\n";
  if (!models.is_array() || models.empty())
    return o + note("fault-models-note", "No per-fault-model results in the summary.");
  o += "<table id=\"fault-models\"><thead><tr><th class=\"t\">fault model</th><th>injections</th>";
  o += outcome_header();
  for (const auto& m : models) {
    o += "<tr><td class=\"t\">" + escape(plain(field(m, "fault"))) + "</td><td>" +
         plain(field(m, "injections")) + "</td>";
    o += outcome_cells(m);
  }
  return o + "</tbody></table>\n";
}

std::string abft_row(const char* key, const std::string& label, int64_t count, int64_t n,
                     const std::string& extra) {
  const double r = n > 0 ? static_cast<double>(count) / static_cast<double>(n) : kNaN;
  return "<tr data-abft=\"" + std::string(key) + "\"><th class=\"t\">" + escape(label) +
         "</th><td>" + std::to_string(count) + "</td><td>" + percent(r) + "</td><td>" + extra +
         "</td></tr>\n";
}

std::string abft_section(const json& s) {
  const json& a = field(s, "abft");
  if (!a.is_object()) return "";
  const int64_t n = integer(field(a, "injections"));
  const json& dci = field(a, "detected_ci95");
  const std::string ci =
      dci.is_array() && dci.size() == 2
          ? "95% CI [" + percent(number(dci[0])) + ", " + percent(number(dci[1])) + "]"
          : std::string();
  return "<h2>ABFT</h2>\n<table id=\"abft\"><caption>ABFT over " + std::to_string(n) +
         " injections</caption>\n<thead><tr><th class=\"t\"></th><th>count</th><th>% of "
         "injections</th><th></th>"
         "</tr></thead>\n<tbody>\n" +
         abft_row("detected", "detected (an alarm was raised)", integer(field(a, "detected")), n,
                  ci) +
         abft_row("corrected", "corrected (alarm, recomputed, no DUE)",
                  integer(field(a, "corrected")), n, "") +
         abft_row("escaped", "escaped (SDC without an alarm)", integer(field(a, "escaped")), n,
                  "") +
         "</tbody></table>\n";
}

}  // namespace

Result<std::string> campaign_html(const json& summary) {
  if (!summary.is_object() || !field(summary, "outcomes").is_object())
    return invalid_argument(
        "campaign report: the summary must be a JSON object with an \"outcomes\" object, got " +
        std::string(summary.type_name()));
  std::ostringstream h;
  h << page_head(summary) << header_section(summary) << overall_section(summary)
    << layers_section(summary) << bits_section(summary) << fault_models_section(summary)
    << abft_section(summary) << "</body></html>\n";
  return h.str();
}

Status write_campaign_html(const std::string& path, const json& summary) {
  SF_ASSIGN_OR_RETURN(const std::string page, campaign_html(summary));
  std::ofstream out(path);
  if (!out) return io_error("cannot write the HTML report '" + path + "'");
  out << page;
  out.close();
  if (!out) return io_error("writing the HTML report '" + path + "' failed");
  return Status::ok();
}

}  // namespace sf::faults
