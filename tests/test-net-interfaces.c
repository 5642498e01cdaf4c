/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <locale.h>
#include <string.h>

#include "ust-net-interfaces.h"
#include "ust-net-rank.h"
#include "ust-net-routes.h"
#include "ust-test-util.h"

#define UP       UST_NET_RAW_UP
#define LOOP     UST_NET_RAW_LOOPBACK
#define WIFI     UST_NET_RAW_WIRELESS
#define VIRT     UST_NET_RAW_VIRTUAL
#define TUNNEL   UST_NET_RAW_TUNNEL
#define DEFROUTE UST_NET_RAW_DEFAULT_ROUTE

static GListStore *
rank (const UstNetRawEntry *entries,
      gsize                 n_entries)
{
  GListStore *store = ust_net_rank_entries (entries, n_entries);

  /* The order is what the test is about: print it so a failure is easy to read. */
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (store)); i++)
    {
      g_autoptr(UstNetAddress) address = g_list_model_get_item (G_LIST_MODEL (store), i);

      g_test_message ("%u: rank %d  %s", i, ust_net_address_get_rank (address),
                      ust_net_address_get_label (address));
    }
  return store;
}

static UstNetAddress *
nth (GListStore *store,
     guint       position)
{
  UstNetAddress *address = g_list_model_get_item (G_LIST_MODEL (store), position);

  g_assert_nonnull (address);
  /* The store keeps its own reference for as long as the test uses the item. */
  g_object_unref (address);
  return address;
}

static const char *
label_at (GListStore *store,
          guint       position)
{
  return ust_net_address_get_label (nth (store, position));
}

static guint
n_items (GListStore *store)
{
  return g_list_model_get_n_items (G_LIST_MODEL (store));
}

static void
assert_order (GListStore        *store,
              const char *const *expected)
{
  guint n = g_strv_length ((char **) expected);

  g_assert_cmpuint (n_items (store), ==, n);
  for (guint i = 0; i < n; i++)
    g_assert_cmpstr (ust_net_address_get_address (nth (store, i)), ==, expected[i]);
}

static void
test_default_route_wins (void)
{
  /* Listed in ifindex order: the wired card first, but the Wi-Fi has the default route. */
  const UstNetRawEntry entries[] = {
    { "enp3s0", NULL, "10.0.0.7", UP },
    { "wlp2s0", NULL, "192.168.1.10", UP | WIFI | DEFROUTE },
  };
  g_autoptr(GListStore) store = rank (entries, G_N_ELEMENTS (entries));
  UstNetAddress *first = nth (store, 0);

  g_assert_cmpuint (n_items (store), ==, 2);
  g_assert_cmpstr (ust_net_address_get_address (first), ==, "192.168.1.10");
  g_assert_cmpint (ust_net_address_get_kind (first), ==, UST_NET_KIND_WIRELESS);
  g_assert_true (ust_net_address_get_has_default_route (first));
  g_assert_cmpstr (ust_net_address_get_interface_name (first), ==, "wlp2s0");
  g_assert_cmpuint (ust_net_address_get_family (first), ==, 4);
  g_assert_cmpstr (ust_net_address_get_label (first), ==, "192.168.1.10 — wlp2s0 (Wi-Fi)");

  g_assert_cmpint (ust_net_address_get_kind (nth (store, 1)), ==, UST_NET_KIND_WIRED);
  g_assert_false (ust_net_address_get_has_default_route (nth (store, 1)));
  g_assert_cmpstr (label_at (store, 1), ==, "10.0.0.7 — enp3s0 (wired)");
  g_assert_cmpint (ust_net_address_get_rank (first), <, ust_net_address_get_rank (nth (store, 1)));
}

