/* SPDX-License-Identifier: GPL-3.0-or-later */
/* File → Open Capture (ust-capture-window.c), in-process like test-wire.c:
 * the test writes a capture of a call through a proxy that forgets to
 * decrement Max-Forwards and to record-route, opens it through the app
 * action the menu item uses, and checks what a student would look at: the
 * findings come first, a finding leads to its message in the ladder, and
 * the diff of that message names the rules behind each change. */

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>
#include <gtk/gtk.h>
#include <pcap/pcap.h>

#include "gui-test-util.h"
#include "ust-capture-window.h"
#include "ust-finding-row.h"

#define P "10.0.0.1:5060"
#define A "10.0.0.5:5062"
#define B "10.0.0.7:5064"

static void
put16 (guint8  *p,
       guint16  v)
{
  p[0] = v >> 8;
  p[1] = v & 0xff;
}

/* One UDP datagram in a raw-IP capture. */
static void
add_datagram (pcap_dumper_t *dumper,
              gint64         time,
              const char    *from,
              const char    *to,
              const char    *text)
{
  UstTraceAddress source, destination;
  gsize len = strlen (text);
  g_autofree guint8 *packet = g_malloc0 (28 + len);
  struct pcap_pkthdr header = { 0 };

  g_assert_true (ust_trace_address_parse (&source, from));
  g_assert_true (ust_trace_address_parse (&destination, to));
  packet[0] = 0x45;
  put16 (packet + 2, (guint16) (28 + len));
  packet[8] = 64;
  packet[9] = 17;
  memcpy (packet + 12, source.bytes, 4);
  memcpy (packet + 16, destination.bytes, 4);
  put16 (packet + 20, source.port);
  put16 (packet + 22, destination.port);
  put16 (packet + 24, (guint16) (8 + len));
  memcpy (packet + 28, text, len);
  header.ts.tv_sec = time / G_USEC_PER_SEC;
  header.ts.tv_usec = time % G_USEC_PER_SEC;
  header.caplen = header.len = (guint32) (28 + len);
  pcap_dump ((u_char *) dumper, &header, packet);
}

#define VIA_A "Via: SIP/2.0/UDP 10.0.0.5:5062;branch=z9hG4bKa1\r\n"
#define VIA_P "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKp1\r\n"
#define DIALOG(tag) "From: <sip:alice@10.0.0.1>;tag=fa\r\nTo: <sip:bob@10.0.0.1>" tag "\r\n" \
                    "Call-ID: gui-call\r\nCSeq: 1 INVITE\r\n"

static char *
write_capture (void)
{
  char *path = g_build_filename (gui_test_tmp_dir, "student.pcap", NULL);
  pcap_t *pcap = pcap_open_dead (DLT_RAW, 65535);
  pcap_dumper_t *dumper = pcap_dump_open (pcap, path);
  gint64 t = (gint64) 1700000000 * G_USEC_PER_SEC;

  g_assert_nonnull (dumper);
  add_datagram (dumper, t, A, P, "INVITE sip:bob@10.0.0.1 SIP/2.0\r\n" VIA_A
                "Max-Forwards: 70\r\n" DIALOG ("") "Content-Length: 0\r\n\r\n");
  add_datagram (dumper, t + 1000, P, A, "SIP/2.0 100 Trying\r\n" VIA_A DIALOG ("")
                "Content-Length: 0\r\n\r\n");
  /* Max-Forwards still 70, and no Record-Route. */
  add_datagram (dumper, t + 2000, P, B, "INVITE sip:bob@10.0.0.7:5064 SIP/2.0\r\n" VIA_P VIA_A
                "Max-Forwards: 70\r\n" DIALOG ("") "Content-Length: 0\r\n\r\n");
  add_datagram (dumper, t + 30000, B, P, "SIP/2.0 180 Ringing\r\n" VIA_P VIA_A DIALOG (";tag=b")
                "Content-Length: 0\r\n\r\n");
  add_datagram (dumper, t + 31000, P, A, "SIP/2.0 180 Ringing\r\n" VIA_A DIALOG (";tag=b")
                "Content-Length: 0\r\n\r\n");
  pcap_dump_close (dumper);
  pcap_close (pcap);
  return path;
}

static UstCaptureWindow *
find_capture_window (void)
{
  GList *windows = gtk_application_get_windows (GTK_APPLICATION (gui_test_app));

  for (GList *l = windows; l != NULL; l = l->next)
    if (UST_IS_CAPTURE_WINDOW (l->data))
      return l->data;
  return NULL;
}

static gboolean
capture_window_shown (gpointer data)
{
  UstCaptureWindow *capture = find_capture_window ();

  return capture != NULL && gtk_widget_get_mapped (GTK_WIDGET (capture));
}

