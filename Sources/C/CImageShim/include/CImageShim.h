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
    HS_ERR_LIMIT = 6,        /* over a decoding-cost limit below (scans, chunks, records) */
};

/* Decoding-cost limits (docs/decoding.md, "Cost bound"): each caps work that a small file
 * could otherwise multiply without bound. */
/* Scans of a progressive JPEG. libjpeg's own progressive scripts write 10 (colour) or 6
 * (grey); a valid file can hold 2,660, each a pass over every block. With 100, the costliest
 * accepted JPEG measured 1.7-3.5x a baseline JPEG of its size (docs/decoding.md). */
#define HS_JPEG_MAX_SCANS 100
/* PNG: libpng's user limits. Width and height: libpng's defaults (PNG_USER_WIDTH_MAX); the
 * pixel count is bounded by max_pixels besides. Ancillary chunks kept in memory before the
 * image, and the largest chunk libpng will allocate (a zTXt/iCCP inflated included). */
#define HS_PNG_MAX_SIDE 1000000
#define HS_PNG_MAX_CHUNK_CACHE 1000
#define HS_PNG_MAX_CHUNK_MALLOC (8u << 20)
/* GIF: extension records (comments, application blocks, ...) before the first image. */
#define HS_GIF_MAX_EXTENSIONS 4096
/* WebP animations: the demuxer indexes every frame it is given, so it is given a prefix of
 * the file, doubled from this size until it holds frame 1 whole: later frames cost nothing. */
#define HS_WEBP_DEMUX_FIRST_BYTES (64u << 10)

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
 * stored width*height (0 = no bound); max_scans the scans read (HS_JPEG_MAX_SCANS; 0 = no
 * bound): past it, HS_ERR_LIMIT. Decoding stops at a truncation (HS_ERR_TRUNCATED) and, unless
 * accept_corrupt, at corrupt entropy-coded data (HS_ERR_DECODE, corrupt_warnings > 0).
 * CMYK/YCCK is converted as Pillow does (Adobe-inverted). */
int hs_jpeg_decode(const uint8_t *data, size_t size, int scale_denom, int min_side,
                   uint64_t max_pixels, int max_scans, int accept_corrupt,
                   hs_buffer *out, hs_buffer *scratch, hs_image *img);
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
