/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Widget tests for the "Wire" tab (ust-wire-view.c), in-process like
 * test-window.c: sipp registers two phones and makes a call through the
 * window's exchange on 127.0.0.1; the tests read the trace list, select a
 * message of the call and export its ladder. */

#include "config.h"

#include <string.h>

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <gtk/gtk.h>

#include "ust-application.h"
#include "ust-window.h"
#include "gui-test-util.h"
#include "ust-capture.h"
#include "ust-pcap.h"
#include "ust-wire-view.h"

/* Waiting ----------------------------------------------------------------------- */

/* Ports and sipp ------------------------------------------------------------------- */

/* Starting and stopping -------------------------------------------------------------- */

/* The wire view ----------------------------------------------------------------------- */

static UstWireView *
wire_view (void)
{
  GObject *object = gtk_widget_get_template_child (GTK_WIDGET (gui_test_window), UST_TYPE_WINDOW,
                                                   "wire_view");

  g_assert_true (UST_IS_WIRE_VIEW (object));
  return UST_WIRE_VIEW (object);
}

static guint
wire_n_items (void)
{
  return g_list_model_get_n_items (ust_wire_view_get_model (wire_view ()));
}

static UstTraceEntry *
wire_entry (guint position)
{
  g_autoptr (UstWireRow) row = g_list_model_get_item (ust_wire_view_get_model (wire_view ()),
                                                      position);

  g_assert_nonnull (row);
  return ust_wire_row_get_entry (row);
}

/* The list shows at least this many messages, and among them the call's
 * INVITE and BYE and both 200s. */
static gboolean
wire_has_call (gpointer data)
{
  gboolean invite = FALSE, bye = FALSE;
  guint n = wire_n_items ();

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *method = ust_trace_entry_dup_method (wire_entry (i));

      invite |= g_strcmp0 (method, "INVITE") == 0;
      bye |= g_strcmp0 (method, "BYE") == 0;
    }
  return n >= GPOINTER_TO_UINT (data) && invite && bye;
}

static char *
read_file (const char *path,
           gsize      *len)
{
  g_autoptr (GError) error = NULL;
  char *text = NULL;

  g_file_get_contents (path, &text, len, &error);
  g_assert_no_error (error);
  return text;
}

static guint32
be32 (const guint8 *bytes)
{
  return ((guint32) bytes[0] << 24) | ((guint32) bytes[1] << 16) | ((guint32) bytes[2] << 8)
         | bytes[3];
}

static void
test_wire_tab (void)
{
  GtkStack *stack = GTK_STACK (gtk_widget_get_template_child (GTK_WIDGET (gui_test_window),
                                                              UST_TYPE_WINDOW, "stack"));

  g_assert_nonnull (gtk_stack_get_child_by_name (stack, "wire"));
  g_assert_true (g_action_group_has_action (G_ACTION_GROUP (gui_test_app), "export-ladder-to"));
  g_assert_cmpuint (wire_n_items (), ==, 0);
  /* The list follows the trace while its tab shows, as a person would look. */
  gtk_stack_set_visible_child_name (stack, "wire");
  ust_test_spin (100);
}

