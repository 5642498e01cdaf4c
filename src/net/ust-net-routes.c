/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ust-net-routes"

#include "config.h"

#include <string.h>

#include "ust-net-routes.h"

/* Route flags from <linux/route.h> and <linux/ipv6_route.h>, spelled out so that this file
 * does not need Linux headers. */
#define UST_RTF_UP     0x0001u
#define UST_RTF_REJECT 0x0200u

/* Splits a line on blanks; /proc pads its columns with spaces and tabs. */
static GStrv
split_fields (const char *line,
              guint      *n_fields)
{
  g_auto(GStrv) raw = g_strsplit_set (line, " \t", -1);
  GPtrArray *fields = g_ptr_array_new ();

  for (guint i = 0; raw[i] != NULL; i++)
    if (raw[i][0] != '\0')
      g_ptr_array_add (fields, g_strdup (raw[i]));
  *n_fields = fields->len;
  g_ptr_array_add (fields, NULL);
  return (GStrv) g_ptr_array_free (fields, FALSE);
}

static gboolean
parse_hex (const char *text,
           guint64    *value)
{
  char *end = NULL;

  *value = g_ascii_strtoull (text, &end, 16);
  return end != text && *end == '\0';
}

static gboolean
all_zero (const char *hex)
{
  return hex[strspn (hex, "0")] == '\0';
}

/**
 * ust_net_routes_add_ipv4_defaults:
 * @devices: a set of interface names (g_str_hash, owned strings) to add to
 * @proc_net_route: the text of /proc/net/route
 *
 * A default route has destination 0.0.0.0 and mask 0.0.0.0. Columns: Iface Destination
 * Gateway Flags RefCnt Use Metric Mask MTU Window IRTT; the first line is the header.
 */
void
ust_net_routes_add_ipv4_defaults (GHashTable *devices,
                                  const char *proc_net_route)
{
  g_auto(GStrv) lines = NULL;

  g_return_if_fail (devices != NULL);
  if (proc_net_route == NULL)
    return;

  lines = g_strsplit (proc_net_route, "\n", -1);
  for (guint i = 1; lines[0] != NULL && lines[i] != NULL; i++)
    {
      g_auto(GStrv) fields = NULL;
      guint n_fields;
      guint64 flags;

      fields = split_fields (lines[i], &n_fields);
      if (n_fields < 8 || !parse_hex (fields[3], &flags))
        continue;
      if (all_zero (fields[1]) && all_zero (fields[7]) && (flags & UST_RTF_UP) != 0
          && (flags & UST_RTF_REJECT) == 0)
        g_hash_table_add (devices, g_strdup (fields[0]));
    }
}

/**
 * ust_net_routes_add_ipv6_defaults:
 * @devices: a set of interface names (g_str_hash, owned strings) to add to
 * @proc_net_ipv6_route: the text of /proc/net/ipv6_route
 *
 * A default route has destination :: with prefix length 0. Columns (no header):
 * destination, prefix length, source, source prefix length, next hop, metric, refcount,
 * use, flags, device. The kernel keeps an "unreachable" default route on lo with
 * RTF_REJECT set; that one does not count.
 */
void
ust_net_routes_add_ipv6_defaults (GHashTable *devices,
                                  const char *proc_net_ipv6_route)
{
  g_auto(GStrv) lines = NULL;

  g_return_if_fail (devices != NULL);
  if (proc_net_ipv6_route == NULL)
    return;

  lines = g_strsplit (proc_net_ipv6_route, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) fields = NULL;
      guint n_fields;
      guint64 flags;

      fields = split_fields (lines[i], &n_fields);
      if (n_fields < 10 || !parse_hex (fields[8], &flags))
        continue;
      if (all_zero (fields[0]) && all_zero (fields[1]) && (flags & UST_RTF_UP) != 0
          && (flags & UST_RTF_REJECT) == 0 && strcmp (fields[9], "lo") != 0)
        g_hash_table_add (devices, g_strdup (fields[9]));
    }
}
