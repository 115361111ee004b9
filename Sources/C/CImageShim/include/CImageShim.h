/* CImageShim: every call into libjpeg-turbo and libpng lives here, so that libjpeg's error
 * longjmp never crosses a Swift frame. Each function decodes a whole in-memory file to
 * 8-bit RGB (3 bytes per pixel, rows top to bottom, no padding) into a buffer it mallocs;
 * the caller frees it with hs_free. Return 0 on success, nonzero on failure with a message. */
#ifndef CIMAGESHIM_H
#define CIMAGESHIM_H
#include <stddef.h>
#include <stdint.h>

typedef struct hs_image {
    int width;            /* decoded width (after any DCT scaling) */
    int height;           /* decoded height */
    int source_width;     /* width as stored in the file */
    int source_height;
    int components;       /* colour components in the file (1 grey, 3 RGB/YCbCr, 4 CMYK/YCCK) */
    int warnings;         /* recoverable corruption seen (libjpeg warnings, e.g. truncated data) */
    char message[256];    /* why it failed, or the first warning */
} hs_image;

enum { HS_OK = 0, HS_ERR_DECODE = 1, HS_ERR_TOO_LARGE = 2, HS_ERR_NOMEM = 3 };

/* Header only: fills source_width/source_height/components. */
int hs_jpeg_info(const uint8_t *data, size_t size, hs_image *img);
/* scale_denom in {1,2,4,8}: DCT-domain downscaling. max_pixels bounds source w*h (0 = none). */
int hs_jpeg_decode_rgb(const uint8_t *data, size_t size, int scale_denom, uint64_t max_pixels,
                       uint8_t **out, hs_image *img);

int hs_png_info(const uint8_t *data, size_t size, hs_image *img);
int hs_png_decode_rgb(const uint8_t *data, size_t size, uint64_t max_pixels, uint8_t **out, hs_image *img);

void hs_free(void *p);

#endif