static void
test_physical_beats_virtualbox (void)
{
  /* Windows lists the VirtualBox host-only adapter first, as an ordinary Ethernet card. */
  const UstNetRawEntry windows[] = {
    { "VirtualBox Host-Only Network", "VirtualBox Host-Only Ethernet Adapter", "192.168.56.1", UP },
    { "Ethernet 2", "Realtek PCIe GbE Family Controller", "192.168.1.5", UP },
  };
  /* Linux: vboxnet0 sits under /sys/devices/virtual. */
  const UstNetRawEntry linux_[] = {
    { "vboxnet0", NULL, "192.168.56.1", UP | VIRT },
    { "eth0", NULL, "192.168.1.5", UP },
  };
  g_autoptr(GListStore) win = rank (windows, G_N_ELEMENTS (windows));
  g_autoptr(GListStore) lin = rank (linux_, G_N_ELEMENTS (linux_));

  g_assert_cmpstr (ust_net_address_get_address (nth (win, 0)), ==, "192.168.1.5");
  g_assert_cmpstr (label_at (win, 0), ==, "192.168.1.5 — Ethernet 2 (wired)");
  g_assert_cmpint (ust_net_address_get_kind (nth (win, 1)), ==, UST_NET_KIND_VIRTUAL);
  /* The friendly name already says VirtualBox: the label does not repeat it. */
  g_assert_cmpstr (label_at (win, 1), ==,
                   "192.168.56.1 — VirtualBox Host-Only Network");

  g_assert_cmpstr (ust_net_address_get_address (nth (lin, 0)), ==, "192.168.1.5");
  g_assert_cmpint (ust_net_address_get_kind (nth (lin, 1)), ==, UST_NET_KIND_VIRTUAL);
  g_assert_cmpstr (label_at (lin, 1), ==, "192.168.56.1 — vboxnet0 (VirtualBox)");
}

static void
test_hotspot (void)
{
  const UstNetRawEntry entries[] = {
    { "vEthernet (WSL)", "Hyper-V Virtual Ethernet Adapter", "172.20.16.1", UP },
    { "Local Area Connection* 10", "Microsoft Wi-Fi Direct Virtual Adapter #2", "192.168.137.1",
      UP | WIFI },
    { "Wi-Fi", "Intel(R) Wi-Fi 6 AX201 160MHz", "192.168.1.10", UP | WIFI | DEFROUTE },
  };
  g_autoptr(GListStore) store = rank (entries, G_N_ELEMENTS (entries));
  UstNetAddress *hotspot = nth (store, 1);

  assert_order (store, (const char *const[]) { "192.168.1.10", "192.168.137.1", "172.20.16.1",
                                               NULL });
  /* "Wi-Fi (Wi-Fi)" would be silly. */
  g_assert_cmpstr (label_at (store, 0), ==, "192.168.1.10 — Wi-Fi");
  g_assert_cmpint (ust_net_address_get_kind (hotspot), ==, UST_NET_KIND_HOTSPOT);
  g_assert_cmpstr (ust_net_address_get_label (hotspot), ==,
                   "192.168.137.1 — Mobile hotspot (Local Area Connection* 10)");
  g_assert_cmpint (ust_net_address_get_kind (nth (store, 2)), ==, UST_NET_KIND_VIRTUAL);
  g_assert_cmpstr (label_at (store, 2), ==, "172.20.16.1 — vEthernet (WSL)");
}

static void
test_link_local_and_loopback_last (void)
{
  const UstNetRawEntry entries[] = {
    { "lo", NULL, "127.0.0.1", UP | LOOP },
    { "lo", NULL, "::1", UP | LOOP },
    { "eth0", NULL, "169.254.7.7", UP | DEFROUTE },
    { "eth0", NULL, "fe80::1%eth0", UP | DEFROUTE },
    { "docker0", NULL, "172.17.0.1", UP | VIRT },
    { "eth0", NULL, "192.168.1.10", UP | DEFROUTE },
  };
  g_autoptr(GListStore) store = rank (entries, G_N_ELEMENTS (entries));

  assert_order (store, (const char *const[]) { "192.168.1.10", "172.17.0.1", "169.254.7.7",
                                               "fe80::1%eth0", "127.0.0.1", "::1", NULL });
  g_assert_cmpint (ust_net_address_get_kind (nth (store, 2)), ==, UST_NET_KIND_LINK_LOCAL);
  g_assert_cmpint (ust_net_address_get_kind (nth (store, 3)), ==, UST_NET_KIND_LINK_LOCAL);
  g_assert_cmpuint (ust_net_address_get_family (nth (store, 3)), ==, 6);
  g_assert_cmpstr (label_at (store, 2), ==, "169.254.7.7 — eth0 (link-local)");
  g_assert_cmpint (ust_net_address_get_kind (nth (store, 4)), ==, UST_NET_KIND_LOOPBACK);
  g_assert_cmpstr (label_at (store, 4), ==, "127.0.0.1 — This computer only");
  g_assert_cmpint (ust_net_address_get_kind (nth (store, 5)), ==, UST_NET_KIND_LOOPBACK);
  g_assert_cmpstr (label_at (store, 1), ==, "172.17.0.1 — docker0 (Docker)");
}

