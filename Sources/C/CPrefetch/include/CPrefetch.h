// Software prefetch for the match indexes (HashscreenMatch).
//
// Why C: Swift has no prefetch intrinsic. A prefetch, unlike a load, does not have to retire
// before the loads behind it, so an index search can ask for thousands of cache lines at once
// and only wait when it uses them (docs/index.md, "Memory-level parallelism").
#ifndef HASHSCREEN_CPREFETCH_H
#define HASHSCREEN_CPREFETCH_H

/// Asks for the cache line holding `p` with a non-temporal hint (x86 prefetchnta): the line
/// goes to the level-1 cache and is not kept in the outer levels longer than needed, so that
/// an index search does not push out the working set of the code running beside it (measured
/// faster than prefetcht0 and prefetcht1 in the benchmark and in real scans, docs/index.md).
static inline __attribute__((always_inline)) void hs_prefetch_nta(const void *p) {
    __builtin_prefetch(p, 0, 0);
}

/// Bit deposit (x86 BMI2 `pdep`): the low bits of `src` placed, in order, at the set bits of
/// `mask`. `select(x, r)` is then `ctz(hs_pdep(1 << r, x))`: one instruction where a broadword
/// select takes ~20 (fast on AMD Zen 3 and later and Intel Haswell and later).
/// `hs_has_pdep()` is 1 when this compilation targets BMI2, else 0 (callers keep their own
/// portable select; the fallback below is only for completeness).
#if defined(__x86_64__) && defined(__BMI2__)
#include <immintrin.h>
static inline __attribute__((always_inline)) unsigned long long hs_pdep(unsigned long long src, unsigned long long mask) {
    return _pdep_u64(src, mask);
}
static inline __attribute__((always_inline)) int hs_has_pdep(void) { return 1; }
/// Bit extract (x86 BMI2 `pext`): the bits of `src` at the set bits of `mask`, packed into
/// the low bits in order.
static inline __attribute__((always_inline)) unsigned long long hs_pext(unsigned long long src, unsigned long long mask) {
    return _pext_u64(src, mask);
}
#else
static inline __attribute__((always_inline)) unsigned long long hs_pext(unsigned long long src, unsigned long long mask) {
    unsigned long long out = 0, bit = 1;
    while (mask != 0) {
        unsigned long long low = mask & (0ULL - mask);
        if (src & low) out |= bit;
        bit <<= 1;
        mask ^= low;
    }
    return out;
}
static inline __attribute__((always_inline)) unsigned long long hs_pdep(unsigned long long src, unsigned long long mask) {
    unsigned long long out = 0;
    for (unsigned long long bit = 1; mask != 0; bit <<= 1) {
        unsigned long long low = mask & (0ULL - mask);
        if (src & bit) out |= low;
        mask ^= low;
    }
    return out;
}
static inline __attribute__((always_inline)) int hs_has_pdep(void) { return 0; }
#endif

#endif
