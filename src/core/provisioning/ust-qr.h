/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* A QR code as a grid of modules, made by libqrencode: the window draws it
 * into a texture, ustredna-server prints it with block characters. The
 * grid has no quiet zone; whoever draws it leaves four light modules round
 * it (ISO/IEC 18004 §6.3.8). */

#include <glib.h>

G_BEGIN_DECLS

#define UST_QR_QUIET_ZONE 4

typedef struct {
  guint   width;     /* modules per side */
  guint8 *modules;   /* width × width, row by row: 1 dark, 0 light */
} UstQr;

UstQr    *ust_qr_encode  (const char *text,
                          GError    **error);
void      ust_qr_free    (UstQr      *qr);
gboolean  ust_qr_is_dark (const UstQr *qr,
                          int          x,
                          int          y);
char     *ust_qr_to_text (const UstQr *qr,
                          gboolean     ansi);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (UstQr, ust_qr_free)

G_END_DECLS
