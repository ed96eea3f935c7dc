// The statistics of an n-of-1 experiment (experiment.hpp): two Poisson counts,
// cramps x1 over t1 nights with the step and x0 over t0 nights without it.
//
// - rate_ratio_interval: the exact interval for λ1/λ0 conditional on the
//   total. Given N = x1 + x0, x1 ~ Binomial(N, p) with p = ρ t1 / (ρ t1 + t0),
//   ρ = λ1/λ0; the Clopper-Pearson interval for p maps onto ρ through
//   ρ = p/(1 − p) · t0/t1. (The same interval as R's poisson.test for two
//   samples.)
// - probability_step_lowers: P(λ1 < λ0 | data) with independent
//   Gamma(shape a, rate b) priors on both rates; the posteriors are
//   Gamma(a + x, b + t), and P(λ1 < λ0) = I_{β1/(β1+β0)}(α1, α0), the
//   regularised incomplete beta function (docs/experiments.md derives it).
//
// Pure functions of their arguments; any thread; nothing throws (a bad
// argument gives NaN or an empty optional, as said per function).
#pragma once

#include <optional>

namespace bedtimed::cramplog {

// I_x(a, b) for a, b > 0 and 0 <= x <= 1 (Lentz's continued fraction); NaN outside.
double regularized_incomplete_beta(double a, double b, double x);
// The x with I_x(a, b) = p (bisection to 1e-12); NaN outside a, b > 0, 0 <= p <= 1.
double beta_quantile(double a, double b, double p);

struct Interval {
    double lower = 0;
    double upper = 0;  // +infinity when unbounded
};

// Clopper-Pearson interval for a binomial proportion, x of n, at `level`
// (0.95); nullopt when n <= 0 or x outside 0..n.
std::optional<Interval> clopper_pearson(int x, int n, double level = 0.95);

struct RateRatio {
    double estimate = 0;  // (x1/t1) / (x0/t0); +infinity when x0 = 0 < x1
    Interval interval;
};
// nullopt when there is nothing to estimate: t1 or t0 <= 0, or no cramp at all.
std::optional<RateRatio> rate_ratio_interval(int x1, double t1, int x0, double t0,
                                             double level = 0.95);

// The weak prior on each arm's nightly rate: Gamma(shape 0.5, rate 0.5 per
// night), mean 1 cramp a night, worth half a night of data.
struct GammaPrior {
    double shape = 0.5;
    double rate = 0.5;
};
// P(λ1 < λ0): the probability, on these nights, that the rate with the step
// is lower. NaN when t1 or t0 < 0.
double probability_step_lowers(int x1, double t1, int x0, double t0, GammaPrior prior = {});

}  // namespace bedtimed::cramplog
