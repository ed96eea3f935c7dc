// The experiment statistics (daemon/cramplog/rate_ratio.hpp) against values
// computed independently. Where each expected number comes from:
// - Clopper-Pearson 0/10 and 1/10: the published exact intervals (e.g.
//   Clopper & Pearson 1934 tables; 0/10 upper 0.3085, 1/10 0.0025-0.4450),
//   and to 12 digits from mpmath (Python, 30 digits) by bisection on the
//   binomial tail sums, a second method that does not use the beta function.
// - The rate-ratio intervals: the same mpmath tail sums, mapped through
//   rho = p / (1 - p) * t0 / t1 (the conditional binomial, as R's poisson.test).
// - The posterior probabilities: mpmath numerical integration of the Gamma
//   density of one arm times the other's Gamma survival function,
//   P = integral f1(l) P(L0 > l) dl, not the incomplete-beta identity used
//   in the code. The script is tests/unit/cramplog/rate_ratio_expected.py.
#include <gtest/gtest.h>

#include <cmath>

#include "rate_ratio.hpp"

namespace bedtimed::cramplog {
namespace {

TEST(CramplogRateRatio, IncompleteBetaKnownValues) {
    // I_x(1, 1) = x; I_x(a, 1) = x^a; I_0.5(a, a) = 0.5 by symmetry.
    EXPECT_NEAR(regularized_incomplete_beta(1, 1, 0.3), 0.3, 1e-12);
    EXPECT_NEAR(regularized_incomplete_beta(3, 1, 0.4), 0.064, 1e-12);
    EXPECT_NEAR(regularized_incomplete_beta(7.5, 7.5, 0.5), 0.5, 1e-12);
    EXPECT_TRUE(std::isnan(regularized_incomplete_beta(0, 1, 0.5)));
    EXPECT_NEAR(beta_quantile(3, 1, 0.064), 0.4, 1e-9);
}

TEST(CramplogRateRatio, ClopperPearsonMatchesPublishedAndMpmath) {
    auto i = clopper_pearson(0, 10);
    ASSERT_TRUE(i);
    EXPECT_EQ(i->lower, 0.0);
    EXPECT_NEAR(i->upper, 0.308497107819, 1e-9);
    i = clopper_pearson(1, 10);
    EXPECT_NEAR(i->lower, 0.00252857854446, 1e-9);
    EXPECT_NEAR(i->upper, 0.445016117028, 1e-9);
    i = clopper_pearson(5, 10);
    EXPECT_NEAR(i->lower, 0.187086028447, 1e-9);
    EXPECT_NEAR(i->upper, 0.812913971553, 1e-9);
    i = clopper_pearson(14, 42);
    EXPECT_NEAR(i->lower, 0.195668048037, 1e-9);
    EXPECT_NEAR(i->upper, 0.495487464263, 1e-9);
    i = clopper_pearson(30, 80);
    EXPECT_NEAR(i->lower, 0.269193169947, 1e-9);
    EXPECT_NEAR(i->upper, 0.490354764407, 1e-9);
    EXPECT_FALSE(clopper_pearson(3, 2));
    EXPECT_FALSE(clopper_pearson(0, 0));
}

TEST(CramplogRateRatio, ExactConditionalIntervalMatchesMpmath) {
    auto r = rate_ratio_interval(14, 28, 28, 28);
    ASSERT_TRUE(r);
    EXPECT_NEAR(r->estimate, 0.5, 1e-12);
    EXPECT_NEAR(r->interval.lower, 0.243267779626, 1e-8);
    EXPECT_NEAR(r->interval.upper, 0.982111303815, 1e-8);
    r = rate_ratio_interval(25, 27, 27, 28);
    EXPECT_NEAR(r->estimate, 0.960219478738, 1e-9);
    EXPECT_NEAR(r->interval.lower, 0.534514916316, 1e-8);
    EXPECT_NEAR(r->interval.upper, 1.71874256201, 1e-8);
    r = rate_ratio_interval(3, 20, 9, 22);
    EXPECT_NEAR(r->estimate, 0.366666666667, 1e-9);
    EXPECT_NEAR(r->interval.lower, 0.0638495356599, 1e-8);
    EXPECT_NEAR(r->interval.upper, 1.46924381789, 1e-8);
}

TEST(CramplogRateRatio, EdgesOfTheInterval) {
    EXPECT_FALSE(rate_ratio_interval(0, 10, 0, 10));  // no cramp at all: nothing to estimate
    EXPECT_FALSE(rate_ratio_interval(1, 0, 1, 10));
    auto r = rate_ratio_interval(0, 10, 5, 10);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->interval.lower, 0.0);
    EXPECT_EQ(r->estimate, 0.0);
    r = rate_ratio_interval(5, 10, 0, 10);
    EXPECT_TRUE(std::isinf(r->interval.upper));
    EXPECT_TRUE(std::isinf(r->estimate));
}

TEST(CramplogRateRatio, PosteriorProbabilityMatchesNumericalIntegration) {
    EXPECT_NEAR(probability_step_lowers(14, 28, 28, 28), 0.985242060151, 1e-8);
    EXPECT_NEAR(probability_step_lowers(25, 27, 27, 28), 0.558651088987, 1e-8);
    EXPECT_NEAR(probability_step_lowers(3, 20, 9, 22), 0.944795990052, 1e-8);
    // No data: the two priors are the same, so one half.
    EXPECT_NEAR(probability_step_lowers(0, 0, 0, 0), 0.5, 1e-12);
    // Swapping the arms gives the complement.
    EXPECT_NEAR(probability_step_lowers(28, 28, 14, 28), 1 - 0.985242060151, 1e-8);
}

}  // namespace
}  // namespace bedtimed::cramplog
