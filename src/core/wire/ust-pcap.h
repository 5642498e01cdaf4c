/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Trace entries as a classic pcap file (not pcapng) that Wireshark and
 * tshark open: LINKTYPE_RAW, so each record is an IPv4 or IPv6 header and a
 * UDP header made up from the entry's addresses, then the datagram as it was
 * on the wire. Both checksums are computed, so Wireshark shows no warnings.
 *
 * Two ways to write one: all at once from a list of entries (the window's
 * "Save capture"), or as it happens with UstPcapWriter (ustredna-server
 * --pcap), whose own thread writes entries it receives through a queue and
 * flushes whenever the queue runs dry: after SIGKILL the file holds every
 * datagram up to the last flush. Captures are read with libpcap, by
 * src/core/capture/ (ust-capture.h). */

#include <gio/gio.h>

#include "ust-trace.h"

G_BEGIN_DECLS

#define UST_PCAP_LINKTYPE_RAW 101

/* Entries waiting for the writer thread beyond this are dropped, and
 * counted: a stuck disk must not eat the exchange's memory. */
#define UST_PCAP_WRITER_QUEUE_MAX 100000

gboolean   ust_pcap_write_entries (const char             *path,
                                   GPtrArray              *entries,
                                   GError                **error);

#define UST_TYPE_PCAP_WRITER (ust_pcap_writer_get_type ())
G_DECLARE_FINAL_TYPE (UstPcapWriter, ust_pcap_writer, UST, PCAP_WRITER, GObject)

UstPcapWriter *ust_pcap_writer_new             (const char     *path,
                                                GError        **error);
void           ust_pcap_writer_add             (UstPcapWriter  *self,
                                                UstTraceEntry  *entry);
void           ust_pcap_writer_attach          (UstPcapWriter  *self,
                                                UstTrace       *trace);
gboolean       ust_pcap_writer_close           (UstPcapWriter  *self,
                                                GError        **error);
guint64        ust_pcap_writer_get_n_written   (UstPcapWriter  *self);
guint64        ust_pcap_writer_get_n_dropped   (UstPcapWriter  *self);
const char    *ust_pcap_writer_get_path        (UstPcapWriter  *self);

G_END_DECLS
