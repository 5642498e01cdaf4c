/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Widget tests for the window, in-process: the application is registered
 * and activated without a main loop of its own, and each test spins the
 * main context with a deadline and reads what a person would see (label
 * texts, rows in the lists, which actions are enabled). Phones and calls
 * come from sipp against the window's own exchange on 127.0.0.1.
 *
 * The tests run in order and share one window: the diary filled by the
 * call test is what the export, search and details tests read. */

#include "config.h"

#include <string.h>

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <gtk/gtk.h>
#include <sqlite3.h>

#include "ust-application.h"
#include "ust-call-details.h"
#include "ust-call-record.h"
#include "ust-preferences-window.h"
#include "ust-window.h"
#include "gui-test-util.h"

/* Waiting ----------------------------------------------------------------------- */

/* Reading the window ---------------------------------------------------------------- */

static gpointer
child (const char *name)
{
  GObject *object = gtk_widget_get_template_child (GTK_WIDGET (gui_test_window), UST_TYPE_WINDOW,
                                                   name);

  g_assert_nonnull (object);
  return object;
}

static const char *
label_text (const char *name)
{
  return gtk_label_get_text (GTK_LABEL (child (name)));
}

static guint
view_n_items (const char *name)
{
  return g_list_model_get_n_items (G_LIST_MODEL (gtk_column_view_get_model (child (name))));
}

static gboolean
n_items_at_least (gpointer data)
{
  const char *view = data;
  guint wanted = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (gui_test_window), view));

  return view_n_items (view) >= wanted;
}

static gboolean
wait_for_rows (const char *view,
               guint       n)
{
  g_object_set_data (G_OBJECT (gui_test_window), view, GUINT_TO_POINTER (n));
  return ust_test_spin_until (n_items_at_least, (gpointer) view, GUI_TEST_WAIT_MS);
}

static gboolean
view_is_empty (gpointer data)
{
  return view_n_items (data) == 0;
}

/* What the row's item says, through a property, for the first row. */
static char *
first_row_string (const char *view,
                  const char *property)
{
  GListModel *model = G_LIST_MODEL (gtk_column_view_get_model (child (view)));
  g_autoptr (GObject) item = g_list_model_get_item (model, 0);
  char *value = NULL;

  g_assert_nonnull (item);
  g_object_get (item, property, &value, NULL);
  return value;
}

static GtkWindow *
find_toplevel (GType type)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr (GtkWindow) toplevel = g_list_model_get_item (toplevels, i);

      if (G_TYPE_CHECK_INSTANCE_TYPE (toplevel, type))
        return toplevel;
    }
  return NULL;
}

/* The confirmation (ust-confirm.c) is a plain GtkWindow with this class. */
static GtkWindow *
find_confirm (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr (GtkWindow) toplevel = g_list_model_get_item (toplevels, i);

      if (gtk_widget_has_css_class (GTK_WIDGET (toplevel), "ust-confirm"))
        return toplevel;
    }
  return NULL;
}

/* Ports and sipp ------------------------------------------------------------------- */

/* Starting and stopping -------------------------------------------------------------- */

