// Protected execution of one node (abft_guard.hpp).
#include "runtime/abft_guard.hpp"

#include <cmath>
#include <cstring>
#include <vector>

#include "core/fp_bounds.hpp"
#include "ir/op_kind.hpp"

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

// A 128-bit fingerprint of a run's outputs: the sum (mod 2^64) and the XOR of their 32-bit
// words, per output in order, plus the byte count. Duplicate-and-compare keeps this instead of a
// copy of the outputs: no allocation and one read of the outputs per run, where a copy cost a
// write and a second read (the duplicated layers are memory-bound, so that traffic was most of
// their overhead). A change confined to one word always changes the sum (the word differs by
// less than 2^32); a wider change escapes only if it leaves both the sum and the XOR unchanged.
struct Fingerprint {
  uint64_t sum = 0, bits = 0, bytes = 0;
  bool operator==(const Fingerprint& o) const {
    return sum == o.sum && bits == o.bits && bytes == o.bytes;
  }
};

Fingerprint fingerprint(const KernelContext& kctx) {
  Fingerprint f;
  for (const Tensor& t : kctx.out) {
    if (t.empty()) continue;
    const auto* p = static_cast<const unsigned char*>(t.raw());
    const size_t n = t.nbytes(), words = n / 4;
    uint64_t sum = 0;
    uint32_t bits = 0;
    for (size_t i = 0; i < words; ++i) {  // vectorised: independent of the order of the adds
      uint32_t w;
      std::memcpy(&w, p + 4 * i, 4);
      sum += w;
      bits ^= w;
    }
    for (size_t i = 4 * words; i < n; ++i) sum += static_cast<uint64_t>(p[i]) << (8 * (i % 4));
    // Mix per output so that outputs swapping values do not cancel.
    f.sum = f.sum * 0x9E3779B97F4A7C15ull + sum;
    f.bits = (f.bits << 32 | f.bits >> 32) ^ bits;
    f.bytes += n;
  }
  return f;
}

Status run_dmr(KernelContext& kctx, const std::function<Status()>& once, abft::LayerStats* stats,
               abft::Report* report) {
  SF_TRY(once());
  std::vector<Fingerprint> runs{fingerprint(kctx)};
  for (int attempt = 1; attempt <= 1 + kLayerRetries; ++attempt) {
    SF_TRY(once());
    const Fingerprint now = fingerprint(kctx);
    if (stats) ++stats->checks;
    bool matched = false;
    for (const Fingerprint& prev : runs) matched = matched || prev == now;
    if (checks_disabled_for_testing()) matched = true;
    if (matched) {  // the outputs in place are those of a run another one agrees with
      if (attempt > 1 && stats) ++stats->corrected;
      return Status::ok();
    }
    if (stats) ++stats->alarms;
    const bool last = attempt == 1 + kLayerRetries;
    // The report's result and checksum are the two runs' word sums (mod 2^64, as doubles).
    add_event(report, kctx, abft::Scheme::kDmr, static_cast<double>(now.sum),
              static_cast<double>(runs.back().sum), 0, attempt, last ? "unrecoverable" : "layer recomputed");
    if (last) break;
    if (stats) ++stats->recomputes;
    runs.push_back(now);
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
