#ifndef VM_ERFC_CORE_H
#define VM_ERFC_CORE_H

/*
 * erfc(x) from +, -, *, / and selects only: one branch-free function that every path compiles (scalar, AVX2,
 * AVX-512), so the paths give bit-identical results by construction. No libm call, no fused multiply-add, no
 * reassociation (vm_internal.h's pragmas; the package builds without -ffast-math).
 *
 * Method: fdlibm's erfc (s_erf.c, Sun Microsystems 1993: "Permission to use, copy, modify, and distribute this
 * software is freely granted, provided that this notice is preserved."), its rational approximations P/Q on four
 * ranges of |x| evaluated as one polynomial pair of degree 8 (Estrin's scheme) whose coefficients are selected per
 * range:
 *   |x| < 0.84375:        t = x^2,      erfc = 1 - (x + x*P/Q)  (x < 1/4),  1/2 - (x*P/Q + (x - 1/2))  (else);
 *   0.84375 <= |x| < 1.25: t = |x| - 1, erfc = (1 - c) - P/Q  (x > 0),  1 + (c + P/Q)  (x < 0), c = 0.845062911...;
 *   1.25 <= |x| < 28:      t = x^2,     erfc = e/|x| (x > 0),  2 - e/|x| (x < 0),
 *                          e = exp(-z^2 - 0.5625 + ((z - |x|)(z + |x|) + P/Q)), z = |x| with its low 32 bits cleared.
 * On the last range fdlibm's R(1/x^2)/S(1/x^2) is written as x^2*R~(x^2)/S~(x^2) with the reversed polynomials, so
 * the whole function needs two divisions (P/Q and e/|x|). The exponential is ours: -z^2 - 0.5625 is exact (z has 21
 * significant bits), so exp takes the argument as that exact head plus a small tail; Cody-Waite reduction by
 * k*ln2 (the head's part exact), exp(r) = 1 + r + r^2*q(r) with q a degree-9 Chebyshev fit of (e^r - 1 - r)/r^2
 * on |r| <= 0.35 (error <= 1.5e-17 absolute), and 2^k applied as two exact powers of two through the exponent bits
 * so results down to the subnormal range round once. |x| >= 28 gives 0 (x > 0) or 2 (x < 0), as the tails
 * underflow or round; NaN gives NaN. Accuracy: within 2 ulp of the correctly rounded erfc on the reference points
 * (Tests/MarginCoreTests/Pricing/ErfcReference.swift), 83% of them exact.
 */

#include "vm_internal.h"

#include <stdint.h>
#include <string.h>

static inline uint64_t vm_bits(double x) {
    uint64_t u;
    memcpy(&u, &x, sizeof u);
    return u;
}

static inline double vm_double(uint64_t u) {
    double x;
    memcpy(&x, &u, sizeof x);
    return x;
}

/* Selects a when c, else b: a select, never a branch. */
#define VM_SEL(c, a, b) ((c) ? (a) : (b))

/* One coefficient of each range: |x| < 0.84375, < 1.25, < 1/0.35, < 28 (selected by the three masks). */
#define VM_COEF(a, b, c, d) VM_SEL(in_a, (a), VM_SEL(in_b, (b), VM_SEL(in_c, (c), (d))))

