/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ust-net-interfaces"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "ust-net-interfaces.h"
#include "ust-net-rank.h"
#include "ust-win32-adapters.h"

/* The Win32 layer reports its own flags so that it stays free of GLib; map them here. */
static UstNetRawFlags
raw_flags (unsigned int win32_flags)
{
  UstNetRawFlags flags = 0;

  if (win32_flags & UST_WIN32_UP)
    flags |= UST_NET_RAW_UP;
  if (win32_flags & UST_WIN32_LOOPBACK)
    flags |= UST_NET_RAW_LOOPBACK;
  if (win32_flags & UST_WIN32_WIRELESS)
    flags |= UST_NET_RAW_WIRELESS;
  if (win32_flags & UST_WIN32_VIRTUAL)
    flags |= UST_NET_RAW_VIRTUAL;
  if (win32_flags & UST_WIN32_TUNNEL)
    flags |= UST_NET_RAW_TUNNEL;
  if (win32_flags & UST_WIN32_DEFAULT_ROUTE)
    flags |= UST_NET_RAW_DEFAULT_ROUTE;
  return flags;
}

GListStore *
ust_net_list_addresses (GError **error)
{
  UstWin32Address *addresses = NULL;
  g_autofree UstNetRawEntry *entries = NULL;
  GListStore *store;
  size_t n_addresses = 0;
  unsigned long rc;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  rc = ust_win32_list_addresses (&addresses, &n_addresses);
  if (rc != 0)
    {
      char message[512];

      ust_win32_format_error (rc, message, sizeof message);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   _("Could not list the network addresses of this computer: %s"), message);
      return NULL;
    }

  /* The entries point into the Win32 array, which outlives the ranking. */
  entries = g_new0 (UstNetRawEntry, MAX (n_addresses, 1));
  for (size_t i = 0; i < n_addresses; i++)
    {
      entries[i].name = addresses[i].name;
      /* Hyper-V, WSL and VirtualBox adapters are recognised by their description. */
      entries[i].description = addresses[i].description;
      entries[i].address = addresses[i].address;
      entries[i].flags = raw_flags (addresses[i].flags);
    }

  store = ust_net_rank_entries (entries, n_addresses);
  ust_win32_free_addresses (addresses);
  return store;
}
