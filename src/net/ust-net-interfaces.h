/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* The one header callers include to list this machine's addresses for the address
 * dropdown. GLib has no interface enumeration, so ust_net_list_addresses() is implemented
 * twice, with getifaddrs() (ust-net-interfaces-unix.c) and GetAdaptersAddresses()
 * (ust-net-interfaces-win32.c); both hand raw entries to ust-net-rank.c, which sorts and
 * labels them the same way everywhere.
 *
 * To refresh the list when the network changes, keep a UstNetWatcher and list again on its
 * "changed" signal (it debounces GNetworkMonitor's "network-changed"). */

#include <gio/gio.h>

#include "ust-net-address.h"
#include "ust-net-watcher.h"

G_BEGIN_DECLS

GListStore *ust_net_list_addresses (GError **error);

G_END_DECLS
