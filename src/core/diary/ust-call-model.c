/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ust-call-model"

#include "config.h"

#include "ust-call-model.h"

/* 200 rows fill a few screens; 8 pages let a person scroll back and forth
 * without rereading, and bound the memory at ~1600 records. */
#define PAGE_SIZE   200
#define MAX_PAGES   8
/* More changes than this at once (an import, a clear) are cheaper to show
 * as one reset than row by row. */
#define MAX_CHANGES 1000

typedef struct {
  guint      index;
  guint64    last_used;
  GPtrArray *records;    /* UstCallRecord*, owned */
} Page;

/* A record handed out and still alive somewhere (a cached page, a row of a
 * view). Reading the same row again gives the same object, so an update
 * reaches the widget that shows it. */
typedef struct {
  UstCallModel  *model;
  gint64         id;
  UstCallRecord *record;   /* weak */
} Alive;

struct _UstCallModel {
  GObject       parent_instance;

  UstCallStore *store;
  gulong        changed_handler;
  guint         n_items;
  gint64        last_seq;   /* the newest change this model has seen */
  gint64        last_id;    /* the highest row id this model has counted */
  GPtrArray    *pages;      /* Page*, at most MAX_PAGES */
  guint64       clock;
  GHashTable   *alive;      /* gint64 id → Alive* */
  guint         refresh_interval;  /* ms; 0 = on every "calls-changed" */
  gint64        last_refresh;      /* monotonic µs */
  GSource      *refresh_source;    /* a refresh put off until the interval is over */
};

enum {
  PROP_0,
  PROP_STORE,
  PROP_N_ITEMS,
  PROP_REFRESH_INTERVAL,
  N_PROPS,
};

static GParamSpec *properties[N_PROPS];

static void ust_call_model_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (UstCallModel, ust_call_model, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL,
                                                      ust_call_model_list_model_init))

static void
page_free (Page *page)
{
  g_ptr_array_unref (page->records);
  g_free (page);
}

static void
alive_gone_cb (gpointer  data,
               GObject  *where_the_object_was)
{
  Alive *alive = data;

  g_hash_table_remove (alive->model->alive, &alive->id);
}

static Alive *
find_alive (UstCallModel *self,
            gint64        id)
{
  return g_hash_table_lookup (self->alive, &id);
}

/* Returns the record to hand out for a freshly read row: the one already
 * alive for that row, brought up to date, or @record itself. */
static UstCallRecord *
adopt_record (UstCallModel  *self,
              UstCallRecord *record)
{
  const UstCallData *data = ust_call_record_get_data (record);
  Alive *alive = find_alive (self, data->id);

  if (alive != NULL)
    {
      ust_call_record_update (alive->record, data);
      return g_object_ref (alive->record);
    }

  alive = g_new0 (Alive, 1);
  alive->model = self;
  alive->id = data->id;
  alive->record = record;
  g_object_weak_ref (G_OBJECT (record), alive_gone_cb, alive);
  g_hash_table_insert (self->alive, &alive->id, alive);
  return g_object_ref (record);
}

static void
drop_pages (UstCallModel *self)
{
  g_ptr_array_set_size (self->pages, 0);
}

static Page *
find_page (UstCallModel *self,
           guint         index)
{
  for (guint i = 0; i < self->pages->len; i++)
    {
      Page *page = g_ptr_array_index (self->pages, i);

      if (page->index == index)
        return page;
    }
  return NULL;
}

static Page *
load_page (UstCallModel *self,
           guint         index)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) rows = NULL;
  Page *page;

  rows = ust_call_store_fetch (self->store, index * PAGE_SIZE, PAGE_SIZE, &error);
  if (rows == NULL)
    {
      g_warning ("%s", error->message);
      return NULL;
    }

  page = g_new0 (Page, 1);
  page->index = index;
  page->records = g_ptr_array_new_full (rows->len, g_object_unref);
  for (guint i = 0; i < rows->len; i++)
    g_ptr_array_add (page->records, adopt_record (self, g_ptr_array_index (rows, i)));

  /* Least recently used goes first. */
  if (self->pages->len >= MAX_PAGES)
    {
      guint oldest = 0;

      for (guint i = 1; i < self->pages->len; i++)
        if (((Page *) g_ptr_array_index (self->pages, i))->last_used
            < ((Page *) g_ptr_array_index (self->pages, oldest))->last_used)
          oldest = i;
      g_ptr_array_remove_index_fast (self->pages, oldest);
    }
  g_ptr_array_add (self->pages, page);
  return page;
}

/* Starts over from the store's count: for changes too big or too odd to
 * follow row by row (a clear, another program writing the file). */
static void
reset (UstCallModel *self)
{
  g_autoptr (GError) error = NULL;
  guint old_n = self->n_items;
  guint new_n = ust_call_store_count (self->store);

  drop_pages (self);
  if (!ust_call_store_get_marks (self->store, &self->last_seq, &self->last_id, &error))
    g_debug ("%s", error->message);
  self->n_items = new_n;
  if (old_n != 0 || new_n != 0)
    g_list_model_items_changed (G_LIST_MODEL (self), 0, old_n, new_n);
  if (old_n != new_n)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
}

