/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ust-capture-reader"

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <pcap/pcap.h>

#include "ust-capture-reader.h"
#include "ust-capture-sniff.h"
#include "ust-ip-reassembly.h"
#include "ust-tcp-reassembly.h"

#define IP_PROTO_TCP        6
#define IP_PROTO_UDP        17
#define IPV6_HOP_BY_HOP     0
#define IPV6_ROUTING        43
#define IPV6_FRAGMENT       44
#define IPV6_AUTH           51
#define IPV6_DEST_OPTIONS   60
#define ETHERTYPE_IPV4      0x0800
#define ETHERTYPE_IPV6      0x86dd
/* RTP packets kept in all (16 bytes each): hours of calls. */
#define MAX_RTP_PACKETS     (8u << 20)

typedef struct {
  UstCaptureReading    *reading;
  UstIpReassembly      *fragments;
  UstTcpReassembly     *tcp;
  GHashTable           *rtp;          /* RtpKey* -> UstRtpStream* (owned by the reading) */
  guint                 n_rtp_packets;
  guint64               cut_short;    /* packets shorter in the file than on the wire */
  guint64               other_links;
} Reader;

typedef struct {
  UstTraceAddress source;
  UstTraceAddress destination;
  guint32         ssrc;
} RtpKey;

static inline guint16
be16 (const guint8 *p)
{
  return (guint16) (p[0] << 8 | p[1]);
}

static inline guint32
be32 (const guint8 *p)
{
  return (guint32) p[0] << 24 | (guint32) p[1] << 16 | (guint32) p[2] << 8 | p[3];
}

static void
add_message (Reader                *reader,
             const UstTraceAddress *source,
             const UstTraceAddress *destination,
             gint64                 time,
             const guint8          *data,
             gsize                  len)
{
  UstCaptureReading *reading = reader->reading;
  UstCapturedMessage message = { 0 };

  message.time = time;
  message.source = *source;
  message.destination = *destination;
  message.offset = reading->arena->len;
  message.len = len;
  g_byte_array_append (reading->arena, data, (guint) len);
  g_array_append_val (reading->messages, message);
}

static void
tcp_message_cb (const UstTraceAddress *source,
                const UstTraceAddress *destination,
                gint64                 time,
                const char            *data,
                gsize                  len,
                gpointer               user_data)
{
  Reader *reader = user_data;

  reader->reading->n_tcp_messages++;
  add_message (reader, source, destination, time, (const guint8 *) data, len);
}

static guint
rtp_hash (gconstpointer data)
{
  const guint8 *bytes = data;
  guint hash = 5381;

  for (gsize i = 0; i < sizeof (RtpKey); i++)
    hash = hash * 33 + bytes[i];
  return hash;
}

static gboolean
rtp_equal (gconstpointer a,
           gconstpointer b)
{
  return memcmp (a, b, sizeof (RtpKey)) == 0;
}

static void
add_rtp (Reader                *reader,
         const UstTraceAddress *source,
         const UstTraceAddress *destination,
         gint64                 time,
         const UstRtpHeader    *header)
{
  RtpKey key;
  UstRtpStream *stream;
  UstRtpPacket packet = { time, header->timestamp, header->seq, header->payload_type,
                          header->marker };

  if (reader->n_rtp_packets >= MAX_RTP_PACKETS)
    return;
  memset (&key, 0, sizeof key);
  key.source = *source;
  key.destination = *destination;
  key.ssrc = header->ssrc;
  stream = g_hash_table_lookup (reader->rtp, &key);
  if (stream == NULL)
    {
      stream = ust_rtp_stream_new (source, destination, header->ssrc);
      g_ptr_array_add (reader->reading->rtp_streams, stream);
      g_hash_table_insert (reader->rtp, g_memdup2 (&key, sizeof key), stream);
    }
  ust_rtp_stream_add (stream, &packet);
  reader->n_rtp_packets++;
}

/* RFC 768. A datagram is SIP (a message), a keep-alive, RTP, or none of
 * ours. */
static void
read_udp (Reader          *reader,
          UstTraceAddress *source,
          UstTraceAddress *destination,
          gint64           time,
          const guint8    *p,
          gsize            len)
{
  gsize udp_len;
  UstRtpHeader rtp;

  if (len < 8)
    return;
  source->port = be16 (p);
  destination->port = be16 (p + 2);
  source->protocol = destination->protocol = UST_PROTOCOL_UDP;
  udp_len = be16 (p + 4);
  if (udp_len < 8)
    return;
  if (udp_len > len)
    {
      /* The capture kept less than was sent (its snapshot length). */
      reader->cut_short++;
      return;
    }
  p += 8;
  len = udp_len - 8;
  if (ust_capture_sniff_sip (p, len))
    add_message (reader, source, destination, time, p, len);
  else if (ust_capture_sniff_rtp (p, len, &rtp) && !ust_capture_sniff_keepalive (p, len))
    add_rtp (reader, source, destination, time, &rtp);
}

