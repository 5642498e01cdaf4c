/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* One local address as the address dropdown shows it: the numeric address, the adapter it
 * belongs to, what kind of adapter that is, and where it sorts. Immutable once made. */

#include <gio/gio.h>

G_BEGIN_DECLS

/* What kind of adapter an address sits on, in the order the dropdown prefers them. */
typedef enum {
  UST_NET_KIND_WIRED,
  UST_NET_KIND_WIRELESS,
  UST_NET_KIND_HOTSPOT,    /* this computer shares its connection (Windows mobile hotspot) */
  UST_NET_KIND_VPN,        /* tun/tap/wg/ppp/Tailscale/ZeroTier, and IPv6 transition tunnels */
  UST_NET_KIND_VIRTUAL,    /* VirtualBox, Hyper-V, WSL, Docker, libvirt, VMware, veth */
  UST_NET_KIND_LINK_LOCAL, /* 169.254.0.0/16 and fe80::/10 */
  UST_NET_KIND_LOOPBACK,
} UstNetKind;

#define UST_TYPE_NET_KIND (ust_net_kind_get_type ())
GType ust_net_kind_get_type (void) G_GNUC_CONST;

#define UST_TYPE_NET_ADDRESS (ust_net_address_get_type ())
G_DECLARE_FINAL_TYPE (UstNetAddress, ust_net_address, UST, NET_ADDRESS, GObject)

UstNetAddress *ust_net_address_new                   (const char    *address,
                                                      guint          family,
                                                      const char    *interface_name,
                                                      UstNetKind     kind,
                                                      const char    *label,
                                                      int            rank,
                                                      gboolean       has_default_route);
const char    *ust_net_address_get_address           (UstNetAddress *self);
guint          ust_net_address_get_family            (UstNetAddress *self);
const char    *ust_net_address_get_interface_name    (UstNetAddress *self);
UstNetKind     ust_net_address_get_kind              (UstNetAddress *self);
const char    *ust_net_address_get_label             (UstNetAddress *self);
int            ust_net_address_get_rank              (UstNetAddress *self);
gboolean       ust_net_address_get_has_default_route (UstNetAddress *self);

gboolean       ust_net_address_list_contains         (GListModel    *list,
                                                      const char    *address);

G_END_DECLS
