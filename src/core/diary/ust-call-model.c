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
  GObject        parent_instance;

  UstCallStore  *store;
  gulong         changed_handler;
  guint          n_items;    /* shown: every call, or what a search found */
  guint          n_calls;    /* every call in the diary */
  gint64         last_seq;   /* the newest change this model has seen */
  gint64         last_id;    /* the highest row id this model has counted */
  GPtrArray     *pages;      /* Page*, at most MAX_PAGES */
  guint64        clock;
  GHashTable    *alive;      /* gint64 id → Alive* */
  guint          refresh_interval;  /* ms; 0 = on every "calls-changed" */
  gint64         last_refresh;      /* monotonic µs */
  GSource       *refresh_source;    /* a refresh put off until the interval is over */

  /* A search: the calls it found are shown as a list of rows (hits), read
   * by row id a page at a time. While it runs on a worker thread, the list
   * shown before stays and refreshes wait. */
  UstCallSearch *search;     /* NULL: every call */
  GArray        *hits;       /* UstCallHit shown, oldest first; NULL: every call shown */
  GCancellable  *searching;  /* the search running, NULL when none */
  gboolean       refresh_wanted;
};

enum {
  PROP_0,
  PROP_STORE,
  PROP_N_ITEMS,
  PROP_N_CALLS,
  PROP_REFRESH_INTERVAL,
  PROP_SEARCH,
  PROP_SEARCHING,
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

/* The row id shown at @position while a search's hits are shown. */
static gint64
hit_id (UstCallModel *self,
        guint         position)
{
  return g_array_index (self->hits, UstCallHit, self->hits->len - 1 - position).id;
}

/* A page of a search's hits, read by row id. A row gone from the diary (a
 * clear the model has not heard of yet) is an empty row until then. */
static GPtrArray *
fetch_hits_page (UstCallModel  *self,
                 guint          index,
                 GError       **error)
{
  guint first = index * PAGE_SIZE;
  guint n = MIN (PAGE_SIZE, self->hits->len - MIN (first, self->hits->len));
  g_autofree gint64 *ids = g_new (gint64, MAX (n, 1));
  g_autoptr (GPtrArray) rows = NULL;
  GPtrArray *records;
  guint found = 0;

  for (guint i = 0; i < n; i++)
    ids[i] = hit_id (self, first + i);
  rows = ust_call_store_fetch_ids (self->store, ids, n, error);
  if (rows == NULL)
    return NULL;

  records = g_ptr_array_new_full (n, g_object_unref);
  for (guint i = 0; i < n; i++)
    {
      UstCallRecord *row = found < rows->len ? g_ptr_array_index (rows, found) : NULL;

      if (row != NULL && ust_call_record_get_data (row)->id == ids[i])
        {
          g_ptr_array_add (records, adopt_record (self, row));
          found++;
        }
      else
        g_ptr_array_add (records, ust_call_record_new (NULL));
    }
  return records;
}

static Page *
load_page (UstCallModel *self,
           guint         index)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) rows = NULL;
  Page *page;

  if (self->hits != NULL)
    {
      page = g_new0 (Page, 1);
      page->index = index;
      page->records = fetch_hits_page (self, index, &error);
      if (page->records == NULL)
        {
          g_warning ("%s", error->message);
          g_free (page);
          return NULL;
        }
    }
  else
    {
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
    }

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

static void
set_n_calls (UstCallModel *self,
             guint         n_calls)
{
  if (self->n_calls == n_calls)
    return;
  self->n_calls = n_calls;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_CALLS]);
}

/* Shows @hits (taken), or every call (NULL), in place of what was shown:
 * all of it removed, then all of the new list added. Not one change: GTK
 * 4.8's list views look for each added item among the rows they showed
 * before (to keep their widgets), which reads every added item, a whole
 * diary when a search is cleared; as two they only make the rows they
 * show. A new list has little in common with the one before it anyway. */
