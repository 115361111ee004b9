// The index search loops (index_kernels_body.h) in two copies where the CPU may differ from
// the build's baseline: x86-64 with BMI2 (`pdep`, `shrx`, `tzcnt`, ...) and AVX2, chosen per
// call by `hs_fast_bmi2`, and the baseline (the only copy elsewhere).
#include "CPrefetch.h"
#if defined(__x86_64__)
#include <immintrin.h>
#endif

/* Position of the r-th set bit of byte b at b << 3 | r (8 if there is none), for the
 * broadword select; filled when the program loads. */
static uint8_t hs_select_in_byte[2048];

__attribute__((constructor)) static void hs_fill_select_in_byte(void) {
    for (int i = 0; i < 2048; i++) {
        int b = i >> 3, r = i & 7, p = 0;
        hs_select_in_byte[i] = 8;
        while (b != 0) {
            if (b & 1) {
                if (r == 0) { hs_select_in_byte[i] = (uint8_t)p; break; }
                r--;
            }
            b >>= 1;
            p++;
        }
    }
}

/* 8 postings as one value (unaligned, aliasing reads). */
typedef uint32_t hs_u32x8 __attribute__((ext_vector_type(8)));
typedef uint32_t hs_u32x8_u __attribute__((ext_vector_type(8), aligned(4), may_alias));
typedef int32_t hs_i32x8 __attribute__((ext_vector_type(8)));
typedef _Bool hs_b8 __attribute__((ext_vector_type(8)));

#define HS_V(name) name##_base
#define HS_BMI2 0
#include "index_kernels_body.h"
#undef HS_V
#undef HS_BMI2

#if defined(__x86_64__)
#pragma clang attribute push(__attribute__((target("avx2,bmi,bmi2,popcnt,lzcnt"))), apply_to = function)
#define HS_V(name) name##_bmi2
#define HS_BMI2 1
#include "index_kernels_body.h"
#undef HS_V
#undef HS_BMI2
#pragma clang attribute pop
#define HS_PICK(name) (hs_fast_bmi2 ? name##_bmi2 : name##_base)
#else
#define HS_PICK(name) name##_base
#endif

long hs_compact_ranges(const hs_unary_table *tables, long m, const long *probe_end, long groups,
                       const uint32_t *key, long *start, long *bit_pos, uint32_t *length,
                       const uint64_t *tail, long id_bits) {
    return HS_PICK(compact_ranges)(tables, m, probe_end, groups, key, start, bit_pos, length, tail, id_bits);
}

void hs_compact_candidates(const hs_unary_table *tables, long m, const long *probe_end, long groups,
                           const long *start, const uint32_t *length, const uint64_t *tail, long id_bits,
                           uint32_t *cand, long *cand_end) {
    HS_PICK(compact_candidates)(tables, m, probe_end, groups, start, length, tail, id_bits, cand, cand_end);
}

long hs_unary_range(const hs_unary_table *table, uint32_t key, long base, long bit_pos, long *count) {
    return HS_PICK(range)(table->bits, table->block_shift, key, base, bit_pos, count);
}

long hs_select64(uint64_t x, long r) { return HS_PICK(select)(x, r); }

long hs_multi_candidates(const uint32_t *postings, const uint32_t *start, const uint32_t *length,
                         const uint32_t *slack, long from, long to, uint32_t query_low, uint32_t id_shift,
                         uint32_t id_mask, uint32_t *cand, long count) {
    return HS_PICK(multi_candidates)(postings, start, length, slack, from, to, query_low, id_shift, id_mask,
                                     cand, count);
}

long hs_hamming_matches(const uint64_t *words, long word_count, long from, long to, const uint64_t *query,
                        long threshold, int32_t *entries, int32_t *distances) {
    return HS_PICK(hamming_matches)(words, word_count, from, to, query, threshold, entries, distances);
}
