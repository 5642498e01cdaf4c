/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Things a person has to know about this operating system to get phones talking to the
 * exchange. Implemented once per OS: ust-platform-unix.c and ust-platform-win32.c. */

#include <glib.h>

G_BEGIN_DECLS

const char *ust_platform_firewall_hint (void);

G_END_DECLS
