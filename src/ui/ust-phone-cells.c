/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ust-phone-cells"

#include "config.h"

#include <glib/gi18n.h>

#include "ust-phone-cells.h"
#include "ust-phone.h"

static void
user_setup_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *list_item,
               gpointer                  user_data)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *icon = gtk_image_new_from_icon_name ("ust-robot-symbolic");
  GtkWidget *label = gtk_label_new (NULL);

  gtk_widget_set_tooltip_text (icon, _("A robot phone of the exchange: call it to try a "
                                       "scenario alone"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (icon), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Robot"), -1);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_box_append (GTK_BOX (box), icon);
  gtk_box_append (GTK_BOX (box), label);
  gtk_list_item_set_child (list_item, box);
}

static void
user_bind_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *list_item,
              gpointer                  user_data)
{
  UstPhone *phone = gtk_list_item_get_item (list_item);
  GtkWidget *box = gtk_list_item_get_child (list_item);
  GtkWidget *icon = gtk_widget_get_first_child (box);
  GtkWidget *label = gtk_widget_get_next_sibling (icon);

  /* Phones are snapshots: a new one replaces the row's item, so binding
   * once is enough. */
  gtk_label_set_text (GTK_LABEL (label), ust_phone_get_user (phone));
  gtk_widget_set_visible (icon, ust_phone_get_robot (phone));
}

/* The User column: the name, and the robot icon for the robots. */
GtkListItemFactory *
ust_phone_user_factory_new (void)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
  GdkDisplay *display = gdk_display_get_default ();

  /* The icon is in our resources; GtkApplication finds them by its id,
   * which the tests change, so the path is added here once. */
  if (display != NULL && g_object_get_data (G_OBJECT (display), "ust-robot-icon") == NULL)
    {
      gtk_icon_theme_add_resource_path (gtk_icon_theme_get_for_display (display),
                                        "/io/github/ustredna/Ustredna/icons");
      g_object_set_data (G_OBJECT (display), "ust-robot-icon", GINT_TO_POINTER (1));
    }

  g_signal_connect (factory, "setup", G_CALLBACK (user_setup_cb), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (user_bind_cb), NULL);
  return factory;
}
