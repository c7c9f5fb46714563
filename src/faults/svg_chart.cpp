#include "faults/svg_chart.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace sf::faults::svg {

std::string escape(std::string_view s) {
  std::string o;
  o.reserve(s.size());
  for (char ch : s) {
    switch (ch) {
      case '&':
        o += "&amp;";
        break;
      case '<':
        o += "&lt;";
        break;
      case '>':
        o += "&gt;";
        break;
      case '"':
        o += "&quot;";
        break;
      case '\'':
        o += "&#39;";
        break;
      default:
        o += ch;
    }
  }
  return o;
}

std::string fixed(double v, int decimals) {
  if (!std::isfinite(v)) return "n/a";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string percent(double rate, int decimals) {
  if (!std::isfinite(rate)) return "n/a";
  return fixed(100 * rate, decimals) + "%";
}

namespace {
bool continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }
}  // namespace

size_t code_points(std::string_view s) {
  return static_cast<size_t>(
      std::count_if(s.begin(), s.end(), [](char c) { return !continuation(c); }));
}

std::string tail(std::string_view s, size_t max_chars) {
  const size_t n = code_points(s);
  if (n <= max_chars || max_chars < 2) return std::string(s);
  // Skip n - (max_chars - 1) code points; the ellipsis takes the remaining place.
  size_t skip = n - (max_chars - 1), pos = 0;
  while (pos < s.size()) {
    if (!continuation(s[pos]) && skip-- == 0) break;
    ++pos;
  }
  return "\xE2\x80\xA6" + std::string(s.substr(pos));
}

double nice_rate_max(double v) {
  if (!(v > 0.001)) return 0.001;
  if (v >= 1) return 1;
  const double decade = std::pow(10.0, std::floor(std::log10(v)));
  for (double m : {1.0, 2.0, 2.5, 5.0, 10.0})
    if (m * decade >= v * (1 - 1e-12)) return std::min(1.0, m * decade);
  return 1;
}

double Scale::at(double rate) const {
  const double f = std::clamp(std::isfinite(rate) ? rate : 0.0, 0.0, max) / max;
  return up ? px0 - f * len : px0 + f * len;
}

std::string stacked_bar(const Scale& s, double across, double thickness,
                        const std::vector<Segment>& segs) {
  std::string o;
  double cum = 0;
  for (const auto& g : segs) {
    const double a = s.at(cum), b = s.at(cum + g.rate);
    cum += g.rate;
    // Written as rounded start and rounded length, so length/len*max gives the rate back.
    const std::string pos = s.up ? "x=\"" + fixed(across, 2) + "\" y=\"" + fixed(b, 2) + "\""
                                 : "x=\"" + fixed(a, 2) + "\" y=\"" + fixed(across, 2) + "\"";
    const std::string size =
        s.up ? "width=\"" + fixed(thickness, 2) + "\" height=\"" + fixed(a - b, 2) + "\""
             : "width=\"" + fixed(b - a, 2) + "\" height=\"" + fixed(thickness, 2) + "\"";
    o += "<rect class=\"seg " + g.cls + "\" data-rate=\"" + fixed(g.rate, 6) + "\" " + pos + " " +
         size + " fill=\"" + g.colour + "\"><title>" + escape(g.title) + "</title></rect>\n";
  }
  return o;
}

std::string whisker(const Scale& s, double lo, double hi, double centre, double cap,
                    const std::string& title) {
  const double a = s.at(lo), b = s.at(hi), c = centre;
  auto line = [](double x1, double y1, double x2, double y2) {
    return "<line x1=\"" + fixed(x1, 2) + "\" y1=\"" + fixed(y1, 2) + "\" x2=\"" + fixed(x2, 2) +
           "\" y2=\"" + fixed(y2, 2) + "\"/>";
  };
  std::string o = "<g class=\"ci\" data-lo=\"" + fixed(lo, 6) + "\" data-hi=\"" + fixed(hi, 6) +
                  "\" stroke=\"#222\" stroke-width=\"1\"><title>" + escape(title) + "</title>";
  if (s.up)
    o += line(c, a, c, b) + line(c - cap, a, c + cap, a) + line(c - cap, b, c + cap, b);
  else
    o += line(a, c, b, c) + line(a, c - cap, a, c + cap) + line(b, c - cap, b, c + cap);
  return o + "</g>\n";
}

std::string rate_axis(const Scale& s, double from, double to, int steps) {
  std::string o = "<g class=\"axis\">\n";
  for (int k = 0; k <= steps; ++k) {
    const double r = s.max * k / steps, p = s.at(r);
    // Tick labels with as many decimals as the step needs (0.25% steps need two).
    const double step_pct = 100 * s.max / steps;
    const int decimals = step_pct >= 1 ? (std::fabs(step_pct - std::round(step_pct)) < 1e-9 ? 0 : 1)
                                       : (step_pct >= 0.1 ? 1 : 2);
    const std::string label = escape(fixed(100 * r, decimals) + "%");
    if (s.up)
      o += "<line x1=\"" + fixed(from, 2) + "\" y1=\"" + fixed(p, 2) + "\" x2=\"" + fixed(to, 2) +
           "\" y2=\"" + fixed(p, 2) + "\" stroke=\"#ddd\"/>" +
           text(from - 6, p + 4, "end", label, "tick", 11);
    else
      o += "<line x1=\"" + fixed(p, 2) + "\" y1=\"" + fixed(from, 2) + "\" x2=\"" + fixed(p, 2) +
           "\" y2=\"" + fixed(to, 2) + "\" stroke=\"#ddd\"/>" +
           text(p, to + 14, "middle", label, "tick", 11);
  }
  return o + "</g>\n";
}

std::string text(double x, double y, std::string_view anchor, std::string_view escaped,
                 std::string_view cls, int size) {
  std::string o = "<text";
  if (!cls.empty()) o += " class=\"" + std::string(cls) + "\"";
  return o + " x=\"" + fixed(x, 2) + "\" y=\"" + fixed(y, 2) + "\" text-anchor=\"" +
         std::string(anchor) + "\" font-size=\"" + std::to_string(size) + "\">" +
         std::string(escaped) + "</text>";
}

std::string open(std::string_view id, double width, double height, std::string_view title,
                 std::string_view label, std::string_view data) {
  // Appended piece by piece: GCC 12 warns falsely (-Wrestrict) on "literal" + std::string&&.
  const std::string w = fixed(width, 0), h = fixed(height, 0);
  std::string o = "<svg id=\"";
  o.append(id).append("\" xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"");
  o.append(escape(label)).append("\" width=\"").append(w).append("\" height=\"").append(h);
  o.append("\" viewBox=\"0 0 ").append(w).append(" ").append(h).append("\"");
  if (!data.empty()) o.append(" ").append(data);
  return o.append(" font-family=\"sans-serif\">\n<title>")
      .append(escape(title))
      .append("</title>\n");
}

}  // namespace sf::faults::svg
