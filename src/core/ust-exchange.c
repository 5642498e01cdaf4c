/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ust-exchange"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "ust-core.h"
#include "ust-exchange.h"
#include "ust-phone-private.h"
#include "ust-proxy.h"
#include "ust-sqlite.h"

/* How often the core sends the window what changed: often enough to look
 * live, seldom enough that a flood of calls costs the window little. */
#define PUBLISH_INTERVAL_MS 200
#define START_TIMEOUT_US (5 * G_USEC_PER_SEC)

/* What the core thread owns. Created by start(), freed by stop() after the
 * thread has ended; only the fields under "handshake" are shared. */
/* Lets snapshots find the exchange on the window's thread without the core
 * ever holding a reference to it (its last unref there would deadlock in
 * stop()). Only the window's thread reads or clears @exchange. */
typedef struct {
  UstExchange *exchange;
} Link;

typedef struct {
  Link           *link;
  GMainContext   *gui_context;
  guint           generation;

  GInetSocketAddress *address;
  char           *data_dir;
  UstCallStore   *store;          /* thread-safe for writes */
  UstTrace       *trace;          /* thread-safe; the window reads what the core records */
  gboolean        open;
  guint           protocols;
  GPtrArray      *reasons;        /* "CODE=TEXT" assignments to start with */
  gboolean        relay_reasons;

  /* handshake */
  GMutex          lock;
  GCond           cond;
  gboolean        started;
  GError         *error;
  guint           bound_port;
  guint           ports[UST_N_PROTOCOLS];   /* 0: that transport is off */
  char           *tls_fingerprint;
  char           *tls_problem;

  /* the core thread's */
  GMainContext   *context;
  GMainLoop      *loop;
  UstCore        *running;
  UstReasonTable *core_reasons;
  GSource        *publish_source;
  gboolean        phones_dirty;
  GHashTable     *changed_calls;  /* Call-ID → UstCallData* (latest copy) */
  guint64         calls_handled;
} Core;

typedef struct {
  Link      *link;
  guint      generation;
  GPtrArray *phones;   /* UstBinding refs, or NULL when unchanged */
  GPtrArray *calls;    /* UstCallData*, owned */
  guint64    calls_handled;
} Snapshot;

/* A call that is up, as the window last heard of it; @version changes with
 * every change, so a row knows whether it shows the latest. */
typedef struct {
  UstCallData data;
  guint64     version;
  guint       index;     /* its row */
} ActiveCall;

struct _UstExchange {
  GObject         parent_instance;

  char           *data_dir;
  Link           *link;
  UstCallStore   *store;
  UstTrace       *trace;
  UstReasonTable *reasons;
  GListStore     *phones;
  GListStore     *active_calls;   /* UstCallRecord rows: row i shows active[i] */
  GPtrArray      *active;         /* ActiveCall*, by row */
  GHashTable     *active_by_id;   /* Call-ID → ActiveCall* (in @active) */
  GArray         *row_versions;   /* guint64 per row: the version of the call it shows */
  guint64         active_version;
  gboolean        open;
  Core           *core;
  GThread        *thread;
  guint           generation;
  char           *address;
  guint           port;
  guint64         calls_handled;
  guint           protocols;
  guint           ports[UST_N_PROTOCOLS];
  char           *tls_fingerprint;
  char           *tls_problem;
};

enum {
  ADVICE,
  N_SIGNALS,
};

static guint signals[N_SIGNALS];

