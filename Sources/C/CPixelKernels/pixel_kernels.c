// The loops declared in CPixelKernels.h (see there for why C and how exactness is kept).
#include "CPixelKernels.h"

#pragma STDC FP_CONTRACT OFF

// One definition, two machine-code versions on x86-64 glibc: AVX2 (8 floats or ints per
// instruction) and the build's baseline (SSE4.2 for the Makefile's release build), picked
// once by the loader. No FMA in either.
#if defined(__x86_64__) && defined(__GLIBC__)
#define HS_KERNEL __attribute__((target_clones("avx2", "default")))
#else
#define HS_KERNEL
#endif

// MARK: PDQ

HS_KERNEL void hs_pdq_luma_row(const uint8_t *restrict rgb, long cols, float cr, float cg, float cb,
                               float *restrict out) {
    for (long j = 0; j < cols; j++) {
        const uint8_t *q = rgb + 3 * j;
        out[j] = cr * (float)q[0] + cg * (float)q[1] + cb * (float)q[2];
    }
}

HS_KERNEL void hs_pdq_luma_grey_row(const uint8_t *restrict rgb, long cols, float cr, float cg, float cb,
                                    float *restrict out, uint8_t *restrict grey) {
    for (long j = 0; j < cols; j++) {
        const uint8_t *q = rgb + 3 * j;
        uint32_t r = q[0], g = q[1], b = q[2];
        out[j] = cr * (float)r + cg * (float)g + cb * (float)b;
        grey[j] = (uint8_t)((r * 19595u + g * 38470u + b * 7471u + 0x8000u) >> 16);
    }
}

HS_KERNEL void hs_box_add(float *restrict sums, const float *restrict x, long n) {
    for (long j = 0; j < n; j++) sums[j] += x[j];
}

HS_KERNEL void hs_box_add_divide(float *restrict sums, const float *restrict x, float count,
                                 float *restrict out, long n) {
    for (long j = 0; j < n; j++) {
        float s = sums[j] + x[j];
        sums[j] = s;
        out[j] = s / count;
    }
}

HS_KERNEL void hs_box_slide(float *restrict sums, const float *restrict x, const float *restrict leaving,
                            float count, float *restrict out, long n) {
    for (long j = 0; j < n; j++) {
        float s = sums[j] + x[j];
        s = s - leaving[j];
        sums[j] = s;
        out[j] = s / count;
    }
}

HS_KERNEL void hs_box_subtract_divide(float *restrict sums, const float *restrict leaving, float count,
                                      float *restrict out, long n) {
    for (long j = 0; j < n; j++) {
        float s = sums[j] - leaving[j];
        sums[j] = s;
        out[j] = s / count;
    }
}

// 16 lanes as one value, read and written in place (blocks are 16-byte aligned, not 64: the
// unaligned, aliasing twin of the type, as immintrin.h's __m256_u).
typedef float hs_lanes __attribute__((ext_vector_type(HS_BOX_LANES)));
typedef float hs_lanes_u __attribute__((ext_vector_type(HS_BOX_LANES), aligned(4), may_alias));
#define LANES(p) (*(hs_lanes_u *)(p))

// `box1DFloat` along the lanes: running sums, each output divided by its divisor when
// `divide` (else the sums themselves).
static inline __attribute__((always_inline)) void box_lanes(const float *restrict input, float *restrict output,
                                                            long cols, long window, const float *restrict d,
                                                            int divide) {
    const long half = (window + 2) / 2;
    const long phase1 = half - 1, phase2 = window - half + 1, phase3 = cols - window, phase4 = half - 1;
    long li = 0, ri = 0, oi = 0;
    hs_lanes sum = 0;
    for (long i = 0; i < phase1; i++) { sum += LANES(input + HS_BOX_LANES * ri); ri++; }
    for (long i = 0; i < phase2; i++) {
        sum += LANES(input + HS_BOX_LANES * ri);
        LANES(output + HS_BOX_LANES * oi) = divide ? sum / d[oi] : sum;
        ri++; oi++;
    }
    if (phase3 > 0) {
        const float full = d[oi];
        for (long i = 0; i < phase3; i++) {
            sum += LANES(input + HS_BOX_LANES * ri);
            sum -= LANES(input + HS_BOX_LANES * li);
            LANES(output + HS_BOX_LANES * oi) = divide ? sum / full : sum;
            li++; ri++; oi++;
        }
    }
    for (long i = 0; i < phase4; i++) {
        sum -= LANES(input + HS_BOX_LANES * li);
        LANES(output + HS_BOX_LANES * oi) = divide ? sum / d[oi] : sum;
        li++; oi++;
    }
}

