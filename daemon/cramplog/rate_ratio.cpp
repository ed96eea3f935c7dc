#include "rate_ratio.hpp"

#include <cmath>
#include <limits>

namespace bedtimed::cramplog {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// The continued fraction of I_x(a, b), modified Lentz (converges for x < (a+1)/(a+b+2)).
double beta_fraction(double a, double b, double x) {
    constexpr double kTiny = 1e-300;
    constexpr double kEps = 1e-15;
    double c = 1.0;
    double d = 1.0 - (a + b) * x / (a + 1.0);
    if (std::fabs(d) < kTiny) d = kTiny;
    d = 1.0 / d;
    double h = d;
    for (int m = 1; m <= 10000; ++m) {
        const double m2 = 2.0 * m;
        double num = m * (b - m) * x / ((a + m2 - 1.0) * (a + m2));
        for (int half = 0; half < 2; ++half) {
            d = 1.0 + num * d;
            if (std::fabs(d) < kTiny) d = kTiny;
            c = 1.0 + num / c;
            if (std::fabs(c) < kTiny) c = kTiny;
            d = 1.0 / d;
            const double step = d * c;
            h *= step;
            if (half == 1 && std::fabs(step - 1.0) < kEps) return h;
            num = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1.0));
        }
    }
    return h;
}

}  // namespace

double regularized_incomplete_beta(double a, double b, double x) {
    if (!(a > 0) || !(b > 0) || !(x >= 0) || !(x <= 1)) return kNaN;
    if (x == 0 || x == 1) return x;
    const double log_front =
        std::lgamma(a + b) - std::lgamma(a) - std::lgamma(b) + a * std::log(x) + b * std::log1p(-x);
    const double front = std::exp(log_front);
    if (x < (a + 1.0) / (a + b + 2.0)) return front * beta_fraction(a, b, x) / a;
    return 1.0 - front * beta_fraction(b, a, 1.0 - x) / b;
}

double beta_quantile(double a, double b, double p) {
    if (!(a > 0) || !(b > 0) || !(p >= 0) || !(p <= 1)) return kNaN;
    double lo = 0, hi = 1;
    for (int i = 0; i < 200 && hi - lo > 1e-12; ++i) {
        const double mid = 0.5 * (lo + hi);
        if (regularized_incomplete_beta(a, b, mid) < p) lo = mid;
        else hi = mid;
    }
    return 0.5 * (lo + hi);
}

std::optional<Interval> clopper_pearson(int x, int n, double level) {
    if (n <= 0 || x < 0 || x > n || !(level > 0 && level < 1)) return std::nullopt;
    const double alpha = 1.0 - level;
    Interval i;
    i.lower = x == 0 ? 0.0 : beta_quantile(x, n - x + 1, alpha / 2);
    i.upper = x == n ? 1.0 : beta_quantile(x + 1, n - x, 1 - alpha / 2);
    return i;
}

std::optional<RateRatio> rate_ratio_interval(int x1, double t1, int x0, double t0, double level) {
    if (!(t1 > 0) || !(t0 > 0) || x1 < 0 || x0 < 0 || x1 + x0 == 0) return std::nullopt;
    const auto p = clopper_pearson(x1, x1 + x0, level);
    if (!p) return std::nullopt;
    const double exposure = t0 / t1;
    const auto to_ratio = [&](double q) { return q >= 1 ? kInf : q / (1 - q) * exposure; };
    RateRatio r;
    r.estimate = x0 == 0 ? kInf : (x1 / t1) / (x0 / t0);
    r.interval = {to_ratio(p->lower), to_ratio(p->upper)};
    return r;
}

double probability_step_lowers(int x1, double t1, int x0, double t0, GammaPrior prior) {
    if (!(t1 >= 0) || !(t0 >= 0) || x1 < 0 || x0 < 0) return kNaN;
    const double alpha1 = prior.shape + x1, beta1 = prior.rate + t1;
    const double alpha0 = prior.shape + x0, beta0 = prior.rate + t0;
    // Y = β λ ~ Gamma(α, 1); λ1 < λ0 ⇔ Y1/(Y1+Y0) < β1/(β1+β0), and Y1/(Y1+Y0) ~ Beta(α1, α0).
    return regularized_incomplete_beta(alpha1, alpha0, beta1 / (beta1 + beta0));
}

}  // namespace bedtimed::cramplog
