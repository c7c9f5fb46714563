// Protected execution of one node (abft_guard.hpp).
#include "runtime/abft_guard.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "core/fp_bounds.hpp"
#include "ir/op_kind.hpp"
#include "runtime/parallel.hpp"

namespace sf::rt {

namespace {

void add_event(abft::Report* report, const KernelContext& kctx, abft::Scheme scheme, double result,
               double checksum, double tolerance, int attempt, const char* action) {
  if (!report || report->events.size() >= abft::Report::kMaxEvents) return;
  abft::Event e;
  e.node = kctx.node.label();
  e.op = std::string(ir::op_name(kctx.node.op));
  e.scheme = scheme;
  e.result = result;
  e.checksum = checksum;
  e.difference = result - checksum;
  e.tolerance = tolerance;
  e.attempt = attempt;
  e.action = action;
  report->events.push_back(std::move(e));
}

// Duplicate-and-compare keeps the bytes of the runs' outputs in buffers reused from call to call
// (per thread: no allocation and no page faults once warm) and compares them exactly. A
// fingerprint (word sum and XOR) was tried instead and dropped: a Winograd output transform
// turns one corrupted accumulator into +d and -d on neighbouring pixels, which such sums can
// miss (the campaign caught one).
size_t output_bytes_total(const KernelContext& kctx) {
  size_t n = 0;
  for (const Tensor& t : kctx.out) n += t.empty() ? 0 : t.nbytes();
  return n;
}

// Copies and comparisons run over chunks on the node's threads (one thread would leave the others
// idle for a pass over the outputs).
constexpr int64_t kChunkBytes = int64_t{64} << 10;

void save_outputs(const KernelContext& kctx, std::vector<unsigned char>& buf) {
  buf.resize(output_bytes_total(kctx));
  size_t at = 0;
  for (const Tensor& t : kctx.out) {
    if (t.empty() || t.nbytes() == 0) continue;
    const auto* src = static_cast<const unsigned char*>(t.raw());
    unsigned char* dst = buf.data() + at;
    const int64_t n = static_cast<int64_t>(t.nbytes());
    parallel_for(kctx.threads, (n + kChunkBytes - 1) / kChunkBytes, [&](int64_t b, int64_t e) {
      const int64_t lo = b * kChunkBytes, hi = std::min(n, e * kChunkBytes);
      std::memcpy(dst + lo, src + lo, static_cast<size_t>(hi - lo));
    });
    at += t.nbytes();
  }
}

// Whether the outputs in place equal the saved bytes; when not, the first differing 32-bit word
// of each as floats (for the report).
bool outputs_equal(const KernelContext& kctx, const std::vector<unsigned char>& buf, double* x,
                   double* y) {
  if (buf.size() != output_bytes_total(kctx)) return false;
  size_t at = 0;
  for (const Tensor& t : kctx.out) {
    if (t.empty() || t.nbytes() == 0) continue;
    const auto* p = static_cast<const unsigned char*>(t.raw());
    const unsigned char* saved = buf.data() + at;
    const int64_t n = static_cast<int64_t>(t.nbytes());
    const int64_t chunks = (n + kChunkBytes - 1) / kChunkBytes;
    std::vector<unsigned char> differs(static_cast<size_t>(chunks), 0);
    parallel_for(kctx.threads, chunks, [&](int64_t b, int64_t e) {
      for (int64_t c = b; c < e; ++c) {
        const int64_t lo = c * kChunkBytes, hi = std::min(n, lo + kChunkBytes);
        differs[static_cast<size_t>(c)] = std::memcmp(saved + lo, p + lo, static_cast<size_t>(hi - lo)) != 0;
      }
    });
    for (int64_t c = 0; c < chunks; ++c) {
      if (!differs[static_cast<size_t>(c)]) continue;
      for (int64_t i = c * kChunkBytes; i + 4 <= n; i += 4)
        if (std::memcmp(saved + i, p + i, 4) != 0) {
          float fa, fb;
          std::memcpy(&fa, saved + i, 4);
          std::memcpy(&fb, p + i, 4);
          *x = fa, *y = fb;
          break;
        }
      return false;
    }
    at += t.nbytes();
  }
  return true;
}

Status run_dmr(KernelContext& kctx, const std::function<Status()>& once, abft::LayerStats* stats,
               abft::Report* report) {
  // runs[0]: the first run's outputs; on a mismatch the later runs' are kept too, so a run that
  // matches any earlier one is accepted.
  // A node that runs a subgraph (If, Loop) may duplicate nodes inside it on the same thread:
  // only the outermost call uses the reused buffers.
  thread_local std::vector<std::vector<unsigned char>> reused;
  thread_local int depth = 0;
  std::vector<std::vector<unsigned char>> nested;
  std::vector<std::vector<unsigned char>>& runs = depth == 0 ? reused : nested;
  struct Depth {
    Depth() { ++depth; }
    ~Depth() { --depth; }
  } in_dmr;
  if (runs.size() < static_cast<size_t>(2 + kLayerRetries)) runs.resize(2 + kLayerRetries);
  SF_TRY(once());
  save_outputs(kctx, runs[0]);
  for (int attempt = 1; attempt <= 1 + kLayerRetries; ++attempt) {
    SF_TRY(once());
    if (stats) ++stats->checks;
    double x = 0, y = 0;
    bool matched = false;
    for (int r = 0; r < attempt && !matched; ++r) matched = outputs_equal(kctx, runs[r], &x, &y);
    if (checks_disabled_for_testing()) matched = true;
    if (matched) {  // the outputs in place are those of a run another one agrees with
      if (attempt > 1 && stats) ++stats->corrected;
      return Status::ok();
    }
    outputs_equal(kctx, runs[attempt - 1], &x, &y);
    if (stats) ++stats->alarms;
    const bool last = attempt == 1 + kLayerRetries;
    add_event(report, kctx, abft::Scheme::kDmr, y, x, 0, attempt, last ? "unrecoverable" : "layer recomputed");
    if (last) break;
    if (stats) ++stats->recomputes;
    save_outputs(kctx, runs[attempt]);
  }
  if (stats) ++stats->unrecoverable;
  return detected_unrecoverable(kctx.node.label() + ": duplicated runs disagree after " +
                                std::to_string(1 + kLayerRetries) + " recomputations");
}

}  // namespace

// Copies what the tile checks of one run saw into the check result (shared with conv and Winograd).
void report_tiles(const cpu::TileCheckLog& log, abft::CheckResult& r) {
  r.tiles_checked = log.checks();
  r.tiles_unverifiable = log.unverifiable();
  r.tile_alarms = log.alarm_count();
  r.tiles_failed = log.failed();
  r.tiles_corrected = r.tile_alarms - r.tiles_failed;
  for (const cpu::TileAlarm& a : log.alarms())
    r.tile_events.push_back({a.result, a.checksum, a.tolerance, a.corrected});
  r.verified = r.tiles_checked > 0;
  r.passed = r.tiles_failed == 0;
  if (!r.tile_events.empty()) {
    r.result = r.tile_events.back().result;
    r.checksum = r.tile_events.back().checksum;
    r.tolerance = r.tile_events.back().tolerance;
  }
}

Status run_protected(KernelContext& kctx, const std::function<Status()>& once,
                     const AbftNodePlan& plan, abft::LayerStats* stats, abft::Report* report) {
  if (plan.scheme == abft::Scheme::kNone) return once();
  if (plan.scheme == abft::Scheme::kDmr) return run_dmr(kctx, once, stats, report);
  abft::CheckResult check;
  for (int attempt = 0; attempt <= kLayerRetries; ++attempt) {
    check = abft::CheckResult{};
    check.scheme = plan.scheme;
    kctx.abft = &check;
    const Status st = once();
    kctx.abft = nullptr;
    SF_TRY(st);
    if (stats) {
      if (plan.scheme == abft::Scheme::kGlobal && check.verified) stats->last_tolerance = check.tolerance;
      stats->checks += plan.scheme == abft::Scheme::kTile ? check.tiles_checked : (check.verified ? 1 : 0);
      if (!check.verified && plan.scheme == abft::Scheme::kGlobal) ++stats->unverifiable;
      if (plan.scheme == abft::Scheme::kTile) stats->unverifiable += check.tiles_unverifiable;
      stats->alarms += check.tile_alarms;
      stats->corrected += check.tiles_corrected;
    }
    for (const abft::TileEvent& t : check.tile_events)
      add_event(report, kctx, abft::Scheme::kTile, t.result, t.checksum, t.tolerance, attempt,
                t.corrected ? "tile recomputed" : "tile unrecoverable in kernel");
    if (check.passed) {
      if (attempt > 0 && stats) ++stats->corrected;
      return Status::ok();
    }
    const bool last = attempt == kLayerRetries;
    if (stats && plan.scheme == abft::Scheme::kGlobal) ++stats->alarms;
    add_event(report, kctx, plan.scheme, check.result, check.checksum, check.tolerance, attempt,
              last ? "unrecoverable" : "layer recomputed");
    if (!last && stats) ++stats->recomputes;
  }
  if (stats) ++stats->unrecoverable;
  char buf[256];
  std::snprintf(buf, sizeof buf,
                ": %s checksum mismatch persists after %d recomputations (output sum %.9g, "
                "checksum %.9g, |difference| %.3g > tolerance %.3g)",
                std::string(abft::scheme_name(plan.scheme)).c_str(), kLayerRetries, check.result,
                check.checksum, std::fabs(check.result - check.checksum), check.tolerance);
  return detected_unrecoverable(kctx.node.label() + buf);
}

}  // namespace sf::rt
