/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ust-net-rank"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "ust-net-rank.h"

/* A name or description fragment and the product it reveals (NULL: just "virtual"). */
typedef struct {
  const char *needle;
  const char *product;
} UstNetPattern;

/* Linux interface names that belong to VPNs and tunnels. Kernel names are lower case and
 * made of a fixed prefix and a number, so a case-sensitive prefix match is enough. */
static const char *const vpn_name_prefixes[] = {
  "tun", "tap", "wg", "ppp", "tailscale", "zt", "utun", "ipsec", "vti", "gpd", "cscotun",
  "nordlynx",
};

/* Windows descriptions and friendly names are free text, matched case-insensitively. The
 * IPv6 transition pseudo-interfaces (Teredo, ISATAP, 6to4, IP-HTTPS) are tunnels too. */
static const char *const vpn_words[] = {
  "vpn", "wireguard", "tailscale", "zerotier", "openvpn", "tap-windows", "wintun",
  "anyconnect", "forti", "globalprotect", "pangp", "pulse secure", "nordlynx", "teredo",
  "isatap", "6to4", "ip-https",
};

/* Linux names of bridges and links that only reach virtual machines and containers. */
static const UstNetPattern virtual_name_prefixes[] = {
  { "vboxnet", "VirtualBox" },
  { "vmnet", "VMware" },
  { "virbr", "libvirt" },
  { "vnet", "libvirt" },
  { "docker", "Docker" },
  { "br-", "Docker" },
  { "veth", NULL },
  { "lxcbr", "LXC" },
  { "lxdbr", "LXD" },
  { "incusbr", "Incus" },
  { "podman", "Podman" },
  { "cni", NULL },
};

/* Windows adapters, by friendly name or description. WSL comes before Hyper-V because its
 * adapter is a Hyper-V switch named "vEthernet (WSL)". */
static const UstNetPattern virtual_words[] = {
  { "virtualbox", "VirtualBox" },
  { "vethernet (wsl", "WSL" },
  { "wsl", "WSL" },
  { "vethernet", "Hyper-V" },
  { "hyper-v", "Hyper-V" },
  { "vmware", "VMware" },
  { "docker", "Docker" },
  { "parallels", "Parallels" },
};

static gboolean
has_prefix_in (const char        *name,
               const char *const *prefixes,
               gsize              n_prefixes)
{
  for (gsize i = 0; i < n_prefixes; i++)
    if (g_str_has_prefix (name, prefixes[i]))
      return TRUE;
  return FALSE;
}

/* Case-insensitive "does haystack contain needle"; both are UTF-8. */
static gboolean
contains_casefold (const char *haystack,
                   const char *needle)
{
  g_autofree char *hay = NULL;
  g_autofree char *pin = NULL;

  if (haystack == NULL || needle == NULL || *needle == '\0')
    return FALSE;
  hay = g_utf8_casefold (haystack, -1);
  pin = g_utf8_casefold (needle, -1);
  return strstr (hay, pin) != NULL;
}

/* Like contains_casefold(), but the match must be a whole word: "Wi-Fi" is in "Wi-Fi 2",
 * while "Docker" is not in "docker0", which still deserves its "(Docker)". */
static gboolean
contains_word_casefold (const char *haystack,
                        const char *needle)
{
  g_autofree char *hay = NULL;
  g_autofree char *pin = NULL;
  gsize pin_length;

  if (haystack == NULL || needle == NULL || *needle == '\0')
    return FALSE;
  hay = g_utf8_casefold (haystack, -1);
  pin = g_utf8_casefold (needle, -1);
  pin_length = strlen (pin);
  for (const char *at = strstr (hay, pin); at != NULL; at = strstr (at + 1, pin))
    {
      gboolean starts = at == hay || !g_ascii_isalnum (at[-1]);
      gboolean ends = !g_ascii_isalnum (at[pin_length]);

      if (starts && ends)
        return TRUE;
    }
  return FALSE;
}

