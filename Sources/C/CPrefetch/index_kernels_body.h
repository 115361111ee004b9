// The search loops of the match indexes, as one template that index_kernels.c compiles twice:
// for the build's baseline and, on x86-64, for BMI2 + AVX2 (HS_V(name) names this copy's
// functions; HS_BMI2 is 1 in the BMI2 copy, which also uses `pdep`). Each loop is the Swift
// code it replaces, operation for operation (CompactHammingIndex, MultiIndexHammingIndex,
// BruteForceHammingIndex): only how the machine code is chosen differs.

/* 56 bits from bit `p` on, in the low bits (one unaligned 64-bit read). */
static inline uint64_t HS_V(load_bits)(const uint64_t *bits, long p) {
    uint64_t w;
    __builtin_memcpy(&w, (const unsigned char *)bits + (p >> 3), sizeof w);
    return w >> (p & 7);
}

/* Trailing zeros, 64 for 0 (Swift's trailingZeroBitCount). */
static inline long HS_V(ctz)(uint64_t x) { return x ? __builtin_ctzll(x) : 64; }

static inline long HS_V(popcount)(uint64_t x) { return __builtin_popcountll(x); }

/* Position of the `r`-th set bit (from 0) of `x`, which has more than `r`: `pdep`, or the
 * broadword select (S. Vigna, "Broadword Implementation of Rank/Select Queries", WEA 2008). */
static inline long HS_V(select)(uint64_t x, long r) {
#if HS_BMI2
    return HS_V(ctz)(_pdep_u64(1ULL << r, x));
#else
    const uint64_t l8 = 0x0101010101010101ULL, h8 = 0x8080808080808080ULL;
    uint64_t s = x - ((x >> 1) & 0x5555555555555555ULL);
    s = (s & 0x3333333333333333ULL) + ((s >> 2) & 0x3333333333333333ULL);
    s = (s + (s >> 4)) & 0x0F0F0F0F0F0F0F0FULL;
    const uint64_t byte_sums = s * l8;                                   /* byte i: set bits in bytes 0...i */
    const uint64_t below = (((uint64_t)r * l8 | h8) - byte_sums) & h8;   /* bytes whose sum is <= r */
    const long place = HS_V(popcount)(below) * 8;
    const long rest = r - (long)(((byte_sums << 8) >> place) & 0xFF);
    const long b = (long)((x >> place) & 0xFF);
    return place + hs_select_in_byte[b << 3 | rest];
#endif
}

/* `hs_unary_range` for any block (crowded ones need several reads). */
static __attribute__((noinline)) long HS_V(range_any_length)(const uint64_t *bits, long block_shift, uint32_t key,
                                                           long base, long bit_pos, long *count) {
    const long kk = (long)key & ((1L << block_shift) - 1);
    const uint64_t low = (1ULL << HS_UNARY_WINDOW) - 1;
    uint64_t word = HS_V(load_bits)(bits, bit_pos);
    long pos = bit_pos;
    if (kk > 0) {
        const uint64_t z = ~word & low;
        if (HS_V(popcount)(z) >= kk) {
            const long off = HS_V(select)(z, kk - 1) + 1;
            pos += off;
            word >>= off;
        } else {
            long need = kk - HS_V(popcount)(z);
            pos += HS_UNARY_WINDOW;
            for (;;) {
                const uint64_t zz = ~HS_V(load_bits)(bits, pos) & low;
                const long zc = HS_V(popcount)(zz);
                if (zc >= need) { pos += HS_V(select)(zz, need - 1) + 1; break; }
                need -= zc;
                pos += HS_UNARY_WINDOW;
            }
            word = HS_V(load_bits)(bits, pos);
        }
    }
    /* The run of ones from `pos`, re-read when it may reach past the valid bits. */
    long n = HS_V(ctz)(~word);
    if (n + (pos - bit_pos) >= HS_UNARY_WINDOW) {
        n = 0;
        for (;;) {
            const long ones = HS_V(ctz)(~HS_V(load_bits)(bits, pos + n));
            if (ones < HS_UNARY_WINDOW) { n += ones; break; }
            n += HS_UNARY_WINDOW;
        }
    }
    *count = n;
    return base + (pos - bit_pos) - kk;
}

/* First entry and entry count of bucket `key`, given its block's entry count and first bit.
 * With `pdep` nearly always from one read: the bucket starts after the kk-th 0 of the block,
 * i.e. (with a virtual 0 put before the block, bit 0 of `zeros`) at the (kk + 1)-th 0's
 * position (64 when the read holds too few 0s); its size is the run of 1s from there. */
static inline long HS_V(range)(const uint64_t *bits, long block_shift, uint32_t key, long base, long bit_pos,
                               long *count) {
#if HS_BMI2
    const long kk = (long)key & ((1L << block_shift) - 1);
    const uint64_t word = HS_V(load_bits)(bits, bit_pos);
    const uint64_t zeros = (~word << 1) | 1;
    const long off = HS_V(ctz)(_pdep_u64(kk < 64 ? 1ULL << kk : 0, zeros));
    const long n = HS_V(ctz)(~(off < 64 ? word >> off : 0));
    if (off + n < HS_UNARY_WINDOW) { *count = n; return base + off - kk; }
#endif
    return HS_V(range_any_length)(bits, block_shift, key, base, bit_pos, count);
}

