/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* A question with two answers ("Clear the diary?" Cancel / Clear), as a
 * small modal GtkWindow: GtkDialog and GtkMessageDialog are deprecated in
 * GTK 4.10 and GtkAlertDialog only exists from 4.10. The window has the
 * actions "confirm.accept" and "confirm.cancel" (tests activate them). */

#include <gtk/gtk.h>

G_BEGIN_DECLS

typedef void (*UstConfirmFunc) (gboolean accepted,
                                gpointer user_data);

GtkWindow *ust_confirm (GtkWindow      *parent,
                        const char     *heading,
                        const char     *body,
                        const char     *accept_label,
                        UstConfirmFunc  func,
                        gpointer        user_data);

G_END_DECLS
