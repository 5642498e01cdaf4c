/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* One call in the diary: an INVITE dialog from its INVITE to its end. The
 * tracker fills a UstCallData; the store saves it; the window and the CSV
 * export read it through the column table (ust-call-columns.h). */

#include <glib-object.h>

G_BEGIN_DECLS

/* The state vocabulary of SIP tools (sngrep and friends). */
typedef enum {
  UST_CALL_SETUP,
  UST_CALL_RINGING,
  UST_CALL_ANSWERED,   /* answered, still up */
  UST_CALL_ENDED,      /* answered, then hung up */
  UST_CALL_CANCELLED,
  UST_CALL_BUSY,       /* 486 or 600 */
  UST_CALL_DECLINED,   /* 603 */
  UST_CALL_NOT_FOUND,  /* 404 or 480 from the exchange */
  UST_CALL_FAILED,     /* any other 4xx-6xx */
  UST_CALL_TIMED_OUT,
} UstCallState;

typedef enum {
  UST_ENDED_BY_NONE,
  UST_ENDED_BY_CALLER,
  UST_ENDED_BY_CALLEE,
  UST_ENDED_BY_EXCHANGE,
  UST_ENDED_BY_TIMEOUT,
} UstEndedBy;

typedef struct {
  gint64        id;               /* row in the store; 0 until stored */
  char         *call_id;
  char         *caller;           /* user@host of From */
  char         *caller_name;      /* From display name */
  char         *callee;           /* user@host of To */
  char         *caller_addr;      /* where the INVITE came from, "ip:port" */
  char         *callee_addr;      /* where the answering (or last) branch went */
  gint64        start_time;       /* wall-clock microseconds; 0 = did not happen */
  gint64        ring_time;
  gint64        answer_time;
  gint64        end_time;
  UstCallState  state;
  guint         final_code;
  char         *final_reason;     /* as sent to the caller (custom phrases show) */
  char         *orig_reason;      /* as received from the callee */
  UstEndedBy    ended_by;
  gboolean      video;            /* video was on at some point */
  gboolean      video_now;
  gboolean      on_hold;
  char         *transfer_to;      /* Refer-To of a REFER in this call */
  char         *transfer_result;  /* sipfrag status line of the last NOTIFY */
  char         *related_call_id;  /* the call this one came from (transfer) or runs beside
                                   * (conference: one phone in two answered calls) */
  char         *caller_ua;
  char         *callee_ua;
} UstCallData;

void         ust_call_data_clear          (UstCallData  *data);
void         ust_call_data_free           (UstCallData  *data);
void         ust_call_data_copy           (const UstCallData *src,
                                           UstCallData  *dest);
gboolean     ust_call_data_is_active      (const UstCallData *data);
const char  *ust_call_state_to_string     (UstCallState  state);
gboolean     ust_call_state_from_string   (const char   *text,
                                           UstCallState *state);
const char  *ust_call_disposition         (const UstCallData *data);
const char  *ust_ended_by_to_string       (UstEndedBy    ended_by);
UstEndedBy   ust_ended_by_from_string     (const char   *text);

#define UST_TYPE_CALL_RECORD (ust_call_record_get_type ())
G_DECLARE_FINAL_TYPE (UstCallRecord, ust_call_record, UST, CALL_RECORD, GObject)

UstCallRecord     *ust_call_record_new          (const UstCallData *data);
const UstCallData *ust_call_record_get_data     (UstCallRecord     *self);
void               ust_call_record_update       (UstCallRecord     *self,
                                                 const UstCallData *data);
UstCallData       *ust_call_record_edit_data    (UstCallRecord     *self);
void               ust_call_record_changed      (UstCallRecord     *self);

G_END_DECLS
