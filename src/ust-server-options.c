/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ustredna-server"

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <gio/gio.h>
#include <glib/gi18n.h>

#include "ust-protocol.h"
#include "ust-registrar.h"
#include "ust-server-options.h"

/* Fills @options from the command line and checks what goes together.
 * --since and --until are kept as text: ust_parse_time_arg() reads them
 * when the export runs. */
/* "udp,tcp,tls" in any order and case; UDP is on whatever the list says
 * (RFC 3261 §18: every element serves it). */
static gboolean
parse_transports (UstServerOptions  *options,
                  GError           **error)
{
  g_auto(GStrv) names = NULL;

  if (options->tls_port < 0 || options->tls_port > 65535)
    {
      g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                           _("--tls-port must be a port number, 1 to 65535"));
      return FALSE;
    }
  options->protocols = (1u << UST_PROTOCOL_UDP) | (1u << UST_PROTOCOL_TCP)
                       | (1u << UST_PROTOCOL_TLS);
  if (options->transport == NULL)
    return TRUE;
  options->protocols = 1u << UST_PROTOCOL_UDP;
  names = g_strsplit (options->transport, ",", -1);
  for (guint i = 0; names[i] != NULL; i++)
    {
      UstProtocol protocol;

      if (!ust_protocol_from_text (g_strstrip (names[i]), &protocol))
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       _("Unknown transport “%s”: choose from udp, tcp and tls, e.g. "
                         "--transport udp,tcp"),
                       names[i]);
          return FALSE;
        }
      options->protocols |= 1u << protocol;
    }
  return TRUE;
}

gboolean
ust_server_options_parse (UstServerOptions   *options,
                          int                *argc,
                          char             ***argv,
                          GError            **error)
{
  GOptionEntry entries[] = {
    { "listen", 'l', 0, G_OPTION_ARG_STRING, &options->listen,
      N_("Address and UDP port to serve phones on, e.g. 192.168.1.10:5060 or [fd00::2]:5060; "
         "0.0.0.0:5060 or [::]:5060 for all addresses (port 0 picks a free one)"),
      N_("ADDR:PORT") },
    { "domain", 'd', 0, G_OPTION_ARG_STRING, &options->domain,
      N_("Domain name phones may use instead of the address"), N_("DOMAIN") },
    { "reason", 'r', 0, G_OPTION_ARG_STRING_ARRAY, &options->reasons,
      N_("Custom reason phrase for a status code, e.g. 200=POHODKA (repeatable)"),
      N_("CODE=TEXT") },
    { "relay-reasons", 0, 0, G_OPTION_ARG_NONE, &options->relay_reasons,
      N_("Apply the custom reason phrases to relayed responses too"), NULL },
    { "open", 0, 0, G_OPTION_ARG_NONE, &options->open,
      N_("Let unregistered callers make calls (by default they get 403)"), NULL },
    { "data-dir", 0, 0, G_OPTION_ARG_FILENAME, &options->data_dir,
      N_("Folder for registrations and the call diary"), N_("DIR") },
    { "min-expires", 0, 0, G_OPTION_ARG_INT, &options->min_expires,
      N_("Shortest registration accepted, in seconds (default 60); shorter ones get 423"),
      N_("SECONDS") },
    { "timer-t1", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_INT, &options->timer_t1,
      N_("SIP timer T1 in milliseconds (default 500); for tests"), N_("MS") },
    { "pcap", 0, 0, G_OPTION_ARG_FILENAME, &options->pcap,
      N_("Write every datagram received and sent to a capture file for Wireshark (pcap)"),
      N_("FILE") },
    { "trace-ring", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_INT, &options->trace_ring,
      N_("Record every datagram in a ring of N messages nobody reads; for measuring what "
         "the trace costs (build-aux/bench-trace.sh)"), N_("N") },
    { "transport", 't', 0, G_OPTION_ARG_STRING, &options->transport,
      N_("Transports phones may use, from udp, tcp and tls (default udp,tcp,tls); UDP is always "
         "on, TCP shares its port, TLS takes the next one"), N_("LIST") },
    { "tls-port", 0, 0, G_OPTION_ARG_INT, &options->tls_port,
      N_("Port for TLS (default: the UDP port + 1, e.g. 5061)"), N_("PORT") },
    { "analyse", 0, 0, G_OPTION_ARG_FILENAME, &options->analyse,
      N_("Check the SIP proxy in a capture (pcap or pcapng) against RFC 3261 and print what it "
         "does wrong, then exit"), N_("FILE") },
    { "json", 0, 0, G_OPTION_ARG_NONE, &options->json,
      N_("With --analyse: print the findings as JSON"), NULL },
    { "proxy", 0, 0, G_OPTION_ARG_STRING, &options->proxy,
      N_("With --analyse: the proxy's address and port in the capture (default: the address "
         "most SIP passes through)"), N_("ADDR:PORT") },
    { "report", 0, 0, G_OPTION_ARG_FILENAME, &options->report,
      N_("Write a report bundle (ladders as SVG and PNG, a capture per call, the diary as CSV, "
         "the findings, captions, index.html) to a folder and exit; of --analyse's capture, "
         "else of the exchange's diary and its --pcap capture"), N_("DIR") },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &options->quiet,
      N_("Do not print a line per SIP event"), NULL },
    { "export-csv", 0, 0, G_OPTION_ARG_FILENAME, &options->export_csv,
      N_("Write the call diary to a CSV file and exit (works while an exchange is running)"),
      N_("FILE") },
    { "since", 0, 0, G_OPTION_ARG_STRING, &options->since,
      N_("With --export-csv: only calls that started at or after this time, "
         "e.g. 2026-11-24 or 2026-11-24T18:00"), N_("TIME") },
    { "until", 0, 0, G_OPTION_ARG_STRING, &options->until,
      N_("With --export-csv: only calls that started before this time"), N_("TIME") },
    { "excel", 0, 0, G_OPTION_ARG_NONE, &options->excel,
      N_("With --export-csv: UTF-8 with BOM and “;” between cells, as Excel expects"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = NULL;

  context = g_option_context_new (NULL);
  g_option_context_set_summary (context,
                                _("Ústredňa: a SIP registrar and proxy for phones on a LAN.\n\n"
                                  "Phones register with any user name and no password, with "
                                  "this computer's address as server and domain."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, argc, argv, error))
    return FALSE;

  if (options->export_csv == NULL && (options->since != NULL || options->until != NULL
                                      || options->excel))
    {
      g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                           _("--since, --until and --excel go with --export-csv FILE"));
      return FALSE;
    }
  if ((options->json || options->proxy != NULL) && options->analyse == NULL
      && options->report == NULL)
    {
      g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                           _("--json and --proxy go with --analyse FILE"));
      return FALSE;
    }
  if (options->listen == NULL && options->export_csv == NULL && options->analyse == NULL
      && options->report == NULL)
    {
      g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                           _("Say where to listen, e.g. --listen 192.168.1.10:5060"));
      return FALSE;
    }
  if (!parse_transports (options, error))
    return FALSE;
  if (options->min_expires < 0 || options->min_expires > UST_MAX_EXPIRES)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("--min-expires must be between 0 and %d seconds"), UST_MAX_EXPIRES);
      return FALSE;
    }
  if (options->timer_t1 != 0 && (options->timer_t1 < 10 || options->timer_t1 > 60000))
    {
      g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                           _("--timer-t1 must be between 10 and 60000 milliseconds"));
      return FALSE;
    }
  return TRUE;
}