static long HS_V(compact_ranges)(const hs_unary_table *tables, long m, const long *probe_end, long groups,
                                 const uint32_t *key, long *start, long *bit_pos, uint32_t *length,
                                 const uint64_t *tail, long id_bits) {
    /* Pass 2: block counts, prefetch the unary bits (a read may cross into the next line). */
    long i0 = 0;
    for (long g = 0; g < groups; g++) {
        const hs_unary_table *t = &tables[g % m];
        const long bs = t->block_shift;
        for (long i = i0; i < probe_end[g]; i++) {
            const long j = (long)key[i] >> bs;
            const long b = t->before[j];
            const long pos = b + (j << bs);
            start[i] = b;
            bit_pos[i] = pos;
            const unsigned char *p = (const unsigned char *)t->bits + (pos >> 3);
            __builtin_prefetch(p, 0, 0);
            __builtin_prefetch(p + 8, 0, 0);
        }
        i0 = probe_end[g];
    }
    /* Pass 3: ranges, prefetch postings (table 0: the records themselves). */
    long total = 0;
    i0 = 0;
    for (long g = 0; g < groups; g++) {
        const hs_unary_table *t = &tables[g % m];
        const int table0 = g % m == 0;
        const unsigned char *post = (const unsigned char *)t->postings;
        for (long i = i0; i < probe_end[g]; i++) {
            long n;
            const long first = HS_V(range)(t->bits, t->block_shift, key[i], start[i], bit_pos[i], &n);
            start[i] = first;
            length[i] = (uint32_t)n;
            total += n;
            if (table0) {
                __builtin_prefetch(tail + 2 * first, 0, 0);
            } else {
                __builtin_prefetch(post + ((first * id_bits) >> 3), 0, 0);
            }
        }
        i0 = probe_end[g];
    }
    return total;
}

static void HS_V(compact_candidates)(const hs_unary_table *tables, long m, const long *probe_end, long groups,
                                     const long *start, const uint32_t *length, const uint64_t *tail,
                                     long id_bits, uint32_t *cand, long *cand_end) {
    const uint64_t id_mask = (1ULL << id_bits) - 1;
    long nc = 0, i0 = 0;
    for (long g = 0; g < groups; g++) {
        if (g % m == 0) {
            for (long i = i0; i < probe_end[g]; i++) {
                const long first = start[i], end = first + (long)length[i];
                for (long e = first; e < end; e++) cand[nc++] = (uint32_t)e;
            }
        } else {
            const unsigned char *post = (const unsigned char *)tables[g % m].postings;
            for (long i = i0; i < probe_end[g]; i++) {
                long bit = start[i] * id_bits;
                for (uint32_t k = 0; k < length[i]; k++) {
                    uint64_t w;
                    __builtin_memcpy(&w, post + (bit >> 3), sizeof w);
                    const long e = (long)((w >> (bit & 7)) & id_mask);
                    __builtin_prefetch(tail + 2 * e, 0, 0);
                    cand[nc++] = (uint32_t)e;
                    bit += id_bits;
                }
            }
        }
        i0 = probe_end[g];
        cand_end[g] = nc;
    }
}

static long HS_V(multi_candidates)(const uint32_t *post, const uint32_t *start, const uint32_t *length,
                                   const uint32_t *slack, long from, long to, uint32_t q_low, uint32_t id_shift,
                                   uint32_t id_mask, uint32_t *cand, long nc) {
    const hs_u32x8 lanes = {0, 1, 2, 3, 4, 5, 6, 7};
    const hs_u32x8 qv = q_low;
    const uint32_t shift = id_shift & 31;   /* Swift's masking shift `&>>` */
    for (long i = from; i < to; i++) {
        long j = start[i];
        const long end = j + (long)length[i];
        const hs_u32x8 rem_plus_one = slack[i] + 1;
        while (j < end) {
            const hs_u32x8 p = *(const hs_u32x8_u *)(post + j);
            const hs_u32x8 y = (p >> shift) ^ qv;
            /* The top bit of a - b (both small) is set iff a < b: popcount within the radius,
             * and lane inside the bucket. */
            const hs_u32x8 inside = lanes - (uint32_t)(end - j);
            const hs_u32x8 ok = (__builtin_elementwise_popcount(y) - rem_plus_one) & inside;
            /* One bit per passing lane (movmsk), then the passing lanes, lowest first. */
            unsigned pass = __builtin_bit_cast(uint8_t, __builtin_convertvector((hs_i32x8)ok < 0, hs_b8));
            while (pass != 0) {
                cand[nc++] = p[__builtin_ctz(pass)] & id_mask;
                pass &= pass - 1;
            }
            j += 8;
        }
    }
    return nc;
}

static long HS_V(hamming_matches)(const uint64_t *words, long word_count, long from, long to, const uint64_t *q,
                                  long t, int32_t *entries, int32_t *distances) {
    long found = 0;
    if (word_count == 1) {
        const uint64_t a = q[0];
        for (long i = from; i < to; i++) {
            const long d = HS_V(popcount)(words[i] ^ a);
            if (d <= t) { entries[found] = (int32_t)i; distances[found] = (int32_t)d; found++; }
        }
    } else if (word_count == 4) {
        const uint64_t a = q[0], b = q[1], c = q[2], e = q[3];
        for (long i = from; i < to; i++) {
            const uint64_t *r = words + 4 * i;
            const long d = HS_V(popcount)(r[0] ^ a) + HS_V(popcount)(r[1] ^ b) + HS_V(popcount)(r[2] ^ c)
                + HS_V(popcount)(r[3] ^ e);
            if (d <= t) { entries[found] = (int32_t)i; distances[found] = (int32_t)d; found++; }
        }
    } else {
        for (long i = from; i < to; i++) {
            const uint64_t *r = words + word_count * i;
            long d = 0;
            for (long k = 0; k < word_count; k++) d += HS_V(popcount)(r[k] ^ q[k]);
            if (d <= t) { entries[found] = (int32_t)i; distances[found] = (int32_t)d; found++; }
        }
    }
    return found;
}
