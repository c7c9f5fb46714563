// Presentation of a profile (src/runtime/profiler.hpp): the terminal table, the JSON document and
// the self-contained HTML report (an SVG roofline, log-log, the two roofs from the machine probe,
// one point per profiled node coloured by bound with a hover title, then the table).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "runtime/profiler.hpp"

namespace sf::cli {

struct ProfileContext {
  std::string model;
  std::string options;   // ablation switches that were off ("" for none)
  int warmup = 0;
  double run_ms_median = 0;  // end-to-end run time (with the observer attached)
};

// top = 0: every node in execution order; top = N: the N slowest, slowest first.
void print_profile_table(const rt::ProfileReport& r, const ProfileContext& c, int top);
nlohmann::json profile_json(const rt::ProfileReport& r, const ProfileContext& c);
std::string profile_html(const rt::ProfileReport& r, const ProfileContext& c);

}  // namespace sf::cli
