/* SPDX-License-Identifier: GPL-3.0-or-later */

/* Captures: what ust_pcap_write_entries() and the streaming writer produce
 * is read back byte for byte, has correct checksums, and tshark (when it is
 * installed) decodes the same SIP messages in the same order. */

#include "config.h"

#include <string.h>

#include "ust-capture.h"
#include "ust-pcap.h"
#include "ust-sip.h"
#include "ust-test-util.h"

#define T0 ((gint64) 1700000000 * G_USEC_PER_SEC + 123456)

typedef struct {
  const char *from;
  const char *to;
  gint64      time;
  const char *first_line;
  const char *call_id;
} Spec;

/* A call on IPv4 through port 5060, and one on IPv6 through port 5080,
 * which tshark only decodes as SIP when told (or by its heuristics). */
static const Spec specs[] = {
  { "10.0.0.5:5062", "10.0.0.1:5060", T0, "INVITE sip:bob@10.0.0.1 SIP/2.0", "v4-call" },
  { "10.0.0.1:5060", "10.0.0.5:5062", T0 + 250, "SIP/2.0 100 Trying", "v4-call" },
  { "10.0.0.1:5060", "10.0.0.7:5060", T0 + 900, "INVITE sip:bob@10.0.0.7 SIP/2.0", "v4-call" },
  { "10.0.0.7:5060", "10.0.0.1:5060", T0 + 1000001, "SIP/2.0 486 OBSADENÉ", "v4-call" },
  { "[fd00::5]:5070", "[fd00::1]:5080", T0 + 2000000, "OPTIONS sip:fd00::1 SIP/2.0", "v6-opt" },
  { "[fd00::1]:5080", "[fd00::5]:5070", T0 + 2000007, "SIP/2.0 200 POHODKA", "v6-opt" },
};

static char *
message_text (const Spec *spec,
              guint       index)
{
  gboolean response = g_str_has_prefix (spec->first_line, "SIP/2.0 ");
  g_autofree char *method = NULL;

  if (!response)
    method = g_strndup (spec->first_line, strchr (spec->first_line, ' ') - spec->first_line);
  /* An odd length on some, so the UDP checksum's padding is exercised. */
  return g_strdup_printf ("%s\r\n"
                          "Via: SIP/2.0/UDP 10.0.0.5:5062;branch=z9hG4bK%u\r\n"
                          "From: <sip:alice@10.0.0.1>;tag=a\r\n"
                          "To: <sip:bob@10.0.0.1>\r\n"
                          "Call-ID: %s\r\n"
                          "CSeq: 1 %s\r\n"
                          "Content-Length: %u\r\n\r\n%s",
                          spec->first_line, index, spec->call_id,
                          method != NULL ? method : index >= 4 ? "OPTIONS" : "INVITE",
                          index % 2, index % 2 ? "x" : "");
}

static GPtrArray *
make_entries (void)
{
  GPtrArray *entries = g_ptr_array_new_with_free_func ((GDestroyNotify) ust_trace_entry_unref);

  for (guint i = 0; i < G_N_ELEMENTS (specs); i++)
    {
      UstTraceAddress from, to;
      g_autofree char *text = message_text (&specs[i], i);

      g_assert_true (ust_trace_address_parse (&from, specs[i].from));
      g_assert_true (ust_trace_address_parse (&to, specs[i].to));
      g_ptr_array_add (entries, ust_trace_entry_new (i + 1, specs[i].time,
                                                     g_str_has_prefix (specs[i].from, "10.0.0.1:")
                                                         || g_str_has_prefix (specs[i].from,
                                                                              "[fd00::1]")
                                                       ? UST_TRACE_SENT : UST_TRACE_RECEIVED,
                                                     &from, &to, text, strlen (text)));
    }
  return entries;
}

static char *
temp_path (const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("ust-pcap-XXXXXX", &error);

  g_assert_no_error (error);
  return g_build_filename (dir, name, NULL);
}

