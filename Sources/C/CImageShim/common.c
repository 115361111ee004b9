/* Shared pieces of the shim: the reusable output buffer and the pixel-limit check. */
#include "CImageShim.h"
#include "internal.h"
#include <stdio.h>
#include <stdlib.h>

int hs_buffer_reserve(hs_buffer *b, size_t n) {
    if (n == 0) n = 1;
    if (b->capacity >= n && b->data) return 0;
    /* free + malloc, not realloc: the old contents are never needed, so do not copy them */
    free(b->data);
    b->data = malloc(n);
    b->capacity = b->data ? n : 0;
    return b->data ? 0 : 1;
}

void hs_buffer_free(hs_buffer *b) {
    free(b->data);
    b->data = NULL;
    b->capacity = 0;
}

int hs_over_limit(uint64_t w, uint64_t h, uint64_t max_pixels, hs_image *img) {
    if (w == 0 || h == 0) {
        snprintf(img->message, sizeof img->message, "image has no pixels (%llux%llu)",
                 (unsigned long long)w, (unsigned long long)h);
        return HS_ERR_DECODE;
    }
    if (max_pixels && w * h > max_pixels) {
        snprintf(img->message, sizeof img->message,
                 "image is %llux%llu = %llu pixels, over the limit of %llu (refused from the header)",
                 (unsigned long long)w, (unsigned long long)h, (unsigned long long)(w * h),
                 (unsigned long long)max_pixels);
        return HS_ERR_TOO_LARGE;
    }
    /* 3 bytes per pixel must fit in size_t with room to spare */
    if (w * h > ((uint64_t)SIZE_MAX / 4)) {
        snprintf(img->message, sizeof img->message, "image is too large to address");
        return HS_ERR_TOO_LARGE;
    }
    return HS_OK;
}
