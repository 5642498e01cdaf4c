/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* ustredna-server's command line: the options, the checks between them, and
 * the dates --since and --until take. GLib only; what the options mean is
 * up to ust-server.c. */

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  char     *listen;
  char     *domain;
  char    **reasons;
  gboolean  relay_reasons;
  gboolean  open;
  char     *data_dir;
  int       min_expires;
  int       timer_t1;
  gboolean  quiet;
  char     *export_csv;
  char     *since;
  char     *until;
  gboolean  excel;
  char     *pcap;
  int       trace_ring;
  char     *transport;
  int       tls_port;
  guint     protocols;  /* a bit per UstProtocol, from --transport */
  char     *analyse;    /* a capture to check (--analyse) */
  gboolean  json;
  char     *proxy;      /* the proxy's ADDR:PORT in it, else guessed */
  char     *report;     /* a folder for the report bundle */
} UstServerOptions;

gboolean ust_server_options_parse (UstServerOptions   *options,
                                   int                *argc,
                                   char             ***argv,
                                   GError            **error);
void     ust_server_options_clear (UstServerOptions   *options);

gboolean ust_parse_time_arg       (const char         *text,
                                   gint64             *time_us,
                                   GError            **error);

G_END_DECLS