static void
show_hits (UstCallModel *self,
           GArray       *hits)
{
  guint old_n = self->n_items;

  g_clear_pointer (&self->hits, g_array_unref);
  drop_pages (self);
  self->n_items = 0;
  if (old_n != 0)
    g_list_model_items_changed (G_LIST_MODEL (self), 0, old_n, 0);
  self->hits = hits;
  self->n_items = hits != NULL ? hits->len : self->n_calls;
  if (self->n_items != 0)
    g_list_model_items_changed (G_LIST_MODEL (self), 0, 0, self->n_items);
  if (old_n != self->n_items)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
}

static void start_search (UstCallModel *self);

/* Starts over from the store's count: for changes too big or too odd to
 * follow row by row (a clear, another program writing the file). A search
 * runs again. */
static void
reset (UstCallModel *self)
{
  g_autoptr (GError) error = NULL;
  guint new_n = ust_call_store_count (self->store);
  guint old_n;

  if (!ust_call_store_get_marks (self->store, &self->last_seq, &self->last_id, &error))
    g_debug ("%s", error->message);
  set_n_calls (self, new_n);
  if (self->search != NULL)
    {
      drop_pages (self);
      if (new_n > 0)
        start_search (self);
      else
        show_hits (self, g_array_new (FALSE, FALSE, sizeof (UstCallHit)));
      return;
    }

  /* Every call shown: one change, mostly the same rows, whose widgets a
   * list view keeps. */
  old_n = self->n_items;
  drop_pages (self);
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

/* A search, as handed to its worker thread. */
typedef struct {
  UstCallSearch *search;
  char          *path;
  gint64         up_to_id;
} SearchJob;

static void
search_job_free (SearchJob *job)
{
  g_object_unref (job->search);
  g_free (job->path);
  g_free (job);
}

static void
search_thread_cb (GTask        *task,
                  gpointer      source,
                  gpointer      task_data,
                  GCancellable *cancellable)
{
  SearchJob *job = task_data;
  GError *error = NULL;
  GArray *hits = ust_call_search_run (job->search, job->path, job->up_to_id, cancellable, &error);

  if (hits != NULL)
    g_task_return_pointer (task, hits, (GDestroyNotify) g_array_unref);
  else
    g_task_return_error (task, error);
}

static void
set_searching (UstCallModel *self,
               GCancellable *searching)
{
  gboolean was = self->searching != NULL;

  if (self->searching != NULL)
    g_cancellable_cancel (self->searching);
  g_clear_object (&self->searching);
  self->searching = searching;
  if (was != (searching != NULL))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SEARCHING]);
}

/* The search's result, on the model's thread. A search the model no longer
 * waits for (a newer one started, the model was disposed) is dropped. */
static void
search_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  UstCallModel *self = UST_CALL_MODEL (source);
  g_autoptr (GError) error = NULL;
  GArray *hits = g_task_propagate_pointer (G_TASK (result), &error);

  if (g_task_get_cancellable (G_TASK (result)) != self->searching)
    {
      g_clear_pointer (&hits, g_array_unref);
      return;
    }
  if (hits == NULL)
    {
      /* The diary cannot be read: shown as finding nothing, like a store
       * that cannot count. */
      g_warning ("%s", error->message);
      hits = g_array_new (FALSE, FALSE, sizeof (UstCallHit));
    }
  g_clear_object (&self->searching);
  show_hits (self, hits);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SEARCHING]);
  if (self->refresh_wanted)
    ust_call_model_refresh (self);
}

/* Runs the search on a worker thread, over the rows this model has counted
 * (new ones are matched as they come, by refresh), and shows its result
 * when it is in. */
