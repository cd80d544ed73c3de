/* Black-76 over a price x vol x time scenario grid (see CVectorMath.h for the contract). */
#include "CVectorMath.h"
#include "vm_internal.h"

/* Same operations as the scalar Swift path, no fused multiply-adds (vm_internal.h); erfc is vm_erfc_core on every
 * path, so every path gives the scalar path's bits. */

enum {
    VM_CHUNK = 128, /* scenarios per erfc batch, a multiple of 8 */
    VM_PLANE = 256, /* (vol, time) pairs precomputed per call; pairs past it (huge grids) are computed per scenario */
};

typedef void (*vm_erfc_fn)(const double *x, double *y, long n);

static const double vm_inv_sqrt2 = 0.70710678118654752440;

/* Swift's `max(x, 0)`: `0 >= x ? 0 : x` (NaN passes through). */
static inline double vm_max0(double x) { return 0.0 >= x ? 0.0 : x; }

/* Scenarios waiting for their erfc batch: contiguous in the output. */
typedef struct {
    double log_moneyness[VM_CHUNK];
    double sd[VM_CHUNK];
    double forward[VM_CHUNK];
    double discount[VM_CHUNK];
    double fixed_value[VM_CHUNK]; /* (discounted) intrinsic value where no Black-76 is needed */
    double is_fixed[VM_CHUNK];    /* 1 where fixed_value is the result */
    double arg[2 * VM_CHUNK];     /* erfc arguments: Phi(sign*d1) block, then Phi(sign*d2) block */
    double erfc[2 * VM_CHUNK];    /* erfc(arg) */
} vm_chunk;

/* Values `count` pending scenarios into out[0 ..< count]. */
static inline __attribute__((always_inline)) void vm_flush(vm_chunk *restrict c, long count, double strike,
                                                           double sign, double *restrict out, vm_erfc_fn erfc_v) {
    long padded = (count + 7) & ~7L;
    for (long q = count; q < padded; q++) {
        c->log_moneyness[q] = 0;
        c->sd[q] = 1;
    }
    double *a1 = c->arg, *a2 = c->arg + padded;
    for (long q = 0; q < padded; q++) {
        double sd = c->sd[q];
        double d1 = c->log_moneyness[q] / sd + 0.5 * sd;
        double d2 = d1 - sd;
        /* Phi(x) = 0.5*erfc(-x/sqrt2) with x = sign*d: argument (-sign*d)*(1/sqrt2), as the scalar path. */
        a1[q] = (-sign * d1) * vm_inv_sqrt2;
        a2[q] = (-sign * d2) * vm_inv_sqrt2;
    }
    erfc_v(c->arg, c->erfc, 2 * padded);
    const double *e1 = c->erfc, *e2 = c->erfc + padded;
    for (long q = 0; q < count; q++) {
        double fh = c->forward[q] * (0.5 * e1[q]), kh = strike * (0.5 * e2[q]);
        /* call: F*Phi(d1) - K*Phi(d2); put: K*Phi(-d2) - F*Phi(-d1) = -(F*Phi(-d1) - K*Phi(-d2)), exactly. */
        double raw = sign * (fh - kh);
        double v = c->discount[q] * vm_max0(raw);
        out[q] = c->is_fixed[q] != 0 ? c->fixed_value[q] : v;
    }
}

/*
 * One (vol, time) pair q = j*nt + l of the grid: sd = s*sqrt(T), the discount e^{-rT}, whether Black-76 applies
 * (T > 0 and sd > 1e-300; else sd is set to 1, a harmless erfc argument) and the factor of the intrinsic value used
 * otherwise (1 at T <= 0, undiscounted; the discount when sd ~ 0), as the scalar path.
 */
typedef struct {
    double sd[VM_PLANE];
    double discount[VM_PLANE];
    double is_fixed[VM_PLANE];
    double intrinsic_scale[VM_PLANE];
} vm_plane;

/* Pair values from the vol s, the years tl, sqrt(tl) and the discount dl = exp(-r*tl). */
static inline void vm_pair(double s, double tl, double sqrt_tl, double dl, double *sd, double *discount,
                           double *is_fixed, double *intrinsic_scale) {
    double x = s * sqrt_tl;
    int fixed = tl <= 0 || !(x > 1e-300);
    *sd = fixed ? 1 : x;
    *discount = dl;
    *is_fixed = fixed;
    *intrinsic_scale = tl <= 0 ? 1 : dl;
}

