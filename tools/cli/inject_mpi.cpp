#include "tools/cli/inject_mpi.hpp"

#include <chrono>
#include <cstdlib>
#include <thread>
#include <vector>

#ifdef SF_HAVE_MPI
#include <mpi.h>
#endif

namespace sf::cli {

namespace {
// mpirun (OpenMPI) started this process as one of several ranks.
bool launched_as_rank() {
  const char* size = std::getenv("OMPI_COMM_WORLD_SIZE");
  return size && std::atoi(size) > 1;
}
}  // namespace

#ifdef SF_HAVE_MPI

namespace {
// Polls a request, sleeping between tests: OpenMPI's blocking calls busy-wait, which would take
// the core from the ranks still injecting.
void wait_gently(MPI_Request* req) {
  int done = 0;
  for (;;) {
    MPI_Test(req, &done, MPI_STATUS_IGNORE);
    if (done) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}
}  // namespace

Result<MpiShard> mpi_start() {
  MpiShard s;
  if (!launched_as_rank()) return s;
  int provided = 0;
  if (MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS)
    return runtime_error("MPI_Init failed");
  s.active = true;
  MPI_Comm_rank(MPI_COMM_WORLD, &s.rank);
  MPI_Comm_size(MPI_COMM_WORLD, &s.size);
  return s;
}

Result<std::map<int64_t, nlohmann::json>> mpi_gather_records(const MpiShard& shard,
                                                             const std::map<int64_t, nlohmann::json>& mine) {
  if (!shard.active) return mine;
  MPI_Request barrier;
  MPI_Ibarrier(MPI_COMM_WORLD, &barrier);
  wait_gently(&barrier);
  std::string text;
  for (const auto& [i, rec] : mine) text += rec.dump() + "\n";
  if (text.size() > static_cast<size_t>(INT32_MAX))
    return resource_limit("rank " + std::to_string(shard.rank) + ": records exceed 2 GiB");
  int len = static_cast<int>(text.size());
  std::vector<int> lens(static_cast<size_t>(shard.size)), offs(static_cast<size_t>(shard.size));
  MPI_Gather(&len, 1, MPI_INT, lens.data(), 1, MPI_INT, 0, MPI_COMM_WORLD);
  std::string all;
  if (shard.rank == 0) {
    int64_t total = 0;
    for (int r = 0; r < shard.size; ++r) {
      offs[static_cast<size_t>(r)] = static_cast<int>(total);
      total += lens[static_cast<size_t>(r)];
    }
    if (total > INT32_MAX) return resource_limit("gathered records exceed 2 GiB");
    all.resize(static_cast<size_t>(total));
  }
  MPI_Gatherv(text.data(), len, MPI_CHAR, all.data(), lens.data(), offs.data(), MPI_CHAR, 0, MPI_COMM_WORLD);
  std::map<int64_t, nlohmann::json> merged;
  size_t pos = 0;
  while (pos < all.size()) {
    const size_t nl = all.find('\n', pos);
    auto rec = nlohmann::json::parse(all.substr(pos, nl - pos), nullptr, false);
    if (!rec.is_object() || !rec.contains("i")) return internal_error("MPI gather: unreadable record");
    merged.emplace(rec["i"].get<int64_t>(), std::move(rec));
    pos = nl + 1;
  }
  return merged;
}

double mpi_max(const MpiShard& shard, double value) {
  if (!shard.active) return value;
  double out = value;
  MPI_Reduce(&value, &out, 1, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);
  return out;
}

int64_t mpi_sum(const MpiShard& shard, int64_t value) {
  if (!shard.active) return value;
  long long in = value, out = value;
  MPI_Reduce(&in, &out, 1, MPI_LONG_LONG, MPI_SUM, 0, MPI_COMM_WORLD);
  return out;
}

void mpi_finish(const MpiShard& shard) {
  if (shard.active) MPI_Finalize();
}

void mpi_abort(const MpiShard& shard, int code) {
  if (shard.active) MPI_Abort(MPI_COMM_WORLD, code);
}

#else

Result<MpiShard> mpi_start() {
  if (launched_as_rank())
    return unsupported("started under mpirun, but this steadfast was built without MPI "
                       "(install libopenmpi-dev and rebuild)");
  return MpiShard{};
}
Result<std::map<int64_t, nlohmann::json>> mpi_gather_records(const MpiShard&,
                                                             const std::map<int64_t, nlohmann::json>& mine) {
  return mine;
}
double mpi_max(const MpiShard&, double value) { return value; }
int64_t mpi_sum(const MpiShard&, int64_t value) { return value; }
void mpi_finish(const MpiShard&) {}
void mpi_abort(const MpiShard&, int) {}

#endif

}  // namespace sf::cli
