/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "ust-test-util.h"
#include "ust-timer-queue.h"

/* Generous: the loops end as soon as the timers fire. */
#define DEADLINE_MS 3000

typedef struct {
  GArray *fired;       /* of guint ids, in firing order */
  gint64  started;
} Order;

typedef struct {
  Order  *order;
  guint   id;
  guint   milliseconds;
  gint64  fired_at;
} Entry;

typedef struct {
  const guint *count;
  guint        target;
} Count;

static gboolean
count_reached (gpointer data)
{
  Count *count = data;

  return *count->count >= count->target;
}

/* Spins the default main context (the one the queue is attached to) until
 * *@count reaches @target or @timeout_ms pass. */
static gboolean
spin_until_count (const guint *count,
                  guint        target,
                  guint        timeout_ms)
{
  Count wanted = { count, target };

  return ust_test_spin_until (count_reached, &wanted, timeout_ms);
}

static void
record_cb (UstTimer *timer,
           gpointer  user_data)
{
  Entry *entry = user_data;

  /* Unlinked before its callback runs. */
  g_assert_false (ust_timer_is_active (timer));
  entry->fired_at = g_get_monotonic_time ();
  g_array_append_val (entry->order->fired, entry->id);
}

/* Starts timers of 30, 10, 20 and again 10 ms; they must fire by deadline,
 * the two 10 ms ones in the order they were started. With @late, the loop
 * only runs once all four are due, so one dispatch handles them all. */
static void
check_order (gboolean late)
{
  static const guint durations[] = { 30, 10, 20, 10 };
  static const guint expected[] = { 1, 3, 2, 0 };
  g_autoptr(UstTimerQueue) queue = ust_timer_queue_new (g_main_context_get_thread_default ());
  UstTimer timers[G_N_ELEMENTS (durations)] = { 0 };
  Entry entries[G_N_ELEMENTS (durations)];
  Order order = { g_array_new (FALSE, FALSE, sizeof (guint)), 0 };

  order.started = g_get_monotonic_time ();
  for (guint i = 0; i < G_N_ELEMENTS (durations); i++)
    {
      entries[i] = (Entry) { &order, i, durations[i], 0 };
      ust_timer_start (queue, &timers[i], durations[i], record_cb, &entries[i]);
      g_assert_true (ust_timer_is_active (&timers[i]));
    }
  g_assert_cmpuint (ust_timer_queue_n_active (queue), ==, 4);

  if (late)
    g_usleep (60 * 1000);
  g_assert_true (spin_until_count (&order.fired->len, 4, DEADLINE_MS));

  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      g_test_message ("fired %u: timer %u", i, g_array_index (order.fired, guint, i));
      g_assert_cmpuint (g_array_index (order.fired, guint, i), ==, expected[i]);
    }
  for (guint i = 0; i < G_N_ELEMENTS (durations); i++)
    {
      /* Never early. */
      g_assert_cmpint (entries[i].fired_at - order.started, >=,
                       (gint64) entries[i].milliseconds * 1000);
      g_assert_false (ust_timer_is_active (&timers[i]));
    }
  g_assert_cmpuint (ust_timer_queue_n_active (queue), ==, 0);

  g_array_unref (order.fired);
}

static void
test_order (void)
{
  check_order (FALSE);
}

static void
test_order_late (void)
{
  check_order (TRUE);
}

static void
test_stop (void)
{
  g_autoptr(UstTimerQueue) queue = ust_timer_queue_new (g_main_context_get_thread_default ());
  UstTimer stopped = { 0 }, restarted = { 0 }, sentinel = { 0 };
  Order order = { g_array_new (FALSE, FALSE, sizeof (guint)), g_get_monotonic_time () };
  Entry entries[] = { { &order, 0, 10, 0 }, { &order, 1, 10, 0 }, { &order, 2, 40, 0 } };

  ust_timer_start (queue, &stopped, 10, record_cb, &entries[0]);
  ust_timer_start (queue, &restarted, 10, record_cb, &entries[1]);
  ust_timer_start (queue, &sentinel, 40, record_cb, &entries[2]);
  g_assert_cmpuint (ust_timer_queue_n_active (queue), ==, 3);

  ust_timer_stop (&stopped);
  g_assert_false (ust_timer_is_active (&stopped));
  g_assert_cmpuint (ust_timer_queue_n_active (queue), ==, 2);
  /* Stopping twice, or a timer never started, is harmless. */
  ust_timer_stop (&stopped);
  ust_timer_stop (NULL);
  g_assert_cmpuint (ust_timer_queue_n_active (queue), ==, 2);

  /* Starting an active timer again moves it, it does not add a second. */
  ust_timer_start (queue, &restarted, 80, record_cb, &entries[1]);
  entries[1].milliseconds = 80;
  g_assert_cmpuint (ust_timer_queue_n_active (queue), ==, 2);

  g_assert_true (spin_until_count (&order.fired->len, 2, DEADLINE_MS));
  ust_test_spin (30);
  g_assert_cmpuint (order.fired->len, ==, 2);
  g_assert_cmpuint (g_array_index (order.fired, guint, 0), ==, 2);
  g_assert_cmpuint (g_array_index (order.fired, guint, 1), ==, 1);
  g_assert_cmpint (entries[1].fired_at - order.started, >=, 80 * 1000);
  g_assert_cmpint (entries[0].fired_at, ==, 0);

  g_array_unref (order.fired);
}

