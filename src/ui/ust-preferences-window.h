/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Preferences: the port, whether callers must be registered, and the
 * reason phrases. Everything applies at once and is remembered (the
 * application saves settings.ini and reasons.ini). */

#include <gtk/gtk.h>

#include "ust-reason-table.h"
#include "ust-settings.h"

G_BEGIN_DECLS

#define UST_TYPE_PREFERENCES_WINDOW (ust_preferences_window_get_type ())
G_DECLARE_FINAL_TYPE (UstPreferencesWindow, ust_preferences_window, UST, PREFERENCES_WINDOW,
                      GtkWindow)

UstPreferencesWindow *ust_preferences_window_new             (GtkWindow            *parent,
                                                              UstSettings          *settings,
                                                              UstReasonTable       *reasons);
void                  ust_preferences_window_preset_pohodka  (UstPreferencesWindow *self);

G_END_DECLS