static void
test_ipv4_before_ipv6 (void)
{
  const UstNetRawEntry entries[] = {
    { "eth0", NULL, "fd00::2", UP | DEFROUTE },
    { "eth0", NULL, "192.0.2.2", UP | DEFROUTE },
    { "eth1", NULL, "2001:db8::5", UP },
    { "eth1", NULL, "198.51.100.5", UP },
  };
  g_autoptr(GListStore) store = rank (entries, G_N_ELEMENTS (entries));

  /* The default-route adapter comes first entirely; IPv4 leads inside each adapter class. */
  assert_order (store, (const char *const[]) { "192.0.2.2", "fd00::2", "198.51.100.5",
                                               "2001:db8::5", NULL });
  g_assert_cmpuint (ust_net_address_get_family (nth (store, 0)), ==, 4);
  g_assert_cmpuint (ust_net_address_get_family (nth (store, 1)), ==, 6);
}

static void
test_vpn_and_bridge (void)
{
  const UstNetRawEntry entries[] = {
    { "wg0", NULL, "10.8.0.2", UP | VIRT },
    { "tailscale0", NULL, "100.64.0.5", UP | VIRT | TUNNEL },
    { "Teredo Tunneling Pseudo-Interface", NULL, "2001:0:2851:782c::1", UP | TUNNEL },
    { "virbr0", NULL, "192.168.122.1", UP | VIRT },
    /* A bridge over the real card carries the default route: it is the LAN. */
    { "br0", NULL, "192.168.1.2", UP | VIRT | DEFROUTE },
    /* Inside a VirtualBox or QEMU guest the NAT address has the default route, but no
     * other computer can reach it. */
    { "enp0s3", NULL, "10.0.2.15", UP | DEFROUTE },
  };
  g_autoptr(GListStore) store = rank (entries, G_N_ELEMENTS (entries));

  assert_order (store, (const char *const[]) { "192.168.1.2", "10.8.0.2", "100.64.0.5",
                                               "2001:0:2851:782c::1", "192.168.122.1",
                                               "10.0.2.15", NULL });
  g_assert_cmpint (ust_net_address_get_kind (nth (store, 0)), ==, UST_NET_KIND_WIRED);
  g_assert_cmpint (ust_net_address_get_kind (nth (store, 1)), ==, UST_NET_KIND_VPN);
  g_assert_cmpint (ust_net_address_get_kind (nth (store, 2)), ==, UST_NET_KIND_VPN);
  g_assert_cmpint (ust_net_address_get_kind (nth (store, 3)), ==, UST_NET_KIND_VPN);
  g_assert_cmpstr (label_at (store, 1), ==, "10.8.0.2 — wg0 (VPN)");
  g_assert_cmpstr (label_at (store, 4), ==, "192.168.122.1 — virbr0 (libvirt)");
  g_assert_cmpint (ust_net_address_get_kind (nth (store, 5)), ==, UST_NET_KIND_VIRTUAL);
  g_assert_nonnull (strstr (label_at (store, 5), "VirtualBox"));
}

static void
test_skips_down_bad_and_duplicates (void)
{
  const UstNetRawEntry entries[] = {
    { "eth1", NULL, "10.1.1.1", 0 },                    /* down */
    { "eth0", NULL, "not-an-address", UP },
    { "eth0", NULL, "192.168.1.10", UP },
    { "eth0:1", NULL, "192.168.1.10", UP | DEFROUTE },  /* same address again, better rank */
  };
  g_autoptr(GListStore) store = rank (entries, G_N_ELEMENTS (entries));
  g_autoptr(GListStore) empty = rank (NULL, 0);

  g_assert_cmpuint (n_items (store), ==, 1);
  g_assert_cmpstr (ust_net_address_get_interface_name (nth (store, 0)), ==, "eth0:1");
  g_assert_true (ust_net_address_get_has_default_route (nth (store, 0)));
  g_assert_cmpuint (n_items (empty), ==, 0);
}

