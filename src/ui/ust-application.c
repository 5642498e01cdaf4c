/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ust-application"

#include "config.h"

#include <glib/gi18n.h>

#include "ust-application.h"
#include "ust-capture-window.h"
#include "ust-gtk-compat.h"
#include "ust-preferences-window.h"
#include "ust-ui-resources.h"

/* Reason phrases are written a moment after the last change. */
#define SAVE_DELAY_MS 500

struct _UstApplication {
  GtkApplication        parent_instance;

  UstExchange          *exchange;
  UstSettings          *settings;
  char                 *startup_message;
  guint                 save_reasons_source;
  UstPreferencesWindow *preferences;   /* weak */

  /* Command-line options, applied when the window first shows. */
  char                 *option_address;
  int                   option_port;
  gboolean              option_start;
};

G_DEFINE_FINAL_TYPE (UstApplication, ust_application, GTK_TYPE_APPLICATION)

static const GOptionEntry option_entries[] = {
  { "address", 'a', 0, G_OPTION_ARG_STRING, NULL,
    N_("Choose this address (“0.0.0.0” for all addresses)"), N_("ADDRESS") },
  /* A string, not G_OPTION_ARG_INT: GApplication drops an int option whose value is 0. */
  { "port", 'p', 0, G_OPTION_ARG_STRING, NULL, N_("Listen on this port (0 picks a free one)"),
    N_("PORT") },
  { "start", 's', 0, G_OPTION_ARG_NONE, NULL, N_("Start the exchange at once"), NULL },
  { "version", 0, 0, G_OPTION_ARG_NONE, NULL, N_("Show the version and quit"), NULL },
  { NULL },
};

UstWindow *
ust_application_get_window (UstApplication *self)
{
  GList *windows;

  g_return_val_if_fail (UST_IS_APPLICATION (self), NULL);

  for (windows = gtk_application_get_windows (GTK_APPLICATION (self)); windows != NULL;
       windows = windows->next)
    if (UST_IS_WINDOW (windows->data))
      return windows->data;
  return NULL;
}

/* The window the actions act on, made when there is none yet (an action
 * can arrive over D-Bus before "activate"). */
static UstWindow *
ensure_window (UstApplication *self)
{
  UstWindow *window = ust_application_get_window (self);

  if (window == NULL)
    {
      window = ust_window_new (GTK_APPLICATION (self), self->exchange, self->settings);
      if (self->startup_message != NULL)
        ust_window_show_message (window, self->startup_message);
    }
  return window;
}

/* Reason phrases ---------------------------------------------------------------- */

static gboolean
save_reasons_cb (gpointer user_data)
{
  UstApplication *self = user_data;
  g_autofree char *path = ust_reason_table_default_path ();
  g_autoptr (GError) error = NULL;

  self->save_reasons_source = 0;
  if (!ust_reason_table_save (ust_exchange_get_reasons (self->exchange), path, &error))
    {
      UstWindow *window = ust_application_get_window (self);
      g_autofree char *message = g_strdup_printf (_("The reason phrases are not remembered: %s"),
                                                  error->message);

      if (window != NULL)
        ust_window_show_message (window, message);
      else
        g_warning ("%s", message);
    }
  return G_SOURCE_REMOVE;
}

static void
reasons_changed_cb (UstApplication *self)
{
  if (self->save_reasons_source == 0)
    self->save_reasons_source = g_timeout_add (SAVE_DELAY_MS, save_reasons_cb, self);
}

static void
require_registration_cb (UstApplication *self)
{
  ust_exchange_set_open (self->exchange, !ust_settings_get_require_registration (self->settings));
}

/* Actions ------------------------------------------------------------------------- */

static void
start_action (GSimpleAction *action,
              GVariant      *parameter,
              gpointer       user_data)
{
  ust_window_start (ensure_window (user_data));
}

static void
stop_action (GSimpleAction *action,
             GVariant      *parameter,
             gpointer       user_data)
{
  ust_window_stop (ensure_window (user_data));
}

static void
select_address_action (GSimpleAction *action,
                       GVariant      *parameter,
                       gpointer       user_data)
{
  ust_window_select_address (ensure_window (user_data), g_variant_get_string (parameter, NULL));
}

static void
export_to_action (GSimpleAction *action,
                  GVariant      *parameter,
                  gpointer       user_data)
{
  gboolean excel = g_str_equal (g_action_get_name (G_ACTION (action)), "export-excel-to");

  ust_window_export_to (ensure_window (user_data), g_variant_get_string (parameter, NULL), excel);
}

static void
preferences_action (GSimpleAction *action,
                    GVariant      *parameter,
                    gpointer       user_data)
{
  UstApplication *self = user_data;

  if (self->preferences == NULL)
    {
      self->preferences = ust_preferences_window_new (GTK_WINDOW (ensure_window (self)),
                                                      self->settings,
                                                      ust_exchange_get_reasons (self->exchange));
      g_object_add_weak_pointer (G_OBJECT (self->preferences), (gpointer *) &self->preferences);
    }
  gtk_window_present (GTK_WINDOW (self->preferences));
}

