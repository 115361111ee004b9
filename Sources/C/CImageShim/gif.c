/* giflib decoding of a GIF's first frame. References: GIF89a specification (W3C), gif_lib.h
 * (giflib 5), Pillow's GifImagePlugin.py (_open, _seek, load_prepare) for the composition rule.
 *
 * First frame as Pillow composes it (then .convert('RGB')):
 *   - canvas = the logical screen, grown to hold the frame if the frame sticks out of it;
 *   - canvas pixels outside the frame hold the frame's transparency index if its Graphic
 *     Control Extension sets one, else index 0 (not the background colour);
 *   - frame pixels keep their index even when it is the transparency index;
 *   - index -> RGB through the local colour table, else the global one; with no table at all
 *     (or with a table that is the identity grey ramp, which Pillow reads as mode L) the index
 *     is a grey level; an index past the end of a table is black (0, 0, 0), as in Pillow.
 * Only the records up to the first image are read, so a long animation costs nothing more;
 * at most HS_GIF_MAX_EXTENSIONS extension records may come before it. */
#include "CImageShim.h"
#include "internal.h"
#include <stdio.h>
#include <string.h>
#include <gif_lib.h>

typedef struct {
    const uint8_t *data;
    size_t size;
    size_t pos;
    int truncated;
} hs_gif_src;

static int hs_gif_read(GifFileType *gif, GifByteType *dst, int n) {
    hs_gif_src *src = (hs_gif_src *)gif->UserData;
    size_t left = src->size - src->pos;
    size_t k = (size_t)n <= left ? (size_t)n : left;
    if (k < (size_t)n) src->truncated = 1;
    memcpy(dst, src->data + src->pos, k);
    src->pos += k;
    return (int)k;
}

static int hs_gif_fail(GifFileType *gif, int err, hs_gif_src *src, hs_image *img, const char *what) {
    int rc = HS_ERR_DECODE;
    if (src->truncated || err == D_GIF_ERR_READ_FAILED || err == D_GIF_ERR_EOF_TOO_SOON) {
        snprintf(img->message, sizeof img->message, "%s: file ends before the image data does (truncated)", what);
        rc = HS_ERR_TRUNCATED;
    } else if (err == D_GIF_ERR_NOT_ENOUGH_MEM) {
        snprintf(img->message, sizeof img->message, "%s: out of memory", what);
        rc = HS_ERR_NOMEM;
    } else {
        const char *s = GifErrorString(err);
        snprintf(img->message, sizeof img->message, "%s: %s", what, s ? s : "invalid GIF data");
    }
    if (gif) DGifCloseFile(gif, NULL);
    return rc;
}

static GifFileType *hs_gif_open(hs_gif_src *src, hs_image *img, int *rc) {
    int err = 0;
    memset(img, 0, sizeof(*img));
    GifFileType *gif = DGifOpen(src, hs_gif_read, &err);
    if (!gif) { *rc = hs_gif_fail(NULL, err, src, img, "GIF header"); return NULL; }
    img->source_width = img->width = gif->SWidth;
    img->source_height = img->height = gif->SHeight;
    img->components = 1;
    img->bits_per_sample = 8;
    img->scale_denom = 1;
    img->frame_count = 0; /* unknown from the header */
    *rc = HS_OK;
    return gif;
}

/* Reads the records up to the first image descriptor (no pixel data): its Graphic Control
 * Extension's transparency index, and the canvas grown to hold the frame. On failure the file
 * is closed and an HS_ERR_* returned. */
static int hs_gif_first_frame(GifFileType *gif, hs_gif_src *src, hs_image *img, int *transparency) {
    *transparency = -1;
    int extensions = 0;
    for (;;) {
        GifRecordType type;
        if (DGifGetRecordType(gif, &type) == GIF_ERROR)
            return hs_gif_fail(gif, gif->Error, src, img, "GIF");
        if (type == TERMINATE_RECORD_TYPE) {
            DGifCloseFile(gif, NULL);
            snprintf(img->message, sizeof img->message, "GIF holds no image");
            return HS_ERR_DECODE;
        }
        if (type == EXTENSION_RECORD_TYPE) {
            if (++extensions > HS_GIF_MAX_EXTENSIONS) {
                DGifCloseFile(gif, NULL);
                snprintf(img->message, sizeof img->message,
                         "GIF has more than %d extension records before its first image "
                         "(the limit HS_GIF_MAX_EXTENSIONS)", HS_GIF_MAX_EXTENSIONS);
                return HS_ERR_LIMIT;
            }
            int code;
            GifByteType *ext;
            if (DGifGetExtension(gif, &code, &ext) == GIF_ERROR)
                return hs_gif_fail(gif, gif->Error, src, img, "GIF extension");
            /* Graphic Control Extension: ext[0] = block length, ext[1] = flags, ext[4] = index */
            if (code == GRAPHICS_EXT_FUNC_CODE && ext && ext[0] >= 4 && (ext[1] & 1))
                *transparency = ext[4];
            while (ext) {
                if (DGifGetExtensionNext(gif, &ext) == GIF_ERROR)
                    return hs_gif_fail(gif, gif->Error, src, img, "GIF extension");
            }
            continue;
        }
        if (type != IMAGE_DESC_RECORD_TYPE) continue;
        if (DGifGetImageDesc(gif) == GIF_ERROR)
            return hs_gif_fail(gif, gif->Error, src, img, "GIF image descriptor");
        break;
    }
    const GifImageDesc *d = &gif->Image;
    int cw = d->Left + d->Width > gif->SWidth ? d->Left + d->Width : gif->SWidth;
    int ch = d->Top + d->Height > gif->SHeight ? d->Top + d->Height : gif->SHeight;
    img->source_width = img->width = cw;
    img->source_height = img->height = ch;
    img->frame_count = 1;
    return HS_OK;
}

