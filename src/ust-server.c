/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ustredna-server"

#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>

#include <glib/gi18n.h>
#ifdef G_OS_UNIX
#include <unistd.h>
#else
#include <io.h>
#define isatty _isatty
#define fileno _fileno
#endif

#include "ust-address-text.h"
#include "ust-call-store.h"
#include "ust-core.h"
#include "ust-pcap.h"
#include "ust-paths.h"
#include "ust-platform.h"
#include "ust-protocol.h"
#include "ust-proxy.h"
#include "ust-server-analyse.h"
#include "ust-server-options.h"
#include "ust-server-report.h"
#include "ust-server-os.h"
#include "ust-sip.h"
#include "ust-sqlite.h"

/* Piped output is written in blocks, a few times a second, rather than one
 * write(2) per line: at thousands of calls a second the log would cost more
 * than the calls. A terminal gets every line at once. */
static gboolean
flush_cb (gpointer user_data)
{
  fflush (stdout);
  return G_SOURCE_CONTINUE;
}

static void
event_cb (UstProxy   *proxy,
          const char *line,
          gpointer    user_data)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *stamp = g_date_time_format (now, "%H:%M:%S");

  printf ("[%s.%03d] %s\n", stamp, g_date_time_get_microsecond (now) / 1000, line);
}

/* Every step of a call goes to the diary (database and text file, written
 * by the store's own thread) and to stdout. */
static void
call_event_cb (UstCallTracker *tracker,
               UstCallChange  *change,
               gpointer        user_data)
{
  printf ("%s\n", change->line);
}

/* registrations.db refuses (a full disk) or takes changes again. */
static void
registrar_storage_cb (UstRegistrar *registrar,
                      gboolean      failing,
                      const char   *message,
                      gpointer      user_data)
{
  g_printerr ("ustredna-server: %s\n", message);
}

/* The transport doctor: a phone knocked on a closed door. */
static void
advice_cb (UstTransport *transport,
           const char   *host,
           const char   *text,
           gpointer      user_data)
{
  printf ("%s\n", text);
}

/* The diary cannot be written (once each time a file starts to refuse), or can again. */
static void
store_message_cb (UstCallStore *store,
                  const char   *message,
                  gpointer      user_data)
{
  g_printerr ("ustredna-server: %s\n", message);
}

static UstReasonTable *
load_reasons (UstServerOptions  *options,
              GError           **error)
{
  g_autoptr(UstReasonTable) reasons = ust_reason_table_new ();
  g_autofree char *path = ust_reason_table_default_path ();

  if (!ust_reason_table_load (reasons, path, error))
    return NULL;
  for (guint i = 0; options->reasons != NULL && options->reasons[i] != NULL; i++)
    if (!ust_reason_table_parse_assignment (reasons, options->reasons[i], error))
      return NULL;
  if (options->relay_reasons)
    ust_reason_table_set_relay (reasons, TRUE);
  return g_steal_pointer (&reasons);
}

static char *
data_dir_of (UstServerOptions *options)
{
  return options->data_dir != NULL
           ? g_strdup (options->data_dir)
           : g_build_filename (g_get_user_data_dir (), "ustredna", NULL);
}

/* --export-csv: read the diary through its own read-only connection, so an
 * exchange may keep running on the same data directory. */
static int
export_csv (UstServerOptions *options)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *data_dir = data_dir_of (options);
  g_autofree char *db_path = g_build_filename (data_dir, "calls.db", NULL);
  gint64 since = 0, until = 0;

  if ((options->since != NULL && !ust_parse_time_arg (options->since, &since, &error))
      || (options->until != NULL && !ust_parse_time_arg (options->until, &until, &error))
      || !ust_call_store_export_csv (db_path, options->export_csv, since, until, options->excel,
                                     &error))
    {
      g_printerr ("ustredna-server: %s\n", error->message);
      return EXIT_FAILURE;
    }
  printf (_("Call diary written to %s\n"), options->export_csv);
  return EXIT_SUCCESS;
}

/* One line per transport, e.g. "Listening on tcp 192.168.1.10:5060"
 * (scripts read the UDP line, which comes first, as before). */
static void
print_listening (UstCore    *core,
                 const char *where)
{
  UstTransport *transport = ust_core_get_transport (core);
  GInetSocketAddress *local = ust_transport_get_local_address (transport);
  g_autofree char *host = g_inet_address_to_string (g_inet_socket_address_get_address (local));
  gboolean any = ust_transport_is_any (transport);
  gboolean ipv6 = g_socket_address_get_family (G_SOCKET_ADDRESS (local)) == G_SOCKET_FAMILY_IPV6;

  for (UstProtocol protocol = UST_PROTOCOL_UDP; protocol < UST_N_PROTOCOLS; protocol++)
    {
      g_autofree char *at = NULL;

      if (!ust_transport_has_protocol (transport, protocol))
        continue;
      at = protocol == UST_PROTOCOL_UDP
             ? g_strdup (where)
             : g_strdup_printf (ipv6 ? "[%s]:%u" : "%s:%u", host,
                                ust_transport_get_port (transport, protocol));
      if (any)
        /* Translators: the first %s is udp, tcp or tls, the second e.g. "0.0.0.0:5060". */
        printf (_("Listening on %s %s (all addresses)"), ust_protocol_to_param (protocol), at);
      else
        printf (_("Listening on %s %s"), ust_protocol_to_param (protocol), at);
      if (protocol == UST_PROTOCOL_TLS && ust_core_get_tls_fingerprint (core) != NULL)
        /* Translators: %s is the certificate's SHA-256 fingerprint, "AB:CD:…". */
        printf (_(" (certificate SHA-256 %s)"), ust_core_get_tls_fingerprint (core));
      printf ("\n");
    }
  if (ust_core_get_tls_problem (core) != NULL)
    printf ("%s\n", ust_core_get_tls_problem (core));
}

