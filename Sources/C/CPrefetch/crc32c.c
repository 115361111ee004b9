// CRC-32C (Castagnoli, polynomial 0x1EDC6F41 reflected = 0x82F63B78; RFC 3720 §B.4), the
// checksum of the mapped index files (docs/index.md, "Index files"): the SSE4.2 `crc32`
// instruction where the CPU has it (one stream, 8 bytes per 3 cycles: ~7 GB/s), else a slicing-by-8 table. Same results either way (the tests compare both with the RFC's
// check value).
#include "CPrefetch.h"
#include <string.h>

static uint32_t hs_crc32c_table[8][256];
static int hs_crc32c_hw = 0;

__attribute__((constructor)) static void hs_crc32c_init(void) {
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0x82F63B78u & (0u - (c & 1)));
        hs_crc32c_table[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; i++)
        for (int t = 1; t < 8; t++)
            hs_crc32c_table[t][i] = (hs_crc32c_table[t - 1][i] >> 8) ^ hs_crc32c_table[0][hs_crc32c_table[t - 1][i] & 0xFF];
#if defined(__x86_64__)
    __builtin_cpu_init();
    hs_crc32c_hw = __builtin_cpu_supports("sse4.2");
#endif
}

uint32_t hs_crc32c_soft(uint32_t crc, const void *data, size_t n) {
    const unsigned char *p = data;
    crc = ~crc;
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        w ^= crc;
        crc = hs_crc32c_table[7][w & 0xFF] ^ hs_crc32c_table[6][(w >> 8) & 0xFF]
            ^ hs_crc32c_table[5][(w >> 16) & 0xFF] ^ hs_crc32c_table[4][(w >> 24) & 0xFF]
            ^ hs_crc32c_table[3][(w >> 32) & 0xFF] ^ hs_crc32c_table[2][(w >> 40) & 0xFF]
            ^ hs_crc32c_table[1][(w >> 48) & 0xFF] ^ hs_crc32c_table[0][w >> 56];
        p += 8; n -= 8;
    }
    while (n--) crc = (crc >> 8) ^ hs_crc32c_table[0][(crc ^ *p++) & 0xFF];
    return ~crc;
}

#if defined(__x86_64__)
#include <immintrin.h>

__attribute__((target("sse4.2"))) static uint32_t hs_crc32c_sse42(uint32_t crc, const void *data, size_t n) {
    const unsigned char *p = data;
    uint64_t c0 = ~crc & 0xFFFFFFFFu;
    while (n >= 8) { uint64_t w; memcpy(&w, p, 8); c0 = _mm_crc32_u64(c0, w); p += 8; n -= 8; }
    while (n--) c0 = _mm_crc32_u8((uint32_t)c0, *p++);
    return ~(uint32_t)c0;
}
#endif

uint32_t hs_crc32c(uint32_t crc, const void *data, size_t n) {
#if defined(__x86_64__)
    if (hs_crc32c_hw) return hs_crc32c_sse42(crc, data, n);
#endif
    return hs_crc32c_soft(crc, data, n);
}