static void
test_wire_call (void)
{
  g_autoptr (GSubprocess) callee = NULL;
  g_autoptr (GSubprocess) caller = NULL;
  g_autofree char *first = NULL;
  g_autofree char *png = g_build_filename (gui_test_tmp_dir, "ladder.png", NULL);
  g_autofree char *svg = g_build_filename (gui_test_tmp_dir, "ladder.svg", NULL);
  g_autofree char *txt = g_build_filename (gui_test_tmp_dir, "ladder.txt", NULL);
  g_autofree char *pcap = g_build_filename (gui_test_tmp_dir, "call.pcap", NULL);
  g_autofree char *png_data = NULL;
  g_autofree char *svg_data = NULL;
  g_autofree char *txt_data = NULL;
  gsize png_len = 0;
  guint invite = G_MAXUINT;

  if (!gui_test_need_sipp ())
    return;
  gui_test_start_on_loopback ();
  gui_test_sipp_call (500, &callee, &caller);
  gui_test_sipp_finish (caller, "uac-alice");
  gui_test_sipp_finish (callee, "uas-bob");

  /* Two REGISTERs with their 200s, and the call forwarded both ways:
   * INVITE, 100, 180, 200, ACK, BYE, 200, each in and out. */
  g_assert_true (ust_test_spin_until (wire_has_call, GUINT_TO_POINTER (14), GUI_TEST_WAIT_MS));
  first = ust_trace_entry_dup_method (wire_entry (0));
  g_assert_cmpstr (first, ==, "REGISTER");

  for (guint i = 0; i < wire_n_items () && invite == G_MAXUINT; i++)
    {
      g_autofree char *method = ust_trace_entry_dup_method (wire_entry (i));

      if (g_strcmp0 (method, "INVITE") == 0)
        invite = i;
    }
  g_assert_cmpuint (invite, !=, G_MAXUINT);
  /* sipp talks UDP, and the list says so beside each message. */
  {
    g_autoptr (UstWireRow) row = g_list_model_get_item (ust_wire_view_get_model (wire_view ()),
                                                        invite);
    g_autofree char *transport = NULL;

    g_object_get (row, "transport", &transport, NULL);
    g_assert_cmpstr (transport, ==, "UDP");
  }
  ust_wire_view_select (wire_view (), invite);
  ust_test_spin (100);
  g_assert_true (ust_wire_view_get_selected (wire_view ()) == wire_entry (invite));

  g_action_group_activate_action (G_ACTION_GROUP (gui_test_app), "export-ladder-to",
                                  g_variant_new_string (png));
  g_action_group_activate_action (G_ACTION_GROUP (gui_test_app), "export-ladder-to",
                                  g_variant_new_string (svg));
  g_action_group_activate_action (G_ACTION_GROUP (gui_test_app), "export-ladder-to",
                                  g_variant_new_string (txt));
  g_action_group_activate_action (G_ACTION_GROUP (gui_test_app), "export-ladder-to",
                                  g_variant_new_string (pcap));

  /* The capture holds exactly the call's messages (no REGISTER), in order. */
  {
    g_autoptr (GError) error = NULL;
    g_autoptr (UstCapture) capture = ust_capture_open (pcap, &error);
    GPtrArray *captured = capture != NULL ? ust_capture_get_entries (capture) : NULL;
    g_autofree char *method = NULL;

    g_assert_no_error (error);
    /* INVITE, 100, INVITE, 180, 180, 200, 200, ACK, ACK, BYE, BYE, 200, 200. */
    g_assert_cmpuint (captured->len, >=, 13);
    method = ust_trace_entry_dup_method (g_ptr_array_index (captured, 0));
    g_assert_cmpstr (method, ==, "INVITE");
    for (guint i = 0; i < captured->len; i++)
      g_assert_cmpstr (ust_trace_entry_get_call_id (g_ptr_array_index (captured, i)), ==,
                       ust_trace_entry_get_call_id (wire_entry (invite)));
  }

  /* The INVITE as received beside the INVITE as forwarded, the changes marked. */
  {
    GtkTextView *sent = GTK_TEXT_VIEW (gtk_widget_get_template_child (
                                         GTK_WIDGET (wire_view ()), UST_TYPE_WIRE_VIEW, "sent_text"));
    GtkTextBuffer *buffer = gtk_text_view_get_buffer (sent);
    GtkTextTag *changed = gtk_text_tag_table_lookup (gtk_text_buffer_get_tag_table (buffer),
                                                     "changed");
    GtkTextIter start, end;
    g_autofree char *text = NULL;

    gtk_text_buffer_get_bounds (buffer, &start, &end);
    text = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
    g_assert_true (g_str_has_prefix (text, "INVITE "));
    g_assert_nonnull (strstr (text, "Max-Forwards: 69"));
    g_assert_nonnull (changed);
    g_assert_true (gtk_text_iter_forward_to_tag_toggle (&start, changed));

    /* Each change carries the rule that made the exchange make it (#16),
     * and the two sides stay level. */
    g_assert_nonnull (strstr (text, "Max-Forwards decremented — RFC 3261 §16.6 step 3"));
    g_assert_nonnull (strstr (text, "Via added, so the response comes back through the "
                                    "exchange — RFC 3261 §16.6 step 8"));
    g_assert_nonnull (strstr (text, "Record-Route added so the ACK and BYE come back through "
                                    "the exchange — RFC 3261 §16.6 step 4"));
    g_assert_nonnull (strstr (text, "Request-URI replaced by where the user is registered"));
    g_assert_null (strstr (text, "passes this line on as it came"));
    {
      GtkTextView *received = GTK_TEXT_VIEW (gtk_widget_get_template_child (
                                               GTK_WIDGET (wire_view ()), UST_TYPE_WIRE_VIEW,
                                               "received_text"));

      g_assert_cmpint (gtk_text_buffer_get_line_count (gtk_text_view_get_buffer (received)), ==,
                       gtk_text_buffer_get_line_count (buffer));
    }
  }

  /* Clicking the second arrow of the ladder (alice <- exchange, 100 Trying)
   * selects that message: rows start 56 px down, 30 px each. */
  {
    GtkWidget *area = GTK_WIDGET (gtk_widget_get_template_child (
                                    GTK_WIDGET (wire_view ()), UST_TYPE_WIRE_VIEW, "ladder_area"));
    g_autoptr (GListModel) controllers = gtk_widget_observe_controllers (area);
    g_autofree char *summary = NULL;
    gboolean clicked = FALSE;

    for (guint i = 0; i < g_list_model_get_n_items (controllers) && !clicked; i++)
      {
        g_autoptr (GObject) controller = g_list_model_get_item (controllers, i);

        if (GTK_IS_GESTURE_CLICK (controller))
          {
            g_signal_emit_by_name (controller, "pressed", 1, 200.0, 56.0 + 30.0 + 15.0);
            clicked = TRUE;
          }
      }
    g_assert_true (clicked);
    g_assert_nonnull (ust_wire_view_get_selected (wire_view ()));
    summary = ust_trace_entry_dup_summary (ust_wire_view_get_selected (wire_view ()));
    g_assert_cmpstr (summary, ==, "100 Trying");
    /* Back to the INVITE for the exports. */
    ust_wire_view_select (wire_view (), invite);
  }

  /* PNG: the signature, then IHDR with a width and a height. */
  png_data = read_file (png, &png_len);
  g_assert_cmpuint (png_len, >, 24);
  g_assert_true (memcmp (png_data, "\x89PNG\r\n\x1a\n", 8) == 0);
  g_assert_true (memcmp (png_data + 12, "IHDR", 4) == 0);
  g_assert_cmpuint (be32 ((const guint8 *) png_data + 16), >, 0);
  g_assert_cmpuint (be32 ((const guint8 *) png_data + 20), >, 0);
  {
    g_autoptr (GError) error = NULL;
    g_autoptr (GdkTexture) texture = gdk_texture_new_from_filename (png, &error);

    g_assert_no_error (error);
    g_assert_cmpint (gdk_texture_get_width (texture), >, 0);
  }

  svg_data = read_file (svg, NULL);
  g_assert_true (g_str_has_prefix (svg_data, "<?xml"));
  g_assert_nonnull (strstr (svg_data, "<svg"));

  txt_data = read_file (txt, NULL);
  g_assert_nonnull (strstr (txt_data, "INVITE"));
  g_assert_nonnull (strstr (txt_data, "200"));

  /* For a report (#16): the call's ladder, capture and caption, and an index. */
  {
    g_autoptr (GError) error = NULL;
    g_autofree char *folder = g_build_filename (gui_test_tmp_dir, "report", NULL);
    g_autofree char *index = g_build_filename (folder, "index.html", NULL);
    g_autofree char *html = NULL;

    g_assert_true (ust_wire_view_export_report (wire_view (), folder, &error));
    g_assert_no_error (error);
    html = read_file (index, NULL);
    g_assert_nonnull (strstr (html, "call-1-ladder.svg"));
    g_assert_nonnull (strstr (html, "Call from alice@"));
    g_assert_nonnull (strstr (html, "ended by"));
  }
}