HS_KERNEL void hs_box_lanes(const float *restrict input, float *restrict output, long cols, long window,
                            const float *restrict d) {
    box_lanes(input, output, cols, window, d, 1);
}

HS_KERNEL void hs_box_lanes_sampled(const float *restrict input, float *restrict sums, long cols, long window,
                                    const long *restrict samples, long count, const float *restrict d,
                                    float *restrict out) {
    box_lanes(input, sums, cols, window, d, 0);
    for (long k = 0; k < count; k++) {
        const long j = samples[k];
        LANES(out + HS_BOX_LANES * k) = LANES(sums + HS_BOX_LANES * j) / d[j];
    }
}

// MARK: Pillow

HS_KERNEL void hs_grey_row(const uint8_t *restrict rgb, long width, uint8_t *restrict out) {
    for (long x = 0; x < width; x++) {
        uint32_t r = rgb[3 * x], g = rgb[3 * x + 1], b = rgb[3 * x + 2];
        out[x] = (uint8_t)((r * 19595u + g * 38470u + b * 7471u + 0x8000u) >> 16);
    }
}

// 8 taps as one value: pixels widened to 32 bits, weights as read (unaligned, aliasing).
typedef uint32_t hs_taps __attribute__((ext_vector_type(8)));
typedef uint32_t hs_taps_u __attribute__((ext_vector_type(8), aligned(4), may_alias));
typedef uint8_t hs_pixels_u __attribute__((ext_vector_type(8), aligned(1), may_alias));
#define TAPS(s, w) (__builtin_convertvector(*(const hs_pixels_u *)(s), hs_taps) * *(const hs_taps_u *)(w))

HS_KERNEL void hs_resample_row(const uint8_t *restrict line, const int32_t *restrict weights, long stride,
                               const long *restrict start, const long *restrict count8, long out_size,
                               int32_t half, int precision_bits, uint8_t *restrict out) {
    for (long k = 0; k < out_size; k++) {
        const uint8_t *s = line + start[k];
        const int32_t *w = weights + k * stride;
        const long n = count8[k];
        // Two accumulators, 16 taps a step, then the odd 8 (count8 is a multiple of 8).
        hs_taps acc = 0, acc2 = 0;
        long x = 0;
        for (; x + 16 <= n; x += 16) {
            acc += TAPS(s + x, w + x);
            acc2 += TAPS(s + x + 8, w + x + 8);
        }
        if (x < n) acc += TAPS(s + x, w + x);
        acc += acc2;
        const uint32_t sum = (uint32_t)half + acc[0] + acc[1] + acc[2] + acc[3] + acc[4] + acc[5] + acc[6] + acc[7];
        // Resample.c `clip8`: an arithmetic shift of the C int.
        const int32_t v = (int32_t)sum >> precision_bits;
        out[k] = v < 0 ? 0 : (v > 255 ? 255 : (uint8_t)v);
    }
}

HS_KERNEL void hs_resample_accumulate(int32_t *restrict acc, const uint8_t *restrict line, int32_t weight,
                                      long width) {
    uint32_t *a = (uint32_t *)acc;
    for (long x = 0; x < width; x++) a[x] += (uint32_t)line[x] * (uint32_t)weight;
}
