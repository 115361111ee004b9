/* libpng decoding through the simplified API (png_image_*), which reports errors by return
 * value: no longjmp reaches our code. Reference: libpng-manual.txt, "simplified API".
 * Colour handling: grey and palette are expanded to RGB; alpha is dropped (composited onto
 * nothing: the colour channels are taken as stored); 16-bit samples are scaled to 8 bits. */
#include "CImageShim.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <png.h>

int hs_png_info(const uint8_t *data, size_t size, hs_image *img) {
    png_image image;
    memset(img, 0, sizeof(*img));
    memset(&image, 0, sizeof image);
    image.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_memory(&image, data, size)) {
        snprintf(img->message, sizeof img->message, "%s", image.message);
        return HS_ERR_DECODE;
    }
    img->source_width = (int)image.width;
    img->source_height = (int)image.height;
    img->components = PNG_IMAGE_SAMPLE_CHANNELS(image.format);
    png_image_free(&image);
    return HS_OK;
}

int hs_png_decode_rgb(const uint8_t *data, size_t size, uint64_t max_pixels, uint8_t **out, hs_image *img) {
    png_image image;
    memset(img, 0, sizeof(*img));
    memset(&image, 0, sizeof image);
    *out = NULL;
    image.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_memory(&image, data, size)) {
        snprintf(img->message, sizeof img->message, "%s", image.message);
        return HS_ERR_DECODE;
    }
    img->source_width = img->width = (int)image.width;
    img->source_height = img->height = (int)image.height;
    img->components = PNG_IMAGE_SAMPLE_CHANNELS(image.format);
    if (max_pixels && (uint64_t)image.width * image.height > max_pixels) {
        snprintf(img->message, sizeof img->message, "image is %ux%u, over the pixel limit of %llu",
                 image.width, image.height, (unsigned long long)max_pixels);
        png_image_free(&image);
        return HS_ERR_TOO_LARGE;
    }
    image.format = PNG_FORMAT_RGB;
    size_t n = PNG_IMAGE_SIZE(image);
    uint8_t *buf = malloc(n > 0 ? n : 1);
    if (!buf) { png_image_free(&image); return HS_ERR_NOMEM; }
    if (!png_image_finish_read(&image, NULL, buf, 0, NULL)) {
        snprintf(img->message, sizeof img->message, "%s", image.message);
        png_image_free(&image);
        free(buf);
        return HS_ERR_DECODE;
    }
    if (image.warning_or_error) {
        img->warnings++;
        snprintf(img->message, sizeof img->message, "%s", image.message);
    }
    *out = buf;
    return HS_OK;
}
