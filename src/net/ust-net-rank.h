/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* The platform-neutral half of address listing: the platform code reports raw facts about
 * each address, and this module decides what kind of adapter it is, how to label it and
 * where it sorts. Tests feed it synthetic entries, so they do not depend on the adapters of
 * the machine that runs them. */

#include <gio/gio.h>

#include "ust-net-address.h"

G_BEGIN_DECLS

typedef enum {
  UST_NET_RAW_UP            = 1 << 0, /* administratively and operationally up */
  UST_NET_RAW_LOOPBACK      = 1 << 1,
  UST_NET_RAW_WIRELESS      = 1 << 2, /* Wi-Fi or mobile broadband */
  UST_NET_RAW_VIRTUAL       = 1 << 3, /* the OS says it has no hardware behind it */
  UST_NET_RAW_TUNNEL        = 1 << 4, /* point-to-point, tun/tap, PPP, IfType tunnel */
  UST_NET_RAW_DEFAULT_ROUTE = 1 << 5, /* the adapter carries a default route (either family) */
} UstNetRawFlags;

typedef struct {
  const char    *name;        /* friendly name: "wlp2s0", "Wi-Fi", "Ethernet 2" */
  const char    *description; /* Windows adapter description, or NULL */
  const char    *address;     /* numeric, IPv6 link-local with "%scope" */
  UstNetRawFlags flags;
} UstNetRawEntry;

UstNetKind  ust_net_rank_classify (const UstNetRawEntry *entry,
                                   const char          **product);
GListStore *ust_net_rank_entries  (const UstNetRawEntry *entries,
                                   gsize                 n_entries);

G_END_DECLS
