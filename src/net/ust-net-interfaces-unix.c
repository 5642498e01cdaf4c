/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ust-net-interfaces"

#include "config.h"

#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include <glib/gi18n-lib.h>

#include "ust-net-interfaces.h"
#include "ust-net-rank.h"
#include "ust-net-routes.h"

/* "eth0:1" is an IPv4 alias label on eth0; sysfs and the route tables only know "eth0". */
static char *
device_name (const char *ifa_name)
{
  const char *colon = strchr (ifa_name, ':');

  return colon != NULL ? g_strndup (ifa_name, colon - ifa_name) : g_strdup (ifa_name);
}

/* Whether /sys/<dir>/<device>/<leaf> exists; @leaf may be NULL. */
static gboolean
sysfs_exists (const char *dir,
              const char *device,
              const char *leaf)
{
  g_autofree char *path = g_build_filename ("/sys", dir, device, leaf, NULL);

  return g_file_test (path, G_FILE_TEST_EXISTS);
}

/* Reads the kernel's route tables; plain files, so no command runs and nothing goes on
 * the network. Missing files (no IPv6, or not Linux) just mean "no default route". */
static GHashTable *
default_route_devices (void)
{
  GHashTable *devices = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *ipv4 = NULL;
  g_autofree char *ipv6 = NULL;

  if (g_file_get_contents ("/proc/net/route", &ipv4, NULL, NULL))
    ust_net_routes_add_ipv4_defaults (devices, ipv4);
  if (g_file_get_contents ("/proc/net/ipv6_route", &ipv6, NULL, NULL))
    ust_net_routes_add_ipv6_defaults (devices, ipv6);
  return devices;
}

static UstNetRawFlags
device_flags (const struct ifaddrs *ifa,
              const char           *device,
              GHashTable           *defaults)
{
  UstNetRawFlags flags = 0;

  if ((ifa->ifa_flags & IFF_UP) != 0)
    flags |= UST_NET_RAW_UP;
  if ((ifa->ifa_flags & IFF_LOOPBACK) != 0)
    flags |= UST_NET_RAW_LOOPBACK;
  /* PPP and most VPN clients make point-to-point links; tun/tap devices have tun_flags. */
  if ((ifa->ifa_flags & IFF_POINTOPOINT) != 0
      || sysfs_exists ("class/net", device, "tun_flags"))
    flags |= UST_NET_RAW_TUNNEL;
  /* cfg80211 drivers have "phy80211"; older wireless-extensions drivers have "wireless". */
  if (sysfs_exists ("class/net", device, "phy80211")
      || sysfs_exists ("class/net", device, "wireless"))
    flags |= UST_NET_RAW_WIRELESS;
  /* Devices without hardware (bridges, veth, tun, dummy) live under /sys/devices/virtual. */
  if (sysfs_exists ("devices/virtual/net", device, NULL))
    flags |= UST_NET_RAW_VIRTUAL;
  if (g_hash_table_contains (defaults, device))
    flags |= UST_NET_RAW_DEFAULT_ROUTE;
  return flags;
}

GListStore *
ust_net_list_addresses (GError **error)
{
  g_autoptr(GHashTable) defaults = NULL;
  g_autoptr(GArray) entries = NULL;
  g_autoptr(GStringChunk) strings = NULL;
  struct ifaddrs *list = NULL;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (getifaddrs (&list) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   _("Could not list the network addresses of this computer: %s"),
                   g_strerror (saved_errno));
      return NULL;
    }

  defaults = default_route_devices ();
  entries = g_array_new (FALSE, TRUE, sizeof (UstNetRawEntry));
  strings = g_string_chunk_new (256);

  for (const struct ifaddrs *ifa = list; ifa != NULL; ifa = ifa->ifa_next)
    {
      char host[NI_MAXHOST];
      g_autofree char *device = NULL;
      socklen_t length;
      UstNetRawEntry entry = { 0 };
      int rc;

      /* Entries without an address, and the AF_PACKET ones that describe the link layer,
       * are not something a SIP socket can bind to. */
      if (ifa->ifa_addr == NULL)
        continue;
      if (ifa->ifa_addr->sa_family == AF_INET)
        length = sizeof (struct sockaddr_in);
      else if (ifa->ifa_addr->sa_family == AF_INET6)
        length = sizeof (struct sockaddr_in6);
      else
        continue;
      if ((ifa->ifa_flags & IFF_UP) == 0)
        continue;

      /* NI_NUMERICHOST never asks DNS; link-local IPv6 comes back with "%eth0", the scope
       * it needs to be bound. */
      rc = getnameinfo (ifa->ifa_addr, length, host, sizeof host, NULL, 0, NI_NUMERICHOST);
      if (rc != 0)
        {
          g_debug ("getnameinfo on %s: %s", ifa->ifa_name, gai_strerror (rc));
          continue;
        }

      device = device_name (ifa->ifa_name);
      entry.name = g_string_chunk_insert_const (strings, ifa->ifa_name);
      entry.description = NULL;
      entry.address = g_string_chunk_insert (strings, host);
      entry.flags = device_flags (ifa, device, defaults);
      g_array_append_val (entries, entry);
    }
  freeifaddrs (list);

  return ust_net_rank_entries ((const UstNetRawEntry *) entries->data, entries->len);
}