/* RFC 9293 §3.1: ports, sequence number, data offset, flags. */
static void
read_tcp (Reader          *reader,
          UstTraceAddress *source,
          UstTraceAddress *destination,
          gint64           time,
          const guint8    *p,
          gsize            len)
{
  gsize offset;
  guint8 flags = 0;

  if (len < 20)
    return;
  offset = (gsize) (p[12] >> 4) * 4;
  if (offset < 20 || offset > len)
    return;
  source->port = be16 (p);
  destination->port = be16 (p + 2);
  source->protocol = destination->protocol = UST_PROTOCOL_TCP;
  if (p[13] & 0x01)
    flags |= UST_TCP_FLAG_FIN;
  if (p[13] & 0x02)
    flags |= UST_TCP_FLAG_SYN;
  if (p[13] & 0x04)
    flags |= UST_TCP_FLAG_RST;
  ust_tcp_reassembly_add (reader->tcp, source, destination, time, be32 (p + 4), flags,
                          p + offset, len - offset);
}

static void
read_transport (Reader          *reader,
                guint8           protocol,
                UstTraceAddress *source,
                UstTraceAddress *destination,
                gint64           time,
                const guint8    *p,
                gsize            len)
{
  if (protocol == IP_PROTO_UDP)
    read_udp (reader, source, destination, time, p, len);
  else if (protocol == IP_PROTO_TCP)
    read_tcp (reader, source, destination, time, p, len);
}

/* Hands a fragment to the reassembly and reads the datagram once whole. */
static void
read_fragment (Reader                 *reader,
               const UstIpFragmentKey *key,
               UstTraceAddress        *source,
               UstTraceAddress        *destination,
               gint64                  time,
               guint                   offset,
               gboolean                more,
               const guint8           *p,
               gsize                   len);

/* RFC 791 §3.1. */
static void
read_ipv4 (Reader       *reader,
           gint64        time,
           const guint8 *p,
           gsize         len)
{
  UstTraceAddress source = { 0 }, destination = { 0 };
  gsize ihl, total;
  guint16 fragment;

  if (len < 20)
    return;
  ihl = (gsize) (p[0] & 0x0f) * 4;
  total = be16 (p + 2);
  if (total == 0)
    total = len;    /* segmentation offload on the capturing host left it out */
  if (ihl < 20 || total < ihl)
    return;
  if (total > len)
    {
      reader->cut_short++;
      return;
    }
  len = total;   /* Ethernet pads short frames: the rest is not ours */
  source.family = destination.family = 4;
  memcpy (source.bytes, p + 12, 4);
  memcpy (destination.bytes, p + 16, 4);

  fragment = be16 (p + 6);
  if ((fragment & 0x3fff) != 0)
    {
      UstIpFragmentKey key = { 0 };

      key.family = 4;
      key.protocol = p[9];
      key.id = be16 (p + 4);
      memcpy (key.source, p + 12, 4);
      memcpy (key.destination, p + 16, 4);
      read_fragment (reader, &key, &source, &destination, time, (guint) (fragment & 0x1fff) * 8,
                     (fragment & 0x2000) != 0, p + ihl, len - ihl);
      return;
    }
  read_transport (reader, p[9], &source, &destination, time, p + ihl, len - ihl);
}

/* RFC 8200 §4: walks the extension headers from @next to the transport
 * header; a Fragment header (§4.5) hands the rest to the reassembly. */
static void
read_ipv6_payload (Reader          *reader,
                   UstTraceAddress *source,
                   UstTraceAddress *destination,
                   const guint8    *addresses,
                   guint8           next,
                   gint64           time,
                   const guint8    *p,
                   gsize            len)
{
  for (guint hops = 0; hops < 16; hops++)
    {
      gsize ext_len;

      switch (next)
        {
        case IPV6_HOP_BY_HOP:
        case IPV6_ROUTING:
        case IPV6_DEST_OPTIONS:
          if (len < 8)
            return;
          ext_len = ((gsize) p[1] + 1) * 8;
          break;
        case IPV6_AUTH:
          if (len < 8)
            return;
          ext_len = ((gsize) p[1] + 2) * 4;
          break;
        case IPV6_FRAGMENT:
          {
            UstIpFragmentKey key = { 0 };
            guint16 offset_flags;

            if (len < 8)
              return;
            offset_flags = be16 (p + 2);
            key.family = 6;
            key.protocol = p[0];
            key.id = be32 (p + 4);
            memcpy (key.source, addresses, 16);
            memcpy (key.destination, addresses + 16, 16);
            read_fragment (reader, &key, source, destination, time,
                           (guint) (offset_flags & 0xfff8), (offset_flags & 1) != 0, p + 8,
                           len - 8);
            return;
          }
        default:
          read_transport (reader, next, source, destination, time, p, len);
          return;
        }
      if (ext_len > len)
        return;
      next = p[0];
      p += ext_len;
      len -= ext_len;
    }
}