static void
test_window_builds (void)
{
  g_auto (GStrv) quit = NULL;
  g_auto (GStrv) export = NULL;
  GtkDropDown *dropdown = child ("address_dropdown");

  g_assert_true (UST_IS_WINDOW (gui_test_window));
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (gui_test_window)));
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (gui_test_window)), ==, "Ústredňa");
  g_assert_cmpstr (label_text ("status_label"), ==, "Stopped");
  g_assert_cmpstr (gtk_button_get_label (child ("start_button")), ==, "Start");
  g_assert_false (gtk_widget_get_visible (child ("message_label")));

  /* At least one address of this computer, and "all addresses"; the best
   * one is chosen. */
  g_assert_cmpuint (g_list_model_get_n_items (gtk_drop_down_get_model (dropdown)), >=, 2);
  g_assert_cmpuint (gtk_drop_down_get_selected (dropdown), ==, 0);
  g_assert_nonnull (ust_window_get_selected_address (gui_test_window));

  g_assert_cmpuint (view_n_items ("phones_view"), ==, 0);
  g_assert_cmpuint (view_n_items ("calls_view"), ==, 0);
  g_assert_cmpuint (view_n_items ("diary_view"), ==, 0);
  g_assert_true (gtk_widget_get_visible (child ("phones_empty")));

  quit = gtk_application_get_accels_for_action (GTK_APPLICATION (gui_test_app), "app.quit");
  g_assert_cmpstr (quit[0], ==, "<Control>q");
  export = gtk_application_get_accels_for_action (GTK_APPLICATION (gui_test_app), "win.export");
  g_assert_cmpstr (export[0], ==, "<Control>e");
}

static void
test_actions_follow_state (void)
{
  g_assert_false (ust_exchange_get_running (gui_test_exchange ()));
  g_assert_true (gui_test_action_enabled ("start"));
  g_assert_false (gui_test_action_enabled ("stop"));
  g_assert_true (gui_test_action_enabled ("select-address"));
  g_assert_true (gui_test_action_enabled ("export-to"));
  g_assert_true (gui_test_action_enabled ("preferences"));
  g_assert_true (gui_test_action_enabled ("quit"));

  gui_test_start_on_loopback ();
  g_assert_false (gui_test_action_enabled ("start"));
  g_assert_true (gui_test_action_enabled ("stop"));
  g_assert_false (gui_test_action_enabled ("select-address"));
  g_assert_true (gui_test_action_enabled ("export-to"));
  g_assert_cmpstr (gtk_button_get_label (child ("start_button")), ==, "Stop");
  g_assert_false (gtk_widget_get_sensitive (child ("address_dropdown")));

  gui_test_activate ("stop", NULL);
  g_assert_false (ust_exchange_get_running (gui_test_exchange ()));
  g_assert_true (gui_test_action_enabled ("start"));
  g_assert_false (gui_test_action_enabled ("stop"));
  g_assert_true (gui_test_action_enabled ("select-address"));
  g_assert_cmpstr (gtk_button_get_label (child ("start_button")), ==, "Start");
  g_assert_cmpstr (label_text ("status_label"), ==, "Stopped");
  g_assert_true (gtk_widget_get_sensitive (child ("address_dropdown")));
}

static void
test_start_shows_address (void)
{
  g_autofree char *expected = NULL;
  g_autofree char *port = NULL;
  guint bound;

  gui_test_start_on_loopback ();
  g_assert_cmpstr (ust_window_get_selected_address (gui_test_window), ==, "127.0.0.1");
  bound = ust_exchange_get_port (gui_test_exchange ());
  g_assert_cmpuint (bound, >, 0);

  expected = g_strdup_printf ("Running on 127.0.0.1:%u", bound);
  g_assert_cmpstr (label_text ("status_label"), ==, expected);

  /* The phone-setup card says what to type. */
  port = g_strdup_printf ("%u", bound);
  g_assert_cmpstr (label_text ("server_value"), ==, "127.0.0.1");
  g_assert_cmpstr (label_text ("port_value"), ==, port);
  /* Every transport phones may choose, with its port (tests/gui/test-transport.c
   * looks closer: TLS, the certificate, the preferences). */
  g_assert_true (g_str_has_prefix (label_text ("transport_value"), "UDP or TCP port "));
  g_assert_nonnull (strstr (label_text ("transport_value"), port));
  g_assert_cmpstr (label_text ("password_value"), ==, "anything, it is not checked");
  g_assert_false (gtk_widget_get_visible (child ("message_label")));
}

