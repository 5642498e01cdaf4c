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
#include "ust-pcap.h"
#include "ust-wire-view.h"

#define SIPP_TIMEOUT "20s"
#define WAIT_MS 10000
#define SIPP_WAIT_MS 40000

static UstApplication *app;
static UstWindow *window;
static char *tmp_dir;

/* Waiting ----------------------------------------------------------------------- */

typedef gboolean (*Condition) (gpointer data);

/* Spins the main context until @condition holds or @timeout_ms pass. */
static gboolean
wait_for (Condition condition,
          gpointer  data,
          guint     timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  while (!condition (data))
    {
      if (g_get_monotonic_time () > deadline)
        return FALSE;
      while (g_main_context_pending (NULL))
        g_main_context_iteration (NULL, FALSE);
      g_usleep (5000);
    }
  return TRUE;
}

static gboolean
never (gpointer data)
{
  return FALSE;
}

/* Lets the window settle (draw, apply batches) for @ms. */
static void
spin (guint ms)
{
  wait_for (never, NULL, ms);
}

static gboolean
action_enabled (const char *name)
{
  return g_action_group_get_action_enabled (G_ACTION_GROUP (app), name);
}

static void
activate (const char *name,
          GVariant   *parameter)
{
  g_assert_true (action_enabled (name));
  g_action_group_activate_action (G_ACTION_GROUP (app), name, parameter);
}

static UstExchange *
exchange (void)
{
  return ust_application_get_exchange (app);
}
/* Ports and sipp ------------------------------------------------------------------- */

/* A UDP port free right now on 127.0.0.1 (the socket is returned when
 * @keep is given, to hold the port). */
static guint
free_port (GSocket **keep)
{
  g_autoptr (GSocket) socket = NULL;
  g_autoptr (GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr (GSocketAddress) bound = NULL;
  g_autoptr (GError) error = NULL;
  guint port;

  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP,
                         &error);
  g_assert_no_error (error);
  g_socket_bind (socket, any, FALSE, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  if (keep != NULL)
    *keep = g_steal_pointer (&socket);
  return port;
}

static const char *
sipp_program (void)
{
  static char *path;

  if (path == NULL)
    path = g_find_program_in_path ("sipp");
  return path;
}

static gboolean
need_sipp (void)
{
  if (sipp_program () != NULL)
    return TRUE;
  g_test_skip ("sipp is not installed");
  return FALSE;
}

/* Starts sipp with @scenario (in tests/sipp) on local @port, towards the
 * exchange unless @to_exchange is FALSE (a callee only waits). Extra
 * arguments follow, NULL-terminated. */
static GSubprocess *
sipp_start (const char *label,
            const char *scenario,
            guint       port,
            gboolean    to_exchange,
            ...)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autofree char *log = g_strdup_printf ("%s/%s.out", tmp_dir, label);
  g_autoptr (GError) error = NULL;
  const char *sipp_dir = g_getenv ("UST_SIPP_DIR");
  GSubprocess *process;
  const char *arg;
  va_list args;

  g_assert_nonnull (sipp_dir);
  g_ptr_array_add (argv, g_strdup (sipp_program ()));
  if (to_exchange)
    g_ptr_array_add (argv, g_strdup_printf ("127.0.0.1:%u", ust_exchange_get_port (exchange ())));
  g_ptr_array_add (argv, g_strdup ("-sf"));
  g_ptr_array_add (argv, g_build_filename (sipp_dir, scenario, NULL));
  g_ptr_array_add (argv, g_strdup ("-i"));
  g_ptr_array_add (argv, g_strdup ("127.0.0.1"));
  g_ptr_array_add (argv, g_strdup ("-p"));
  g_ptr_array_add (argv, g_strdup_printf ("%u", port));
  g_ptr_array_add (argv, g_strdup ("-m"));
  g_ptr_array_add (argv, g_strdup ("1"));
  /* TECH-NOTES §0.10: -nostdin, and a timeout that is an error. */
  g_ptr_array_add (argv, g_strdup ("-nostdin"));
  g_ptr_array_add (argv, g_strdup ("-timeout"));
  g_ptr_array_add (argv, g_strdup (SIPP_TIMEOUT));
  g_ptr_array_add (argv, g_strdup ("-timeout_error"));
  g_ptr_array_add (argv, g_strdup ("-key"));
  g_ptr_array_add (argv, g_strdup ("dom"));
  g_ptr_array_add (argv, g_strdup ("127.0.0.1"));
  va_start (args, to_exchange);
  while ((arg = va_arg (args, const char *)) != NULL)
    g_ptr_array_add (argv, g_strdup (arg));
  va_end (args);
  g_ptr_array_add (argv, NULL);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_INHERIT
                                        | G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_subprocess_launcher_set_cwd (launcher, tmp_dir);
  g_subprocess_launcher_set_stdout_file_path (launcher, log);
  process = g_subprocess_launcher_spawnv (launcher, (const char *const *) argv->pdata, &error);
  g_assert_no_error (error);
  return process;
}

