/* libpng decoding through the classic API (png_create_read_struct + setjmp).
 * Reference: libpng-manual.txt, "IV. Reading", "Transformations".
 *
 * Why not the simplified API (png_image_*): it treats 16-bit data as linear light and
 * gamma-encodes it when producing 8-bit output, and it composites alpha. The reference decode
 * (Pillow's first frame .convert('RGB'), 16-bit >> 8) needs the stored samples as they are:
 *   palette (with or without tRNS) -> the palette's RGB colours;
 *   grey 1/2/4 bit -> scaled to 8 bits (x255, x85, x17), then R=G=B;
 *   16-bit -> high byte (png_set_strip_16 discards the low byte: exactly >> 8);
 *   alpha channel / tRNS -> dropped, colour channels kept as stored (no compositing).
 * gAMA/cHRM/iCCP/sRGB are ignored, as Pillow ignores them. Only the IDAT image is read (for an
 * APNG that is the default image); chunks after it are not parsed. */
#include "CImageShim.h"
#include "internal.h"
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <png.h>

typedef struct {
    const uint8_t *data;
    size_t size;
    size_t pos;
    int truncated;
    int over_limit;
    hs_image *img;
} hs_png_src;

static void hs_png_read(png_structp png, png_bytep dst, png_size_t n) {
    hs_png_src *src = (hs_png_src *)png_get_io_ptr(png);
    if (n > src->size - src->pos) {
        src->truncated = 1;
        png_error(png, "file ends before the image data does (truncated)");
    }
    memcpy(dst, src->data + src->pos, n);
    src->pos += n;
}

/* libpng reports a user limit passed ("Image width exceeds user limit in IHDR") as a warning
 * followed by an error ("Invalid IHDR data"), and an oversized chunk as "chunk data is too
 * large": either makes the failure HS_ERR_LIMIT, with the limit's message. */
static int hs_png_is_limit(png_const_charp msg) {
    return strstr(msg, "user limit") != NULL || strstr(msg, "too large") != NULL;
}

static void hs_png_error(png_structp png, png_const_charp msg) {
    hs_png_src *src = (hs_png_src *)png_get_error_ptr(png);
    if (!src->over_limit && hs_png_is_limit(msg)) {
        src->over_limit = 1;
        snprintf(src->img->message, sizeof src->img->message, "%s (libpng limits: HS_PNG_MAX_SIDE, HS_PNG_MAX_CHUNK_MALLOC)", msg);
    } else if (!src->over_limit && (!src->truncated || src->img->message[0] == 0)) {
        snprintf(src->img->message, sizeof src->img->message, "%s", msg);
    }
    png_longjmp(png, 1);
}

static void hs_png_warning(png_structp png, png_const_charp msg) {
    hs_png_src *src = (hs_png_src *)png_get_error_ptr(png);
    /* only the IHDR one: an ancillary chunk over a limit is skipped, harmlessly */
    if (strstr(msg, "user limit") != NULL && !src->over_limit) {
        src->over_limit = 1;
        snprintf(src->img->message, sizeof src->img->message,
                 "%s (the limit HS_PNG_MAX_SIDE is %d pixels a side)", msg, HS_PNG_MAX_SIDE);
    } else if (src->img->warnings == 0 && !src->over_limit) {
        snprintf(src->img->message, sizeof src->img->message, "%s", msg);
    }
    src->img->warnings++;
}

/* Shared header step: creates the structs and reads up to the first IDAT. The caller has
 * done setjmp(png_jmpbuf(*png)) before calling png_read_info through this. */
static int hs_png_create(hs_png_src *src, png_structp *png, png_infop *info) {
    *png = png_create_read_struct(PNG_LIBPNG_VER_STRING, src, hs_png_error, hs_png_warning);
    if (!*png) return HS_ERR_NOMEM;
    *info = png_create_info_struct(*png);
    if (!*info) { png_destroy_read_struct(png, NULL, NULL); return HS_ERR_NOMEM; }
    png_set_read_fn(*png, src, hs_png_read);
    /* Cost limits (CImageShim.h): sides, ancillary chunks kept, largest chunk allocation. */
    png_set_user_limits(*png, HS_PNG_MAX_SIDE, HS_PNG_MAX_SIDE);
    png_set_chunk_cache_max(*png, HS_PNG_MAX_CHUNK_CACHE);
    png_set_chunk_malloc_max(*png, HS_PNG_MAX_CHUNK_MALLOC);
    return HS_OK;
}

