/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ust-rtp-stream"

#include "config.h"

#include <string.h>

#include "ust-rtp-stream.h"

UstRtpStream *
ust_rtp_stream_new (const UstTraceAddress *source,
                    const UstTraceAddress *destination,
                    guint32                ssrc)
{
  UstRtpStream *self = g_new0 (UstRtpStream, 1);

  self->source = *source;
  self->destination = *destination;
  self->ssrc = ssrc;
  self->packets = g_array_new (FALSE, FALSE, sizeof (UstRtpPacket));
  return self;
}

void
ust_rtp_stream_free (UstRtpStream *self)
{
  if (self == NULL)
    return;
  g_array_unref (self->packets);
  g_free (self);
}

void
ust_rtp_stream_add (UstRtpStream       *self,
                    const UstRtpPacket *packet)
{
  g_array_append_val (self->packets, *packet);
}

/* RFC 3551 §6, table 4: the clock of the static audio and video types; 0
 * for dynamic ones (96–127), whose rate only the SDP's rtpmap says. */
guint
ust_rtp_clock_rate_for_type (guint payload_type)
{
  switch (payload_type)
    {
    case 0: case 3: case 4: case 5: case 7: case 8: case 9: case 12: case 13: case 15: case 18:
      return 8000;   /* G.722 (9) counts at 8000 though it samples at 16000 (§4.5.2) */
    case 6:
      return 16000;
    case 10: case 11:
      return 44100;
    case 16:
      return 11025;
    case 17:
      return 22050;
    case 25: case 26: case 28: case 31: case 32: case 33: case 34:
      return 90000;
    default:
      return 0;
    }
}

/* Packets, loss (A.3: expected from the extended highest and first
 * sequence numbers) and jitter (A.8: J += (|D| − J) / 16, D the difference
 * between the packets' spacing on arrival and in RTP time). @clock_rate 0
 * takes the first packet's static rate, or 8000. */
void
ust_rtp_stream_compute (const UstRtpStream *self,
                        guint               clock_rate,
                        UstRtpStats        *stats)
{
  guint32 cycles = 0, base = 0, max = 0;
  double jitter = 0, transit_prev = 0;

  memset (stats, 0, sizeof *stats);
  if (self->packets->len == 0)
    return;

  {
    const UstRtpPacket *first = &g_array_index (self->packets, UstRtpPacket, 0);

    stats->payload_type = first->payload_type;
    stats->first_time = first->time;
    if (clock_rate == 0)
      clock_rate = ust_rtp_clock_rate_for_type (first->payload_type);
    if (clock_rate == 0)
      clock_rate = 8000;
    base = max = first->seq;
  }

  for (guint i = 0; i < self->packets->len; i++)
    {
      const UstRtpPacket *packet = &g_array_index (self->packets, UstRtpPacket, i);
      /* Arrival in RTP units, and the packet's transit (A.8). */
      double arrival = (double) packet->time * clock_rate / G_USEC_PER_SEC;
      double transit = arrival - packet->timestamp;

      if (i > 0)
        {
          guint16 delta = (guint16) (packet->seq - (guint16) max);
          double d = transit - transit_prev;

          /* A.1: a small step forward, counting wraps; anything else is
           * late or a duplicate and does not move the highest. */
          if (delta > 0 && delta < 3000)
            {
              if (packet->seq < (guint16) max)
                cycles += 65536;
              max = packet->seq;
            }
          if (d < 0)
            d = -d;
          jitter += (d - jitter) / 16.0;
          stats->max_jitter_ms = MAX (stats->max_jitter_ms, jitter * 1000.0 / clock_rate);
        }
      transit_prev = transit;
      stats->last_time = packet->time;
    }

  stats->packets = self->packets->len;
  stats->expected = cycles + max - base + 1;
  stats->lost = (gint) stats->expected - (gint) stats->packets;
  stats->loss_percent = stats->expected > 0 && stats->lost > 0
                          ? 100.0 * stats->lost / stats->expected : 0;
  stats->jitter_ms = jitter * 1000.0 / clock_rate;
}
