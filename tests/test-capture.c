/* SPDX-License-Identifier: GPL-3.0-or-later */

/* Reading captures: pcap files written here with libpcap in every link type
 * a student's capture has, pcapng files written block by block, IP
 * fragments in any order, TCP streams with retransmitted, early and missing
 * segments, files cut short, and RTP statistics. Each checks what a person
 * would: the SIP messages come out whole, byte for byte, with their
 * addresses and times, and what could not be read is said in a note. */

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>
#include <pcap/pcap.h>

#include "ust-capture.h"
#include "ust-capture-sniff.h"
#include "ust-ip-reassembly.h"
#include "ust-rtp-stream.h"
#include "ust-sip.h"
#include "ust-tcp-reassembly.h"

#define T0 ((gint64) 1700000000 * G_USEC_PER_SEC + 250000)

/* A body ends with a line ending, as SDP does (RFC 4566 §5). */
static char *
sip_message (const char *method,
             guint       body_len)
{
  g_autofree char *fill = g_strnfill (body_len >= 2 ? body_len - 2 : body_len, 'a');
  g_autofree char *body = g_strconcat (fill, body_len >= 2 ? "\r\n" : "", NULL);

  return g_strdup_printf ("%s sip:bob@10.0.0.1 SIP/2.0\r\n"
                          "Via: SIP/2.0/UDP 10.0.0.5:5062;branch=z9hG4bK-%s\r\n"
                          "From: <sip:alice@10.0.0.1>;tag=a\r\n"
                          "To: <sip:bob@10.0.0.1>\r\n"
                          "Call-ID: call-%s\r\n"
                          "CSeq: 1 %s\r\n"
                          "Content-Length: %u\r\n\r\n%s",
                          method, method, method, method, body_len, body);
}

/* Packets, as the link layer carries them --------------------------------------------- */

static void
put16 (GByteArray *out,
       guint16     v)
{
  guint8 b[2] = { v >> 8, v & 0xff };

  g_byte_array_append (out, b, 2);
}

static void
put32 (GByteArray *out,
       guint32     v)
{
  put16 (out, v >> 16);
  put16 (out, v & 0xffff);
}

/* An IPv4 header (checksum left 0: nobody checks it here). */
static void
ipv4_header (GByteArray *out,
             guint8      protocol,
             guint       payload,
             guint16     id,
             guint16     fragment)
{
  guint8 h[20] = { 0x45, 0 };

  h[2] = (20 + payload) >> 8;
  h[3] = (20 + payload) & 0xff;
  h[4] = id >> 8;
  h[5] = id & 0xff;
  h[6] = fragment >> 8;
  h[7] = fragment & 0xff;
  h[8] = 64;
  h[9] = protocol;
  memcpy (h + 12, (guint8[]) { 10, 0, 0, 5 }, 4);
  memcpy (h + 16, (guint8[]) { 10, 0, 0, 1 }, 4);
  g_byte_array_append (out, h, sizeof h);
}

static void
ipv6_header (GByteArray *out,
             guint8      next,
             guint       payload)
{
  guint8 h[40] = { 0x60, 0 };

  h[4] = payload >> 8;
  h[5] = payload & 0xff;
  h[6] = next;
  h[7] = 64;
  h[8] = 0xfd;
  h[23] = 5;
  h[24] = 0xfd;
  h[39] = 1;
  g_byte_array_append (out, h, sizeof h);
}

static void
udp_header (GByteArray *out,
            guint       payload)
{
  put16 (out, 5062);
  put16 (out, 5060);
  put16 (out, 8 + payload);
  put16 (out, 0);
}

/* An IP packet with a UDP datagram carrying @text. */
static GByteArray *
udp_packet (gboolean    ipv6,
            const char *text)
{
  GByteArray *out = g_byte_array_new ();
  guint len = (guint) strlen (text);

  if (ipv6)
    ipv6_header (out, 17, 8 + len);
  else
    ipv4_header (out, 17, 8 + len, 1, 0);
  udp_header (out, len);
  g_byte_array_append (out, (const guint8 *) text, len);
  return out;
}

