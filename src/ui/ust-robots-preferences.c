/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ust-robots-preferences"

#include "config.h"

#include <glib/gi18n.h>

#include "ust-lpconfig.h"
#include "ust-robots-preferences.h"
#include "ust-robots.h"

struct _UstRobotsPreferences {
  GtkWidget       parent_instance;

  /* Template children. */
  GtkWidget      *box;
  GtkWidget      *robot_checks;
  GtkEntry       *transfer_entry;

  GtkCheckButton *checks[UST_N_ROBOTS];
  UstSettings    *settings;
  gboolean        syncing;
};

enum {
  PROP_0,
  PROP_SETTINGS,
  N_PROPS,
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (UstRobotsPreferences, ust_robots_preferences, GTK_TYPE_WIDGET)

/* Settings → the widgets. */
static void
show_settings (UstRobotsPreferences *self)
{
  guint robots = self->settings != NULL ? ust_settings_get_robots (self->settings)
                                        : UST_ROBOTS_ALL;
  const char *transfer_to = self->settings != NULL ? ust_settings_get_transfer_to (self->settings)
                                                   : NULL;

  self->syncing = TRUE;
  for (UstRobotKind kind = 0; kind < UST_N_ROBOTS; kind++)
    gtk_check_button_set_active (self->checks[kind], (robots & UST_ROBOT_BIT (kind)) != 0);
  if (g_strcmp0 (gtk_editable_get_text (GTK_EDITABLE (self->transfer_entry)),
                 transfer_to != NULL ? transfer_to : "") != 0)
    gtk_editable_set_text (GTK_EDITABLE (self->transfer_entry),
                           transfer_to != NULL ? transfer_to : "");
  self->syncing = FALSE;
}

static void
settings_changed_cb (UstRobotsPreferences *self,
                     GParamSpec           *pspec,
                     UstSettings          *settings)
{
  show_settings (self);
}

/* The widgets → settings. */
static void
check_toggled_cb (UstRobotsPreferences *self,
                  GtkCheckButton       *check)
{
  guint robots = 0;

  if (self->syncing || self->settings == NULL)
    return;
  for (UstRobotKind kind = 0; kind < UST_N_ROBOTS; kind++)
    if (gtk_check_button_get_active (self->checks[kind]))
      robots |= UST_ROBOT_BIT (kind);
  ust_settings_set_robots (self->settings, robots);
}

/* A name the robot can call is kept at once; anything else is marked and
 * not kept. */
static void
transfer_changed_cb (UstRobotsPreferences *self,
                     GtkEditable          *entry)
{
  const char *text = gtk_editable_get_text (entry);
  gboolean valid = *text == '\0' || ust_lpconfig_user_is_valid (text);

  if (valid)
    gtk_widget_remove_css_class (GTK_WIDGET (entry), "error");
  else
    gtk_widget_add_css_class (GTK_WIDGET (entry), "error");
  if (self->syncing || self->settings == NULL || !valid)
    return;
  ust_settings_set_transfer_to (self->settings, text);
}

static void
ust_robots_preferences_get_property (GObject    *object,
                                     guint       prop_id,
                                     GValue     *value,
                                     GParamSpec *pspec)
{
  UstRobotsPreferences *self = UST_ROBOTS_PREFERENCES (object);

  switch (prop_id)
    {
    case PROP_SETTINGS:
      g_value_set_object (value, self->settings);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ust_robots_preferences_set_property (GObject      *object,
                                     guint         prop_id,
                                     const GValue *value,
                                     GParamSpec   *pspec)
{
  UstRobotsPreferences *self = UST_ROBOTS_PREFERENCES (object);

  switch (prop_id)
    {
    case PROP_SETTINGS:
      ust_robots_preferences_set_settings (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ust_robots_preferences_dispose (GObject *object)
{
  UstRobotsPreferences *self = UST_ROBOTS_PREFERENCES (object);

  ust_robots_preferences_set_settings (self, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), UST_TYPE_ROBOTS_PREFERENCES);

  G_OBJECT_CLASS (ust_robots_preferences_parent_class)->dispose (object);
}

static void
ust_robots_preferences_class_init (UstRobotsPreferencesClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = ust_robots_preferences_get_property;
  object_class->set_property = ust_robots_preferences_set_property;
  object_class->dispose = ust_robots_preferences_dispose;

  properties[PROP_SETTINGS] =
    g_param_spec_object ("settings", NULL, NULL, UST_TYPE_SETTINGS,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (
    widget_class, "/io/github/ustredna/Ustredna/ui/ust-robots-preferences.ui");
  gtk_widget_class_bind_template_child (widget_class, UstRobotsPreferences, box);
  gtk_widget_class_bind_template_child (widget_class, UstRobotsPreferences, robot_checks);
  gtk_widget_class_bind_template_child (widget_class, UstRobotsPreferences, transfer_entry);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
ust_robots_preferences_init (UstRobotsPreferences *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  /* "echo — Answers and sends back …": the name is what a phone dials. */
  for (UstRobotKind kind = 0; kind < UST_N_ROBOTS; kind++)
    {
      g_autofree char *text = g_strdup_printf ("%s — %s", ust_robot_name (kind),
                                               ust_robot_describe (kind));
      GtkWidget *check = gtk_check_button_new ();
      GtkWidget *label = gtk_label_new (text);

      /* Longer in other languages: the line wraps rather than widening the window. */
      gtk_label_set_wrap (GTK_LABEL (label), TRUE);
      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_check_button_set_child (GTK_CHECK_BUTTON (check), label);

      gtk_widget_set_name (check, ust_robot_name (kind));
      gtk_box_append (GTK_BOX (self->robot_checks), check);
      self->checks[kind] = GTK_CHECK_BUTTON (check);
      g_signal_connect_object (check, "toggled", G_CALLBACK (check_toggled_cb), self,
                               G_CONNECT_SWAPPED);
    }
  g_signal_connect_object (self->transfer_entry, "changed", G_CALLBACK (transfer_changed_cb),
                           self, G_CONNECT_SWAPPED);
  show_settings (self);
}

UstSettings *
ust_robots_preferences_get_settings (UstRobotsPreferences *self)
{
  g_return_val_if_fail (UST_IS_ROBOTS_PREFERENCES (self), NULL);
  return self->settings;
}

void
ust_robots_preferences_set_settings (UstRobotsPreferences *self,
                                     UstSettings          *settings)
{
  g_return_if_fail (UST_IS_ROBOTS_PREFERENCES (self));
  g_return_if_fail (settings == NULL || UST_IS_SETTINGS (settings));

  if (self->settings == settings)
    return;
  if (self->settings != NULL)
    g_signal_handlers_disconnect_by_data (self->settings, self);
  g_set_object (&self->settings, settings);
  if (settings != NULL)
    {
      g_signal_connect_object (settings, "notify::robots", G_CALLBACK (settings_changed_cb), self,
                               G_CONNECT_SWAPPED);
      g_signal_connect_object (settings, "notify::transfer-to", G_CALLBACK (settings_changed_cb),
                               self, G_CONNECT_SWAPPED);
    }
  show_settings (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SETTINGS]);
}