typedef struct {
  UstTimerQueue *queue;
  guint          count;
} Repeat;

static void
repeat_cb (UstTimer *timer,
           gpointer  user_data)
{
  Repeat *repeat = user_data;

  g_assert_false (ust_timer_is_active (timer));
  repeat->count++;
  /* Like timer E doubling its interval: restart from the callback, in a
   * different lane each time. */
  if (repeat->count < 3)
    {
      ust_timer_start (repeat->queue, timer, 5 * (repeat->count + 1), repeat_cb, repeat);
      g_assert_true (ust_timer_is_active (timer));
    }
}

static void
test_restart_from_callback (void)
{
  g_autoptr(UstTimerQueue) queue = ust_timer_queue_new (g_main_context_get_thread_default ());
  UstTimer timer = { 0 };
  Repeat repeat = { queue, 0 };

  ust_timer_start (queue, &timer, 5, repeat_cb, &repeat);
  g_assert_true (spin_until_count (&repeat.count, 3, DEADLINE_MS));
  g_assert_false (ust_timer_is_active (&timer));
  g_assert_cmpuint (ust_timer_queue_n_active (queue), ==, 0);

  /* And no fourth time. */
  ust_test_spin (40);
  g_assert_cmpuint (repeat.count, ==, 3);
}

static void
test_is_active (void)
{
  g_autoptr(UstTimerQueue) queue = ust_timer_queue_new (g_main_context_get_thread_default ());
  UstTimer timer = { 0 };
  Order order = { g_array_new (FALSE, FALSE, sizeof (guint)), g_get_monotonic_time () };
  Entry entry = { &order, 7, 5, 0 };

  g_assert_false (ust_timer_is_active (&timer));
  g_assert_false (ust_timer_is_active (NULL));
  ust_timer_start (queue, &timer, 5, record_cb, &entry);
  g_assert_true (ust_timer_is_active (&timer));
  g_assert_true (spin_until_count (&order.fired->len, 1, DEADLINE_MS));
  g_assert_false (ust_timer_is_active (&timer));
  g_assert_cmpuint (g_array_index (order.fired, guint, 0), ==, 7);

  g_array_unref (order.fired);
}

static void
test_n_active (void)
{
  UstTimerQueue *queue = ust_timer_queue_new (g_main_context_get_thread_default ());
  UstTimer timers[5] = { 0 };
  Order order = { g_array_new (FALSE, FALSE, sizeof (guint)), g_get_monotonic_time () };
  Entry entry = { &order, 0, 0, 0 };

  g_assert_cmpuint (ust_timer_queue_n_active (queue), ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (timers); i++)
    {
      /* Two lanes, far enough out that nothing fires during the test. */
      ust_timer_start (queue, &timers[i], i % 2 ? 60000 : 30000, record_cb, &entry);
      g_assert_cmpuint (ust_timer_queue_n_active (queue), ==, i + 1);
    }

  /* Out of the middle and out of the head of a lane. */
  ust_timer_stop (&timers[2]);
  ust_timer_stop (&timers[0]);
  g_assert_cmpuint (ust_timer_queue_n_active (queue), ==, 3);

  /* Freeing the queue stops the timers still running. */
  ust_timer_queue_free (queue);
  for (guint i = 0; i < G_N_ELEMENTS (timers); i++)
    g_assert_false (ust_timer_is_active (&timers[i]));
  g_assert_cmpuint (order.fired->len, ==, 0);

  g_array_unref (order.fired);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/ust/timer-queue/order", test_order);
  g_test_add_func ("/ust/timer-queue/order-late", test_order_late);
  g_test_add_func ("/ust/timer-queue/stop", test_stop);
  g_test_add_func ("/ust/timer-queue/restart-from-callback", test_restart_from_callback);
  g_test_add_func ("/ust/timer-queue/is-active", test_is_active);
  g_test_add_func ("/ust/timer-queue/n-active", test_n_active);

  return g_test_run ();
}
