/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ust-preferences-window"

#include "config.h"

#include <stdlib.h>

#include <glib/gi18n.h>

#include "ust-preferences-window.h"
#include "ust-sip.h"

/* The codes listed even without a custom phrase: RFC 3261 §21 and the few
 * later ones phones commonly send. Any other code can be set by typing
 * "CODE=phrase"; it is then listed too. */
static const guint listed_codes[] = {
  100, 180, 181, 182, 183, 199,
  200, 202,
  300, 301, 302, 305, 380,
  400, 401, 402, 403, 404, 405, 406, 407, 408, 410, 413, 414, 415, 416, 420, 421, 423,
  480, 481, 482, 483, 484, 485, 486, 487, 488, 491, 493,
  500, 501, 502, 503, 504, 505, 513,
  600, 603, 604, 606,
};

struct _UstPreferencesWindow {
  GtkWindow            parent_instance;

  GtkSpinButton       *port_spin;
  GtkSwitch           *register_switch;
  GtkCheckButton      *tcp_check;
  GtkCheckButton      *tls_check;
  GtkSwitch           *relay_switch;
  GtkEntry            *add_entry;
  GtkLabel            *error_label;
  GtkColumnView       *reasons_view;
  GtkColumnViewColumn *code_column;
  GtkColumnViewColumn *standard_column;
  GtkColumnViewColumn *custom_column;

  UstSettings         *settings;
  UstReasonTable      *reasons;
  GtkStringList       *codes;        /* "200", "486", … in numeric order */
  guint                committing;   /* the code whose entry is being saved, or 0 */
};

enum {
  PROP_0,
  PROP_SETTINGS,
  PROP_REASONS,
  N_PROPS,
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (UstPreferencesWindow, ust_preferences_window, GTK_TYPE_WINDOW)

static void
show_error (UstPreferencesWindow *self,
            const char           *message)
{
  gtk_label_set_text (self->error_label, message != NULL ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), message != NULL);
}

static guint
code_at (GtkStringList *codes,
         guint          position)
{
  return (guint) strtoul (gtk_string_list_get_string (codes, position), NULL, 10);
}

/* Where @code is in the list, or where it would go. */
static guint
find_code (UstPreferencesWindow *self,
           guint                 code,
           gboolean             *found)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->codes));

  for (guint i = 0; i < n; i++)
    {
      guint here = code_at (self->codes, i);

      if (here >= code)
        {
          *found = here == code;
          return i;
        }
    }
  *found = FALSE;
  return n;
}

/* A phrase changed (here, from a preset, or anywhere else): show it. The
 * row is replaced by the same code, so the view binds it again. */
static void
reason_changed_cb (UstPreferencesWindow *self,
                   guint                 code,
                   UstReasonTable       *reasons)
{
  char text[8];
  const char *strings[] = { text, NULL };
  gboolean found;
  guint position;

  if (code == self->committing)
    return;
  g_snprintf (text, sizeof text, "%u", code);
  position = find_code (self, code, &found);
  gtk_string_list_splice (self->codes, position, found ? 1 : 0, strings);
}

/* Custom phrase cells ------------------------------------------------------------- */

static void
commit_entry (UstPreferencesWindow *self,
              GtkEntry             *entry)
{
  guint code = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (entry), "ust-code"));
  g_autofree char *phrase = NULL;
  g_autoptr (GError) error = NULL;

  /* Only what the person typed: an entry showing an old value while the
   * table changed elsewhere must not write that value back. */
  if (code == 0 || !g_object_get_data (G_OBJECT (entry), "ust-dirty"))
    return;
  g_object_set_data (G_OBJECT (entry), "ust-dirty", NULL);
  phrase = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (entry))));
  if (g_strcmp0 (*phrase != '\0' ? phrase : NULL, ust_reason_table_lookup (self->reasons, code))
      == 0)
    return;

  self->committing = code;
  if (!ust_reason_table_set (self->reasons, code, *phrase != '\0' ? phrase : NULL, &error))
    show_error (self, error->message);
  else
    show_error (self, NULL);
  self->committing = 0;
}

