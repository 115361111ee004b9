/* libwebp decoding. References: libwebp decode.h (WebPDecoderConfig, external memory output),
 * demux.h (WebPDemux, WebPDemuxGetFrame), anim_decode.c (how WebPAnimDecoder, which Pillow uses
 * for every WebP, lays out the first frame: canvas zero-filled, frame decoded in place, no
 * blending for frame 1).
 *
 * Colour: decoded as RGB with libwebp's default (fancy) upsampling; alpha dropped, colour kept
 * as stored (non-premultiplied), like Pillow's RGBA/RGBX -> RGB. Animated: first frame only,
 * at its offset on the canvas; canvas pixels outside it are black (0,0,0). */
#include "CImageShim.h"
#include "internal.h"
#include <stdio.h>
#include <string.h>
#include <webp/decode.h>
#include <webp/demux.h>

static int hs_webp_status(VP8StatusCode st, hs_image *img, const char *what) {
    switch (st) {
    case VP8_STATUS_OK: return HS_OK;
    case VP8_STATUS_NOT_ENOUGH_DATA:
        snprintf(img->message, sizeof img->message, "%s: file ends before the image data does (truncated)", what);
        return HS_ERR_TRUNCATED;
    case VP8_STATUS_OUT_OF_MEMORY:
        snprintf(img->message, sizeof img->message, "%s: out of memory", what);
        return HS_ERR_NOMEM;
    case VP8_STATUS_UNSUPPORTED_FEATURE:
        snprintf(img->message, sizeof img->message, "%s: unsupported WebP feature", what);
        return HS_ERR_UNSUPPORTED;
    case VP8_STATUS_BITSTREAM_ERROR:
        snprintf(img->message, sizeof img->message, "%s: corrupt WebP bitstream", what);
        return HS_ERR_DECODE;
    default:
        snprintf(img->message, sizeof img->message, "%s: invalid WebP data (status %d)", what, (int)st);
        return HS_ERR_DECODE;
    }
}

int hs_webp_info(const uint8_t *data, size_t size, hs_image *img) {
    memset(img, 0, sizeof(*img));
    WebPBitstreamFeatures f;
    int rc = hs_webp_status(WebPGetFeatures(data, size, &f), img, "WebP header");
    if (rc != HS_OK) return rc;
    img->source_width = img->width = f.width;
    img->source_height = img->height = f.height;
    img->components = f.has_alpha ? 4 : 3;
    img->bits_per_sample = 8;
    img->scale_denom = 1;
    img->frame_count = f.has_animation ? 0 : 1; /* 0: animated, count not read from the header */
    return HS_OK;
}

/* Decodes one VP8/VP8L bitstream (a still file, or an animation frame's payload) into dst
 * (rows of `stride` bytes). */
static int hs_webp_decode_into(const uint8_t *data, size_t size, uint8_t *dst, size_t stride,
                               int w, int h, hs_image *img) {
    WebPDecoderConfig config;
    if (!WebPInitDecoderConfig(&config)) {
        snprintf(img->message, sizeof img->message, "libwebp version mismatch");
        return HS_ERR_UNSUPPORTED;
    }
    config.output.colorspace = MODE_RGB;
    config.output.is_external_memory = 1;
    config.output.u.RGBA.rgba = dst;
    config.output.u.RGBA.stride = (int)stride;
    config.output.u.RGBA.size = stride * (size_t)(h - 1) + (size_t)w * 3;
    int rc = hs_webp_status(WebPDecode(data, size, &config), img, "WebP");
    WebPFreeDecBuffer(&config.output);  /* external memory: frees nothing of ours */
    if (rc == HS_OK && (config.output.width != w || config.output.height != h)) {
        snprintf(img->message, sizeof img->message, "WebP frame size does not match its header");
        return HS_ERR_DECODE;
    }
    return rc;
}