static int
compare_positions (gconstpointer a,
                   gconstpointer b)
{
  guint pa = *(const guint *) a;
  guint pb = *(const guint *) b;

  return pa < pb ? -1 : pa > pb;
}

static gboolean
refresh_later_cb (gpointer user_data)
{
  UstCallModel *self = user_data;

  g_clear_pointer (&self->refresh_source, g_source_unref);
  ust_call_model_refresh (self);
  return G_SOURCE_REMOVE;
}

/* With a refresh interval, changes that come sooner after the last refresh
 * wait for its end and are then taken in one go: at 1,000 calls/s the store
 * says "changed" ten times a second, and each refresh costs a view a pass
 * over its visible rows. */
static void
calls_changed_cb (UstCallStore *store,
                  UstCallModel *self)
{
  gint64 due;

  if (self->refresh_interval == 0)
    {
      ust_call_model_refresh (self);
      return;
    }
  if (self->refresh_source != NULL)
    return;
  due = self->last_refresh + (gint64) self->refresh_interval * 1000;
  if (g_get_monotonic_time () >= due)
    {
      ust_call_model_refresh (self);
      return;
    }
  self->refresh_source = g_timeout_source_new ((guint) ((due - g_get_monotonic_time ()) / 1000)
                                              + 1);
  g_source_set_callback (self->refresh_source, refresh_later_cb, self, NULL);
  g_source_attach (self->refresh_source, g_main_context_get_thread_default ());
}