/* Removes the folder temp_path() made for @path, with what is in it. */
static void
remove_temp (const char *path)
{
  g_autofree char *dir = g_path_get_dirname (path);

  ust_test_remove_tree (dir);
}

static void
assert_same_entries (GPtrArray *got,
                     GPtrArray *want)
{
  g_assert_cmpuint (got->len, ==, want->len);
  for (guint i = 0; i < got->len; i++)
    {
      UstTraceEntry *a = g_ptr_array_index (got, i);
      UstTraceEntry *b = g_ptr_array_index (want, i);
      gsize a_len, b_len;
      const char *a_data = ust_trace_entry_get_data (a, &a_len);
      const char *b_data = ust_trace_entry_get_data (b, &b_len);

      g_assert_cmpmem (a_data, a_len, b_data, b_len);
      g_assert_true (ust_trace_address_equal (ust_trace_entry_get_source (a),
                                              ust_trace_entry_get_source (b)));
      g_assert_true (ust_trace_address_equal (ust_trace_entry_get_destination (a),
                                              ust_trace_entry_get_destination (b)));
      g_assert_cmpint (ust_trace_entry_get_time (a), ==, ust_trace_entry_get_time (b));
      g_assert_cmpstr (ust_trace_entry_get_call_id (a), ==, ust_trace_entry_get_call_id (b));
    }
}

/* A capture read back with libpcap, as File → Open Capture reads one
 * (src/core/capture/): its entries, @exchange's as "sent" when given. */
static GPtrArray *
read_back (const char             *path,
           const UstTraceAddress  *exchange,
           GError                **error)
{
  g_autoptr(UstCapture) capture = ust_capture_open (path, error);

  if (capture == NULL)
    return NULL;
  if (exchange != NULL)
    ust_capture_set_proxy (capture, exchange);
  return g_ptr_array_ref (ust_capture_get_entries (capture));
}

/* Written, then read back: the same bytes, addresses and microseconds. */
static void
test_round_trip (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) entries = make_entries ();
  g_autoptr(GPtrArray) back = NULL;
  g_autofree char *path = temp_path ("round-trip.pcap");
  UstTraceAddress exchange;

  g_assert_true (ust_pcap_write_entries (path, entries, &error));
  g_assert_no_error (error);

  ust_trace_address_parse (&exchange, "10.0.0.1:5060");
  back = read_back (path, &exchange, &error);
  g_assert_no_error (error);
  assert_same_entries (back, entries);
  g_assert_cmpint (ust_trace_entry_get_direction (g_ptr_array_index (back, 0)), ==,
                   UST_TRACE_RECEIVED);
  g_assert_cmpint (ust_trace_entry_get_direction (g_ptr_array_index (back, 1)), ==,
                   UST_TRACE_SENT);
  remove_temp (path);
}

static guint16
be16 (const guint8 *p)
{
  return (guint16) (p[0] << 8 | p[1]);
}

static guint32
le32 (const guint8 *p)
{
  return (guint32) p[0] | (guint32) p[1] << 8 | (guint32) p[2] << 16 | (guint32) p[3] << 24;
}

/* RFC 1071, written again here rather than shared, so a mistake in one
 * does not hide in the other. */
static guint32
ones_sum (guint32       sum,
          const guint8 *p,
          gsize         len)
{
  for (gsize i = 0; i < len; i += 2)
    sum += (guint32) (p[i] << 8) | (i + 1 < len ? p[i + 1] : 0);
  return sum;
}

static guint16
ones_fold (guint32 sum)
{
  while (sum > 0xffff)
    sum = (sum & 0xffff) + (sum >> 16);
  return (guint16) sum;
}

/* The file header, and the checksums of every IPv4 header and UDP datagram
 * add up to all ones as the receiver checks them. */
