#ifndef CVECTORMATH_H
#define CVECTORMATH_H

/*
 * Vectorized math kernels for MarginCore's hot loops.
 *
 * On x86-64 the kernels have an AVX2 and an AVX-512 path, chosen after a run-time CPU check, beside the scalar
 * (baseline) one. Every path gives bit-identical results: erfc is our own (vm_erfc_core.h), one branch-free
 * sequence of IEEE-754 additions, multiplications, divisions and selects compiled for each path, with no libm call
 * and no fused multiply-add. So no result depends on the path (libm's scalar log, exp and sqrt in the grid kernel are
 * the same call on every path).
 * No allocation, no global state.
 */

#ifdef __cplusplus
extern "C" {
#endif

/* Instruction-set paths, from slowest to widest. */
#define VM_ISA_SCALAR 0
#define VM_ISA_AVX2 1
#define VM_ISA_AVX512 2

/* The widest path this build and this CPU support. */
int vm_best_isa(void);

/* The widest path this CPU supports, with no preference rule: for kernels bound by loads, multiplies and adds
 * (the engine's aggregation), where AVX-512 was measured ~8% faster even on Zen 4's 256-bit halves. */
int vm_widest_isa(void);

/* A short name of a path: "scalar", "avx2" or "avx512". */
const char *vm_isa_name(int isa);

/* y[i] = erfc(x[i]) for i < n; `x` and `y` may be the same array. Within 2 ulp of the exact erfc on the tested
 * points (Tests/MarginCoreTests/Pricing/ErfcReference.swift, from scripts/erfc_reference.py); erfc(x) = 2 for
 * x <= -28, 0 for x >= 28 (subnormal above ~26.55), NaN for NaN. `isa` selects the path (a path the CPU lacks falls
 * back to the widest it has); every path gives the bits of vm_erfc_one. */
void vm_erfc(int isa, const double *x, double *y, long n);

/* erfc(x) for one value: the same operations as vm_erfc, so the same bits (MarginCore's scalar normal CDF). */
double vm_erfc_one(double x);

/*
 * Black-76 over a price x vol x time scenario grid, written to out[(i*nv + j)*nt + l], price-major.
 *
 * Scenario (i, j, l): forward F = forward*(1 + price_moves[i]), vol s = max(vol*(1 + vol_shifts[j]), min_vol),
 * years T = years - time_shifts[l]. Value: max(sign*(F - strike), 0) when T <= 0; else, with sd = s*sqrt(T),
 * discount*max(sign*(F - strike), 0) when !(sd > 1e-300); else
 * exp(-rate*T) * max(sign*(F*Phi(sign*d1) - strike*Phi(sign*d2)), 0), d1 = log(F/strike)/sd + sd/2, d2 = d1 - sd,
 * Phi(x) = 0.5*erfc(-x/sqrt(2)): the operations of MarginCore's scalar `Black76.price`, in the same order, without
 * fused multiply-adds, with vm_erfc's erfc (vm_erfc_one in the scalar Swift path), so every path gives bit-identical
 * prices, equal to the scalar `Black76.price`'s (log, exp and sqrt are libm's scalar ones on every path).
 *
 * `sign` is +1 for a call, -1 for a put. `isa` selects the path; a path the CPU lacks falls back to the widest it
 * has. `out` holds np*nv*nt values; a count <= 0 writes nothing.
 */
void vm_black76_grid(int isa, double forward, double strike, double years, double vol, double rate, double sign,
                     double min_vol, const double *price_moves, long np, const double *vol_shifts, long nv,
                     const double *time_shifts, long nt, double *out);

/*
 * The risk engine's aggregation of one account in one underlying, for s < stride (a multiple of 8; other strides
 * take the scalar path):
 *     acc[s] = 0 + coin*spot[s];  then for j = 0 ..< n in order:  acc[s] = acc[s] + sizes[j]*rows[j][s]
 * each product and each sum rounded on its own (no fused multiply-add), so every path gives bit-identical results
 * (the SIMD lanes run across scenarios, never across positions). Returns the minimum of acc[0 ..< regular]
 * (+infinity when regular is 0). `isa` selects the path; a path the CPU lacks falls back to the widest it has.
 * Reads rows[j][0 ..< stride] and spot[0 ..< stride]; writes acc[0 ..< stride]. No allocation.
 */
double vm_accumulate_rows(int isa, const double *const *rows, const double *sizes, long n, const double *spot,
                          double coin, long stride, long regular, double *acc);

#ifdef __cplusplus
}
#endif

#endif /* CVECTORMATH_H */
