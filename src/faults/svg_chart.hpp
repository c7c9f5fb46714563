// SVG building blocks for the campaign report (report_html.cpp): escaping, number formatting, a
// linear scale for rates, rate axes with gridlines, stacked bars and confidence whiskers.
//
// Coordinates are written with two decimals, so a bar's length is its rate times the scale's
// pixels per unit to within 0.01 px; the report's checks (tests/unit/faults/report_html_test.cpp,
// tests/tools/check_inject_html.py) read the lengths back from the attributes and the scale from
// the data-scale-max / data-plot-start / data-plot-length attributes of the <svg>.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sf::faults::svg {

// For HTML text and attribute values alike: & < > " ' become entities.
std::string escape(std::string_view s);
// printf("%.*f"); "n/a" for NaN and infinities.
std::string fixed(double v, int decimals);
// A rate in [0, 1] as a percentage: percent(0.1234) == "12.34%".
std::string percent(double rate, int decimals = 2);
// The last `max_chars` code points of a UTF-8 string behind an ellipsis when it is longer (layer
// names differ most at their ends: "/layer4/layer4.1/conv2/Conv").
std::string tail(std::string_view s, size_t max_chars);
size_t code_points(std::string_view s);

// The smallest of 1, 2, 2.5, 5 x 10^k at or above v, within [0.001, 1]: the end of a rate axis.
double nice_rate_max(double v);

// Rates in [0, max] onto pixels: from px0 rightwards (x) or, with up, from px0 upwards (y).
struct Scale {
  double max = 1;
  double px0 = 0;
  double len = 1;
  bool up = false;
  double at(double rate) const;  // clamped to [0, max]
};

struct Segment {
  std::string cls;  // "masked", "sdc_safe", ...: the rect's class is "seg <cls>"
  double rate = 0;
  std::string colour;
  std::string title;  // unescaped hover text
};

// The segments stacked from rate 0 along the scale; `across` is the bar's top (rightward scale)
// or left edge (upward scale) and `thickness` its height or width. Each rect carries data-rate.
std::string stacked_bar(const Scale& s, double across, double thickness,
                        const std::vector<Segment>& segs);
// An interval [lo, hi] on the scale as a line with end caps, centred on `centre` across the bar.
std::string whisker(const Scale& s, double lo, double hi, double centre, double cap,
                    const std::string& title);
// Gridlines at `steps` + 1 even rates of the scale between `from` and `to` across it, labelled in
// percent outside the plot (below `to` for a rightward scale, left of `from` for an upward one).
std::string rate_axis(const Scale& s, double from, double to, int steps);
// <text> with already escaped content.
std::string text(double x, double y, std::string_view anchor, std::string_view escaped,
                 std::string_view cls = "", int size = 12);
// <svg role="img"> with its <title>; `data` holds extra attributes (already escaped).
std::string open(std::string_view id, double width, double height, std::string_view title,
                 std::string_view label, std::string_view data = "");

}  // namespace sf::faults::svg
