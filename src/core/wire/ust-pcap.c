/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ust-pcap"

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "ust-pcap.h"

/* The classic format (https://www.tcpdump.org/manpages/pcap-savefile.5.html):
 * a 24-byte file header, then per packet a 16-byte record header and the
 * packet. Written little-endian with microsecond timestamps; readers tell the
 * byte order from the magic number. */
#define PCAP_MAGIC_US        0xa1b2c3d4u
#define PCAP_FILE_HEADER     24
#define PCAP_RECORD_HEADER   16
#define PCAP_SNAPLEN         262144
#define IPV4_HEADER          20
#define IPV6_HEADER          40
#define UDP_HEADER           8
#define TCP_HEADER           20
#define IP_PROTO_UDP         17
#define IP_PROTO_TCP         6
#define PACKET_HEAD_MAX      (PCAP_RECORD_HEADER + IPV6_HEADER + TCP_HEADER)

#define WRITER_FLUSH_EVERY   1024   /* packets, while the queue never runs dry */
#define WRITER_GATHER_US     20000  /* how long a batch may gather after a wake-up */
#define WRITER_BUFFER        (256 * 1024)

static inline void
put_le16 (guint8  *p,
          guint16  v)
{
  p[0] = v & 0xff;
  p[1] = v >> 8;
}

static inline void
put_le32 (guint8  *p,
          guint32  v)
{
  put_le16 (p, v & 0xffff);
  put_le16 (p + 2, v >> 16);
}

static inline void
put_be16 (guint8  *p,
          guint16  v)
{
  p[0] = v >> 8;
  p[1] = v & 0xff;
}

static inline void
put_be32 (guint8  *p,
          guint32  v)
{
  put_be16 (p, v >> 16);
  put_be16 (p + 2, v & 0xffff);
}

/* RFC 1071: the ones' complement sum of 16-bit big-endian words. Adding
 * 32-bit words instead gives the same sum once folded (2¹⁶ ≡ 1 modulo
 * 0xffff, §2(B)) in half the steps. Each piece must start at an even offset
 * of the checksummed data, and only the last may have an odd length. */
static guint64
checksum_add (guint64       sum,
              const guint8 *data,
              gsize         len)
{
  gsize i;

  for (i = 0; i + 3 < len; i += 4)
    {
      guint32 word;

      memcpy (&word, data + i, 4);
      sum += GUINT32_FROM_BE (word);
    }
  if (i + 1 < len)
    {
      sum += (guint32) (data[i] << 8 | data[i + 1]);
      i += 2;
    }
  if (i < len)
    sum += (guint32) data[i] << 8;
  return sum;
}

static guint16
checksum_fold (guint64 sum)
{
  while (sum >> 16)
    sum = (sum & 0xffff) + (sum >> 16);
  return (guint16) ~sum;
}

static void
to_ipv6 (const UstTraceAddress *address,
         guint8                *out)
{
  memset (out, 0, 16);
  if (address->family == 6)
    memcpy (out, address->bytes, 16);
  else if (address->family == 4)
    {
      /* An IPv4-mapped address (RFC 4291 §2.5.5.2): only when the other end
       * is IPv6, which one socket cannot really see. */
      out[10] = out[11] = 0xff;
      memcpy (out + 12, address->bytes, 4);
    }
}

/* TCP and TLS messages go into the capture as TCP segments, so Wireshark
 * follows the stream and dissects SIP over TCP as it came (TLS as the
 * exchange read it, decrypted). Each direction of each connection numbers
 * its bytes; the segments carry the numbers a real stream would have had
 * since the capture began. */
typedef struct {
  GHashTable *next;   /* "src|dst" (the two trace addresses) -> guint32 next sequence number */
} Streams;

static void
streams_init (Streams *streams)
{
  streams->next = g_hash_table_new_full (g_bytes_hash, g_bytes_equal,
                                         (GDestroyNotify) g_bytes_unref, NULL);
}

static void
streams_clear (Streams *streams)
{
  g_clear_pointer (&streams->next, g_hash_table_unref);
}

static GBytes *
flow_key (const UstTraceAddress *src,
          const UstTraceAddress *dst)
{
  guint8 key[2 * (1 + 2 + 16)];

  key[0] = src->family;
  memcpy (key + 1, &src->port, 2);
  memcpy (key + 3, src->bytes, 16);
  key[19] = dst->family;
  memcpy (key + 20, &dst->port, 2);
  memcpy (key + 22, dst->bytes, 16);
  return g_bytes_new (key, sizeof key);
}