/* @ip framed for @linktype. */
static GByteArray *
frame (int         linktype,
       GByteArray *ip,
       gboolean    ipv6)
{
  GByteArray *out = g_byte_array_new ();
  guint16 ethertype = ipv6 ? 0x86dd : 0x0800;

  switch (linktype)
    {
    case DLT_EN10MB:
      {
        guint8 macs[12] = { 0 };

        g_byte_array_append (out, macs, sizeof macs);
        put16 (out, 0x8100);      /* an 802.1Q tag, VLAN 7 */
        put16 (out, 7);
        put16 (out, ethertype);
        break;
      }
    case DLT_LINUX_SLL:
      {
        guint8 head[14] = { 0, 4, 0, 1, 0, 6 };

        g_byte_array_append (out, head, sizeof head);
        put16 (out, ethertype);
        break;
      }
    case DLT_LINUX_SLL2:
      {
        guint8 rest[18] = { 0 };

        put16 (out, ethertype);
        g_byte_array_append (out, rest, sizeof rest);
        break;
      }
    case DLT_NULL:
      {
        guint32 family = ipv6 ? 30 : 2;   /* the capturing host's byte order */

        g_byte_array_append (out, (const guint8 *) &family, 4);
        break;
      }
    case DLT_LOOP:
      put32 (out, ipv6 ? 24 : 2);
      break;
    default:
      break;
    }
  g_byte_array_append (out, ip->data, ip->len);
  /* Ethernet pads short frames; the IP length says where the packet ends. */
  if (linktype == DLT_EN10MB)
    g_byte_array_append (out, (const guint8 *) "\0\0\0\0", 4);
  return out;
}

/* A pcap file written by libpcap. */
typedef struct {
  pcap_t        *pcap;
  pcap_dumper_t *dumper;
  char          *path;
} Writer;

static void
writer_open (Writer *writer,
             int     linktype)
{
  GError *error = NULL;
  int fd = g_file_open_tmp ("ust-capture-XXXXXX.pcap", &writer->path, &error);

  g_assert_no_error (error);
  close (fd);
  writer->pcap = pcap_open_dead (linktype, 262144);
  writer->dumper = pcap_dump_open (writer->pcap, writer->path);
  g_assert_nonnull (writer->dumper);
}

static void
writer_add (Writer       *writer,
            gint64        time,
            const guint8 *data,
            guint         len)
{
  struct pcap_pkthdr header = { 0 };

  header.ts.tv_sec = time / G_USEC_PER_SEC;
  header.ts.tv_usec = time % G_USEC_PER_SEC;
  header.caplen = header.len = len;
  pcap_dump ((u_char *) writer->dumper, &header, data);
}

static char *
writer_close (Writer *writer)
{
  pcap_dump_close (writer->dumper);
  pcap_close (writer->pcap);
  return writer->path;
}

static UstCapture *
open_capture (const char *path)
{
  GError *error = NULL;
  UstCapture *capture = ust_capture_open (path, &error);

  g_assert_no_error (error);
  g_assert_nonnull (capture);
  return capture;
}

static void
assert_entry (UstTraceEntry *entry,
              const char    *text,
              gint64         time,
              const char    *source)
{
  gsize len;
  const char *data = ust_trace_entry_get_data (entry, &len);
  g_autofree char *from = ust_trace_address_to_string (ust_trace_entry_get_source (entry));

  g_assert_cmpmem (data, len, text, strlen (text));
  g_assert_cmpint (ust_trace_entry_get_time (entry), ==, time);
  g_assert_cmpstr (from, ==, source);
}

/* Every link type, IPv4 and IPv6 ---------------------------------------------------------- */

static void
test_link_types (void)
{
  static const int linktypes[] = {
    DLT_EN10MB, DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_RAW, DLT_NULL, DLT_LOOP,
  };
  g_autofree char *invite = sip_message ("INVITE", 0);
  g_autofree char *options = sip_message ("OPTIONS", 17);

  for (guint i = 0; i < G_N_ELEMENTS (linktypes); i++)
    {
      g_autoptr(GByteArray) ip4 = udp_packet (FALSE, invite);
      g_autoptr(GByteArray) ip6 = udp_packet (TRUE, options);
      g_autoptr(GByteArray) f4 = frame (linktypes[i], ip4, FALSE);
      g_autoptr(GByteArray) f6 = frame (linktypes[i], ip6, TRUE);
      g_autoptr(UstCapture) capture = NULL;
      g_autofree char *path = NULL;
      GPtrArray *entries;
      Writer writer;

      g_test_message ("link type %d", linktypes[i]);
      writer_open (&writer, linktypes[i]);
      writer_add (&writer, T0, f4->data, f4->len);
      writer_add (&writer, T0 + 1500, f6->data, f6->len);
      path = writer_close (&writer);

      capture = open_capture (path);
      entries = ust_capture_get_entries (capture);
      g_assert_cmpuint (entries->len, ==, 2);
      assert_entry (g_ptr_array_index (entries, 0), invite, T0, "10.0.0.5:5062");
      assert_entry (g_ptr_array_index (entries, 1), options, T0 + 1500, "[fd00::5]:5062");
      g_assert_cmpuint (ust_capture_get_notes (capture)->len, ==, 0);
      g_assert_false (ust_capture_is_damaged (capture));
      g_unlink (path);
    }
}

