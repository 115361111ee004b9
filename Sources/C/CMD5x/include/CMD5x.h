// Multi-buffer MD5: many independent messages digested at once, one message per SIMD lane.
//
// Reference: RFC 1321, "The MD5 Message-Digest Algorithm" (R. Rivest, 1992): the padding
// (a 0x80 byte, zeros, the bit length as 64-bit little-endian, to a multiple of 64 bytes), the
// four rounds of 16 steps, the constants K[i] = floor(2^32 * |sin(i + 1)|) and the per-step
// rotations; words and the digest are little-endian.
//
// Why: the columnar Parquet scan digests every plain row's URL (~115 bytes, 2 blocks) and one
// MD5 at a time is a chain of 64 dependent steps per block, so a core runs one step per ~4
// cycles whatever its width. N messages in N lanes of a vector register run the same steps
// side by side: 4 lanes with SSE2 (every x86-64), 8 with AVX2 (chosen at run time: the release
// build targets a baseline CPU, docs/decisions.md "Release builds"). Messages of different
// lengths share a lane group: a lane whose message has ended is masked (its state no longer
// changes) until the group's longest message ends; so each run of 256 messages is taken in
// the order of its block counts (a counting sort), and a group's messages mostly end together.
// docs/url-hashing.md has the figures.
#ifndef HASHSCREEN_CMD5X_H
#define HASHSCREEN_CMD5X_H
#include <stddef.h>
#include <stdint.h>

/// The kernels of `hs_md5x_with`; `HS_MD5X_BEST` is `hs_md5x`'s choice for this CPU.
enum {
    HS_MD5X_BEST = 0,
    /// One message at a time, plain C (every architecture).
    HS_MD5X_SCALAR = 1,
    /// 4 lanes of 32 bits (SSE2 on x86-64; the compiler's 128-bit vectors elsewhere).
    HS_MD5X_LANES4 = 2,
    /// 8 lanes, AVX2 (x86-64 CPUs that have it).
    HS_MD5X_AVX2 = 3,
};

/// The MD5 of `count` messages: message `i` is `lengths[i]` bytes at `messages[i]` (any
/// alignment; may be NULL when its length is 0), its 16-byte digest goes to `out + 16 * i`.
/// Nothing is allocated. The best kernel this CPU runs (AVX2, else 4 lanes).
void hs_md5x(const uint8_t *const *messages, const size_t *lengths, size_t count, uint8_t *out);

/// `hs_md5x` by one kernel: 1 when done, 0 (nothing written) when this CPU or build has not
/// got that kernel. For tests and the benchmark; `HS_MD5X_BEST` is `hs_md5x`.
int hs_md5x_with(int kernel, const uint8_t *const *messages, const size_t *lengths, size_t count, uint8_t *out);

/// The kernel `hs_md5x` runs on this CPU (`HS_MD5X_AVX2` or `HS_MD5X_LANES4`).
int hs_md5x_best(void);

#endif
