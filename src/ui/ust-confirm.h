/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* A question with two answers ("Clear the diary?" Cancel / Clear), as a
 * small modal window: GtkDialog and GtkMessageDialog are deprecated in
 * GTK 4.10 and GtkAlertDialog only exists from 4.10. The window has the
 * actions "confirm.accept" and "confirm.cancel" (tests activate them) and
 * the style class "ust-confirm" (tests find it by that). Every way out (a
 * button, Escape, the close button) emits ::answered exactly once. */

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define UST_TYPE_CONFIRM (ust_confirm_get_type ())
G_DECLARE_FINAL_TYPE (UstConfirm, ust_confirm, UST, CONFIRM, GtkWindow)

UstConfirm *ust_confirm_new (GtkWindow  *parent,
                             const char *heading,
                             const char *body,
                             const char *accept_label);

typedef void (*UstConfirmFunc) (gboolean accepted,
                                gpointer user_data);

/* Shows the question and calls @func with the answer. */
GtkWindow  *ust_confirm     (GtkWindow      *parent,
                             const char     *heading,
                             const char     *body,
                             const char     *accept_label,
                             UstConfirmFunc  func,
                             gpointer        user_data);

G_END_DECLS
