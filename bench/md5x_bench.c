// Micro-benchmark of the multi-buffer MD5 kernels (Sources/C/CMD5x) against OpenSSL's EVP MD5
// one message at a time (a reused context, as `Digester.digestOne`): MB/s and ns per message
// on messages of one length (default 115 bytes, a laion2B-en URL's mean). Not a test.
//
//   clang -O2 -march=nehalem -ISources/C/CMD5x/include Sources/C/CMD5x/md5x.c bench/md5x_bench.c \
//      -lcrypto -o /tmp/md5x_bench && /tmp/md5x_bench [LENGTH [MESSAGES [ROUNDS]]]
#include "CMD5x.h"
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int main(int argc, char **argv) {
    size_t len = argc > 1 ? (size_t)atol(argv[1]) : 115, count = argc > 2 ? (size_t)atol(argv[2]) : 256;
    int rounds = argc > 3 ? atoi(argv[3]) : 4000;
    uint8_t *data = malloc(len * count + 1), *out = malloc(16 * count), *check = malloc(16 * count);
    const uint8_t **msgs = malloc(sizeof *msgs * count);
    size_t *lens = malloc(sizeof *lens * count);
    srand(1);
    for (size_t i = 0; i < len * count; i++) data[i] = (uint8_t)(0x21 + rand() % 94);
    for (size_t i = 0; i < count; i++) { msgs[i] = data + i * len; lens[i] = len; }
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    const EVP_MD *md = EVP_md5();
    static const char *names[] = {"OpenSSL EVP, one at a time", "scalar", "4 lanes", "8 lanes (AVX2)"};
    printf("%zu messages of %zu bytes, %d rounds; best kernel here: %s\n", count, len, rounds, names[hs_md5x_best()]);
    for (int k = 0; k <= HS_MD5X_AVX2; k++) {
        if (k > 0 && !hs_md5x_with(k, msgs, lens, count, out)) { printf("%-28s not on this CPU\n", names[k]); continue; }
        double t0 = now();
        for (int r = 0; r < rounds; r++) {
            if (k == 0) {
                for (size_t i = 0; i < count; i++) {
                    unsigned n;
                    EVP_DigestInit_ex(ctx, md, NULL);
                    EVP_DigestUpdate(ctx, msgs[i], lens[i]);
                    EVP_DigestFinal_ex(ctx, out + 16 * i, &n);
                }
            } else {
                hs_md5x_with(k, msgs, lens, count, out);
            }
        }
        double s = now() - t0, n = (double)rounds * (double)count;
        if (k == 0) memcpy(check, out, 16 * count);
        int same = memcmp(check, out, 16 * count) == 0;
        printf("%-28s %8.0f MB/s %8.1f ns/message%s\n", names[k], n * (double)len / s / 1e6, s / n * 1e9, same ? "" : "  DIGESTS DIFFER");
    }
    EVP_MD_CTX_free(ctx);
    return 0;
}
