/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* The ladder of one call (ust-ladder.h) drawn with cairo: a column per
 * phone and the exchange, an arrow per message. The Wire tab draws it on
 * the screen and writes it as PNG or SVG with the same function, so the
 * files look like what the person saw. */

#include <cairo.h>
#include <gio/gio.h>

#include "ust-ladder.h"

G_BEGIN_DECLS

/* The text of an arrow, with the transport of a message over TCP or TLS. */
char    *ust_ladder_drawing_arrow_text (const UstLadderArrow *arrow);
/* The size of the drawing in pixels; a NULL @ladder is an empty one. */
void     ust_ladder_drawing_get_size (UstLadder      *ladder,
                                      int            *width,
                                      int            *height);
/* Draws @ladder at (0, 0), highlighting the arrow of @selected (or none). */
void     ust_ladder_drawing_draw     (cairo_t        *cr,
                                      UstLadder      *ladder,
                                      UstTraceEntry  *selected);
/* The index of the arrow at height @y of the drawing, or -1. */
int      ust_ladder_drawing_arrow_at (UstLadder      *ladder,
                                      double          y);
/* SVG when @path ends in ".svg", else PNG. */
gboolean ust_ladder_drawing_save     (UstLadder      *ladder,
                                      const char     *path,
                                      GError        **error);

G_END_DECLS
