/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ust-check-media"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "ust-check.h"
#include "ust-sdp.h"

/* Media per call: the offer in the INVITE, the answer in the 2xx (RFC 3264
 * §5, §6), the RTP streams sent to the addresses they name, and what is
 * wrong when the capture holds RTP for other calls but not, or only one
 * way, for this one. */

/* A call answered and talked for less than this is too short to judge. */
#define MIN_TALK_US (G_USEC_PER_SEC)

void
ust_media_stream_free (UstMediaStream *stream)
{
  if (stream == NULL)
    return;
  g_free (stream->codec);
  g_free (stream);
}

void
ust_call_media_free (UstCallMedia *call)
{
  if (call == NULL)
    return;
  g_free (call->call_id);
  g_free (call->caller);
  g_free (call->callee);
  g_clear_pointer (&call->offer, ust_trace_entry_unref);
  g_clear_pointer (&call->answer, ust_trace_entry_unref);
  g_ptr_array_unref (call->streams);
  g_free (call);
}

/* The first audio stream of @message's SDP; NULL when it has none. */
static UstSdpStream *
audio_of (const UstCheckMessage *message)
{
  gsize len;
  const char *body = ust_check_body (message, &len);
  g_autoptr(GPtrArray) streams = ust_sdp_read_streams (body, len);

  for (guint i = 0; i < streams->len; i++)
    {
      UstSdpStream *stream = g_ptr_array_index (streams, i);

      if (g_strcmp0 (stream->media, "audio") == 0 && stream->port != 0)
        return g_ptr_array_steal_index (streams, i);
    }
  return NULL;
}

static gboolean
media_address (const UstSdpStream *sdp,
             UstTraceAddress    *address)
{
  UstCheckUri uri = { 0 };

  uri.host = sdp->address;
  uri.port = sdp->port;
  return ust_check_uri_address (&uri, address);
}

/* RFC 1918, RFC 6598 (carrier-grade NAT) and RFC 4193 (IPv6 ULA). */
static gboolean
is_private (const UstTraceAddress *address)
{
  const guint8 *b = address->bytes;

  if (address->family == 4)
    return b[0] == 10 || (b[0] == 172 && (b[1] & 0xf0) == 16) || (b[0] == 192 && b[1] == 168)
           || (b[0] == 100 && (b[1] & 0xc0) == 64);
  return address->family == 6 && (b[0] & 0xfe) == 0xfc;
}

static char *
codec_name (const UstSdpStream *sdp,
            guint               payload_type,
            guint              *clock_rate)
{
  for (guint i = 0; i < sdp->payload_types->len; i++)
    if (g_array_index (sdp->payload_types, guint, i) == payload_type)
      {
        *clock_rate = g_array_index (sdp->clock_rates, guint, i);
        return g_strdup_printf ("%s/%u", (const char *) g_ptr_array_index (sdp->encodings, i),
                                *clock_rate);
      }
  *clock_rate = 0;
  return g_strdup_printf ("%u", payload_type);
}

/* The RTP streams the capture has toward @destination, with their stats
 * (the clock from @sdp, the receiver's, which defines the payload types). */
static void
add_streams (UstCallMedia          *call,
             GPtrArray             *rtp,
             const UstTraceAddress *destination,
             const UstSdpStream    *sdp)
{
  gboolean any = FALSE;

  for (guint i = 0; i < rtp->len; i++)
    {
      UstRtpStream *stream = g_ptr_array_index (rtp, i);
      UstMediaStream *media;
      guint clock_rate;
      guint type;

      if (!ust_trace_address_equal (&stream->destination, destination)
          || stream->packets->len == 0)
        continue;
      type = g_array_index (stream->packets, UstRtpPacket, 0).payload_type;
      media = g_new0 (UstMediaStream, 1);
      media->source = stream->source;
      media->destination = stream->destination;
      media->ssrc = stream->ssrc;
      media->codec = codec_name (sdp, type, &clock_rate);
      ust_rtp_stream_compute (stream, clock_rate, &media->stats);
      g_ptr_array_add (call->streams, media);
      any = TRUE;
    }
  if (!any)
    {
      UstMediaStream *media = g_new0 (UstMediaStream, 1);

      media->destination = *destination;
      g_ptr_array_add (call->streams, media);
    }
}

