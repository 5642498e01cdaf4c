/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ust-call-record"

#include "config.h"

#include <string.h>

#include "ust-call-record.h"

struct _UstCallRecord {
  GObject     parent_instance;

  UstCallData data;
};

enum {
  PROP_0,
  PROP_CALL_ID,
  PROP_CALLER,
  PROP_CALLEE,
  PROP_STATE,
  PROP_START_TIME,
  PROP_ANSWER_TIME,
  PROP_END_TIME,
  PROP_DISPOSITION,
  N_PROPS,
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (UstCallRecord, ust_call_record, G_TYPE_OBJECT)

static const char *const state_names[] = {
  [UST_CALL_SETUP] = "setup",
  [UST_CALL_RINGING] = "ringing",
  [UST_CALL_ANSWERED] = "answered",
  [UST_CALL_ENDED] = "ended",
  [UST_CALL_CANCELLED] = "cancelled",
  [UST_CALL_BUSY] = "busy",
  [UST_CALL_DECLINED] = "declined",
  [UST_CALL_NOT_FOUND] = "not found",
  [UST_CALL_FAILED] = "failed",
  [UST_CALL_TIMED_OUT] = "timed out",
};

static const char *const ended_by_names[] = {
  [UST_ENDED_BY_NONE] = "",
  [UST_ENDED_BY_CALLER] = "caller",
  [UST_ENDED_BY_CALLEE] = "callee",
  [UST_ENDED_BY_EXCHANGE] = "exchange",
  [UST_ENDED_BY_TIMEOUT] = "timeout",
};

void
ust_call_data_clear (UstCallData *data)
{
  g_free (data->call_id);
  g_free (data->caller);
  g_free (data->caller_name);
  g_free (data->callee);
  g_free (data->caller_addr);
  g_free (data->callee_addr);
  g_free (data->final_reason);
  g_free (data->orig_reason);
  g_free (data->transfer_to);
  g_free (data->transfer_result);
  g_free (data->related_call_id);
  g_free (data->caller_ua);
  g_free (data->callee_ua);
  memset (data, 0, sizeof *data);
}

void
ust_call_data_free (UstCallData *data)
{
  if (data == NULL)
    return;
  ust_call_data_clear (data);
  g_free (data);
}

void
ust_call_data_copy (const UstCallData *src,
                    UstCallData       *dest)
{
  *dest = *src;
  dest->call_id = g_strdup (src->call_id);
  dest->caller = g_strdup (src->caller);
  dest->caller_name = g_strdup (src->caller_name);
  dest->callee = g_strdup (src->callee);
  dest->caller_addr = g_strdup (src->caller_addr);
  dest->callee_addr = g_strdup (src->callee_addr);
  dest->final_reason = g_strdup (src->final_reason);
  dest->orig_reason = g_strdup (src->orig_reason);
  dest->transfer_to = g_strdup (src->transfer_to);
  dest->transfer_result = g_strdup (src->transfer_result);
  dest->related_call_id = g_strdup (src->related_call_id);
  dest->caller_ua = g_strdup (src->caller_ua);
  dest->callee_ua = g_strdup (src->callee_ua);
}

gboolean
ust_call_data_is_active (const UstCallData *data)
{
  return data->state == UST_CALL_SETUP || data->state == UST_CALL_RINGING
         || data->state == UST_CALL_ANSWERED;
}

const char *
ust_call_state_to_string (UstCallState state)
{
  g_return_val_if_fail (state <= UST_CALL_TIMED_OUT, "");

  return state_names[state];
}

gboolean
ust_call_state_from_string (const char   *text,
                            UstCallState *state)
{
  for (guint i = 0; i < G_N_ELEMENTS (state_names); i++)
    {
      if (g_strcmp0 (text, state_names[i]) == 0)
        {
          *state = (UstCallState) i;
          return TRUE;
        }
    }
  return FALSE;
}

/* The outcome column of the diary: an answered call that ended is still
 * "answered"; its end time tells it is over. */
const char *
ust_call_disposition (const UstCallData *data)
{
  if (data->state == UST_CALL_ENDED)
    return state_names[UST_CALL_ANSWERED];
  return ust_call_state_to_string (data->state);
}

const char *
ust_ended_by_to_string (UstEndedBy ended_by)
{
  g_return_val_if_fail (ended_by <= UST_ENDED_BY_TIMEOUT, "");

  return ended_by_names[ended_by];
}

UstEndedBy
ust_ended_by_from_string (const char *text)
{
  for (guint i = 1; i < G_N_ELEMENTS (ended_by_names); i++)
    if (g_strcmp0 (text, ended_by_names[i]) == 0)
      return (UstEndedBy) i;
  return UST_ENDED_BY_NONE;
}

static void
ust_call_record_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  UstCallRecord *self = UST_CALL_RECORD (object);

