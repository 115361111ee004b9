#include "CByteKernels.h"
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/* One definition, two machine-code versions on x86-64 glibc: AVX2 (32 bytes per instruction)
 * and the build's baseline (two 16-byte SSE2 instructions), picked once by the loader. */
#if defined(__x86_64__) && defined(__GLIBC__)
#define HS_KERNEL __attribute__((target_clones("avx2", "default")))
#else
#define HS_KERNEL
#endif

/* 32 bytes as one value (clang vector extensions: the compiler picks the instructions). */
typedef uint8_t hs_v32 __attribute__((ext_vector_type(32)));
typedef int8_t hs_s32 __attribute__((ext_vector_type(32)));
typedef uint64_t hs_w4 __attribute__((ext_vector_type(4)));

/* Accumulates the 32 bytes at p: their OR into *any, and into *bad the lanes not printable
 * (byte + 0x5F, wrapping, is 0x80...0xDD, signed -128...-35, for 0x21...0x7E). */
static inline __attribute__((always_inline)) void block_classes(const uint8_t *p, hs_v32 *any, hs_v32 *bad) {
    hs_v32 v;
    memcpy(&v, p, 32);
    *any |= v;
    *bad |= (hs_v32)(__builtin_convertvector((hs_s32)(v + (uint8_t)0x5F) > (int8_t)-35, hs_s32));
}

/* The classes of d[0..<n] (HS_VALUES_* bits; `want`: the ones looked for). */
static inline __attribute__((always_inline)) int value_classes(const uint8_t *d, int64_t n, int want) {
    uint8_t any8 = 0, bad8 = 0;
    if (n >= 32) {
        hs_v32 any = 0, bad = 0;
        int64_t i = 0;
        for (; i + 32 <= n; i += 32) block_classes(d + i, &any, &bad);
        if (i < n) block_classes(d + n - 32, &any, &bad);   /* the last 32, overlapping */
        hs_w4 a = (hs_w4)any, b = (hs_w4)bad;
        uint64_t aw = a[0] | a[1] | a[2] | a[3], bw = b[0] | b[1] | b[2] | b[3];
        any8 = (aw & 0x8080808080808080ull) ? 0x80 : 0;
        bad8 = bw ? 1 : 0;
    } else {
        for (int64_t i = 0; i < n; i++) {
            uint8_t c = d[i];
            any8 |= c;
            bad8 |= (uint8_t)(c - 0x21) > 0x5D;
        }
    }
    int out = 0;
    if (any8 < 0x80) out |= HS_VALUES_ASCII;
    if (n > 0 && !bad8) out |= HS_VALUES_PRINTABLE;
    return out & want;
}

HS_KERNEL int64_t hs_plain_ranges(const uint8_t *d, int64_t len, int64_t start, int64_t count, int64_t base,
                        int64_t *starts, int64_t *ends, int *classes, int64_t *at) {
    int64_t p = start;
    int want = *classes;
    for (int64_t i = 0; i < count; i++) {
        if (len - p < 4) { *at = p; *classes = want; return i; }
        uint32_t n;
        memcpy(&n, d + p, 4);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
        n = __builtin_bswap32(n);   /* the file's order is little-endian */
#endif
        if ((int64_t)n > len - p - 4) { *at = p; *classes = want; return i; }
        p += 4;
        starts[i] = base + p;
        ends[i] = base + p + (int64_t)n;
        if (want) want = value_classes(d + p, (int64_t)n, want);
        p += (int64_t)n;
    }
    *classes = want;
    return count;
}

/* The 8 bytes that 16 lower-case hex digits at p spell, or false. */
static inline bool hex16(const uint8_t *p, uint8_t *out) {
#if defined(__SSE2__)
    __m128i v = _mm_loadu_si128((const __m128i *)p);
    /* digits: v + 0x50 is -128...-119 signed; letters a-f: v + 0x1F is -128...-123 */
    __m128i digit = _mm_cmpgt_epi8(_mm_set1_epi8(-118), _mm_add_epi8(v, _mm_set1_epi8(0x50)));
    __m128i letter = _mm_cmpgt_epi8(_mm_set1_epi8(-122), _mm_add_epi8(v, _mm_set1_epi8(0x1F)));
    if (_mm_movemask_epi8(_mm_or_si128(digit, letter)) != 0xFFFF) return false;
    __m128i nib = _mm_add_epi8(_mm_and_si128(v, _mm_set1_epi8(0x0F)), _mm_and_si128(letter, _mm_set1_epi8(9)));
    /* 16-bit lane k: low byte the high nibble (digit 2k), high byte the low nibble (2k+1) */
    __m128i pairs = _mm_or_si128(_mm_slli_epi16(nib, 4), _mm_srli_epi16(nib, 8));
    pairs = _mm_and_si128(pairs, _mm_set1_epi16(0x00FF));
    _mm_storel_epi64((__m128i *)out, _mm_packus_epi16(pairs, pairs));
    return true;
#else
    for (int k = 0; k < 8; k++) {
        uint8_t h = p[2 * k], l = p[2 * k + 1];
        uint8_t hv = (uint8_t)(h - '0') <= 9 ? (uint8_t)(h - '0') : ((uint8_t)(h - 'a') <= 5 ? (uint8_t)(h - 'a' + 10) : 0xFF);
        uint8_t lv = (uint8_t)(l - '0') <= 9 ? (uint8_t)(l - '0') : ((uint8_t)(l - 'a') <= 5 ? (uint8_t)(l - 'a' + 10) : 0xFF);
        if ((hv | lv) > 15) return false;
        out[k] = (uint8_t)(hv << 4 | lv);
    }
    return true;
#endif
}

/* One digit's value, above 15 for a byte that is not a lower-case hex digit. */
static inline uint8_t hex_digit(uint8_t c) {
    return (uint8_t)(c - '0') <= 9 ? (uint8_t)(c - '0') : ((uint8_t)(c - 'a') <= 5 ? (uint8_t)(c - 'a' + 10) : 0xFF);
}

void hs_decode_hex_rows(const uint8_t *bytes, const int64_t *starts, const int64_t *ends, const bool *present,
                        int64_t first, int64_t n, int64_t size, uint8_t *keep, uint8_t *out) {
    for (int64_t i = 0; i < n; i++) {
        if (!keep[i]) continue;
        int64_t r = first + i;
        if (!present[r] || ends[r] - starts[r] != 2 * size) { keep[i] = 0; continue; }
        const uint8_t *p = bytes + starts[r];
        uint8_t *o = out + i * size;
        bool ok = true;
        int64_t k = 0;
        for (; ok && k + 8 <= size; k += 8) ok = hex16(p + 2 * k, o + k);
        for (; ok && k < size; k++) {
            uint8_t h = hex_digit(p[2 * k]), l = hex_digit(p[2 * k + 1]);
            if ((h | l) > 15) ok = false; else o[k] = (uint8_t)(h << 4 | l);
        }
        keep[i] = ok;
    }
}
