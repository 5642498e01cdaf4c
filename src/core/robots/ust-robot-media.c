/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ust-robot-media"

#include "config.h"

#include <string.h>

#include "ust-robot-media.h"
#include "ust-robot-source.h"

/* Enough for a video frame's largest RTP packet on any LAN. */
#define MAX_PACKET 2048
/* Tries to find a free even/odd port pair for RTP and RTCP (RFC 3550
 * §11) before settling for RTP alone. */
#define PORT_PAIR_TRIES 8

typedef struct {
  char          *kind;        /* "audio", "video", … */
  char          *proto;
  GPtrArray     *formats;     /* char*: what the m= line lists */
  GPtrArray     *attributes;  /* char*: a= lines for those formats, without "a=" */
  gboolean       accepted;
  UstSdpDirection direction;  /* as our description says it */
  GSocket       *rtp;
  GSocket       *rtcp;
  GSource       *rtp_source;
  GSource       *rtcp_source;
  guint          port;
  guint32        ssrc;
  GSocketAddress *remote;     /* where the other side said it receives (its SDP) */
  UstRobotMedia *media;
} Stream;

struct _UstRobotMedia {
  GInetAddress          *bind_address;
  GInetAddress          *fallback_address;
  char                  *address;      /* what c= says */
  UstRobotMediaMode      mode;
  GPtrArray             *streams;      /* Stream*, one per m= line, in order */
  guint64                session_id;
  guint64                version;
  UstRobotMedia         *relay;
  guint                  n_packets;

  gint64                 last_packet;  /* monotonic µs */
  guint                  idle_timeout_ms;
  GSource               *idle_source;
  UstRobotMediaIdleFunc  idle_func;
  gpointer               idle_data;
};

static void
stream_close (Stream *stream)
{
  ust_robot_source_clear (&stream->rtp_source);
  ust_robot_source_clear (&stream->rtcp_source);
  if (stream->rtp != NULL)
    g_socket_close (stream->rtp, NULL);
  if (stream->rtcp != NULL)
    g_socket_close (stream->rtcp, NULL);
  g_clear_object (&stream->rtp);
  g_clear_object (&stream->rtcp);
  stream->port = 0;
}

static void
stream_free (Stream *stream)
{
  stream_close (stream);
  g_free (stream->kind);
  g_free (stream->proto);
  g_ptr_array_unref (stream->formats);
  g_ptr_array_unref (stream->attributes);
  g_clear_object (&stream->remote);
  g_free (stream);
}

static Stream *
stream_new (UstRobotMedia *media,
            const char    *kind,
            const char    *proto)
{
  Stream *stream = g_new0 (Stream, 1);

  stream->media = media;
  stream->kind = g_strdup (kind);
  stream->proto = g_strdup (proto);
  stream->formats = g_ptr_array_new_with_free_func (g_free);
  stream->attributes = g_ptr_array_new_with_free_func (g_free);
  stream->ssrc = g_random_int ();
  return stream;
}

/* RFC 5761 §4: RTCP packet types 200–204 sit where RTP has its marker bit
 * and payload type 72–76, which RTP never uses. */
static gboolean
is_rtp (const guint8 *packet,
        gssize        length)
{
  guint type;

  if (length < 12 || (packet[0] >> 6) != 2)
    return FALSE;
  type = packet[1] & 0x7f;
  return type < 72 || type > 76;
}

static void
write_ssrc (guint8  *packet,
            guint32  ssrc)
{
  packet[8] = (guint8) (ssrc >> 24);
  packet[9] = (guint8) (ssrc >> 16);
  packet[10] = (guint8) (ssrc >> 8);
  packet[11] = (guint8) ssrc;
}

static Stream *
relay_stream (UstRobotMedia *target,
              const char    *kind)
{
  for (guint i = 0; target != NULL && i < target->streams->len; i++)
    {
      Stream *stream = g_ptr_array_index (target->streams, i);

      if (stream->rtp != NULL && stream->remote != NULL && g_str_equal (stream->kind, kind))
        return stream;
    }
  return NULL;
}

/* Every datagram waiting is read at once. An echo sends each RTP packet
 * back to its source with our SSRC; RTCP and anything else is dropped. */
