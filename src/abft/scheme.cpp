// Names, parsing and the JSON run report of the ABFT schemes (scheme.hpp).
#include "abft/scheme.hpp"

#include <nlohmann/json.hpp>

namespace sf::abft {

std::string_view mode_name(Mode m) {
  switch (m) {
    case Mode::kOff: return "off";
    case Mode::kAuto: return "auto";
    case Mode::kGlobal: return "global";
    case Mode::kTile: return "tile";
    case Mode::kDmr: return "dmr";
  }
  return "?";
}

std::string_view scheme_name(Scheme s) {
  switch (s) {
    case Scheme::kNone: return "none";
    case Scheme::kGlobal: return "global";
    case Scheme::kTile: return "tile";
    case Scheme::kDmr: return "dmr";
  }
  return "?";
}

std::optional<Mode> parse_mode(std::string_view s) {
  for (Mode m : {Mode::kOff, Mode::kAuto, Mode::kGlobal, Mode::kTile, Mode::kDmr})
    if (s == mode_name(m)) return m;
  return std::nullopt;
}

std::optional<Select> parse_select(std::string_view s) {
  if (s == "intensity") return Select::kIntensity;
  if (s == "measured") return Select::kMeasured;
  return std::nullopt;
}

std::string Report::to_json() const {
  nlohmann::json j;
  j["runs"] = runs;
  nlohmann::json layers_j = nlohmann::json::array();
  int64_t alarms = 0, corrected = 0, unrecoverable = 0, checks = 0;
  for (const LayerStats& l : layers) {
    layers_j.push_back({{"node", l.node}, {"op", l.op}, {"scheme", scheme_name(l.scheme)},
                        {"reason", l.reason}, {"intensity", l.intensity}, {"checks", l.checks},
                        {"unverifiable", l.unverifiable}, {"alarms", l.alarms},
                        {"recomputes", l.recomputes}, {"corrected", l.corrected},
                        {"unrecoverable", l.unrecoverable}, {"last_tolerance", l.last_tolerance}});
    alarms += l.alarms, corrected += l.corrected, unrecoverable += l.unrecoverable;
    checks += l.checks;
  }
  j["layers"] = layers_j;
  j["totals"] = {{"checks", checks}, {"alarms", alarms}, {"corrected", corrected},
                 {"unrecoverable", unrecoverable}};
  nlohmann::json ev = nlohmann::json::array();
  for (const Event& e : events)
    ev.push_back({{"node", e.node}, {"op", e.op}, {"scheme", scheme_name(e.scheme)},
                  {"result", e.result}, {"checksum", e.checksum}, {"difference", e.difference},
                  {"tolerance", e.tolerance}, {"attempt", e.attempt}, {"action", e.action}});
  j["events"] = ev;
  return j.dump(2);
}

}  // namespace sf::abft
