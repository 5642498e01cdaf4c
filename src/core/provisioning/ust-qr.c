/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ust-qr"

#include "config.h"

#include <errno.h>

#include <gio/gio.h>
#include <glib/gi18n-lib.h>
#include <qrencode.h>

#include "ust-qr.h"

/* Error correction level M (15 % of the code may be lost): a phone's camera
 * reads a screen from an angle, and M keeps a 100-character URL at version
 * 5 or 6, large modules on a small card. */
UstQr *
ust_qr_encode (const char  *text,
               GError     **error)
{
  QRcode *code;
  UstQr *qr;
  gsize n;

  g_return_val_if_fail (text != NULL, NULL);

  /* Version 0: the smallest that holds the text; 8-bit mode, case kept. */
  code = QRcode_encodeString (text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
  if (code == NULL)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   _("Cannot make a QR code of “%s”: %s"), text, g_strerror (saved_errno));
      return NULL;
    }
  qr = g_new0 (UstQr, 1);
  qr->width = (guint) code->width;
  n = (gsize) qr->width * qr->width;
  qr->modules = g_new (guint8, n);
  /* libqrencode's byte per module keeps other flags in the upper bits; bit
   * 0 is the colour. */
  for (gsize i = 0; i < n; i++)
    qr->modules[i] = code->data[i] & 1;
  QRcode_free (code);
  return qr;
}

void
ust_qr_free (UstQr *qr)
{
  if (qr == NULL)
    return;
  g_free (qr->modules);
  g_free (qr);
}

/* Outside the grid (the quiet zone) is light. */
gboolean
ust_qr_is_dark (const UstQr *qr,
                int          x,
                int          y)
{
  if (x < 0 || y < 0 || x >= (int) qr->width || y >= (int) qr->width)
    return FALSE;
  return qr->modules[(gsize) y * qr->width + (gsize) x] != 0;
}

/* The code for a terminal, two rows of modules per line with the half
 * blocks ▀ ▄ █, quiet zone included. A terminal's text is light on dark, so
 * plain text draws the light modules; with @ansi the lines are painted
 * black on white instead, which reads the same on any terminal. */
char *
ust_qr_to_text (const UstQr *qr,
                gboolean     ansi)
{
  static const char *const blocks[4] = { " ", "\u2580", "\u2584", "\u2588" };
  GString *text = g_string_new (NULL);
  int quiet = UST_QR_QUIET_ZONE;
  int last = (int) qr->width + quiet;

  g_return_val_if_fail (qr != NULL, NULL);

  for (int y = -quiet; y < last; y += 2)
    {
      if (ansi)
        g_string_append (text, "\033[30;47m");
      for (int x = -quiet; x < last; x++)
        {
          gboolean top = ust_qr_is_dark (qr, x, y);
          gboolean bottom = y + 1 < last && ust_qr_is_dark (qr, x, y + 1);
          /* Plain: draw what is light. ANSI: draw what is dark, in black. */
          guint index = ansi ? (top ? 1 : 0) | (bottom ? 2 : 0)
                             : (top ? 0 : 1) | (bottom || y + 1 >= last ? 0 : 2);

          g_string_append (text, blocks[index]);
        }
      if (ansi)
        g_string_append (text, "\033[0m");
      g_string_append_c (text, '\n');
    }
  return g_string_free (text, FALSE);
}
