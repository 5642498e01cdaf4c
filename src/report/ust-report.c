/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ust-report"

#include "config.h"

#include <errno.h>
#include <string.h>

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "ust-call-store.h"
#include "ust-call-summary.h"
#include "ust-capture-format.h"
#include "ust-csv.h"
#include "ust-ladder-drawing.h"
#include "ust-pcap.h"
#include "ust-report.h"

typedef struct {
  const UstReportSource *source;
  const char            *dir;
  GPtrArray             *summaries;    /* UstCallSummary*, the calls in the bundle */
  GString               *html;
  GPtrArray             *files;        /* char*, the files written, for the index */
} Report;

static char *
path_in (Report     *report,
         const char *name)
{
  return g_build_filename (report->dir, name, NULL);
}

static gboolean
write_text (Report      *report,
            const char  *name,
            const char  *text,
            GError     **error)
{
  g_autofree char *path = path_in (report, name);

  if (!g_file_set_contents (path, text, -1, error))
    return FALSE;
  g_ptr_array_add (report->files, g_strdup (name));
  return TRUE;
}

/* "&lt;" and friends: what a browser shows is the text as it was. */
static void
append_escaped (GString    *html,
                const char *text)
{
  g_autofree char *valid = g_utf8_make_valid (text != NULL ? text : "", -1);
  g_autofree char *escaped = g_markup_escape_text (valid, -1);

  g_string_append (html, escaped);
}

/* The ladder, the capture and the caption of one call. */
static gboolean
write_call (Report          *report,
            guint            number,
            UstCallSummary  *summary,
            GError         **error)
{
  GPtrArray *entries = ust_capture_get_entries (report->source->capture);
  g_autoptr(UstLadder) ladder = ust_ladder_new_for_call (entries, summary->call_id);
  g_autoptr(GPtrArray) messages = ust_trace_filter_call (entries, summary->call_id);
  g_autofree char *svg = g_strdup_printf ("call-%u-ladder.svg", number);
  g_autofree char *png = g_strdup_printf ("call-%u-ladder.png", number);
  g_autofree char *pcap = g_strdup_printf ("call-%u.pcap", number);
  g_autofree char *caption = ust_call_summary_caption (summary);
  g_autofree char *svg_path = path_in (report, svg);
  g_autofree char *png_path = path_in (report, png);
  g_autofree char *pcap_path = path_in (report, pcap);

  if (!report->source->own_exchange)
    ust_ladder_set_exchange_name (ladder, _("Proxy"));
  if (!ust_ladder_drawing_save (ladder, svg_path, error)
      || !ust_ladder_drawing_save (ladder, png_path, error)
      || !ust_pcap_write_entries (pcap_path, messages, error))
    return FALSE;
  g_ptr_array_add (report->files, g_strdup (svg));
  g_ptr_array_add (report->files, g_strdup (png));
  g_ptr_array_add (report->files, g_strdup (pcap));

  g_string_append_printf (report->html, "<section id=\"call-%u\">\n<h3>", number);
  /* Translators: a heading in the report, "Call 2". */
  g_string_append_printf (report->html, _("Call %u"), number);
  g_string_append (report->html, "</h3>\n<p class=\"caption\">");
  append_escaped (report->html, caption);
  g_string_append_printf (report->html, "</p>\n<p class=\"call-id\">Call-ID: <code>");
  append_escaped (report->html, summary->call_id);
  g_string_append_printf (report->html, "</code></p>\n<img src=\"%s\" alt=\"", svg);
  append_escaped (report->html, caption);
  g_string_append_printf (report->html, "\">\n<p><a href=\"%s\">SVG</a> · <a href=\"%s\">PNG</a>"
                          " · <a href=\"%s\">", svg, png, pcap);
  append_escaped (report->html, _("capture of this call (pcap)"));
  g_string_append (report->html, "</a></p>\n</section>\n");
  return TRUE;
}

static void
cell (GString    *csv,
      const char *text,
      gboolean    guard_formula)
{
  if (csv->len > 0 && csv->str[csv->len - 1] != '\n')
    g_string_append_c (csv, ',');
  ust_csv_append_cell (csv, text, ',', guard_formula);
}

