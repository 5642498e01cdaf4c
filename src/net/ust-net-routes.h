/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Finding the adapters that carry a default route from the text of Linux's
 * /proc/net/route and /proc/net/ipv6_route. Only text parsing, so it builds and is tested
 * on every platform. */

#include <glib.h>

G_BEGIN_DECLS

void ust_net_routes_add_ipv4_defaults (GHashTable *devices,
                                       const char *proc_net_route);
void ust_net_routes_add_ipv6_defaults (GHashTable *devices,
                                       const char *proc_net_ipv6_route);

G_END_DECLS
