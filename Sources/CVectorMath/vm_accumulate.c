/* The engine's aggregation: Sum of size x instrument P&L row over the scenarios (see CVectorMath.h). */
#include "CVectorMath.h"
#include "vm_internal.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

/* Every path performs the same IEEE operations in the same order, each product and sum rounded on its own (no fused
 * multiply-adds: vm_internal.h), so the paths are bit-identical to one another and to the Swift scalar reference. */

/* Swift's `x < m ? x : m` (lane-wise `_mm*_min_pd(x, m)` has the same semantics). */
static inline double vm_lower(double x, double m) { return x < m ? x : m; }

static double vm_accumulate_scalar(const double *const *rows, const double *sizes, long n, const double *spot,
                                   double coin, long stride, long regular, double *acc) {
    double lowest = INFINITY;
    for (long s = 0; s < stride; s++) {
        double a = 0.0 + coin * spot[s];
        for (long j = 0; j < n; j++) a = a + sizes[j] * rows[j][s];
        acc[s] = a;
        if (s < regular) lowest = vm_lower(a, lowest);
    }
    return lowest;
}

#if defined(__x86_64__)
__attribute__((target("avx2"))) static double vm_accumulate_avx2(const double *const *rows, const double *sizes,
                                                                 long n, const double *spot, double coin,
                                                                 long stride, long regular, double *acc) {
    const long chunks = stride / 8, full = regular / 8;
    const __m256d zero = _mm256_setzero_pd(), cv = _mm256_set1_pd(coin);
    __m256d low0 = _mm256_set1_pd(INFINITY), low1 = low0;
    for (long c = 0; c < chunks; c++) {
        const long o = 8 * c;
        __m256d a0 = _mm256_add_pd(zero, _mm256_mul_pd(cv, _mm256_loadu_pd(spot + o)));
        __m256d a1 = _mm256_add_pd(zero, _mm256_mul_pd(cv, _mm256_loadu_pd(spot + o + 4)));
        for (long j = 0; j < n; j++) {
            const __m256d sv = _mm256_set1_pd(sizes[j]);
            const double *row = rows[j] + o;
            a0 = _mm256_add_pd(a0, _mm256_mul_pd(sv, _mm256_loadu_pd(row)));
            a1 = _mm256_add_pd(a1, _mm256_mul_pd(sv, _mm256_loadu_pd(row + 4)));
        }
        _mm256_storeu_pd(acc + o, a0);
        _mm256_storeu_pd(acc + o + 4, a1);
        if (c < full) {
            low0 = _mm256_min_pd(a0, low0);
            low1 = _mm256_min_pd(a1, low1);
        }
    }
    double lanes[8];
    _mm256_storeu_pd(lanes, low0);
    _mm256_storeu_pd(lanes + 4, low1);
    double lowest = INFINITY;
    for (int l = 0; l < 8; l++) lowest = vm_lower(lanes[l], lowest);
    for (long s = full * 8; s < regular; s++) lowest = vm_lower(acc[s], lowest);
    return lowest;
}

__attribute__((target("avx512f"))) static double vm_accumulate_avx512(const double *const *rows, const double *sizes,
                                                                     long n, const double *spot, double coin,
                                                                     long stride, long regular, double *acc) {
    const long chunks = stride / 8, full = regular / 8;
    const __m512d zero = _mm512_setzero_pd(), cv = _mm512_set1_pd(coin);
    __m512d low = _mm512_set1_pd(INFINITY);
    for (long c = 0; c < chunks; c++) {
        const long o = 8 * c;
        __m512d a = _mm512_add_pd(zero, _mm512_mul_pd(cv, _mm512_loadu_pd(spot + o)));
        for (long j = 0; j < n; j++)
            a = _mm512_add_pd(a, _mm512_mul_pd(_mm512_set1_pd(sizes[j]), _mm512_loadu_pd(rows[j] + o)));
        _mm512_storeu_pd(acc + o, a);
        if (c < full) low = _mm512_min_pd(a, low);
    }
    double lanes[8];
    _mm512_storeu_pd(lanes, low);
    double lowest = INFINITY;
    for (int l = 0; l < 8; l++) lowest = vm_lower(lanes[l], lowest);
    for (long s = full * 8; s < regular; s++) lowest = vm_lower(acc[s], lowest);
    return lowest;
}
#endif

double vm_accumulate_rows(int isa, const double *const *rows, const double *sizes, long n, const double *spot,
                          double coin, long stride, long regular, double *acc) {
    if (stride % 8 != 0) return vm_accumulate_scalar(rows, sizes, n, spot, coin, stride, regular, acc);
#if defined(__x86_64__)
    switch (vm_supported_isa(isa)) {
    case VM_ISA_AVX512: return vm_accumulate_avx512(rows, sizes, n, spot, coin, stride, regular, acc);
    case VM_ISA_AVX2: return vm_accumulate_avx2(rows, sizes, n, spot, coin, stride, regular, acc);
    default: break;
    }
#endif
    return vm_accumulate_scalar(rows, sizes, n, spot, coin, stride, regular, acc);
}
