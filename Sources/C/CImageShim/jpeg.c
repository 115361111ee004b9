/* libjpeg-turbo decoding with setjmp error recovery.
 * References: libjpeg.txt (IJG) and example.c ("error_exit" via longjmp); jerror.h warning codes.
 * Pillow's JpegImagePlugin.py / Convert.c (cmyk2rgb) for the CMYK rule.
 *
 * A JPEG cut mid-scan is only a warning in libjpeg (JWRN_JPEG_EOF: the source manager inserts
 * a fake EOI and the rest of the image is grey), so warnings are counted and classified:
 * JWRN_JPEG_EOF -> truncated; corrupt entropy-coded data -> corrupt_warnings; the rest
 * (e.g. extraneous bytes before a marker, unknown JFIF revision) are harmless to the pixels.
 *
 * Cost bound. A decode stops at once (longjmp from the warning handler) at a truncation, and at
 * corrupt entropy-coded data unless the caller accepts it: the rest of such an image is
 * refused anyway, so it is not decoded. A progressive JPEG may hold up to 2,660 valid scans
 * (T.81 G.1.1.1: DC and each AC coefficient of each component at every successive-approximation
 * bit), each of which walks every block of the image, so a small file can cost hundreds of
 * normal decodes; a progress monitor refuses a file whose scan count passes a limit, as
 * libjpeg-turbo's djpeg -maxscans does (libjpeg-turbo's libjpeg.txt, "Progress monitoring").
 * setjmp and every libjpeg call stay in hs_jpeg_info / hs_jpeg_decode. */
#include "CImageShim.h"
#include "internal.h"
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jpeglib.h>
#include <jerror.h>

/* Rows handed to jpeg_read_scanlines per call (libjpeg emits at most max_v_samp_factor*DCT
 * rows at once; 16 covers every sampling factor). */
#define HS_JPEG_ROWS_PER_CALL 16

typedef struct hs_jpeg_progress hs_jpeg_progress;

typedef struct {
    struct jpeg_error_mgr pub;
    jmp_buf jump;
    hs_image *img;
    int truncated;
    int unsupported;
    int over_limit;      /* the progress monitor refused the scan count */
    int stop_at_damage;  /* longjmp at a truncation or (unless accepted) corrupt data */
    int accept_corrupt;
} hs_jpeg_err;

/* libjpeg's progress hook, here only to count scans: input_scan_number is the scan being
 * read (1-based), so a file is refused as soon as it starts scan max_scans + 1. */
struct hs_jpeg_progress {
    struct jpeg_progress_mgr pub;
    hs_jpeg_err *err;
    int max_scans;
};

static void hs_jpeg_progress_monitor(j_common_ptr cinfo) {
    hs_jpeg_progress *p = (hs_jpeg_progress *)cinfo->progress;
    if (!cinfo->is_decompressor || p->max_scans <= 0) return;
    int scan = ((j_decompress_ptr)cinfo)->input_scan_number;
    if (scan > p->max_scans) {
        snprintf(p->err->img->message, sizeof p->err->img->message,
                 "progressive JPEG has more than %d scans (the limit HS_JPEG_MAX_SCANS): refused, "
                 "its decoding cost is unbounded", p->max_scans);
        p->err->over_limit = 1;
        longjmp(p->err->jump, 1);
    }
}

/* Valid JPEG variants this libjpeg build (8-bit samples) does not decode: 12/16-bit precision,
 * lossless (SOF3) and hierarchical processes. Pillow refuses them too. */
static int hs_is_unsupported_error(int code) {
    switch (code) {
    case JERR_BAD_PRECISION: case JERR_SOF_UNSUPPORTED: case JERR_NOT_COMPILED:
    case JERR_CONVERSION_NOTIMPL:
        return 1;
    default:
        return 0;
    }
}

static void hs_jpeg_error_exit(j_common_ptr cinfo) {
    hs_jpeg_err *e = (hs_jpeg_err *)cinfo->err;
    (*cinfo->err->format_message)(cinfo, e->img->message);
    e->unsupported = hs_is_unsupported_error(cinfo->err->msg_code);
    longjmp(e->jump, 1);
}

static int hs_is_corrupt_data_warning(int code) {
    switch (code) {
    case JWRN_HIT_MARKER: case JWRN_HUFF_BAD_CODE: case JWRN_MUST_RESYNC:
    case JWRN_NOT_SEQUENTIAL: case JWRN_TOO_MUCH_DATA: case JWRN_BOGUS_PROGRESSION:
#ifdef JWRN_ARITH_BAD_CODE
    case JWRN_ARITH_BAD_CODE:
#endif
        return 1;
    default:
        return 0;
    }
}