static void
test_bind_failure (void)
{
  g_autoptr (GSocket) holder = NULL;
  const char *message;
  guint port;
  g_autofree char *port_text = NULL;

  gui_test_activate ("stop", NULL);
  port = gui_test_free_port (&holder);
  ust_settings_set_port (ust_application_get_settings (gui_test_app), port);
  gui_test_activate ("start", NULL);
  ust_test_spin (100);

  g_assert_false (ust_exchange_get_running (gui_test_exchange ()));
  g_assert_cmpstr (label_text ("status_label"), ==, "Stopped");
  g_assert_true (gtk_widget_get_visible (child ("message_label")));
  message = label_text ("message_label");
  g_test_message ("message: %s", message);
  port_text = g_strdup_printf ("%u", port);
  g_assert_nonnull (strstr (message, "already in use"));
  g_assert_nonnull (strstr (message, port_text));
  g_assert_true (gui_test_action_enabled ("start"));

  /* Once the port is free, Start works and the message goes. */
  g_clear_object (&holder);
  gui_test_activate ("start", NULL);
  g_assert_true (ust_exchange_get_running (gui_test_exchange ()));
  g_assert_false (gtk_widget_get_visible (child ("message_label")));
  gui_test_activate ("stop", NULL);
}

/* "All addresses": the exchange binds 0.0.0.0, says so, offers the phones
 * a real address on the setup card, and a phone sending to 127.0.0.1
 * registers. */
static void
test_all_addresses (void)
{
  g_autoptr (GInetAddress) offered = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *user = NULL;

  gui_test_activate ("select-address", g_variant_new_string ("0.0.0.0"));
  g_assert_cmpstr (ust_window_get_selected_address (gui_test_window), ==, "0.0.0.0");
  ust_settings_set_port (ust_application_get_settings (gui_test_app), 0);
  gui_test_activate ("start", NULL);
  g_assert_true (ust_exchange_get_running (gui_test_exchange ()));
  g_assert_false (gtk_widget_get_visible (child ("message_label")));

  expected = g_strdup_printf ("Running on all addresses, port %u",
                              ust_exchange_get_port (gui_test_exchange ()));
  g_assert_cmpstr (label_text ("status_label"), ==, expected);
  offered = g_inet_address_new_from_string (label_text ("server_value"));
  g_assert_nonnull (offered);
  g_assert_false (g_inet_address_get_is_any (offered));

  if (gui_test_need_sipp ())
    {
      guint port = gui_test_free_port (NULL);
      g_autofree char *port_text = g_strdup_printf ("%u", port);
      GSubprocess *process;

      gui_test_sipp_register ("dave", port);
      g_assert_true (wait_for_rows ("phones_view", 1));
      user = first_row_string ("phones_view", "user");
      g_assert_cmpstr (user, ==, "dave");

      /* Unregistered again, so that the later tests start with no phones. */
      process = gui_test_sipp_start ("unregister-dave", "unregister.xml", port, TRUE, "-key", "me",
                                     "dave", "-key", "contact_host", "127.0.0.1",
                                     "-key", "contact_port", port_text, NULL);
      gui_test_sipp_watch (process);
      gui_test_sipp_finish (process, "unregister-dave");
      g_object_unref (process);
      g_assert_true (ust_test_spin_until (view_is_empty, (gpointer) "phones_view",
                                          GUI_TEST_WAIT_MS));
    }
  gui_test_activate ("stop", NULL);
}

/* A network change lists the addresses again; the one the exchange runs
 * on stays chosen, and is not reported as gone. 127.0.0.2 is on the
 * loopback interface without being listed, as an address typed in. */
static void
test_refresh_keeps_address (void)
{
  gui_test_activate ("select-address", g_variant_new_string ("127.0.0.2"));
  ust_settings_set_port (ust_application_get_settings (gui_test_app), 0);
  gui_test_activate ("start", NULL);
  if (!ust_exchange_get_running (gui_test_exchange ()))
    {
      g_test_skip ("127.0.0.2 cannot be bound here");
      return;
    }
  ust_window_refresh_addresses (gui_test_window);
  g_assert_cmpstr (ust_window_get_selected_address (gui_test_window), ==, "127.0.0.2");
  g_assert_false (gtk_widget_get_visible (child ("message_label")));
  g_assert_nonnull (strstr (label_text ("status_label"), "127.0.0.2"));
  gui_test_activate ("stop", NULL);
}

