/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ust-ladder-drawing"

#include "config.h"

#include <cairo-svg.h>
#include <glib/gi18n.h>
#include <pango/pangocairo.h>

#include "ust-ladder-drawing.h"

/* The ladder's geometry, in pixels (the same for the screen and exports). */
#define LADDER_OFFSET_W 80
#define LADDER_COLUMN_W 190
#define LADDER_HEADER_H 56
#define LADDER_ROW_H    30
#define LADDER_FOOTER_H 16

static double
column_x (guint index)
{
  return LADDER_OFFSET_W + index * LADDER_COLUMN_W + LADDER_COLUMN_W / 2.0;
}

static double
arrow_y (guint index)
{
  return LADDER_HEADER_H + index * LADDER_ROW_H + LADDER_ROW_H * 0.7;
}

/* Writes @text centred on @x (or from @x when @align is 0, to @x when 2),
 * with its bottom at @y. */
static void
draw_text (cairo_t    *cr,
           PangoLayout *layout,
           const char *text,
           gboolean    bold,
           double      x,
           double      y,
           int         align)
{
  PangoAttrList *attrs = pango_attr_list_new ();
  int w, h;

  if (bold)
    pango_attr_list_insert (attrs, pango_attr_weight_new (PANGO_WEIGHT_BOLD));
  pango_layout_set_attributes (layout, attrs);
  pango_attr_list_unref (attrs);
  pango_layout_set_text (layout, text, -1);
  pango_layout_get_pixel_size (layout, &w, &h);
  cairo_move_to (cr, align == 0 ? x : align == 1 ? x - w / 2.0 : x - w, y - h);
  pango_cairo_show_layout (cr, layout);
}

void
ust_ladder_drawing_get_size (UstLadder *ladder,
                             int       *width,
                             int       *height)
{
  guint n_columns = ladder != NULL ? ust_ladder_get_n_columns (ladder) : 0;
  guint n_arrows = ladder != NULL ? ust_ladder_get_n_arrows (ladder) : 0;

  *width = LADDER_OFFSET_W + (int) MAX (n_columns, 1) * LADDER_COLUMN_W;
  *height = LADDER_HEADER_H + (int) n_arrows * LADDER_ROW_H + LADDER_FOOTER_H;
}


/* What an arrow says: "INVITE", "INVITE (TCP)", "180 Ringing (retransmission)".
 * UDP is what most phones use and goes unsaid; a message over a stream says
 * which one (RFC 3261 §18: TCP, or TLS, shown as the exchange read it,
 * decrypted). */
char *
ust_ladder_drawing_arrow_text (const UstLadderArrow *arrow)
{
  UstProtocol protocol;
  g_autofree char *text = NULL;

  g_return_val_if_fail (arrow != NULL, NULL);

  protocol = arrow->entry != NULL ? ust_trace_entry_get_protocol (arrow->entry)
                                  : UST_PROTOCOL_UDP;
  if (ust_protocol_is_stream (protocol))
    /* Translators: a ladder arrow and the transport it went by: "INVITE (TCP)". */
    text = g_strdup_printf (_("%s (%s)"), arrow->label, ust_protocol_to_via (protocol));
  else
    text = g_strdup (arrow->label);
  if (arrow->retransmission)
    return g_strdup_printf (_("%s (retransmission)"), text);
  return g_steal_pointer (&text);
}