static void
custom_changed_cb (GtkEditable *entry,
                   gpointer     user_data)
{
  g_object_set_data (G_OBJECT (entry), "ust-dirty", GINT_TO_POINTER (TRUE));
}

static void
custom_activate_cb (GtkEntry             *entry,
                    UstPreferencesWindow *self)
{
  commit_entry (self, entry);
}

static void
custom_focus_leave_cb (GtkEventControllerFocus *controller,
                       UstPreferencesWindow    *self)
{
  commit_entry (self, GTK_ENTRY (gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (controller))));
}

static void
custom_setup_cb (GtkSignalListItemFactory *factory,
                 GtkListItem              *list_item,
                 UstPreferencesWindow     *self)
{
  GtkWidget *entry = gtk_entry_new ();
  GtkEventController *focus = gtk_event_controller_focus_new ();

  gtk_entry_set_has_frame (GTK_ENTRY (entry), FALSE);
  g_signal_connect (entry, "activate", G_CALLBACK (custom_activate_cb), self);
  g_signal_connect (entry, "changed", G_CALLBACK (custom_changed_cb), NULL);
  g_signal_connect (focus, "leave", G_CALLBACK (custom_focus_leave_cb), self);
  gtk_widget_add_controller (entry, focus);
  gtk_list_item_set_child (list_item, entry);
}

static void
custom_bind_cb (GtkSignalListItemFactory *factory,
                GtkListItem              *list_item,
                UstPreferencesWindow     *self)
{
  GtkWidget *entry = gtk_list_item_get_child (list_item);
  GtkStringObject *item = gtk_list_item_get_item (list_item);
  guint code = (guint) strtoul (gtk_string_object_get_string (item), NULL, 10);
  const char *phrase = ust_reason_table_lookup (self->reasons, code);
  g_autofree char *accessible = g_strdup_printf (_("Custom phrase for %u"), code);

  g_object_set_data (G_OBJECT (entry), "ust-code", GUINT_TO_POINTER (code));
  gtk_editable_set_text (GTK_EDITABLE (entry), phrase != NULL ? phrase : "");
  g_object_set_data (G_OBJECT (entry), "ust-dirty", NULL);
  gtk_accessible_update_property (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  accessible, -1);
}

static void
custom_unbind_cb (GtkSignalListItemFactory *factory,
                  GtkListItem              *list_item,
                  UstPreferencesWindow     *self)
{
  GtkWidget *entry = gtk_list_item_get_child (list_item);

  /* What was typed and not yet saved is saved now, before the entry shows
   * another code. */
  commit_entry (self, GTK_ENTRY (entry));
  g_object_set_data (G_OBJECT (entry), "ust-code", NULL);
}

/* Code and standard phrase cells -------------------------------------------------- */

static void
label_setup_cb (GtkSignalListItemFactory *factory,
                GtkListItem              *list_item,
                gpointer                  user_data)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_list_item_set_child (list_item, label);
}

static void
code_bind_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *list_item,
              gpointer                  user_data)
{
  GtkStringObject *item = gtk_list_item_get_item (list_item);

  gtk_label_set_text (GTK_LABEL (gtk_list_item_get_child (list_item)),
                      gtk_string_object_get_string (item));
}

static void
standard_bind_cb (GtkSignalListItemFactory *factory,
                  GtkListItem              *list_item,
                  gpointer                  user_data)
{
  GtkStringObject *item = gtk_list_item_get_item (list_item);
  guint code = (guint) strtoul (gtk_string_object_get_string (item), NULL, 10);

  gtk_label_set_text (GTK_LABEL (gtk_list_item_get_child (list_item)),
                      ust_sip_standard_reason (code));
}

static GtkListItemFactory *
factory_new (GCallback setup,
             GCallback bind,
             GCallback unbind,
             gpointer  user_data)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();

  g_signal_connect (factory, "setup", setup, user_data);
  g_signal_connect (factory, "bind", bind, user_data);
  if (unbind != NULL)
    g_signal_connect (factory, "unbind", unbind, user_data);
  return factory;
}