static void
about_action (GSimpleAction *action,
              GVariant      *parameter,
              gpointer       user_data)
{
  const char *authors[] = { _("The Ústredňa authors"), NULL };

  gtk_show_about_dialog (GTK_WINDOW (ensure_window (user_data)),
                         "program-name", _("Ústredňa"),
                         "logo-icon-name", APP_ID,
                         "version", PACKAGE_VERSION,
                         "comments", _("A SIP registrar and proxy for a laptop network: "
                                       "phones register, call each other, and every call is "
                                       "written to a diary."),
                         "license-type", GTK_LICENSE_GPL_3_0,
                         "authors", authors,
                         /* Translators: your name, one translator a line. */
                         "translator-credits", _("translator-credits"),
                         NULL);
}

/* Quitting closes the windows, which stops the exchange and asks first when
 * calls are going on; the application ends with its last window. */
static void
quit_action (GSimpleAction *action,
             GVariant      *parameter,
             gpointer       user_data)
{
  UstApplication *self = user_data;
  UstWindow *window = ust_application_get_window (self);

  if (window != NULL)
    gtk_window_close (GTK_WINDOW (window));
  else
    g_application_quit (G_APPLICATION (self));
}

static void
screenshot_action (GSimpleAction *action,
                   GVariant      *parameter,
                   gpointer       user_data)
{
  g_autoptr (GError) error = NULL;

  if (!ust_window_save_screenshot (ensure_window (user_data),
                                   g_variant_get_string (parameter, NULL), &error))
    g_printerr ("%s\n", error->message);
}

/* A capture that could not be opened is said on the main window's message
 * line, like an export that failed. */
static void
capture_opened_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr (UstApplication) self = user_data;
  g_autoptr (GError) error = NULL;
  UstCaptureWindow *window = ust_capture_window_open_finish (result, &error);

  if (window == NULL)
    ust_window_show_message (ensure_window (self), error->message);
}

static void
open_capture (UstApplication *self,
              const char     *path)
{
  ust_capture_window_open_async (GTK_APPLICATION (self), path, NULL, capture_opened_cb,
                                 g_object_ref (self));
}

static void
capture_chosen_cb (GFile    *file,
                   gpointer  user_data)
{
  g_autoptr (UstApplication) self = user_data;
  g_autofree char *path = file != NULL ? g_file_get_path (file) : NULL;

  if (path != NULL)
    open_capture (self, path);
}

/* app.open-capture: File → Open Capture, a dialog for a pcap or pcapng. */
static void
open_capture_action (GSimpleAction *action,
                     GVariant      *parameter,
                     gpointer       user_data)
{
  UstApplication *self = user_data;

  ust_gtk_compat_open_capture (GTK_WINDOW (ensure_window (self)), capture_chosen_cb,
                               g_object_ref (self));
}

/* app.open-capture-file(s), for scripts and tests. */
static void
open_capture_file_action (GSimpleAction *action,
                          GVariant      *parameter,
                          gpointer       user_data)
{
  open_capture (user_data, g_variant_get_string (parameter, NULL));
}

static const GActionEntry action_entries[] = {
  { .name = "start", .activate = start_action },
  { .name = "stop", .activate = stop_action },
  { .name = "select-address", .activate = select_address_action, .parameter_type = "s" },
  { .name = "export-to", .activate = export_to_action, .parameter_type = "s" },
  { .name = "export-excel-to", .activate = export_to_action, .parameter_type = "s" },
  { .name = "open-capture", .activate = open_capture_action },
  { .name = "open-capture-file", .activate = open_capture_file_action, .parameter_type = "s" },
  { .name = "preferences", .activate = preferences_action },
  { .name = "about", .activate = about_action },
  { .name = "quit", .activate = quit_action },
  { .name = "screenshot", .activate = screenshot_action, .parameter_type = "s" },
};

/* GApplication -------------------------------------------------------------------- */

static int
ust_application_handle_local_options (GApplication *application,
                                      GVariantDict *options)
{
  UstApplication *self = UST_APPLICATION (application);
  const char *port = NULL;
  guint64 value;

  if (g_variant_dict_contains (options, "version"))
    {
      g_print ("ustredna %s\n", PACKAGE_VERSION);
      return 0;
    }
  g_variant_dict_lookup (options, "address", "s", &self->option_address);
  if (g_variant_dict_lookup (options, "port", "&s", &port))
    {
      if (!g_ascii_string_to_unsigned (port, 10, 0, G_MAXUINT16, &value, NULL))
        {
          g_printerr (_("The port must be a number from 0 to 65535\n"));
          return 1;
        }
      self->option_port = (int) value;
    }
  self->option_start = g_variant_dict_contains (options, "start");
  return -1;
}

