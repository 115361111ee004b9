// Multi-buffer MD5 (CMD5x.h): the scalar kernel, the lane-group kernels of md5x_body.h (4
// lanes, and on x86-64 8 lanes built for AVX2) and the run-time choice.
#include "CMD5x.h"
#include <string.h>

/* K[i] = floor(2^32 * |sin(i + 1)|), RFC 1321 section 3.4. */
static const uint32_t hs_md5x_k[64] = {
    0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
    0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
    0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
    0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
    0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
    0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
    0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
    0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391,
};

static inline uint32_t hs_md5x_le32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline void hs_md5x_put_le32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24);
}

/* Blocks of a padded message of `len` bytes: the bytes, 0x80 and the 8-byte length. */
static inline size_t hs_md5x_blocks(size_t len) { return (len + 8) / 64 + 1; }

/* Block `blk` (not whole in the message) of the padded message of `len` bytes at `msg`, of
 * `blocks` blocks, into `out`. */
static void hs_md5x_tail(uint8_t out[64], const uint8_t *msg, size_t len, size_t blk, size_t blocks) {
    size_t start = blk * 64, have = len > start ? len - start : 0;
    if (have > 0) memcpy(out, msg + start, have);
    memset(out + have, 0, 64 - have);
    if (len >= start) out[have] = 0x80; /* the marker falls in this block (have < 64 here) */
    if (blk + 1 == blocks) {
        uint64_t bits = (uint64_t)len << 3;
        for (int i = 0; i < 8; i++) out[56 + i] = (uint8_t)(bits >> (8 * i));
    }
}

/* Messages a lane kernel orders at once (`hs_md5x_order`): a run of the columnar scan. */
#define HS_MD5X_CHUNK 256
/* Block counts told apart by the order; longer messages share the last key. */
#define HS_MD5X_KEYS 16

/* The positions 0..<count (count <= HS_MD5X_CHUNK) into `order`, by block count of
 * `lengths[i]` (stable: a counting sort). */
static void hs_md5x_order(const size_t *lengths, size_t count, uint16_t *order) {
    size_t start[HS_MD5X_KEYS + 1] = {0};
    for (size_t i = 0; i < count; i++) {
        size_t k = hs_md5x_blocks(lengths[i]);
        start[(k < HS_MD5X_KEYS ? k : HS_MD5X_KEYS - 1) + 1]++;
    }
    for (int k = 0; k < HS_MD5X_KEYS; k++) start[k + 1] += start[k];
    for (size_t i = 0; i < count; i++) {
        size_t k = hs_md5x_blocks(lengths[i]);
        order[start[k < HS_MD5X_KEYS ? k : HS_MD5X_KEYS - 1]++] = (uint16_t)i;
    }
}

/* MARK: - Scalar: one message at a time */

static inline uint32_t hs_rotl32(uint32_t x, int s) { return (x << s) | (x >> (32 - s)); }

static void hs_md5x_scalar(const uint8_t *const *messages, const size_t *lengths, size_t count, uint8_t *out) {
    static const uint8_t shifts[64] = {
        7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
        5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20,
        4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
        6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
    };
    for (size_t i = 0; i < count; i++) {
        const uint8_t *msg = messages[i];
        size_t len = lengths[i], blocks = hs_md5x_blocks(len);
        uint32_t h[4] = {0x67452301u, 0xefcdab89u, 0x98badcfeu, 0x10325476u};
        uint8_t tail[64];
        for (size_t blk = 0; blk < blocks; blk++) {
            const uint8_t *p = msg + blk * 64;
            if ((blk + 1) * 64 > len) { hs_md5x_tail(tail, msg, len, blk, blocks); p = tail; }
            uint32_t m[16];
            for (int j = 0; j < 16; j++) m[j] = hs_md5x_le32(p + 4 * j);
            uint32_t a = h[0], b = h[1], c = h[2], d = h[3];
            for (int s = 0; s < 64; s++) {
                uint32_t f; int g;
                if (s < 16) { f = d ^ (b & (c ^ d)); g = s; }
                else if (s < 32) { f = c ^ (d & (b ^ c)); g = (5 * s + 1) & 15; }
                else if (s < 48) { f = b ^ c ^ d; g = (3 * s + 5) & 15; }
                else { f = c ^ (b | ~d); g = (7 * s) & 15; }
                uint32_t t = d;
                d = c; c = b;
                b = b + hs_rotl32(a + f + m[g] + hs_md5x_k[s], shifts[s]);
                a = t;
            }
            h[0] += a; h[1] += b; h[2] += c; h[3] += d;
        }
        for (int j = 0; j < 4; j++) hs_md5x_put_le32(out + 16 * i + 4 * j, h[j]);
    }
}

/* MARK: - Lane groups */

typedef uint32_t hs_md5x_v4 __attribute__((ext_vector_type(4)));

#define HS_W 4
#define HS_VT hs_md5x_v4
#define HS_NAME hs_md5x_lanes4
#define HS_ATTR
#include "md5x_body.h"
#undef HS_W
#undef HS_VT
#undef HS_NAME
#undef HS_ATTR

#if defined(__x86_64__)
typedef uint32_t hs_md5x_v8 __attribute__((ext_vector_type(8)));

#define HS_W 8
#define HS_VT hs_md5x_v8
#define HS_NAME hs_md5x_avx2
#define HS_ATTR __attribute__((target("avx2")))
#include "md5x_body.h"
#undef HS_W
#undef HS_VT
#undef HS_NAME
#undef HS_ATTR

static int hs_md5x_has_avx2 = 0;

__attribute__((constructor)) static void hs_md5x_detect(void) {
    __builtin_cpu_init();
    hs_md5x_has_avx2 = __builtin_cpu_supports("avx2");
}
#endif

/* MARK: - Entry points */

int hs_md5x_best(void) {
#if defined(__x86_64__)
    if (hs_md5x_has_avx2) return HS_MD5X_AVX2;
#endif
    return HS_MD5X_LANES4;
}

int hs_md5x_with(int kernel, const uint8_t *const *messages, const size_t *lengths, size_t count, uint8_t *out) {
    if (kernel == HS_MD5X_BEST) kernel = hs_md5x_best();
    switch (kernel) {
    case HS_MD5X_SCALAR: hs_md5x_scalar(messages, lengths, count, out); return 1;
    case HS_MD5X_LANES4: hs_md5x_lanes4(messages, lengths, count, out); return 1;
#if defined(__x86_64__)
    case HS_MD5X_AVX2:
        if (!hs_md5x_has_avx2) return 0;
        hs_md5x_avx2(messages, lengths, count, out);
        return 1;
#endif
    default: return 0;
    }
}

void hs_md5x(const uint8_t *const *messages, const size_t *lengths, size_t count, uint8_t *out) {
    (void)hs_md5x_with(HS_MD5X_BEST, messages, lengths, count, out);
}