static gboolean
matches_vpn (const UstNetRawEntry *entry)
{
  if (has_prefix_in (entry->name, vpn_name_prefixes, G_N_ELEMENTS (vpn_name_prefixes)))
    return TRUE;
  for (gsize i = 0; i < G_N_ELEMENTS (vpn_words); i++)
    if (contains_casefold (entry->name, vpn_words[i])
        || contains_casefold (entry->description, vpn_words[i]))
      return TRUE;
  return FALSE;
}

static gboolean
matches_virtual (const UstNetRawEntry *entry,
                 const char          **product)
{
  for (gsize i = 0; i < G_N_ELEMENTS (virtual_name_prefixes); i++)
    if (g_str_has_prefix (entry->name, virtual_name_prefixes[i].needle))
      {
        *product = virtual_name_prefixes[i].product;
        return TRUE;
      }
  for (gsize i = 0; i < G_N_ELEMENTS (virtual_words); i++)
    if (contains_casefold (entry->name, virtual_words[i].needle)
        || contains_casefold (entry->description, virtual_words[i].needle))
      {
        *product = virtual_words[i].product;
        return TRUE;
      }
  return FALSE;
}

/* Parses the address part of "fe80::1%eth0"; the scope is only needed to bind. */
static GInetAddress *
parse_address (const char *text)
{
  const char *percent = strchr (text, '%');
  g_autofree char *bare = NULL;

  bare = percent != NULL ? g_strndup (text, percent - text) : g_strdup (text);
  return g_inet_address_new_from_string (bare);
}

static gboolean
is_ipv4 (GInetAddress *address,
         guint8        a,
         guint8        b,
         int           c,
         guint8        d)
{
  const guint8 *bytes;

  if (g_inet_address_get_family (address) != G_SOCKET_FAMILY_IPV4)
    return FALSE;
  bytes = g_inet_address_to_bytes (address);
  return bytes[0] == a && bytes[1] == b && (c < 0 || bytes[2] == c) && bytes[3] == d;
}

/* Windows Internet Connection Sharing, which the mobile hotspot uses, always gives the
 * sharing adapter 192.168.137.1. NetworkManager's "shared" mode (its hotspot) uses
 * 10.42.x.1; only count that on Wi-Fi, where it is a hotspot and not a shared cable. */
static gboolean
is_hotspot (const UstNetRawEntry *entry,
            GInetAddress         *address)
{
  if (is_ipv4 (address, 192, 168, 137, 1))
    return TRUE;
  return (entry->flags & UST_NET_RAW_WIRELESS) != 0 && is_ipv4 (address, 10, 42, -1, 1);
}

/**
 * ust_net_rank_classify:
 * @entry: facts the platform code gathered about one address
 * @product: (out) (nullable): the virtualisation product, if one was recognised
 *
 * Decides the kind of adapter. The order of the checks matters: an address property
 * (loopback, link-local, hotspot) says more about reachability than the adapter it is on,
 * and VPN names are checked before the OS's "virtual" flag because Linux lists every tun,
 * tap and WireGuard device as virtual too.
 */