enum {
  PROP_0,
  PROP_RUNNING,
  PROP_ADDRESS,
  PROP_PORT,
  PROP_OPEN,
  PROP_CALLS_HANDLED,
  N_PROPS,
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (UstExchange, ust_exchange, G_TYPE_OBJECT)

/* On the window's thread ------------------------------------------------------- */

static void
snapshot_free (Snapshot *snapshot)
{
  g_atomic_rc_box_release (snapshot->link);
  g_clear_pointer (&snapshot->phones, g_ptr_array_unref);
  g_clear_pointer (&snapshot->calls, g_ptr_array_unref);
  g_free (snapshot);
}

static void
apply_phones (UstExchange *self,
              GPtrArray   *bindings)
{
  /* One row per phone: the flows of one +sip.instance are one phone. */
  g_autoptr(GPtrArray) phones = ust_phone_list_new (bindings);

  g_list_store_splice (self->phones, 0, g_list_model_get_n_items (G_LIST_MODEL (self->phones)),
                       phones->pdata, phones->len);
}

static int
compare_rows (gconstpointer a,
              gconstpointer b)
{
  guint ra = *(const guint *) a, rb = *(const guint *) b;

  return ra < rb ? -1 : ra > rb;
}

static void
active_call_free (ActiveCall *call)
{
  ust_call_data_clear (&call->data);
  g_free (call);
}

/* Free rows (NULL) at the end of @active go. */
static void
drop_free_tail (GPtrArray *active)
{
  while (active->len > 0 && g_ptr_array_index (active, active->len - 1) == NULL)
    g_ptr_array_steal_index (active, active->len - 1);
}

/* Brings the active calls up to date with one batch of changed calls.
 *
 * The list the window shows is made of rows, not of calls, and a call keeps
 * its row while it is up: a new call takes the row of one that ended (the
 * first free one), or a new row at the end; rows left free at the end are
 * filled with the last calls, then dropped. A batch rewrites only the rows
 * whose call changed, and adds or removes rows at the end in one splice.
 * Why: GTK 4.8's list views keep 200 rows of widgets alive and build new ones
 * for every new item, so a list of calls as items (1,000 calls/s that talk a
 * few seconds: hundreds end every batch) would rebuild hundreds of widgets
 * five times a second, and a list kept in start order would move every row
 * on screen each batch; a person could not read it either. */
static void
apply_calls (UstExchange *self,
             GPtrArray   *calls)
{
  GListModel *rows = G_LIST_MODEL (self->active_calls);
  g_autoptr (GArray) free_rows = g_array_new (FALSE, FALSE, sizeof (guint));
  guint n_rows = g_list_model_get_n_items (rows);
  guint next_free = 0;

  for (guint i = 0; i < calls->len; i++)
    {
      const UstCallData *data = g_ptr_array_index (calls, i);
      ActiveCall *call = g_hash_table_lookup (self->active_by_id, data->call_id);

      /* A batch holds each call once, in its latest state; a call that
       * started and ended within one batch was never shown. */
      if (!ust_call_data_is_active (data))
        {
          if (call == NULL)
            continue;
          g_array_append_val (free_rows, call->index);
          self->active->pdata[call->index] = NULL;
          g_hash_table_remove (self->active_by_id, data->call_id);
          active_call_free (call);
          continue;
        }
      if (call != NULL)
        {
          ust_call_data_clear (&call->data);
          ust_call_data_copy (data, &call->data);
          call->version = ++self->active_version;
        }
    }
  g_array_sort (free_rows, compare_rows);

  /* New calls, in the order they came, take the free rows first. */
  for (guint i = 0; i < calls->len; i++)
    {
      const UstCallData *data = g_ptr_array_index (calls, i);
      ActiveCall *call;

      if (!ust_call_data_is_active (data)
          || g_hash_table_contains (self->active_by_id, data->call_id))
        continue;
      call = g_new0 (ActiveCall, 1);
      ust_call_data_copy (data, &call->data);
      call->version = ++self->active_version;
      if (next_free < free_rows->len)
        {
          call->index = g_array_index (free_rows, guint, next_free++);
          self->active->pdata[call->index] = call;
        }
      else
        {
          call->index = self->active->len;
          g_ptr_array_add (self->active, call);
        }
      g_hash_table_insert (self->active_by_id, g_strdup (data->call_id), call);
    }

  /* Rows still free: the last calls move into them, and the end shrinks. */
  drop_free_tail (self->active);
  for (guint i = next_free; i < free_rows->len; i++)
    {
      guint hole = g_array_index (free_rows, guint, i);
      ActiveCall *last;

      if (hole >= self->active->len)
        break;
      last = g_ptr_array_steal_index (self->active, self->active->len - 1);
      self->active->pdata[hole] = last;
      last->index = hole;
      drop_free_tail (self->active);
    }

  /* Rewrite the rows that now show another call, or a call that changed. */
  g_array_set_size (self->row_versions, MAX (n_rows, self->active->len));
  for (guint i = 0; i < MIN (n_rows, self->active->len); i++)
    {
      ActiveCall *call = g_ptr_array_index (self->active, i);
      guint64 *shown = &g_array_index (self->row_versions, guint64, i);

      if (*shown != call->version)
        {
          g_autoptr (UstCallRecord) row = g_list_model_get_item (rows, i);

          ust_call_record_update (row, &call->data);
          *shown = call->version;
        }
    }
  if (self->active->len > n_rows)
    {
      g_autoptr (GPtrArray) added = g_ptr_array_new_with_free_func (g_object_unref);

      for (guint i = n_rows; i < self->active->len; i++)
        {
          ActiveCall *call = g_ptr_array_index (self->active, i);

          g_ptr_array_add (added, ust_call_record_new (&call->data));
          g_array_index (self->row_versions, guint64, i) = call->version;
        }
      g_list_store_splice (self->active_calls, n_rows, 0, added->pdata, added->len);
    }
  else if (self->active->len < n_rows)
    {
      g_list_store_splice (self->active_calls, self->active->len, n_rows - self->active->len,
                           NULL, 0);
    }
  g_array_set_size (self->row_versions, self->active->len);
}

static gboolean
apply_snapshot_cb (gpointer user_data)
{
  Snapshot *snapshot = user_data;
  UstExchange *self = snapshot->link->exchange;

  /* A snapshot from a run that has since stopped is stale. */
  if (self == NULL || self->core == NULL || snapshot->generation != self->generation)
    return G_SOURCE_REMOVE;

  if (snapshot->phones != NULL)
    apply_phones (self, snapshot->phones);
  if (snapshot->calls != NULL)
    apply_calls (self, snapshot->calls);
  if (self->calls_handled != snapshot->calls_handled)
    {
      self->calls_handled = snapshot->calls_handled;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CALLS_HANDLED]);
    }
  return G_SOURCE_REMOVE;
}