static void
test_format (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) entries = make_entries ();
  g_autofree char *path = temp_path ("format.pcap");
  g_autofree char *contents = NULL;
  const guint8 *p;
  gsize len, offset;
  guint packets = 0;

  g_assert_true (ust_pcap_write_entries (path, entries, &error));
  g_assert_true (g_file_get_contents (path, &contents, &len, &error));
  p = (const guint8 *) contents;
  g_assert_cmpuint (len, >=, 24);
  g_assert_cmphex (le32 (p), ==, 0xa1b2c3d4);
  g_assert_cmpuint (le32 (p + 20), ==, 101);   /* LINKTYPE_RAW */

  for (offset = 24; offset < len; packets++)
    {
      const guint8 *ip = p + offset + 16;
      guint32 caplen = le32 (p + offset + 8);
      guint32 sec = le32 (p + offset), usec = le32 (p + offset + 4);
      const UstTraceEntry *entry = g_ptr_array_index (entries, packets);
      guint32 sum = 0;
      gsize udp_len;

      g_assert_cmpuint (caplen, ==, le32 (p + offset + 12));
      g_assert_cmpint ((gint64) sec * G_USEC_PER_SEC + usec, ==, ust_trace_entry_get_time (entry));
      if (ip[0] >> 4 == 4)
        {
          g_assert_cmpuint (ones_fold (ones_sum (0, ip, 20)), ==, 0xffff);
          g_assert_cmpuint (be16 (ip + 2), ==, caplen);
          udp_len = caplen - 20;
          sum = ones_sum (sum, ip + 12, 8);
          sum += 17 + (guint32) udp_len;
          sum = ones_sum (sum, ip + 20, udp_len);
        }
      else
        {
          g_assert_cmpuint (ip[0] >> 4, ==, 6);
          udp_len = caplen - 40;
          g_assert_cmpuint (be16 (ip + 4), ==, udp_len);
          sum = ones_sum (sum, ip + 8, 32);
          sum += 17 + (guint32) udp_len;
          sum = ones_sum (sum, ip + 40, udp_len);
        }
      g_assert_cmpuint (ones_fold (sum), ==, 0xffff);
      g_assert_cmpuint (udp_len, ==, 8 + ust_trace_entry_get_len (entry));
      offset += 16 + caplen;
    }
  g_assert_cmpuint (offset, ==, len);
  g_assert_cmpuint (packets, ==, entries->len);
  remove_temp (path);
}

static void
communicated_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

static gboolean
has_result (gpointer out)
{
  return *(GAsyncResult **) out != NULL;
}

/* Runs a program with a deadline and returns its stdout. */
static char *
run_with_deadline (const char * const *argv,
                   guint               seconds,
                   int                *status)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GBytes) out = NULL;

  process = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                       | G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_async (process, NULL, NULL, communicated_cb, &result);
  if (!ust_test_spin_until (has_result, &result, seconds * 1000))
    {
      g_subprocess_force_exit (process);
      g_error ("%s did not finish within %u s", argv[0], seconds);
    }
  g_subprocess_communicate_finish (process, result, &out, NULL, &error);
  g_assert_no_error (error);
  g_subprocess_wait (process, NULL, &error);
  g_assert_no_error (error);
  *status = g_subprocess_get_exit_status (process);
  return g_strndup (g_bytes_get_data (out, NULL), g_bytes_get_size (out));
}

/* tshark decodes every packet as SIP with the right addresses, ports,
 * method or status, Call-ID, time and good checksums. Port 5080 is not
 * SIP's, hence "-d udp.port==5080,sip". */
