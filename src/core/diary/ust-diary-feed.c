/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ust-diary-feed"

#include "config.h"

#include "ust-diary-feed.h"

struct _UstDiaryFeed {
  UstCallTracker *tracker;
  UstCallStore   *store;
  gulong          handler;
  GSource        *end_batch;  /* pending on this thread's context while a batch is open */
};

static gboolean
end_batch_cb (gpointer user_data)
{
  UstDiaryFeed *self = user_data;

  g_clear_pointer (&self->end_batch, g_source_unref);
  ust_call_store_end_batch (self->store);
  return G_SOURCE_REMOVE;
}

/* The batch closes when the loop has nothing more urgent to do: after the
 * socket is drained, so a call's end reaches the writer within the turn. */
static void
call_event_cb (UstCallTracker *tracker,
               UstCallChange  *change,
               UstDiaryFeed   *self)
{
  const UstCallData *data = ust_call_record_get_data (change->record);

  if (self->end_batch == NULL)
    {
      ust_call_store_begin_batch (self->store);
      self->end_batch = g_idle_source_new ();
      g_source_set_priority (self->end_batch, G_PRIORITY_DEFAULT_IDLE);
      g_source_set_callback (self->end_batch, end_batch_cb, self, NULL);
      g_source_set_static_name (self->end_batch, "UstDiaryFeed batch");
      g_source_attach (self->end_batch, g_main_context_get_thread_default ());
    }

  /* The row shows the call as it is now (the diary view and its readers
   * follow live calls), and every step is an event row. */
  ust_call_store_save_step (self->store, data, change->time, change->kind, change->detail,
                            change->line);
}

/* Feeds @store from @tracker on the calling thread, whose main context must
 * be running (it closes the batches). */
UstDiaryFeed *
ust_diary_feed_new (UstCallTracker *tracker,
                    UstCallStore   *store)
{
  UstDiaryFeed *self = g_new0 (UstDiaryFeed, 1);

  self->tracker = g_object_ref (tracker);
  self->store = g_object_ref (store);
  self->handler = g_signal_connect (tracker, "call-event", G_CALLBACK (call_event_cb), self);
  return self;
}

/* Hands over what is held and disconnects. */
void
ust_diary_feed_free (UstDiaryFeed *self)
{
  if (self == NULL)
    return;
  if (self->end_batch != NULL)
    {
      g_source_destroy (self->end_batch);
      g_clear_pointer (&self->end_batch, g_source_unref);
    }
  ust_call_store_end_batch (self->store);
  g_clear_signal_handler (&self->handler, self->tracker);
  g_object_unref (self->tracker);
  g_object_unref (self->store);
  g_free (self);
}