/* On the core's thread ------------------------------------------------------------ */

static gboolean
publish_cb (gpointer user_data)
{
  Core *core = user_data;
  Snapshot *snapshot;
  GHashTableIter iter;
  UstCallData *data;

  if (!core->phones_dirty && g_hash_table_size (core->changed_calls) == 0)
    return G_SOURCE_CONTINUE;

  snapshot = g_new0 (Snapshot, 1);
  snapshot->link = g_atomic_rc_box_acquire (core->link);
  snapshot->generation = core->generation;
  snapshot->calls_handled = core->calls_handled;
  if (core->phones_dirty)
    snapshot->phones = ust_registrar_list_bindings (ust_core_get_registrar (core->running));
  core->phones_dirty = FALSE;

  snapshot->calls = g_ptr_array_new_with_free_func ((GDestroyNotify) ust_call_data_free);
  g_hash_table_iter_init (&iter, core->changed_calls);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &data))
    {
      g_ptr_array_add (snapshot->calls, data);
      g_hash_table_iter_steal (&iter);
    }

  g_main_context_invoke_full (core->gui_context, G_PRIORITY_DEFAULT, apply_snapshot_cb, snapshot,
                              (GDestroyNotify) snapshot_free);
  return G_SOURCE_CONTINUE;
}

static void
registrar_changed_cb (UstRegistrar *registrar,
                      const char   *aor,
                      gpointer      user_data)
{
  Core *core = user_data;

  core->phones_dirty = TRUE;
}

/* The diary has its own feed (UstDiaryFeed); the window gets the latest
 * state of each changed call with the next snapshot. */
static void
call_event_cb (UstCallTracker *tracker,
               UstCallChange  *change,
               gpointer        user_data)
{
  Core *core = user_data;
  const UstCallData *data = ust_call_record_get_data (change->record);
  UstCallData *copy = g_new0 (UstCallData, 1);

  if (g_str_equal (change->kind, "calling"))
    core->calls_handled++;

  ust_call_data_copy (data, copy);
  g_hash_table_replace (core->changed_calls, copy->call_id, copy);
}

/* The transport doctor's advice, carried to the window's thread. */
typedef struct {
  Link  *link;
  guint  generation;
  char  *host;
  char  *text;
} Advice;

