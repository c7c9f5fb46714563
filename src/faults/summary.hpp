// Campaign results from the journal's records: outcome rates with exact 95% intervals overall,
// per layer, per bit position and for the fault model; ABFT detection counts when it ran. The
// summary depends only on the records, so an interrupted and resumed campaign, or one sharded
// over MPI ranks, summarises to exactly the same JSON (timings live apart, under "run").
#pragma once

#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "core/status.hpp"
#include "faults/campaign.hpp"

namespace sf::faults {

nlohmann::json summarize(const Campaign& campaign, const std::map<int64_t, nlohmann::json>& records);

// One CSV row per record, in index order.
Status write_records_csv(const std::string& path, const std::map<int64_t, nlohmann::json>& records);

// The bit position a record's fault hit: the single bit of its first fault's mask, -1 when
// several bits or none (random/zero values).
int record_bit(const nlohmann::json& rec);

}  // namespace sf::faults