/* pcapng, block by block (the pcapng draft, §4): the format Wireshark saves by default. */
static void
pcapng_block (GByteArray   *out,
              guint32       type,
              const guint8 *body,
              guint         len)
{
  guint padded = (len + 3) & ~3u;
  guint32 total = 12 + padded;
  guint8 zeros[4] = { 0 };

  g_byte_array_append (out, (const guint8 *) &type, 4);
  g_byte_array_append (out, (const guint8 *) &total, 4);
  g_byte_array_append (out, body, len);
  g_byte_array_append (out, zeros, padded - len);
  g_byte_array_append (out, (const guint8 *) &total, 4);
}

static void
pcapng_interface (GByteArray *out,
                  guint16     linktype)
{
  guint8 body[8] = { 0 };
  guint32 snaplen = 262144;

  memcpy (body, &linktype, 2);
  memcpy (body + 4, &snaplen, 4);
  pcapng_block (out, 1, body, sizeof body);
}

static void
pcapng_packet (GByteArray *out,
               guint32     interface,
               gint64      time,
               GByteArray *data)
{
  g_autoptr(GByteArray) body = g_byte_array_new ();
  guint32 fields[5] = { interface, (guint32) ((guint64) time >> 32), (guint32) time, data->len,
                        data->len };

  g_byte_array_append (body, (const guint8 *) fields, sizeof fields);
  g_byte_array_append (body, data->data, data->len);
  pcapng_block (out, 6, body->data, body->len);
}

static GByteArray *
pcapng_start (void)
{
  GByteArray *out = g_byte_array_new ();
  guint8 shb[16];
  guint32 magic = 0x1A2B3C4D;
  guint16 version[2] = { 1, 0 };
  gint64 section = -1;

  memcpy (shb, &magic, 4);
  memcpy (shb + 4, version, 4);
  memcpy (shb + 8, &section, 8);
  pcapng_block (out, 0x0A0D0D0A, shb, sizeof shb);
  return out;
}

static char *
save_bytes (GByteArray *bytes,
            const char *template)
{
  GError *error = NULL;
  char *path = NULL;
  int fd = g_file_open_tmp (template, &path, &error);

  g_assert_no_error (error);
  close (fd);
  g_file_set_contents (path, (const char *) bytes->data, bytes->len, &error);
  g_assert_no_error (error);
  return path;
}

static void
test_pcapng (void)
{
  g_autofree char *invite = sip_message ("INVITE", 3);
  g_autoptr(GByteArray) ip = udp_packet (FALSE, invite);
  g_autoptr(GByteArray) ethernet = frame (DLT_EN10MB, ip, FALSE);
  g_autoptr(GByteArray) file = pcapng_start ();
  g_autoptr(UstCapture) capture = NULL;
  g_autofree char *path = NULL;

  pcapng_interface (file, DLT_EN10MB);
  pcapng_packet (file, 0, T0, ethernet);
  pcapng_packet (file, 0, T0 + 7, ethernet);
  path = save_bytes (file, "ust-capture-XXXXXX.pcapng");

  capture = open_capture (path);
  g_assert_cmpuint (ust_capture_get_entries (capture)->len, ==, 2);
  assert_entry (g_ptr_array_index (ust_capture_get_entries (capture), 1), invite, T0 + 7,
                "10.0.0.5:5062");
  g_unlink (path);
}

/* libpcap refuses a pcapng whose interfaces differ in link type (dumpcap -i
 * lo -i any): what came before is read, and a note says why the rest is not. */