/* The size reported is the canvas Pillow decodes: the logical screen grown by the first frame. */
int hs_gif_info(const uint8_t *data, size_t size, hs_image *img) {
    hs_gif_src src = {data, size, 0, 0};
    int rc, transparency;
    GifFileType *gif = hs_gif_open(&src, img, &rc);
    if (!gif) return rc;
    rc = hs_gif_first_frame(gif, &src, img, &transparency);
    if (rc != HS_OK) return rc;  /* closed already */
    img->frame_count = 0;        /* unknown: only the first frame was looked at */
    DGifCloseFile(gif, NULL);
    return HS_OK;
}

int hs_gif_decode(const uint8_t *data, size_t size, uint64_t max_pixels,
                  hs_buffer *out, hs_buffer *scratch, hs_image *img) {
    hs_gif_src src = {data, size, 0, 0};
    int rc;
    GifFileType *gif = hs_gif_open(&src, img, &rc);
    if (!gif) return rc;
    /* The screen alone may already be a bomb; a 0x0 screen is legal (the frame defines it). */
    if (gif->SWidth > 0 && gif->SHeight > 0) {
        rc = hs_over_limit((uint64_t)gif->SWidth, (uint64_t)gif->SHeight, max_pixels, img);
        if (rc != HS_OK) { DGifCloseFile(gif, NULL); return rc; }
    }

    int transparency;
    rc = hs_gif_first_frame(gif, &src, img, &transparency);
    if (rc != HS_OK) return rc;  /* closed already */
    GifImageDesc *d = &gif->Image;
    size_t fx = (size_t)d->Left, fy = (size_t)d->Top, fw = (size_t)d->Width, fh = (size_t)d->Height;
    size_t cw = fx + fw > (size_t)gif->SWidth ? fx + fw : (size_t)gif->SWidth;
    size_t ch = fy + fh > (size_t)gif->SHeight ? fy + fh : (size_t)gif->SHeight;
    rc = hs_over_limit(cw, ch, max_pixels, img);
    if (rc != HS_OK) { DGifCloseFile(gif, NULL); return rc; }

    /* index -> RGB table */
    uint8_t lut[256][3];
    const ColorMapObject *cmap = d->ColorMap ? d->ColorMap : gif->SColorMap;
    /* Pillow reads a table whose entry i is (i, i, i) throughout as "no palette" (mode L) */
    int identity = cmap != NULL;
    for (int i = 0; cmap && i < cmap->ColorCount; i++) {
        const GifColorType *c = &cmap->Colors[i];
        if (c->Red != i || c->Green != i || c->Blue != i) { identity = 0; break; }
    }
    if (identity) cmap = NULL;
    for (int i = 0; i < 256; i++) {
        if (cmap && i < cmap->ColorCount) {
            lut[i][0] = cmap->Colors[i].Red;
            lut[i][1] = cmap->Colors[i].Green;
            lut[i][2] = cmap->Colors[i].Blue;
        } else {
            uint8_t v = cmap ? 0 : (uint8_t)i;  /* past a table's end: black; no table: grey */
            lut[i][0] = lut[i][1] = lut[i][2] = v;
        }
    }
    if (hs_buffer_reserve(out, cw * ch * 3) || hs_buffer_reserve(scratch, fw ? fw : 1)) {
        DGifCloseFile(gif, NULL);
        return HS_ERR_NOMEM;
    }
    const uint8_t *fill = lut[transparency >= 0 ? transparency : 0];
    uint8_t *p = out->data;
    for (size_t i = 0; i < cw * ch; i++, p += 3) { p[0] = fill[0]; p[1] = fill[1]; p[2] = fill[2]; }

    static const int start[4] = {0, 4, 2, 1}, step[4] = {8, 8, 4, 2};
    int passes = d->Interlace ? 4 : 1;
    for (int pass = 0; pass < passes; pass++) {
        size_t y0 = d->Interlace ? (size_t)start[pass] : 0, dy = d->Interlace ? (size_t)step[pass] : 1;
        for (size_t y = y0; y < fh; y += dy) {
            if (DGifGetLine(gif, scratch->data, (int)fw) == GIF_ERROR)
                return hs_gif_fail(gif, gif->Error, &src, img, "GIF image data");
            uint8_t *row = out->data + ((fy + y) * cw + fx) * 3;
            for (size_t x = 0; x < fw; x++) {
                const uint8_t *c = lut[scratch->data[x]];
                row[3 * x] = c[0]; row[3 * x + 1] = c[1]; row[3 * x + 2] = c[2];
            }
        }
    }
    DGifCloseFile(gif, NULL);
    return HS_OK;
}
