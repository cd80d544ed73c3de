/* erfc over arrays on the scalar, AVX2 and AVX-512 paths (one function, bit-identical results); CPU checked at run
 * time. */
#include "CVectorMath.h"
#include "vm_internal.h"
#include "vm_erfc_core.h"

#include <stdatomic.h>

#if VM_HAVE_X86_PATHS
#include <cpuid.h>
#endif

#if VM_HAVE_X86_PATHS
/* AMD family 19h (Zen 3/4) runs 512-bit vectors as two 256-bit halves: an AVX2 erfc measured ~15% faster there than
 * an AVX-512 one in the grid kernel, so AVX-512 is only preferred elsewhere. */
static int vm_halves_512(void) {
    unsigned eax, ebx, ecx, edx;
    if (!__get_cpuid(0, &eax, &ebx, &ecx, &edx)) return 0;
    int amd = ebx == 0x68747541u && edx == 0x69746e65u && ecx == 0x444d4163u; /* "AuthenticAMD" */
    if (!amd || !__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return 0;
    unsigned family = (eax >> 8) & 0xf;
    if (family == 0xf) family += (eax >> 20) & 0xff;
    return family == 0x19;
}
#endif

static int vm_detect_isa(void) {
#if VM_HAVE_X86_PATHS
    __builtin_cpu_init();
    int avx2 = __builtin_cpu_supports("avx2");
    if (__builtin_cpu_supports("avx512f") && !(avx2 && vm_halves_512())) return VM_ISA_AVX512;
    if (avx2) return VM_ISA_AVX2;
#endif
    return VM_ISA_SCALAR;
}

int vm_best_isa(void) {
    /* A property of the machine, detected once (CPUID may trap to the hypervisor); racing first calls agree. */
    static _Atomic int cached = -1;
    int isa = atomic_load_explicit(&cached, memory_order_relaxed);
    if (isa < 0) {
        isa = vm_detect_isa();
        atomic_store_explicit(&cached, isa, memory_order_relaxed);
    }
    return isa;
}

int vm_widest_isa(void) { return vm_supported_isa(VM_ISA_AVX512); }

int vm_supported_isa(int requested) {
#if VM_HAVE_X86_PATHS
    __builtin_cpu_init();
    if (requested >= VM_ISA_AVX512 && __builtin_cpu_supports("avx512f")) return VM_ISA_AVX512;
    if (requested >= VM_ISA_AVX2 && __builtin_cpu_supports("avx2")) return VM_ISA_AVX2;
#else
    (void)requested;
#endif
    return VM_ISA_SCALAR;
}

const char *vm_isa_name(int isa) {
    switch (isa) {
    case VM_ISA_AVX2: return "avx2";
    case VM_ISA_AVX512: return "avx512";
    default: return "scalar";
    }
}

/* The three paths: one loop over vm_erfc_core, compiled for the baseline, AVX2 and AVX-512 (the compiler vectorizes
 * it; the operations per element are the same IEEE-754 ones on every path). */
void vm_erfc_scalar(const double *x, double *y, long n) {
    for (long i = 0; i < n; i++) y[i] = vm_erfc_core(x[i]);
}

#if VM_HAVE_X86_PATHS
__attribute__((target("avx2"))) void vm_erfc_avx2(const double *x, double *y, long n) {
    for (long i = 0; i < n; i++) y[i] = vm_erfc_core(x[i]);
}

__attribute__((target("avx512f"))) void vm_erfc_avx512(const double *x, double *y, long n) {
    for (long i = 0; i < n; i++) y[i] = vm_erfc_core(x[i]);
}
#endif

double vm_erfc_one(double x) { return vm_erfc_core(x); }

void vm_erfc(int isa, const double *x, double *y, long n) {
    if (n <= 0) return;
    switch (vm_supported_isa(isa)) {
#if VM_HAVE_X86_PATHS
    case VM_ISA_AVX512: vm_erfc_avx512(x, y, n); return;
    case VM_ISA_AVX2: vm_erfc_avx2(x, y, n); return;
#endif
    default: vm_erfc_scalar(x, y, n); return;
    }
}