static char *
text_of (GtkWidget  *widget,
         GType       type,
         const char *child)
{
  GtkTextView *view = GTK_TEXT_VIEW (gtk_widget_get_template_child (widget, type, child));
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (view);
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

/* With UST_CAPTURE_SCREENSHOT=PREFIX, the window as PREFIX-NAME.png, to
 * look at by eye. */
static void
screenshot (GtkWidget  *widget,
            const char *name)
{
  const char *prefix = g_getenv ("UST_CAPTURE_SCREENSHOT");
  g_autoptr (GdkPaintable) paintable = NULL;
  g_autoptr (GtkSnapshot) snapshot = NULL;
  g_autoptr (GskRenderNode) node = NULL;
  g_autoptr (GdkTexture) texture = NULL;
  g_autofree char *path = NULL;
  int width, height;

  if (prefix == NULL)
    return;
  ust_test_spin (500);
  width = gtk_widget_get_width (widget);
  height = gtk_widget_get_height (widget);
  paintable = gtk_widget_paintable_new (widget);
  snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, GDK_SNAPSHOT (snapshot), width, height);
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  if (node == NULL)
    return;
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (widget)), node,
                                         &GRAPHENE_RECT_INIT (0, 0, width, height));
  path = g_strdup_printf ("%s-%s.png", prefix, name);
  gdk_texture_save_to_png (texture, path);
}

static void
test_open_capture (void)
{
  g_autofree char *path = write_capture ();
  UstCaptureWindow *capture;
  GListModel *findings;
  g_autoptr (GPtrArray) rules = g_ptr_array_new ();
  UstWireView *wire;
  g_autofree char *sent = NULL;
  g_autofree char *message = NULL;

  /* The menu item's action is app.open-capture (a dialog); the same opening
   * with the file named. */
  g_assert_true (gui_test_action_enabled ("open-capture"));
  gui_test_activate ("open-capture-file", g_variant_new_string (path));
  g_assert_true (ust_test_spin_until (capture_window_shown, NULL, GUI_TEST_WAIT_MS));
  capture = find_capture_window ();
  ust_test_spin (300);

  /* The findings first: the two the proxy earned, on its INVITE. */
  g_assert_cmpstr (ust_capture_window_get_page (capture), ==, "findings");
  findings = ust_capture_window_get_findings (capture);
  g_assert_cmpuint (g_list_model_get_n_items (findings), ==, 2);
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr (UstFindingRow) row = g_list_model_get_item (findings, i);
      g_autofree char *text = NULL;

      g_object_get (row, "message", &text, NULL);
      g_assert_nonnull (strstr (text, "#3"));
      g_assert_nonnull (strstr (text, "INVITE"));
      g_ptr_array_add (rules, (gpointer) ust_rule_get_id (ust_finding_row_get_finding (row)->rule));
    }
  /* For one message, in the rules' table order. */
  g_assert_cmpstr (g_ptr_array_index (rules, 0), ==, "no-record-route");
  g_assert_cmpstr (g_ptr_array_index (rules, 1), ==, "max-forwards");
  {
    GtkLabel *heading = GTK_LABEL (gtk_widget_get_template_child (GTK_WIDGET (capture),
                                                                  UST_TYPE_CAPTURE_WINDOW,
                                                                  "findings_label"));

    g_assert_cmpstr (gtk_label_get_text (heading), ==, "2 findings");
  }
  screenshot (GTK_WIDGET (capture), "findings");

  /* A finding leads to its message: the ladder of its call with it
   * selected, and the diff of what the proxy changed, rule by rule. */
  ust_capture_window_show_finding (capture, 0);
  ust_test_spin (200);
  g_assert_cmpstr (ust_capture_window_get_page (capture), ==, "messages");
  wire = ust_capture_window_get_wire_view (capture);
  g_assert_nonnull (ust_wire_view_get_selected (wire));
  g_assert_cmpuint (ust_trace_entry_get_seq (ust_wire_view_get_selected (wire)), ==, 3);
  g_assert_cmpuint (g_list_model_get_n_items (ust_wire_view_get_model (wire)), ==, 5);
  {
    GtkNotebook *details = GTK_NOTEBOOK (gtk_widget_get_template_child (GTK_WIDGET (wire),
                                                                        UST_TYPE_WIRE_VIEW,
                                                                        "detail_notebook"));
    GtkLabel *tab = GTK_LABEL (gtk_widget_get_template_child (GTK_WIDGET (wire),
                                                              UST_TYPE_WIRE_VIEW,
                                                              "diff_tab_label"));

    g_assert_cmpint (gtk_notebook_get_current_page (details), ==, 1);   /* the ladder */
    g_assert_cmpstr (gtk_label_get_text (tab), ==, "What the Proxy Changed");
  }
  sent = text_of (GTK_WIDGET (wire), UST_TYPE_WIRE_VIEW, "sent_text");
  g_assert_nonnull (strstr (sent, "Via added, so the response comes back through the proxy — "
                                  "RFC 3261 §16.6 step 8"));
  /* Max-Forwards did not change, so the diff has no line for it. */
  g_assert_null (strstr (sent, "Max-Forwards decremented"));
  message = text_of (GTK_WIDGET (wire), UST_TYPE_WIRE_VIEW, "message_text");
  g_assert_true (g_str_has_prefix (message, "INVITE sip:bob@10.0.0.7:5064"));
  screenshot (GTK_WIDGET (capture), "messages");

  /* Checked with alice as the proxy instead, the same capture says other
   * things; back to the real proxy, the two findings again. */
  {
    UstTraceAddress alice, proxy;

    g_assert_true (ust_trace_address_parse (&alice, A));
    g_assert_true (ust_trace_address_parse (&proxy, P));
    ust_capture_window_set_proxy (capture, &alice);
    g_assert_cmpuint (g_list_model_get_n_items (findings), !=, 2);
    ust_capture_window_set_proxy (capture, &proxy);
    g_assert_cmpuint (g_list_model_get_n_items (findings), ==, 2);
  }

  /* Export for Report: the whole capture from the findings page, the
   * finding's call from the messages page. */
  {
    g_autofree char *folder = g_build_filename (gui_test_tmp_dir, "report", NULL);
    g_autofree char *index = g_build_filename (folder, "index.html", NULL);
    g_autofree char *html = NULL;
    const char *files[] = { "call-1-ladder.svg", "call-1-ladder.png", "call-1.pcap",
                            "calls.csv", "findings.txt", "findings.json" };
    GtkLabel *status = GTK_LABEL (gtk_widget_get_template_child (GTK_WIDGET (capture),
                                                                 UST_TYPE_CAPTURE_WINDOW,
                                                                 "status_label"));

    gtk_widget_activate_action (GTK_WIDGET (capture), "win.export-report-to", "s", folder);
    g_assert_true (g_file_get_contents (index, &html, NULL, NULL));
    g_assert_nonnull (strstr (html, "Max-Forwards not decremented"));
    g_assert_nonnull (strstr (html, "Call from alice@10.0.0.5 to bob@10.0.0.7: 180 after"));
    for (guint i = 0; i < G_N_ELEMENTS (files); i++)
      {
        g_autofree char *file = g_build_filename (folder, files[i], NULL);

        g_assert_true (g_file_test (file, G_FILE_TEST_IS_REGULAR));
      }
    g_assert_true (g_str_has_prefix (gtk_label_get_text (status), "Report written: "));
  }

  gtk_window_destroy (GTK_WINDOW (capture));
}

