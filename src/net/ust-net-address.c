/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ust-net-address"

#include "config.h"

#include <string.h>

#include "ust-net-address.h"

enum {
  PROP_0,
  PROP_ADDRESS,
  PROP_FAMILY,
  PROP_INTERFACE_NAME,
  PROP_KIND,
  PROP_LABEL,
  PROP_RANK,
  PROP_HAS_DEFAULT_ROUTE,
  N_PROPS,
};

struct _UstNetAddress
{
  GObject parent_instance;

  char *address;
  char *interface_name;
  char *label;
  UstNetKind kind;
  guint family;
  int rank;
  gboolean has_default_route;
};

G_DEFINE_FINAL_TYPE (UstNetAddress, ust_net_address, G_TYPE_OBJECT)

G_DEFINE_ENUM_TYPE (UstNetKind, ust_net_kind,
  G_DEFINE_ENUM_VALUE (UST_NET_KIND_WIRED, "wired"),
  G_DEFINE_ENUM_VALUE (UST_NET_KIND_WIRELESS, "wireless"),
  G_DEFINE_ENUM_VALUE (UST_NET_KIND_HOTSPOT, "hotspot"),
  G_DEFINE_ENUM_VALUE (UST_NET_KIND_VPN, "vpn"),
  G_DEFINE_ENUM_VALUE (UST_NET_KIND_VIRTUAL, "virtual"),
  G_DEFINE_ENUM_VALUE (UST_NET_KIND_LINK_LOCAL, "link-local"),
  G_DEFINE_ENUM_VALUE (UST_NET_KIND_LOOPBACK, "loopback"))

static GParamSpec *properties[N_PROPS];

/* Splits "fe80::1%eth0" into a parsed address and the scope text after '%'. The scope is
 * compared as text: it is an interface name on Linux and a number on Windows. */
static GInetAddress *
parse_scoped (const char  *text,
              const char **scope)
{
  const char *percent = strchr (text, '%');
  g_autofree char *bare = NULL;

  *scope = percent != NULL ? percent + 1 : "";
  bare = percent != NULL ? g_strndup (text, percent - text) : g_strdup (text);
  return g_inet_address_new_from_string (bare);
}