static guint
packets_to (UstCallMedia          *call,
            const UstTraceAddress *destination)
{
  guint packets = 0;

  for (guint i = 0; i < call->streams->len; i++)
    {
      UstMediaStream *media = g_ptr_array_index (call->streams, i);

      if (ust_trace_address_equal (&media->destination, destination))
        packets += media->stats.packets;
    }
  return packets;
}

/* RFC 3264 §6.1: the answer picks from the offered payload types. */
static gboolean
codecs_meet (const UstSdpStream *offer,
             const UstSdpStream *answer)
{
  for (guint i = 0; i < answer->payload_types->len; i++)
    for (guint j = 0; j < offer->payload_types->len; j++)
      if (g_array_index (answer->payload_types, guint, i)
          == g_array_index (offer->payload_types, guint, j))
        return TRUE;
  return FALSE;
}

/* Why RTP toward @silent_sdp's address (from the phone at @silent_sip)
 * never came, in one sentence. */
static char *
likely_cause (const UstTraceAddress *silent_media,
              const UstTraceAddress *silent_sip,
              gboolean               other_way_flows)
{
  g_autofree char *media = ust_trace_address_host_to_string (silent_media);
  g_autofree char *sip = ust_trace_address_host_to_string (silent_sip);

  if (is_private (silent_media) && !ust_trace_address_same_host (silent_media, silent_sip))
    return g_strdup_printf (_("The SDP asks for RTP at the private address %s, but the phone's "
                              "SIP came from %s: it is behind NAT, and RTP sent to %s never "
                              "reaches it."), media, sip, media);
  if (other_way_flows)
    return g_strdup_printf (_("RTP goes to %s but nothing comes back from it: a firewall there "
                              "drops the packets, or the phone sends no audio (microphone muted "
                              "or not allowed)."), media);
  return g_strdup_printf (_("No RTP to or from %s: a firewall blocks the media ports, or the "
                            "phones never started the media."), media);
}

/* Media findings for one answered call of a capture that has RTP. */
static void
judge (UstCheckContext       *ctx,
       UstCallMedia          *call,
       const UstCheckMessage *offer,
       const UstCheckMessage *answer,
       const UstTraceAddress *caller_media,
       const UstTraceAddress *callee_media)
{
  guint to_caller = packets_to (call, caller_media);
  guint to_callee = packets_to (call, callee_media);
  /* Where the callee's SIP came from: the answer as it reached the proxy. */
  const UstTraceAddress *callee_sip = ust_check_source (answer->pair >= 0
                                                          ? &ctx->messages[answer->pair]
                                                          : answer);

  if (to_caller > 0 && to_callee > 0)
    return;
  if (to_caller == 0 && to_callee == 0)
    {
      ust_check_add (ctx, UST_RULE_NO_AUDIO, answer,
                     likely_cause (callee_media, callee_sip, FALSE));
      return;
    }
  /* One way: the side that receives nothing is the one that never gets
   * the other's RTP. */
  if (to_caller == 0)
    ust_check_add (ctx, UST_RULE_ONE_WAY_AUDIO, answer,
                   likely_cause (caller_media, ust_check_source (offer), TRUE));
  else
    ust_check_add (ctx, UST_RULE_ONE_WAY_AUDIO, answer,
                   likely_cause (callee_media, callee_sip, TRUE));
}

/* The end of the call: its BYE, else the last message. */
static gint64
call_end (UstCheckContext *ctx,
          const char      *call_id,
          guint            from)
{
  gint64 end = 0;

  for (guint i = from; i < ctx->n_messages; i++)
    {
      const UstCheckMessage *message = &ctx->messages[i];

      if (g_strcmp0 (message->call_id, call_id) != 0)
        continue;
      end = ust_trace_entry_get_time (message->entry);
      if (message->request && ust_check_message_is (message, "BYE"))
        break;
    }
  return end;
}

static UstCallMedia *
call_new (const UstCheckMessage *offer)
{
  UstCallMedia *call = g_new0 (UstCallMedia, 1);

  call->call_id = g_strdup (offer->call_id);
  call->caller = g_strdup (offer->from_user);
  call->callee = g_strdup (offer->to_user);
  call->offer = ust_trace_entry_ref (offer->entry);
  call->streams = g_ptr_array_new_with_free_func ((GDestroyNotify) ust_media_stream_free);
  return call;
}

/* The call of @offer, the first INVITE of a Call-ID with an SDP body, as
 * the caller sent it; @answer the first 2xx (or 18x) with SDP to it. */
