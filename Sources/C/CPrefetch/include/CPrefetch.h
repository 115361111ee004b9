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

#endif
