/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* The preferences' robot phones section: a switch per robot, and whom the
 * transfer robot transfers its callers to. It edits the settings; the
 * application hands them on to the exchange. */

#include <gtk/gtk.h>

#include "ust-settings.h"

G_BEGIN_DECLS

#define UST_TYPE_ROBOTS_PREFERENCES (ust_robots_preferences_get_type ())
G_DECLARE_FINAL_TYPE (UstRobotsPreferences, ust_robots_preferences, UST, ROBOTS_PREFERENCES,
                      GtkWidget)

UstSettings *ust_robots_preferences_get_settings (UstRobotsPreferences *self);
void         ust_robots_preferences_set_settings (UstRobotsPreferences *self,
                                                  UstSettings          *settings);

G_END_DECLS