static void
test_labels_name_address_and_adapter (void)
{
  const UstNetRawEntry entries[] = {
    { "wlp2s0", NULL, "192.168.1.10", UP | WIFI | DEFROUTE },
    { "Ethernet 2", "Intel(R) Ethernet Connection", "10.0.0.3", UP },
    { "wlp2s0", NULL, "10.42.0.1", UP | WIFI },
    { "tun0", NULL, "10.9.0.6", UP | TUNNEL },
    { "vmnet8", NULL, "192.168.200.1", UP | VIRT },
    { "eth0", NULL, "fe80::fc:ff:fe00:1%eth0", UP },
    { "veth1a2b", NULL, "fe80::1%veth1a2b", UP | VIRT },
  };
  g_autoptr(GListStore) store = rank (entries, G_N_ELEMENTS (entries));

  g_assert_cmpuint (n_items (store), ==, G_N_ELEMENTS (entries));
  for (guint i = 0; i < n_items (store); i++)
    {
      UstNetAddress *address = nth (store, i);
      const char *label = ust_net_address_get_label (address);

      g_assert_nonnull (strstr (label, ust_net_address_get_address (address)));
      g_assert_nonnull (strstr (label, ust_net_address_get_interface_name (address)));
    }
  /* NetworkManager's hotspot on Linux. */
  g_assert_cmpint (ust_net_address_get_kind (nth (store, 2)), ==, UST_NET_KIND_HOTSPOT);
  g_assert_cmpstr (ust_net_address_get_address (nth (store, 2)), ==, "10.42.0.1");
}

static void
test_classify (void)
{
  const char *product = NULL;

  g_assert_cmpint (ust_net_rank_classify (&(UstNetRawEntry) { "lo", NULL, "127.0.0.1", UP },
                                          &product), ==, UST_NET_KIND_LOOPBACK);
  g_assert_cmpint (ust_net_rank_classify (&(UstNetRawEntry) { "vEthernet (Default Switch)",
                                                              "Hyper-V Virtual Ethernet Adapter",
                                                              "172.31.64.1", UP }, &product),
                   ==, UST_NET_KIND_VIRTUAL);
  g_assert_cmpstr (product, ==, "Hyper-V");
  g_assert_cmpint (ust_net_rank_classify (&(UstNetRawEntry) { "Ethernet 3",
                                                              "TAP-Windows Adapter V9",
                                                              "10.8.0.6", UP }, NULL),
                   ==, UST_NET_KIND_VPN);
  g_assert_cmpint (ust_net_rank_classify (&(UstNetRawEntry) { "ztly5abcde", NULL, "10.147.17.3",
                                                              UP | VIRT }, NULL),
                   ==, UST_NET_KIND_VPN);
  g_assert_cmpint (ust_net_rank_classify (&(UstNetRawEntry) { "ppp0", NULL, "10.64.64.64",
                                                              UP | DEFROUTE }, NULL),
                   ==, UST_NET_KIND_VPN);
}

static void
test_routes (void)
{
  static const char ipv4[] =
    "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
    "wlp2s0\t00000000\t0101A8C0\t0003\t0\t0\t600\t00000000\t0\t0\t0\n"
    "wlp2s0\t0001A8C0\t00000000\t0001\t0\t0\t600\t00FFFFFF\t0\t0\t0\n"
    "docker0\t000011AC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0\n"
    "tun0\t00000000\t00000000\t0001\t0\t0\t0\t00000080\t0\t0\t0\n"  /* 0.0.0.0/1 */
    "eth9\t00000000\t0101A8C0\t0002\t0\t0\t0\t00000000\t0\t0\t0\n"; /* not up */
  static const char ipv6[] =
    "fd000000000000000000000000000000 40 00000000000000000000000000000000 00 "
    "00000000000000000000000000000000 00000100 00000001 00000000 00000001     eth0\n"
    "00000000000000000000000000000000 00 00000000000000000000000000000000 00 "
    "fd000000000000000000000000000001 00000400 00000002 00000000 00000003     eth0\n"
    "00000000000000000000000000000000 00 00000000000000000000000000000000 00 "
    "00000000000000000000000000000000 ffffffff 00000001 00000000 00200200       lo\n";
  g_autoptr(GHashTable) devices = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  ust_net_routes_add_ipv4_defaults (devices, ipv4);
  g_assert_cmpuint (g_hash_table_size (devices), ==, 1);
  g_assert_true (g_hash_table_contains (devices, "wlp2s0"));

  ust_net_routes_add_ipv6_defaults (devices, ipv6);
  g_assert_cmpuint (g_hash_table_size (devices), ==, 2);
  g_assert_true (g_hash_table_contains (devices, "eth0"));
  g_assert_false (g_hash_table_contains (devices, "lo"));

  ust_net_routes_add_ipv4_defaults (devices, "");
  ust_net_routes_add_ipv6_defaults (devices, "garbage\n\n");
  g_assert_cmpuint (g_hash_table_size (devices), ==, 2);
}

