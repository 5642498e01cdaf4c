/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Socket addresses as text and back: what a user types ("192.168.1.10:5060",
 * "[fd00::2]:5060") and what Via, URIs, the diary and the wire trace show.
 * Numeric only: the exchange never waits on DNS. */

#include <gio/gio.h>

G_BEGIN_DECLS

gboolean ust_address_text_parse  (const char          *text,
                                  guint                default_port,
                                  GInetSocketAddress **address,
                                  GError             **error);
gboolean ust_address_text_host   (GSocketAddress      *address,
                                  char                *host,
                                  gsize                size,
                                  guint               *port,
                                  gboolean            *ipv6);
char    *ust_address_text_format (GSocketAddress      *address);

G_END_DECLS