static gboolean
rtp_cb (GSocket      *socket,
        GIOCondition  condition,
        gpointer      user_data)
{
  Stream *stream = user_data;
  UstRobotMedia *media = stream->media;

  for (;;)
    {
      g_autoptr(GSocketAddress) source = NULL;
      guint8 packet[MAX_PACKET];
      gssize length = g_socket_receive_from (socket, &source, (char *) packet, sizeof packet,
                                             NULL, NULL);
      Stream *relay;

      if (length < 0)
        break;
      if (!is_rtp (packet, length))
        continue;
      media->last_packet = g_get_monotonic_time ();
      media->n_packets++;

      relay = relay_stream (media->relay, stream->kind);
      if (relay != NULL)
        {
          write_ssrc (packet, relay->ssrc);
          g_socket_send_to (relay->rtp, relay->remote, (const char *) packet, (gsize) length,
                            NULL, NULL);
        }
      if (media->mode == UST_ROBOT_MEDIA_ECHO)
        {
          write_ssrc (packet, stream->ssrc);
          g_socket_send_to (socket, source, (const char *) packet, (gsize) length, NULL, NULL);
        }
    }
  return G_SOURCE_CONTINUE;
}

/* RTCP is read so that the phone's reports do not pile up, and dropped: an
 * echo has no statistics of its own to report. */
static gboolean
rtcp_cb (GSocket      *socket,
         GIOCondition  condition,
         gpointer      user_data)
{
  char packet[MAX_PACKET];

  while (g_socket_receive (socket, packet, sizeof packet, NULL, NULL) >= 0)
    ;
  return G_SOURCE_CONTINUE;
}

static GSocket *
bind_socket (GInetAddress  *address,
             guint          port,
             GError       **error)
{
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketAddress) where = NULL;

  socket = g_socket_new (g_inet_address_get_family (address), G_SOCKET_TYPE_DATAGRAM,
                         G_SOCKET_PROTOCOL_UDP, error);
  if (socket == NULL)
    return NULL;
  g_socket_set_blocking (socket, FALSE);
  where = g_inet_socket_address_new (address, (guint16) port);
  if (!g_socket_bind (socket, where, FALSE, error))
    return NULL;
  return g_steal_pointer (&socket);
}

static guint
local_port (GSocket *socket)
{
  g_autoptr(GSocketAddress) local = g_socket_get_local_address (socket, NULL);

  return local != NULL ? g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local)) : 0;
}

static GSource *
watch (GSocket     *socket,
       GSourceFunc  func,
       gpointer     data)
{
  GSource *source = g_socket_create_source (socket, G_IO_IN, NULL);

  g_source_set_callback (source, func, data, NULL);
  g_source_attach (source, g_main_context_get_thread_default ());
  return source;
}

/* RTP on an even port and RTCP on the next one when such a pair is free
 * (RFC 3550 §11), else RTP alone: phones then send RTCP to a closed port,
 * which costs them nothing. */
static gboolean
stream_open (Stream   *stream,
             GError  **error)
{
  GInetAddress *address = stream->media->bind_address;

  if (stream->rtp != NULL)
    return TRUE;
  for (guint i = 0; i < PORT_PAIR_TRIES && stream->rtp == NULL; i++)
    {
      g_autoptr(GSocket) rtp = bind_socket (address, 0, error);
      gboolean last = i + 1 == PORT_PAIR_TRIES;
      guint port;

      if (rtp == NULL)
        return FALSE;
      port = local_port (rtp);
      if (port % 2 == 0 && port < 65535)
        stream->rtcp = bind_socket (address, port + 1, NULL);
      if (stream->rtcp == NULL && !last)
        continue;
      stream->rtp = g_steal_pointer (&rtp);
      stream->port = port;
    }
  if (stream->rtp == NULL)
    return FALSE;
  stream->rtp_source = watch (stream->rtp, G_SOURCE_FUNC (rtp_cb), stream);
  if (stream->rtcp != NULL)
    stream->rtcp_source = watch (stream->rtcp, G_SOURCE_FUNC (rtcp_cb), stream);
  return TRUE;
}