static void
test_pcapng_mixed_links (void)
{
  g_autofree char *invite = sip_message ("INVITE", 0);
  g_autoptr(GByteArray) ip = udp_packet (FALSE, invite);
  g_autoptr(GByteArray) ethernet = frame (DLT_EN10MB, ip, FALSE);
  g_autoptr(GByteArray) cooked = frame (DLT_LINUX_SLL, ip, FALSE);
  g_autoptr(GByteArray) file = pcapng_start ();
  g_autoptr(UstCapture) capture = NULL;
  g_autofree char *path = NULL;

  pcapng_interface (file, DLT_EN10MB);
  pcapng_packet (file, 0, T0, ethernet);
  pcapng_interface (file, DLT_LINUX_SLL);
  pcapng_packet (file, 1, T0 + 1, cooked);
  path = save_bytes (file, "ust-capture-XXXXXX.pcapng");

  capture = open_capture (path);
  g_assert_cmpuint (ust_capture_get_entries (capture)->len, ==, 1);
  g_assert_true (ust_capture_is_damaged (capture));
  g_assert_cmpuint (ust_capture_get_notes (capture)->len, ==, 1);
  g_unlink (path);
}

/* A file cut in the middle of a packet (tcpdump killed) opens up to the cut. */
static void
test_truncated (void)
{
  g_autofree char *invite = sip_message ("INVITE", 0);
  g_autoptr(GByteArray) ip = udp_packet (FALSE, invite);
  g_autoptr(UstCapture) capture = NULL;
  g_autofree char *path = NULL;
  g_autofree char *contents = NULL;
  gsize len;
  Writer writer;

  writer_open (&writer, DLT_RAW);
  for (guint i = 0; i < 3; i++)
    writer_add (&writer, T0 + i, ip->data, ip->len);
  path = writer_close (&writer);
  g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
  g_assert_true (g_file_set_contents (path, contents, (gssize) (len - 30), NULL));

  capture = open_capture (path);
  g_assert_cmpuint (ust_capture_get_entries (capture)->len, ==, 2);
  g_assert_true (ust_capture_is_damaged (capture));
  g_assert_cmpuint (ust_capture_get_notes (capture)->len, ==, 1);
  g_assert_nonnull (strstr (g_ptr_array_index (ust_capture_get_notes (capture), 0), " 2 "));
  g_unlink (path);
}

static void
test_not_a_capture (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(UstCapture) capture = NULL;
  g_autofree char *path = NULL;
  int fd = g_file_open_tmp ("ust-capture-XXXXXX.txt", &path, NULL);

  close (fd);
  g_file_set_contents (path, "INVITE sip:bob SIP/2.0\r\n\r\n", -1, NULL);
  capture = ust_capture_open (path, &error);
  g_assert_null (capture);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_assert_nonnull (strstr (error->message, "pcapng"));
  g_unlink (path);

  g_clear_error (&error);
  capture = ust_capture_open ("/nonexistent/capture.pcap", &error);
  g_assert_null (capture);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
}

/* Fragments ---------------------------------------------------------------------------- */

/* The IPv4 fragments of a UDP datagram carrying @text, @size bytes of
 * payload each (a multiple of 8), as a sender with that MTU cuts it. */
static GPtrArray *
ipv4_fragments (const char *text,
                guint       size,
                guint16     id)
{
  g_autoptr(GByteArray) datagram = g_byte_array_new ();
  GPtrArray *fragments = g_ptr_array_new_with_free_func ((GDestroyNotify) g_byte_array_unref);
  guint len = (guint) strlen (text);

  udp_header (datagram, len);
  g_byte_array_append (datagram, (const guint8 *) text, len);
  for (guint offset = 0; offset < datagram->len; offset += size)
    {
      GByteArray *fragment = g_byte_array_new ();
      guint n = MIN (size, datagram->len - offset);
      gboolean more = offset + n < datagram->len;

      ipv4_header (fragment, 17, n, id, (guint16) ((more ? 0x2000 : 0) | offset / 8));
      g_byte_array_append (fragment, datagram->data + offset, n);
      g_ptr_array_add (fragments, fragment);
    }
  return fragments;
}