/* The sequence number of this segment in its direction, and the one the
 * other direction expects next (our acknowledgement); moves @len on. */
static void
streams_advance (Streams               *streams,
                 const UstTraceAddress *src,
                 const UstTraceAddress *dst,
                 gsize                  len,
                 guint32               *seq,
                 guint32               *ack)
{
  GBytes *forward = flow_key (src, dst);
  g_autoptr(GBytes) backward = flow_key (dst, src);
  gpointer value;

  /* Both directions start at 1: a stream seen from its middle. */
  *seq = g_hash_table_lookup_extended (streams->next, forward, NULL, &value)
           ? GPOINTER_TO_UINT (value) : 1;
  *ack = g_hash_table_lookup_extended (streams->next, backward, NULL, &value)
           ? GPOINTER_TO_UINT (value) : 1;
  g_hash_table_replace (streams->next, forward, GUINT_TO_POINTER (*seq + (guint32) len));
}

/* The record header, the IP header and the UDP (or TCP) header of one
 * entry, in @head; returns their length and the payload length in
 * @payload_len (cut to what an IP packet can hold). */
static gsize
packet_head (const UstTraceEntry *entry,
             Streams             *streams,
             guint8              *head,
             gsize               *payload_len)
{
  const UstTraceAddress *src = ust_trace_entry_get_source (entry);
  const UstTraceAddress *dst = ust_trace_entry_get_destination (entry);
  gboolean ipv6 = src->family == 6 || dst->family == 6;
  gsize ip_len = ipv6 ? IPV6_HEADER : IPV4_HEADER;
  gsize len;
  const char *data = ust_trace_entry_get_data (entry, &len);
  gint64 time = MAX (ust_trace_entry_get_time (entry), 0);
  guint8 *ip = head + PCAP_RECORD_HEADER;
  guint8 *udp = ip + ip_len;
  guint64 sum = 0;
  guint16 udp_check;
  gboolean tcp = ust_protocol_is_stream (ust_trace_entry_get_protocol (entry));
  gsize l4_len = tcp ? TCP_HEADER : UDP_HEADER;
  guint8 proto = tcp ? IP_PROTO_TCP : IP_PROTO_UDP;
  gsize checksum_at = tcp ? 16 : 6;

  len = MIN (len, (gsize) G_MAXUINT16 - l4_len - (ipv6 ? 0 : IPV4_HEADER));
  *payload_len = len;

  put_le32 (head, (guint32) (time / G_USEC_PER_SEC));
  put_le32 (head + 4, (guint32) (time % G_USEC_PER_SEC));
  put_le32 (head + 8, (guint32) (ip_len + l4_len + len));
  put_le32 (head + 12, (guint32) (ip_len + l4_len + len));

  put_be16 (udp, src->port);
  put_be16 (udp + 2, dst->port);
  if (tcp)
    {
      guint32 seq, ack;

      /* RFC 9293 §3.1: a 20-byte header, ACK and PSH set, a full window. */
      streams_advance (streams, src, dst, len, &seq, &ack);
      put_be32 (udp + 4, seq);
      put_be32 (udp + 8, ack);
      udp[12] = (TCP_HEADER / 4) << 4;
      udp[13] = 0x18;
      put_be16 (udp + 14, 65535);
      put_be16 (udp + 16, 0);
      put_be16 (udp + 18, 0);
    }
  else
    {
      /* RFC 768: ports, length, and a checksum over a pseudo-header. */
      put_be16 (udp + 4, (guint16) (UDP_HEADER + len));
      put_be16 (udp + 6, 0);
    }

  if (ipv6)
    {
      guint8 pseudo[40] = { 0 };

      /* RFC 8200 §3: version 6, no traffic class or flow label. */
      put_be32 (ip, 6u << 28);
      put_be16 (ip + 4, (guint16) (l4_len + len));
      ip[6] = proto;
      ip[7] = 64;
      to_ipv6 (src, ip + 8);
      to_ipv6 (dst, ip + 24);

      /* RFC 8200 §8.1: the UDP checksum is mandatory over IPv6. */
      memcpy (pseudo, ip + 8, 32);
      put_be32 (pseudo + 32, (guint32) (l4_len + len));
      pseudo[39] = proto;
      sum = checksum_add (sum, pseudo, sizeof pseudo);
    }
  else
    {
      guint8 pseudo[12] = { 0 };

      /* RFC 791: version 4, 20-byte header, Don't Fragment, TTL 64. */
      ip[0] = 0x45;
      ip[1] = 0;
      put_be16 (ip + 2, (guint16) (IPV4_HEADER + l4_len + len));
      put_be16 (ip + 4, (guint16) ust_trace_entry_get_seq (entry));
      put_be16 (ip + 6, 0x4000);
      ip[8] = 64;
      ip[9] = proto;
      put_be16 (ip + 10, 0);
      memcpy (ip + 12, src->family == 4 ? src->bytes : (const guint8[4]) { 0 }, 4);
      memcpy (ip + 16, dst->family == 4 ? dst->bytes : (const guint8[4]) { 0 }, 4);
      put_be16 (ip + 10, checksum_fold (checksum_add (0, ip, IPV4_HEADER)));

      memcpy (pseudo, ip + 12, 8);
      pseudo[9] = proto;
      put_be16 (pseudo + 10, (guint16) (l4_len + len));
      sum = checksum_add (sum, pseudo, sizeof pseudo);
    }

  sum = checksum_add (sum, udp, l4_len);
  sum = checksum_add (sum, (const guint8 *) data, len);
  udp_check = checksum_fold (sum);
  /* RFC 768: a computed 0 is sent as all ones (0 means "no checksum");
   * TCP has no such rule, and 0xffff is the same value there. */
  put_be16 (udp + checksum_at, udp_check == 0 ? 0xffff : udp_check);

  return PCAP_RECORD_HEADER + ip_len + l4_len;
}