static gboolean
idle_cb (gpointer user_data)
{
  UstRobotMedia *self = user_data;

  if (g_get_monotonic_time () - self->last_packet < (gint64) self->idle_timeout_ms * 1000)
    return G_SOURCE_CONTINUE;
  g_clear_pointer (&self->idle_source, g_source_unref);
  self->idle_func (self->idle_data);
  return G_SOURCE_REMOVE;
}

/* @bind_address: the exchange's address (any: all of them, and c= then says
 * the one toward the other side); @fallback_address: what c= says when that
 * cannot be told (our own offers, before any answer). */
UstRobotMedia *
ust_robot_media_new (GInetAddress      *bind_address,
                     GInetAddress      *fallback_address,
                     UstRobotMediaMode  mode)
{
  UstRobotMedia *self = g_new0 (UstRobotMedia, 1);

  self->bind_address = g_object_ref (bind_address);
  self->fallback_address = g_object_ref (fallback_address);
  self->mode = mode;
  self->streams = g_ptr_array_new_with_free_func ((GDestroyNotify) stream_free);
  self->session_id = g_random_int ();
  self->last_packet = g_get_monotonic_time ();
  return self;
}

/* Closes every socket: the call is over. */
void
ust_robot_media_free (UstRobotMedia *self)
{
  if (self == NULL)
    return;
  ust_robot_source_clear (&self->idle_source);
  g_ptr_array_unref (self->streams);
  g_clear_object (&self->bind_address);
  g_clear_object (&self->fallback_address);
  g_free (self->address);
  g_free (self);
}

/* @func runs once when no RTP came for @timeout_ms, counted from now: a
 * phone that vanished without BYE does not keep the sockets forever. */
void
ust_robot_media_watch_idle (UstRobotMedia         *self,
                            guint                  timeout_ms,
                            UstRobotMediaIdleFunc  func,
                            gpointer               user_data)
{
  ust_robot_source_clear (&self->idle_source);
  self->idle_timeout_ms = timeout_ms;
  self->idle_func = func;
  self->idle_data = user_data;
  self->last_packet = g_get_monotonic_time ();
  self->idle_source = g_timeout_source_new (MAX (timeout_ms / 4, 50));
  g_source_set_callback (self->idle_source, idle_cb, self, NULL);
  g_source_attach (self->idle_source, g_main_context_get_thread_default ());
}

/* Which of our addresses the other side reaches: with the exchange on all
 * addresses, the one the routes would send from toward @remote (a UDP
 * socket connected to it sends nothing). */
static void
choose_address (UstRobotMedia *self,
                const char    *remote)
{
  g_autoptr(GInetAddress) target = remote != NULL ? g_inet_address_new_from_string (remote)
                                                  : NULL;
  g_autoptr(GInetAddress) chosen = NULL;

  if (!g_inet_address_get_is_any (self->bind_address))
    chosen = g_object_ref (self->bind_address);
  else if (target != NULL && !g_inet_address_get_is_any (target)
           && g_inet_address_get_family (target) == g_inet_address_get_family (self->bind_address))
    {
      g_autoptr(GSocket) probe = g_socket_new (g_inet_address_get_family (target),
                                               G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP,
                                               NULL);
      g_autoptr(GSocketAddress) to = g_inet_socket_address_new (target, 9);
      g_autoptr(GSocketAddress) local = NULL;

      if (probe != NULL && g_socket_connect (probe, to, NULL, NULL))
        local = g_socket_get_local_address (probe, NULL);
      if (local != NULL)
        chosen = g_object_ref (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (local)));
    }
  if (chosen == NULL && self->address != NULL)
    return;
  if (chosen == NULL)
    chosen = g_object_ref (self->fallback_address);
  g_free (self->address);
  self->address = g_inet_address_to_string (chosen);
}

static gboolean
format_is (const UstSdpMedia *offered,
           const char        *format,
           const char        *encoding,
           const char        *static_type)
{
  const char *rtpmap = ust_sdp_media_rtpmap (offered, format);

  if (rtpmap != NULL)
    return g_ascii_strncasecmp (rtpmap, encoding, strlen (encoding)) == 0
           && (rtpmap[strlen (encoding)] == '\0' || rtpmap[strlen (encoding)] == '/');
  return static_type != NULL && strcmp (format, static_type) == 0;
}