static void
start_search (UstCallModel *self)
{
  g_autoptr (GTask) task = NULL;
  GCancellable *cancellable = g_cancellable_new ();
  SearchJob *job = g_new0 (SearchJob, 1);

  job->search = g_object_ref (self->search);
  job->path = g_strdup (ust_call_store_get_path (self->store));
  job->up_to_id = self->last_id;
  set_searching (self, cancellable);

  task = g_task_new (self, cancellable, search_done_cb, NULL);
  g_task_set_source_tag (task, start_search);
  g_task_set_task_data (task, job, (GDestroyNotify) search_job_free);
  g_task_run_in_thread (task, search_thread_cb);
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
    case PROP_N_CALLS:
      g_value_set_uint (value, self->n_calls);
      break;
    case PROP_REFRESH_INTERVAL:
      g_value_set_uint (value, self->refresh_interval);
      break;
    case PROP_SEARCH:
      g_value_set_object (value, self->search);
      break;
    case PROP_SEARCHING:
      g_value_set_boolean (value, self->searching != NULL);
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
    case PROP_SEARCH:
      ust_call_model_set_search (self, g_value_get_object (value));
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
  self->n_calls = self->n_items = ust_call_store_count (self->store);
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
  /* A search still running keeps the model until it ends (its task holds
   * a reference); cancelled, it ends soon. */
  if (self->searching != NULL)
    g_cancellable_cancel (self->searching);
  g_clear_object (&self->searching);
  g_clear_object (&self->search);
  g_clear_pointer (&self->hits, g_array_unref);

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
  /* Every call in the diary, whatever a search shows. */
  properties[PROP_N_CALLS] =
    g_param_spec_uint ("n-calls", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_REFRESH_INTERVAL] =
    g_param_spec_uint ("refresh-interval", NULL, NULL, 0, 60 * 1000, 0,
                       G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_SEARCH] =
    g_param_spec_object ("search", NULL, NULL, UST_TYPE_CALL_SEARCH,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  /* A search is running; what it finds replaces the list when it ends. */
  properties[PROP_SEARCHING] =
    g_param_spec_boolean ("searching", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
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

/* Announces rows put in at @positions (their final places, in any order):
 * the store or the hits already hold them, n_items does not count them yet.
 * Inserting in ascending order of final position keeps every step true:
 * all rows before each one are already in place. Rows whose final
 * positions follow each other go in as one insertion: new calls are nearly
 * always all on top, so a refresh is usually one change. */
static void
announce (UstCallModel *self,
          GArray       *positions)
{
  if (positions->len == 0)
    return;

  /* New rows shift the pages' positions; the records stay alive in views. */
  drop_pages (self);
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

/* Every call shown: the changed rows tell which are new, and the store
 * where each one goes. */
static void
refresh_all (UstCallModel *self)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) changed = NULL;
  g_autoptr (GArray) positions = NULL;
  gint64 last_seq, last_id;
  guint count;

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
  set_n_calls (self, count);
  announce (self, positions);
}

/* Brings the records handed out up to date with the rows changed since the
 * last look. More changes than MAX_CHANGES (a flood of calls) are not read
 * one by one: the rows handed out are read again instead. */
static void
update_alive (UstCallModel *self)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) changed = NULL;
  g_autoptr (GArray) ids = NULL;
  GHashTableIter iter;
  gint64 last_seq = self->last_seq, last_id;
  gpointer key;

  changed = ust_call_store_fetch_changed (self->store, self->last_seq, MAX_CHANGES + 1,
                                          &last_seq, &error);
  if (changed != NULL && changed->len <= MAX_CHANGES)
    {
      for (guint i = 0; i < changed->len; i++)
        {
          const UstCallData *data = ust_call_record_get_data (g_ptr_array_index (changed, i));
          Alive *alive = find_alive (self, data->id);

          if (alive != NULL)
            ust_call_record_update (alive->record, data);
        }
      self->last_seq = last_seq;
      return;
    }

  g_clear_error (&error);
  ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_hash_table_iter_init (&iter, self->alive);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_array_append_val (ids, *(gint64 *) key);
  g_clear_pointer (&changed, g_ptr_array_unref);
  changed = ust_call_store_fetch_ids (self->store, (const gint64 *) (gpointer) ids->data,
                                      ids->len, &error);
  if (changed == NULL
      || !ust_call_store_get_marks (self->store, &self->last_seq, &last_id, &error))
    {
      g_debug ("%s", error->message);
      return;
    }
  for (guint i = 0; i < changed->len; i++)
    {
      const UstCallData *data = ust_call_record_get_data (g_ptr_array_index (changed, i));
      Alive *alive = find_alive (self, data->id);

      if (alive != NULL)
        ust_call_record_update (alive->record, data);
    }
}

/* Where @hit is, or would go, in @hits (oldest first). */
static guint
hit_index (GArray           *hits,
           const UstCallHit *hit)
{
  guint lo = 0, hi = hits->len;

  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;

      if (ust_call_hit_compare (&g_array_index (hits, UstCallHit, mid), hit) < 0)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo;
}