/* One function for the screen, PNG and SVG, so the three always agree. */
void
ust_ladder_drawing_draw (cairo_t       *cr,
                         UstLadder     *ladder,
                         UstTraceEntry *selected)
{
  g_autoptr (PangoLayout) layout = pango_cairo_create_layout (cr);
  g_autoptr (PangoFontDescription) font = pango_font_description_from_string ("Sans 9");
  guint n_columns, n_arrows;
  int width, height;

  ust_ladder_drawing_get_size (ladder, &width, &height);
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_rectangle (cr, 0, 0, width, height);
  cairo_fill (cr);
  if (ladder == NULL)
    return;

  pango_layout_set_font_description (layout, font);
  n_columns = ust_ladder_get_n_columns (ladder);
  n_arrows = ust_ladder_get_n_arrows (ladder);

  /* The columns: a label and a line down. */
  for (guint i = 0; i < n_columns; i++)
    {
      const UstLadderColumn *column = ust_ladder_get_column (ladder, i);
      double x = column_x (i);
      const char *name = column->is_exchange ? _("Exchange")
                         : column->name != NULL ? column->name : column->host;

      cairo_set_source_rgb (cr, 0.1, 0.1, 0.1);
      draw_text (cr, layout, name != NULL ? name : "", TRUE, x, 22, 1);
      cairo_set_source_rgb (cr, 0.4, 0.4, 0.4);
      draw_text (cr, layout, column->host != NULL ? column->host : "", FALSE, x, 38, 1);
      cairo_set_line_width (cr, 1.5);
      cairo_set_dash (cr, NULL, 0, 0);
      cairo_move_to (cr, x, LADDER_HEADER_H - 10);
      cairo_line_to (cr, x, height - 4);
      cairo_stroke (cr);
    }

  /* The arrows, one per datagram. */
  for (guint i = 0; i < n_arrows; i++)
    {
      const UstLadderArrow *arrow = ust_ladder_get_arrow (ladder, i);
      double x1 = column_x (arrow->from), x2 = column_x (arrow->to), y = arrow_y (i);
      double dir = x2 >= x1 ? 1 : -1;
      g_autofree char *offset =
        g_strdup_printf ("+%.3f s", arrow->offset / (double) G_USEC_PER_SEC);
      gboolean is_selected = selected != NULL && arrow->entry == selected;
      const double dash[] = { 5, 4 };

      if (is_selected)
        {
          cairo_set_source_rgba (cr, 0.2, 0.45, 0.9, 0.15);
          cairo_rectangle (cr, 0, y - LADDER_ROW_H * 0.7, width, LADDER_ROW_H);
          cairo_fill (cr);
        }

      cairo_set_source_rgb (cr, 0.4, 0.4, 0.4);
      draw_text (cr, layout, offset, FALSE, 6, y + 6, 0);

      if (arrow->custom_reason)
        cairo_set_source_rgb (cr, 0.75, 0.1, 0.1);
      else if (is_selected)
        cairo_set_source_rgb (cr, 0.1, 0.3, 0.8);
      else
        cairo_set_source_rgb (cr, 0, 0, 0);

      cairo_set_line_width (cr, is_selected ? 2.0 : 1.2);
      cairo_set_dash (cr, arrow->retransmission ? dash : NULL, arrow->retransmission ? 2 : 0, 0);
      if (arrow->from == arrow->to)
        {
          /* To itself: a small loop on the right. */
          cairo_move_to (cr, x1, y - 6);
          cairo_line_to (cr, x1 + 30, y - 6);
          cairo_line_to (cr, x1 + 30, y + 4);
          cairo_line_to (cr, x1, y + 4);
          cairo_stroke (cr);
          x2 = x1;
          dir = -1;
          y += 4;
        }
      else
        {
          cairo_move_to (cr, x1, y);
          cairo_line_to (cr, x2, y);
          cairo_stroke (cr);
        }
      cairo_set_dash (cr, NULL, 0, 0);
      cairo_move_to (cr, x2, y);
      cairo_line_to (cr, x2 - dir * 8, y - 4);
      cairo_line_to (cr, x2 - dir * 8, y + 4);
      cairo_close_path (cr);
      cairo_fill (cr);

      {
        g_autofree char *label = ust_ladder_drawing_arrow_text (arrow);

        draw_text (cr, layout, label, arrow->custom_reason, (x1 + x2) / 2 + (x1 == x2 ? 50 : 0),
                   y - 2, x1 == x2 ? 0 : 1);
      }
    }
}

/* Which arrow a click at height @y (in the drawing's pixels) is on: its
 * index, or -1 for the heading and below the last arrow. */
int
ust_ladder_drawing_arrow_at (UstLadder *ladder,
                             double     y)
{
  int index;

  if (ladder == NULL || y < LADDER_HEADER_H)
    return -1;
  index = (int) ((y - LADDER_HEADER_H) / LADDER_ROW_H);
  if (index >= 0 && (guint) index < ust_ladder_get_n_arrows (ladder))
    return index;
  return -1;
}

/* Writes @ladder to @path as SVG when the name ends in ".svg", else as PNG,
 * drawn as on the screen but with no arrow selected. */
gboolean
ust_ladder_drawing_save (UstLadder   *ladder,
                         const char  *path,
                         GError     **error)
{
  int width, height;
  cairo_surface_t *surface;
  cairo_t *cr;
  cairo_status_t status;
  gboolean svg;

  g_return_val_if_fail (ladder != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  svg = g_str_has_suffix (path, ".svg");
  ust_ladder_drawing_get_size (ladder, &width, &height);
  if (svg)
    surface = cairo_svg_surface_create (path, width, height);
  else
    surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, width, height);
  cr = cairo_create (surface);
  ust_ladder_drawing_draw (cr, ladder, NULL);
  cairo_destroy (cr);
  if (!svg)
    status = cairo_surface_write_to_png (surface, path);
  else
    {
      cairo_surface_finish (surface);
      status = cairo_surface_status (surface);
    }
  cairo_surface_destroy (surface);
  if (status != CAIRO_STATUS_SUCCESS)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   /* Translators: %s is the file and the reason it failed. */
                   _("Could not write the ladder to %s: %s"), path,
                   cairo_status_to_string (status));
      return FALSE;
    }
  return TRUE;
}