static void
test_tshark (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) entries = make_entries ();
  g_autofree char *path = temp_path ("tshark.pcap");
  g_autofree char *tshark = g_find_program_in_path ("tshark");
  g_autofree char *out = NULL;
  g_auto(GStrv) lines = NULL;
  int status = -1;

  if (tshark == NULL)
    {
      ust_test_missing ("tshark is not installed");
      remove_temp (path);
      return;
    }
  g_assert_true (ust_pcap_write_entries (path, entries, &error));

  {
    const char *argv[] = {
      tshark, "-n", "-r", path, "-d", "udp.port==5080,sip",
      "-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE",
      "-T", "fields", "-E", "separator=|",
      "-e", "frame.number", "-e", "ip.src", "-e", "ipv6.src", "-e", "udp.srcport",
      "-e", "ip.dst", "-e", "ipv6.dst", "-e", "udp.dstport",
      "-e", "sip.Method", "-e", "sip.Status-Code", "-e", "sip.Call-ID",
      "-e", "frame.time_epoch", "-e", "ip.checksum.status", "-e", "udp.checksum.status",
      NULL
    };

    out = run_with_deadline (argv, 60, &status);
  }
  g_test_message ("tshark:\n%s", out);
  g_assert_cmpint (status, ==, 0);
  lines = g_strsplit (g_strchomp (out), "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, entries->len);

  for (guint i = 0; i < entries->len; i++)
    {
      const Spec *spec = &specs[i];
      g_auto(GStrv) f = g_strsplit (lines[i], "|", -1);
      UstTraceAddress from, to;
      g_autofree char *number = g_strdup_printf ("%u", i + 1);
      g_autofree char *from_host = NULL;
      g_autofree char *to_host = NULL;
      g_autofree char *from_port = NULL;
      g_autofree char *to_port = NULL;
      g_autofree char *epoch = g_strdup_printf ("%" G_GINT64_FORMAT ".%06" G_GINT64_FORMAT,
                                                spec->time / G_USEC_PER_SEC,
                                                spec->time % G_USEC_PER_SEC);
      gboolean v6 = spec->from[0] == '[';

      g_assert_cmpuint (g_strv_length (f), ==, 13);
      ust_trace_address_parse (&from, spec->from);
      ust_trace_address_parse (&to, spec->to);
      from_host = ust_trace_address_host_to_string (&from);
      to_host = ust_trace_address_host_to_string (&to);
      from_port = g_strdup_printf ("%u", from.port);
      to_port = g_strdup_printf ("%u", to.port);

      g_assert_cmpstr (f[0], ==, number);
      g_assert_cmpstr (f[v6 ? 2 : 1], ==, from_host);
      g_assert_cmpstr (f[3], ==, from_port);
      g_assert_cmpstr (f[v6 ? 5 : 4], ==, to_host);
      g_assert_cmpstr (f[6], ==, to_port);
      if (g_str_has_prefix (spec->first_line, "SIP/2.0 "))
        {
          g_autofree char *code = g_strndup (spec->first_line + 8, 3);

          g_assert_cmpstr (f[7], ==, "");
          g_assert_cmpstr (f[8], ==, code);
        }
      else
        {
          g_autofree char *method = g_strndup (spec->first_line,
                                               strchr (spec->first_line, ' ') - spec->first_line);

          g_assert_cmpstr (f[7], ==, method);
          g_assert_cmpstr (f[8], ==, "");
        }
      g_assert_cmpstr (f[9], ==, spec->call_id);
      g_assert_true (g_str_has_prefix (f[10], epoch));
      /* 1 is "Good"; IPv6 has no header checksum. */
      g_assert_cmpstr (f[11], ==, v6 ? "" : "1");
      g_assert_cmpstr (f[12], ==, "1");
    }
  remove_temp (path);
}

static gboolean
wait_written (UstPcapWriter *writer,
              guint64        n)
{
  gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

  while (ust_pcap_writer_get_n_written (writer) < n && g_get_monotonic_time () < deadline)
    g_usleep (1000);
  return ust_pcap_writer_get_n_written (writer) == n;
}

/* The streaming writer, fed by a trace: each datagram is in the file soon
 * after it was recorded, before the writer is closed; closing writes the
 * rest and stops the thread. */