static void
advice_free (Advice *advice)
{
  g_atomic_rc_box_release (advice->link);
  g_free (advice->host);
  g_free (advice->text);
  g_free (advice);
}

static gboolean
apply_advice_cb (gpointer user_data)
{
  Advice *advice = user_data;
  UstExchange *self = advice->link->exchange;

  if (self != NULL && self->core != NULL && advice->generation == self->generation)
    g_signal_emit (self, signals[ADVICE], 0, advice->host, advice->text);
  return G_SOURCE_REMOVE;
}

static void
advice_cb (UstTransport *transport,
           const char   *host,
           const char   *text,
           gpointer      user_data)
{
  Core *core = user_data;
  Advice *advice = g_new0 (Advice, 1);

  advice->link = g_atomic_rc_box_acquire (core->link);
  advice->generation = core->generation;
  advice->host = g_strdup (host);
  advice->text = g_strdup (text);
  g_main_context_invoke_full (core->gui_context, G_PRIORITY_DEFAULT, apply_advice_cb, advice,
                              (GDestroyNotify) advice_free);
}

static void
core_report (Core     *core,
             gboolean  started,
             GError   *error)
{
  g_mutex_lock (&core->lock);
  core->started = started;
  core->error = error;
  g_cond_signal (&core->cond);
  g_mutex_unlock (&core->lock);
}

static gboolean
core_build (Core    *core,
            GError **error)
{
  UstCoreConfig config = { 0 };

  core->core_reasons = ust_reason_table_new ();
  for (guint i = 0; i < core->reasons->len; i++)
    ust_reason_table_parse_assignment (core->core_reasons, g_ptr_array_index (core->reasons, i),
                                       NULL);
  ust_reason_table_set_relay (core->core_reasons, core->relay_reasons);

  config.address = core->address;
  config.data_dir = core->data_dir;
  config.reasons = core->core_reasons;
  config.store = core->store;
  config.trace = core->trace;
  config.open = core->open;
  config.protocols = core->protocols;
  core->running = ust_core_new (&config, error);
  if (core->running == NULL)
    return FALSE;

  g_signal_connect (ust_core_get_registrar (core->running), "changed",
                    G_CALLBACK (registrar_changed_cb), core);
  g_signal_connect (ust_core_get_tracker (core->running), "call-event",
                    G_CALLBACK (call_event_cb), core);
  g_signal_connect (ust_core_get_transport (core->running), "advice", G_CALLBACK (advice_cb),
                    core);
  core->phones_dirty = TRUE;
  core->bound_port = g_inet_socket_address_get_port (
    ust_transport_get_local_address (ust_core_get_transport (core->running)));
  for (UstProtocol protocol = 0; protocol < UST_N_PROTOCOLS; protocol++)
    if (ust_transport_has_protocol (ust_core_get_transport (core->running), protocol))
      core->ports[protocol] = ust_transport_get_port (ust_core_get_transport (core->running),
                                                      protocol);
  core->tls_fingerprint = g_strdup (ust_core_get_tls_fingerprint (core->running));
  core->tls_problem = g_strdup (ust_core_get_tls_problem (core->running));
  return TRUE;
}

/* The calls still up end in the diary and the registrations are saved
 * (ust_core_stop), before the socket closes. */
static void
core_teardown (Core *core)
{
  if (core->publish_source != NULL)
    {
      g_source_destroy (core->publish_source);
      g_clear_pointer (&core->publish_source, g_source_unref);
    }
  g_clear_pointer (&core->running, ust_core_free);
  g_clear_object (&core->core_reasons);
}

static gpointer
core_thread (gpointer user_data)
{
  Core *core = user_data;
  GError *error = NULL;

  g_main_context_push_thread_default (core->context);

  if (!core_build (core, &error))
    {
      core_teardown (core);
      g_main_context_pop_thread_default (core->context);
      core_report (core, FALSE, error);
      return NULL;
    }

  core->publish_source = g_timeout_source_new (PUBLISH_INTERVAL_MS);
  g_source_set_callback (core->publish_source, publish_cb, core, NULL);
  g_source_attach (core->publish_source, core->context);

  core_report (core, TRUE, NULL);
  g_main_loop_run (core->loop);

  core_teardown (core);
  /* Let the registrar's last background write finish before leaving. */
  while (g_main_context_iteration (core->context, FALSE))
    ;
  g_main_context_pop_thread_default (core->context);
  return NULL;
}

