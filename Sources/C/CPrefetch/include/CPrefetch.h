// Software prefetch, `pext` and the search loops of the match indexes (HashscreenMatch).
//
// Why C: Swift has no prefetch intrinsic. A prefetch, unlike a load, does not have to retire
// before the loads behind it, so an index search can ask for thousands of cache lines at once
// and only wait when it uses them (docs/index.md, "Memory-level parallelism"). And Swift
// cannot compile one function for several instruction sets: the release build targets a
// baseline CPU (docs/decisions.md, "Release builds"), and the loops below that gain most from
// BMI2 (`pdep`, `shrx`, `tzcnt`) and AVX2 are built twice and chosen at run time.
#ifndef HASHSCREEN_CPREFETCH_H
#define HASHSCREEN_CPREFETCH_H
#include <stddef.h>
#include <stdint.h>

/// Asks for the cache line holding `p` with a non-temporal hint (x86 prefetchnta): the line
/// goes to the level-1 cache and is not kept in the outer levels longer than needed, so that
/// an index search does not push out the working set of the code running beside it (measured
/// faster than prefetcht0 and prefetcht1 in the benchmark and in real scans, docs/index.md).
static inline __attribute__((always_inline)) void hs_prefetch_nta(const void *p) {
    __builtin_prefetch(p, 0, 0);
}

/// Bit extract (x86 BMI2 `pext`): the bits of `src` at the set bits of `mask`, packed into the
/// low bits in order. The instruction when this compilation targets BMI2, or (x86-64) when the
/// CPU runs it fast (`hs_fast_bmi2`); else a loop with one step per set bit of `mask`: the
/// same bits on every CPU.
#if defined(__x86_64__)
/// 1 when the CPU has BMI2 and AVX2 and is not an AMD Zen 1 or 2 (which run `pdep`/`pext` in
/// microcode, ~20-250 cycles); set when the program loads (prefetch.c).
extern int hs_fast_bmi2;
#endif
#if defined(__x86_64__) && defined(__BMI2__)
#include <immintrin.h>
static inline __attribute__((always_inline)) unsigned long long hs_pext(unsigned long long src, unsigned long long mask) {
    return _pext_u64(src, mask);
}
#else
static inline __attribute__((always_inline)) unsigned long long hs_pext_loop(unsigned long long src, unsigned long long mask) {
    unsigned long long out = 0, bit = 1;
    while (mask != 0) {
        unsigned long long low = mask & (0ULL - mask);
        if (src & low) out |= bit;
        bit <<= 1;
        mask ^= low;
    }
    return out;
}
#if defined(__x86_64__)
/// `pext` itself (compiled for BMI2 in prefetch.c; call only when hs_fast_bmi2).
unsigned long long hs_pext_bmi2(unsigned long long src, unsigned long long mask);
static inline __attribute__((always_inline)) unsigned long long hs_pext(unsigned long long src, unsigned long long mask) {
    return hs_fast_bmi2 ? hs_pext_bmi2(src, mask) : hs_pext_loop(src, mask);
}
#else
static inline __attribute__((always_inline)) unsigned long long hs_pext(unsigned long long src, unsigned long long mask) {
    return hs_pext_loop(src, mask);
}
#endif
#endif

// MARK: - Search loops (index_kernels.c)
//
// The loops of the index searches that depend most on the instruction set, compiled for the
// baseline and, on x86-64, for BMI2 + AVX2 (chosen per call by `hs_fast_bmi2`). Each is the
// Swift loop it replaced, operation for operation; see the Swift callers for what they do.

/// Valid bits of one unaligned 64-bit read at a bit position (a shift of up to 7).
#define HS_UNARY_WINDOW 56

/// One table of a `CompactHammingIndex`: its unary directory (entries before each block of
/// 2^block_shift buckets; bucket sizes in unary) and its bit-packed postings (not table 0).
typedef struct hs_unary_table {
    const uint32_t *before;
    const uint64_t *bits;
    const uint64_t *postings;
    long block_shift;
} hs_unary_table;

/// Passes 2 and 3 of `CompactHammingIndex.searchTables` over `groups` probe groups (group g:
/// probes probe_end[g - 1] ..< probe_end[g] of table g % m): block counts and a prefetch of
/// the unary bits, then each probe's entry range into start[i] / length[i] and a prefetch of
/// its postings (table 0: of its tail records). Returns the sum of the lengths.
long hs_compact_ranges(const hs_unary_table *tables, long m, const long *probe_end, long groups,
                       const uint32_t *key, long *start, long *bit_pos, uint32_t *length,
                       const uint64_t *tail, long id_bits);

/// Pass 4: every probe's entry numbers into `cand` (table 0: its range; else its postings),
/// prefetching each entry's tail record; cand_end[g] gets where group g's candidates end.
void hs_compact_candidates(const hs_unary_table *tables, long m, const long *probe_end, long groups,
                           const long *start, const uint32_t *length, const uint64_t *tail, long id_bits,
                           uint32_t *cand, long *cand_end);

/// First entry of bucket `key` (its count into *count), given its block's entry count `base`
/// and first bit `bit_pos`.
long hs_unary_range(const hs_unary_table *table, uint32_t key, long base, long bit_pos, long *count);

/// Position of the `r`-th set bit (from 0) of `x`, which has more than `r`.
long hs_select64(uint64_t x, long r);

/// Pass 4 of `MultiIndexHammingIndex.searchTables` for one segment's probes from..<to: the
/// postings of each bucket whose low part is within the probe's slack of `query_low` (eight
/// at a time; the padding after the last posting keeps the reads in bounds), as entry
/// numbers appended to cand[count...]. Returns the new count.
long hs_multi_candidates(const uint32_t *postings, const uint32_t *start, const uint32_t *length,
                         const uint32_t *slack, long from, long to, uint32_t query_low, uint32_t id_shift,
                         uint32_t id_mask, uint32_t *cand, long count);

/// `BruteForceHammingIndex.scan` over entries from..<to of `word_count` words each: those
/// within `threshold` of `query`, in order, into entries / distances (room for to - from).
/// Returns how many.
long hs_hamming_matches(const uint64_t *words, long word_count, long from, long to, const uint64_t *query,
                        long threshold, int32_t *entries, int32_t *distances);

/// CRC-32C (Castagnoli) of `n` bytes, continuing `crc` (0 to start): SSE4.2 where the CPU has
/// it, else a table (crc32c.c). `hs_crc32c_soft` is the table version, for the tests.
uint32_t hs_crc32c(uint32_t crc, const void *data, size_t n);
uint32_t hs_crc32c_soft(uint32_t crc, const void *data, size_t n);

#endif