static void
test_ipv4_fragments (void)
{
  g_autofree char *invite = sip_message ("INVITE", 2900);
  g_autofree char *lost = sip_message ("OPTIONS", 2000);
  g_autoptr(GPtrArray) pieces = ipv4_fragments (invite, 1480, 77);
  g_autoptr(GPtrArray) incomplete = ipv4_fragments (lost, 1480, 78);
  g_autoptr(UstCapture) capture = NULL;
  g_autofree char *path = NULL;
  Writer writer;

  g_assert_cmpuint (pieces->len, ==, 3);
  writer_open (&writer, DLT_RAW);
  /* Last first, the middle one twice, and a set that never completes. */
  writer_add (&writer, T0, ((GByteArray *) pieces->pdata[2])->data,
              ((GByteArray *) pieces->pdata[2])->len);
  writer_add (&writer, T0 + 1, ((GByteArray *) incomplete->pdata[0])->data,
              ((GByteArray *) incomplete->pdata[0])->len);
  for (guint i = 0; i < 2; i++)
    writer_add (&writer, T0 + 2 + i, ((GByteArray *) pieces->pdata[1])->data,
                ((GByteArray *) pieces->pdata[1])->len);
  writer_add (&writer, T0 + 9, ((GByteArray *) pieces->pdata[0])->data,
              ((GByteArray *) pieces->pdata[0])->len);
  path = writer_close (&writer);

  capture = open_capture (path);
  g_assert_cmpuint (ust_capture_get_entries (capture)->len, ==, 1);
  assert_entry (g_ptr_array_index (ust_capture_get_entries (capture), 0), invite, T0 + 9,
                "10.0.0.5:5062");
  g_assert_cmpuint (ust_capture_get_n_fragmented (capture), ==, 1);
  /* The OPTIONS lost its second fragment: said, not shown. */
  g_assert_cmpuint (ust_capture_get_notes (capture)->len, ==, 1);
  g_unlink (path);
}

static void
test_ipv6_fragments (void)
{
  g_autofree char *invite = sip_message ("INVITE", 2500);
  g_autoptr(GByteArray) datagram = g_byte_array_new ();
  g_autoptr(UstCapture) capture = NULL;
  g_autofree char *path = NULL;
  guint len = (guint) strlen (invite);
  Writer writer;

  udp_header (datagram, len);
  g_byte_array_append (datagram, (const guint8 *) invite, len);
  writer_open (&writer, DLT_RAW);
  /* RFC 8200 §4.5: a Fragment header (next header 44) in each piece. */
  for (guint pass = 0; pass < 2; pass++)
    for (guint offset = 0; offset < datagram->len; offset += 1448)
      {
        g_autoptr(GByteArray) packet = g_byte_array_new ();
        guint n = MIN (1448, datagram->len - offset);
        gboolean more = offset + n < datagram->len;

        if ((offset == 0) != (pass == 1))
          continue;   /* the first piece last */
        ipv6_header (packet, 44, 8 + n);
        g_byte_array_append (packet, (guint8[]) { 17, 0 }, 2);
        put16 (packet, (guint16) (offset | (more ? 1 : 0)));
        put32 (packet, 0xdeadbeef);
        g_byte_array_append (packet, datagram->data + offset, n);
        writer_add (&writer, T0 + offset, packet->data, packet->len);
      }
  path = writer_close (&writer);

  capture = open_capture (path);
  g_assert_cmpuint (ust_capture_get_entries (capture)->len, ==, 1);
  assert_entry (g_ptr_array_index (ust_capture_get_entries (capture), 0), invite, T0,
                "[fd00::5]:5062");
  g_unlink (path);
}

/* Overlapping pieces that disagree spoil the set (RFC 5722). */
static void
test_fragment_overlap (void)
{
  g_autoptr(UstIpReassembly) reassembly = ust_ip_reassembly_new ();
  UstIpFragmentKey key = { 4, 17, 9, { 10, 0, 0, 5 }, { 10, 0, 0, 1 } };
  guint8 a[16], b[16];
  g_autoptr(GBytes) whole = NULL;

  memset (a, 'a', sizeof a);
  memset (b, 'b', sizeof b);
  g_assert_null (ust_ip_reassembly_add (reassembly, &key, T0, 0, TRUE, a, 16));
  g_assert_null (ust_ip_reassembly_add (reassembly, &key, T0, 8, FALSE, b, 16));
  g_assert_cmpuint (ust_ip_reassembly_get_stats (reassembly)->overlapping, ==, 1);
  g_assert_cmpuint (ust_ip_reassembly_pending (reassembly), ==, 0);

  /* The same bytes cut differently are a resend, not a conflict. */
  g_assert_null (ust_ip_reassembly_add (reassembly, &key, T0, 0, TRUE, a, 16));
  whole = ust_ip_reassembly_add (reassembly, &key, T0, 8, FALSE, a, 16);
  g_assert_nonnull (whole);
  g_assert_cmpuint (g_bytes_get_size (whole), ==, 24);

  /* A set older than 30 s is given up. */
  g_assert_null (ust_ip_reassembly_add (reassembly, &key, T0, 0, TRUE, a, 16));
  key.id = 10;
  g_assert_null (ust_ip_reassembly_add (reassembly, &key, T0 + 31 * G_USEC_PER_SEC, 0, TRUE,
                                        a, 16));
  g_assert_cmpuint (ust_ip_reassembly_get_stats (reassembly)->timed_out, ==, 1);
}

