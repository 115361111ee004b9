/* CImageShim: every call into libjpeg-turbo, libpng, libwebp(+demux) and giflib lives here,
 * so that the libraries' setjmp/longjmp error handling never crosses a Swift frame.
 *
 * Each decoder turns a whole in-memory file into 8-bit RGB (3 bytes per pixel, rows top to
 * bottom, no padding) written into a caller-owned, growable hs_buffer, so one worker can reuse
 * the same memory for every image. Colour rules (matching Pillow's first frame
 * `.convert('RGB')`, with 16-bit samples reduced by `>> 8`) are documented in docs/decoding.md.
 *
 * Every function returns HS_OK or one of the HS_ERR_* codes, with a message in hs_image. */
#ifndef CIMAGESHIM_H
#define CIMAGESHIM_H
#include <stddef.h>
#include <stdint.h>

/* Memory the caller owns and reuses between decodes; grown with realloc, freed by hs_buffer_free. */
typedef struct hs_buffer {
    uint8_t *data;
    size_t capacity;
} hs_buffer;

typedef struct hs_image {
    int width;            /* decoded width (after any DCT scaling) */
    int height;           /* decoded height */
    int source_width;     /* stored width (GIF: screen grown by frame 1; WebP: canvas) */
    int source_height;
    int components;       /* samples per pixel as stored (1 grey or palette, 2 grey+alpha, 3, 4) */
    int bits_per_sample;  /* 1, 2, 4, 8 or 16 */
    int scale_denom;      /* JPEG DCT scaling actually used (1 for other formats) */
    int frame_count;      /* frames seen (WebP: from the header; GIF: 1 = only the first was read) */
    int warnings;         /* recoverable problems seen (libjpeg/libpng warnings) */
    int corrupt_warnings; /* of which: corrupt entropy-coded data (JPEG) */
    char message[256];    /* why it failed, or the first warning */
} hs_image;

enum {
    HS_OK = 0,
    HS_ERR_DECODE = 1,       /* corrupt or invalid data */
    HS_ERR_TOO_LARGE = 2,    /* over max_pixels, refused from the header */
    HS_ERR_NOMEM = 3,
    HS_ERR_TRUNCATED = 4,    /* the data ends before the image does */
    HS_ERR_UNSUPPORTED = 5,  /* valid file, but a variant these decoders do not handle */
};

/* Grows b to hold at least n bytes (contents not kept). Returns 0 on success. */
int hs_buffer_reserve(hs_buffer *b, size_t n);
void hs_buffer_free(hs_buffer *b);

/* Header only (GIF: the records up to the first image descriptor, no pixel data): fills
 * source_width/source_height/components/bits_per_sample (width/height too). */
int hs_jpeg_info(const uint8_t *data, size_t size, hs_image *img);
int hs_png_info(const uint8_t *data, size_t size, hs_image *img);
int hs_webp_info(const uint8_t *data, size_t size, hs_image *img);
int hs_gif_info(const uint8_t *data, size_t size, hs_image *img);

/* JPEG: scale_denom in {1,2,4,8} is the DCT-domain reduction; if min_side > 0 it is replaced by
 * the largest of {8,4,2,1} that keeps both output sides >= min_side. max_pixels bounds the
 * stored width*height (0 = no bound). CMYK/YCCK is converted as Pillow does (Adobe-inverted). */
int hs_jpeg_decode(const uint8_t *data, size_t size, int scale_denom, int min_side,
                   uint64_t max_pixels, hs_buffer *out, hs_buffer *scratch, hs_image *img);
/* PNG through the classic libpng API: palette -> its colours, grey -> R=G=B, alpha and tRNS
 * dropped (not composited), 16-bit -> high byte (png_set_strip_16, i.e. >> 8). */
int hs_png_decode(const uint8_t *data, size_t size, uint64_t max_pixels,
                  hs_buffer *out, hs_buffer *scratch, hs_image *img);
/* WebP: still images whole; animated ones -> first frame placed on the zeroed canvas. */
int hs_webp_decode(const uint8_t *data, size_t size, uint64_t max_pixels, hs_buffer *out, hs_image *img);
/* GIF: first frame on the logical screen (grown to hold the frame), as Pillow composes it. */
int hs_gif_decode(const uint8_t *data, size_t size, uint64_t max_pixels,
                  hs_buffer *out, hs_buffer *scratch, hs_image *img);

#endif
