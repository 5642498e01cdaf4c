/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Reading a capture file with libpcap (pcap and pcapng alike): the link
 * layer (Ethernet with VLAN tags, Linux cooked v1 and v2, raw IP, BSD
 * loopback), IPv4 and IPv6 with their fragments put back together, UDP,
 * and TCP streams reassembled. What comes out is every SIP message with its
 * time and both addresses, every RTP packet sorted into streams, and notes
 * on what could not be read.
 *
 * Nothing here knows which address is the proxy: ust-capture.c decides
 * that and makes the trace entries. A damaged or truncated file is read up
 * to the damage, with a note; only a file that is no capture at all is an
 * error. */

#include <gio/gio.h>

#include "ust-rtp-stream.h"
#include "ust-trace.h"

G_BEGIN_DECLS

typedef struct {
  gint64          time;          /* µs since 1970 */
  UstTraceAddress source;
  UstTraceAddress destination;
  gsize           offset;        /* into the reading's arena */
  gsize           len;
} UstCapturedMessage;

typedef struct {
  GArray     *messages;          /* UstCapturedMessage, in the file's order (a TCP message
                                  * where its last segment is), as Wireshark lists them */
  GByteArray *arena;             /* the messages' bytes */
  GPtrArray  *rtp_streams;       /* UstRtpStream* */
  GPtrArray  *notes;             /* char*, translated sentences */
  char       *link_type;         /* libpcap's description of the link type */
  guint64     n_packets;
  guint64     n_fragments;       /* datagrams made whole from fragments */
  guint64     n_tcp_messages;
  guint64     n_tcp_retransmitted;   /* segments whose bytes had all come before */
  guint64     n_tcp_out_of_order;    /* segments that came before an earlier one */
  guint64     n_tcp_gap_bytes;       /* stream bytes the capture does not have */
  gboolean    damaged;           /* the file ended badly or could not be read to its end */
} UstCaptureReading;

gboolean ust_capture_read_file     (const char         *path,
                                    UstCaptureReading  *reading,
                                    GError            **error);
gboolean ust_capture_read_memory   (const guint8       *data,
                                    gsize               len,
                                    UstCaptureReading  *reading,
                                    GError            **error);
void     ust_capture_reading_clear (UstCaptureReading  *reading);

G_END_DECLS