static void hs_jpeg_emit(j_common_ptr cinfo, int level) {
    hs_jpeg_err *e = (hs_jpeg_err *)cinfo->err;
    if (level >= 0) return;                       /* trace messages */
    int code = cinfo->err->msg_code;
    int stop = 0;
    if (code == JWRN_JPEG_EOF) {
        if (!e->truncated) (*cinfo->err->format_message)(cinfo, e->img->message);
        e->truncated = 1;
        stop = e->stop_at_damage;                 /* refused anyway: decode no further */
    } else if (hs_is_corrupt_data_warning(code)) {
        if (!e->truncated && e->img->corrupt_warnings == 0)
            (*cinfo->err->format_message)(cinfo, e->img->message);
        e->img->corrupt_warnings++;
        stop = e->stop_at_damage && !e->accept_corrupt;
    } else if (e->img->warnings == 0 && !e->truncated && e->img->corrupt_warnings == 0) {
        (*cinfo->err->format_message)(cinfo, e->img->message);
    }
    e->img->warnings++;
    cinfo->err->num_warnings++;
    if (stop) longjmp(e->jump, 1);
}

static void hs_jpeg_output_message(j_common_ptr cinfo) { (void)cinfo; }

static void hs_setup(struct jpeg_decompress_struct *cinfo, hs_jpeg_err *err, hs_image *img) {
    memset(img, 0, sizeof(*img));
    cinfo->err = jpeg_std_error(&err->pub);
    err->pub.error_exit = hs_jpeg_error_exit;
    err->pub.emit_message = hs_jpeg_emit;
    err->pub.output_message = hs_jpeg_output_message;
    err->img = img;
    err->truncated = 0;
    err->unsupported = 0;
    err->over_limit = 0;
    err->stop_at_damage = 0;
    err->accept_corrupt = 1;
}

/* What a longjmp back to a decode function means. */
static int hs_jpeg_failure(const hs_jpeg_err *err) {
    if (err->over_limit) return HS_ERR_LIMIT;
    if (err->unsupported) return HS_ERR_UNSUPPORTED;
    if (err->truncated) return HS_ERR_TRUNCATED;
    return HS_ERR_DECODE;  /* a fatal error, or corrupt data the caller does not accept */
}

static void hs_fill_header(struct jpeg_decompress_struct *cinfo, hs_image *img) {
    img->source_width = img->width = (int)cinfo->image_width;
    img->source_height = img->height = (int)cinfo->image_height;
    img->components = cinfo->num_components;
    img->bits_per_sample = cinfo->data_precision;
    img->scale_denom = 1;
    img->frame_count = 1;
}

int hs_jpeg_info(const uint8_t *data, size_t size, hs_image *img) {
    struct jpeg_decompress_struct cinfo;
    hs_jpeg_err err;
    hs_setup(&cinfo, &err, img);
    if (setjmp(err.jump)) {
        jpeg_destroy_decompress(&cinfo);
        return hs_jpeg_failure(&err);
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, data, (unsigned long)size);
    jpeg_read_header(&cinfo, TRUE);
    hs_fill_header(&cinfo, img);
    jpeg_destroy_decompress(&cinfo);
    return HS_OK;
}

/* ceil(side / d), as libjpeg computes scaled output sizes (jdiv_round_up). */
static unsigned hs_scaled(unsigned side, unsigned d) { return (side + d - 1) / d; }

/* Pillow: MULDIV255(a, b) = ((a*b + 128) >> 8 + (a*b + 128)) >> 8, i.e. round(a*b/255). */
static inline unsigned hs_muldiv255(unsigned a, unsigned b) {
    unsigned t = a * b + 128;
    return ((t >> 8) + t) >> 8;
}