/* TCP ----------------------------------------------------------------------------------- */

typedef struct {
  GPtrArray *messages;
  GArray    *times;
} Collected;

static void
collect_cb (const UstTraceAddress *source,
            const UstTraceAddress *destination,
            gint64                 time,
            const char            *data,
            gsize                  len,
            gpointer               user_data)
{
  Collected *collected = user_data;

  g_ptr_array_add (collected->messages, g_strndup (data, len));
  g_array_append_val (collected->times, time);
}

static void
collected_init (Collected *collected)
{
  collected->messages = g_ptr_array_new_with_free_func (g_free);
  collected->times = g_array_new (FALSE, FALSE, sizeof (gint64));
}

static void
collected_clear (Collected *collected)
{
  g_ptr_array_unref (collected->messages);
  g_array_unref (collected->times);
}

static UstTraceAddress
address (guint16 port)
{
  UstTraceAddress a = { 4, UST_PROTOCOL_TCP, port, { 10, 0, 0, port == 5060 ? 1 : 5 } };

  return a;
}

/* Three messages in one stream, cut at @cuts, sent in @order (indices into
 * the segments), with @order's -1 marking a SYN first. */
static void
feed (UstTcpReassembly *tcp,
      const char       *stream,
      const guint      *cuts,
      guint             n_cuts,
      const gint       *order,
      guint             n_order)
{
  UstTraceAddress from = address (40000), to = address (5060);
  guint32 isn = 1000;

  for (guint i = 0; i < n_order; i++)
    {
      guint start, end;

      if (order[i] < 0)
        {
          ust_tcp_reassembly_add (tcp, &from, &to, T0, isn - 1, UST_TCP_FLAG_SYN, NULL, 0);
          continue;
        }
      start = order[i] == 0 ? 0 : cuts[order[i] - 1];
      end = (guint) order[i] < n_cuts ? cuts[order[i]] : (guint) strlen (stream);
      ust_tcp_reassembly_add (tcp, &from, &to, T0 + i, isn + start, 0,
                              (const guint8 *) stream + start, end - start);
    }
}

static void
test_tcp_streams (void)
{
  g_autofree char *a = sip_message ("INVITE", 300);
  g_autofree char *b = sip_message ("OPTIONS", 0);
  g_autofree char *c = sip_message ("BYE", 5);
  g_autofree char *stream = g_strconcat (a, "\r\n\r\n", b, c, NULL);   /* with a ping */
  guint cuts[] = { 100, 400, (guint) strlen (a) + 10, (guint) strlen (a) + 200 };
  /* In order; out of order with a retransmission and a partial overlap. */
  const gint in_order[] = { -1, 0, 1, 2, 3, 4 };
  const gint shuffled[] = { -1, 0, 2, 1, 1, 4, 3, 2 };

  for (guint run = 0; run < 2; run++)
    {
      Collected collected;
      g_autoptr(UstTcpReassembly) tcp = NULL;
      const UstTcpReassemblyStats *stats;

      collected_init (&collected);
      tcp = ust_tcp_reassembly_new (collect_cb, &collected);
      if (run == 0)
        feed (tcp, stream, cuts, G_N_ELEMENTS (cuts), in_order, G_N_ELEMENTS (in_order));
      else
        feed (tcp, stream, cuts, G_N_ELEMENTS (cuts), shuffled, G_N_ELEMENTS (shuffled));
      ust_tcp_reassembly_finish (tcp);
      stats = ust_tcp_reassembly_get_stats (tcp);

      g_assert_cmpuint (collected.messages->len, ==, 3);
      g_assert_cmpstr (g_ptr_array_index (collected.messages, 0), ==, a);
      g_assert_cmpstr (g_ptr_array_index (collected.messages, 1), ==, b);
      g_assert_cmpstr (g_ptr_array_index (collected.messages, 2), ==, c);
      g_assert_cmpuint (stats->gaps, ==, 0);
      if (run == 1)
        {
          g_assert_cmpuint (stats->retransmitted, ==, 2);
          g_assert_cmpuint (stats->out_of_order, >=, 2);
        }
      collected_clear (&collected);
    }
}