static void
ust_net_address_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  UstNetAddress *self = UST_NET_ADDRESS (object);

  switch (prop_id)
    {
    case PROP_ADDRESS:
      g_value_set_string (value, self->address);
      break;
    case PROP_FAMILY:
      g_value_set_uint (value, self->family);
      break;
    case PROP_INTERFACE_NAME:
      g_value_set_string (value, self->interface_name);
      break;
    case PROP_KIND:
      g_value_set_enum (value, self->kind);
      break;
    case PROP_LABEL:
      g_value_set_string (value, self->label);
      break;
    case PROP_RANK:
      g_value_set_int (value, self->rank);
      break;
    case PROP_HAS_DEFAULT_ROUTE:
      g_value_set_boolean (value, self->has_default_route);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ust_net_address_finalize (GObject *object)
{
  UstNetAddress *self = UST_NET_ADDRESS (object);

  g_free (self->address);
  g_free (self->interface_name);
  g_free (self->label);

  G_OBJECT_CLASS (ust_net_address_parent_class)->finalize (object);
}

static void
ust_net_address_class_init (UstNetAddressClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  /* Read-only: an address describes the machine at the moment it was listed. A change
   * produces a new list (see UstNetWatcher), never an edited entry. */
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->get_property = ust_net_address_get_property;
  object_class->finalize = ust_net_address_finalize;

  properties[PROP_ADDRESS] = g_param_spec_string ("address", NULL, NULL, NULL, flags);
  properties[PROP_FAMILY] = g_param_spec_uint ("family", NULL, NULL, 4, 6, 4, flags);
  properties[PROP_INTERFACE_NAME] = g_param_spec_string ("interface-name", NULL, NULL, NULL,
                                                         flags);
  properties[PROP_KIND] = g_param_spec_enum ("kind", NULL, NULL, UST_TYPE_NET_KIND,
                                             UST_NET_KIND_WIRED, flags);
  properties[PROP_LABEL] = g_param_spec_string ("label", NULL, NULL, NULL, flags);
  properties[PROP_RANK] = g_param_spec_int ("rank", NULL, NULL, G_MININT, G_MAXINT, 0, flags);
  properties[PROP_HAS_DEFAULT_ROUTE] = g_param_spec_boolean ("has-default-route", NULL, NULL,
                                                             FALSE, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ust_net_address_init (UstNetAddress *self)
{
  self->family = 4;
}

/**
 * ust_net_address_new:
 * @address: numeric address without brackets; IPv6 link-local carries "%scope"
 * @family: 4 or 6
 *
 * Public so that window tests can build a list without touching this machine's adapters;
 * ust_net_list_addresses() is the normal source.
 */
UstNetAddress *
ust_net_address_new (const char *address,
                     guint       family,
                     const char *interface_name,
                     UstNetKind  kind,
                     const char *label,
                     int         rank,
                     gboolean    has_default_route)
{
  UstNetAddress *self;

  g_return_val_if_fail (address != NULL, NULL);
  g_return_val_if_fail (family == 4 || family == 6, NULL);

  self = g_object_new (UST_TYPE_NET_ADDRESS, NULL);
  self->address = g_strdup (address);
  self->family = family;
  self->interface_name = g_strdup (interface_name != NULL ? interface_name : "");
  self->kind = kind;
  self->label = g_strdup (label != NULL ? label : address);
  self->rank = rank;
  self->has_default_route = has_default_route;
  return self;
}

const char *
ust_net_address_get_address (UstNetAddress *self)
{
  g_return_val_if_fail (UST_IS_NET_ADDRESS (self), NULL);
  return self->address;
}

guint
ust_net_address_get_family (UstNetAddress *self)
{
  g_return_val_if_fail (UST_IS_NET_ADDRESS (self), 0);
  return self->family;
}

const char *
ust_net_address_get_interface_name (UstNetAddress *self)
{
  g_return_val_if_fail (UST_IS_NET_ADDRESS (self), NULL);
  return self->interface_name;
}

UstNetKind
ust_net_address_get_kind (UstNetAddress *self)
{
  g_return_val_if_fail (UST_IS_NET_ADDRESS (self), UST_NET_KIND_WIRED);
  return self->kind;
}

const char *
ust_net_address_get_label (UstNetAddress *self)
{
  g_return_val_if_fail (UST_IS_NET_ADDRESS (self), NULL);
  return self->label;
}

int
ust_net_address_get_rank (UstNetAddress *self)
{
  g_return_val_if_fail (UST_IS_NET_ADDRESS (self), G_MAXINT);
  return self->rank;
}

gboolean
ust_net_address_get_has_default_route (UstNetAddress *self)
{
  g_return_val_if_fail (UST_IS_NET_ADDRESS (self), FALSE);
  return self->has_default_route;
}

/**
 * ust_net_address_list_contains:
 * @list: a list of #UstNetAddress, as from ust_net_list_addresses()
 * @address: the address the exchange is bound to
 *
 * Tells the window whether the address it is running on still exists after the network
 * changed. Addresses are compared as addresses, not as text, so "::1" matches
 * "0:0:0:0:0:0:0:1"; a link-local scope must match too, because fe80::1 on two adapters
 * is two different addresses.
 */
gboolean
ust_net_address_list_contains (GListModel *list,
                               const char *address)
{
  g_autoptr(GInetAddress) wanted = NULL;
  const char *wanted_scope;
  guint n;

  g_return_val_if_fail (G_IS_LIST_MODEL (list), FALSE);
  g_return_val_if_fail (address != NULL, FALSE);

  wanted = parse_scoped (address, &wanted_scope);
  n = g_list_model_get_n_items (list);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(UstNetAddress) item = g_list_model_get_item (list, i);
      g_autoptr(GInetAddress) have = NULL;
      const char *have_scope;

      if (!UST_IS_NET_ADDRESS (item))
        continue;
      /* Something that does not parse can still be matched literally. */
      if (wanted == NULL)
        {
          if (g_strcmp0 (item->address, address) == 0)
            return TRUE;
          continue;
        }
      have = parse_scoped (item->address, &have_scope);
      if (have != NULL && g_inet_address_equal (have, wanted)
          && g_strcmp0 (have_scope, wanted_scope) == 0)
        return TRUE;
    }
  return FALSE;
}
