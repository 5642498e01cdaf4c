/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Tells the window when to list the addresses again. GNetworkMonitor's "network-changed"
 * arrives in bursts (one per route as an adapter comes up), so this waits until the burst
 * is over and then emits "changed" once. */

#include <gio/gio.h>

G_BEGIN_DECLS

#define UST_NET_WATCHER_DEBOUNCE_MS 300

#define UST_TYPE_NET_WATCHER (ust_net_watcher_get_type ())
G_DECLARE_FINAL_TYPE (UstNetWatcher, ust_net_watcher, UST, NET_WATCHER, GObject)

UstNetWatcher *ust_net_watcher_new             (void);
UstNetWatcher *ust_net_watcher_new_for_monitor (GNetworkMonitor *monitor);

G_END_DECLS
