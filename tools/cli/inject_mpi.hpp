// MPI sharding for `steadfast inject` (Debian OpenMPI): under `mpirun -np K`, rank r runs the
// injections with index % K == r into its own journal (JOURNAL.rank<r>of<K>), then rank 0
// gathers every rank's records and summarises them. The records are a function of the campaign
// and the index alone (campaign.hpp), so the merged summary is the single-process one exactly.
// Built without MPI, or started without mpirun, the campaign runs as one process.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "core/status.hpp"

namespace sf::cli {

struct MpiShard {
  int rank = 0, size = 1;
  bool active = false;  // MPI was started (and must be finished)
};

// Starts MPI when the process was launched by mpirun (OMPI_COMM_WORLD_SIZE > 1).
Result<MpiShard> mpi_start();
// Rank 0 receives the union of all ranks' records; other ranks get an empty map. Waits for the
// slower ranks without spinning (the workers of those ranks need the cores).
Result<std::map<int64_t, nlohmann::json>> mpi_gather_records(const MpiShard& shard,
                                                             const std::map<int64_t, nlohmann::json>& mine);
// The largest of the ranks' values at rank 0 (for timings).
double mpi_max(const MpiShard& shard, double value);
int64_t mpi_sum(const MpiShard& shard, int64_t value);
void mpi_finish(const MpiShard& shard);
// Ends every rank (a rank that failed must not leave the others waiting in the gather).
void mpi_abort(const MpiShard& shard, int code);

}  // namespace sf::cli
