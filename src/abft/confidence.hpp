// Exact one-sided binomial confidence bounds (Clopper-Pearson) for fault campaigns
// (docs/abft-campaign.md, abft.md §10). With x successes in n trials and confidence 1 - a:
//   lower bound p_L:  P(X >= x | n, p_L) = a   (p_L = 0 when x = 0; = a^(1/n) when x = n)
//   upper bound p_U:  P(X <= x | n, p_U) = a   (p_U = 1 when x = n; = 1 - a^(1/n) when x = 0)
// Coverage from d detected of n harmful injections is bounded below by p_L(d, n); a false-alarm
// rate from f alarms in n fault-free runs is bounded above by p_U(f, n) (the "rule of three"
// 1 - 0.05^(1/n) ~ 3/n when f = 0). Both are found by bisection on the binomial tail, summed in
// log space (lgamma), so they hold for any n a campaign reaches.
#pragma once

#include <cstdint>

namespace sf::abft {

double binomial_lower_bound(int64_t successes, int64_t trials, double confidence = 0.95);
double binomial_upper_bound(int64_t successes, int64_t trials, double confidence = 0.95);

}  // namespace sf::abft