static void
fill_codes (UstPreferencesWindow *self)
{
  g_autoptr (GPtrArray) codes = g_ptr_array_new_with_free_func (g_free);
  guint next = 0;

  /* The listed codes and every code with a custom phrase, merged in order. */
  for (guint code = 100; code < 700; code++)
    {
      gboolean listed = next < G_N_ELEMENTS (listed_codes) && listed_codes[next] == code;

      if (listed)
        next++;
      if (listed || ust_reason_table_lookup (self->reasons, code) != NULL)
        g_ptr_array_add (codes, g_strdup_printf ("%u", code));
    }
  g_ptr_array_add (codes, NULL);
  gtk_string_list_splice (self->codes, 0, g_list_model_get_n_items (G_LIST_MODEL (self->codes)),
                          (const char *const *) codes->pdata);
}

/* Buttons ----------------------------------------------------------------------------- */

/* The students' favourite: every answered call says "200 POHODKA". */
void
ust_preferences_window_preset_pohodka (UstPreferencesWindow *self)
{
  g_autoptr (GError) error = NULL;

  g_return_if_fail (UST_IS_PREFERENCES_WINDOW (self));

  if (!ust_reason_table_set (self->reasons, 200, "POHODKA", &error))
    show_error (self, error->message);
  else
    show_error (self, NULL);
}

static void
clear_clicked_cb (UstPreferencesWindow *self)
{
  for (guint code = 100; code < 700; code++)
    if (ust_reason_table_lookup (self->reasons, code) != NULL)
      ust_reason_table_set (self->reasons, code, NULL, NULL);
  show_error (self, NULL);
}

static void
add_clicked_cb (UstPreferencesWindow *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->add_entry));
  g_autoptr (GError) error = NULL;

  if (*text == '\0')
    return;
  if (!ust_reason_table_parse_assignment (self->reasons, text, &error))
    {
      show_error (self, error->message);
      return;
    }
  show_error (self, NULL);
  gtk_editable_set_text (GTK_EDITABLE (self->add_entry), "");
}

/* GObject --------------------------------------------------------------------------- */