static void
file_header (guint8 *header)
{
  put_le32 (header, PCAP_MAGIC_US);
  put_le16 (header + 4, 2);    /* version 2.4 */
  put_le16 (header + 6, 4);
  put_le32 (header + 8, 0);    /* times are UTC */
  put_le32 (header + 12, 0);
  put_le32 (header + 16, PCAP_SNAPLEN);
  put_le32 (header + 20, UST_PCAP_LINKTYPE_RAW);
}

static gboolean
write_entry (FILE                *file,
             Streams             *streams,
             const UstTraceEntry *entry)
{
  guint8 head[PACKET_HEAD_MAX];
  gsize payload_len;
  gsize head_len = packet_head (entry, streams, head, &payload_len);
  const char *data = ust_trace_entry_get_data (entry, NULL);

  return fwrite (head, 1, head_len, file) == head_len
         && fwrite (data, 1, payload_len, file) == payload_len;
}

static void
set_file_error (GError     **error,
                int          saved_errno,
                const char  *path)
{
  g_autofree char *display = g_filename_display_name (path);

  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
               _("Cannot write the capture to %s: %s"), display, g_strerror (saved_errno));
}

static FILE *
open_capture (const char  *path,
              GError     **error)
{
  guint8 header[PCAP_FILE_HEADER];
  FILE *file = g_fopen (path, "wb");

  if (file == NULL)
    {
      set_file_error (error, errno, path);
      return NULL;
    }
  file_header (header);
  if (fwrite (header, 1, sizeof header, file) != sizeof header || fflush (file) != 0)
    {
      set_file_error (error, errno, path);
      fclose (file);
      return NULL;
    }
  return file;
}

/* Writes @entries (UstTraceEntry*) in their order. */
gboolean
ust_pcap_write_entries (const char  *path,
                        GPtrArray   *entries,
                        GError     **error)
{
  FILE *file;
  gboolean ok = TRUE;
  Streams streams;

  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (entries != NULL, FALSE);

  file = open_capture (path, error);
  if (file == NULL)
    return FALSE;
  streams_init (&streams);
  for (guint i = 0; i < entries->len && ok; i++)
    ok = write_entry (file, &streams, g_ptr_array_index (entries, i));
  streams_clear (&streams);
  if (!ok || fflush (file) != 0)
    {
      set_file_error (error, errno, path);
      fclose (file);
      return FALSE;
    }
  if (fclose (file) != 0)
    {
      set_file_error (error, errno, path);
      return FALSE;
    }
  return TRUE;
}