static int
run (UstServerOptions *options)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetSocketAddress) address = NULL;
  g_autoptr(UstReasonTable) reasons = NULL;
  g_autoptr(UstCallStore) calls = NULL;
  g_autoptr(UstTrace) trace = NULL;
  g_autoptr(UstPcapWriter) capture = NULL;
  g_autoptr(UstCore) core = NULL;
  g_autofree char *calls_path = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autofree char *data_dir = NULL;
  g_autofree char *where = NULL;
  UstCoreConfig config = { 0 };
  UstTransport *transport;
  guint flush_id;

  if (!ust_address_text_parse (options->listen, 5060, &address, &error))
    goto fail;

  reasons = load_reasons (options, &error);
  if (reasons == NULL)
    goto fail;
  data_dir = data_dir_of (options);

  /* --pcap: the transport records every datagram; the writer's thread gets
   * them through a queue and owns the file. Nobody reads the ring here, so
   * it stays small. */
  if (options->pcap != NULL || options->trace_ring > 0)
    trace = ust_trace_new (options->trace_ring > 0 ? (guint) options->trace_ring : 256, 0);
  if (options->pcap != NULL)
    {
      capture = ust_pcap_writer_new (options->pcap, &error);
      if (capture == NULL)
        goto fail;
      ust_pcap_writer_attach (capture, trace);
    }

  /* A diary that cannot be written is reported, and the exchange routes
   * calls all the same: the store keeps them in memory until it can. */
  calls_path = g_build_filename (data_dir, "calls.db", NULL);
  calls = ust_call_store_new (calls_path);
  g_signal_connect (calls, "error", G_CALLBACK (store_message_cb), NULL);
  g_signal_connect (calls, "resumed", G_CALLBACK (store_message_cb), NULL);
  /* A failure here is said once, by the "error" signal, when the loop runs. */
  if (!ust_call_store_open (calls, &error))
    g_clear_error (&error);

  config.address = address;
  config.data_dir = data_dir;
  config.reasons = reasons;
  config.store = calls;
  config.trace = trace;
  config.domain = options->domain;
  config.open = options->open;
  config.timer_t1 = options->timer_t1 > 0 ? (guint) options->timer_t1 : 0;
  config.min_expires = options->min_expires > 0 ? (guint) options->min_expires : 0;
  config.protocols = options->protocols;
  config.tls_port = (guint) options->tls_port;
  core = ust_core_new (&config, &error);
  if (core == NULL)
    goto fail;
  transport = ust_core_get_transport (core);
  if (!options->quiet)
    g_signal_connect (ust_core_get_proxy (core), "event", G_CALLBACK (event_cb), NULL);
  g_signal_connect (ust_core_get_tracker (core), "call-event", G_CALLBACK (call_event_cb), NULL);
  g_signal_connect (transport, "advice", G_CALLBACK (advice_cb), NULL);
  g_signal_connect (ust_core_get_registrar (core), "storage", G_CALLBACK (registrar_storage_cb),
                    NULL);

  where = ust_transport_describe (transport);
  /* Before "Listening": whoever reads that line may stop us at once. */
  loop = g_main_loop_new (NULL, FALSE);
  ust_server_add_quit_handlers (loop);

  print_listening (core, where);
  /* On Windows: what to do when the firewall asks, or when phones cannot reach us. */
  if (ust_platform_firewall_hint () != NULL)
    printf ("%s\n", ust_platform_firewall_hint ());
  fflush (stdout);

  flush_id = g_timeout_add (250, flush_cb, NULL);
  g_main_loop_run (loop);
  g_source_remove (flush_id);

  if (capture != NULL)
    {
      ust_transport_set_trace (transport, NULL);
      if (!ust_pcap_writer_close (capture, &error))
        {
          g_printerr ("ustredna-server: %s\n", error->message);
          g_clear_error (&error);
        }
      else
        {
          g_autofree char *count = g_strdup_printf ("%" G_GUINT64_FORMAT,
                                                    ust_pcap_writer_get_n_written (capture));

          printf (_("Capture of %s datagrams written to %s\n"), count, options->pcap);
        }
    }

  /* The calls still up end in the diary, then the diary and the
   * registrations reach the disk. */
  if (!ust_core_stop (core, &error))
    {
      g_printerr (_("Could not save the registrations: %s\n"), error->message);
      ust_call_store_flush (calls, 10000);
      ust_call_store_close (calls);
      return EXIT_FAILURE;
    }
  if (!ust_call_store_flush (calls, 10000))
    g_printerr (_("ustredna-server: some calls could not be written to %s\n"), calls_path);
  ust_call_store_close (calls);
  printf ("%s\n", _("Stopped"));
  return EXIT_SUCCESS;

fail:
  g_printerr ("ustredna-server: %s\n", error->message);
  return EXIT_FAILURE;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  UstServerOptions options = { 0 };
  int status;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, ust_locale_dir ());
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  if (!ust_server_options_parse (&options, &argc, &argv, &error))
    {
      g_printerr ("ustredna-server: %s\n", error->message);
      g_printerr (_("Run “ustredna-server --help” to see the options.\n"));
      ust_server_options_clear (&options);
      return 2;
    }

  if (isatty (fileno (stdout)))
    setvbuf (stdout, NULL, _IOLBF, 0);
  ust_sip_init ();
  ust_sqlite_init ();
  if (options.report != NULL)
    status = ust_server_report (&options);
  else if (options.analyse != NULL)
    status = ust_server_analyse (&options);
  else if (options.export_csv != NULL)
    status = export_csv (&options);
  else
    status = run (&options);
  ust_server_options_clear (&options);
  return status;
}
