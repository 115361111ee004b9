/* libjpeg-turbo decoding with setjmp error recovery. References: libjpeg.txt (IJG),
 * example.c ("error_exit" via longjmp). A JPEG cut mid-scan is only a warning in
 * libjpeg-turbo (JWRN_JPEG_EOF), so warnings are counted and reported. */
#include "CImageShim.h"
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jpeglib.h>

typedef struct {
    struct jpeg_error_mgr pub;
    jmp_buf jump;
    hs_image *img;
} hs_jpeg_err;

static void hs_jpeg_error_exit(j_common_ptr cinfo) {
    hs_jpeg_err *e = (hs_jpeg_err *)cinfo->err;
    (*cinfo->err->format_message)(cinfo, e->img->message);
    longjmp(e->jump, 1);
}

static void hs_jpeg_emit(j_common_ptr cinfo, int level) {
    hs_jpeg_err *e = (hs_jpeg_err *)cinfo->err;
    if (level < 0) {
        if (e->img->warnings == 0) (*cinfo->err->format_message)(cinfo, e->img->message);
        e->img->warnings++;
        cinfo->err->num_warnings++;
    }
}

static void hs_jpeg_output_message(j_common_ptr cinfo) { (void)cinfo; }

static void hs_setup(struct jpeg_decompress_struct *cinfo, hs_jpeg_err *err, hs_image *img) {
    cinfo->err = jpeg_std_error(&err->pub);
    err->pub.error_exit = hs_jpeg_error_exit;
    err->pub.emit_message = hs_jpeg_emit;
    err->pub.output_message = hs_jpeg_output_message;
    err->img = img;
}

int hs_jpeg_info(const uint8_t *data, size_t size, hs_image *img) {
    struct jpeg_decompress_struct cinfo;
    hs_jpeg_err err;
    memset(img, 0, sizeof(*img));
    hs_setup(&cinfo, &err, img);
    if (setjmp(err.jump)) {
        jpeg_destroy_decompress(&cinfo);
        return HS_ERR_DECODE;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, data, (unsigned long)size);
    jpeg_read_header(&cinfo, TRUE);
    img->source_width = (int)cinfo.image_width;
    img->source_height = (int)cinfo.image_height;
    img->components = cinfo.num_components;
    jpeg_destroy_decompress(&cinfo);
    return HS_OK;
}

int hs_jpeg_decode_rgb(const uint8_t *data, size_t size, int scale_denom, uint64_t max_pixels,
                       uint8_t **out, hs_image *img) {
    struct jpeg_decompress_struct cinfo;
    hs_jpeg_err err;
    uint8_t *volatile buf = NULL;
    uint8_t *volatile row = NULL;
    memset(img, 0, sizeof(*img));
    *out = NULL;
    hs_setup(&cinfo, &err, img);
    if (setjmp(err.jump)) {
        jpeg_destroy_decompress(&cinfo);
        free(buf);
        free(row);
        return HS_ERR_DECODE;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, data, (unsigned long)size);
    jpeg_read_header(&cinfo, TRUE);
    img->source_width = (int)cinfo.image_width;
    img->source_height = (int)cinfo.image_height;
    img->components = cinfo.num_components;
    if (max_pixels && (uint64_t)cinfo.image_width * cinfo.image_height > max_pixels) {
        snprintf(img->message, sizeof img->message, "image is %ux%u, over the pixel limit of %llu",
                 cinfo.image_width, cinfo.image_height, (unsigned long long)max_pixels);
        jpeg_destroy_decompress(&cinfo);
        return HS_ERR_TOO_LARGE;
    }
    int cmyk = (cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK);
    cinfo.out_color_space = cmyk ? JCS_CMYK : JCS_RGB;
    cinfo.scale_num = 1;
    cinfo.scale_denom = (scale_denom == 2 || scale_denom == 4 || scale_denom == 8) ? scale_denom : 1;
    cinfo.dct_method = JDCT_ISLOW;
    jpeg_start_decompress(&cinfo);
    size_t w = cinfo.output_width, h = cinfo.output_height;
    img->width = (int)w;
    img->height = (int)h;
    buf = malloc(w * h * 3 > 0 ? w * h * 3 : 1);
    if (!buf) { jpeg_destroy_decompress(&cinfo); return HS_ERR_NOMEM; }
    if (cmyk) {
        row = malloc(w * 4);
        if (!row) { jpeg_destroy_decompress(&cinfo); free(buf); return HS_ERR_NOMEM; }
    }
    /* Adobe writes CMYK/YCCK JPEGs inverted (saw_Adobe_marker): 255 = no ink. */
    int inverted = cinfo.saw_Adobe_marker;
    while (cinfo.output_scanline < cinfo.output_height) {
        size_t y = cinfo.output_scanline;
        if (cmyk) {
            JSAMPROW r = row;
            jpeg_read_scanlines(&cinfo, &r, 1);
            uint8_t *d = buf + y * w * 3;
            for (size_t x = 0; x < w; x++) {
                unsigned c = row[4 * x], m = row[4 * x + 1], yy = row[4 * x + 2], k = row[4 * x + 3];
                if (!inverted) { c = 255 - c; m = 255 - m; yy = 255 - yy; k = 255 - k; }
                /* inverted: value = (255 - ink); RGB = value * (255 - K_ink) / 255 */
                d[3 * x] = (uint8_t)((c * k + 127) / 255);
                d[3 * x + 1] = (uint8_t)((m * k + 127) / 255);
                d[3 * x + 2] = (uint8_t)((yy * k + 127) / 255);
            }
        } else {
            JSAMPROW r = buf + y * w * 3;
            jpeg_read_scanlines(&cinfo, &r, 1);
        }
    }
    jpeg_finish_decompress(&cinfo);
    jpeg_destroy_decompress(&cinfo);
    free(row);
    *out = buf;
    return HS_OK;
}

void hs_free(void *p) { free(p); }