/* The calls as CSV (RFC 4180): one row per call, the caption last. */
static gboolean
write_calls_csv (Report  *report,
                 GError **error)
{
  g_autoptr(GString) csv = g_string_new (NULL);
  const char *header[] = {
    N_("Call-ID"), N_("Caller"), N_("Callee"), N_("Started"), N_("Ringing after (s)"),
    N_("Answered after (s)"), N_("Ended after (s)"), N_("Final response"), N_("Caption"),
  };

  for (guint i = 0; i < G_N_ELEMENTS (header); i++)
    cell (csv, _(header[i]), FALSE);
  g_string_append (csv, "\r\n");
  for (guint i = 0; i < report->summaries->len; i++)
    {
      UstCallSummary *summary = g_ptr_array_index (report->summaries, i);
      g_autoptr(GDateTime) start = g_date_time_new_from_unix_local (summary->start
                                                                    / G_USEC_PER_SEC);
      g_autofree char *started = start != NULL ? g_date_time_format_iso8601 (start) : NULL;
      g_autofree char *caption = ust_call_summary_caption (summary);
      gint64 times[3] = { summary->ringing, summary->answered, summary->ended };
      g_autofree char *final = summary->final_code > 0
                                 ? g_strdup_printf ("%u %s", summary->final_code,
                                                    summary->final_reason != NULL
                                                      ? summary->final_reason : "")
                                 : g_strdup ("");

      if (report->source->call_id != NULL
          && g_strcmp0 (summary->call_id, report->source->call_id) != 0)
        continue;
      cell (csv, summary->call_id, TRUE);
      cell (csv, summary->caller, TRUE);
      cell (csv, summary->callee, TRUE);
      cell (csv, started, FALSE);
      for (guint t = 0; t < 3; t++)
        {
          char number[G_ASCII_DTOSTR_BUF_SIZE] = "";

          if (times[t] >= 0)
            g_ascii_formatd (number, sizeof number, "%.3f", times[t] / (double) G_USEC_PER_SEC);
          cell (csv, number, FALSE);
        }
      cell (csv, final, TRUE);
      cell (csv, caption, TRUE);
      g_string_append (csv, "\r\n");
    }
  return write_text (report, "calls.csv", csv->str, error);
}

/* The exchange's diary rows of the calls that began while the capture ran. */
static gboolean
write_diary (Report  *report,
             GError **error)
{
  GPtrArray *entries = ust_capture_get_entries (report->source->capture);
  g_autofree char *path = path_in (report, "diary.csv");
  gint64 since, until;

  if (report->source->diary_db == NULL || entries->len == 0
      || !g_file_test (report->source->diary_db, G_FILE_TEST_EXISTS))
    return TRUE;
  since = ust_trace_entry_get_time (g_ptr_array_index (entries, 0)) / G_USEC_PER_SEC
          * G_USEC_PER_SEC;
  until = ust_trace_entry_get_time (g_ptr_array_index (entries, entries->len - 1))
          + G_USEC_PER_SEC;
  if (!ust_call_store_export_csv (report->source->diary_db, path, since, until, FALSE, error))
    return FALSE;
  g_ptr_array_add (report->files, g_strdup ("diary.csv"));
  return TRUE;
}

static void
append_finding_row (GString          *html,
                    const UstFinding *finding)
{
  g_autofree char *summary = finding->entry != NULL
                               ? ust_trace_entry_dup_summary (finding->entry) : NULL;
  g_autofree char *time = finding->entry != NULL
                            ? ust_capture_format_time (ust_trace_entry_get_time (finding->entry))
                            : NULL;

  g_string_append (html, "<tr><td>");
  if (finding->entry != NULL)
    g_string_append_printf (html, "#%" G_GUINT64_FORMAT " %s ",
                            ust_trace_entry_get_seq (finding->entry), time);
  append_escaped (html, summary);
  g_string_append (html, "</td><td>");
  append_escaped (html, ust_rule_get_title (finding->rule));
  g_string_append (html, "</td><td>");
  append_escaped (html, ust_rule_get_section (finding->rule));
  g_string_append (html, "</td><td>");
  if (finding->detail != NULL)
    {
      append_escaped (html, finding->detail);
      g_string_append (html, " ");
    }
  append_escaped (html, ust_rule_get_consequence (finding->rule));
  g_string_append (html, "</td></tr>\n");
}

/* Only the findings of the calls in the bundle when it holds one call. */
static gboolean
finding_wanted (Report           *report,
                const UstFinding *finding)
{
  return report->source->call_id == NULL
         || g_strcmp0 (finding->call_id, report->source->call_id) == 0;
}