static void
test_list_contains (void)
{
  g_autoptr(GListStore) store = g_list_store_new (UST_TYPE_NET_ADDRESS);
  g_autoptr(UstNetAddress) v4 = ust_net_address_new ("192.168.1.10", 4, "eth0",
                                                     UST_NET_KIND_WIRED, NULL, 0, TRUE);
  g_autoptr(UstNetAddress) v6 = ust_net_address_new ("::1", 6, "lo", UST_NET_KIND_LOOPBACK,
                                                     NULL, 61, FALSE);
  g_autoptr(UstNetAddress) ll = ust_net_address_new ("fe80::1%eth0", 6, "eth0",
                                                     UST_NET_KIND_LINK_LOCAL, NULL, 51, FALSE);

  g_list_store_append (store, v4);
  g_list_store_append (store, v6);
  g_list_store_append (store, ll);

  g_assert_true (ust_net_address_list_contains (G_LIST_MODEL (store), "192.168.1.10"));
  g_assert_true (ust_net_address_list_contains (G_LIST_MODEL (store), "0:0:0:0:0:0:0:1"));
  g_assert_true (ust_net_address_list_contains (G_LIST_MODEL (store), "fe80::1%eth0"));
  g_assert_false (ust_net_address_list_contains (G_LIST_MODEL (store), "fe80::1%wlan0"));
  g_assert_false (ust_net_address_list_contains (G_LIST_MODEL (store), "192.168.1.11"));
  g_assert_false (ust_net_address_list_contains (G_LIST_MODEL (store), "bogus"));
  /* With no label given, the address stands for itself. */
  g_assert_cmpstr (ust_net_address_get_label (v4), ==, "192.168.1.10");
}

/* A GNetworkMonitor the test controls, so the watcher test does not depend on what the
 * machine's real network does meanwhile. */
#define TEST_TYPE_MONITOR (test_monitor_get_type ())
G_DECLARE_FINAL_TYPE (TestMonitor, test_monitor, TEST, MONITOR, GObject)

struct _TestMonitor
{
  GObject parent_instance;
};

static void test_monitor_network_iface_init (GNetworkMonitorInterface *iface);
static void test_monitor_initable_iface_init (GInitableIface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TestMonitor, test_monitor, G_TYPE_OBJECT,
  G_IMPLEMENT_INTERFACE (G_TYPE_INITABLE, test_monitor_initable_iface_init)
  G_IMPLEMENT_INTERFACE (G_TYPE_NETWORK_MONITOR, test_monitor_network_iface_init))

static gboolean
test_monitor_initable_init (GInitable     *initable,
                            GCancellable  *cancellable,
                            GError       **error)
{
  return TRUE;
}

static void
test_monitor_initable_iface_init (GInitableIface *iface)
{
  iface->init = test_monitor_initable_init;
}

static void
test_monitor_network_iface_init (GNetworkMonitorInterface *iface)
{
}

