/* Private helpers shared by the shim's decoders (not part of the module's public header). */
#ifndef CIMAGESHIM_INTERNAL_H
#define CIMAGESHIM_INTERNAL_H
#include "CImageShim.h"

/* HS_OK, or HS_ERR_DECODE for an empty canvas, or HS_ERR_TOO_LARGE with a message. */
int hs_over_limit(uint64_t w, uint64_t h, uint64_t max_pixels, hs_image *img);

#endif
