/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ustredna-server"

#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include <glib/gi18n.h>

#include "ust-capture.h"
#include "ust-capture-check.h"
#include "ust-capture-format.h"
#include "ust-server-analyse.h"

/* --proxy: "127.0.0.1:5070", "[fd00::1]:5060", or an address alone (5060). */
static gboolean
parse_proxy (const char       *text,
             UstTraceAddress  *proxy,
             GError          **error)
{
  g_autofree char *with_port = NULL;

  if (ust_trace_address_parse (proxy, text))
    return TRUE;
  with_port = strchr (text, ':') != NULL && text[0] != '[' ? g_strdup_printf ("[%s]:5060", text)
                                                            : g_strdup_printf ("%s:5060", text);
  if (ust_trace_address_parse (proxy, with_port))
    return TRUE;
  g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
               _("--proxy “%s” is not an address and port, e.g. 192.168.1.10:5060"), text);
  return FALSE;
}

int
ust_server_analyse (UstServerOptions *options)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(UstCapture) capture = NULL;
  g_autoptr(UstCaptureCheck) check = NULL;
  g_autofree char *text = NULL;
  UstTraceAddress proxy;

  if (options->proxy != NULL && !parse_proxy (options->proxy, &proxy, &error))
    {
      g_printerr ("ustredna-server: %s\n", error->message);
      return 2;
    }
  capture = ust_capture_open (options->analyse, &error);
  if (capture == NULL)
    {
      g_printerr ("ustredna-server: %s\n", error->message);
      return EXIT_FAILURE;
    }
  if (options->proxy != NULL)
    ust_capture_set_proxy (capture, &proxy);
  check = ust_capture_check (capture);
  text = options->json ? ust_capture_format_json (capture, check)
                       : ust_capture_format_text (capture, check);
  fputs (text, stdout);
  return check->findings->len > 0 ? UST_ANALYSE_EXIT_FINDINGS : EXIT_SUCCESS;
}