/* A segment the capture lost: the message it was in is gone, the next
 * ones are read; a stream followed from its middle starts at a message. */
static void
test_tcp_gap (void)
{
  g_autofree char *a = sip_message ("INVITE", 300);
  g_autofree char *b = sip_message ("OPTIONS", 0);
  g_autofree char *c = sip_message ("BYE", 5);
  g_autofree char *stream = g_strconcat (a, b, c, NULL);
  guint cuts[] = { 100, 200, (guint) strlen (a) + 20 };
  const gint lost_one[] = { -1, 0, 2, 3 };          /* segment 1 never seen */
  const gint from_middle[] = { 1, 2, 3 };           /* no SYN, starts inside a */
  Collected collected;
  g_autoptr(UstTcpReassembly) tcp = NULL;
  g_autoptr(UstTcpReassembly) middle = NULL;

  collected_init (&collected);
  tcp = ust_tcp_reassembly_new (collect_cb, &collected);
  feed (tcp, stream, cuts, G_N_ELEMENTS (cuts), lost_one, G_N_ELEMENTS (lost_one));
  ust_tcp_reassembly_finish (tcp);
  g_assert_cmpuint (collected.messages->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (collected.messages, 0), ==, b);
  g_assert_cmpstr (g_ptr_array_index (collected.messages, 1), ==, c);
  g_assert_cmpuint (ust_tcp_reassembly_get_stats (tcp)->gaps, ==, 1);
  g_assert_cmpuint (ust_tcp_reassembly_get_stats (tcp)->gap_bytes, ==, 100);
  collected_clear (&collected);

  collected_init (&collected);
  middle = ust_tcp_reassembly_new (collect_cb, &collected);
  feed (middle, stream, cuts, G_N_ELEMENTS (cuts), from_middle, G_N_ELEMENTS (from_middle));
  ust_tcp_reassembly_finish (middle);
  g_assert_cmpuint (collected.messages->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (collected.messages, 0), ==, b);
  collected_clear (&collected);
}

/* A header section without Content-Length still comes out of a TCP stream
 * (the check reports it), and the stream goes on. TLS is left alone. */
static void
test_tcp_no_length_and_tls (void)
{
  const char *no_length = "NOTIFY sip:a@10.0.0.5 SIP/2.0\r\nCall-ID: x\r\nCSeq: 1 NOTIFY\r\n\r\n";
  g_autofree char *b = sip_message ("OPTIONS", 0);
  g_autofree char *stream = g_strconcat (no_length, b, NULL);
  UstTraceAddress from = address (40000), to = address (5060);
  const guint8 hello[] = { 22, 3, 1, 0, 200, 1, 0, 0, 196, 3, 3 };
  Collected collected;
  g_autoptr(UstTcpReassembly) tcp = NULL;

  collected_init (&collected);
  tcp = ust_tcp_reassembly_new (collect_cb, &collected);
  ust_tcp_reassembly_add (tcp, &from, &to, T0, 1, 0, (const guint8 *) stream, strlen (stream));
  from.port = 40001;
  ust_tcp_reassembly_add (tcp, &from, &to, T0, 1, 0, hello, sizeof hello);
  ust_tcp_reassembly_finish (tcp);
  g_assert_cmpuint (collected.messages->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (collected.messages, 0), ==, no_length);
  g_assert_cmpstr (g_ptr_array_index (collected.messages, 1), ==, b);
  g_assert_cmpuint (ust_tcp_reassembly_get_stats (tcp)->tls_streams, ==, 1);
  collected_clear (&collected);
}

