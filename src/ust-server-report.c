/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ustredna-server"

#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include <glib/gi18n.h>

#include "ust-capture.h"
#include "ust-capture-check.h"
#include "ust-report.h"
#include "ust-server-report.h"

int
ust_server_report (UstServerOptions *options)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(UstCapture) capture = NULL;
  g_autoptr(UstCaptureCheck) check = NULL;
  g_autofree char *data_dir = NULL;
  g_autofree char *diary = NULL;
  g_autofree char *index = NULL;
  UstReportSource source = { 0 };
  const char *path = options->analyse != NULL ? options->analyse : options->pcap;

  if (path == NULL)
    {
      g_printerr ("ustredna-server: %s\n",
                  _("--report needs a capture: --analyse FILE for someone's proxy, or --pcap "
                    "FILE for the capture the exchange wrote with --pcap"));
      return 2;
    }
  capture = ust_capture_open (path, &error);
  if (capture == NULL)
    {
      g_printerr ("ustredna-server: %s\n", error->message);
      return EXIT_FAILURE;
    }
  if (options->proxy != NULL)
    {
      UstTraceAddress proxy;

      if (!ust_trace_address_parse (&proxy, options->proxy))
        {
          g_printerr ("ustredna-server: %s\n", _("--proxy must be an address and port, e.g. "
                                                 "192.168.1.10:5060"));
          return 2;
        }
      ust_capture_set_proxy (capture, &proxy);
    }
  check = ust_capture_check (capture);
  source.capture = capture;
  source.check = check;
  if (options->analyse == NULL)
    {
      /* The exchange's own session: its diary beside its capture. */
      data_dir = options->data_dir != NULL
                   ? g_strdup (options->data_dir)
                   : g_build_filename (g_get_user_data_dir (), "ustredna", NULL);
      diary = g_build_filename (data_dir, "calls.db", NULL);
      source.diary_db = diary;
      source.own_exchange = TRUE;
    }
  if (!ust_report_write (options->report, &source, &error))
    {
      g_printerr ("ustredna-server: %s\n", error->message);
      return EXIT_FAILURE;
    }
  index = g_build_filename (options->report, "index.html", NULL);
  printf (_("Report written to %s\n"), index);
  return EXIT_SUCCESS;
}