static void
ust_application_startup (GApplication *application)
{
  UstApplication *self = UST_APPLICATION (application);
  const char *quit_accels[] = { "<Control>q", NULL };
  const char *preferences_accels[] = { "<Control>comma", NULL };
  const char *export_accels[] = { "<Control>e", NULL };
  const char *open_capture_accels[] = { "<Control>o", NULL };
  g_autoptr (GtkCssProvider) css = gtk_css_provider_new ();
  g_autofree char *settings_path = ust_settings_default_path ();
  g_autofree char *data_dir = g_build_filename (g_get_user_data_dir (), "ustredna", NULL);
  g_autoptr (GError) error = NULL;

  G_APPLICATION_CLASS (ust_application_parent_class)->startup (application);

  g_set_application_name (_("Ústredňa"));
  gtk_window_set_default_icon_name (APP_ID);

  gtk_css_provider_load_from_resource (css, "/io/github/ustredna/Ustredna/ui/style.css");
  gtk_style_context_add_provider_for_display (gdk_display_get_default (), GTK_STYLE_PROVIDER (css),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);

  g_action_map_add_action_entries (G_ACTION_MAP (self), action_entries,
                                   G_N_ELEMENTS (action_entries), self);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.preferences",
                                         preferences_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "win.export", export_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.open-capture",
                                         open_capture_accels);

  self->settings = ust_settings_new (settings_path);
  if (!ust_settings_load (self->settings, &error))
    self->startup_message = g_strdup (error->message);

  /* The same data folder as ustredna-server's default, so both keep one
   * diary and one list of registrations. */
  self->exchange = ust_exchange_new (data_dir);
  require_registration_cb (self);
  g_signal_connect_object (self->settings, "notify::require-registration",
                           G_CALLBACK (require_registration_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (ust_exchange_get_reasons (self->exchange), "changed",
                           G_CALLBACK (reasons_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (ust_exchange_get_reasons (self->exchange), "notify::relay",
                           G_CALLBACK (reasons_changed_cb), self, G_CONNECT_SWAPPED);
}

static void
ust_application_activate (GApplication *application)
{
  UstApplication *self = UST_APPLICATION (application);
  UstWindow *window = ensure_window (self);

  gtk_window_present (GTK_WINDOW (window));

  /* The command line applies once, to the first window. */
  if (self->option_address != NULL)
    ust_window_select_address (window, self->option_address);
  g_clear_pointer (&self->option_address, g_free);
  if (self->option_port >= 0)
    ust_settings_set_port (self->settings, (guint) self->option_port);
  self->option_port = -1;
  if (self->option_start)
    ust_window_start (window);
  self->option_start = FALSE;
}

static void
ust_application_shutdown (GApplication *application)
{
  UstApplication *self = UST_APPLICATION (application);

  if (self->exchange != NULL)
    {
      UstCallStore *store = ust_exchange_get_store (self->exchange);

      ust_exchange_stop (self->exchange);
      /* Closed here, not when the exchange goes (something may still hold it): the
       * diary's last steps reach the disk, and its journal and WAL file go. */
      ust_call_store_flush (store, 5000);
      ust_call_store_close (store);
    }
  if (self->save_reasons_source != 0)
    {
      g_clear_handle_id (&self->save_reasons_source, g_source_remove);
      save_reasons_cb (self);
    }
  /* Disposing the exchange flushes the diary to the disk; the settings
   * write a pending change. */
  g_clear_object (&self->exchange);
  g_clear_object (&self->settings);

  G_APPLICATION_CLASS (ust_application_parent_class)->shutdown (application);
}

static void
ust_application_finalize (GObject *object)
{
  UstApplication *self = UST_APPLICATION (object);

  g_clear_handle_id (&self->save_reasons_source, g_source_remove);
  g_clear_object (&self->exchange);
  g_clear_object (&self->settings);
  g_free (self->startup_message);
  g_free (self->option_address);

  G_OBJECT_CLASS (ust_application_parent_class)->finalize (object);
}

static void
ust_application_class_init (UstApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *application_class = G_APPLICATION_CLASS (klass);

  object_class->finalize = ust_application_finalize;
  application_class->handle_local_options = ust_application_handle_local_options;
  application_class->startup = ust_application_startup;
  application_class->activate = ust_application_activate;
  application_class->shutdown = ust_application_shutdown;

  /* The templates and the style sheet are compiled into the program. */
  ust_ui_register_resource ();
}

static void
ust_application_init (UstApplication *self)
{
  self->option_port = -1;
  g_application_add_main_option_entries (G_APPLICATION (self), option_entries);
  g_application_set_option_context_summary (G_APPLICATION (self),
                                            _("A SIP registrar and proxy for a laptop network."));
}

UstApplication *
ust_application_new (void)
{
  return g_object_new (UST_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "flags", G_APPLICATION_DEFAULT_FLAGS,
                       NULL);
}

UstExchange *
ust_application_get_exchange (UstApplication *self)
{
  g_return_val_if_fail (UST_IS_APPLICATION (self), NULL);

  return self->exchange;
}

UstSettings *
ust_application_get_settings (UstApplication *self)
{
  g_return_val_if_fail (UST_IS_APPLICATION (self), NULL);

  return self->settings;
}
