/* CPixelKernels: the per-pixel loops of the perceptual hashes (HashscreenPerceptual), built
 * once per instruction set and chosen when the program loads.
 *
 * Why C: the shipped build targets a baseline CPU (docs/decisions.md, "Release builds"), and
 * Swift cannot compile one function for several instruction sets. On x86-64 with glibc each
 * kernel is compiled twice (`target_clones`): for AVX2 and for the build's baseline, and the
 * dynamic loader picks one by CPUID (an ifunc). Elsewhere (aarch64, musl) it is compiled once.
 *
 * Exactness: every kernel does the Swift code's float32 or integer operations in the same
 * order; the file turns off contraction into fused multiply-add (`FP_CONTRACT OFF`) and no
 * clone enables FMA, so each value is rounded as the reference rounds it on every CPU. Integer
 * sums are computed in uint32_t (the wrapping 32-bit arithmetic of Pillow's C `int` sums, exact
 * in any order). */
#ifndef CPIXELKERNELS_H
#define CPIXELKERNELS_H
#include <stdint.h>

/* MARK: PDQ (pdq/cpp downscaling.cpp, pdqhashing.cpp) */

/* Luma of one RGB row: out[j] = (cr * R + cg * G) + cb * B in float32. */
void hs_pdq_luma_row(const uint8_t *rgb, long cols, float cr, float cg, float cb, float *out);

/* `hs_pdq_luma_row`, and the same pixels' Pillow grey (Convert.c `rgb2l`) into `grey`. */
void hs_pdq_luma_grey_row(const uint8_t *rgb, long cols, float cr, float cg, float cb, float *out, uint8_t *grey);

/* Column box filter steps over `n` columns (`box1DFloat` down the columns, all side by side):
 * sums += x. */
void hs_box_add(float *sums, const float *x, long n);
/* sums += x; out = sums / count. */
void hs_box_add_divide(float *sums, const float *x, float count, float *out, long n);
/* sums = (sums + x) - leaving; out = sums / count. */
void hs_box_slide(float *sums, const float *x, const float *leaving, float count, float *out, long n);
/* sums -= leaving; out = sums / count. */
void hs_box_subtract_divide(float *sums, const float *leaving, float count, float *out, long n);

/* Lanes per block of the row filters: element j of a block holds column j of 16 rows. */
#define HS_BOX_LANES 16

/* `box1DFloat` with stride 1 along 16 rows at once (one per lane) over blocks of
 * HS_BOX_LANES floats: `sum += in[r]`, `sum -= in[l]`, `out = sum / divisors[i]`. */
void hs_box_lanes(const float *input, float *output, long cols, long window, const float *divisors);

/* `hs_box_lanes` when only the outputs at `samples[0..<count]` are read: every running sum
 * goes to `sums`, and only the sampled ones are divided, into out[0..<count]. */
void hs_box_lanes_sampled(const float *input, float *sums, long cols, long window, const long *samples,
                          long count, const float *divisors, float *out);

/* MARK: Pillow (Convert.c, Resample.c) */

/* Convert.c `rgb2l` along one row. */
void hs_grey_row(const uint8_t *rgb, long width, uint8_t *out);

/* Resample.c `ImagingResampleHorizontal_8bpc` for one row: output k is
 * clip8(half + sum of line[start[k] + x] * weights[k * stride + x], x < count8[k]); the row is
 * followed by readable padding up to the last tap. */
void hs_resample_row(const uint8_t *line, const int32_t *weights, long stride, const long *start,
                     const long *count8, long out_size, int32_t half, int precision_bits, uint8_t *out);

/* acc[x] += line[x] * weight for x < width (one input row's share of a vertical pass). */
void hs_resample_accumulate(int32_t *acc, const uint8_t *line, int32_t weight, long width);

#endif