/* RFC 8200 §3. */
static void
read_ipv6 (Reader       *reader,
           gint64        time,
           const guint8 *p,
           gsize         len)
{
  UstTraceAddress source = { 0 }, destination = { 0 };
  gsize payload;

  if (len < 40)
    return;
  payload = be16 (p + 4);
  if (payload + 40 > len)
    {
      reader->cut_short++;
      return;
    }
  if (payload == 0)
    payload = len - 40;   /* a jumbogram (RFC 2675): take what is there */
  source.family = destination.family = 6;
  memcpy (source.bytes, p + 8, 16);
  memcpy (destination.bytes, p + 24, 16);
  read_ipv6_payload (reader, &source, &destination, p + 8, p[6], time, p + 40, payload);
}

static void
read_fragment (Reader                 *reader,
               const UstIpFragmentKey *key,
               UstTraceAddress        *source,
               UstTraceAddress        *destination,
               gint64                  time,
               guint                   offset,
               gboolean                more,
               const guint8           *p,
               gsize                   len)
{
  g_autoptr(GBytes) whole = ust_ip_reassembly_add (reader->fragments, key, time, offset, more,
                                                   p, len);
  gsize whole_len;
  const guint8 *data;

  if (whole == NULL)
    return;
  reader->reading->n_fragments++;
  data = g_bytes_get_data (whole, &whole_len);
  if (key->family == 6)
    {
      guint8 addresses[32];

      memcpy (addresses, key->source, 16);
      memcpy (addresses + 16, key->destination, 16);
      read_ipv6_payload (reader, source, destination, addresses, key->protocol, time, data,
                         whole_len);
    }
  else
    read_transport (reader, key->protocol, source, destination, time, data, whole_len);
}

static void
read_ip (Reader       *reader,
         gint64        time,
         const guint8 *p,
         gsize         len)
{
  if (len < 1)
    return;
  if (p[0] >> 4 == 4)
    read_ipv4 (reader, time, p, len);
  else if (p[0] >> 4 == 6)
    read_ipv6 (reader, time, p, len);
}

static void
read_ethertype (Reader       *reader,
                guint16       ethertype,
                gint64        time,
                const guint8 *p,
                gsize         len)
{
  if (ethertype == ETHERTYPE_IPV4 || ethertype == ETHERTYPE_IPV6)
    read_ip (reader, time, p, len);
}

/* BSD loopback: the address family in the capturing host's byte order
 * (DLT_NULL) or big-endian (DLT_LOOP). IPv6 is 24, 28 or 30 depending on
 * the BSD; Linux never writes these. */
static void
read_loopback (Reader       *reader,
               gint64        time,
               const guint8 *p,
               gsize         len)
{
  guint32 family, swapped;

  if (len < 4)
    return;
  memcpy (&family, p, 4);
  swapped = GUINT32_SWAP_LE_BE (family);
  if (family == 2 || swapped == 2 || family == 24 || swapped == 24 || family == 28
      || swapped == 28 || family == 30 || swapped == 30)
    read_ip (reader, time, p + 4, len - 4);
}

static void
read_link (Reader       *reader,
           int           linktype,
           gint64        time,
           const guint8 *p,
           gsize         len)
{
  gsize offset;
  guint16 ethertype;

  switch (linktype)
    {
    case DLT_EN10MB:
      if (len < 14)
        return;
      offset = 12;
      ethertype = be16 (p + offset);
      /* 802.1Q and 802.1ad tags, stacked. */
      while ((ethertype == 0x8100 || ethertype == 0x88a8 || ethertype == 0x9100)
             && len >= offset + 6)
        {
          offset += 4;
          ethertype = be16 (p + offset);
        }
      read_ethertype (reader, ethertype, time, p + offset + 2, len - offset - 2);
      return;
    case DLT_LINUX_SLL:
      if (len >= 16)
        read_ethertype (reader, be16 (p + 14), time, p + 16, len - 16);
      return;
    case DLT_LINUX_SLL2:
      if (len >= 20)
        read_ethertype (reader, be16 (p), time, p + 20, len - 20);
      return;
    case DLT_RAW:
    case DLT_IPV4:
    case DLT_IPV6:
      read_ip (reader, time, p, len);
      return;
    case DLT_NULL:
    case DLT_LOOP:
      read_loopback (reader, time, p, len);
      return;
    default:
      reader->other_links++;
      return;
    }
}

