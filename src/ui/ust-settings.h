/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* What the window remembers between runs: the chosen address, the port,
 * whether callers must be registered, which transports phones may use
 * besides UDP, the CSV flavour. Kept in a key file
 * (settings.ini in g_get_user_config_dir()/ustredna/), which works the same
 * on Linux and Windows and needs no GSettings schema installed. The reason
 * phrases live beside it in reasons.ini (ust-reason-table.h). */

#include <glib-object.h>

G_BEGIN_DECLS

#define UST_TYPE_SETTINGS (ust_settings_get_type ())
G_DECLARE_FINAL_TYPE (UstSettings, ust_settings, UST, SETTINGS, GObject)

UstSettings *ust_settings_new                      (const char  *path);
const char  *ust_settings_get_path                 (UstSettings *self);
gboolean     ust_settings_load                     (UstSettings *self,
                                                    GError     **error);
gboolean     ust_settings_save                     (UstSettings *self,
                                                    GError     **error);
char        *ust_settings_default_path             (void);

const char  *ust_settings_get_address              (UstSettings *self);
void         ust_settings_set_address              (UstSettings *self,
                                                    const char  *address);
guint        ust_settings_get_port                 (UstSettings *self);
void         ust_settings_set_port                 (UstSettings *self,
                                                    guint        port);
gboolean     ust_settings_get_require_registration (UstSettings *self);
void         ust_settings_set_require_registration (UstSettings *self,
                                                    gboolean     require);
gboolean     ust_settings_get_tcp                  (UstSettings *self);
void         ust_settings_set_tcp                  (UstSettings *self,
                                                    gboolean     tcp);
gboolean     ust_settings_get_tls                  (UstSettings *self);
void         ust_settings_set_tls                  (UstSettings *self,
                                                    gboolean     tls);
gboolean     ust_settings_get_excel_csv            (UstSettings *self);
void         ust_settings_set_excel_csv            (UstSettings *self,
                                                    gboolean     excel);

G_END_DECLS
