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

std::vector<std::vector<unsigned char>> output_bytes(const KernelContext& kctx) {
  std::vector<std::vector<unsigned char>> b;
  for (const Tensor& t : kctx.out) {
    const auto* p = static_cast<const unsigned char*>(t.empty() ? nullptr : t.raw());
    b.emplace_back(p, p ? p + t.nbytes() : p);
  }
  return b;
}

// First byte where two runs differ, as a float pair for the report (0, 0 when they agree).
bool same_outputs(const std::vector<std::vector<unsigned char>>& a,
                  const std::vector<std::vector<unsigned char>>& b, double* x, double* y) {
  for (size_t o = 0; o < a.size() && o < b.size(); ++o) {
    if (a[o].size() != b[o].size()) return false;
    if (std::memcmp(a[o].data(), b[o].data(), a[o].size()) == 0) continue;
    for (size_t i = 0; i + 4 <= a[o].size(); i += 4)
      if (std::memcmp(&a[o][i], &b[o][i], 4) != 0) {
        float fa, fb;
        std::memcpy(&fa, &a[o][i], 4);
        std::memcpy(&fb, &b[o][i], 4);
        *x = fa, *y = fb;
        break;
      }
    return false;
  }
  return a.size() == b.size();
}

Status run_dmr(KernelContext& kctx, const std::function<Status()>& once, abft::LayerStats* stats,
               abft::Report* report) {
  SF_TRY(once());
  std::vector<std::vector<std::vector<unsigned char>>> runs{output_bytes(kctx)};
  for (int attempt = 1; attempt <= 1 + kLayerRetries; ++attempt) {
    SF_TRY(once());
    auto now = output_bytes(kctx);
    if (stats) ++stats->checks;
    double x = 0, y = 0;
    bool matched = false;
    for (const auto& prev : runs)
      if (same_outputs(prev, now, &x, &y)) matched = true;
    if (checks_disabled_for_testing()) matched = true;
    if (matched) {
      if (attempt > 1 && stats) ++stats->corrected;
      return Status::ok();
    }
    same_outputs(runs.back(), now, &x, &y);
    if (stats) ++stats->alarms;
    const bool last = attempt == 1 + kLayerRetries;
    add_event(report, kctx, abft::Scheme::kDmr, y, x, 0, attempt, last ? "unrecoverable" : "layer recomputed");
    if (last) break;
    if (stats) ++stats->recomputes;
    runs.push_back(std::move(now));
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