/* Swift's max(vol*(1 + shift), min_vol). */
static inline double vm_shifted_vol(double vol, double shift, double min_vol) {
    double s = vol * (1 + shift);
    return min_vol >= s ? min_vol : s;
}

static inline __attribute__((always_inline)) void vm_grid(double f, double k, double t, double vol, double r,
                                                          double sign, double min_vol, const double *pm, long np,
                                                          const double *vs, long nv, const double *ts, long nt,
                                                          double *out, vm_erfc_fn erfc_v) {
    if (np <= 0 || nv <= 0 || nt <= 0) return;
    long pairs = nv * nt, tabled = pairs < VM_PLANE ? pairs : VM_PLANE;
    vm_plane p;
    for (long l = 0; l < nt && l < tabled; l++) {
        double tl = t - ts[l], sqrt_tl = sqrt(tl), dl = exp(-r * tl);
        for (long j = 0, q = l; j < nv && q < tabled; j++, q += nt)
            vm_pair(vm_shifted_vol(vol, vs[j], min_vol), tl, sqrt_tl, dl, &p.sd[q], &p.discount[q], &p.is_fixed[q],
                    &p.intrinsic_scale[q]);
    }
    vm_chunk c;
    long count = 0;
    for (long i = 0; i < np; i++) {
        double fi = f * (1 + pm[i]);
        double log_fk = log(fi / k);
        double intrinsic = vm_max0(sign * (fi - k));
        for (long q0 = 0; q0 < pairs;) {
            long take = pairs - q0 < VM_CHUNK - count ? pairs - q0 : VM_CHUNK - count;
            long q1 = q0 + take, split = q1 < tabled ? q1 : (q0 > tabled ? q0 : tabled);
            long at = count - q0; /* chunk slot of pair q: at + q */
            for (long q = q0; q < split; q++) { /* precomputed pairs */
                c.log_moneyness[at + q] = log_fk;
                c.forward[at + q] = fi;
                c.sd[at + q] = p.sd[q];
                c.discount[at + q] = p.discount[q];
                c.is_fixed[at + q] = p.is_fixed[q];
                c.fixed_value[at + q] = p.intrinsic_scale[q] * intrinsic;
            }
            for (long q = split; q < q1; q++) { /* pairs past the table */
                double tl = t - ts[q % nt], scale;
                vm_pair(vm_shifted_vol(vol, vs[q / nt], min_vol), tl, sqrt(tl), exp(-r * tl), &c.sd[at + q],
                        &c.discount[at + q], &c.is_fixed[at + q], &scale);
                c.log_moneyness[at + q] = log_fk;
                c.forward[at + q] = fi;
                c.fixed_value[at + q] = scale * intrinsic;
            }
            count += take;
            q0 = q1;
            if (count == VM_CHUNK) {
                vm_flush(&c, count, k, sign, out, erfc_v);
                out += count;
                count = 0;
            }
        }
    }
    if (count > 0) vm_flush(&c, count, k, sign, out, erfc_v);
}

#define VM_GRID_PARAMS                                                                                                \
    double f, double k, double t, double vol, double r, double sign, double min_vol, const double *pm, long np,      \
        const double *vs, long nv, const double *ts, long nt, double *out
#define VM_GRID_ARGS f, k, t, vol, r, sign, min_vol, pm, np, vs, nv, ts, nt, out

static void vm_grid_scalar(VM_GRID_PARAMS) { vm_grid(VM_GRID_ARGS, vm_erfc_scalar); }

#if VM_HAVE_X86_PATHS
__attribute__((target("avx2"))) static void vm_grid_avx2(VM_GRID_PARAMS) {
    vm_grid(VM_GRID_ARGS, vm_erfc_avx2);
}

__attribute__((target("avx512f"))) static void vm_grid_avx512(VM_GRID_PARAMS) {
    vm_grid(VM_GRID_ARGS, vm_erfc_avx512);
}
#endif

void vm_black76_grid(int isa, VM_GRID_PARAMS) {
    switch (vm_supported_isa(isa)) {
#if VM_HAVE_X86_PATHS
    case VM_ISA_AVX512: vm_grid_avx512(VM_GRID_ARGS); return;
    case VM_ISA_AVX2: vm_grid_avx2(VM_GRID_ARGS); return;
#endif
    default: vm_grid_scalar(VM_GRID_ARGS); return;
    }
}