static gboolean
write_findings (Report  *report,
                GError **error)
{
  UstCaptureCheck *check = report->source->check;
  g_autofree char *text = NULL;
  g_autofree char *json = NULL;
  guint shown = 0;

  if (check == NULL)
    return TRUE;
  text = ust_capture_format_text (report->source->capture, check);
  json = ust_capture_format_json (report->source->capture, check);
  if (!write_text (report, "findings.txt", text, error)
      || !write_text (report, "findings.json", json, error))
    return FALSE;

  g_string_append_printf (report->html, "<h2>%s</h2>\n", _("Findings"));
  for (guint i = 0; i < check->findings->len; i++)
    shown += finding_wanted (report, g_ptr_array_index (check->findings, i));
  if (shown == 0)
    {
      g_string_append (report->html, "<p>");
      append_escaped (report->html, _("No findings: the proxy kept every rule checked."));
      g_string_append (report->html, "</p>\n");
      return TRUE;
    }
  g_string_append (report->html, "<table>\n<tr><th>");
  append_escaped (report->html, _("Message"));
  g_string_append (report->html, "</th><th>");
  append_escaped (report->html, _("Rule"));
  g_string_append (report->html, "</th><th>RFC</th><th>");
  append_escaped (report->html, _("What it means for a phone"));
  g_string_append (report->html, "</th></tr>\n");
  for (guint i = 0; i < check->findings->len; i++)
    if (finding_wanted (report, g_ptr_array_index (check->findings, i)))
      append_finding_row (report->html, g_ptr_array_index (check->findings, i));
  g_string_append (report->html, "</table>\n");
  return TRUE;
}

/* "sk" or "en": the language the captions came out in. */
static const char *
language (void)
{
  /* Translators: the HTML language code of this translation ("sk"). */
  return _("en");
}

static void
begin_html (Report *report)
{
  const char *path = ust_capture_get_path (report->source->capture);
  g_autofree char *name = path != NULL ? g_path_get_basename (path) : NULL;
  g_autofree char *title = name != NULL
                             /* Translators: the title of a report, with the capture's name. */
                             ? g_strdup_printf (_("Report: %s"), name)
                             : g_strdup (_("Report: the exchange's own session"));
  UstTraceAddress proxy;

  g_string_append_printf (report->html,
                          "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n"
                          "<title>", language ());
  append_escaped (report->html, title);
  g_string_append (report->html,
                   "</title>\n<style>\nbody { font-family: sans-serif; margin: 2em; max-width: "
                   "70em; }\ntable { border-collapse: collapse; }\ntd, th { border: 1px solid "
                   "#ccc; padding: 0.3em 0.5em; vertical-align: top; text-align: left; }\n"
                   "img { max-width: 100%; border: 1px solid #ddd; }\n.caption { font-weight: "
                   "bold; }\n</style>\n</head>\n<body>\n<h1>");
  append_escaped (report->html, title);
  g_string_append (report->html, "</h1>\n");
  if (ust_capture_get_proxy (report->source->capture, &proxy))
    {
      g_autofree char *where = ust_trace_address_to_string (&proxy);
      g_autofree char *line = g_strdup_printf (report->source->own_exchange
                                                 ? _("The exchange: %s")
                                                 : _("Proxy checked: %s"),
                                               where);

      g_string_append (report->html, "<p>");
      append_escaped (report->html, line);
      g_string_append (report->html, "</p>\n");
    }
}

static void
end_html (Report *report)
{
  g_string_append_printf (report->html, "<h2>%s</h2>\n<ul>\n", _("Files"));
  for (guint i = 0; i < report->files->len; i++)
    {
      const char *name = g_ptr_array_index (report->files, i);

      g_string_append_printf (report->html, "<li><a href=\"%s\">%s</a></li>\n", name, name);
    }
  g_string_append (report->html, "</ul>\n</body>\n</html>\n");
}

/* Writes the bundle into @dir (made if need be). */
gboolean
ust_report_write (const char             *dir,
                  const UstReportSource  *source,
                  GError                **error)
{
  Report report = { source, dir };
  gboolean ok = TRUE;

  g_return_val_if_fail (dir != NULL && source != NULL, FALSE);
  g_return_val_if_fail (UST_IS_CAPTURE (source->capture), FALSE);

  if (g_mkdir_with_parents (dir, 0755) != 0)
    {
      int saved = errno;
      g_autofree char *display = g_filename_display_name (dir);

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   _("Cannot make the folder %s: %s"), display, g_strerror (saved));
      return FALSE;
    }
  report.summaries = ust_call_summaries (ust_capture_get_entries (source->capture));
  report.html = g_string_new (NULL);
  report.files = g_ptr_array_new_with_free_func (g_free);

  begin_html (&report);
  ok = write_findings (&report, error);
  if (ok)
    g_string_append_printf (report.html, "<h2>%s</h2>\n", _("Calls"));
  for (guint i = 0, number = 0; ok && i < report.summaries->len; i++)
    {
      UstCallSummary *summary = g_ptr_array_index (report.summaries, i);

      if (source->call_id != NULL && g_strcmp0 (summary->call_id, source->call_id) != 0)
        continue;
      ok = write_call (&report, ++number, summary, error);
    }
  ok = ok && write_calls_csv (&report, error) && write_diary (&report, error);
  if (ok)
    {
      end_html (&report);
      ok = write_text (&report, "index.html", report.html->str, error);
    }

  g_ptr_array_unref (report.summaries);
  g_string_free (report.html, TRUE);
  g_ptr_array_unref (report.files);
  return ok;
}