static void
test_phone_registers (void)
{
  g_autofree char *user = NULL;
  guint port;

  if (!gui_test_need_sipp ())
    return;
  gui_test_start_on_loopback ();
  port = gui_test_free_port (NULL);
  gui_test_sipp_register ("carol", port);

  g_assert_true (wait_for_rows ("phones_view", 1));
  user = first_row_string ("phones_view", "user");
  g_assert_cmpstr (user, ==, "carol");
  g_assert_cmpstr (label_text ("phones_heading"), ==, "Registered phones (1)");
  g_assert_false (gtk_widget_get_visible (child ("phones_empty")));
}

static void
test_call_appears (void)
{
  g_autoptr (GSubprocess) callee = NULL;
  g_autoptr (GSubprocess) caller = NULL;
  g_autofree char *active_caller = NULL;
  g_autofree char *logged_caller = NULL;

  if (!gui_test_need_sipp ())
    return;
  gui_test_start_on_loopback ();
  gui_test_sipp_call (3000, &callee, &caller);

  /* While it talks, the call is in the active list… */
  g_assert_true (wait_for_rows ("calls_view", 1));
  active_caller = first_row_string ("calls_view", "caller");
  g_assert_nonnull (strstr (active_caller, "alice"));
  g_assert_cmpstr (label_text ("calls_heading"), ==, "Active calls (1)");

  /* …and once it ended, it is in the diary and no longer active. */
  gui_test_sipp_finish (caller, "uac-alice");
  gui_test_sipp_finish (callee, "uas-bob");
  g_assert_true (ust_test_spin_until (view_is_empty, "calls_view", GUI_TEST_WAIT_MS));
  g_assert_true (wait_for_rows ("diary_view", 1));
  logged_caller = first_row_string ("diary_view", "caller");
  g_assert_nonnull (strstr (logged_caller, "alice"));
  g_assert_cmpstr (label_text ("diary_count"), ==, "1 call");
}

static gboolean
message_mentions (gpointer data)
{
  return gtk_widget_get_visible (child ("message_label"))
         && strstr (label_text ("message_label"), data) != NULL;
}

static void
test_export (void)
{
  g_autofree char *path = g_build_filename (gui_test_tmp_dir, "diary.csv", NULL);
  g_autofree char *excel_path = g_build_filename (gui_test_tmp_dir, "diary-excel.csv", NULL);
  g_autofree char *text = NULL;
  g_auto (GStrv) lines = NULL;

  if (!gui_test_need_sipp ())
    return;
  gui_test_activate ("export-to", g_variant_new_string (path));
  g_assert_true (ust_test_spin_until (message_mentions, path, GUI_TEST_WAIT_MS));
  g_assert_nonnull (strstr (label_text ("message_label"), "exported"));

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  lines = g_strsplit (text, "\r\n", -1);
  g_assert_true (g_str_has_prefix (lines[0], "call_id,caller,"));
  g_assert_nonnull (lines[1]);
  g_assert_nonnull (strstr (lines[1], "alice@127.0.0.1"));
  g_assert_nonnull (strstr (lines[1], "bob@127.0.0.1"));
  g_assert_cmpstr (lines[2], ==, "");
  g_clear_pointer (&text, g_free);

  /* The Excel flavour: a byte-order mark and semicolons. */
  gui_test_activate ("export-excel-to", g_variant_new_string (excel_path));
  g_assert_true (ust_test_spin_until (message_mentions, excel_path, GUI_TEST_WAIT_MS));
  g_assert_true (g_file_get_contents (excel_path, &text, NULL, NULL));
  g_assert_true (g_str_has_prefix (text, "\xEF\xBB\xBF" "call_id;caller;"));
}