/* A file that is no capture: the main window says so, and no window opens. */
static void
test_not_a_capture (void)
{
  g_autofree char *path = g_build_filename (gui_test_tmp_dir, "notes.txt", NULL);
  GtkLabel *message;

  g_assert_true (g_file_set_contents (path, "not a capture\n", -1, NULL));
  gui_test_activate ("open-capture-file", g_variant_new_string (path));
  ust_test_spin (1000);
  g_assert_null (find_capture_window ());
  message = GTK_LABEL (gtk_widget_get_template_child (GTK_WIDGET (gui_test_window), UST_TYPE_WINDOW,
                                                      "message_label"));
  g_assert_nonnull (strstr (gtk_label_get_text (message), "pcapng"));
}

/* With UST_CAPTURE_BIG=FILE: how long FILE takes from the action to its
 * window on screen, findings and all (issue #16 asks 100,000 messages in
 * under 2 s). A measurement on demand, not a pass/fail: timing depends on
 * what else the machine runs. */
static void
test_big_capture (void)
{
  const char *path = g_getenv ("UST_CAPTURE_BIG");
  gint64 start;
  UstCaptureWindow *capture;

  if (path == NULL)
    {
      g_test_skip ("set UST_CAPTURE_BIG=FILE to time opening a large capture");
      return;
    }
  start = g_get_monotonic_time ();
  gui_test_activate ("open-capture-file", g_variant_new_string (path));
  g_assert_true (ust_test_spin_until (capture_window_shown, NULL, 60000));
  capture = find_capture_window ();
  g_test_message ("%s: %u messages on screen in %.2f s", path,
                  g_list_model_get_n_items (ust_wire_view_get_model (
                                              ust_capture_window_get_wire_view (capture))),
                  (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC);
  g_print ("# opened in %.2f s\n", (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC);
  gtk_window_destroy (GTK_WINDOW (capture));
}

int
main (int   argc,
      char *argv[])
{
  gui_test_start (&argc, &argv, "capture-window", "CaptureWindowTest");

  g_test_add_func ("/ust/gui/capture-window/open", test_open_capture);
  g_test_add_func ("/ust/gui/capture-window/not-a-capture", test_not_a_capture);
  g_test_add_func ("/ust/gui/capture-window/big", test_big_capture);

  return gui_test_finish (g_test_run (), FALSE);
}