/* TCP through the whole reader: Ethernet frames of IPv4 segments. */
static void
test_tcp_capture (void)
{
  g_autofree char *a = sip_message ("INVITE", 1600);
  g_autoptr(UstCapture) capture = NULL;
  g_autofree char *path = NULL;
  guint len = (guint) strlen (a);
  Writer writer;

  writer_open (&writer, DLT_EN10MB);
  /* The SYN, then two segments: the second first, and then again. */
  for (guint i = 0; i < 4; i++)
    {
      guint start = i == 0 ? 0 : i == 2 ? 0 : 1000;
      guint n = i == 0 ? 0 : i == 2 ? 1000 : len - 1000;
      g_autoptr(GByteArray) ip = g_byte_array_new ();
      g_autoptr(GByteArray) ethernet = NULL;

      ipv4_header (ip, 6, 20 + n, (guint16) i, 0x4000);
      put16 (ip, 40000);
      put16 (ip, 5060);
      put32 (ip, i == 0 ? 6999 : 7000 + start);
      put32 (ip, 1);
      g_byte_array_append (ip, (guint8[]) { 0x50, i == 0 ? 0x02 : 0x18, 0xff, 0xff, 0, 0, 0, 0 },
                           8);
      g_byte_array_append (ip, (const guint8 *) a + start, n);
      ethernet = frame (DLT_EN10MB, ip, FALSE);
      writer_add (&writer, T0 + i, ethernet->data, ethernet->len);
    }
  path = writer_close (&writer);

  capture = open_capture (path);
  g_assert_cmpuint (ust_capture_get_entries (capture)->len, ==, 1);
  g_assert_cmpuint (ust_capture_get_n_tcp (capture), ==, 1);
  assert_entry (g_ptr_array_index (ust_capture_get_entries (capture), 0), a, T0 + 2,
                "10.0.0.5:40000");
  g_assert_cmpint (ust_trace_entry_get_protocol (g_ptr_array_index (
                     ust_capture_get_entries (capture), 0)), ==, UST_PROTOCOL_TCP);
  g_unlink (path);
}

/* RTP ----------------------------------------------------------------------------------- */

/* RFC 3550 A.3 and A.8: 100 packets of 20 ms with two lost; on time, then
 * each arriving 5 ms late in turn. */
static void
test_rtp_stats (void)
{
  UstTraceAddress from = address (4000), to = address (6000);
  UstRtpStream *stream = ust_rtp_stream_new (&from, &to, 0x1234);
  UstRtpStats stats;
  UstRtpHeader header;
  const guint8 rtp[12] = { 0x80, 0, 0, 7, 0, 0, 0, 160, 0, 0, 0x12, 0x34 };

  g_assert_true (ust_capture_sniff_rtp (rtp, sizeof rtp, &header));
  g_assert_cmpuint (header.seq, ==, 7);
  g_assert_cmpuint (header.ssrc, ==, 0x1234);
  g_assert_false (ust_capture_sniff_rtp ((const guint8 *) "SIP/2.0 200 OK", 14, &header));

  for (guint i = 0; i < 100; i++)
    {
      UstRtpPacket packet = { 0 };

      if (i == 40 || i == 41)
        continue;
      packet.seq = (guint16) (65500 + i);    /* wraps (A.1) */
      packet.timestamp = 160 * i;
      packet.time = T0 + i * 20000 + (i >= 50 && i % 2 ? 5000 : 0);
      ust_rtp_stream_add (stream, &packet);
    }
  ust_rtp_stream_compute (stream, 8000, &stats);
  g_assert_cmpuint (stats.packets, ==, 98);
  g_assert_cmpuint (stats.expected, ==, 100);
  g_assert_cmpint (stats.lost, ==, 2);
  g_assert_cmpfloat_with_epsilon (stats.loss_percent, 2.0, 0.001);
  /* |D| alternates 5 ms: J settles at 5 ms. */
  g_assert_cmpfloat (stats.jitter_ms, >, 4.0);
  g_assert_cmpfloat (stats.jitter_ms, <, 5.1);
  ust_rtp_stream_free (stream);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  ust_sip_init ();

  g_test_add_func ("/ust/capture/link-types", test_link_types);
  g_test_add_func ("/ust/capture/pcapng", test_pcapng);
  g_test_add_func ("/ust/capture/pcapng-mixed-links", test_pcapng_mixed_links);
  g_test_add_func ("/ust/capture/truncated", test_truncated);
  g_test_add_func ("/ust/capture/not-a-capture", test_not_a_capture);
  g_test_add_func ("/ust/capture/ipv4-fragments", test_ipv4_fragments);
  g_test_add_func ("/ust/capture/ipv6-fragments", test_ipv6_fragments);
  g_test_add_func ("/ust/capture/fragment-overlap", test_fragment_overlap);
  g_test_add_func ("/ust/capture/tcp-streams", test_tcp_streams);
  g_test_add_func ("/ust/capture/tcp-gap", test_tcp_gap);
  g_test_add_func ("/ust/capture/tcp-no-length-and-tls", test_tcp_no_length_and_tls);
  g_test_add_func ("/ust/capture/tcp-capture", test_tcp_capture);
  g_test_add_func ("/ust/capture/rtp-stats", test_rtp_stats);
  return g_test_run ();
}