UstNetKind
ust_net_rank_classify (const UstNetRawEntry *entry,
                       const char          **product)
{
  g_autoptr(GInetAddress) address = NULL;
  const char *dummy;

  g_return_val_if_fail (entry != NULL && entry->name != NULL, UST_NET_KIND_WIRED);
  g_return_val_if_fail (entry->address != NULL, UST_NET_KIND_WIRED);

  if (product == NULL)
    product = &dummy;
  *product = NULL;
  address = parse_address (entry->address);

  if ((entry->flags & UST_NET_RAW_LOOPBACK) != 0
      || (address != NULL && g_inet_address_get_is_loopback (address)))
    return UST_NET_KIND_LOOPBACK;
  if (address != NULL && g_inet_address_get_is_link_local (address))
    return UST_NET_KIND_LINK_LOCAL;
  if (address != NULL && is_hotspot (entry, address))
    return UST_NET_KIND_HOTSPOT;
  if ((entry->flags & UST_NET_RAW_TUNNEL) != 0 || matches_vpn (entry))
    return UST_NET_KIND_VPN;
  /* VirtualBox and QEMU user-mode networking give every guest 10.0.2.15 behind NAT: other
   * computers cannot reach it even though, inside the guest, it holds the default route. */
  if (address != NULL && is_ipv4 (address, 10, 0, 2, 15))
    {
      *product = "VirtualBox/QEMU NAT";
      return UST_NET_KIND_VIRTUAL;
    }
  if (matches_virtual (entry, product))
    return UST_NET_KIND_VIRTUAL;
  /* An unrecognised "virtual" device that carries the default route is almost always a
   * bridge (br0) or a Hyper-V external switch sitting on the real network card, so it is
   * the LAN; a software-only network never holds the default route. */
  if ((entry->flags & UST_NET_RAW_VIRTUAL) != 0
      && (entry->flags & UST_NET_RAW_DEFAULT_ROUTE) == 0)
    return UST_NET_KIND_VIRTUAL;
  if ((entry->flags & UST_NET_RAW_WIRELESS) != 0)
    return UST_NET_KIND_WIRELESS;
  return UST_NET_KIND_WIRED;
}

/* Lower is better. Physical adapters with the default route are where other laptops on the
 * LAN can reach us; loopback reaches only this computer. IPv4 sorts before IPv6 inside
 * each class because phones and softphones on a LAN are configured with IPv4. */
static int
compute_rank (UstNetKind kind,
              gboolean   has_default_route,
              guint      family)
{
  int klass;

  switch (kind)
    {
    case UST_NET_KIND_WIRED:
    case UST_NET_KIND_WIRELESS:
      klass = has_default_route ? 0 : 1;
      break;
    case UST_NET_KIND_HOTSPOT:
      klass = 2;
      break;
    case UST_NET_KIND_VPN:
      klass = 3;
      break;
    case UST_NET_KIND_VIRTUAL:
      klass = 4;
      break;
    case UST_NET_KIND_LINK_LOCAL:
      klass = 5;
      break;
    case UST_NET_KIND_LOOPBACK:
    default:
      klass = 6;
      break;
    }
  return klass * 10 + (family == 6 ? 1 : 0);
}

static const char *
kind_text (UstNetKind kind)
{
  switch (kind)
    {
    case UST_NET_KIND_WIRED:
      /* Translators: kind of network adapter, shown after its name: "eth0 (wired)". */
      return _("wired");
    case UST_NET_KIND_WIRELESS:
      return _("Wi-Fi");
    case UST_NET_KIND_HOTSPOT:
      return _("Mobile hotspot");
    case UST_NET_KIND_VPN:
      return _("VPN");
    case UST_NET_KIND_VIRTUAL:
      /* Translators: a network adapter that only reaches virtual machines or containers. */
      return _("virtual");
    case UST_NET_KIND_LINK_LOCAL:
      /* Translators: an automatic address (169.254.x.x or fe80::) that works without a
       * DHCP server, only on the local cable or Wi-Fi. */
      return _("link-local");
    case UST_NET_KIND_LOOPBACK:
    default:
      return _("This computer only");
    }
}