static void
add_note (UstCaptureReading *reading,
          char              *note)
{
  g_ptr_array_add (reading->notes, note);
}

/* Sentences for what the reader could not do. */
static void
write_notes (Reader *reader)
{
  UstCaptureReading *reading = reader->reading;
  const UstIpReassemblyStats *ip = ust_ip_reassembly_get_stats (reader->fragments);
  const UstTcpReassemblyStats *tcp = ust_tcp_reassembly_get_stats (reader->tcp);
  guint64 lost_sets = ip->timed_out + ip->overlapping + ip->too_large;

  if (reader->cut_short > 0)
    add_note (reading, g_strdup_printf (
      g_dngettext (GETTEXT_PACKAGE,
                   "%u packet was cut short when it was captured (the "
                   "capture's snapshot length): it is left out.",
                   "%u packets were cut short when they were captured (the "
                   "capture's snapshot length): they are left out.", reader->cut_short),
      (guint) reader->cut_short));
  if (lost_sets > 0)
    add_note (reading, g_strdup_printf (
      g_dngettext (GETTEXT_PACKAGE,
                   "%u fragmented IP datagram could not be put together "
                   "(a fragment is missing from the capture, or the fragments disagree).",
                   "%u fragmented IP datagrams could not be put together "
                   "(a fragment is missing from the capture, or the fragments disagree).",
                   lost_sets), (guint) lost_sets));
  if (tcp->gaps > 0)
    add_note (reading, g_strdup_printf (
      g_dngettext (GETTEXT_PACKAGE,
                   "TCP: %u byte of a SIP stream is missing from the "
                   "capture; the stream is read again from the next message.",
                   "TCP: %u bytes of SIP streams are missing from the "
                   "capture; each stream is read again from the next message.", tcp->gap_bytes),
      (guint) tcp->gap_bytes));
  if (tcp->tls_streams > 0)
    add_note (reading, g_strdup_printf (
      g_dngettext (GETTEXT_PACKAGE,
                   "%u TCP stream is encrypted (TLS): its SIP cannot be "
                   "read from a capture.",
                   "%u TCP streams are encrypted (TLS): their SIP cannot be "
                   "read from a capture.", tcp->tls_streams), (guint) tcp->tls_streams));
  if (reader->other_links > 0)
    add_note (reading, g_strdup_printf (
      _("The capture's link type (%s) is not one Ústredňa reads: capture on Ethernet, Wi-Fi, "
        "“any” or loopback."), reading->link_type));
}

/* The packets of an open capture; a read error ends the loop with a note. */
static void
read_packets (UstCaptureReading *reading,
              pcap_t            *pcap)
{
  Reader reader = { 0 };
  struct pcap_pkthdr *header;
  const u_char *data;
  int linktype = pcap_datalink (pcap);
  const char *description = pcap_datalink_val_to_description (linktype);
  int rc;

  reader.reading = reading;
  reader.fragments = ust_ip_reassembly_new ();
  reader.tcp = ust_tcp_reassembly_new (tcp_message_cb, &reader);
  reader.rtp = g_hash_table_new_full (rtp_hash, rtp_equal, g_free, NULL);
  reading->link_type = g_strdup (description != NULL ? description : "?");

  while ((rc = pcap_next_ex (pcap, &header, &data)) == 1)
    {
      gint64 time = (gint64) header->ts.tv_sec * G_USEC_PER_SEC + header->ts.tv_usec;

      reading->n_packets++;
      read_link (&reader, linktype, time, data, header->caplen);
    }
  if (rc == PCAP_ERROR)
    {
      reading->damaged = TRUE;
      add_note (reading, g_strdup_printf (
        g_dngettext (GETTEXT_PACKAGE,
                     "The file is damaged after packet %u (%s); what "
                     "comes before is shown.",
                     "The file is damaged after packet %u (%s); what "
                     "comes before is shown.", reading->n_packets),
        (guint) reading->n_packets, pcap_geterr (pcap)));
    }

  ust_tcp_reassembly_finish (reader.tcp);
  ust_ip_reassembly_finish (reader.fragments);
  reading->n_tcp_retransmitted = ust_tcp_reassembly_get_stats (reader.tcp)->retransmitted;
  reading->n_tcp_out_of_order = ust_tcp_reassembly_get_stats (reader.tcp)->out_of_order;
  reading->n_tcp_gap_bytes = ust_tcp_reassembly_get_stats (reader.tcp)->gap_bytes;
  write_notes (&reader);

  g_hash_table_unref (reader.rtp);
  ust_tcp_reassembly_free (reader.tcp);
  ust_ip_reassembly_free (reader.fragments);
}