static UstCallMedia *
read_call (UstCheckContext       *ctx,
           const UstCheckMessage *offer,
           const UstCheckMessage *answer,
           gboolean               answered,
           gboolean               has_rtp)
{
  g_autoptr(UstSdpStream) offered = audio_of (offer);
  g_autoptr(UstSdpStream) answered_sdp = answer != NULL ? audio_of (answer) : NULL;
  UstCallMedia *call;
  UstTraceAddress caller_media, callee_media;
  gint64 start, end;

  if (offered == NULL)
    return NULL;
  call = call_new (offer);
  call->answered = answered;
  if (answered_sdp == NULL)
    return call;
  call->answer = ust_trace_entry_ref (answer->entry);
  if (!codecs_meet (offered, answered_sdp))
    ust_check_add (ctx, UST_RULE_CODEC_MISMATCH, answer, NULL);
  if (!media_address (offered, &caller_media) || !media_address (answered_sdp, &callee_media))
    return call;
  /* Caller → callee is sent to the answer's address, and back to the offer's. */
  add_streams (call, ust_capture_get_rtp_streams (ctx->capture), &callee_media, answered_sdp);
  add_streams (call, ust_capture_get_rtp_streams (ctx->capture), &caller_media, offered);

  start = ust_trace_entry_get_time (answer->entry);
  end = call_end (ctx, offer->call_id, answer->index);
  if (answered && has_rtp && end - start >= MIN_TALK_US)
    judge (ctx, call, offer, answer, &caller_media, &callee_media);
  return call;
}

/* Whether the capture holds RTP at all: a capture filtered to SIP has
 * none, and says nothing about the media. */
static gboolean
capture_has_rtp (UstCheckContext *ctx)
{
  GPtrArray *rtp = ust_capture_get_rtp_streams (ctx->capture);

  for (guint i = 0; i < rtp->len; i++)
    if (((UstRtpStream *) g_ptr_array_index (rtp, i))->packets->len >= 10)
      return TRUE;
  return FALSE;
}

/* One UstCallMedia per INVITE dialog with SDP, as the messages leave the
 * caller (not yet through the proxy) and reach it back. */
GPtrArray *
ust_check_media (UstCheckContext *ctx,
                 gboolean        *has_rtp)
{
  GPtrArray *calls = g_ptr_array_new_with_free_func ((GDestroyNotify) ust_call_media_free);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GHashTable) offers = g_hash_table_new (g_str_hash, g_str_equal);

  *has_rtp = capture_has_rtp (ctx);
  /* The offer: the first INVITE of the call with a body, as it reached the
   * proxy; the answer: the first response to it with one, as it left. */
  for (guint i = 0; i < ctx->n_messages; i++)
    {
      const UstCheckMessage *message = &ctx->messages[i];

      if (message->parsed && message->request && message->to_proxy && message->body_len > 0
          && ust_check_is_initial (message) && ust_check_message_is (message, "INVITE")
          && !g_hash_table_contains (offers, message->call_id))
        g_hash_table_insert (offers, (gpointer) message->call_id, (gpointer) message);
    }
  for (guint i = 0; i < ctx->n_messages; i++)
    {
      const UstCheckMessage *message = &ctx->messages[i];
      const UstCheckMessage *offer, *answer = NULL;
      UstCallMedia *call;
      gboolean answered = FALSE;

      if (!message->parsed || message->call_id == NULL
          || g_hash_table_contains (seen, message->call_id))
        continue;
      offer = g_hash_table_lookup (offers, message->call_id);
      if (offer == NULL)
        continue;
      g_hash_table_add (seen, (gpointer) message->call_id);
      for (guint j = offer->index + 1; j < ctx->n_messages; j++)
        {
          const UstCheckMessage *response = &ctx->messages[j];

          if (response->request || !response->from_proxy
              || g_strcmp0 (response->call_id, offer->call_id) != 0
              || response->cseq != offer->cseq || !ust_check_message_is (response, "INVITE"))
            continue;
          if (answer == NULL && response->body_len > 0 && response->status >= 180
              && response->status < 300)
            answer = response;
          if (response->status >= 200)
            {
              answered = response->status < 300;
              if (answered && (answer == NULL || answer->status < 200) && response->body_len > 0)
                answer = response;
              break;
            }
        }
      call = read_call (ctx, offer, answer, answered, *has_rtp);
      if (call != NULL)
        g_ptr_array_add (calls, call);
    }
  return calls;
}
