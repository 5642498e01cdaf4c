/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ust-confirm"

#include "config.h"

#include <glib/gi18n.h>

#include "ust-confirm.h"

typedef struct {
  UstConfirmFunc func;
  gpointer       user_data;
  gboolean       answered;
} Confirm;

/* Every way out (a button, Escape, the close button) answers exactly once. */
static void
answer (GtkWindow *window,
        gboolean   accepted)
{
  Confirm *confirm = g_object_get_data (G_OBJECT (window), "ust-confirm");

  if (confirm->answered)
    return;
  confirm->answered = TRUE;
  confirm->func (accepted, confirm->user_data);
}

static void
accept_cb (GSimpleAction *action,
           GVariant      *parameter,
           gpointer       user_data)
{
  GtkWindow *window = user_data;
  Confirm *confirm = g_object_get_data (G_OBJECT (window), "ust-confirm");
  UstConfirmFunc func = confirm->func;
  gpointer func_data = confirm->user_data;

  if (confirm->answered)
    return;
  confirm->answered = TRUE;
  /* Gone before the answer acts: the answer may close the parent, which
   * takes this window with it. */
  gtk_window_destroy (window);
  func (TRUE, func_data);
}

static void
cancel_cb (GSimpleAction *action,
           GVariant      *parameter,
           gpointer       user_data)
{
  gtk_window_close (GTK_WINDOW (user_data));
}

static gboolean
close_request_cb (GtkWindow *window,
                  gpointer   user_data)
{
  answer (window, FALSE);
  return FALSE;
}

GtkWindow *
ust_confirm (GtkWindow      *parent,
             const char     *heading,
             const char     *body,
             const char     *accept_label,
             UstConfirmFunc  func,
             gpointer        user_data)
{
  const GActionEntry entries[] = {
    { .name = "accept", .activate = accept_cb },
    { .name = "cancel", .activate = cancel_cb },
  };
  g_autoptr (GSimpleActionGroup) group = g_simple_action_group_new ();
  g_autoptr (PangoAttrList) attrs = pango_attr_list_new ();
  GtkWindow *window;
  GtkWidget *box, *label, *buttons, *button;
  GtkEventController *shortcuts;
  Confirm *confirm;

  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (func != NULL, NULL);

  window = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_title (window, heading);
  gtk_window_set_modal (window, TRUE);
  gtk_window_set_resizable (window, FALSE);
  gtk_window_set_destroy_with_parent (window, TRUE);
  if (parent != NULL)
    gtk_window_set_transient_for (window, parent);
  gtk_widget_add_css_class (GTK_WIDGET (window), "ust-confirm");

  confirm = g_new0 (Confirm, 1);
  confirm->func = func;
  confirm->user_data = user_data;
  g_object_set_data_full (G_OBJECT (window), "ust-confirm", confirm, g_free);

  g_action_map_add_action_entries (G_ACTION_MAP (group), entries, G_N_ELEMENTS (entries), window);
  gtk_widget_insert_action_group (GTK_WIDGET (window), "confirm", G_ACTION_GROUP (group));
  g_signal_connect (window, "close-request", G_CALLBACK (close_request_cb), NULL);

  /* Escape answers "no", as it does in every other dialog. */
  shortcuts = gtk_shortcut_controller_new ();
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (shortcuts),
                                        gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_Escape, 0),
                                                          gtk_named_action_new ("confirm.cancel")));
  gtk_widget_add_controller (GTK_WIDGET (window), shortcuts);

  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  gtk_widget_set_margin_top (box, 24);
  gtk_widget_set_margin_bottom (box, 18);
  gtk_widget_set_margin_start (box, 24);
  gtk_widget_set_margin_end (box, 24);
  gtk_window_set_child (window, box);

  pango_attr_list_insert (attrs, pango_attr_weight_new (PANGO_WEIGHT_BOLD));
  pango_attr_list_insert (attrs, pango_attr_scale_new (1.2));
  label = gtk_label_new (heading);
  gtk_label_set_attributes (GTK_LABEL (label), attrs);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_max_width_chars (GTK_LABEL (label), 40);
  gtk_box_append (GTK_BOX (box), label);

  label = gtk_label_new (body);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_max_width_chars (GTK_LABEL (label), 40);
  gtk_label_set_justify (GTK_LABEL (label), GTK_JUSTIFY_CENTER);
  gtk_box_append (GTK_BOX (box), label);

  buttons = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  gtk_box_set_homogeneous (GTK_BOX (buttons), TRUE);
  gtk_widget_set_margin_top (buttons, 12);
  gtk_box_append (GTK_BOX (box), buttons);

  button = gtk_button_new_with_mnemonic (_("_Cancel"));
  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), "confirm.cancel");
  gtk_box_append (GTK_BOX (buttons), button);
  /* The safe answer has the focus, so Enter does not destroy anything. */
  gtk_window_set_focus (window, button);

  button = gtk_button_new_with_mnemonic (accept_label);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), "confirm.accept");
  gtk_widget_add_css_class (button, "destructive-action");
  gtk_box_append (GTK_BOX (buttons), button);

  gtk_window_present (window);
  return window;
}
