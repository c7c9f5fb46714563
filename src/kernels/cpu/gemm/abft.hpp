// ABFT inside the BRGEMM primitive: the hooks one call takes (BrgemmArgs::abft) and the fault hook
// that tests and fault campaigns use to corrupt an accumulator (src/abft/README.md has the design).
//
// Global scheme (any variant): with `out_sum` set, the kernel adds to *out_sum the sum of the call's
// final pre-epilogue values, (accumulate ? C : 0) + acc over its m x n outputs, taken from the
// registers before bias, residual and activation. The caller compares the total with its checksum
// (activation column sums . weight row sums).
//
// Tile scheme (the `_abft` variants, BrgemmKernel::abft): with `checks` set, every register tile
// (mr rows x one nr-column panel) verifies its own accumulators after the K loop:
//   sum_{r, j} acc[r][j]  ==  sum_{i, kk} asum_i[kk] * bsum_i[p][kk]     within checksum_tolerance
// where asum_i[kk] = sum_r A_i[r][kk] (the tile's rows of A, already in L1) and bsum_i[p][kk] is the
// sum over the panel's nr columns of packed B_i (the extra checksum column, made at pack time by
// brgemm_pack_checks). The scale of the bound is sum |A| * babs with babs the sums of |B|. No extra
// memory traffic: A's rows are in L1, the checksum column is 1/nr of the panel. On a mismatch the
// tile is recomputed (up to kTileRetries times) before it is stored; a tile that still disagrees
// is stored as is and counted as failed, and the caller escalates (recomputes the layer or stops).
//
// Checksum column layout: B block i's panel p has 2 * k floats at checks.at(i) + p * 2 * k:
// bsum[0, k) then babs[k, 2k), both rounded from fp64 sums of the packed panel's rows.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <vector>

namespace sf::cpu {

struct BrgemmBlocks;

// One tile alarm as the kernel saw it.
struct TileAlarm {
  double result = 0, checksum = 0, tolerance = 0;
  int retries = 0;        // recomputations done
  bool corrected = false;  // a recomputation agreed with the checksum
};

// What the tile checks of one layer run saw; shared by the threads of the run.
class TileCheckLog {
 public:
  static constexpr size_t kMaxAlarms = 64;
  void add_checks(int64_t checked, int64_t unverifiable) {
    checks_.fetch_add(checked, std::memory_order_relaxed);
    unverifiable_.fetch_add(unverifiable, std::memory_order_relaxed);
  }
  void add_alarm(const TileAlarm& a);
  int64_t checks() const { return checks_.load(); }
  int64_t unverifiable() const { return unverifiable_.load(); }
  int64_t failed() const { return failed_.load(); }
  std::vector<TileAlarm> alarms() const;  // the first kMaxAlarms
  int64_t alarm_count() const { return alarm_count_.load(); }

 private:
  std::atomic<int64_t> checks_{0}, unverifiable_{0}, failed_{0}, alarm_count_{0};
  mutable std::mutex mu_;
  std::vector<TileAlarm> alarms_;
};

inline constexpr int kTileRetries = 2;

struct BrgemmAbft {
  double* out_sum = nullptr;             // global scheme: += sum of pre-epilogue outputs
  const BrgemmBlocks* checks = nullptr;  // tile scheme (_abft variants): checksum columns
  TileCheckLog* log = nullptr;           // required with `checks`
};

// Writes the checksum columns of `panels` packed panels ([k][nr] each, one after the other) to
// dst (panels * 2 * k floats, the layout above).
void brgemm_pack_checks(const float* packed, int64_t panels, int64_t k, int nr, float* dst);

// ---- fault hook ---------------------------------------------------------------------------------
// One armed fault at a time, process-wide, fired once: the first BRGEMM call whose output tile
// covers `target` flips `bit` of that element's accumulator after floor(at * steps) of the call's
// batch * k multiply-add steps (at = 0: before the first, at = 1: after the last, before the
// checks and the epilogue). Every variant honours it, so injection needs no special build.
// Without a target, the fault hits the tile claimed after `skip_tiles` others (counting every
// tile of every call while armed), at row row_pick mod rows and column col_pick mod columns.
struct AccumulatorFault {
  const float* target = nullptr;  // an element of some call's C, or nullptr
  double at = 1.0;                // in [0, 1]
  int bit = 0;                    // 0..31 of the fp32 accumulator
  int64_t skip_tiles = 0;
  uint32_t row_pick = 0, col_pick = 0;
};
void fault_arm(const AccumulatorFault& f);
void fault_disarm();
// A persistent fault re-arms itself after firing (a stuck-at fault: every recomputation is hit
// too, so recovery must fail and report it).
void fault_set_persistent(bool persistent);
// Whether the armed fault has fired since fault_arm.
bool fault_fired();
// Tiles the countdown has passed since fault_arm (without a target): run a node once with
// skip_tiles larger than any node has, and this is its tile count, the range of skip_tiles that
// fires inside it (fault campaigns calibrate with it).
int64_t fault_tiles_counted();

// What the fired fault did, for campaigns that classify injections by their size: the value of
// the accumulator just before and just after the flip (false when nothing flipped since
// fault_arm), and, when the faulty tile ran a register-tile check (the `_abft` variants), that
// check's tolerance and |tile sum - checksum| on the faulty accumulators (false when the tile was
// not checked or its checksum was unverifiable). With a persistent fault, the latest firing.
bool fault_last_flip(float* before, float* after);
bool fault_last_tile_check(double* tolerance, double* difference);
// Called by the kernels at the flip and by the faulty tile's first check.
void fault_record_flip(float before, float after);
void fault_record_tile_check(bool verified, double tolerance, double difference);

namespace detail {
extern std::atomic<bool> g_fault_armed;
}
inline bool fault_armed() { return detail::g_fault_armed.load(std::memory_order_relaxed); }

// Where a tile's fault hits: row and column inside the tile, the step and the bit.
struct FaultSite {
  int row = 0;
  int64_t col = 0;
  int64_t step = 0;
  int bit = 0;
};
// Claims the armed fault if `target` lies in the tile [rows x cols] at c (row stride ldc); at most
// one caller ever succeeds per arming.
bool fault_claim(const float* c, int64_t ldc, int rows, int64_t cols, int64_t steps, FaultSite* site);

// x with bit `bit` flipped.
float flip_bit(float x, int bit);

}  // namespace sf::cpu