/* What the robots take: G.711 (μ-law and A-law, RFC 3551) with DTMF events
 * (RFC 4733) for audio, and H.264 and VP8 for video; an echo only returns
 * packets, so any of them works at any rate the phone chose. */
static void
choose_formats (Stream            *stream,
                const UstSdpMedia *offered)
{
  gboolean audio = g_str_equal (offered->kind, "audio");
  gboolean video = g_str_equal (offered->kind, "video");
  gboolean voice = FALSE;

  g_ptr_array_set_size (stream->formats, 0);
  g_ptr_array_set_size (stream->attributes, 0);
  if (offered->port == 0
      || !(g_str_equal (offered->proto, "RTP/AVP") || g_str_equal (offered->proto, "RTP/AVPF")))
    return;

  for (guint i = 0; i < offered->formats->len; i++)
    {
      const char *format = g_ptr_array_index (offered->formats, i);
      const char *rtpmap = ust_sdp_media_rtpmap (offered, format);
      const char *fmtp = ust_sdp_media_fmtp (offered, format);
      gboolean take = FALSE;

      if (audio && (format_is (offered, format, "PCMU", "0")
                    || format_is (offered, format, "PCMA", "8")))
        take = voice = TRUE;
      else if (audio)
        take = format_is (offered, format, "telephone-event", NULL);
      else if (video)
        take = format_is (offered, format, "H264", NULL)
               || format_is (offered, format, "VP8", NULL);
      if (!take)
        continue;
      g_ptr_array_add (stream->formats, g_strdup (format));
      if (rtpmap == NULL)
        rtpmap = g_str_equal (format, "0") ? "PCMU/8000" : "PCMA/8000";
      g_ptr_array_add (stream->attributes, g_strdup_printf ("rtpmap:%s %s", format, rtpmap));
      if (fmtp != NULL)
        g_ptr_array_add (stream->attributes, g_strdup_printf ("fmtp:%s %s", format, fmtp));
    }
  /* DTMF events alone are no call. */
  if (audio && !voice)
    {
      g_ptr_array_set_size (stream->formats, 0);
      g_ptr_array_set_size (stream->attributes, 0);
    }
}

static char *
describe (UstRobotMedia *self)
{
  g_autoptr(GInetAddress) inet = g_inet_address_new_from_string (self->address);
  const char *family = inet != NULL && g_inet_address_get_family (inet) == G_SOCKET_FAMILY_IPV6
                         ? "IP6" : "IP4";
  GString *sdp = g_string_new (NULL);

  /* RFC 4566 §5.2: the version goes up with every new description. */
  self->version++;
  g_string_append_printf (sdp, "v=0\r\no=ustredna %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT
                          " IN %s %s\r\ns=Ustredna robot\r\nc=IN %s %s\r\nt=0 0\r\n",
                          self->session_id, self->version, family, self->address, family,
                          self->address);
  for (guint i = 0; i < self->streams->len; i++)
    {
      Stream *stream = g_ptr_array_index (self->streams, i);

      g_string_append_printf (sdp, "m=%s %u %s", stream->kind,
                              stream->accepted ? stream->port : 0, stream->proto);
      if (stream->formats->len == 0)
        g_string_append (sdp, " 0");
      for (guint f = 0; f < stream->formats->len; f++)
        g_string_append_printf (sdp, " %s", (const char *) g_ptr_array_index (stream->formats, f));
      g_string_append (sdp, "\r\n");
      if (!stream->accepted)
        continue;
      for (guint a = 0; a < stream->attributes->len; a++)
        g_string_append_printf (sdp, "a=%s\r\n",
                                (const char *) g_ptr_array_index (stream->attributes, a));
      g_string_append_printf (sdp, "a=%s\r\n", ust_sdp_direction_name (stream->direction));
    }
  return g_string_free (sdp, FALSE);
}

/* The answer to @offer (RFC 3264 §6): one m= line per offered one, in the
 * same order; a stream the robots cannot take is answered with port 0.
 * When none is left, @error says so, and the robot answers 488. A new offer
 * in the same call (re-INVITE) keeps the sockets of streams still on. */