void
ust_server_options_clear (UstServerOptions *options)
{
  g_free (options->listen);
  g_free (options->domain);
  g_strfreev (options->reasons);
  g_free (options->data_dir);
  g_free (options->export_csv);
  g_free (options->since);
  g_free (options->until);
  g_free (options->pcap);
  g_free (options->transport);
  g_free (options->analyse);
  g_free (options->proxy);
  g_free (options->report);
}

/* Parses a --since/--until value: a date, or a date and a time to the
 * minute or second ('T' or a space between), with an optional offset (Z,
 * +01:00, +0100, +01). Without an offset it is local time. */
gboolean
ust_parse_time_arg (const char  *text,
                    gint64      *time_us,
                    GError     **error)
{
  static GRegex *regex;
  g_autoptr (GMatchInfo) match = NULL;
  g_autoptr (GTimeZone) tz = NULL;
  g_autoptr (GDateTime) when = NULL;
  g_autofree char *offset = NULL;
  g_autofree char *trimmed = NULL;
  int field[6] = { 0 };

  g_return_val_if_fail (text != NULL, FALSE);
  g_return_val_if_fail (time_us != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (g_once_init_enter (&regex))
    {
      GRegex *compiled = g_regex_new ("^(\\d{4})-(\\d{2})-(\\d{2})"
                                      "(?:[T ](\\d{2}):(\\d{2})(?::(\\d{2}))?)?"
                                      "(Z|[+-]\\d{2}(?::?\\d{2})?)?$",
                                      G_REGEX_OPTIMIZE, 0, NULL);
      g_once_init_leave (&regex, compiled);
    }

  trimmed = g_strstrip (g_strdup (text));
  if (g_regex_match (regex, trimmed, 0, &match))
    {
      for (int i = 0; i < 6; i++)
        {
          g_autofree char *digits = g_match_info_fetch (match, i + 1);

          field[i] = digits != NULL && digits[0] != '\0' ? atoi (digits) : 0;
        }
      offset = g_match_info_fetch (match, 7);
      if (offset != NULL && offset[0] != '\0')
        {
          /* "+0100" and "+01" are not identifiers GLib knows; make them "+01:00". */
          if (offset[0] != 'Z' && strchr (offset, ':') == NULL)
            {
              g_autofree char *bare = g_steal_pointer (&offset);

              offset = g_strdup_printf ("%.3s:%s", bare, bare[3] != '\0' ? bare + 3 : "00");
            }
          tz = g_time_zone_new_identifier (offset);
        }
      else
        tz = g_time_zone_new_local ();

      if (tz != NULL)
        when = g_date_time_new (tz, field[0], field[1], field[2], field[3], field[4], field[5]);
    }

  if (when == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("“%s” is not a date or time. Use 2026-11-24, 2026-11-24T18:40 or "
                     "2026-11-24 18:40:22, optionally followed by an offset such as "
                     "+01:00 or Z."), text);
      return FALSE;
    }

  *time_us = g_date_time_to_unix (when) * G_USEC_PER_SEC;
  return TRUE;
}
