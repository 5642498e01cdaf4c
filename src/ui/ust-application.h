/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* The `ustredna` application: one exchange, one window, the settings.
 *
 * Actions (also reachable over D-Bus with `gapplication action`):
 *   app.start, app.stop          start or stop the exchange on the chosen address and port
 *   app.select-address(s)        choose an address ("0.0.0.0" = all); any numeric address
 *   app.export-to(s)             write the diary as CSV to a path, no dialog (for tests/scripts)
 *   app.export-excel-to(s)       the same in the Excel flavour (';', byte-order mark)
 *   app.preferences, app.about, app.quit
 *   app.screenshot(s)            save the window as a PNG (build-aux/screenshot.sh) */

#include <gtk/gtk.h>

#include "ust-exchange.h"
#include "ust-settings.h"
#include "ust-window.h"

G_BEGIN_DECLS

#define UST_TYPE_APPLICATION (ust_application_get_type ())
G_DECLARE_FINAL_TYPE (UstApplication, ust_application, UST, APPLICATION, GtkApplication)

UstApplication *ust_application_new          (void);
UstExchange    *ust_application_get_exchange (UstApplication *self);
UstSettings    *ust_application_get_settings (UstApplication *self);
UstWindow      *ust_application_get_window   (UstApplication *self);

G_END_DECLS
