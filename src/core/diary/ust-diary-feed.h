/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Carries the call tracker's steps into the diary store: the call's row,
 * an event row and a text line for every step, all handed to the store's
 * writer once per main-loop turn. */

#include "ust-call-store.h"
#include "ust-call-tracker.h"

G_BEGIN_DECLS

typedef struct _UstDiaryFeed UstDiaryFeed;

UstDiaryFeed *ust_diary_feed_new  (UstCallTracker *tracker,
                                   UstCallStore   *store);
void          ust_diary_feed_free (UstDiaryFeed   *feed);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (UstDiaryFeed, ust_diary_feed_free)

G_END_DECLS
