#ifndef CVECTORMATH_H
#define CVECTORMATH_H

/*
 * Vectorized math kernels for MarginCore's hot loops.
 *
 * On x86-64 Linux with glibc >= 2.35 the kernels call libmvec's vector erfc (`_ZGVeN8v_erfc` with AVX-512,
 * `_ZGVdN4v_erfc` with AVX2) after a run-time CPU check; everywhere else (other CPUs, other C libraries) they fall
 * back to the scalar libm `erfc`. libmvec's erfc is within a few ulp of libm's, so the paths agree to ~1e-15
 * relative in Φ; each path is deterministic: the same inputs give bit-identical outputs on one machine.
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

/* y[i] = erfc(x[i]) for i < n on the widest supported path; `x` and `y` may be the same array. */
void vm_erfc(const double *x, double *y, long n);

/*
 * Black-76 over a price x vol x time scenario grid, written to out[(i*nv + j)*nt + l], price-major.
 *
 * Scenario (i, j, l): forward F = forward*(1 + price_moves[i]), vol s = max(vol*(1 + vol_shifts[j]), min_vol),
 * years T = years - time_shifts[l]. Value: max(sign*(F - strike), 0) when T <= 0; else, with sd = s*sqrt(T),
 * discount*max(sign*(F - strike), 0) when !(sd > 1e-300); else
 * exp(-rate*T) * max(sign*(F*Phi(sign*d1) - strike*Phi(sign*d2)), 0), d1 = log(F/strike)/sd + sd/2, d2 = d1 - sd,
 * Phi(x) = 0.5*erfc(-x/sqrt(2)): the operations of MarginCore's scalar `Black76.price`, in the same order, without
 * fused multiply-adds, so only erfc differs between the scalar and the vector paths; where F*Phi(d1) and
 * strike*Phi(d2) cancel (their sum > 256 * max(|price|, 1e-12*F)) the vector paths revalue the scenario with libm's
 * erfc, so every path agrees with the scalar one to ~2e-13 relative to max(|price|, 1e-12*F) (bit-identical: scalar).
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
