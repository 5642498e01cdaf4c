/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* The cells of the Registered phones list that are more than a label: the
 * user, with a robot's icon beside the exchange's own robot phones. */

#include <gtk/gtk.h>

G_BEGIN_DECLS

GtkListItemFactory *ust_phone_user_factory_new (void);

G_END_DECLS
