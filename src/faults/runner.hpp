// Runs a campaign's injections on all cores: forked worker processes, one thread each, share the
// loaded session copy-on-write and run chunks of injections grouped by input (one golden run per
// chunk). A worker that dies on a signal yields a DUE "crash" record for the injection it was
// running; one that stops answering for longer than the timeout is killed and yields a DUE
// "timeout"; both are replaced and the rest of their chunk is handed out again. The parent
// alone writes the journal and draws the progress bar.
//
// The parent must not have started OpenMP threads before forking (libgomp's pool does not survive
// fork): load the session with one thread. Workers run their session with one thread too.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "faults/campaign.hpp"
#include "faults/dataset.hpp"
#include "faults/journal.hpp"
#include "runtime/session.hpp"

namespace sf::faults {

struct RunnerOptions {
  int jobs = 0;          // worker processes; 0: one per physical core
  double timeout = 0;    // seconds without an answer before a worker is killed; 0: automatic
                         // (20 x the golden run, at least 2 s; the first golden run gets 300 s)
  bool progress = true;  // progress bar on stderr
  int rank = 0, ranks = 1;  // shard: injections with index % ranks == rank
  bool abft = false;     // the session runs with ABFT (records carry detection counts)
  int64_t stop_after = 0;  // testing: stop (as if killed) after this many new records
};

struct RunStats {
  int64_t planned = 0;    // injections of this shard
  int64_t resumed = 0;    // found in the journal
  int64_t executed = 0;   // run now
  double seconds = 0;     // wall time of this run
  int64_t crashes = 0, timeouts = 0;
};

Result<RunStats> run_campaign(rt::Session& session, const Campaign& campaign, const Dataset& data,
                              const RunnerOptions& opts, Journal& journal);

}  // namespace sf::faults
