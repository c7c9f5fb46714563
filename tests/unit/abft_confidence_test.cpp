// Clopper-Pearson bounds (abft/confidence.hpp) against SciPy 1.10.1:
//   lower = scipy.stats.beta.ppf(0.05, x, n - x + 1), upper = scipy.stats.beta.ppf(0.95, x + 1, n - x)
// and the closed forms of abft.md §10 (299 clean injections give >= 99% coverage at 95%).
#include <gtest/gtest.h>

#include <cmath>

#include "abft/confidence.hpp"

namespace sf {
namespace {

struct Case {
  int64_t x, n;
  double lower, upper;
};

TEST(AbftConfidence, MatchesScipyBetaQuantiles) {
  const Case cases[] = {
      {299, 299, 0.9900308532071007, 1.0},
      {298, 299, 0.9842332168723886, 0.9998284652342135},
      {290, 299, 0.9480627682041336, 0.9842090832447612},
      {1, 10, 0.005116196891823702, 0.39416330243650466},
      {5, 20, 0.10408083591013609, 0.4555824040017489},
      {0, 10000, 0.0, 0.00029952835977661195},
  };
  for (const Case& c : cases) {
    EXPECT_NEAR(abft::binomial_lower_bound(c.x, c.n), c.lower, 1e-9) << c.x << "/" << c.n;
    EXPECT_NEAR(abft::binomial_upper_bound(c.x, c.n), c.upper, 1e-9) << c.x << "/" << c.n;
  }
}

TEST(AbftConfidence, ZeroFailureClosedForms) {
  // abft.md §10 table: n >= ln(a) / ln(c) clean trials give coverage c at confidence 1 - a.
  EXPECT_GE(abft::binomial_lower_bound(299, 299), 0.99);
  EXPECT_LT(abft::binomial_lower_bound(298, 298), 0.99);
  EXPECT_GE(abft::binomial_lower_bound(29, 29), 0.90);
  EXPECT_NEAR(abft::binomial_upper_bound(0, 1000), 1 - std::pow(0.05, 1e-3), 1e-15);
  EXPECT_EQ(abft::binomial_lower_bound(0, 5), 0.0);
  EXPECT_EQ(abft::binomial_upper_bound(5, 5), 1.0);
}

}  // namespace
}  // namespace sf
