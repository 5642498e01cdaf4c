/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* The only file that knows which GTK it is built against. Ústredňa targets
 * the GTK 4.8 API (Debian 12); where 4.10 deprecated what 4.8 offers, the
 * newer way is chosen here at compile time with GTK_CHECK_VERSION, so the
 * rest of the window reads the same on both. */

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Called with the chosen file, or NULL when the person cancelled. @excel is
 * what they chose in the dialog where the dialog offers the choice, and
 * the value passed in otherwise. */
typedef void (*UstSaveCsvFunc) (GFile    *file,
                                gboolean  excel,
                                gpointer  user_data);

void     ust_gtk_compat_save_csv               (GtkWindow      *parent,
                                                const char     *initial_name,
                                                gboolean        excel,
                                                UstSaveCsvFunc  func,
                                                gpointer        user_data);
gboolean ust_gtk_compat_save_csv_offers_excel  (void);

/* A plain "save as" dialog: @func gets the chosen file, or NULL. */
typedef void (*UstSaveFileFunc) (GFile    *file,
                                 gpointer  user_data);

void     ust_gtk_compat_save_file              (GtkWindow       *parent,
                                                const char      *title,
                                                const char      *initial_name,
                                                UstSaveFileFunc  func,
                                                gpointer         user_data);

/* An "open" dialog for pcap and pcapng files; a folder chooser. */
void     ust_gtk_compat_open_capture           (GtkWindow       *parent,
                                                UstSaveFileFunc  func,
                                                gpointer         user_data);
void     ust_gtk_compat_choose_folder          (GtkWindow       *parent,
                                                const char      *title,
                                                UstSaveFileFunc  func,
                                                gpointer         user_data);

G_END_DECLS