static char *
make_label (const char *address,
            const char *name,
            UstNetKind  kind,
            const char *product)
{
  const char *what;

  if (kind == UST_NET_KIND_LOOPBACK || *name == '\0')
    /* Translators: an address in the address list, then what it is:
     * "127.0.0.1 — This computer only". */
    return g_strdup_printf (_("%s — %s"), address, product != NULL ? product : kind_text (kind));
  /* The adapter name means nothing to most people for a hotspot ("Local Area Connection*
   * 10"), so the kind comes first there. */
  if (kind == UST_NET_KIND_HOTSPOT)
    /* Translators: "192.168.137.1 — Mobile hotspot (Local Area Connection* 10)". */
    return g_strdup_printf (_("%s — %s (%s)"), address, kind_text (kind), name);

  /* Windows names often say it already ("Wi-Fi", "vEthernet (WSL)"): do not repeat it. */
  what = product != NULL ? product : kind_text (kind);
  if (contains_word_casefold (name, what))
    return g_strdup_printf (_("%s — %s"), address, name);
  /* Translators: an address, its adapter, and the kind of adapter:
   * "192.168.1.10 — wlp2s0 (Wi-Fi)", "192.168.56.1 — vboxnet0 (VirtualBox)". */
  return g_strdup_printf (_("%s — %s (%s)"), address, name, what);
}

typedef struct {
  UstNetAddress *address;
  gsize index;
} UstNetRanked;

static int
compare_ranked (gconstpointer a,
                gconstpointer b)
{
  const UstNetRanked *ra = a;
  const UstNetRanked *rb = b;
  int rank_a = ust_net_address_get_rank (ra->address);
  int rank_b = ust_net_address_get_rank (rb->address);

  if (rank_a != rank_b)
    return rank_a < rank_b ? -1 : 1;
  /* Equal ranks keep the OS order, which lists adapters by index. */
  return ra->index < rb->index ? -1 : ra->index > rb->index ? 1 : 0;
}

/**
 * ust_net_rank_entries:
 * @entries: (array length=n_entries): raw addresses in the order the OS listed them
 *
 * Returns: (transfer full): a list of #UstNetAddress, best first. Entries that are down or
 * do not parse are left out, and an address listed twice appears once, at its best rank.
 */
GListStore *
ust_net_rank_entries (const UstNetRawEntry *entries,
                      gsize                 n_entries)
{
  g_autoptr(GArray) ranked = g_array_new (FALSE, FALSE, sizeof (UstNetRanked));
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  GListStore *store = g_list_store_new (UST_TYPE_NET_ADDRESS);

  g_return_val_if_fail (entries != NULL || n_entries == 0, store);

  for (gsize i = 0; i < n_entries; i++)
    {
      const UstNetRawEntry *entry = &entries[i];
      g_autoptr(GInetAddress) parsed = NULL;
      g_autofree char *label = NULL;
      const char *product = NULL;
      const char *name;
      UstNetKind kind;
      gboolean has_default_route;
      guint family;
      UstNetRanked item;

      if (entry->address == NULL || (entry->flags & UST_NET_RAW_UP) == 0)
        continue;
      parsed = parse_address (entry->address);
      if (parsed == NULL)
        {
          g_debug ("Skipping unparsable address “%s” on %s", entry->address, entry->name);
          continue;
        }
      name = entry->name != NULL ? entry->name : "";
      family = g_inet_address_get_family (parsed) == G_SOCKET_FAMILY_IPV6 ? 6 : 4;
      has_default_route = (entry->flags & UST_NET_RAW_DEFAULT_ROUTE) != 0;
      kind = ust_net_rank_classify (&(UstNetRawEntry) { name, entry->description,
                                                        entry->address, entry->flags },
                                    &product);
      label = make_label (entry->address, name, kind, product);
      item.address = ust_net_address_new (entry->address, family, name, kind, label,
                                          compute_rank (kind, has_default_route, family),
                                          has_default_route);
      item.index = i;
      g_array_append_val (ranked, item);
    }

  g_array_sort (ranked, compare_ranked);

  for (guint i = 0; i < ranked->len; i++)
    {
      UstNetAddress *address = g_array_index (ranked, UstNetRanked, i).address;
      const char *text = ust_net_address_get_address (address);

      /* Looked up before adding: g_hash_table_add() would swap in this duplicate's string,
       * which dies with the duplicate. */
      if (!g_hash_table_contains (seen, text))
        {
          g_hash_table_add (seen, (gpointer) text);
          g_list_store_append (store, address);
        }
      g_object_unref (address);
    }
  return store;
}