static void
test_wire_search (void)
{
  GtkEditable *entry = GTK_EDITABLE (gtk_widget_get_template_child (GTK_WIDGET (wire_view ()),
                                                                    UST_TYPE_WIRE_VIEW,
                                                                    "search_entry"));
  guint all = wire_n_items ();

  if (!gui_test_need_sipp ())
    return;
  g_assert_cmpuint (all, >, 0);
  gtk_editable_set_text (entry, "bye");
  /* The search entry waits a moment before it says the text changed. */
  ust_test_spin (600);
  g_assert_cmpuint (wire_n_items (), >, 0);
  g_assert_cmpuint (wire_n_items (), <, all);
  for (guint i = 0; i < wire_n_items (); i++)
    {
      g_autofree char *summary = ust_trace_entry_dup_summary (wire_entry (i));
      const char *call_id = ust_trace_entry_get_call_id (wire_entry (i));

      g_assert_true (strstr (summary, "BYE") != NULL || strstr (call_id, "bye") != NULL);
    }
  gtk_editable_set_text (entry, "");
  ust_test_spin (600);
  g_assert_cmpuint (wire_n_items (), ==, all);
}

/* app.show-on-wire, as build-aux/screenshot.sh uses it: the Wire tab shows,
 * searched, with its first match selected and the ladder of its call. */