/* The file dialog of win.export. Without a portal (as here, under Xvfb) both
 * GtkFileChooserNative (GTK 4.8) and GtkFileDialog (4.10+) show GTK's own
 * GtkFileChooserDialog as a toplevel; the test answers it the way a person
 * would. Driving that dialog takes the GtkFileChooser and GtkDialog calls
 * that GTK 4.10 deprecated, so only this test uses them. */
G_GNUC_BEGIN_IGNORE_DEPRECATIONS

static gboolean
file_chooser_shown (gpointer data)
{
  GtkWindow **found = data;
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr (GtkWindow) toplevel = g_list_model_get_item (toplevels, i);

      if (GTK_IS_FILE_CHOOSER (toplevel) && gtk_widget_get_visible (GTK_WIDGET (toplevel)))
        {
          *found = toplevel;
          return TRUE;
        }
    }
  return FALSE;
}

static gboolean
file_chooser_gone (gpointer data)
{
  GtkWindow *found = NULL;

  return !file_chooser_shown (&found);
}

/* Presses the dialog's accept button until the dialog goes away. GTK's
 * dialog ignores it, silently, until it has read the folder it shows; a
 * person would press it again, and so does this. */
static gboolean
file_chooser_accepted (gpointer data)
{
  gint64 *next_press = data;
  GtkWindow *dialog = NULL;

  if (!file_chooser_shown (&dialog))
    return TRUE;
  if (g_get_monotonic_time () >= *next_press)
    {
      gtk_dialog_response (GTK_DIALOG (dialog), GTK_RESPONSE_ACCEPT);
      *next_press = g_get_monotonic_time () + 250 * G_TIME_SPAN_MILLISECOND;
    }
  return FALSE;
}

static GtkWindow *
open_export_dialog (void)
{
  GtkWindow *dialog = NULL;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (gui_test_window), "win.export", NULL));
  g_assert_true (ust_test_spin_until (file_chooser_shown, &dialog, GUI_TEST_WAIT_MS));
  g_assert_cmpstr (gtk_window_get_title (dialog), ==, "Export the Call Diary");
  g_assert_true (g_str_has_prefix (gtk_file_chooser_get_current_name (GTK_FILE_CHOOSER (dialog)),
                                   "calls-"));
  return dialog;
}

static void
test_export_dialog (void)
{
  g_autofree char *path = g_build_filename (gui_test_tmp_dir, "diary-dialog.csv", NULL);
  g_autoptr (GFile) folder = g_file_new_for_path (gui_test_tmp_dir);
  GtkCheckButton *excel = child ("excel_check");
  g_autofree char *text = NULL;
  gint64 next_press = 0;

#if defined(__SANITIZE_ADDRESS__) && !GTK_CHECK_VERSION (4, 10, 0)
  /* GTK 4.8's file chooser leaves its GIO folder jobs and a loaded GIO
   * module's allocations behind at exit (only library frames in every
   * stack), which LeakSanitizer reports. The normal build runs this test,
   * and build-aux/check-newer-gtk.sh runs it against GTK 4.18. */
  g_test_skip ("GTK 4.8's file chooser leaks inside GTK/GIO under LeakSanitizer");
  return;
#endif
  GtkWindow *dialog;

  /* Cancelling writes nothing and says nothing. */
  ust_window_show_message (gui_test_window, NULL);
  dialog = open_export_dialog ();
  gtk_dialog_response (GTK_DIALOG (dialog), GTK_RESPONSE_CANCEL);
  g_assert_true (ust_test_spin_until (file_chooser_gone, NULL, GUI_TEST_WAIT_MS));
  ust_test_spin (100);
  g_assert_false (gtk_widget_get_visible (child ("message_label")));
  g_assert_true (gui_test_action_enabled ("export-to"));

  /* The Excel choice made in the window reaches the file, whichever dialog
   * asks where: GTK 4.8's dialog carries it as a choice of its own. */
  gtk_check_button_set_active (excel, TRUE);
  dialog = open_export_dialog ();
#if !GTK_CHECK_VERSION (4, 10, 0)
  g_assert_cmpstr (gtk_file_chooser_get_choice (GTK_FILE_CHOOSER (dialog), "excel"), ==, "true");
#endif
  g_assert_true (gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (dialog), folder, NULL));
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (dialog), "diary-dialog.csv");
  g_assert_true (ust_test_spin_until (file_chooser_accepted, &next_press, GUI_TEST_WAIT_MS));

  /* The message line names the file written. */
  g_assert_true (ust_test_spin_until (message_mentions, path, GUI_TEST_WAIT_MS));
  g_assert_nonnull (strstr (label_text ("message_label"), "exported for Excel"));
  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  g_assert_true (g_str_has_prefix (text, "\xEF\xBB\xBF" "call_id;caller;"));
  g_assert_true (gtk_check_button_get_active (excel));

  gtk_check_button_set_active (excel, FALSE);
}