char *
ust_robot_media_answer (UstRobotMedia  *self,
                        const UstSdp   *offer,
                        GError        **error)
{
  gboolean any = FALSE;

  g_return_val_if_fail (self != NULL && offer != NULL, NULL);

  for (guint i = 0; i < offer->media->len; i++)
    {
      const UstSdpMedia *offered = g_ptr_array_index (offer->media, i);
      Stream *stream;

      if (i >= self->streams->len)
        g_ptr_array_add (self->streams, stream_new (self, offered->kind, offered->proto));
      stream = g_ptr_array_index (self->streams, i);
      g_free (stream->kind);
      stream->kind = g_strdup (offered->kind);
      g_free (stream->proto);
      stream->proto = g_strdup (offered->proto);
      choose_formats (stream, offered);
      stream->accepted = stream->formats->len > 0;
      if (!stream->accepted)
        {
          /* RFC 3264 §6: a rejected stream keeps its formats, port 0. */
          for (guint f = 0; f < offered->formats->len; f++)
            g_ptr_array_add (stream->formats, g_strdup (g_ptr_array_index (offered->formats, f)));
          stream_close (stream);
          continue;
        }
      if (!stream_open (stream, error))
        return NULL;
      stream->direction = ust_sdp_direction_answer (offered->direction);
      if (!any)
        choose_address (self, offered->address);
      any = TRUE;
    }
  while (self->streams->len > offer->media->len)
    g_ptr_array_remove_index (self->streams, self->streams->len - 1);

  if (!any)
    {
      g_set_error_literal (error, UST_ROBOT_SDP_ERROR, UST_ROBOT_SDP_ERROR_MALFORMED,
                           "No common media: the robots take PCMU or PCMA audio over RTP/AVP(F), "
                           "and H.264 or VP8 video");
      return NULL;
    }
  return describe (self);
}

/* Our own offer: G.711 audio on a new socket the first time, then the
 * streams we have, flowing as @direction says (a=sendonly puts the other
 * side on hold, RFC 3264 §8.4). */
char *
ust_robot_media_offer (UstRobotMedia    *self,
                       UstSdpDirection   direction,
                       GError          **error)
{
  g_return_val_if_fail (self != NULL, NULL);

  if (self->streams->len == 0)
    {
      Stream *stream = stream_new (self, "audio", "RTP/AVP");

      g_ptr_array_add (self->streams, stream);
      g_ptr_array_add (stream->formats, g_strdup ("0"));
      g_ptr_array_add (stream->formats, g_strdup ("8"));
      g_ptr_array_add (stream->attributes, g_strdup ("rtpmap:0 PCMU/8000"));
      g_ptr_array_add (stream->attributes, g_strdup ("rtpmap:8 PCMA/8000"));
      stream->accepted = TRUE;
      if (!stream_open (stream, error))
        return NULL;
      choose_address (self, NULL);
    }
  for (guint i = 0; i < self->streams->len; i++)
    ((Stream *) g_ptr_array_index (self->streams, i))->direction = direction;
  return describe (self);
}

/* Where the other side receives each of our streams, from its answer. */
void
ust_robot_media_take_answer (UstRobotMedia *self,
                             const UstSdp  *answer)
{
  g_return_if_fail (self != NULL && answer != NULL);

  for (guint i = 0; i < self->streams->len && i < answer->media->len; i++)
    {
      Stream *stream = g_ptr_array_index (self->streams, i);
      const UstSdpMedia *answered = g_ptr_array_index (answer->media, i);
      g_autoptr(GInetAddress) inet = answered->address != NULL
                                       ? g_inet_address_new_from_string (answered->address)
                                       : NULL;

      g_clear_object (&stream->remote);
      if (inet != NULL && answered->port != 0)
        stream->remote = g_inet_socket_address_new (inet, (guint16) answered->port);
    }
}

/* RTP that arrives here is also sent on to @target's other side (NULL:
 * no longer): a robot in two calls lets the first caller be heard in the
 * second. */
void
ust_robot_media_relay_to (UstRobotMedia *self,
                          UstRobotMedia *target)
{
  g_return_if_fail (self != NULL);
  self->relay = target;
}

/* How many RTP packets arrived, all streams together. */
guint
ust_robot_media_n_packets (UstRobotMedia *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->n_packets;
}
