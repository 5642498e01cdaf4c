/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ust-timer-queue"

#include "config.h"

#include "ust-timer-queue.h"

typedef struct {
  guint  milliseconds;
  GQueue timers;
} Lane;

typedef struct {
  GSource        source;
  UstTimerQueue *queue;
} TimerSource;

struct _UstTimerQueue {
  GArray  *lanes;   /* of Lane*, few entries: a linear scan beats a map */
  GSource *source;
};

static gint64
earliest_deadline (UstTimerQueue *queue)
{
  gint64 earliest = G_MAXINT64;

  for (guint i = 0; i < queue->lanes->len; i++)
    {
      Lane *lane = g_array_index (queue->lanes, Lane *, i);
      UstTimer *head = lane->timers.head != NULL ? lane->timers.head->data : NULL;

      if (head != NULL && head->deadline < earliest)
        earliest = head->deadline;
    }
  return earliest;
}

static gboolean
timer_source_prepare (GSource *source,
                      gint    *timeout)
{
  UstTimerQueue *queue = ((TimerSource *) source)->queue;
  gint64 earliest = earliest_deadline (queue);
  gint64 now;

  if (earliest == G_MAXINT64)
    {
      *timeout = -1;
      return FALSE;
    }

  now = g_source_get_time (source);
  if (earliest <= now)
    {
      *timeout = 0;
      return TRUE;
    }
  /* Round up so the loop does not wake a fraction of a millisecond early. */
  *timeout = (gint) MIN ((earliest - now + 999) / 1000, G_MAXINT);
  return FALSE;
}

static gboolean
timer_source_check (GSource *source)
{
  UstTimerQueue *queue = ((TimerSource *) source)->queue;

  return earliest_deadline (queue) <= g_source_get_time (source);
}

static gboolean
timer_source_dispatch (GSource     *source,
                       GSourceFunc  callback,
                       gpointer     user_data)
{
  UstTimerQueue *queue = ((TimerSource *) source)->queue;
  gint64 now = g_get_monotonic_time ();

  /* Several lanes can have expired heads when the loop was late: take the
   * earliest head each time, so timers fire in deadline order across lanes
   * and not in the order the lanes were created. */
  for (;;)
    {
      UstTimer *timer = NULL;

      for (guint i = 0; i < queue->lanes->len; i++)
        {
          Lane *lane = g_array_index (queue->lanes, Lane *, i);
          UstTimer *head = lane->timers.head != NULL ? lane->timers.head->data : NULL;

          if (head != NULL && head->deadline <= now
              && (timer == NULL || head->deadline < timer->deadline))
            timer = head;
        }
      if (timer == NULL)
        break;
      /* Unlink before calling: the callback may start it again. */
      ust_timer_stop (timer);
      timer->func (timer, timer->user_data);
    }
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs timer_source_funcs = {
  .prepare = timer_source_prepare,
  .check = timer_source_check,
  .dispatch = timer_source_dispatch,
};

UstTimerQueue *
ust_timer_queue_new (GMainContext *context)
{
  UstTimerQueue *queue = g_new0 (UstTimerQueue, 1);

  queue->lanes = g_array_new (FALSE, FALSE, sizeof (Lane *));
  queue->source = g_source_new (&timer_source_funcs, sizeof (TimerSource));
  ((TimerSource *) queue->source)->queue = queue;
  g_source_set_static_name (queue->source, "UstTimerQueue");
  /* Not blocked during dispatch: cheaper (see ust-transport.c). */
  g_source_set_can_recurse (queue->source, TRUE);
  g_source_attach (queue->source, context);
  return queue;
}

void
ust_timer_queue_free (UstTimerQueue *queue)
{
  if (queue == NULL)
    return;

  for (guint i = 0; i < queue->lanes->len; i++)
    {
      Lane *lane = g_array_index (queue->lanes, Lane *, i);

      while (lane->timers.head != NULL)
        ust_timer_stop (lane->timers.head->data);
      g_free (lane);
    }
  g_array_unref (queue->lanes);
  g_source_destroy (queue->source);
  g_source_unref (queue->source);
  g_free (queue);
}

guint
ust_timer_queue_n_active (UstTimerQueue *queue)
{
  guint n = 0;

  for (guint i = 0; i < queue->lanes->len; i++)
    n += g_array_index (queue->lanes, Lane *, i)->timers.length;
  return n;
}

static Lane *
lane_for (UstTimerQueue *queue,
          guint          milliseconds)
{
  Lane *lane;

  for (guint i = 0; i < queue->lanes->len; i++)
    {
      lane = g_array_index (queue->lanes, Lane *, i);
      if (lane->milliseconds == milliseconds)
        return lane;
    }

  lane = g_new0 (Lane, 1);
  lane->milliseconds = milliseconds;
  g_queue_init (&lane->timers);
  g_array_append_val (queue->lanes, lane);
  return lane;
}

void
ust_timer_start (UstTimerQueue *queue,
                 UstTimer      *timer,
                 guint          milliseconds,
                 UstTimerFunc   func,
                 gpointer       user_data)
{
  Lane *lane;

  g_return_if_fail (queue != NULL);
  g_return_if_fail (timer != NULL);
  g_return_if_fail (func != NULL);

  ust_timer_stop (timer);
  lane = lane_for (queue, milliseconds);
  timer->deadline = g_get_monotonic_time () + (gint64) milliseconds * 1000;
  timer->func = func;
  timer->user_data = user_data;
  timer->lane = &lane->timers;
  timer->link.data = timer;
  timer->link.prev = timer->link.next = NULL;
  g_queue_push_tail_link (&lane->timers, &timer->link);

  /* A lane's order relies on its fixed duration and a monotonic clock; the
   * invariant is cheap to keep an eye on in debug builds. */
  g_assert (timer->link.prev == NULL
            || ((UstTimer *) timer->link.prev->data)->deadline <= timer->deadline);
}

void
ust_timer_stop (UstTimer *timer)
{
  if (timer == NULL || timer->lane == NULL)
    return;
  g_queue_unlink (timer->lane, &timer->link);
  timer->lane = NULL;
}

gboolean
ust_timer_is_active (const UstTimer *timer)
{
  return timer != NULL && timer->lane != NULL;
}
