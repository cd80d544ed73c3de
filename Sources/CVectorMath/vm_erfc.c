/* Vector erfc: libmvec on x86-64 glibc with AVX2 / AVX-512, scalar libm elsewhere; CPU checked at run time. */
#include "CVectorMath.h"
#include "vm_internal.h"

#include <stdatomic.h>
#include <string.h>

#if VM_HAVE_MVEC
#include <cpuid.h>
#include <immintrin.h>

/* glibc libmvec, x86-64 vector function ABI: 'd' = AVX2 (4 doubles), 'e' = AVX-512 (8 doubles). */
__attribute__((target("avx2,fma"))) extern __m256d _ZGVdN4v_erfc(__m256d);
__attribute__((target("avx512f"))) extern __m512d _ZGVeN8v_erfc(__m512d);
#endif

#if VM_HAVE_MVEC
/* AMD family 19h (Zen 3/4) runs 512-bit vectors as two 256-bit halves: libmvec's AVX2 erfc measured ~15% faster
 * there than its AVX-512 one in the grid kernel, so AVX-512 is only preferred elsewhere. */
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
#if VM_HAVE_MVEC
    __builtin_cpu_init();
    int avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
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
#if VM_HAVE_MVEC
    __builtin_cpu_init();
    if (requested >= VM_ISA_AVX512 && __builtin_cpu_supports("avx512f")) return VM_ISA_AVX512;
    if (requested >= VM_ISA_AVX2 && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        return VM_ISA_AVX2;
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

void vm_erfc_scalar(const double *x, double *y, long n) {
    for (long i = 0; i < n; i++) y[i] = erfc(x[i]);
}

#if VM_HAVE_MVEC
__attribute__((target("avx2,fma"))) void vm_erfc_avx2(const double *x, double *y, long n) {
    long i = 0;
    for (; i + 4 <= n; i += 4) _mm256_storeu_pd(y + i, _ZGVdN4v_erfc(_mm256_loadu_pd(x + i)));
    if (i < n) { /* the tail goes through the same vector function, padded with zeros */
        double t[4] = {0, 0, 0, 0};
        memcpy(t, x + i, (size_t)(n - i) * sizeof(double));
        _mm256_storeu_pd(t, _ZGVdN4v_erfc(_mm256_loadu_pd(t)));
        memcpy(y + i, t, (size_t)(n - i) * sizeof(double));
    }
}

__attribute__((target("avx512f"))) void vm_erfc_avx512(const double *x, double *y, long n) {
    long i = 0;
    for (; i + 8 <= n; i += 8) _mm512_storeu_pd(y + i, _ZGVeN8v_erfc(_mm512_loadu_pd(x + i)));
    if (i < n) {
        double t[8] = {0, 0, 0, 0, 0, 0, 0, 0};
        memcpy(t, x + i, (size_t)(n - i) * sizeof(double));
        _mm512_storeu_pd(t, _ZGVeN8v_erfc(_mm512_loadu_pd(t)));
        memcpy(y + i, t, (size_t)(n - i) * sizeof(double));
    }
}
#endif

void vm_erfc(const double *x, double *y, long n) {
    if (n <= 0) return;
    switch (vm_best_isa()) {
#if VM_HAVE_MVEC
    case VM_ISA_AVX512: vm_erfc_avx512(x, y, n); return;
    case VM_ISA_AVX2: vm_erfc_avx2(x, y, n); return;
#endif
    default: vm_erfc_scalar(x, y, n); return;
    }
}