static void
ust_preferences_window_constructed (GObject *object)
{
  UstPreferencesWindow *self = UST_PREFERENCES_WINDOW (object);
  g_autoptr (GtkListItemFactory) code = NULL;
  g_autoptr (GtkListItemFactory) standard = NULL;
  g_autoptr (GtkListItemFactory) custom = NULL;

  G_OBJECT_CLASS (ust_preferences_window_parent_class)->constructed (object);

  g_assert (self->settings != NULL && self->reasons != NULL);

  g_object_bind_property (self->settings, "port", gtk_spin_button_get_adjustment (self->port_spin),
                          "value", G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  g_object_bind_property (self->settings, "require-registration", self->register_switch,
                          "active", G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  /* Remembered at once; the exchange takes them at its next start. */
  g_object_bind_property (self->settings, "tcp", self->tcp_check, "active",
                          G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  g_object_bind_property (self->settings, "tls", self->tls_check, "active",
                          G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  g_object_bind_property (self->reasons, "relay", self->relay_switch, "active",
                          G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);

  code = factory_new (G_CALLBACK (label_setup_cb), G_CALLBACK (code_bind_cb), NULL, NULL);
  standard = factory_new (G_CALLBACK (label_setup_cb), G_CALLBACK (standard_bind_cb), NULL, NULL);
  custom = factory_new (G_CALLBACK (custom_setup_cb), G_CALLBACK (custom_bind_cb),
                        G_CALLBACK (custom_unbind_cb), self);
  gtk_column_view_column_set_factory (self->code_column, code);
  gtk_column_view_column_set_factory (self->standard_column, standard);
  gtk_column_view_column_set_factory (self->custom_column, custom);

  fill_codes (self);
  gtk_column_view_set_model (self->reasons_view, GTK_SELECTION_MODEL (
                               gtk_no_selection_new (g_object_ref (G_LIST_MODEL (self->codes)))));
  g_signal_connect_object (self->reasons, "changed", G_CALLBACK (reason_changed_cb), self,
                           G_CONNECT_SWAPPED);
}

static void
ust_preferences_window_get_property (GObject    *object,
                                     guint       prop_id,
                                     GValue     *value,
                                     GParamSpec *pspec)
{
  UstPreferencesWindow *self = UST_PREFERENCES_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SETTINGS:
      g_value_set_object (value, self->settings);
      break;
    case PROP_REASONS:
      g_value_set_object (value, self->reasons);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ust_preferences_window_set_property (GObject      *object,
                                     guint         prop_id,
                                     const GValue *value,
                                     GParamSpec   *pspec)
{
  UstPreferencesWindow *self = UST_PREFERENCES_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SETTINGS:
      self->settings = g_value_dup_object (value);
      break;
    case PROP_REASONS:
      self->reasons = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ust_preferences_window_dispose (GObject *object)
{
  UstPreferencesWindow *self = UST_PREFERENCES_WINDOW (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), UST_TYPE_PREFERENCES_WINDOW);
  g_clear_object (&self->codes);
  g_clear_object (&self->settings);
  g_clear_object (&self->reasons);

  G_OBJECT_CLASS (ust_preferences_window_parent_class)->dispose (object);
}

static void
ust_preferences_window_class_init (UstPreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = ust_preferences_window_constructed;
  object_class->get_property = ust_preferences_window_get_property;
  object_class->set_property = ust_preferences_window_set_property;
  object_class->dispose = ust_preferences_window_dispose;

  properties[PROP_SETTINGS] =
    g_param_spec_object ("settings", NULL, NULL, UST_TYPE_SETTINGS,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_REASONS] =
    g_param_spec_object ("reasons", NULL, NULL, UST_TYPE_REASON_TABLE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (
    widget_class, "/io/github/ustredna/Ustredna/ui/ust-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, UstPreferencesWindow, port_spin);
  gtk_widget_class_bind_template_child (widget_class, UstPreferencesWindow, register_switch);
  /* Always on: named so that the tests find it as a person sees it. */
  gtk_widget_class_bind_template_child_full (widget_class, "udp_check", FALSE, 0);
  gtk_widget_class_bind_template_child (widget_class, UstPreferencesWindow, tcp_check);
  gtk_widget_class_bind_template_child (widget_class, UstPreferencesWindow, tls_check);
  gtk_widget_class_bind_template_child (widget_class, UstPreferencesWindow, relay_switch);
  gtk_widget_class_bind_template_child (widget_class, UstPreferencesWindow, add_entry);
  gtk_widget_class_bind_template_child (widget_class, UstPreferencesWindow, error_label);
  gtk_widget_class_bind_template_child (widget_class, UstPreferencesWindow, reasons_view);
  gtk_widget_class_bind_template_child (widget_class, UstPreferencesWindow, code_column);
  gtk_widget_class_bind_template_child (widget_class, UstPreferencesWindow, standard_column);
  gtk_widget_class_bind_template_child (widget_class, UstPreferencesWindow, custom_column);
  gtk_widget_class_bind_template_callback (widget_class, ust_preferences_window_preset_pohodka);
  gtk_widget_class_bind_template_callback (widget_class, clear_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, add_clicked_cb);
}

static void
ust_preferences_window_init (UstPreferencesWindow *self)
{
  self->codes = gtk_string_list_new (NULL);
  gtk_widget_init_template (GTK_WIDGET (self));
}

UstPreferencesWindow *
ust_preferences_window_new (GtkWindow      *parent,
                            UstSettings    *settings,
                            UstReasonTable *reasons)
{
  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (UST_IS_SETTINGS (settings), NULL);
  g_return_val_if_fail (UST_IS_REASON_TABLE (reasons), NULL);

  return g_object_new (UST_TYPE_PREFERENCES_WINDOW,
                       "transient-for", parent,
                       "settings", settings,
                       "reasons", reasons,
                       NULL);
}