/* The streaming writer ------------------------------------------------------------------ */

struct _UstPcapWriter {
  GObject      parent_instance;

  char        *path;
  FILE        *file;          /* the writer thread's alone until it is joined */
  GAsyncQueue *queue;         /* UstTraceEntry*, or the writer itself to stop */
  GThread     *thread;
  UstTrace    *trace;
  guint        sink_id;
  gboolean     closed;        /* guarded by the queue's lock */

  GMutex       lock;          /* guards the counters and the error */
  guint64      n_written;
  guint64      n_dropped;
  GError      *error;
};

G_DEFINE_FINAL_TYPE (UstPcapWriter, ust_pcap_writer, G_TYPE_OBJECT)

static void
writer_fail (UstPcapWriter *self,
             int            saved_errno)
{
  g_mutex_lock (&self->lock);
  if (self->error == NULL)
    set_file_error (&self->error, saved_errno, self->path);
  g_mutex_unlock (&self->lock);
}

static gboolean
writer_failed (UstPcapWriter *self)
{
  gboolean failed;

  g_mutex_lock (&self->lock);
  failed = self->error != NULL;
  g_mutex_unlock (&self->lock);
  return failed;
}

static void
writer_flush (UstPcapWriter *self,
              guint64        written)
{
  if (written == 0 || writer_failed (self))
    return;
  if (fflush (self->file) != 0)
    writer_fail (self, errno);
  g_mutex_lock (&self->lock);
  self->n_written += written;
  g_mutex_unlock (&self->lock);
}

/* Sleeps until the queue has something, lets a batch gather for 20 ms, then
 * writes whatever the queue holds and flushes when it runs dry (or every
 * thousand packets under a steady stream). So the file is at most a few tens
 * of milliseconds behind, a killed server leaves a file that is whole up to
 * the last flush, and the recording thread pays for at most about fifty
 * wake-ups and writes a second, however busy the exchange: while this thread
 * sleeps, a push onto the queue does not signal anybody. After a write error
 * the entries are only dropped; ust_pcap_writer_close() reports the error. */
static gpointer
writer_thread_func (gpointer user_data)
{
  UstPcapWriter *self = user_data;
  gboolean stop = FALSE;
  Streams streams;

  streams_init (&streams);
  while (!stop)
    {
      gpointer item = g_async_queue_pop (self->queue);
      guint64 pending = 0;

      if (item != (gpointer) self)
        g_usleep (WRITER_GATHER_US);

      while (item != NULL)
        {
          if (item == (gpointer) self)
            {
              stop = TRUE;
              break;
            }
          if (!writer_failed (self) && !write_entry (self->file, &streams, item))
            writer_fail (self, errno);
          ust_trace_entry_unref (item);
          if (++pending == WRITER_FLUSH_EVERY)
            {
              writer_flush (self, pending);
              pending = 0;
            }
          item = g_async_queue_try_pop (self->queue);
        }
      writer_flush (self, pending);
    }
  streams_clear (&streams);
  return NULL;
}

/* On the recording thread, under the trace's lock: a reference onto the
 * queue, nothing more. */
static void
sink_cb (UstTraceEntry *entry,
         gpointer       user_data)
{
  ust_pcap_writer_add (user_data, entry);
}

static void
ust_pcap_writer_dispose (GObject *object)
{
  ust_pcap_writer_close (UST_PCAP_WRITER (object), NULL);

  G_OBJECT_CLASS (ust_pcap_writer_parent_class)->dispose (object);
}

static void
ust_pcap_writer_finalize (GObject *object)
{
  UstPcapWriter *self = UST_PCAP_WRITER (object);

  g_async_queue_unref (self->queue);
  g_clear_error (&self->error);
  g_mutex_clear (&self->lock);
  g_free (self->path);

  G_OBJECT_CLASS (ust_pcap_writer_parent_class)->finalize (object);
}

static void
ust_pcap_writer_class_init (UstPcapWriterClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ust_pcap_writer_dispose;
  object_class->finalize = ust_pcap_writer_finalize;
}

static void
ust_pcap_writer_init (UstPcapWriter *self)
{
  g_mutex_init (&self->lock);
  self->queue = g_async_queue_new ();
}

/* Creates (or truncates) @path, writes the file header and starts the
 * writer thread. The file is a valid, empty capture from here on. */