/* A search's hits shown: new calls that match go in at their place, as
 * they would have been found had they been there when it ran. Calls
 * already shown stay, updated in place, even if they no longer match (a
 * search for "ringing" keeps the call that was answered meanwhile), so the
 * list does not change under the person reading it. */
static void
refresh_hits (UstCallModel *self)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) found = g_array_new (FALSE, FALSE, sizeof (UstCallHit));
  g_autoptr (GArray) positions = NULL;
  gint64 last_seq, last_id;
  guint count, n_new = 0;

  count = ust_call_store_count (self->store);
  if (!ust_call_store_search (self->store, self->search, self->last_id, found, &n_new, &error)
      || !ust_call_store_get_marks (self->store, &last_seq, &last_id, &error)
      || self->n_calls + n_new != count)
    {
      /* Rows removed (a clear), or the file cannot be read: start over. */
      if (error != NULL)
        g_debug ("%s", error->message);
      reset (self);
      return;
    }

  update_alive (self);
  self->last_id = MAX (self->last_id, last_id);
  set_n_calls (self, count);

  g_array_sort (found, ust_call_hit_compare);
  for (guint i = 0; i < found->len; i++)
    {
      const UstCallHit *hit = &g_array_index (found, UstCallHit, i);

      g_array_insert_val (self->hits, hit_index (self->hits, hit), *hit);
    }
  positions = g_array_sized_new (FALSE, FALSE, sizeof (guint), found->len);
  for (guint i = 0; i < found->len; i++)
    {
      guint position = self->hits->len - 1
                       - hit_index (self->hits, &g_array_index (found, UstCallHit, i));

      g_array_append_val (positions, position);
    }
  announce (self, positions);
}

/* Follows what the store committed since the last look. Rows already handed
 * out are updated in place (a ringing call turns answered where it stands);
 * new rows are announced at their place in diary order (neighbours as one
 * insertion), so a view keeps its scroll position and selection. Runs on
 * "calls-changed", at most once per refresh interval, and waits for a
 * search that is running. */
void
ust_call_model_refresh (UstCallModel *self)
{
  g_return_if_fail (UST_IS_CALL_MODEL (self));

  self->last_refresh = g_get_monotonic_time ();
  if (self->refresh_source != NULL)
    {
      g_source_destroy (self->refresh_source);
      g_clear_pointer (&self->refresh_source, g_source_unref);
    }

  /* The search counts the rows up to last_id; the rows after it are
   * matched here once its result is shown. */
  self->refresh_wanted = self->searching != NULL;
  if (self->searching != NULL)
    return;
  if (self->hits != NULL)
    refresh_hits (self);
  else
    refresh_all (self);
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

/* Shows the calls @search finds, or every call (NULL). The search runs on
 * a worker thread ("searching" is TRUE meanwhile, and the list shown
 * before stays); its result replaces the list in one change. From then on
 * new calls that match appear as they come. */
void
ust_call_model_set_search (UstCallModel  *self,
                           UstCallSearch *search)
{
  g_return_if_fail (UST_IS_CALL_MODEL (self));
  g_return_if_fail (search == NULL || UST_IS_CALL_SEARCH (search));

  if (!g_set_object (&self->search, search))
    return;

  if (search != NULL)
    start_search (self);
  else
    {
      set_searching (self, NULL);
      show_hits (self, NULL);
      if (self->refresh_wanted)
        ust_call_model_refresh (self);
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SEARCH]);
}

UstCallSearch *
ust_call_model_get_search (UstCallModel *self)
{
  g_return_val_if_fail (UST_IS_CALL_MODEL (self), NULL);

  return self->search;
}

gboolean
ust_call_model_get_searching (UstCallModel *self)
{
  g_return_val_if_fail (UST_IS_CALL_MODEL (self), FALSE);

  return self->searching != NULL;
}

guint
ust_call_model_get_n_calls (UstCallModel *self)
{
  g_return_val_if_fail (UST_IS_CALL_MODEL (self), 0);

  return self->n_calls;
}