static void
core_free (Core *core)
{
  g_atomic_rc_box_release (core->link);
  g_main_context_unref (core->gui_context);
  g_clear_object (&core->address);
  g_free (core->data_dir);
  g_clear_object (&core->store);
  g_clear_object (&core->trace);
  g_ptr_array_unref (core->reasons);
  g_mutex_clear (&core->lock);
  g_cond_clear (&core->cond);
  g_clear_error (&core->error);
  g_free (core->tls_fingerprint);
  g_free (core->tls_problem);
  g_main_loop_unref (core->loop);
  g_main_context_unref (core->context);
  g_hash_table_unref (core->changed_calls);
  g_free (core);
}

/* Settings changed in the window reach the core on its own thread. */
typedef struct {
  Core    *core;
  guint    code;
  char    *phrase;
  gboolean relay;
  gboolean open;
  enum { SET_REASON, SET_RELAY, SET_OPEN } what;
} Setting;

static gboolean
apply_setting_cb (gpointer user_data)
{
  Setting *setting = user_data;
  Core *core = setting->core;

  if (core->running == NULL)
    return G_SOURCE_REMOVE;
  switch (setting->what)
    {
    case SET_REASON:
      ust_reason_table_set (core->core_reasons, setting->code, setting->phrase, NULL);
      break;
    case SET_RELAY:
      ust_reason_table_set_relay (core->core_reasons, setting->relay);
      break;
    case SET_OPEN:
      ust_proxy_set_open (ust_core_get_proxy (core->running), setting->open);
      break;
    }
  return G_SOURCE_REMOVE;
}

static void
setting_free (Setting *setting)
{
  g_free (setting->phrase);
  g_free (setting);
}

static void
send_setting (UstExchange *self,
              Setting     *setting)
{
  if (self->core == NULL)
    {
      setting_free (setting);
      return;
    }
  setting->core = self->core;
  g_main_context_invoke_full (self->core->context, G_PRIORITY_DEFAULT, apply_setting_cb, setting,
                              (GDestroyNotify) setting_free);
}

static void
reasons_changed_cb (UstReasonTable *reasons,
                    guint           code,
                    UstExchange    *self)
{
  Setting *setting = g_new0 (Setting, 1);

  setting->what = SET_REASON;
  setting->code = code;
  setting->phrase = g_strdup (ust_reason_table_lookup (reasons, code));
  send_setting (self, setting);
}

static void
reasons_relay_cb (UstReasonTable *reasons,
                  GParamSpec     *pspec,
                  UstExchange    *self)
{
  Setting *setting = g_new0 (Setting, 1);

  setting->what = SET_RELAY;
  setting->relay = ust_reason_table_get_relay (reasons);
  send_setting (self, setting);
}

/* Public API ------------------------------------------------------------------ */

static GPtrArray *
reason_assignments (UstReasonTable *reasons)
{
  GPtrArray *assignments = g_ptr_array_new_with_free_func (g_free);

  for (guint code = 100; code < 700; code++)
    {
      const char *phrase = ust_reason_table_lookup (reasons, code);

      if (phrase != NULL)
        g_ptr_array_add (assignments, g_strdup_printf ("%u=%s", code, phrase));
    }
  return assignments;
}

/* Starts the exchange on @address (numeric) and @port (0 picks a free
 * one). Returns once the socket is bound, or with an error a user can act
 * on. */
