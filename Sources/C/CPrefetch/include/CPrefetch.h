// Software prefetch for the match indexes (HashscreenMatch).
//
// Why C: Swift has no prefetch intrinsic. A prefetch, unlike a load, does not have to retire
// before the loads behind it, so an index search can ask for thousands of cache lines at once
// and only wait when it uses them (docs/index.md, "Memory-level parallelism").
#ifndef HASHSCREEN_CPREFETCH_H
#define HASHSCREEN_CPREFETCH_H

/// Asks for the cache line holding `p` to be loaded into all cache levels (x86 prefetcht0);
/// never faults, even for an address outside any allocation.
static inline __attribute__((always_inline)) void hs_prefetch(const void *p) {
    __builtin_prefetch(p, 0, 3);
}

/// Asks for the cache line holding `p` to be loaded into the level-2 cache (x86 prefetcht1):
/// on AMD Zen such a prefetch does not hold one of the few level-1 miss buffers.
static inline __attribute__((always_inline)) void hs_prefetch_l2(const void *p) {
    __builtin_prefetch(p, 0, 2);
}

#endif
