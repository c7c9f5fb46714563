// Work partitioning: even tiles, cost-balanced cuts and the stealing loop. Expected values are
// worked out by hand or checked against brute force, never taken from the code under test.
#include "runtime/parallel.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <numeric>
#include <vector>

namespace sf::rt {
namespace {

std::vector<double> prefix_of(const std::vector<double>& costs) {
  std::vector<double> p(costs.size() + 1, 0.0);
  std::partial_sum(costs.begin(), costs.end(), p.begin() + 1);
  return p;
}

TEST(EvenTiles, WholeUnitsDifferByAtMostOne) {
  // 196 pixels in register rows of 12 (17 units, the last of 4 rows), tiles of at most 5 units:
  // 4 tiles of 4, 4, 4 and 5 units = 48, 48, 48, 52 pixels.
  const EvenTiles t = EvenTiles::at_most(196, 12, 5);
  ASSERT_EQ(t.count, 4);
  EXPECT_EQ(t.len(0), 48);
  EXPECT_EQ(t.len(1), 48);
  EXPECT_EQ(t.len(2), 48);
  EXPECT_EQ(t.len(3), 52);
  EXPECT_EQ(t.start(4), 196);
  // Brute force over many shapes: tiles cover [0, extent) in order, start on units, hold at
  // most max_units units, and differ by at most one unit.
  for (int64_t extent = 1; extent < 300; extent += 7)
    for (int64_t unit : {1, 6, 12, 16, 24, 64})
      for (int64_t max_units : {1, 2, 3, 5, 10}) {
        const EvenTiles e = EvenTiles::at_most(extent, unit, max_units);
        int64_t lo = INT64_MAX, hi = 0, covered = 0;
        for (int64_t i = 0; i < e.count; ++i) {
          ASSERT_EQ(e.start(i), covered);
          ASSERT_EQ(e.start(i) % unit, 0);
          ASSERT_LE(e.len(i), max_units * unit);
          ASSERT_GT(e.len(i), 0);
          covered += e.len(i);
          const int64_t units = (e.len(i) + unit - 1) / unit;
          lo = std::min(lo, units), hi = std::max(hi, units);
        }
        ASSERT_EQ(covered, extent);
        ASSERT_LE(hi - lo, 1) << extent << " " << unit << " " << max_units;
      }
}

TEST(BalancedCuts, SplitsByCostNotCount) {
  // Costs 10, 10, 10, 10, 100 (total 140, half 70): by count the cut would fall after item 2
  // (30 against 110); by cost it falls before the big item, whose midpoint (90) is past 70.
  const std::vector<double> p = prefix_of({10, 10, 10, 10, 100});
  const std::vector<int64_t> cuts = balanced_cuts(p, 2);
  ASSERT_EQ(cuts.size(), 3u);
  EXPECT_EQ(cuts[0], 0);
  EXPECT_EQ(cuts[1], 4);
  EXPECT_EQ(cuts[2], 5);
  EXPECT_NEAR(cut_imbalance(p, cuts), 100.0 / 70.0, 1e-12);
  // Brute force: no contiguous 2-way cut beats the midpoint rule by more than half the largest
  // item.
  const std::vector<double> costs = {3, 9, 1, 4, 4, 8, 2, 7, 5, 6, 1, 1, 9};
  const std::vector<double> q = prefix_of(costs);
  double best = 1e300;
  for (size_t c = 0; c <= costs.size(); ++c)
    best = std::min(best, std::max(q[c], q.back() - q[c]));
  const std::vector<int64_t> got = balanced_cuts(q, 2);
  const double worst = std::max(q[static_cast<size_t>(got[1])], q.back() - q[static_cast<size_t>(got[1])]);
  EXPECT_LE(worst, best + 9.0 / 2);
}

TEST(BalancedCuts, ZeroCostsSplitByCount) {
  const std::vector<int64_t> cuts = balanced_cuts(std::vector<double>(7, 0.0), 3);
  EXPECT_EQ(cuts, (std::vector<int64_t>{0, 2, 4, 6}));
}

TEST(ParallelForStealing, RunsEveryItemOnce) {
  for (int threads : {1, 2, 3}) {
    for (int64_t n : {1, 2, 5, 64, 1000}) {
      std::vector<double> costs(static_cast<size_t>(n));
      for (int64_t i = 0; i < n; ++i) costs[static_cast<size_t>(i)] = 1.0 + static_cast<double>(i % 7);
      std::vector<std::atomic<int>> runs(static_cast<size_t>(n));
      std::atomic<int> bad_hint{0};
      parallel_for_stealing(threads, prefix_of(costs), [&](int64_t i, int64_t next) {
        runs[static_cast<size_t>(i)].fetch_add(1);
        if (next != -1 && (next <= i || next >= n)) bad_hint.fetch_add(1);
      });
      for (int64_t i = 0; i < n; ++i)
        ASSERT_EQ(runs[static_cast<size_t>(i)].load(), 1) << threads << " threads, item " << i;
      EXPECT_EQ(bad_hint.load(), 0);
    }
  }
}

}  // namespace
}  // namespace sf::rt