int hs_webp_decode(const uint8_t *data, size_t size, uint64_t max_pixels, hs_buffer *out, hs_image *img) {
    int rc = hs_webp_info(data, size, img);
    if (rc != HS_OK) return rc;
    rc = hs_over_limit((uint64_t)img->source_width, (uint64_t)img->source_height, max_pixels, img);
    if (rc != HS_OK) return rc;
    size_t cw = (size_t)img->source_width, ch = (size_t)img->source_height;
    if (img->frame_count == 1) {
        if (hs_buffer_reserve(out, cw * ch * 3)) return HS_ERR_NOMEM;
        return hs_webp_decode_into(data, size, out->data, cw * 3, (int)cw, (int)ch, img);
    }
    /* Demux a prefix that holds frame 1 whole (doubling from HS_WEBP_DEMUX_FIRST_BYTES): the
     * demuxer indexes every frame it is given, and only frame 1 is decoded. */
    size_t prefix = size < HS_WEBP_DEMUX_FIRST_BYTES ? size : HS_WEBP_DEMUX_FIRST_BYTES;
    WebPDemuxer *demux = NULL;
    WebPIterator it;
    for (;;) {
        WebPData wd = {data, prefix};
        WebPDemuxState state = WEBP_DEMUX_PARSE_ERROR;
        demux = WebPDemuxPartial(&wd, &state);
        if (demux && state != WEBP_DEMUX_PARSE_ERROR && WebPDemuxGetFrame(demux, 1, &it)) {
            if (it.complete || state == WEBP_DEMUX_DONE) break;
            WebPDemuxReleaseIterator(&it);
        }
        if (prefix == size || state == WEBP_DEMUX_PARSE_ERROR) {
            int done = demux && state == WEBP_DEMUX_DONE;
            if (demux) WebPDemuxDelete(demux);
            int invalid = state == WEBP_DEMUX_PARSE_ERROR;
            snprintf(img->message, sizeof img->message, invalid ? "animated WebP: invalid container"
                     : done ? "animated WebP has no frames"
                     : "animated WebP: file ends before the frames do (truncated)");
            return invalid || done ? HS_ERR_DECODE : HS_ERR_TRUNCATED;
        }
        if (demux) WebPDemuxDelete(demux);
        prefix = prefix > size / 2 ? size : prefix * 2;
    }
    if (WebPDemuxGetI(demux, WEBP_FF_CANVAS_WIDTH) != cw || WebPDemuxGetI(demux, WEBP_FF_CANVAS_HEIGHT) != ch) {
        WebPDemuxReleaseIterator(&it);
        WebPDemuxDelete(demux);
        snprintf(img->message, sizeof img->message, "animated WebP: canvas size disagrees with header");
        return HS_ERR_DECODE;
    }
    img->frame_count = (int)WebPDemuxGetI(demux, WEBP_FF_FRAME_COUNT);  /* frames in the prefix */
    if (it.x_offset < 0 || it.y_offset < 0 || it.width <= 0 || it.height <= 0 ||
        (size_t)it.x_offset + (size_t)it.width > cw || (size_t)it.y_offset + (size_t)it.height > ch) {
        WebPDemuxReleaseIterator(&it);
        WebPDemuxDelete(demux);
        snprintf(img->message, sizeof img->message, "animated WebP: first frame lies outside the canvas");
        return HS_ERR_DECODE;
    }
    if (hs_buffer_reserve(out, cw * ch * 3)) {
        WebPDemuxReleaseIterator(&it);
        WebPDemuxDelete(demux);
        return HS_ERR_NOMEM;
    }
    memset(out->data, 0, cw * ch * 3);
    uint8_t *dst = out->data + ((size_t)it.y_offset * cw + (size_t)it.x_offset) * 3;
    rc = hs_webp_decode_into(it.fragment.bytes, it.fragment.size, dst, cw * 3, it.width, it.height, img);
    WebPDemuxReleaseIterator(&it);
    WebPDemuxDelete(demux);
    return rc;
}
