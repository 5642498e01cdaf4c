/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ust-net-watcher"

#include "config.h"

#include "ust-net-watcher.h"

enum {
  PROP_0,
  PROP_MONITOR,
  N_PROPS,
};

enum {
  CHANGED,
  N_SIGNALS,
};

struct _UstNetWatcher
{
  GObject parent_instance;

  GNetworkMonitor *monitor;
  GMainContext *context; /* the thread-default context at construction: "changed" runs there */
  GSource *debounce;
};

G_DEFINE_FINAL_TYPE (UstNetWatcher, ust_net_watcher, G_TYPE_OBJECT)

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static gboolean
debounce_done_cb (gpointer user_data)
{
  UstNetWatcher *self = user_data;

  g_clear_pointer (&self->debounce, g_source_unref);
  g_signal_emit (self, signals[CHANGED], 0);
  return G_SOURCE_REMOVE;
}

/* Each event restarts the wait, so "changed" fires 300 ms after the last one of a burst,
 * when the adapter has all its addresses. */
static void
network_changed_cb (GNetworkMonitor *monitor,
                    gboolean         network_available,
                    UstNetWatcher   *self)
{
  if (self->debounce != NULL)
    {
      g_source_destroy (self->debounce);
      g_clear_pointer (&self->debounce, g_source_unref);
    }
  self->debounce = g_timeout_source_new (UST_NET_WATCHER_DEBOUNCE_MS);
  g_source_set_static_name (self->debounce, "[ust] network changed");
  g_source_set_callback (self->debounce, debounce_done_cb, self, NULL);
  g_source_attach (self->debounce, self->context);
}

static void
ust_net_watcher_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  UstNetWatcher *self = UST_NET_WATCHER (object);

  switch (prop_id)
    {
    case PROP_MONITOR:
      g_value_set_object (value, self->monitor);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ust_net_watcher_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  UstNetWatcher *self = UST_NET_WATCHER (object);

  switch (prop_id)
    {
    case PROP_MONITOR:
      self->monitor = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ust_net_watcher_constructed (GObject *object)
{
  UstNetWatcher *self = UST_NET_WATCHER (object);

  G_OBJECT_CLASS (ust_net_watcher_parent_class)->constructed (object);

  if (self->monitor == NULL)
    self->monitor = g_object_ref (g_network_monitor_get_default ());
  g_signal_connect_object (self->monitor, "network-changed",
                           G_CALLBACK (network_changed_cb), self, G_CONNECT_DEFAULT);
}

static void
ust_net_watcher_dispose (GObject *object)
{
  UstNetWatcher *self = UST_NET_WATCHER (object);

  if (self->debounce != NULL)
    {
      g_source_destroy (self->debounce);
      g_clear_pointer (&self->debounce, g_source_unref);
    }
  if (self->monitor != NULL)
    g_signal_handlers_disconnect_by_data (self->monitor, self);
  g_clear_object (&self->monitor);

  G_OBJECT_CLASS (ust_net_watcher_parent_class)->dispose (object);
}

static void
ust_net_watcher_finalize (GObject *object)
{
  UstNetWatcher *self = UST_NET_WATCHER (object);

  g_main_context_unref (self->context);

  G_OBJECT_CLASS (ust_net_watcher_parent_class)->finalize (object);
}

static void
ust_net_watcher_class_init (UstNetWatcherClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = ust_net_watcher_get_property;
  object_class->set_property = ust_net_watcher_set_property;
  object_class->constructed = ust_net_watcher_constructed;
  object_class->dispose = ust_net_watcher_dispose;
  object_class->finalize = ust_net_watcher_finalize;

  /* Construct-only so tests can hand in their own monitor; NULL means the default one. */
  properties[PROP_MONITOR] =
    g_param_spec_object ("monitor", NULL, NULL, G_TYPE_NETWORK_MONITOR,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS
                           | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * UstNetWatcher::changed:
   *
   * The machine's addresses may have changed: list them again with
   * ust_net_list_addresses() and check the running address with
   * ust_net_address_list_contains().
   */
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
ust_net_watcher_init (UstNetWatcher *self)
{
  self->context = g_main_context_ref_thread_default ();
}

UstNetWatcher *
ust_net_watcher_new (void)
{
  return g_object_new (UST_TYPE_NET_WATCHER, NULL);
}

UstNetWatcher *
ust_net_watcher_new_for_monitor (GNetworkMonitor *monitor)
{
  g_return_val_if_fail (G_IS_NETWORK_MONITOR (monitor), NULL);

  return g_object_new (UST_TYPE_NET_WATCHER, "monitor", monitor, NULL);
}
