#include "tools/cli/profile_report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <sstream>

namespace sf::cli {

namespace {

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

std::string html_escape(const std::string& s) {
  std::string o;
  for (char ch : s) {
    switch (ch) {
      case '&': o += "&amp;"; break;
      case '<': o += "&lt;"; break;
      case '>': o += "&gt;"; break;
      case '"': o += "&quot;"; break;
      case '\'': o += "&#39;"; break;
      default: o += ch;
    }
  }
  return o;
}

const char* bound_name(const rt::NodeProfile& p) {
  if (p.flops < 0 || p.bytes <= 0) return "unknown";
  return p.compute_bound ? "compute" : "memory";
}

// A node has a point on the roofline when its intensity and achieved rate are positive.
bool plottable(const rt::NodeProfile& p) { return p.intensity > 0 && p.achieved_gflops > 0; }

constexpr const char* kComputeColour = "#d62728";
constexpr const char* kMemoryColour = "#1f77b4";

// Log-log roofline; axes span whole decades around the points and the ridge.
std::string roofline_svg(const rt::ProfileReport& r) {
  constexpr double kW = 760, kH = 460, kLeft = 70, kRight = 20, kTop = 20, kBottom = 50;
  double x_lo = r.balance > 0 ? r.balance : 1, x_hi = x_lo;
  double y_lo = r.peak_gflops > 0 ? r.peak_gflops : 1, y_hi = y_lo;
  for (const auto& p : r.nodes) {
    if (!plottable(p)) continue;
    x_lo = std::min(x_lo, p.intensity);
    x_hi = std::max(x_hi, p.intensity);
    y_lo = std::min(y_lo, p.achieved_gflops);
    y_hi = std::max(y_hi, p.achieved_gflops);
  }
  const double dx0 = std::floor(std::log10(x_lo)), dx1 = std::ceil(std::log10(x_hi * 1.0001));
  const double dy0 = std::floor(std::log10(y_lo)), dy1 = std::ceil(std::log10(y_hi * 1.0001));
  const double xd = std::max(1.0, dx1 - dx0), yd = std::max(1.0, dy1 - dy0);
  auto sx = [&](double v) { return kLeft + (std::log10(v) - dx0) / xd * (kW - kLeft - kRight); };
  auto sy = [&](double v) { return kH - kBottom - (std::log10(v) - dy0) / yd * (kH - kTop - kBottom); };
  std::ostringstream s;
  s << "<svg id=\"roofline\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" << kW << "\" height=\""
    << kH << "\" viewBox=\"0 0 " << kW << " " << kH << "\">\n";
  s << "<rect x=\"" << kLeft << "\" y=\"" << kTop << "\" width=\"" << kW - kLeft - kRight
    << "\" height=\"" << kH - kTop - kBottom << "\" fill=\"none\" stroke=\"#888\"/>\n";
  for (double d = dx0; d <= dx0 + xd + 1e-9; d += 1) {
    const double x = sx(std::pow(10.0, d));
    s << "<line class=\"grid\" x1=\"" << x << "\" y1=\"" << kTop << "\" x2=\"" << x << "\" y2=\""
      << kH - kBottom << "\" stroke=\"#eee\"/><text x=\"" << x << "\" y=\"" << kH - kBottom + 18
      << "\" text-anchor=\"middle\" font-size=\"12\">" << fmt("%g", std::pow(10.0, d)) << "</text>\n";
  }
  for (double d = dy0; d <= dy0 + yd + 1e-9; d += 1) {
    const double y = sy(std::pow(10.0, d));
    s << "<line class=\"grid\" x1=\"" << kLeft << "\" y1=\"" << y << "\" x2=\"" << kW - kRight
      << "\" y2=\"" << y << "\" stroke=\"#eee\"/><text x=\"" << kLeft - 6 << "\" y=\"" << y + 4
      << "\" text-anchor=\"end\" font-size=\"12\">" << fmt("%g", std::pow(10.0, d)) << "</text>\n";
  }
  s << "<text x=\"" << (kLeft + kW - kRight) / 2 << "\" y=\"" << kH - 10
    << "\" text-anchor=\"middle\" font-size=\"13\">arithmetic intensity (FLOP/byte)</text>\n";
  s << "<text transform=\"translate(16," << (kTop + kH - kBottom) / 2
    << ") rotate(-90)\" text-anchor=\"middle\" font-size=\"13\">GFLOP/s</text>\n";
  if (r.balance > 0 && r.bandwidth_gbs > 0) {
    const double x0 = std::pow(10.0, dx0), x1 = std::pow(10.0, dx0 + xd);
    const double xr = std::clamp(r.balance, x0, x1);
    // Memory roof: y = AI * bandwidth up to the ridge (clipped to the plot), then the compute roof.
    const double xm = std::max(x0, std::pow(10.0, dy0) / r.bandwidth_gbs);
    s << "<polyline id=\"roof-memory\" fill=\"none\" stroke=\"" << kMemoryColour
      << "\" stroke-width=\"2\" points=\"" << sx(xm) << "," << sy(xm * r.bandwidth_gbs) << " "
      << sx(xr) << "," << sy(xr * r.bandwidth_gbs) << "\"><title>memory roof: "
      << fmt("%.1f", r.bandwidth_gbs) << " GB/s</title></polyline>\n";
    s << "<polyline id=\"roof-compute\" fill=\"none\" stroke=\"" << kComputeColour
      << "\" stroke-width=\"2\" points=\"" << sx(xr) << "," << sy(r.peak_gflops) << " " << sx(x1)
      << "," << sy(r.peak_gflops) << "\"><title>compute roof: " << fmt("%.1f", r.peak_gflops)
      << " GFLOP/s</title></polyline>\n";
  }
  for (const auto& p : r.nodes) {
    if (!plottable(p)) continue;
    s << "<circle class=\"node " << bound_name(p) << "\" data-index=\"" << p.index << "\" cx=\""
      << sx(p.intensity) << "\" cy=\"" << sy(p.achieved_gflops) << "\" r=\"5\" fill=\""
      << (p.compute_bound ? kComputeColour : kMemoryColour)
      << "\" fill-opacity=\"0.7\"><title>" << html_escape(p.name) << " (" << p.op << ", "
      << html_escape(p.kernel) << "): AI " << fmt("%.2f", p.intensity) << " FLOP/B, "
      << fmt("%.2f", p.achieved_gflops) << " GFLOP/s, " << fmt("%.3f", p.seconds * 1e3) << " ms, "
      << fmt("%.0f", p.utilisation * 100) << "% of attainable</title></circle>\n";
  }
  s << "</svg>\n";
  return s.str();
}

std::vector<size_t> order(const rt::ProfileReport& r, int top) {
  std::vector<size_t> idx(r.nodes.size());
  std::iota(idx.begin(), idx.end(), 0);
  if (top > 0) {
    std::stable_sort(idx.begin(), idx.end(),
                     [&](size_t a, size_t b) { return r.nodes[a].seconds > r.nodes[b].seconds; });
    if (idx.size() > static_cast<size_t>(top)) idx.resize(static_cast<size_t>(top));
  }
  return idx;
}

}  // namespace

void print_profile_table(const rt::ProfileReport& r, const ProfileContext& c, int top) {
  std::printf("model %s, %d threads, %zu runs (median), %s at %s: peak %.1f GFLOP/s, %.1f GB/s, "
              "balance %.1f FLOP/B%s%s\n",
              c.model.c_str(), r.threads, r.runs, r.cpu.c_str(), r.isa.c_str(), r.peak_gflops,
              r.bandwidth_gbs, r.balance, c.options.empty() ? "" : ", off: ", c.options.c_str());
  std::printf("%4s  %-28s %-14s %-30s %9s %6s %9s %9s %7s %-7s %9s %9s %6s\n", "#", "name", "op",
              "kernel", "ms", "%time", "MFLOP", "MB", "AI", "bound", "attain", "GFLOP/s", "util%");
  const double total = r.totals.seconds > 0 ? r.totals.seconds : 1;
  for (size_t i : order(r, top)) {
    const auto& p = r.nodes[i];
    std::string name = p.name.size() > 28 ? "..." + p.name.substr(p.name.size() - 25) : p.name;
    std::string kernel = p.kernel.size() > 30 ? p.kernel.substr(0, 27) + "..." : p.kernel;
    std::printf("%4zu  %-28s %-14s %-30s %9.3f %6.1f %9.2f %9.3f %7.2f %-7s %9.1f %9.2f %6.1f\n",
                p.index, name.c_str(), p.op.c_str(), kernel.c_str(), p.seconds * 1e3,
                100 * p.seconds / total, p.flops / 1e6, p.bytes / 1e6, p.intensity, bound_name(p),
                p.attainable_gflops, p.achieved_gflops, 100 * p.utilisation);
  }
  std::printf("total: %zu nodes, %.3f ms (sum of node medians; run median %.3f ms), %.1f MFLOP, "
              "%.1f MB, %.2f GFLOP/s achieved, %.2f GFLOP/s attainable, %.1f%% of the roofline\n",
              r.nodes.size(), r.totals.seconds * 1e3, c.run_ms_median, r.totals.flops / 1e6,
              r.totals.bytes / 1e6, r.totals.achieved_gflops, r.totals.attainable_gflops,
              100 * r.totals.utilisation);
}

nlohmann::json profile_json(const rt::ProfileReport& r, const ProfileContext& c) {
  nlohmann::json nodes = nlohmann::json::array();
  for (const auto& p : r.nodes)
    nodes.push_back({{"index", p.index},
                     {"name", p.name},
                     {"op", p.op},
                     {"kernel", p.kernel},
                     {"ms", p.seconds * 1e3},
                     {"flops", p.flops},
                     {"bytes", p.bytes},
                     {"intensity", p.intensity},
                     {"bound", bound_name(p)},
                     {"attainable_gflops", p.attainable_gflops},
                     {"achieved_gflops", p.achieved_gflops},
                     {"utilisation", p.utilisation}});
  return {{"model", c.model},
          {"options_off", c.options},
          {"threads", r.threads},
          {"runs", r.runs},
          {"warmup", c.warmup},
          {"run_ms_median", c.run_ms_median},
          {"machine",
           {{"cpu", r.cpu},
            {"isa", r.isa},
            {"peak_gflops", r.peak_gflops},
            {"bandwidth_gbs", r.bandwidth_gbs},
            {"balance_flop_per_byte", r.balance}}},
          {"nodes", nodes},
          {"totals",
           {{"nodes", r.nodes.size()},
            {"ms", r.totals.seconds * 1e3},
            {"flops", r.totals.flops},
            {"bytes", r.totals.bytes},
            {"achieved_gflops", r.totals.achieved_gflops},
            {"attainable_gflops", r.totals.attainable_gflops},
            {"utilisation", r.totals.utilisation}}}};
}

std::string profile_html(const rt::ProfileReport& r, const ProfileContext& c) {
  std::ostringstream h;
  h << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>steadfast profile: "
    << html_escape(c.model) << "</title>\n<style>body{font-family:sans-serif;margin:20px}"
    << "table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;padding:2px 6px;"
    << "text-align:right}td.t,th.t{text-align:left}tfoot td{font-weight:bold}"
    << ".compute{color:" << kComputeColour << "}.memory{color:" << kMemoryColour << "}</style>"
    << "</head><body>\n";
  h << "<h1>steadfast profile</h1>\n<p id=\"summary\">model <b>" << html_escape(c.model) << "</b>, "
    << r.threads << " threads, " << r.runs << " runs (median per node), " << html_escape(r.cpu)
    << " at " << r.isa << ": peak " << fmt("%.1f", r.peak_gflops) << " GFLOP/s, bandwidth "
    << fmt("%.1f", r.bandwidth_gbs) << " GB/s, balance " << fmt("%.2f", r.balance) << " FLOP/byte"
    << (c.options.empty() ? "" : ", off: " + html_escape(c.options)) << ".</p>\n";
  h << "<h2>Roofline</h2>\n<p><span class=\"memory\">&#9679; memory-bound</span> &nbsp; "
    << "<span class=\"compute\">&#9679; compute-bound</span> (hover a point for the node)</p>\n";
  h << roofline_svg(r);
  h << "<h2>Nodes</h2>\n<table id=\"nodes\"><thead><tr><th>#</th><th class=\"t\">name</th>"
    << "<th class=\"t\">op</th><th class=\"t\">kernel</th><th>ms</th><th>% time</th>"
    << "<th>MFLOP</th><th>MB</th><th>AI (FLOP/B)</th><th class=\"t\">bound</th>"
    << "<th>attainable GFLOP/s</th><th>achieved GFLOP/s</th><th>% of attainable</th></tr></thead>"
    << "\n<tbody>\n";
  const double total = r.totals.seconds > 0 ? r.totals.seconds : 1;
  for (const auto& p : r.nodes) {
    h << "<tr class=\"node\" data-index=\"" << p.index << "\"><td>" << p.index
      << "</td><td class=\"t\">" << html_escape(p.name) << "</td><td class=\"t\">" << p.op
      << "</td><td class=\"t\">" << html_escape(p.kernel) << "</td><td>"
      << fmt("%.3f", p.seconds * 1e3) << "</td><td>" << fmt("%.1f", 100 * p.seconds / total)
      << "</td><td>" << fmt("%.3f", p.flops / 1e6) << "</td><td>" << fmt("%.3f", p.bytes / 1e6)
      << "</td><td>" << fmt("%.2f", p.intensity) << "</td><td class=\"t " << bound_name(p) << "\">"
      << bound_name(p) << "</td><td>" << fmt("%.1f", p.attainable_gflops) << "</td><td>"
      << fmt("%.2f", p.achieved_gflops) << "</td><td>" << fmt("%.1f", 100 * p.utilisation)
      << "</td></tr>\n";
  }
  h << "</tbody>\n<tfoot><tr id=\"totals\"><td></td><td class=\"t\">total (" << r.nodes.size()
    << " nodes)</td><td></td><td class=\"t\">run median " << fmt("%.3f", c.run_ms_median)
    << " ms</td><td>" << fmt("%.3f", r.totals.seconds * 1e3) << "</td><td>100.0</td><td>"
    << fmt("%.3f", r.totals.flops / 1e6) << "</td><td>" << fmt("%.3f", r.totals.bytes / 1e6)
    << "</td><td></td><td></td><td>" << fmt("%.1f", r.totals.attainable_gflops) << "</td><td>"
    << fmt("%.2f", r.totals.achieved_gflops) << "</td><td>"
    << fmt("%.1f", 100 * r.totals.utilisation) << "</td></tr></tfoot>\n</table>\n</body></html>\n";
  return h.str();
}

}  // namespace sf::cli