  switch (prop_id)
    {
    case PROP_CALL_ID:
      g_value_set_string (value, self->data.call_id);
      break;
    case PROP_CALLER:
      g_value_set_string (value, self->data.caller);
      break;
    case PROP_CALLEE:
      g_value_set_string (value, self->data.callee);
      break;
    case PROP_STATE:
      g_value_set_string (value, ust_call_state_to_string (self->data.state));
      break;
    case PROP_START_TIME:
      g_value_set_int64 (value, self->data.start_time);
      break;
    case PROP_ANSWER_TIME:
      g_value_set_int64 (value, self->data.answer_time);
      break;
    case PROP_END_TIME:
      g_value_set_int64 (value, self->data.end_time);
      break;
    case PROP_DISPOSITION:
      g_value_set_string (value, ust_call_disposition (&self->data));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ust_call_record_finalize (GObject *object)
{
  UstCallRecord *self = UST_CALL_RECORD (object);

  ust_call_data_clear (&self->data);

  G_OBJECT_CLASS (ust_call_record_parent_class)->finalize (object);
}

static void
ust_call_record_class_init (UstCallRecordClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->get_property = ust_call_record_get_property;
  object_class->finalize = ust_call_record_finalize;

  properties[PROP_CALL_ID] = g_param_spec_string ("call-id", NULL, NULL, NULL, flags);
  properties[PROP_CALLER] = g_param_spec_string ("caller", NULL, NULL, NULL, flags);
  properties[PROP_CALLEE] = g_param_spec_string ("callee", NULL, NULL, NULL, flags);
  properties[PROP_STATE] = g_param_spec_string ("state", NULL, NULL, NULL, flags);
  properties[PROP_START_TIME] = g_param_spec_int64 ("start-time", NULL, NULL, 0, G_MAXINT64, 0,
                                                    flags);
  properties[PROP_ANSWER_TIME] = g_param_spec_int64 ("answer-time", NULL, NULL, 0, G_MAXINT64,
                                                     0, flags);
  properties[PROP_END_TIME] = g_param_spec_int64 ("end-time", NULL, NULL, 0, G_MAXINT64, 0,
                                                  flags);
  properties[PROP_DISPOSITION] = g_param_spec_string ("disposition", NULL, NULL, NULL, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ust_call_record_init (UstCallRecord *self)
{
}

UstCallRecord *
ust_call_record_new (const UstCallData *data)
{
  UstCallRecord *self = g_object_new (UST_TYPE_CALL_RECORD, NULL);

  if (data != NULL)
    ust_call_data_copy (data, &self->data);
  return self;
}

const UstCallData *
ust_call_record_get_data (UstCallRecord *self)
{
  g_return_val_if_fail (UST_IS_CALL_RECORD (self), NULL);

  return &self->data;
}

/* Replaces the record's data and tells bound views what changed. */
void
ust_call_record_update (UstCallRecord     *self,
                        const UstCallData *data)
{
  UstCallData old;

  g_return_if_fail (UST_IS_CALL_RECORD (self));

  old = self->data;
  ust_call_data_copy (data, &self->data);

  g_object_freeze_notify (G_OBJECT (self));
  /* A row that shows another call now (the window's active calls). */
  if (g_strcmp0 (old.call_id, self->data.call_id) != 0)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CALL_ID]);
  if (g_strcmp0 (old.caller, self->data.caller) != 0)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CALLER]);
  if (g_strcmp0 (old.callee, self->data.callee) != 0)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CALLEE]);
  if (old.start_time != self->data.start_time)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_START_TIME]);
  if (old.state != self->data.state)
    {
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DISPOSITION]);
    }
  if (old.answer_time != self->data.answer_time)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ANSWER_TIME]);
  if (old.end_time != self->data.end_time)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_END_TIME]);
  g_object_thaw_notify (G_OBJECT (self));
  ust_call_data_clear (&old);
}

/* For the tracker, which owns live calls and edits them in place (no copy
 * per event); call ust_call_record_changed() after editing. */
UstCallData *
ust_call_record_edit_data (UstCallRecord *self)
{
  g_return_val_if_fail (UST_IS_CALL_RECORD (self), NULL);

  return &self->data;
}

void
ust_call_record_changed (UstCallRecord *self)
{
  g_return_if_fail (UST_IS_CALL_RECORD (self));

  /* No freeze/thaw: it allocates a queue even when nobody listens. */
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DISPOSITION]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ANSWER_TIME]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_END_TIME]);
}
