/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ust-window-actions"

#include "config.h"

#include <glib/gi18n.h>

#include "ust-confirm.h"
#include "ust-gtk-compat.h"
#include "ust-window-private.h"

/* What the window can do, and when. The application's actions (app.start,
 * app.stop, …; ust-application.c) act on this window, so their enabled
 * state is computed here too, in ust_window_actions_update(), the one
 * place that knows the rules. */

static void
set_app_action_enabled (GtkApplication *app,
                        const char     *name,
                        gboolean        enabled)
{
  GAction *action = g_action_map_lookup_action (G_ACTION_MAP (app), name);

  if (G_IS_SIMPLE_ACTION (action))
    g_simple_action_set_enabled (G_SIMPLE_ACTION (action), enabled);
}

void
ust_window_actions_update (UstWindow *self)
{
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));
  gboolean running;
  guint n_calls = 0;

  g_return_if_fail (UST_IS_WINDOW (self));

  /* Called while the window is being built, before everything exists. */
  if (self->exchange == NULL)
    return;

  running = ust_exchange_get_running (self->exchange);
  if (self->diary_page != NULL)
    n_calls = ust_diary_view_get_n_calls (self->diary_page);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.copy-setting", running);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.export", self->exports_running == 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.clear-diary", n_calls > 0);

  if (app != NULL)
    {
      set_app_action_enabled (app, "start",
                              !running && ust_window_get_selected_address (self) != NULL);
      set_app_action_enabled (app, "stop", running);
      /* The address is fixed while the exchange runs on it. */
      set_app_action_enabled (app, "select-address", !running);
    }
}

/* win.copy-setting('server' | 'port' | 'transport' | 'fingerprint' | 'example') */
void
ust_window_copy_setting (UstWindow  *self,
                         const char *which)
{
  GdkClipboard *clipboard = gtk_widget_get_clipboard (GTK_WIDGET (self));
  GtkLabel *label = NULL;
  const char *text = NULL;
  g_autofree char *note = NULL;

  if (g_strcmp0 (which, "server") == 0)
    label = self->server_value;
  else if (g_strcmp0 (which, "port") == 0)
    label = self->port_value;
  else if (g_strcmp0 (which, "transport") == 0)
    label = self->transport_value;
  else if (g_strcmp0 (which, "example") == 0)
    label = self->example_value;
  else if (g_strcmp0 (which, "fingerprint") == 0)
    /* On one line, as phones show it (the card breaks it into lines). */
    text = ust_exchange_get_tls_fingerprint (self->exchange);
  else
    g_return_if_reached ();

  if (label != NULL)
    text = gtk_label_get_text (label);
  if (text == NULL)
    return;
  gdk_clipboard_set_text (clipboard, text);
  /* Translators: shown after a copy button was pressed: "Copied 192.168.1.10". */
  note = g_strdup_printf (_("Copied %s"), text);
  ust_window_show_note (self, note);
}

static void
export_chosen_cb (GFile    *file,
                  gboolean  excel,
                  gpointer  user_data)
{
  g_autoptr (UstWindow) self = user_data;
  g_autofree char *path = NULL;

  if (file == NULL)
    return;
  ust_settings_set_excel_csv (self->settings, excel);
  path = g_file_get_path (file);
  if (path == NULL)
    {
      g_autofree char *uri = g_file_get_uri (file);
      g_autofree char *message =
        g_strdup_printf (_("The diary can only be written to a folder on this computer, not "
                           "to %s. Choose another folder."),
                         uri);

      ust_window_show_message (self, message);
      return;
    }
  ust_window_export_to (self, path, excel);
}

/* win.export: asks where, then writes the diary there. */
void
ust_window_export (UstWindow *self)
{
  g_autoptr (GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *date = g_date_time_format (now, "%Y-%m-%d");
  /* Translators: the file name offered when exporting the diary; keep %s (the date). */
  g_autofree char *name = g_strdup_printf (_("calls-%s.csv"), date);

  ust_gtk_compat_save_csv (GTK_WINDOW (self), name, ust_settings_get_excel_csv (self->settings),
                           export_chosen_cb, g_object_ref (self));
}

static void
clear_answer_cb (gboolean accepted,
                 gpointer user_data)
{
  UstWindow *self = user_data;

  if (accepted)
    ust_call_store_clear (ust_exchange_get_store (self->exchange));
}

/* win.clear-diary: deletes every call, after asking. */
void
ust_window_clear_diary (UstWindow *self)
{
  ust_confirm (GTK_WINDOW (self), _("Clear the call diary?"),
               _("Every call is deleted from the diary, on the screen and on the disk. Export the "
                 "diary first if you want to keep it."),
               _("_Clear"), clear_answer_cb, self);
}

static void
copy_setting_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  ust_window_copy_setting (UST_WINDOW (widget), g_variant_get_string (parameter, NULL));
}

static void
export_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  ust_window_export (UST_WINDOW (widget));
}

static void
clear_diary_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  ust_window_clear_diary (UST_WINDOW (widget));
}

static void
dismiss_advice_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  ust_window_clear_advice (UST_WINDOW (widget));
}

static void
refresh_addresses_action (GtkWidget  *widget,
                          const char *action_name,
                          GVariant   *parameter)
{
  ust_window_refresh_addresses (UST_WINDOW (widget));
}

static void
find_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  UstWindow *self = UST_WINDOW (widget);

  gtk_stack_set_visible_child_name (self->stack, "diary");
  ust_diary_view_focus_search (self->diary_page);
}

static void
show_page_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  gtk_stack_set_visible_child_name (UST_WINDOW (widget)->stack,
                                    g_variant_get_string (parameter, NULL));
}

void
ust_window_class_actions_init (UstWindowClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  gtk_widget_class_install_action (widget_class, "win.copy-setting", "s", copy_setting_action);
  gtk_widget_class_install_action (widget_class, "win.export", NULL, export_action);
  gtk_widget_class_install_action (widget_class, "win.clear-diary", NULL, clear_diary_action);
  gtk_widget_class_install_action (widget_class, "win.dismiss-advice", NULL,
                                   dismiss_advice_action);
  gtk_widget_class_install_action (widget_class, "win.refresh-addresses", NULL,
                                   refresh_addresses_action);
  gtk_widget_class_install_action (widget_class, "win.find", NULL, find_action);
  gtk_widget_class_install_action (widget_class, "win.show-page", "s", show_page_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, GDK_CONTROL_MASK, "win.find",
                                       NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F5, 0, "win.refresh-addresses",
                                       NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_1, GDK_ALT_MASK, "win.show-page",
                                       "s", "exchange");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_2, GDK_ALT_MASK, "win.show-page",
                                       "s", "diary");
}