UstPcapWriter *
ust_pcap_writer_new (const char  *path,
                     GError     **error)
{
  g_autoptr(UstPcapWriter) self = NULL;
  FILE *file;

  g_return_val_if_fail (path != NULL, NULL);

  file = open_capture (path, error);
  if (file == NULL)
    return NULL;
  self = g_object_new (UST_TYPE_PCAP_WRITER, NULL);
  self->path = g_strdup (path);
  self->file = file;
  setvbuf (self->file, NULL, _IOFBF, WRITER_BUFFER);
  self->thread = g_thread_new ("ust-pcap-writer", writer_thread_func, self);
  return g_steal_pointer (&self);
}

/* Queues @entry for writing; any thread. Beyond UST_PCAP_WRITER_QUEUE_MAX
 * waiting entries it is dropped and counted instead. */
void
ust_pcap_writer_add (UstPcapWriter *self,
                     UstTraceEntry *entry)
{
  gboolean dropped = FALSE;

  g_return_if_fail (UST_IS_PCAP_WRITER (self));
  g_return_if_fail (entry != NULL);

  g_async_queue_lock (self->queue);
  if (self->closed)
    ;   /* too late: the writer thread has been told to stop */
  else if (g_async_queue_length_unlocked (self->queue) >= UST_PCAP_WRITER_QUEUE_MAX)
    dropped = TRUE;
  else
    g_async_queue_push_unlocked (self->queue, ust_trace_entry_ref (entry));
  g_async_queue_unlock (self->queue);

  if (dropped)
    {
      g_mutex_lock (&self->lock);
      self->n_dropped++;
      g_mutex_unlock (&self->lock);
    }
}

/* Writes every datagram @trace records from now on, until the writer is
 * closed. One trace per writer. */
void
ust_pcap_writer_attach (UstPcapWriter *self,
                        UstTrace      *trace)
{
  g_return_if_fail (UST_IS_PCAP_WRITER (self));
  g_return_if_fail (UST_IS_TRACE (trace));
  g_return_if_fail (self->trace == NULL);
  g_return_if_fail (!self->closed);

  self->trace = g_object_ref (trace);
  self->sink_id = ust_trace_add_sink (trace, sink_cb, self, NULL);
}

/* Detaches from the trace, writes what is queued, stops the thread and
 * closes the file. Returns FALSE with the first write error, if any. Safe to
 * call twice (the second call reports nothing). */
gboolean
ust_pcap_writer_close (UstPcapWriter  *self,
                       GError        **error)
{
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (UST_IS_PCAP_WRITER (self), FALSE);

  if (self->closed)
    return TRUE;

  if (self->trace != NULL)
    {
      ust_trace_remove_sink (self->trace, self->sink_id);
      g_clear_object (&self->trace);
    }
  /* The stop mark goes last in the queue: everything before it is written. */
  g_async_queue_lock (self->queue);
  self->closed = TRUE;
  if (self->thread != NULL)
    g_async_queue_push_unlocked (self->queue, self);
  g_async_queue_unlock (self->queue);
  if (self->thread != NULL)
    g_thread_join (g_steal_pointer (&self->thread));
  if (self->file != NULL && fclose (g_steal_pointer (&self->file)) != 0)
    writer_fail (self, errno);

  g_mutex_lock (&self->lock);
  local_error = g_steal_pointer (&self->error);
  g_mutex_unlock (&self->lock);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  return TRUE;
}

/* Packets flushed to the file so far. */
guint64
ust_pcap_writer_get_n_written (UstPcapWriter *self)
{
  guint64 n;

  g_return_val_if_fail (UST_IS_PCAP_WRITER (self), 0);

  g_mutex_lock (&self->lock);
  n = self->n_written;
  g_mutex_unlock (&self->lock);
  return n;
}

guint64
ust_pcap_writer_get_n_dropped (UstPcapWriter *self)
{
  guint64 n;

  g_return_val_if_fail (UST_IS_PCAP_WRITER (self), 0);

  g_mutex_lock (&self->lock);
  n = self->n_dropped;
  g_mutex_unlock (&self->lock);
  return n;
}

const char *
ust_pcap_writer_get_path (UstPcapWriter *self)
{
  g_return_val_if_fail (UST_IS_PCAP_WRITER (self), NULL);

  return self->path;
}
