/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ust-capture-check"

#include "config.h"

#include "ust-capture-check.h"
#include "ust-check.h"
#include "ust-sip.h"

static gint
finding_compare (gconstpointer a,
                 gconstpointer b)
{
  const UstFinding *x = *(const UstFinding *const *) a;
  const UstFinding *y = *(const UstFinding *const *) b;
  guint64 sx = x->entry != NULL ? ust_trace_entry_get_seq (x->entry) : G_MAXUINT64;
  guint64 sy = y->entry != NULL ? ust_trace_entry_get_seq (y->entry) : G_MAXUINT64;

  if (sx != sy)
    return sx < sy ? -1 : 1;
  return (gint) x->rule - (gint) y->rule;
}

/* Reads every message once, runs the rules, and sorts what they found by
 * message, so the list reads down the capture. */
UstCaptureCheck *
ust_capture_check (UstCapture *capture)
{
  g_autoptr(UstCheckContext) ctx = NULL;
  UstCaptureCheck *check;

  g_return_val_if_fail (UST_IS_CAPTURE (capture), NULL);

  /* libosip2 reads the messages: the window may not have started an
   * exchange (which would have set it up) before opening a capture. */
  ust_sip_init ();
  ctx = ust_check_context_new (capture);
  check = g_new0 (UstCaptureCheck, 1);
  check->n_messages = ctx->n_messages;
  if (ctx->has_proxy)
    {
      ust_check_forwarding (ctx);
      ust_check_transactions (ctx);
      ust_check_registrar (ctx);
    }
  check->calls = ust_check_media (ctx, &check->has_rtp);
  /* A stable sort: the rules' own order for one message stays. */
  g_ptr_array_sort (ctx->findings, finding_compare);
  check->findings = g_ptr_array_ref (ctx->findings);
  return check;
}

void
ust_capture_check_free (UstCaptureCheck *check)
{
  if (check == NULL)
    return;
  g_ptr_array_unref (check->findings);
  g_ptr_array_unref (check->calls);
  g_free (check);
}