G_GNUC_END_IGNORE_DEPRECATIONS

static guint
diary_rows (void)
{
  return view_n_items ("diary_view");
}

static gboolean
diary_has_n (gpointer data)
{
  return diary_rows () == GPOINTER_TO_UINT (data);
}

static void
test_search (void)
{
  GtkEditable *search = child ("search_entry");

  if (!gui_test_need_sipp ())
    return;
  g_assert_cmpuint (diary_rows (), ==, 1);

  gtk_editable_set_text (search, "ALICE");
  g_assert_true (ust_test_spin_until (diary_has_n, GUINT_TO_POINTER (1), GUI_TEST_WAIT_MS));
  gtk_editable_set_text (search, "nobody-called-this");
  g_assert_true (ust_test_spin_until (diary_has_n, GUINT_TO_POINTER (0), GUI_TEST_WAIT_MS));
  g_assert_cmpstr (label_text ("diary_count"), ==, "0 of 1 call");
  gtk_editable_set_text (search, "answered");
  g_assert_true (ust_test_spin_until (diary_has_n, GUINT_TO_POINTER (1), GUI_TEST_WAIT_MS));
  gtk_editable_set_text (search, "");
  g_assert_true (ust_test_spin_until (diary_has_n, GUINT_TO_POINTER (1), GUI_TEST_WAIT_MS));
  g_assert_cmpstr (label_text ("diary_count"), ==, "1 call");
}

static void
test_call_details (void)
{
  GtkWindow *details;

  if (!gui_test_need_sipp ())
    return;
  g_assert_null (find_toplevel (UST_TYPE_CALL_DETAILS));
  g_signal_emit_by_name (child ("diary_view"), "activate", 0);
  details = find_toplevel (UST_TYPE_CALL_DETAILS);
  g_assert_nonnull (details);
  g_assert_nonnull (strstr (ust_call_record_get_data (
                      ust_call_details_get_record (UST_CALL_DETAILS (details)))->caller, "alice"));
  /* INVITE, ringing, answer, BYE at least. */
  g_assert_cmpuint (ust_call_details_get_n_events (UST_CALL_DETAILS (details)), >=, 3);
  gtk_window_destroy (details);
}

static gboolean
reasons_saved (gpointer data)
{
  g_autofree char *text = NULL;

  return g_file_get_contents (data, &text, NULL, NULL) && strstr (text, "POHODKA") != NULL;
}

