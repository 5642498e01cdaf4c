/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* The main window: the address and port, Start/Stop, what to type into the
 * phones, the registered phones and active calls, and the call diary. */

#include <gtk/gtk.h>

#include "ust-exchange.h"
#include "ust-settings.h"

G_BEGIN_DECLS

#define UST_TYPE_WINDOW (ust_window_get_type ())
G_DECLARE_FINAL_TYPE (UstWindow, ust_window, UST, WINDOW, GtkApplicationWindow)

UstWindow   *ust_window_new              (GtkApplication *application,
                                          UstExchange    *exchange,
                                          UstSettings    *settings);
UstExchange *ust_window_get_exchange     (UstWindow      *self);

void         ust_window_start            (UstWindow      *self);
void         ust_window_stop             (UstWindow      *self);
gboolean     ust_window_select_address   (UstWindow      *self,
                                          const char     *address);
const char  *ust_window_get_selected_address (UstWindow  *self);
void         ust_window_export_to        (UstWindow      *self,
                                          const char     *path,
                                          gboolean        excel);
void         ust_window_show_message     (UstWindow      *self,
                                          const char     *message);
void         ust_window_refresh_addresses (UstWindow     *self);
gboolean     ust_window_save_screenshot  (UstWindow      *self,
                                          const char     *path,
                                          GError        **error);

G_END_DECLS