static void
test_writer (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) entries = make_entries ();
  g_autoptr(UstTrace) trace = ust_trace_new (2, 0);
  g_autoptr(UstPcapWriter) writer = NULL;
  g_autoptr(GPtrArray) back = NULL;
  g_autoptr(GPtrArray) recorded = g_ptr_array_new_with_free_func ((GDestroyNotify)
                                                                    ust_trace_entry_unref);
  g_autofree char *path = temp_path ("stream.pcap");

  writer = ust_pcap_writer_new (path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ust_pcap_writer_get_path (writer), ==, path);

  /* A valid, empty capture from the start. */
  back = read_back (path, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (back->len, ==, 0);
  g_clear_pointer (&back, g_ptr_array_unref);

  ust_pcap_writer_attach (writer, trace);
  for (guint i = 0; i < 3; i++)
    {
      UstTraceEntry *e = g_ptr_array_index (entries, i);
      gsize len;
      const char *data = ust_trace_entry_get_data (e, &len);
      g_autoptr(GPtrArray) last = NULL;

      ust_trace_record (trace, ust_trace_entry_get_direction (e), ust_trace_entry_get_source (e),
                        ust_trace_entry_get_destination (e), data, len);
      last = ust_trace_get_since (trace, ust_trace_get_last_seq (trace) - 1);
      g_ptr_array_add (recorded, ust_trace_entry_ref (g_ptr_array_index (last, 0)));
    }
  g_assert_true (wait_written (writer, 3));
  back = read_back (path, NULL, &error);
  g_assert_no_error (error);
  assert_same_entries (back, recorded);
  g_clear_pointer (&back, g_ptr_array_unref);

  /* Entries may also be handed over directly, from any thread. */
  for (guint i = 3; i < entries->len; i++)
    {
      ust_pcap_writer_add (writer, g_ptr_array_index (entries, i));
      g_ptr_array_add (recorded, ust_trace_entry_ref (g_ptr_array_index (entries, i)));
    }
  g_assert_true (ust_pcap_writer_close (writer, &error));
  g_assert_no_error (error);
  g_assert_true (ust_pcap_writer_close (writer, &error));
  g_assert_cmpuint (ust_pcap_writer_get_n_written (writer), ==, entries->len);
  g_assert_cmpuint (ust_pcap_writer_get_n_dropped (writer), ==, 0);

  /* Closed: the trace no longer feeds it. */
  {
    UstTraceEntry *e = g_ptr_array_index (entries, 0);

    ust_trace_record (trace, UST_TRACE_RECEIVED, ust_trace_entry_get_source (e),
                      ust_trace_entry_get_destination (e), "x", 1);
  }
  back = read_back (path, NULL, &error);
  g_assert_no_error (error);
  assert_same_entries (back, recorded);
  remove_temp (path);
}

/* A capture cut in the middle of a packet (the server was killed) gives
 * the packets before the cut; junk is an error a person can read. */
static void
test_truncated (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) entries = make_entries ();
  g_autoptr(GPtrArray) back = NULL;
  g_autofree char *path = temp_path ("cut.pcap");
  g_autofree char *contents = NULL;
  gsize len;

  g_assert_true (ust_pcap_write_entries (path, entries, &error));
  g_assert_true (g_file_get_contents (path, &contents, &len, &error));
  g_assert_true (g_file_set_contents (path, contents, (gssize) len - 10, &error));
  back = read_back (path, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (back->len, ==, entries->len - 1);
  g_clear_pointer (&back, g_ptr_array_unref);

  g_assert_true (g_file_set_contents (path, "not a capture at all", -1, &error));
  back = read_back (path, NULL, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_assert_null (back);
  remove_temp (path);
}

static void
test_open_error (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(UstPcapWriter) writer = NULL;
  g_autoptr(GPtrArray) entries = make_entries ();

  writer = ust_pcap_writer_new ("/nonexistent-folder/x.pcap", &error);
  g_assert_null (writer);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "/nonexistent-folder/x.pcap"));
  g_clear_error (&error);
  g_assert_false (ust_pcap_write_entries ("/nonexistent-folder/x.pcap", entries, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  ust_sip_init ();

  g_test_add_func ("/ust/pcap/round-trip", test_round_trip);
  g_test_add_func ("/ust/pcap/format", test_format);
  g_test_add_func ("/ust/pcap/tshark", test_tshark);
  g_test_add_func ("/ust/pcap/writer", test_writer);
  g_test_add_func ("/ust/pcap/truncated", test_truncated);
  g_test_add_func ("/ust/pcap/open-error", test_open_error);

  return g_test_run ();
}
