#!/usr/bin/env python3
# Prints the expected values of tests/unit/cramplog/cramplog_rate_ratio_test.cpp,
# computed by a second method with mpmath (not run by the tests; Python 3 + mpmath).
# Independent reference values with mpmath (arbitrary precision), by a second method:
# Clopper-Pearson bounds by root-finding on binomial tail sums; the posterior
# probability by numerical integration of the two Gamma densities.
from mpmath import mp, mpf, binomial, findroot, quad, gammainc, gamma, exp, inf, betainc
mp.dps = 30
def tail_ge(x, n, p):  # P(X >= x)
    return sum(binomial(n, k) * p**k * (1-p)**(n-k) for k in range(x, n+1))
def tail_le(x, n, p):
    return sum(binomial(n, k) * p**k * (1-p)**(n-k) for k in range(0, x+1))
def cp(x, n, a=mpf('0.05')):
    def bisect(f, lo, hi):  # f increasing on [lo, hi]
        for _ in range(200):
            mid = (lo+hi)/2
            if f(mid) < 0: lo = mid
            else: hi = mid
        return (lo+hi)/2
    lo = 0 if x == 0 else bisect(lambda p: tail_ge(x, n, p) - a/2, mpf(0), mpf(x)/n)
    hi = 1 if x == n else bisect(lambda p: a/2 - tail_le(x, n, p), mpf(x)/n, mpf(1))
    return lo, hi
for x, n in [(0,10),(1,10),(5,10),(14,42),(30,80)]:
    print("cp", x, n, [mp.nstr(v, 12) for v in cp(x, n)])
def rr(x1, t1, x0, t0):
    lo, hi = cp(x1, x1+x0)
    f = lambda q: q/(1-q)*mpf(t0)/t1
    return (mpf(x1)/t1)/(mpf(x0)/t0), f(lo), f(hi)
for args in [(14,28,28,28),(25,27,27,28),(3,20,9,22)]:
    print("rr", args, [mp.nstr(v, 12) for v in rr(*args)])
def plow(x1, t1, x0, t0, a=mpf('0.5'), b=mpf('0.5')):
    a1, b1, a0, b0 = a+x1, b+t1, a+x0, b+t0
    dens = lambda l: b1**a1 * l**(a1-1) * exp(-b1*l) / gamma(a1)
    surv0 = lambda l: gammainc(a0, b0*l, inf, regularized=True)
    return quad(lambda l: dens(l)*surv0(l), [0, 1, 3, inf])
for args in [(14,28,28,28),(25,27,27,28),(3,20,9,22),(0,0,0,0)]:
    print("plow", args, mp.nstr(plow(*args), 12))