static inline __attribute__((always_inline)) double vm_erfc_core(double x) {
    /* fdlibm's coefficients (hex words as in s_erf.c); numerators and denominators highest degree first. */
    const double erx = 8.45062911510467529297e-01; /* 0x3FEB0AC1, 0x60000000: erf(1) rounded to 24 bits */
    const double ln2_hi = 6.93147180369123816490e-01; /* 0x3FE62E42, 0xFEE00000: 32 significant bits */
    const double ln2_lo = 1.90821492927058770002e-10; /* 0x3DEA39EF, 0x35793C76 */
    const double inv_ln2 = 1.44269504088896338700e+00;
    const double shifter = 0x1.8p52; /* x + shifter - shifter rounds x to an integer (|x| < 2^51) */

    double ax = __builtin_fabs(x);
    double xc = ax < 28.0 ? ax : 28.0; /* every lane computes on a finite, in-range value (NaN -> 28) */
    int in_a = xc < 0.84375, in_b = xc < 1.25, in_c = xc < 0x1.6db6d00000000p+1 /* fdlibm's 1/0.35 */;
    double xx = xc * xc;
    double t = VM_SEL(!in_a && in_b, xc - 1.0, xx);

    /* Numerator and denominator by power of t (t^0 first); Estrin's scheme (a shorter dependency chain than
     * Horner's). Columns: the four ranges. */
    const double n0 = VM_COEF(1.28379167095512558561e-01, -2.36211856075265944077e-03,
                              0.0, 0.0);
    const double n1 = VM_COEF(-3.25042107247001499370e-01, 4.14856118683748331666e-01,
                              -9.81432934416914548592e+00, -4.83519191608651397019e+02);
    const double n2 = VM_COEF(-2.84817495755985104766e-02, -3.72207876035701323847e-01,
                              -8.12874355063065934246e+01, -1.02509513161107724954e+03);
    const double n3 = VM_COEF(-5.77027029648944159157e-03, 3.18346619901161753674e-01,
                              -1.84605092906711035994e+02, -6.37566443368389627722e+02);
    const double n4 = VM_COEF(-2.37630166566501626084e-05, -1.10894694282396677476e-01,
                              -1.62396669462573470355e+02, -1.60636384855821916062e+02);
    const double n5 = VM_COEF(0.0, 3.54783043256182359371e-02,
                              -6.23753324503260060396e+01, -1.77579549177547519889e+01);
    const double n6 = VM_COEF(0.0, -2.16637559486879084300e-03,
                              -1.05586262253232909814e+01, -7.99283237680523006574e-01);
    const double n7 = VM_COEF(0.0, 0.0,
                              -6.93858572707181764372e-01, -9.86494292470009928597e-03);
    const double n8 = VM_COEF(0.0, 0.0,
                              -9.86494403484714822705e-03, 0.0);
    const double d0 = VM_COEF(1.0, 1.0,
                              -6.04244152148580987438e-02, -2.24409524465858183362e+01);
    const double d1 = VM_COEF(3.97917223959155352819e-01, 1.06420880400844228286e-01,
                              6.57024977031928170135e+00, 4.74528541206955367215e+02);
    const double d2 = VM_COEF(6.50222499887672944485e-02, 5.40397917702171048937e-01,
                              1.08635005541779435134e+02, 2.55305040643316442583e+03);
    const double d3 = VM_COEF(5.08130628187576562776e-03, 7.18286544141962662868e-02,
                              4.29008140027567833386e+02, 3.19985821950859553908e+03);
    const double d4 = VM_COEF(1.32494738004321644526e-04, 1.26171219808761642112e-01,
                              6.45387271733267880336e+02, 1.53672958608443695994e+03);
    const double d5 = VM_COEF(-3.96022827877536812320e-06, 1.36370839120290507362e-02,
                              4.34565877475229228821e+02, 3.25792512996573918826e+02);
    const double d6 = VM_COEF(0.0, 1.19844998467991074170e-02,
                              1.37657754143519042600e+02, 3.03380607434824582924e+01);
    const double d7 = VM_COEF(0.0, 0.0,
                              1.96512716674392571292e+01, 1.0);
    const double d8 = VM_COEF(0.0, 0.0,
                              1.0, 0.0);
    double t2 = t * t, t4 = t2 * t2, t8 = t4 * t4;
    double n = ((n0 + n1 * t) + (n2 + n3 * t) * t2) + ((n4 + n5 * t) + (n6 + n7 * t) * t2) * t4 + n8 * t8;
    double d = ((d0 + d1 * t) + (d2 + d3 * t) * t2) + ((d4 + d5 * t) + (d6 + d7 * t) * t2) * t4 + d8 * t8;
    double y = n / d;

    /* |x| < 0.84375 */
    double small_low = 1.0 - (x + x * y);
    double small_high = 0.5 - (x * y + (x - 0.5));
    double small = VM_SEL(x < 0.25, small_low, small_high);
    /* 0.84375 <= |x| < 1.25 */
    double near_one = VM_SEL(x < 0, 1.0 + (erx + y), (1.0 - erx) - y);

    /* 1.25 <= |x| < 28: e^(hi + lo), hi exact. */
    double z = vm_double(vm_bits(xc) & 0xFFFFFFFF00000000ull);
    double hi = -(z * z) - 0.5625;
    double lo = (z - xc) * (z + xc) + y;
    double shifted = (hi + lo) * inv_ln2 + shifter;
    double kd = shifted - shifter;                         /* round((hi + lo)/ln2), <= 0 */
    uint64_t m = vm_bits(shifter) - vm_bits(shifted);     /* -k, 0 ..< 1140 */
    double r = (hi - kd * ln2_hi) + (lo - kd * ln2_lo);   /* |r| <= 0.35; the first difference is exact */
    const double q0 = 5.000000000000001e-01, q1 = 1.6666666666666669e-01, q2 = 4.166666666662068e-02,
                 q3 = 8.333333333329796e-03, q4 = 1.3888888918918907e-03, q5 = 1.9841269864364933e-04,
                 q6 = 2.4801518672268355e-05, q7 = 2.7557266442353424e-06, q8 = 2.7621324269313687e-07,
                 q9 = 2.5101335854788522e-08;
    double r2 = r * r, r4 = r2 * r2, r8 = r4 * r4;
    double q = ((q0 + q1 * r) + (q2 + q3 * r) * r2) + ((q4 + q5 * r) + (q6 + q7 * r) * r2) * r4 + (q8 + q9 * r) * r8;
    double expr = 1.0 + (r + r2 * q);
    uint64_t m1 = m >> 1, m2 = m - m1;                    /* 2^-k = 2^m1 * 2^m2, each a normal power of two */
    double tail = expr / xc * vm_double((1023 - m1) << 52) * vm_double((1023 - m2) << 52);
    double far = VM_SEL(x < 0, 2.0 - tail, tail);

    double result = VM_SEL(in_a, small, VM_SEL(in_b, near_one, far));
    result = VM_SEL(ax < 28.0, result, VM_SEL(x < 0, 2.0, 0.0));
    return VM_SEL(x != x, x + x, result);
}

#undef VM_COEF

#endif /* VM_ERFC_CORE_H */