gboolean
ust_exchange_start (UstExchange  *self,
                    const char   *address,
                    guint         port,
                    GError      **error)
{
  g_autoptr(GInetAddress) inet = NULL;
  Core *core;
  gint64 deadline;

  g_return_val_if_fail (UST_IS_EXCHANGE (self), FALSE);
  g_return_val_if_fail (address != NULL, FALSE);

  if (self->core != NULL)
    return TRUE;

  inet = g_inet_address_new_from_string (address);
  if (inet == NULL || port > 65535)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("“%s” is not an IP address of this computer"), address);
      return FALSE;
    }

  core = g_new0 (Core, 1);
  core->link = g_atomic_rc_box_acquire (self->link);
  core->gui_context = g_main_context_ref_thread_default ();
  core->generation = ++self->generation;
  core->address = G_INET_SOCKET_ADDRESS (g_inet_socket_address_new (inet, (guint16) port));
  core->data_dir = g_strdup (self->data_dir);
  core->store = g_object_ref (self->store);
  core->trace = g_object_ref (self->trace);
  core->open = self->open;
  core->protocols = self->protocols;
  core->reasons = reason_assignments (self->reasons);
  core->relay_reasons = ust_reason_table_get_relay (self->reasons);
  core->context = g_main_context_new ();
  core->loop = g_main_loop_new (core->context, FALSE);
  core->changed_calls = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                               (GDestroyNotify) ust_call_data_free);
  g_mutex_init (&core->lock);
  g_cond_init (&core->cond);

  self->thread = g_thread_new ("ustredna-core", core_thread, core);

  /* Binding takes a moment; waiting for it keeps the error where the
   * button was pressed. */
  deadline = g_get_monotonic_time () + START_TIMEOUT_US;
  g_mutex_lock (&core->lock);
  while (!core->started && core->error == NULL)
    if (!g_cond_wait_until (&core->cond, &core->lock, deadline))
      break;
  g_mutex_unlock (&core->lock);

  if (!core->started)
    {
      if (core->error != NULL)
        g_propagate_error (error, g_steal_pointer (&core->error));
      else
        g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                             _("The exchange did not start in time"));
      g_main_loop_quit (core->loop);
      g_thread_join (g_steal_pointer (&self->thread));
      core_free (core);
      return FALSE;
    }

  self->core = core;
  memcpy (self->ports, core->ports, sizeof self->ports);
  g_free (self->tls_fingerprint);
  self->tls_fingerprint = g_strdup (core->tls_fingerprint);
  g_free (self->tls_problem);
  self->tls_problem = g_strdup (core->tls_problem);
  g_free (self->address);
  self->address = g_inet_address_to_string (inet);
  self->port = core->bound_port;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ADDRESS]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PORT]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
  return TRUE;
}

static gboolean
quit_core_cb (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_REMOVE;
}

/* Stops the exchange: calls still up are ended in the diary, registrations
 * are saved, the socket is closed. Returns after the core thread ended. */
void
ust_exchange_stop (UstExchange *self)
{
  Core *core;

  g_return_if_fail (UST_IS_EXCHANGE (self));

  if (self->core == NULL)
    return;
  core = g_steal_pointer (&self->core);
  g_main_context_invoke (core->context, quit_core_cb, core->loop);
  g_thread_join (g_steal_pointer (&self->thread));
  core_free (core);

  g_list_store_remove_all (self->phones);
  g_list_store_remove_all (self->active_calls);
  g_hash_table_remove_all (self->active_by_id);
  g_ptr_array_set_size (self->active, 0);
  g_array_set_size (self->row_versions, 0);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
}

gboolean
ust_exchange_get_running (UstExchange *self)
{
  g_return_val_if_fail (UST_IS_EXCHANGE (self), FALSE);
  return self->core != NULL;
}

const char *
ust_exchange_get_address (UstExchange *self)
{
  g_return_val_if_fail (UST_IS_EXCHANGE (self), NULL);
  return self->address;
}

guint
ust_exchange_get_port (UstExchange *self)
{
  g_return_val_if_fail (UST_IS_EXCHANGE (self), 0);
  return self->port;
}

GListModel *
ust_exchange_get_phones (UstExchange *self)
{
  g_return_val_if_fail (UST_IS_EXCHANGE (self), NULL);
  return G_LIST_MODEL (self->phones);
}

GListModel *
ust_exchange_get_active_calls (UstExchange *self)
{
  g_return_val_if_fail (UST_IS_EXCHANGE (self), NULL);
  return G_LIST_MODEL (self->active_calls);
}

UstCallStore *
ust_exchange_get_store (UstExchange *self)
{
  g_return_val_if_fail (UST_IS_EXCHANGE (self), NULL);
  return self->store;
}

/* Every datagram the exchange receives and sends, for the window's trace and
 * ladder views; recorded on the core's thread, read on any. */
