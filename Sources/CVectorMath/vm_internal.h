#ifndef VM_INTERNAL_H
#define VM_INTERNAL_H

#include <math.h>

/* Every kernel rounds each product and sum on its own: no fused multiply-adds (no contraction), whatever the target
 * of a function, so the scalar, AVX2 and AVX-512 paths run the same IEEE-754 operations. The package never builds
 * with -ffast-math (no reassociation). Every kernel file includes this header first. */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#pragma clang fp contract(off)
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

/* The AVX2 and AVX-512 paths exist on x86-64 with GCC or clang (CPUID and per-function target attributes). */
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define VM_HAVE_X86_PATHS 1
#else
#define VM_HAVE_X86_PATHS 0
#endif

/* Per-path erfc over arrays: y[i] = erfc(x[i]), x == y allowed, bit-identical across paths (vm_erfc_core.h). Each
 * path is only called when the CPU has it. */
void vm_erfc_scalar(const double *x, double *y, long n);
#if VM_HAVE_X86_PATHS
void vm_erfc_avx2(const double *x, double *y, long n);
void vm_erfc_avx512(const double *x, double *y, long n);
#endif

/* Clamps a requested path to what this CPU supports. */
int vm_supported_isa(int requested);

#endif /* VM_INTERNAL_H */