static void hs_png_fill_header(png_structp png, png_infop info, hs_image *img) {
    img->source_width = img->width = (int)png_get_image_width(png, info);
    img->source_height = img->height = (int)png_get_image_height(png, info);
    img->components = png_get_channels(png, info);
    img->bits_per_sample = png_get_bit_depth(png, info);
    img->scale_denom = 1;
    img->frame_count = 1;
}

int hs_png_info(const uint8_t *data, size_t size, hs_image *img) {
    memset(img, 0, sizeof(*img));
    hs_png_src src = {data, size, 0, 0, 0, img};
    png_structp png;
    png_infop info;
    int rc = hs_png_create(&src, &png, &info);
    if (rc != HS_OK) return rc;
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_read_struct(&png, &info, NULL);
        return src.truncated ? HS_ERR_TRUNCATED : src.over_limit ? HS_ERR_LIMIT : HS_ERR_DECODE;
    }
    png_read_info(png, info);
    hs_png_fill_header(png, info, img);
    png_destroy_read_struct(&png, &info, NULL);
    return HS_OK;
}

int hs_png_decode(const uint8_t *data, size_t size, uint64_t max_pixels,
                  hs_buffer *out, hs_buffer *scratch, hs_image *img) {
    memset(img, 0, sizeof(*img));
    hs_png_src src = {data, size, 0, 0, 0, img};
    png_structp png;
    png_infop info;
    int rc = hs_png_create(&src, &png, &info);
    if (rc != HS_OK) return rc;
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_read_struct(&png, &info, NULL);
        return src.truncated ? HS_ERR_TRUNCATED : src.over_limit ? HS_ERR_LIMIT : HS_ERR_DECODE;
    }
    png_read_info(png, info);
    hs_png_fill_header(png, info, img);
    png_uint_32 w = png_get_image_width(png, info), h = png_get_image_height(png, info);
    rc = hs_over_limit(w, h, max_pixels, img);
    if (rc != HS_OK) { png_destroy_read_struct(&png, &info, NULL); return rc; }

    int color_type = png_get_color_type(png, info);
    int depth = png_get_bit_depth(png, info);
    if (color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (color_type == PNG_COLOR_TYPE_GRAY && depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (depth == 16) png_set_strip_16(png);
    /* palette_to_rgb also expands tRNS into an alpha channel; strip it with any real alpha */
    if ((color_type & PNG_COLOR_MASK_ALPHA) || png_get_valid(png, info, PNG_INFO_tRNS))
        png_set_strip_alpha(png);
    if (color_type == PNG_COLOR_TYPE_GRAY || color_type == PNG_COLOR_TYPE_GRAY_ALPHA)
        png_set_gray_to_rgb(png);
    (void)png_set_interlace_handling(png);
    png_read_update_info(png, info);
    if (png_get_channels(png, info) != 3 || png_get_bit_depth(png, info) != 8 ||
        png_get_rowbytes(png, info) != (size_t)w * 3) {
        snprintf(img->message, sizeof img->message,
                 "unexpected libpng output layout (%d channels, %d bits)",
                 png_get_channels(png, info), png_get_bit_depth(png, info));
        png_destroy_read_struct(&png, &info, NULL);
        return HS_ERR_UNSUPPORTED;
    }
    if (hs_buffer_reserve(out, (size_t)w * h * 3) || hs_buffer_reserve(scratch, (size_t)h * sizeof(png_bytep))) {
        png_destroy_read_struct(&png, &info, NULL);
        return HS_ERR_NOMEM;
    }
    png_bytep *rows = (png_bytep *)scratch->data;
    for (size_t y = 0; y < h; y++) rows[y] = out->data + y * (size_t)w * 3;
    png_read_image(png, rows);
    png_destroy_read_struct(&png, &info, NULL);
    return HS_OK;
}