UstTrace *
ust_exchange_get_trace (UstExchange *self)
{
  g_return_val_if_fail (UST_IS_EXCHANGE (self), NULL);
  return self->trace;
}

UstReasonTable *
ust_exchange_get_reasons (UstExchange *self)
{
  g_return_val_if_fail (UST_IS_EXCHANGE (self), NULL);
  return self->reasons;
}

gboolean
ust_exchange_get_open (UstExchange *self)
{
  g_return_val_if_fail (UST_IS_EXCHANGE (self), FALSE);
  return self->open;
}

void
ust_exchange_set_open (UstExchange *self,
                       gboolean     open)
{
  Setting *setting;

  g_return_if_fail (UST_IS_EXCHANGE (self));

  open = !!open;
  if (self->open == open)
    return;
  self->open = open;
  setting = g_new0 (Setting, 1);
  setting->what = SET_OPEN;
  setting->open = open;
  send_setting (self, setting);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_OPEN]);
}

guint64
ust_exchange_get_calls_handled (UstExchange *self)
{
  g_return_val_if_fail (UST_IS_EXCHANGE (self), 0);
  return self->calls_handled;
}

const char *
ust_exchange_get_data_dir (UstExchange *self)
{
  g_return_val_if_fail (UST_IS_EXCHANGE (self), NULL);
  return self->data_dir;
}

/* GObject ---------------------------------------------------------------------- */

