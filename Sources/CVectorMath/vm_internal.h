#ifndef VM_INTERNAL_H
#define VM_INTERNAL_H

#include <math.h>

/* libmvec's vector erfc exists on x86-64 glibc >= 2.35 (the `_ZGV{d,e}N{4,8}v_erfc` symbols). */
#if defined(__x86_64__) && defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 35))
#define VM_HAVE_MVEC 1
#else
#define VM_HAVE_MVEC 0
#endif

/* Per-path erfc over arrays: y[i] = erfc(x[i]), x == y allowed. Each path is only called when the CPU has it. */
void vm_erfc_scalar(const double *x, double *y, long n);
#if VM_HAVE_MVEC
void vm_erfc_avx2(const double *x, double *y, long n);
void vm_erfc_avx512(const double *x, double *y, long n);
#endif

/* Clamps a requested path to what this CPU supports. */
int vm_supported_isa(int requested);

#endif /* VM_INTERNAL_H */