static void
reading_init (UstCaptureReading *reading)
{
  memset (reading, 0, sizeof *reading);
  reading->messages = g_array_new (FALSE, FALSE, sizeof (UstCapturedMessage));
  reading->arena = g_byte_array_new ();
  reading->rtp_streams = g_ptr_array_new_with_free_func ((GDestroyNotify) ust_rtp_stream_free);
  reading->notes = g_ptr_array_new_with_free_func (g_free);
}

/* libpcap takes file names and writes its errors in UTF-8 once told
 * (1.10; on Windows it would use the ANSI code page otherwise). */
static void
init_pcap (void)
{
  static gsize done;

  if (g_once_init_enter (&done))
    {
#ifdef PCAP_CHAR_ENC_UTF_8
      char errbuf[PCAP_ERRBUF_SIZE];

      pcap_init (PCAP_CHAR_ENC_UTF_8, errbuf);
#endif
      g_once_init_leave (&done, 1);
    }
}

static void
set_open_error (GError     **error,
                const char  *name,
                const char  *why)
{
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
               _("Cannot read %s as a capture: %s. Ústredňa reads pcap and pcapng files, as "
                 "Wireshark, tshark, dumpcap and tcpdump save them."), name, why);
}

/* Reads @path. FALSE only when it is no capture at all (or cannot be
 * opened); a damaged one gives what it has, with a note. */
gboolean
ust_capture_read_file (const char         *path,
                       UstCaptureReading  *reading,
                       GError            **error)
{
  char errbuf[PCAP_ERRBUF_SIZE] = "";
  g_autofree char *display = NULL;
  pcap_t *pcap;

  g_return_val_if_fail (path != NULL && reading != NULL, FALSE);

  init_pcap ();
  reading_init (reading);
  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    {
      display = g_filename_display_name (path);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _("There is no file %s."), display);
      return FALSE;
    }
  pcap = pcap_open_offline_with_tstamp_precision (path, PCAP_TSTAMP_PRECISION_MICRO, errbuf);
  if (pcap == NULL)
    {
      display = g_filename_display_name (path);
      set_open_error (error, display, errbuf);
      return FALSE;
    }
  read_packets (reading, pcap);
  pcap_close (pcap);
  return TRUE;
}

/* The same for a capture in memory (the fuzzer's input). */
gboolean
ust_capture_read_memory (const guint8       *data,
                         gsize               len,
                         UstCaptureReading  *reading,
                         GError            **error)
{
  char errbuf[PCAP_ERRBUF_SIZE] = "";
  pcap_t *pcap;
  FILE *file;

  g_return_val_if_fail (data != NULL || len == 0, FALSE);
  g_return_val_if_fail (reading != NULL, FALSE);

  init_pcap ();
  reading_init (reading);
#ifdef G_OS_UNIX
  file = len > 0 ? fmemopen ((void *) data, len, "rb") : NULL;
#else
  file = NULL;   /* Windows has no fmemopen: the fuzzer runs on Linux */
#endif
  if (file == NULL)
    {
      set_open_error (error, "memory", len == 0 ? "empty" : g_strerror (errno));
      return FALSE;
    }
  pcap = pcap_fopen_offline_with_tstamp_precision (file, PCAP_TSTAMP_PRECISION_MICRO, errbuf);
  if (pcap == NULL)
    {
      fclose (file);
      set_open_error (error, "memory", errbuf);
      return FALSE;
    }
  read_packets (reading, pcap);
  pcap_close (pcap);   /* closes the file too */
  return TRUE;
}

void
ust_capture_reading_clear (UstCaptureReading *reading)
{
  g_clear_pointer (&reading->messages, g_array_unref);
  g_clear_pointer (&reading->arena, g_byte_array_unref);
  g_clear_pointer (&reading->rtp_streams, g_ptr_array_unref);
  g_clear_pointer (&reading->notes, g_ptr_array_unref);
  g_clear_pointer (&reading->link_type, g_free);
}
