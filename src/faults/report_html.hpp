// The HTML report of a fault-injection campaign (`steadfast inject --html`): one self-contained
// page (inline CSS and SVG, no scripts, fonts or external files) rendered from the summary JSON
// that `--json` writes (summarize() plus the CLI's model, data, abft_mode and run keys):
//   * the campaign: model, fault model, site, data, inputs, injections, seed, speed, and the
//     outcome classes defined with the campaign's tolerance and critical delta;
//   * the outcome breakdown: a stacked bar (sampled and population-weighted) beside a table of
//     counts, percentages and 95% intervals; DUE causes;
//   * vulnerability per layer: one horizontal stacked bar per layer (SDC-safe, SDC-critical, DUE)
//     with the 95% interval of the non-masked rate as a whisker, then the table;
//   * sensitivity per bit position: stacked columns over the representation's bits, then the table;
//   * the fault-model table and, when the campaign ran with ABFT, detected/corrected/escaped.
// Every chart is an <svg role="img"> with a <title> and an aria-label, followed by a table with
// its numbers. All text from the JSON is HTML-escaped.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "core/status.hpp"

namespace sf::faults {

// invalid_argument unless `summary` is an object with an "outcomes" object; any other key may be
// missing (its section says so instead of drawing a chart).
Result<std::string> campaign_html(const nlohmann::json& summary);

// campaign_html() written to `path` (io_error when it cannot be written).
Status write_campaign_html(const std::string& path, const nlohmann::json& summary);

}  // namespace sf::faults