static void
ust_call_model_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  UstCallModel *self = UST_CALL_MODEL (object);

  switch (prop_id)
    {
    case PROP_STORE:
      g_value_set_object (value, self->store);
      break;
    case PROP_N_ITEMS:
      g_value_set_uint (value, self->n_items);
      break;
    case PROP_REFRESH_INTERVAL:
      g_value_set_uint (value, self->refresh_interval);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ust_call_model_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  UstCallModel *self = UST_CALL_MODEL (object);

  switch (prop_id)
    {
    case PROP_STORE:
      self->store = g_value_dup_object (value);
      break;
    case PROP_REFRESH_INTERVAL:
      ust_call_model_set_refresh_interval (self, g_value_get_uint (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ust_call_model_constructed (GObject *object)
{
  UstCallModel *self = UST_CALL_MODEL (object);
  g_autoptr (GError) error = NULL;

  G_OBJECT_CLASS (ust_call_model_parent_class)->constructed (object);

  g_assert (self->store != NULL);
  self->n_items = ust_call_store_count (self->store);
  if (!ust_call_store_get_marks (self->store, &self->last_seq, &self->last_id, &error))
    g_debug ("%s", error->message);
  self->changed_handler = g_signal_connect (self->store, "calls-changed",
                                            G_CALLBACK (calls_changed_cb), self);
}

static void
ust_call_model_dispose (GObject *object)
{
  UstCallModel *self = UST_CALL_MODEL (object);

  if (self->refresh_source != NULL)
    {
      g_source_destroy (self->refresh_source);
      g_clear_pointer (&self->refresh_source, g_source_unref);
    }
  if (self->store != NULL)
    g_clear_signal_handler (&self->changed_handler, self->store);
  g_clear_object (&self->store);
  if (self->pages != NULL)
    drop_pages (self);

  G_OBJECT_CLASS (ust_call_model_parent_class)->dispose (object);
}

static void
ust_call_model_finalize (GObject *object)
{
  UstCallModel *self = UST_CALL_MODEL (object);
  GHashTableIter iter;
  Alive *alive;

  /* Records still held by someone else outlive the model: unhook them. */
  g_hash_table_iter_init (&iter, self->alive);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &alive))
    g_object_weak_unref (G_OBJECT (alive->record), alive_gone_cb, alive);
  g_hash_table_unref (self->alive);
  g_ptr_array_unref (self->pages);

  G_OBJECT_CLASS (ust_call_model_parent_class)->finalize (object);
}

static void
ust_call_model_class_init (UstCallModelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = ust_call_model_get_property;
  object_class->set_property = ust_call_model_set_property;
  object_class->constructed = ust_call_model_constructed;
  object_class->dispose = ust_call_model_dispose;
  object_class->finalize = ust_call_model_finalize;

  properties[PROP_STORE] =
    g_param_spec_object ("store", NULL, NULL, UST_TYPE_CALL_STORE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_N_ITEMS] =
    g_param_spec_uint ("n-items", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_REFRESH_INTERVAL] =
    g_param_spec_uint ("refresh-interval", NULL, NULL, 0, 60 * 1000, 0,
                       G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ust_call_model_init (UstCallModel *self)
{
  self->pages = g_ptr_array_new_with_free_func ((GDestroyNotify) page_free);
  self->alive = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL, g_free);
}

static GType
ust_call_model_get_item_type (GListModel *model)
{
  return UST_TYPE_CALL_RECORD;
}

static guint
ust_call_model_get_n_items (GListModel *model)
{
  return UST_CALL_MODEL (model)->n_items;
}

static gpointer
ust_call_model_get_item (GListModel *model,
                         guint       position)
{
  UstCallModel *self = UST_CALL_MODEL (model);
  guint index = position / PAGE_SIZE;
  guint offset = position % PAGE_SIZE;
  Page *page;

  if (position >= self->n_items)
    return NULL;

  page = find_page (self, index);
  if (page == NULL)
    page = load_page (self, index);

  if (page != NULL && offset < page->records->len)
    {
      page->last_used = ++self->clock;
      return g_object_ref (g_ptr_array_index (page->records, offset));
    }

  /* The file has fewer rows than counted (changed behind the store's back):
   * an empty row until the next refresh; a list view cannot take NULL. */
  g_debug ("Call diary row %u is missing", position);
  return ust_call_record_new (NULL);
}

static void
ust_call_model_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = ust_call_model_get_item_type;
  iface->get_n_items = ust_call_model_get_n_items;
  iface->get_item = ust_call_model_get_item;
}

UstCallModel *
ust_call_model_new (UstCallStore *store)
{
  g_return_val_if_fail (UST_IS_CALL_STORE (store), NULL);

  return g_object_new (UST_TYPE_CALL_MODEL, "store", store, NULL);
}

UstCallStore *
ust_call_model_get_store (UstCallModel *self)
{
  g_return_val_if_fail (UST_IS_CALL_MODEL (self), NULL);

  return self->store;
}

/* Follows what the store committed since the last look. Rows already handed
 * out are updated in place (a ringing call turns answered where it stands);
 * new rows are announced at their place in diary order (neighbours as one
 * insertion), so a view keeps its scroll position and selection. Runs on
 * "calls-changed", at most once per refresh interval. */
void
ust_call_model_refresh (UstCallModel *self)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) changed = NULL;
  g_autoptr (GArray) positions = NULL;
  gint64 last_seq, last_id;
  guint count;

  g_return_if_fail (UST_IS_CALL_MODEL (self));

  self->last_refresh = g_get_monotonic_time ();
  if (self->refresh_source != NULL)
    {
      g_source_destroy (self->refresh_source);
      g_clear_pointer (&self->refresh_source, g_source_unref);
    }

  /* Count first: a batch committed between the two reads then shows up as
   * a mismatch, and the model resets rather than miscounting. */
  count = ust_call_store_count (self->store);
  last_seq = self->last_seq;
  last_id = self->last_id;
  changed = ust_call_store_fetch_changed (self->store, self->last_seq, MAX_CHANGES + 1,
                                          &last_seq, &error);
  if (changed == NULL || changed->len > MAX_CHANGES)
    {
      if (error != NULL)
        g_debug ("%s", error->message);
      reset (self);
      return;
    }

  positions = g_array_new (FALSE, FALSE, sizeof (guint));
  for (guint i = 0; i < changed->len; i++)
    {
      const UstCallData *data = ust_call_record_get_data (g_ptr_array_index (changed, i));
      Alive *alive = find_alive (self, data->id);

      if (alive != NULL)
        ust_call_record_update (alive->record, data);
      if (data->id > self->last_id)
        {
          guint position = ust_call_store_position_of (self->store, data->start_time, data->id);

          g_array_append_val (positions, position);
          last_id = MAX (last_id, data->id);
        }
    }

  /* Rows removed, or written by someone else: cannot be followed here. */
  if (self->n_items + positions->len != count)
    {
      reset (self);
      return;
    }

  self->last_seq = last_seq;
  self->last_id = last_id;
  if (positions->len == 0)
    return;

  /* New rows shift the pages' positions; the records stay alive in views. */
  drop_pages (self);
  /* Inserting in ascending order of final position keeps every step true:
   * all rows before each one are already in place. Rows whose final
   * positions follow each other go in as one insertion: new calls are
   * nearly always all on top, so a refresh is usually one change. */
  g_array_sort (positions, compare_positions);
  for (guint i = 0; i < positions->len;)
    {
      guint first = g_array_index (positions, guint, i), run = 1;

      while (i + run < positions->len && g_array_index (positions, guint, i + run) == first + run)
        run++;
      self->n_items += run;
      g_list_model_items_changed (G_LIST_MODEL (self), first, 0, run);
      i += run;
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
}

/* Refreshes at most once per @interval_ms (0: on every change the store
 * reports). A window showing the diary live wants a few refreshes a second,
 * not one per committed batch. */
void
ust_call_model_set_refresh_interval (UstCallModel *self,
                                     guint         interval_ms)
{
  g_return_if_fail (UST_IS_CALL_MODEL (self));

  if (self->refresh_interval == interval_ms)
    return;
  self->refresh_interval = interval_ms;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REFRESH_INTERVAL]);
}

guint
ust_call_model_get_refresh_interval (UstCallModel *self)
{
  g_return_val_if_fail (UST_IS_CALL_MODEL (self), 0);

  return self->refresh_interval;
}

guint
ust_call_model_get_n_cached_pages (UstCallModel *self)
{
  g_return_val_if_fail (UST_IS_CALL_MODEL (self), 0);

  return self->pages->len;
}
