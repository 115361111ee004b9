/* CByteKernels: the per-value byte loops of the columnar metadata scan (HashscreenParquet's
 * PLAIN BYTE_ARRAY ranges, HashscreenManifest's recorded hex digests).
 *
 * Why C: these loops run once per row of a billion-row manifest, on values of 16 to 200
 * bytes. Swift's vectorised loops pay a prologue, a horizontal reduction and a scalar tail per
 * value; here each value is read in 16-byte blocks (SSE2, every x86-64; the last block
 * overlaps the one before) and a page's values are walked in one call, while the page's bytes
 * are still in cache. Other CPUs run the same checks a byte at a time: the results are
 * identical (tests compare them with the Swift reference on random bytes). */
#ifndef CBYTEKERNELS_H
#define CBYTEKERNELS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Byte classes of values (`hs_plain_ranges`'s `classes`, bits): */
/* every value is ASCII (all bytes below 0x80): valid UTF-8. */
#define HS_VALUES_ASCII 1
/* every value is non-empty printable ASCII without white space (bytes 0x21...0x7E). */
#define HS_VALUES_PRINTABLE 2

/* Walks `count` PLAIN BYTE_ARRAY values (a 4-byte little-endian length, then the bytes) in
 * d[start..<len]: value i's bytes are d[starts[i] - base ..< ends[i] - base]. Returns the
 * number of values walked: `count`, or the index of the first value whose length or bytes run
 * past `len` (its length's offset is then in *at). Bits of *classes are cleared for values
 * not of the class; a class already clear is not looked for. */
int64_t hs_plain_ranges(const uint8_t *d, int64_t len, int64_t start, int64_t count, int64_t base,
                        int64_t *starts, int64_t *ends, int *classes, int64_t *at);

/* Decodes rows first..<first+n of a column of lower-case hex digests: row r is kept
 * (keep[r - first] stays 1) when keep[r - first] is 1, present[r] holds, its value
 * bytes[starts[r]..<ends[r]] is 2 * size lower-case hex digits, and then its `size` bytes are
 * written to out + (r - first) * size; other rows get keep 0 (what `out` holds for them is
 * unspecified). */
void hs_decode_hex_rows(const uint8_t *bytes, const int64_t *starts, const int64_t *ends, const bool *present,
                        int64_t first, int64_t n, int64_t size, uint8_t *keep, uint8_t *out);

#endif
