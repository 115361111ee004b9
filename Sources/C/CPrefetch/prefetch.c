// CPU detection for the run-time choices of CPrefetch.h and index_kernels.c, and `pext` for
// builds that do not target BMI2.
#include "CPrefetch.h"

#if defined(__x86_64__)
#include <immintrin.h>

int hs_fast_bmi2 = 0;

__attribute__((constructor)) static void hs_detect_bmi2(void) {
    __builtin_cpu_init();
    hs_fast_bmi2 = __builtin_cpu_supports("bmi2") && __builtin_cpu_supports("avx2")
        && !__builtin_cpu_is("znver1") && !__builtin_cpu_is("znver2");
}

__attribute__((target("bmi2"))) unsigned long long hs_pext_bmi2(unsigned long long src, unsigned long long mask) {
    return _pext_u64(src, mask);
}
#endif