static void
test_monitor_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  switch (prop_id)
    {
    case 1:
      g_value_set_boolean (value, TRUE);
      break;
    case 2:
      g_value_set_boolean (value, FALSE);
      break;
    case 3:
      g_value_set_enum (value, G_NETWORK_CONNECTIVITY_FULL);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
test_monitor_class_init (TestMonitorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = test_monitor_get_property;
  g_object_class_override_property (object_class, 1, "network-available");
  g_object_class_override_property (object_class, 2, "network-metered");
  g_object_class_override_property (object_class, 3, "connectivity");
}

static void
test_monitor_init (TestMonitor *self)
{
}

static void
count_cb (UstNetWatcher *watcher,
          guint         *count)
{
  (*count)++;
}

static gboolean
counted (gpointer count)
{
  return *(guint *) count > 0;
}

static void
test_watcher_debounce (void)
{
  g_autoptr(TestMonitor) monitor = g_object_new (TEST_TYPE_MONITOR, NULL);
  UstNetWatcher *watcher = ust_net_watcher_new_for_monitor (G_NETWORK_MONITOR (monitor));
  gint64 last_event;
  guint count = 0;

  g_signal_connect (watcher, "changed", G_CALLBACK (count_cb), &count);

  /* A burst of three events 50 ms apart, as when an adapter comes up... */
  for (int i = 0; i < 3; i++)
    {
      g_signal_emit_by_name (monitor, "network-changed", TRUE);
      last_event = g_get_monotonic_time ();
      ust_test_spin (50);
    }
  g_assert_cmpuint (count, ==, 0);

  /* ...gives one "changed", about 300 ms after the last of them. */
  ust_test_spin_until (counted, &count, 2000);
  g_assert_cmpuint (count, ==, 1);
  g_assert_cmpint (g_get_monotonic_time () - last_event, >=,
                   (UST_NET_WATCHER_DEBOUNCE_MS - 20) * 1000);
  ust_test_spin (UST_NET_WATCHER_DEBOUNCE_MS + 100);
  g_assert_cmpuint (count, ==, 1);

  /* A watcher dropped while it waits must not fire into freed memory. */
  g_signal_emit_by_name (monitor, "network-changed", TRUE);
  g_assert_finalize_object (watcher);
  ust_test_spin (UST_NET_WATCHER_DEBOUNCE_MS + 100);
  g_assert_cmpuint (count, ==, 1);
}

static void
test_real_machine (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GListStore) store = ust_net_list_addresses (&error);
  gint found = -1;
  guint n;

  g_assert_no_error (error);
  g_assert_nonnull (store);
  n = n_items (store);
  g_assert_cmpuint (n, >=, 1);

  for (guint i = 0; i < n; i++)
    {
      UstNetAddress *address = nth (store, i);
      const char *text = ust_net_address_get_address (address);
      g_autofree char *bare = g_strdup (text);
      g_autoptr(GInetAddress) parsed = NULL;
      char *percent = strchr (bare, '%');

      g_test_message ("%u: rank %d  %s", i, ust_net_address_get_rank (address),
                      ust_net_address_get_label (address));
      /* GLib 2.74 does not parse "%scope"; binding code strips it the same way. */
      if (percent != NULL)
        *percent = '\0';
      parsed = g_inet_address_new_from_string (bare);
      g_assert_nonnull (parsed);
      g_assert_cmpuint (ust_net_address_get_family (address), ==,
                        g_inet_address_get_family (parsed) == G_SOCKET_FAMILY_IPV6 ? 6 : 4);
      g_assert_nonnull (strstr (ust_net_address_get_label (address), text));
      if (i > 0)
        g_assert_cmpint (ust_net_address_get_rank (nth (store, i - 1)), <=,
                         ust_net_address_get_rank (address));
      if (g_str_equal (text, "127.0.0.1"))
        found = i;
    }

  g_assert_cmpint (found, >=, 0);
  g_assert_cmpint (ust_net_address_get_kind (nth (store, found)), ==, UST_NET_KIND_LOOPBACK);
  /* Only loopback (::1) may follow 127.0.0.1. */
  for (guint i = found; i < n; i++)
    g_assert_cmpint (ust_net_address_get_kind (nth (store, i)), ==, UST_NET_KIND_LOOPBACK);
  g_assert_true (ust_net_address_list_contains (G_LIST_MODEL (store), "127.0.0.1"));
}

int
main (int   argc,
      char *argv[])
{
  /* Lets g_test_message() print the labels' em dashes instead of "?". */
  setlocale (LC_ALL, "");
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/ust/net/rank/default-route-wins", test_default_route_wins);
  g_test_add_func ("/ust/net/rank/physical-beats-virtualbox", test_physical_beats_virtualbox);
  g_test_add_func ("/ust/net/rank/hotspot", test_hotspot);
  g_test_add_func ("/ust/net/rank/link-local-and-loopback-last", test_link_local_and_loopback_last);
  g_test_add_func ("/ust/net/rank/ipv4-before-ipv6", test_ipv4_before_ipv6);
  g_test_add_func ("/ust/net/rank/vpn-and-bridge", test_vpn_and_bridge);
  g_test_add_func ("/ust/net/rank/skips", test_skips_down_bad_and_duplicates);
  g_test_add_func ("/ust/net/rank/labels", test_labels_name_address_and_adapter);
  g_test_add_func ("/ust/net/rank/classify", test_classify);
  g_test_add_func ("/ust/net/routes", test_routes);
  g_test_add_func ("/ust/net/address/list-contains", test_list_contains);
  g_test_add_func ("/ust/net/watcher/debounce", test_watcher_debounce);
  g_test_add_func ("/ust/net/interfaces/this-machine", test_real_machine);

  return g_test_run ();
}
