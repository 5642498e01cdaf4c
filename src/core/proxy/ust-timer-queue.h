/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Timers for SIP transactions.
 *
 * A proxy at thousands of calls per second has tens of thousands of running
 * timers, and a GSource each would make every main-loop turn walk them all.
 * Transaction timers come in a handful of fixed durations (T1·2ⁿ, T4, 64·T1,
 * timer C), so each duration gets a FIFO lane: a new timer always goes to the
 * tail of its lane, which keeps the lane sorted. Start, stop and expiry are
 * O(1), and one GSource wakes up for the earliest head. */

#include <glib.h>

G_BEGIN_DECLS

typedef struct _UstTimer UstTimer;
typedef struct _UstTimerQueue UstTimerQueue;

typedef void (*UstTimerFunc) (UstTimer *timer,
                              gpointer  user_data);

struct _UstTimer {
  /*< private >*/
  GList         link;
  gint64        deadline;
  UstTimerFunc  func;
  gpointer      user_data;
  GQueue       *lane;
};

UstTimerQueue *ust_timer_queue_new       (GMainContext  *context);
void           ust_timer_queue_free      (UstTimerQueue *queue);
guint          ust_timer_queue_n_active  (UstTimerQueue *queue);
void           ust_timer_start           (UstTimerQueue *queue,
                                          UstTimer      *timer,
                                          guint          milliseconds,
                                          UstTimerFunc   func,
                                          gpointer       user_data);
void           ust_timer_stop            (UstTimer      *timer);
gboolean       ust_timer_is_active       (const UstTimer *timer);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (UstTimerQueue, ust_timer_queue_free)

G_END_DECLS