static void
test_preferences (void)
{
  GtkWindow *preferences;
  UstReasonTable *reasons = ust_exchange_get_reasons (gui_test_exchange ());
  UstSettings *settings = ust_application_get_settings (gui_test_app);
  g_autofree char *path = g_build_filename (g_get_user_config_dir (), "ustredna", "reasons.ini",
                                            NULL);

  gui_test_activate ("preferences", NULL);
  preferences = find_toplevel (UST_TYPE_PREFERENCES_WINDOW);
  g_assert_nonnull (preferences);
  ust_test_spin (100);

  /* The preset sets 200 POHODKA, and it is remembered. */
  g_assert_null (ust_reason_table_lookup (reasons, 200));
  ust_preferences_window_preset_pohodka (UST_PREFERENCES_WINDOW (preferences));
  g_assert_cmpstr (ust_reason_table_lookup (reasons, 200), ==, "POHODKA");
  g_assert_true (ust_test_spin_until (reasons_saved, path, GUI_TEST_WAIT_MS));

  /* Whether callers must be registered reaches the exchange at once. */
  g_assert_true (ust_settings_get_require_registration (settings));
  g_assert_false (ust_exchange_get_open (gui_test_exchange ()));
  ust_settings_set_require_registration (settings, FALSE);
  g_assert_true (ust_exchange_get_open (gui_test_exchange ()));
  ust_settings_set_require_registration (settings, TRUE);
  g_assert_false (ust_exchange_get_open (gui_test_exchange ()));

  gtk_window_close (preferences);
  ust_test_spin (50);
  g_assert_null (find_toplevel (UST_TYPE_PREFERENCES_WINDOW));
}

static void
test_clear_diary (void)
{
  GtkWindow *confirm;

  if (!gui_test_need_sipp ())
    return;
  g_assert_cmpuint (diary_rows (), ==, 1);
  gtk_widget_activate_action (GTK_WIDGET (gui_test_window), "win.clear-diary", NULL);
  confirm = find_confirm ();
  g_assert_nonnull (confirm);

  /* "Cancel" keeps everything. */
  gtk_widget_activate_action (GTK_WIDGET (confirm), "confirm.cancel", NULL);
  ust_test_spin (100);
  g_assert_null (find_confirm ());
  g_assert_cmpuint (diary_rows (), ==, 1);

  gtk_widget_activate_action (GTK_WIDGET (gui_test_window), "win.clear-diary", NULL);
  confirm = find_confirm ();
  g_assert_nonnull (confirm);
  gtk_widget_activate_action (GTK_WIDGET (confirm), "confirm.accept", NULL);
  g_assert_true (ust_test_spin_until (diary_has_n, GUINT_TO_POINTER (0), GUI_TEST_WAIT_MS));
  g_assert_cmpstr (label_text ("diary_count"), ==, "0 calls");
}

static gboolean
message_is_note (gpointer data)
{
  return message_mentions (data)
         && gtk_widget_has_css_class (GTK_WIDGET (child ("message_label")), "ust-note");
}

/* Another program holds the diary's write lock (a student's SQLite browser with a change
 * not saved) while a call goes on: the call completes, the message line says which file
 * and why, as an error; when the lock goes, a note says the diary is written again, and
 * the call is in it. */
static void
test_diary_trouble (void)
{
  g_autofree char *path = g_build_filename (g_get_user_data_dir (), "ustredna", "calls.db",
                                            NULL);
  g_autoptr (GSubprocess) callee = NULL;
  g_autoptr (GSubprocess) caller = NULL;
  sqlite3 *db = NULL;

  if (!gui_test_need_sipp ())
    return;
  gui_test_start_on_loopback ();
  g_assert_cmpuint (diary_rows (), ==, 0);
  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  sqlite3_busy_timeout (db, 5000);
  g_assert_cmpint (sqlite3_exec (db, "BEGIN IMMEDIATE", NULL, NULL, NULL), ==, SQLITE_OK);

  gui_test_sipp_call (100, &callee, &caller);
  gui_test_sipp_finish (caller, "uac-alice");
  gui_test_sipp_finish (callee, "uas-bob");
  /* The writer gives up waiting for the lock after its busy timeout (2 s). */
  g_assert_true (ust_test_spin_until (message_mentions, path, GUI_TEST_WAIT_MS));
  g_assert_nonnull (strstr (label_text ("message_label"), "locked"));
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (child ("message_label")), "error"));
  g_assert_cmpuint (diary_rows (), ==, 0);

  g_assert_cmpint (sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);
  g_assert_true (ust_test_spin_until (message_is_note, "can be written again",
                                      GUI_TEST_WAIT_MS));
  g_assert_nonnull (strstr (label_text ("message_label"), path));
  g_assert_true (ust_test_spin_until (diary_has_n, GUINT_TO_POINTER (1), GUI_TEST_WAIT_MS));
}