static void
test_wire_show_on (void)
{
  GtkStack *stack = GTK_STACK (gtk_widget_get_template_child (GTK_WIDGET (gui_test_window),
                                                              UST_TYPE_WINDOW, "stack"));
  GtkEditable *entry = GTK_EDITABLE (gtk_widget_get_template_child (GTK_WIDGET (wire_view ()),
                                                                    UST_TYPE_WIRE_VIEW,
                                                                    "search_entry"));
  GtkLabel *ladder_label = GTK_LABEL (gtk_widget_get_template_child (GTK_WIDGET (wire_view ()),
                                                                     UST_TYPE_WIRE_VIEW,
                                                                     "ladder_label"));
  g_autofree char *summary = NULL;

  if (!gui_test_need_sipp ())
    return;
  gtk_stack_set_visible_child_name (stack, "exchange");
  gui_test_activate ("show-on-wire", g_variant_new_string ("INVITE"));
  g_assert_cmpstr (gtk_stack_get_visible_child_name (stack), ==, "wire");
  g_assert_cmpstr (gtk_editable_get_text (entry), ==, "INVITE");
  g_assert_cmpint (gtk_notebook_get_current_page (GTK_NOTEBOOK (gtk_widget_get_template_child (
                     GTK_WIDGET (wire_view ()), UST_TYPE_WIRE_VIEW, "detail_notebook"))), ==, 1);
  g_assert_nonnull (ust_wire_view_get_selected (wire_view ()));
  summary = ust_trace_entry_dup_summary (ust_wire_view_get_selected (wire_view ()));
  g_assert_nonnull (strstr (summary, "INVITE"));
  g_assert_true (g_str_has_prefix (gtk_label_get_text (ladder_label), "Call "));
  gtk_editable_set_text (entry, "");
  ust_test_spin (600);
}

static gboolean
more_than (gpointer data)
{
  return wire_n_items () > GPOINTER_TO_UINT (data);
}

static void
test_wire_pause (void)
{
  GtkToggleButton *pause = GTK_TOGGLE_BUTTON (gtk_widget_get_template_child (
                                                GTK_WIDGET (wire_view ()), UST_TYPE_WIRE_VIEW,
                                                "pause_button"));
  guint before;

  if (!gui_test_need_sipp ())
    return;
  gui_test_start_on_loopback ();
  before = wire_n_items ();
  gtk_toggle_button_set_active (pause, TRUE);
  gui_test_sipp_register ("dave", gui_test_free_port (NULL));
  ust_test_spin (800);
  g_assert_cmpuint (wire_n_items (), ==, before);
  gtk_toggle_button_set_active (pause, FALSE);
  g_assert_true (ust_test_spin_until (more_than, GUINT_TO_POINTER (before + 1), GUI_TEST_WAIT_MS));
}

int
main (int   argc,
      char *argv[])
{
  gui_test_start (&argc, &argv, "wire", "WireTest");

  g_test_add_func ("/ust/gui/wire/tab", test_wire_tab);
  g_test_add_func ("/ust/gui/wire/call", test_wire_call);
  g_test_add_func ("/ust/gui/wire/search", test_wire_search);
  g_test_add_func ("/ust/gui/wire/show-on", test_wire_show_on);
  g_test_add_func ("/ust/gui/wire/pause", test_wire_pause);

  return gui_test_finish (g_test_run (), FALSE);
}
