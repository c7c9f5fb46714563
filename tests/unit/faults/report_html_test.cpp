// The campaign HTML report (faults/report_html.hpp) on summaries written by hand: the counts below
// are chosen so every rate is exact in decimal (count / 400, count / 1200, count / 100), the
// expected percentages are those quotients, and the bar lengths are read back from the SVG
// attributes and compared with rate / data-scale-max * data-plot-length. The axis ends are worked
// out by hand from the 1-2-2.5-5 series (largest interval end 0.37 -> 0.5, 0.45 -> 0.5).
#include "faults/report_html.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <map>
#include <regex>
#include <string>
#include <tuple>
#include <vector>

namespace sf::faults {
namespace {

using nlohmann::json;

// One outcome group as summarize() writes it; counts are {masked, sdc_safe, sdc_critical, due},
// `nm_ci` the non-masked ("vulnerability") interval.
json group(std::array<int64_t, 4> counts, std::array<double, 2> nm_ci) {
  const char* keys[] = {"masked", "sdc_safe", "sdc_critical", "due"};
  int64_t n = 0;
  for (int64_t c : counts) n += c;
  json g;
  g["injections"] = n;
  for (int k = 0; k < 4; ++k) {
    const double r = static_cast<double>(counts[k]) / static_cast<double>(n);
    g[keys[k]] = {
        {"count", counts[k]}, {"rate", r}, {"ci95", {r / 2, std::min(1.0, r * 1.5 + 0.01)}}};
  }
  const double bad = static_cast<double>(n - counts[0]) / static_cast<double>(n);
  g["vulnerability"] = {{"count", n - counts[0]}, {"rate", bad}, {"ci95", {nm_ci[0], nm_ci[1]}}};
  return g;
}

struct LayerSpec {
  std::string name;
  std::array<int64_t, 4> counts;
  std::array<double, 2> nm_ci;
};

const std::vector<LayerSpec> kLayers = {
    {"/conv1/Conv", {300, 60, 30, 10}, {0.21, 0.30}},
    {"conv<1>&\"a\"", {360, 20, 20, 0}, {0.07, 0.14}},
    {"<script>alert(1)</script>", {280, 80, 32, 8}, {0.25, 0.37}},
};

json summary() {
  json s;
  s["model"] = "test<model>";
  s["fault"] = "flip:fp32";
  s["site"] = "output";
  s["data"] = "random:4";
  s["inputs"] = 4;
  s["seed"] = 7;
  s["planned"] = 1200;
  s["tolerance"] = 1e-5;
  s["critical_delta"] = 0.05;
  s["abft_mode"] = "off";
  s["outcomes"] = group({940, 160, 82, 18}, {0.19, 0.24});
  s["population_weighted_rates"] = {
      {"masked", 0.8}, {"sdc_safe", 0.1}, {"sdc_critical", 0.075}, {"due", 0.025}};
  s["due_kinds"] = {{"nan_inf", 18}};
  for (const auto& l : kLayers) {
    json j = group(l.counts, l.nm_ci);
    j["layer"] = l.name;
    j["op"] = "Conv";
    j["elements"] = 100;
    j["planned"] = 400;
    s["per_layer"].push_back(j);
  }
  for (auto [bit, counts, ci] :
       std::vector<std::tuple<int, std::array<int64_t, 4>, std::array<double, 2>>>{
           {-1, {10, 0, 0, 0}, {0.0, 0.3}},
           {0, {100, 0, 0, 0}, {0.0, 0.036}},
           {5, {90, 10, 0, 0}, {0.05, 0.18}},
           {31, {60, 20, 15, 5}, {0.30, 0.45}}}) {
    json b = group(counts, ci);
    b["bit"] = bit;
    s["per_bit"].push_back(b);
  }
  json fm = s["outcomes"];
  fm["fault"] = "flip:fp32";
  s["per_fault_model"].push_back(fm);
  s["run"] = {{"executed", 1200},
              {"resumed", 0},
              {"seconds", 0.5},
              {"jobs", 2},
              {"injections_per_second", 2400.0}};
  return s;
}

std::string render(const json& s) {
  auto page = campaign_html(s);
  EXPECT_TRUE(page.is_ok()) << page.status().to_string();
  return page.is_ok() ? *page : std::string();
}

// The text of <svg id="ID" ...>...</svg>, empty when there is none.
std::string svg_block(const std::string& page, const std::string& id) {
  const size_t a = page.find("<svg id=\"" + id + "\"");
  if (a == std::string::npos) return "";
  return page.substr(a, page.find("</svg>", a) + 6 - a);
}

double attr(const std::string& tag, const std::string& name) {
  std::smatch m;
  const std::regex re("\\s" + name + "=\"([-0-9.e]+)\"");
  if (!std::regex_search(tag, m, re)) {
    ADD_FAILURE() << "no " << name << " in " << tag;
    return NAN;
  }
  return std::stod(m[1]);
}

std::vector<std::string> all(const std::string& text, const std::string& pattern) {
  std::vector<std::string> out;
  const std::regex re(pattern);
  for (auto it = std::sregex_iterator(text.begin(), text.end(), re); it != std::sregex_iterator();
       ++it)
    out.push_back(it->size() > 1 ? (*it)[1].str() : it->str());
  return out;
}

// The text from each <g class="CLS" to the next one (or the end of the SVG): a group with
// everything nested in it.
std::vector<std::string> groups(const std::string& svg, const std::string& cls) {
  std::vector<std::string> out;
  const std::string open = "<g class=\"" + cls + "\"";
  for (size_t a = svg.find(open); a != std::string::npos;) {
    const size_t b = svg.find(open, a + 1);
    out.push_back(svg.substr(a, b == std::string::npos ? std::string::npos : b - a));
    a = b;
  }
  return out;
}

// Rate of the segment of class `cls` in a group, from its length along the scale.
double seg_rate(const std::string& g, const std::string& cls, const char* length, double max,
                double len) {
  const auto rects = all(g, "(<rect class=\"seg " + cls + "\"[^>]*>)");
  if (rects.size() != 1) {
    ADD_FAILURE() << rects.size() << " segments " << cls;
    return NAN;
  }
  return attr(rects[0], length) / len * max;
}

constexpr double kPx = 0.011;  // two-decimal coordinates: start and end each within 0.005 px

TEST(CampaignHtml, EveryLayerIsOneEscapedLabelWithBarsProportionalToItsRates) {
  const std::string page = render(summary());
  const std::string svg = svg_block(page, "per-layer");
  ASSERT_FALSE(svg.empty());
  const double max = attr(svg, "data-scale-max"), len = attr(svg, "data-plot-length"),
               px0 = attr(svg, "data-plot-start");
  EXPECT_DOUBLE_EQ(max, 0.5);  // largest interval end 0.37 -> 0.5
  const auto labels = all(svg, "<text class=\"label\"[^>]*>([^<]*)</text>");
  ASSERT_EQ(labels.size(), kLayers.size());
  EXPECT_EQ(labels[0], "/conv1/Conv");
  EXPECT_EQ(labels[1], "conv&lt;1&gt;&amp;&quot;a&quot;");
  EXPECT_EQ(labels[2], "&lt;script&gt;alert(1)&lt;/script&gt;");
  const auto layer_groups = groups(svg, "layer");
  ASSERT_EQ(layer_groups.size(), kLayers.size());
  for (size_t k = 0; k < kLayers.size(); ++k) {
    const auto& g = layer_groups[k];
    const auto& c = kLayers[k].counts;
    const double n = static_cast<double>(c[0] + c[1] + c[2] + c[3]);
    SCOPED_TRACE(kLayers[k].name);
    EXPECT_NEAR(seg_rate(g, "sdc_safe", "width", max, len), c[1] / n, kPx * max / len);
    EXPECT_NEAR(seg_rate(g, "sdc_critical", "width", max, len), c[2] / n, kPx * max / len);
    EXPECT_NEAR(seg_rate(g, "due", "width", max, len), c[3] / n, kPx * max / len);
    EXPECT_EQ(all(g, "<rect class=\"seg masked\"").size(), 0u);  // masked is not drawn per layer
    // The segments are stacked: each starts where the previous one ends, the first at zero.
    const auto rects = all(g, "(<rect [^>]*>)");
    ASSERT_EQ(rects.size(), 3u);
    EXPECT_NEAR(attr(rects[0], "x"), px0, kPx);
    for (size_t i = 1; i < rects.size(); ++i)
      EXPECT_NEAR(attr(rects[i], "x"), attr(rects[i - 1], "x") + attr(rects[i - 1], "width"), kPx);
    // The whisker spans the non-masked interval.
    const auto lines = all(g, "(<line [^>]*>)");
    ASSERT_GE(lines.size(), 1u);
    EXPECT_NEAR(attr(lines[0], "x1"), px0 + kLayers[k].nm_ci[0] / max * len, kPx);
    EXPECT_NEAR(attr(lines[0], "x2"), px0 + kLayers[k].nm_ci[1] / max * len, kPx);
  }
  // The raw name never reaches the page; its escaped form does.
  EXPECT_EQ(page.find("<script>"), std::string::npos);
  EXPECT_NE(page.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_EQ(page.find("test<model>"), std::string::npos);
}

TEST(CampaignHtml, OutcomeTableAndOverallBarGiveTheSummaryRates) {
  const std::string page = render(summary());
  // 940, 160, 82, 18 of 1200; non-masked 260 of 1200.
  const std::map<std::string, std::string> expected = {{"masked", "78.33%"},
                                                       {"sdc_safe", "13.33%"},
                                                       {"sdc_critical", "6.83%"},
                                                       {"due", "1.50%"},
                                                       {"non_masked", "21.67%"}};
  for (const auto& [key, pct] : expected) {
    const auto cells =
        all(page, "<tr data-outcome=\"" + key + "\">[\\s\\S]*?<td class=\"pct\">([^<]*)</td>");
    ASSERT_EQ(cells.size(), 1u) << key;
    EXPECT_EQ(cells[0], pct) << key;
  }
  const std::string svg = svg_block(page, "overall");
  ASSERT_FALSE(svg.empty());
  const double len = attr(svg, "data-plot-length");
  const auto rows = groups(svg, "row");
  ASSERT_EQ(rows.size(), 2u);  // sampled and population-weighted
  EXPECT_NEAR(seg_rate(rows[0], "masked", "width", 1, len), 940 / 1200.0, kPx / len);
  EXPECT_NEAR(seg_rate(rows[0], "due", "width", 1, len), 18 / 1200.0, kPx / len);
  EXPECT_NEAR(seg_rate(rows[1], "sdc_critical", "width", 1, len), 0.075, kPx / len);
}

TEST(CampaignHtml, BitColumnsAreProportionalToTheRatesAndPlacedByBit) {
  const std::string svg = svg_block(render(summary()), "per-bit");
  ASSERT_FALSE(svg.empty());
  const double max = attr(svg, "data-scale-max"), len = attr(svg, "data-plot-length");
  EXPECT_DOUBLE_EQ(max, 0.5);  // largest interval end 0.45 -> 0.5
  const auto bits = groups(svg, "bit");
  ASSERT_EQ(bits.size(), 3u);  // bit -1 (several bits) is in the table only
  EXPECT_NEAR(seg_rate(bits[1], "sdc_safe", "height", max, len), 0.10, kPx * max / len);
  EXPECT_NEAR(seg_rate(bits[2], "sdc_safe", "height", max, len), 0.20, kPx * max / len);
  EXPECT_NEAR(seg_rate(bits[2], "sdc_critical", "height", max, len), 0.15, kPx * max / len);
  EXPECT_NEAR(seg_rate(bits[2], "due", "height", max, len), 0.05, kPx * max / len);
  EXPECT_NEAR(seg_rate(bits[0], "sdc_safe", "height", max, len), 0.0, kPx * max / len);
  // Columns sit at their bit's slot: offsets from bit 0 in the ratio 5 : 31.
  const double x0 = attr(bits[0], "x"), x5 = attr(bits[1], "x"), x31 = attr(bits[2], "x");
  EXPECT_NEAR((x31 - x0) / (x5 - x0), 31.0 / 5.0, 1e-3);
  // Stacked upwards: each segment's bottom is the previous one's top.
  const auto rects = all(bits[2], "(<rect [^>]*>)");
  ASSERT_EQ(rects.size(), 3u);
  for (size_t i = 1; i < rects.size(); ++i)
    EXPECT_NEAR(attr(rects[i], "y") + attr(rects[i], "height"), attr(rects[i - 1], "y"), kPx);
  EXPECT_NE(svg.find(">exponent</text>"), std::string::npos);  // fp32 fields under the axis
}

TEST(CampaignHtml, EveryChartIsAnAccessibleImageAndThePageIsSelfContained) {
  const std::string page = render(summary());
  const auto svgs = all(page, "(<svg [^>]*>\\n<title>[^<]+</title>)");
  EXPECT_EQ(svgs.size(), 3u);  // overall, per-layer, per-bit
  EXPECT_EQ(all(page, "<svg ").size(), svgs.size());
  for (const auto& s : svgs) {
    EXPECT_NE(s.find("role=\"img\""), std::string::npos) << s;
    EXPECT_NE(s.find("aria-label=\""), std::string::npos) << s;
  }
  for (const char* external : {"<script", "<link", " src=", "url(", "@import", "@font-face"})
    EXPECT_EQ(page.find(external), std::string::npos) << external;
  EXPECT_EQ(all(page, "https?://").size(), svgs.size());  // only the SVG namespace
  EXPECT_NE(page.find("<table id=\"layers\">"), std::string::npos);
  EXPECT_NE(page.find("<table id=\"bits\">"), std::string::npos);
  EXPECT_NE(page.find("<table id=\"fault-models\">"), std::string::npos);
  EXPECT_EQ(page.find("id=\"abft\""), std::string::npos);  // no ABFT in this summary
}

TEST(CampaignHtml, EmptyPerBitGivesANoteInsteadOfTheChart) {
  json s = summary();
  s["per_bit"] = json::array();
  const std::string page = render(s);
  EXPECT_EQ(page.find("<svg id=\"per-bit\""), std::string::npos);
  EXPECT_NE(page.find("id=\"per-bit-note\""), std::string::npos);
  EXPECT_NE(page.find("<svg id=\"per-layer\""), std::string::npos);
  // Value replacements only (every record bit -1): a note too, the table keeps the row.
  s["per_bit"] = json::array({summary()["per_bit"][0]});
  const std::string page2 = render(s);
  EXPECT_EQ(page2.find("<svg id=\"per-bit\""), std::string::npos);
  EXPECT_NE(page2.find("id=\"per-bit-note\""), std::string::npos);
  EXPECT_NE(page2.find("<tr data-bit=\"-1\">"), std::string::npos);
}

TEST(CampaignHtml, LongLayerNamesKeepTheirTailAndTheFullNameInTheTitle) {
  json s = summary();
  const std::string name = "/encoder/layer.11/attention/output/dense/MatMul_with_a_long_suffix_42";
  s["per_layer"][0]["layer"] = name;
  const std::string svg = svg_block(render(s), "per-layer");
  const auto labels = all(svg, "<text class=\"label\"[^>]*>([^<]*)</text>");
  ASSERT_EQ(labels.size(), kLayers.size());
  EXPECT_EQ(labels[0],
            "\xE2\x80\xA6" + name.substr(name.size() - 47));  // 48 code points with the ellipsis
  EXPECT_NE(svg.find("data-layer=\"" + name + "\""), std::string::npos);
}

TEST(CampaignHtml, AbftCountsAppearWhenTheCampaignRanWithAbft) {
  json s = summary();
  s["abft"] = {{"injections", 1200},
               {"detected", 300},
               {"corrected", 240},
               {"escaped", 60},
               {"detected_ci95", {0.22, 0.28}}};
  const std::string page = render(s);
  for (const auto& [key, cells] :
       std::map<std::string, std::string>{{"detected", "<td>300</td><td>25.00%</td>"},
                                          {"corrected", "<td>240</td><td>20.00%</td>"},
                                          {"escaped", "<td>60</td><td>5.00%</td>"}}) {
    const size_t at = page.find("<tr data-abft=\"" + key + "\">");
    ASSERT_NE(at, std::string::npos) << key;
    EXPECT_NE(page.substr(at, page.find("</tr>", at) - at).find(cells), std::string::npos) << key;
  }
}

TEST(CampaignHtml, RejectsASummaryWithoutOutcomesAndToleratesMissingSections) {
  EXPECT_FALSE(campaign_html(json::array()).is_ok());
  EXPECT_FALSE(campaign_html(json{{"model", "m"}}).is_ok());
  const std::string page = render(json{{"outcomes", summary()["outcomes"]}});
  EXPECT_NE(page.find("id=\"per-layer-note\""), std::string::npos);
  EXPECT_NE(page.find("id=\"per-bit-note\""), std::string::npos);
  EXPECT_NE(page.find("<svg id=\"overall\""), std::string::npos);
  // Wrong types never throw (the library does not throw).
  json odd = summary();
  odd["per_layer"][0]["injections"] = "many";
  odd["per_layer"][1]["sdc_safe"] = 3;
  odd["seed"] = json::array({1, 2});
  EXPECT_TRUE(campaign_html(odd).is_ok());
}

}  // namespace
}  // namespace sf::faults
