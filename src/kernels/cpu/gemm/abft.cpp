// Tile-check log, checksum columns and the accumulator fault hook (see abft.hpp).
#include "kernels/cpu/gemm/abft.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <mutex>

namespace sf::cpu {

void TileCheckLog::add_alarm(const TileAlarm& a) {
  alarm_count_.fetch_add(1, std::memory_order_relaxed);
  if (!a.corrected) failed_.fetch_add(1, std::memory_order_relaxed);
  std::lock_guard<std::mutex> lock(mu_);
  if (alarms_.size() < kMaxAlarms) alarms_.push_back(a);
}

std::vector<TileAlarm> TileCheckLog::alarms() const {
  std::lock_guard<std::mutex> lock(mu_);
  return alarms_;
}

void brgemm_pack_checks(const float* packed, int64_t panels, int64_t k, int nr, float* dst) {
  for (int64_t p = 0; p < panels; ++p) {
    const float* panel = packed + p * k * nr;
    float* d = dst + p * 2 * k;
    for (int64_t kk = 0; kk < k; ++kk) {
      double s = 0, a = 0;
      for (int j = 0; j < nr; ++j) {
        s += panel[kk * nr + j];
        a += std::fabs(panel[kk * nr + j]);
      }
      d[kk] = static_cast<float>(s);
      // Rounded to nearest: the bound's 1.01 factor and its count of roundings cover the 2^-24
      // relative change of both columns.
      d[k + kk] = static_cast<float>(a);
    }
  }
}

namespace detail {
std::atomic<bool> g_fault_armed{false};
}

namespace {
// The hook's state. Claims are made only while a fault is armed (tests and campaigns), so one
// mutex keeps the countdown, the re-arming of a persistent fault and the armed flag consistent
// between threads; the hot path reads only the relaxed atomic flag.
std::mutex g_fault_mu;
AccumulatorFault g_fault;
std::atomic<bool> g_fault_fired{false};
int64_t g_countdown = 0;
bool g_persistent = false;

// The records of fault_last_flip / fault_last_tile_check: written by the one thread whose tile
// claimed the fault, read after the run; the mutex orders the two.
struct FaultRecord {
  bool flipped = false;
  float before = 0, after = 0;
  bool tile_checked = false;
  double tolerance = 0, difference = 0;
};
std::mutex g_record_mu;
FaultRecord g_record;
}  // namespace

void fault_arm(const AccumulatorFault& f) {
  std::lock_guard<std::mutex> lock(g_fault_mu);
  g_fault = f;
  g_countdown = f.skip_tiles;
  g_fault_fired.store(false);
  {
    std::lock_guard<std::mutex> record_lock(g_record_mu);
    g_record = FaultRecord{};
  }
  detail::g_fault_armed.store(true);
}

int64_t fault_tiles_counted() {
  std::lock_guard<std::mutex> lock(g_fault_mu);
  return g_fault.skip_tiles - g_countdown;
}

bool fault_last_flip(float* before, float* after) {
  std::lock_guard<std::mutex> lock(g_record_mu);
  *before = g_record.before;
  *after = g_record.after;
  return g_record.flipped;
}

bool fault_last_tile_check(double* tolerance, double* difference) {
  std::lock_guard<std::mutex> lock(g_record_mu);
  *tolerance = g_record.tolerance;
  *difference = g_record.difference;
  return g_record.tile_checked;
}

void fault_record_flip(float before, float after) {
  std::lock_guard<std::mutex> lock(g_record_mu);
  g_record.flipped = true;
  g_record.before = before;
  g_record.after = after;
}

void fault_record_tile_check(bool verified, double tolerance, double difference) {
  std::lock_guard<std::mutex> lock(g_record_mu);
  g_record.tile_checked = verified;
  g_record.tolerance = tolerance;
  g_record.difference = difference;
}

void fault_disarm() {
  std::lock_guard<std::mutex> lock(g_fault_mu);
  detail::g_fault_armed.store(false);
}

void fault_set_persistent(bool persistent) {
  std::lock_guard<std::mutex> lock(g_fault_mu);
  g_persistent = persistent;
}

bool fault_fired() { return g_fault_fired.load(); }

bool fault_claim(const float* c, int64_t ldc, int rows, int64_t cols, int64_t steps,
                 FaultSite* site) {
  std::lock_guard<std::mutex> lock(g_fault_mu);
  if (!detail::g_fault_armed.load()) return false;  // claimed or disarmed since the caller looked
  int64_t r = 0, col = 0;
  if (g_fault.target) {
    const std::ptrdiff_t off = g_fault.target - c;
    if (off < 0 || ldc <= 0) return false;
    r = off / ldc, col = off % ldc;
    if (r >= rows || col >= cols) return false;
  } else {
    if (rows <= 0 || cols <= 0) return false;
    if (g_countdown-- != 0) return false;
    r = g_fault.row_pick % rows;
    col = g_fault.col_pick % cols;
  }
  site->row = static_cast<int>(r);
  site->col = col;
  const double at = std::fmin(1.0, std::fmax(0.0, g_fault.at));
  site->step = std::min<int64_t>(steps, static_cast<int64_t>(std::floor(at * static_cast<double>(steps))));
  site->bit = g_fault.bit & 31;
  g_fault_fired.store(true);
  if (g_persistent) {
    g_countdown = g_fault.skip_tiles;  // stays armed: the next eligible tile is hit too
  } else {
    detail::g_fault_armed.store(false);
  }
  return true;
}

float flip_bit(float x, int bit) {
  uint32_t u;
  std::memcpy(&u, &x, sizeof u);
  u ^= uint32_t{1} << (bit & 31);
  std::memcpy(&x, &u, sizeof x);
  return x;
}

}  // namespace sf::cpu