static gboolean
process_done (gpointer data)
{
  return g_subprocess_get_if_exited (data) || g_subprocess_get_if_signaled (data);
}

static gboolean
sipp_exited (gpointer data)
{
  /* g_subprocess_get_if_exited() needs the process to be reaped; waiting
   * asynchronously reaps it from the main context. */
  return GPOINTER_TO_INT (g_object_get_data (data, "ust-done"));
}

static void
sipp_wait_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  g_object_set_data (source, "ust-done", GINT_TO_POINTER (TRUE));
}

static void
sipp_watch (GSubprocess *process)
{
  g_subprocess_wait_async (process, NULL, sipp_wait_cb, NULL);
}

/* Waits (bounded) for sipp to end, and checks it succeeded. */
static void
sipp_finish (GSubprocess *process,
             const char  *label)
{
  if (!wait_for (sipp_exited, process, SIPP_WAIT_MS))
    {
      g_subprocess_force_exit (process);
      g_error ("sipp %s did not end in time; see %s/%s.out", label, tmp_dir, label);
    }
  g_assert_true (process_done (process));
  if (!g_subprocess_get_if_exited (process) || g_subprocess_get_exit_status (process) != 0)
    {
      g_autofree char *log = g_strdup_printf ("%s/%s.out", tmp_dir, label);
      g_autofree char *text = NULL;

      g_file_get_contents (log, &text, NULL, NULL);
      g_error ("sipp %s failed (status %d):\n%s", label,
               g_subprocess_get_if_exited (process) ? g_subprocess_get_exit_status (process) : -1,
               text != NULL ? text : "");
    }
}

static void
sipp_register (const char *user,
               guint       port)
{
  g_autofree char *label = g_strdup_printf ("register-%s", user);
  g_autofree char *port_text = g_strdup_printf ("%u", port);
  GSubprocess *process;

  process = sipp_start (label, "register.xml", port, TRUE,
                       "-key", "me", user, "-key", "contact_host", "127.0.0.1",
                       "-key", "contact_port", port_text, "-key", "expires", "3600", NULL);
  sipp_watch (process);
  sipp_finish (process, label);
  g_object_unref (process);
}

/* Starts a call from alice to bob that talks for @talk_ms; returns the
 * callee's and the caller's sipp, both watched. */
static void
sipp_call (guint         talk_ms,
           GSubprocess **callee,
           GSubprocess **caller)
{
  guint bob = free_port (NULL), alice = free_port (NULL);
  g_autofree char *talk = g_strdup_printf ("%u", talk_ms);

  sipp_register ("bob", bob);
  sipp_register ("alice", alice);
  *callee = sipp_start ("uas-bob", "uas_call.xml", bob, FALSE, "-key", "me", "bob", NULL);
  sipp_watch (*callee);
  /* Give the callee a moment to bind its port. */
  spin (300);
  *caller = sipp_start ("uac-alice", "uac_call.xml", alice, TRUE, "-key", "me", "alice",
                        "-s", "bob", "-d", talk, NULL);
  sipp_watch (*caller);
}