int hs_jpeg_decode(const uint8_t *data, size_t size, int scale_denom, int min_side,
                   uint64_t max_pixels, int max_scans, int accept_corrupt,
                   hs_buffer *out, hs_buffer *scratch, hs_image *img) {
    struct jpeg_decompress_struct cinfo;
    hs_jpeg_err err;
    hs_jpeg_progress progress;
    hs_setup(&cinfo, &err, img);
    err.stop_at_damage = 1;
    err.accept_corrupt = accept_corrupt;
    if (setjmp(err.jump)) {
        jpeg_destroy_decompress(&cinfo);
        return hs_jpeg_failure(&err);
    }
    jpeg_create_decompress(&cinfo);
    memset(&progress, 0, sizeof progress);
    progress.pub.progress_monitor = hs_jpeg_progress_monitor;
    progress.err = &err;
    progress.max_scans = max_scans;
    cinfo.progress = &progress.pub;
    jpeg_mem_src(&cinfo, data, (unsigned long)size);
    jpeg_read_header(&cinfo, TRUE);
    hs_fill_header(&cinfo, img);
    int rc = hs_over_limit(cinfo.image_width, cinfo.image_height, max_pixels, img);
    if (rc != HS_OK) { jpeg_destroy_decompress(&cinfo); return rc; }

    unsigned denom = (scale_denom == 2 || scale_denom == 4 || scale_denom == 8) ? (unsigned)scale_denom : 1;
    if (min_side > 0) {
        denom = 1;
        for (unsigned d = 8; d > 1; d /= 2) {
            if (hs_scaled(cinfo.image_width, d) >= (unsigned)min_side &&
                hs_scaled(cinfo.image_height, d) >= (unsigned)min_side) { denom = d; break; }
        }
    }
    /* Pillow reads every 4-component JPEG (CMYK or YCCK) as CMYK and assumes Adobe's inverted
     * polarity ("CMYK;I") whether or not an Adobe marker is present; libjpeg turns YCCK into
     * CMYK for us. */
    int cmyk = (cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK);
    cinfo.out_color_space = cmyk ? JCS_CMYK : JCS_RGB;
    cinfo.scale_num = 1;
    cinfo.scale_denom = denom;
    cinfo.dct_method = JDCT_ISLOW;     /* libjpeg's default, as Pillow uses */
    cinfo.do_fancy_upsampling = TRUE;  /* default too; named because it changes pixels */
    jpeg_start_decompress(&cinfo);
    size_t w = cinfo.output_width, h = cinfo.output_height;
    img->width = (int)w;
    img->height = (int)h;
    img->scale_denom = (int)denom;
    if (cinfo.output_components != (cmyk ? 4 : 3)) {
        snprintf(img->message, sizeof img->message, "unexpected JPEG output with %d components",
                 cinfo.output_components);
        jpeg_destroy_decompress(&cinfo);
        return HS_ERR_UNSUPPORTED;
    }
    if (hs_buffer_reserve(out, w * h * 3) ||
        (cmyk && hs_buffer_reserve(scratch, w * 4 * HS_JPEG_ROWS_PER_CALL))) {
        jpeg_destroy_decompress(&cinfo);
        return HS_ERR_NOMEM;
    }
    JSAMPROW rows[HS_JPEG_ROWS_PER_CALL];
    while (cinfo.output_scanline < cinfo.output_height) {
        size_t y = cinfo.output_scanline;
        size_t want = h - y < HS_JPEG_ROWS_PER_CALL ? h - y : HS_JPEG_ROWS_PER_CALL;
        for (size_t i = 0; i < want; i++)
            rows[i] = cmyk ? scratch->data + i * w * 4 : out->data + (y + i) * w * 3;
        JDIMENSION got = jpeg_read_scanlines(&cinfo, rows, (JDIMENSION)want);
        if (cmyk) {
            for (size_t i = 0; i < got; i++) {
                const uint8_t *s = rows[i];
                uint8_t *d = out->data + (y + i) * w * 3;
                for (size_t x = 0; x < w; x++, s += 4, d += 3) {
                    /* Pillow: ink = 255 - stored (CMYK;I); nk = 255 - K_ink = stored K;
                     * R = nk - MULDIV255(C_ink, nk) (never negative, so CLIP8 is a no-op) */
                    unsigned nk = s[3];
                    d[0] = (uint8_t)(nk - hs_muldiv255(255u - s[0], nk));
                    d[1] = (uint8_t)(nk - hs_muldiv255(255u - s[1], nk));
                    d[2] = (uint8_t)(nk - hs_muldiv255(255u - s[2], nk));
                }
            }
        }
        if (got == 0) { /* cannot happen with a memory source (it never suspends); never loop */
            snprintf(img->message, sizeof img->message, "libjpeg returned no rows");
            jpeg_destroy_decompress(&cinfo);
            return HS_ERR_DECODE;
        }
    }
    /* jpeg_finish_decompress would parse trailing markers; a file cut right after the last scan
     * still has all its pixels, and Pillow does not read past them either. */
    jpeg_abort_decompress(&cinfo);
    jpeg_destroy_decompress(&cinfo);
    return err.truncated ? HS_ERR_TRUNCATED : HS_OK;
}
