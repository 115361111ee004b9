// One lane-group MD5 kernel, included by md5x.c once per vector width: HS_W lanes of type
// HS_VT (a clang vector of HS_W uint32), function name HS_NAME, attributes HS_ATTR.
// A group of up to HS_W messages runs block by block; block b of lane l is its message's bytes
// when whole, else built in `tail` (the last bytes, 0x80, zeros, the bit length). Groups are
// taken in the order of `hs_md5x_order`; each digest goes to its message's place.

HS_ATTR static void HS_NAME(const uint8_t *const *messages, const size_t *lengths, size_t count, uint8_t *out) {
    static const uint8_t zero_block[64];
    // Messages in chunks, each chunk's ordered by block count (a counting sort of positions) so
    // that a lane group's messages end together: in LAION's URL order a group of 8 ran 43% masked.
    uint16_t order[HS_MD5X_CHUNK];
    for (size_t c0 = 0; c0 < count; c0 += HS_MD5X_CHUNK) {
        size_t chunk = count - c0 < HS_MD5X_CHUNK ? count - c0 : HS_MD5X_CHUNK;
        hs_md5x_order(lengths + c0, chunk, order);
        for (size_t g = 0; g < chunk; g += HS_W) {
            size_t n = chunk - g < HS_W ? chunk - g : HS_W;
            const uint8_t *msg[HS_W];
            size_t len[HS_W], blocks[HS_W], at[HS_W], most = 0;
            for (size_t l = 0; l < HS_W; l++) {
                at[l] = l < n ? c0 + order[g + l] : 0;
                msg[l] = l < n ? messages[at[l]] : zero_block;
                len[l] = l < n ? lengths[at[l]] : 0;
                // Lanes past the batch's end run no block (masked from the start).
                blocks[l] = l < n ? hs_md5x_blocks(len[l]) : 0;
                most = blocks[l] > most ? blocks[l] : most;
            }
            HS_VT a = (HS_VT)0x67452301u, b = (HS_VT)0xefcdab89u, c = (HS_VT)0x98badcfeu, d = (HS_VT)0x10325476u;
            uint8_t tail[HS_W][64];
            uint32_t words[16][HS_W] __attribute__((aligned(32)));
            for (size_t blk = 0; blk < most; blk++) {
                HS_VT active;
                for (size_t l = 0; l < HS_W; l++) {
                    const uint8_t *p;
                    if (blk >= blocks[l]) p = zero_block;
                    else if ((blk + 1) * 64 <= len[l]) p = msg[l] + blk * 64;
                    else { hs_md5x_tail(tail[l], msg[l], len[l], blk, blocks[l]); p = tail[l]; }
                    for (int j = 0; j < 16; j++) words[j][l] = hs_md5x_le32(p + 4 * j);
                    active[l] = blk < blocks[l] ? 0xffffffffu : 0;
                }
                HS_VT m[16];
                for (int j = 0; j < 16; j++) memcpy(&m[j], words[j], sizeof(HS_VT));
                HS_VT A = a, B = b, C = c, D = d;
#define HS_ROTL(x, s) (((x) << (s)) | ((x) >> (32 - (s))))
#define HS_STEP(f, w, x, y, z, k, g, s) w = x + HS_ROTL(w + (f) + m[g] + (HS_VT)(uint32_t)(k), s)
#define HS_F(x, y, z) ((z) ^ ((x) & ((y) ^ (z))))
#define HS_G(x, y, z) ((y) ^ ((z) & ((x) ^ (y))))
#define HS_H(x, y, z) ((x) ^ (y) ^ (z))
#define HS_I(x, y, z) ((y) ^ ((x) | ~(z)))
                for (int i = 0; i < 16; i += 4) {
                    HS_STEP(HS_F(B, C, D), A, B, C, D, hs_md5x_k[i + 0], i + 0, 7);
                    HS_STEP(HS_F(A, B, C), D, A, B, C, hs_md5x_k[i + 1], i + 1, 12);
                    HS_STEP(HS_F(D, A, B), C, D, A, B, hs_md5x_k[i + 2], i + 2, 17);
                    HS_STEP(HS_F(C, D, A), B, C, D, A, hs_md5x_k[i + 3], i + 3, 22);
                }
                for (int i = 16; i < 32; i += 4) {
                    HS_STEP(HS_G(B, C, D), A, B, C, D, hs_md5x_k[i + 0], (5 * (i + 0) + 1) & 15, 5);
                    HS_STEP(HS_G(A, B, C), D, A, B, C, hs_md5x_k[i + 1], (5 * (i + 1) + 1) & 15, 9);
                    HS_STEP(HS_G(D, A, B), C, D, A, B, hs_md5x_k[i + 2], (5 * (i + 2) + 1) & 15, 14);
                    HS_STEP(HS_G(C, D, A), B, C, D, A, hs_md5x_k[i + 3], (5 * (i + 3) + 1) & 15, 20);
                }
                for (int i = 32; i < 48; i += 4) {
                    HS_STEP(HS_H(B, C, D), A, B, C, D, hs_md5x_k[i + 0], (3 * (i + 0) + 5) & 15, 4);
                    HS_STEP(HS_H(A, B, C), D, A, B, C, hs_md5x_k[i + 1], (3 * (i + 1) + 5) & 15, 11);
                    HS_STEP(HS_H(D, A, B), C, D, A, B, hs_md5x_k[i + 2], (3 * (i + 2) + 5) & 15, 16);
                    HS_STEP(HS_H(C, D, A), B, C, D, A, hs_md5x_k[i + 3], (3 * (i + 3) + 5) & 15, 23);
                }
                for (int i = 48; i < 64; i += 4) {
                    HS_STEP(HS_I(B, C, D), A, B, C, D, hs_md5x_k[i + 0], (7 * (i + 0)) & 15, 6);
                    HS_STEP(HS_I(A, B, C), D, A, B, C, hs_md5x_k[i + 1], (7 * (i + 1)) & 15, 10);
                    HS_STEP(HS_I(D, A, B), C, D, A, B, hs_md5x_k[i + 2], (7 * (i + 2)) & 15, 15);
                    HS_STEP(HS_I(C, D, A), B, C, D, A, hs_md5x_k[i + 3], (7 * (i + 3)) & 15, 21);
                }
#undef HS_ROTL
#undef HS_STEP
#undef HS_F
#undef HS_G
#undef HS_H
#undef HS_I
                // A lane whose message has ended keeps its state.
                a += A & active; b += B & active; c += C & active; d += D & active;
            }
            for (size_t l = 0; l < n; l++) {
                uint8_t *o = out + 16 * at[l];
                hs_md5x_put_le32(o, a[l]); hs_md5x_put_le32(o + 4, b[l]);
                hs_md5x_put_le32(o + 8, c[l]); hs_md5x_put_le32(o + 12, d[l]);
            }
        }
    }
}