/* Starting and stopping -------------------------------------------------------------- */

static gboolean
is_running (gpointer data)
{
  return ust_exchange_get_running (exchange ());
}

/* Starts the exchange on 127.0.0.1 with a free port, as a person would:
 * choose the address, press Start. */
static void
start_on_loopback (void)
{
  if (ust_exchange_get_running (exchange ()))
    return;
  activate ("select-address", g_variant_new_string ("127.0.0.1"));
  ust_settings_set_port (ust_application_get_settings (app), 0);
  activate ("start", NULL);
  g_assert_true (wait_for (is_running, NULL, WAIT_MS));
}

static void
remove_tree (const char *path)
{
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child_path = g_build_filename (path, name, NULL);

      if (g_file_test (child_path, G_FILE_TEST_IS_DIR))
        remove_tree (child_path);
      else
        g_unlink (child_path);
    }
  g_rmdir (path);
}


/* The wire view ----------------------------------------------------------------------- */

static UstWireView *
wire_view (void)
{
  GObject *object = gtk_widget_get_template_child (GTK_WIDGET (window), UST_TYPE_WINDOW,
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
  GtkStack *stack = GTK_STACK (gtk_widget_get_template_child (GTK_WIDGET (window),
                                                              UST_TYPE_WINDOW, "stack"));

  g_assert_nonnull (gtk_stack_get_child_by_name (stack, "wire"));
  g_assert_true (g_action_group_has_action (G_ACTION_GROUP (app), "export-ladder-to"));
  g_assert_cmpuint (wire_n_items (), ==, 0);
}

static void
test_wire_call (void)
{
  g_autoptr (GSubprocess) callee = NULL;
  g_autoptr (GSubprocess) caller = NULL;
  g_autofree char *first = NULL;
  g_autofree char *png = g_build_filename (tmp_dir, "ladder.png", NULL);
  g_autofree char *svg = g_build_filename (tmp_dir, "ladder.svg", NULL);
  g_autofree char *txt = g_build_filename (tmp_dir, "ladder.txt", NULL);
  g_autofree char *pcap = g_build_filename (tmp_dir, "call.pcap", NULL);
  g_autofree char *png_data = NULL;
  g_autofree char *svg_data = NULL;
  g_autofree char *txt_data = NULL;
  gsize png_len = 0;
  guint invite = G_MAXUINT;

  if (!need_sipp ())
    return;
  start_on_loopback ();
  sipp_call (500, &callee, &caller);
  sipp_finish (caller, "uac-alice");
  sipp_finish (callee, "uas-bob");

  /* Two REGISTERs with their 200s, and the call forwarded both ways:
   * INVITE, 100, 180, 200, ACK, BYE, 200, each in and out. */
  g_assert_true (wait_for (wire_has_call, GUINT_TO_POINTER (14), WAIT_MS));
  first = ust_trace_entry_dup_method (wire_entry (0));
  g_assert_cmpstr (first, ==, "REGISTER");

  for (guint i = 0; i < wire_n_items () && invite == G_MAXUINT; i++)
    {
      g_autofree char *method = ust_trace_entry_dup_method (wire_entry (i));

      if (g_strcmp0 (method, "INVITE") == 0)
        invite = i;
    }
  g_assert_cmpuint (invite, !=, G_MAXUINT);
  ust_wire_view_select (wire_view (), invite);
  spin (100);
  g_assert_true (ust_wire_view_get_selected (wire_view ()) == wire_entry (invite));

  g_action_group_activate_action (G_ACTION_GROUP (app), "export-ladder-to",
                                  g_variant_new_string (png));
  g_action_group_activate_action (G_ACTION_GROUP (app), "export-ladder-to",
                                  g_variant_new_string (svg));
  g_action_group_activate_action (G_ACTION_GROUP (app), "export-ladder-to",
                                  g_variant_new_string (txt));
  g_action_group_activate_action (G_ACTION_GROUP (app), "export-ladder-to",
                                  g_variant_new_string (pcap));

  /* The capture holds exactly the call's messages (no REGISTER), in order. */
  {
    g_autoptr (GError) error = NULL;
    g_autoptr (GPtrArray) captured = ust_pcap_read_entries (pcap, NULL, &error);
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
}

static void
test_wire_search (void)
{
  GtkEditable *entry = GTK_EDITABLE (gtk_widget_get_template_child (GTK_WIDGET (wire_view ()),
                                                                    UST_TYPE_WIRE_VIEW,
                                                                    "search_entry"));
  guint all = wire_n_items ();

  if (!need_sipp ())
    return;
  g_assert_cmpuint (all, >, 0);
  gtk_editable_set_text (entry, "bye");
  /* The search entry waits a moment before it says the text changed. */
  spin (600);
  g_assert_cmpuint (wire_n_items (), >, 0);
  g_assert_cmpuint (wire_n_items (), <, all);
  for (guint i = 0; i < wire_n_items (); i++)
    {
      g_autofree char *summary = ust_trace_entry_dup_summary (wire_entry (i));
      const char *call_id = ust_trace_entry_get_call_id (wire_entry (i));

      g_assert_true (strstr (summary, "BYE") != NULL || strstr (call_id, "bye") != NULL);
    }
  gtk_editable_set_text (entry, "");
  spin (600);
  g_assert_cmpuint (wire_n_items (), ==, all);
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

  if (!need_sipp ())
    return;
  start_on_loopback ();
  before = wire_n_items ();
  gtk_toggle_button_set_active (pause, TRUE);
  sipp_register ("dave", free_port (NULL));
  spin (800);
  g_assert_cmpuint (wire_n_items (), ==, before);
  gtk_toggle_button_set_active (pause, FALSE);
  g_assert_true (wait_for (more_than, GUINT_TO_POINTER (before + 1), WAIT_MS));
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr (GError) error = NULL;
  const char *dirs[] = { "HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME",
                         "XDG_STATE_HOME" };
  int status;

  tmp_dir = g_dir_make_tmp ("ustredna-wire-XXXXXX", &error);
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (dirs); i++)
    {
      g_autofree char *dir = g_build_filename (tmp_dir, dirs[i], NULL);

      g_mkdir_with_parents (dir, 0700);
      g_setenv (dirs[i], dir, TRUE);
    }
  g_setenv ("GTK_A11Y", "none", TRUE);
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  g_setenv ("GSK_RENDERER", "cairo", FALSE);
  g_setenv ("LC_ALL", "C.UTF-8", TRUE);

  gtk_test_init (&argc, &argv, NULL);

  app = g_object_new (UST_TYPE_APPLICATION,
                      "application-id", "io.github.ustredna.Ustredna.WireTest",
                      "flags", G_APPLICATION_NON_UNIQUE,
                      NULL);
  g_application_register (G_APPLICATION (app), NULL, &error);
  g_assert_no_error (error);
  g_application_activate (G_APPLICATION (app));
  window = ust_application_get_window (app);
  g_assert_nonnull (window);
  spin (200);

  g_test_add_func ("/ust/gui/wire/tab", test_wire_tab);
  g_test_add_func ("/ust/gui/wire/call", test_wire_call);
  g_test_add_func ("/ust/gui/wire/search", test_wire_search);
  g_test_add_func ("/ust/gui/wire/pause", test_wire_pause);

  status = g_test_run ();

  if (window != NULL)
    gtk_window_destroy (GTK_WINDOW (window));
  ust_exchange_stop (exchange ());
  g_clear_object (&app);
  remove_tree (tmp_dir);
  g_free (tmp_dir);
  return status;
}