/* Last: closing the window with a call going on asks, and then stops. */
static void
test_close_asks (void)
{
  g_autoptr (GSubprocess) callee = NULL;
  g_autoptr (GSubprocess) caller = NULL;
  GtkWindow *confirm;

  if (!gui_test_need_sipp ())
    return;
  gui_test_start_on_loopback ();
  gui_test_sipp_call (15000, &callee, &caller);
  g_assert_true (wait_for_rows ("calls_view", 1));

  gtk_window_close (GTK_WINDOW (gui_test_window));
  confirm = find_confirm ();
  g_assert_nonnull (confirm);
  g_assert_true (ust_exchange_get_running (gui_test_exchange ()));
  gtk_widget_activate_action (GTK_WIDGET (confirm), "confirm.cancel", NULL);
  ust_test_spin (50);
  g_assert_true (ust_exchange_get_running (gui_test_exchange ()));
  g_assert_nonnull (ust_application_get_window (gui_test_app));

  g_object_add_weak_pointer (G_OBJECT (gui_test_window), (gpointer *) &gui_test_window);
  gtk_window_close (GTK_WINDOW (gui_test_window));
  confirm = find_confirm ();
  g_assert_nonnull (confirm);
  gtk_widget_activate_action (GTK_WIDGET (confirm), "confirm.accept", NULL);
  ust_test_spin (100);
  g_assert_false (ust_exchange_get_running (gui_test_exchange ()));
  g_assert_null (gui_test_window);

  g_subprocess_force_exit (caller);
  g_subprocess_force_exit (callee);
  ust_test_spin_until (gui_test_sipp_exited, caller, GUI_TEST_WAIT_MS);
  ust_test_spin_until (gui_test_sipp_exited, callee, GUI_TEST_WAIT_MS);
}

int
main (int   argc,
      char *argv[])
{
  gui_test_start (&argc, &argv, "gui", "Test");

  g_test_add_func ("/ust/gui/window/builds", test_window_builds);
  g_test_add_func ("/ust/gui/window/actions-follow-state", test_actions_follow_state);
  g_test_add_func ("/ust/gui/window/start-shows-address", test_start_shows_address);
  g_test_add_func ("/ust/gui/window/bind-failure", test_bind_failure);
  g_test_add_func ("/ust/gui/window/all-addresses", test_all_addresses);
  g_test_add_func ("/ust/gui/window/refresh-keeps-address", test_refresh_keeps_address);
  g_test_add_func ("/ust/gui/window/phone-registers", test_phone_registers);
  g_test_add_func ("/ust/gui/window/call-appears", test_call_appears);
  g_test_add_func ("/ust/gui/window/export", test_export);
  g_test_add_func ("/ust/gui/window/export-dialog", test_export_dialog);
  g_test_add_func ("/ust/gui/window/search", test_search);
  g_test_add_func ("/ust/gui/window/call-details", test_call_details);
  g_test_add_func ("/ust/gui/window/preferences", test_preferences);
  g_test_add_func ("/ust/gui/window/clear-diary", test_clear_diary);
  g_test_add_func ("/ust/gui/window/diary-trouble", test_diary_trouble);
  g_test_add_func ("/ust/gui/window/close-asks", test_close_asks);

  return gui_test_finish (g_test_run (), FALSE);
}