static void
ust_exchange_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  UstExchange *self = UST_EXCHANGE (object);

  switch (prop_id)
    {
    case PROP_RUNNING:
      g_value_set_boolean (value, self->core != NULL);
      break;
    case PROP_ADDRESS:
      g_value_set_string (value, self->address);
      break;
    case PROP_PORT:
      g_value_set_uint (value, self->port);
      break;
    case PROP_OPEN:
      g_value_set_boolean (value, self->open);
      break;
    case PROP_CALLS_HANDLED:
      g_value_set_uint64 (value, self->calls_handled);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ust_exchange_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  UstExchange *self = UST_EXCHANGE (object);

  switch (prop_id)
    {
    case PROP_OPEN:
      ust_exchange_set_open (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ust_exchange_dispose (GObject *object)
{
  UstExchange *self = UST_EXCHANGE (object);

  ust_exchange_stop (self);
  if (self->link != NULL)
    {
      self->link->exchange = NULL;
      g_clear_pointer (&self->link, g_atomic_rc_box_release);
    }
  if (self->reasons != NULL)
    g_signal_handlers_disconnect_by_data (self->reasons, self);
  g_clear_object (&self->reasons);
  if (self->store != NULL)
    {
      ust_call_store_flush (self->store, 5000);
      ust_call_store_close (self->store);
    }
  g_clear_object (&self->store);
  g_clear_object (&self->trace);

  G_OBJECT_CLASS (ust_exchange_parent_class)->dispose (object);
}

static void
ust_exchange_finalize (GObject *object)
{
  UstExchange *self = UST_EXCHANGE (object);

  g_clear_object (&self->phones);
  g_clear_object (&self->active_calls);
  g_hash_table_unref (self->active_by_id);
  g_ptr_array_unref (self->active);
  g_array_unref (self->row_versions);
  g_free (self->data_dir);
  g_free (self->address);
  g_free (self->tls_fingerprint);
  g_free (self->tls_problem);

  G_OBJECT_CLASS (ust_exchange_parent_class)->finalize (object);
}

static void
ust_exchange_class_init (UstExchangeClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags read_only = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->get_property = ust_exchange_get_property;
  object_class->set_property = ust_exchange_set_property;
  object_class->dispose = ust_exchange_dispose;
  object_class->finalize = ust_exchange_finalize;

  properties[PROP_RUNNING] = g_param_spec_boolean ("running", NULL, NULL, FALSE, read_only);
  properties[PROP_ADDRESS] = g_param_spec_string ("address", NULL, NULL, NULL, read_only);
  properties[PROP_PORT] = g_param_spec_uint ("port", NULL, NULL, 0, 65535, 0, read_only);
  properties[PROP_OPEN] =
    g_param_spec_boolean ("open", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_CALLS_HANDLED] = g_param_spec_uint64 ("calls-handled", NULL, NULL, 0,
                                                        G_MAXUINT64, 0, read_only);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* The transport doctor: a phone (the first string, its address) knocked
   * on a door that is closed; the second says, translated, what to change on
   * it. At most once a minute per phone and problem. On the window's thread. */
  signals[ADVICE] = g_signal_new ("advice", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                  NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);
}

static void
ust_exchange_init (UstExchange *self)
{
  self->phones = g_list_store_new (UST_TYPE_PHONE);
  self->active_calls = g_list_store_new (UST_TYPE_CALL_RECORD);
  self->active_by_id = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->active = g_ptr_array_new_with_free_func ((GDestroyNotify) active_call_free);
  self->row_versions = g_array_new (FALSE, TRUE, sizeof (guint64));
  self->link = g_atomic_rc_box_new0 (Link);
  self->link->exchange = self;
  self->protocols = UST_CORE_ALL_PROTOCOLS;
}

/* @data_dir holds registrations.db and the diary (calls.db, calls.txt).
 * The diary's store is opened here, on the calling thread, which is then
 * the thread its readers (the window's models) must use. */
UstExchange *
ust_exchange_new (const char *data_dir)
{
  UstExchange *self = g_object_new (UST_TYPE_EXCHANGE, NULL);
  g_autofree char *db_path = NULL;
  g_autofree char *reasons_path = ust_reason_table_default_path ();
  g_autoptr(GError) error = NULL;

  g_return_val_if_fail (data_dir != NULL, NULL);

  ust_sqlite_init ();
  self->data_dir = g_strdup (data_dir);
  self->trace = ust_trace_new (UST_TRACE_DEFAULT_CAPACITY, UST_TRACE_DEFAULT_BYTE_BUDGET);
  db_path = g_build_filename (data_dir, "calls.db", NULL);
  self->store = ust_call_store_new (db_path);
  /* A failure is reported through the store's "error" signal as well, and
   * the store keeps calls in memory until it can write. */
  if (!ust_call_store_open (self->store, &error))
    g_debug ("%s", error->message);

  self->reasons = ust_reason_table_new ();
  if (!ust_reason_table_load (self->reasons, reasons_path, &error))
    g_debug ("%s", error != NULL ? error->message : "");
  g_signal_connect (self->reasons, "changed", G_CALLBACK (reasons_changed_cb), self);
  g_signal_connect (self->reasons, "notify::relay", G_CALLBACK (reasons_relay_cb), self);
  return self;
}

/* Which transports the next start serves: UST_CORE_UDP | UST_CORE_TCP |
 * UST_CORE_TLS (UDP is always on). A running exchange keeps what it has
 * until it is started again. */
guint
ust_exchange_get_protocols (UstExchange *self)
{
  g_return_val_if_fail (UST_IS_EXCHANGE (self), 0);
  return self->protocols;
}

void
ust_exchange_set_protocols (UstExchange *self,
                            guint        protocols)
{
  g_return_if_fail (UST_IS_EXCHANGE (self));
  self->protocols = protocols | UST_CORE_UDP;
}

/* Whether the running exchange serves @protocol (TLS may be off although
 * asked for: ust_exchange_get_tls_problem() says why). */
gboolean
ust_exchange_has_protocol (UstExchange *self,
                           UstProtocol  protocol)
{
  g_return_val_if_fail (UST_IS_EXCHANGE (self), FALSE);
  return self->core != NULL && self->ports[protocol] != 0;
}

/* The port phones use for @protocol, or 0. */
guint
ust_exchange_get_protocol_port (UstExchange *self,
                                UstProtocol  protocol)
{
  g_return_val_if_fail (UST_IS_EXCHANGE (self), 0);
  return self->core != NULL ? self->ports[protocol] : 0;
}

const char *
ust_exchange_get_tls_fingerprint (UstExchange *self)
{
  g_return_val_if_fail (UST_IS_EXCHANGE (self), NULL);
  return self->core != NULL ? self->tls_fingerprint : NULL;
}

/* Why TLS is off although it was asked for, as a sentence for the user. */
const char *
ust_exchange_get_tls_problem (UstExchange *self)
{
  g_return_val_if_fail (UST_IS_EXCHANGE (self), NULL);
  return self->core != NULL ? self->tls_problem : NULL;
}
