/* SPDX-License-Identifier: GPL-3.0-or-later */

/* The wire trace: a bounded ring of datagrams that keeps order, respects its
 * limits, hands readers exactly what is new, and survives a reader thread
 * hammering it while the recording thread writes. */

#include "config.h"

#include <string.h>

#include "ust-address-text.h"
#include "ust-proxy.h"
#include "ust-sip.h"
#include "ust-test-util.h"
#include "ust-trace.h"

static UstTraceAddress phone_address;
static UstTraceAddress exchange_address;

static guint64
record_text (UstTrace          *trace,
             UstTraceDirection  direction,
             const char        *text)
{
  return ust_trace_record (trace, direction,
                           direction == UST_TRACE_RECEIVED ? &phone_address : &exchange_address,
                           direction == UST_TRACE_RECEIVED ? &exchange_address : &phone_address,
                           text, strlen (text));
}

static char *
numbered_message (guint64 n)
{
  return g_strdup_printf ("MESSAGE sip:bob@10.0.0.1 SIP/2.0\r\n"
                          "Call-ID: call-%" G_GUINT64_FORMAT "\r\n"
                          "CSeq: 1 MESSAGE\r\n"
                          "Content-Length: 0\r\n\r\n",
                          n);
}

static void
assert_entry_is (UstTraceEntry *entry,
                 guint64        n)
{
  g_autofree char *call_id = g_strdup_printf ("call-%" G_GUINT64_FORMAT, n);
  g_autofree char *text = numbered_message (n);
  gsize len;
  const char *data = ust_trace_entry_get_data (entry, &len);

  g_assert_cmpuint (ust_trace_entry_get_seq (entry), ==, n);
  g_assert_cmpstr (ust_trace_entry_get_call_id (entry), ==, call_id);
  g_assert_cmpmem (data, len, text, strlen (text));
}

/* Capacity N keeps the newest N, oldest first, numbered 1, 2, 3… */
static void
test_capacity (void)
{
  g_autoptr(UstTrace) trace = ust_trace_new (5, 0);
  g_autoptr(GPtrArray) all = NULL;

  g_assert_cmpuint (ust_trace_get_last_seq (trace), ==, 0);
  g_assert_cmpuint (ust_trace_get_first_seq (trace), ==, 1);
  for (guint64 n = 1; n <= 12; n++)
    {
      g_autofree char *text = numbered_message (n);

      g_assert_cmpuint (record_text (trace, UST_TRACE_RECEIVED, text), ==, n);
    }

  g_assert_cmpuint (ust_trace_get_n_entries (trace), ==, 5);
  g_assert_cmpuint (ust_trace_get_last_seq (trace), ==, 12);
  g_assert_cmpuint (ust_trace_get_first_seq (trace), ==, 8);
  all = ust_trace_get_since (trace, 0);
  g_assert_cmpuint (all->len, ==, 5);
  for (guint i = 0; i < all->len; i++)
    assert_entry_is (g_ptr_array_index (all, i), 8 + i);
  for (guint i = 1; i < all->len; i++)
    g_assert_cmpint (ust_trace_entry_get_time (g_ptr_array_index (all, i - 1)), <=,
                     ust_trace_entry_get_time (g_ptr_array_index (all, i)));

  /* Shrinking keeps the newest; growing keeps everything. */
  ust_trace_set_capacity (trace, 2);
  g_clear_pointer (&all, g_ptr_array_unref);
  all = ust_trace_get_since (trace, 0);
  g_assert_cmpuint (all->len, ==, 2);
  assert_entry_is (g_ptr_array_index (all, 0), 11);
  assert_entry_is (g_ptr_array_index (all, 1), 12);

  ust_trace_set_capacity (trace, 10);
  for (guint64 n = 13; n <= 15; n++)
    {
      g_autofree char *text = numbered_message (n);

      record_text (trace, UST_TRACE_SENT, text);
    }
  g_clear_pointer (&all, g_ptr_array_unref);
  all = ust_trace_get_since (trace, 0);
  g_assert_cmpuint (all->len, ==, 5);
  for (guint i = 0; i < all->len; i++)
    assert_entry_is (g_ptr_array_index (all, i), 11 + i);

  /* Entries a reader holds outlive the ring's copy. */
  ust_trace_clear (trace);
  g_assert_cmpuint (ust_trace_get_n_entries (trace), ==, 0);
  g_assert_cmpuint (ust_trace_get_n_bytes (trace), ==, 0);
  assert_entry_is (g_ptr_array_index (all, 4), 15);
  g_assert_cmpuint (ust_trace_get_last_seq (trace), ==, 15);
}

/* The byte budget counts each entry's whole block; the newest entry stays
 * even when it alone is over budget. */
static void
test_byte_budget (void)
{
  g_autoptr(UstTrace) trace = ust_trace_new (1000, 10000);
  g_autoptr(GPtrArray) all = NULL;
  g_autofree char *big = g_strnfill (3000, 'x');
  g_autofree char *huge = g_strnfill (20000, 'y');
  gsize sum = 0;

  for (guint i = 0; i < 10; i++)
    {
      ust_trace_record (trace, UST_TRACE_RECEIVED, &phone_address, &exchange_address, big,
                        strlen (big));
      g_assert_cmpuint (ust_trace_get_n_bytes (trace), <=, 10000);
    }
  all = ust_trace_get_since (trace, 0);
  g_assert_cmpuint (all->len, ==, 3);    /* 3 × (3000 + overhead) fit, 4 do not */
  for (guint i = 0; i < all->len; i++)
    sum += ust_trace_entry_get_size (g_ptr_array_index (all, i));
  g_assert_cmpuint (sum, ==, ust_trace_get_n_bytes (trace));
  g_assert_cmpuint (ust_trace_entry_get_seq (g_ptr_array_index (all, 2)), ==, 10);

  ust_trace_record (trace, UST_TRACE_RECEIVED, &phone_address, &exchange_address, huge,
                    strlen (huge));
  g_assert_cmpuint (ust_trace_get_n_entries (trace), ==, 1);
  g_assert_cmpuint (ust_trace_get_last_seq (trace), ==, 11);

  /* A smaller budget applies at once (to all but the newest). */
  ust_trace_set_byte_budget (trace, 300);
  g_assert_cmpuint (ust_trace_get_n_entries (trace), ==, 1);
  for (guint i = 0; i < 3; i++)
    ust_trace_record (trace, UST_TRACE_RECEIVED, &phone_address, &exchange_address, "ab", 2);
  g_assert_cmpuint (ust_trace_get_n_bytes (trace), <=, 300);
  g_assert_cmpuint (ust_trace_get_n_entries (trace), >=, 2);
  g_assert_cmpuint (ust_trace_get_last_seq (trace), ==, 14);
}

/* A reader that remembers the last number it saw gets exactly the new ones. */
static void
test_since (void)
{
  g_autoptr(UstTrace) trace = ust_trace_new (4, 0);
  guint64 seen = 0;

  for (guint64 n = 1; n <= 3; n++)
    {
      g_autofree char *text = numbered_message (n);

      record_text (trace, UST_TRACE_RECEIVED, text);
    }
  {
    g_autoptr(GPtrArray) news = ust_trace_get_since (trace, seen);

    g_assert_cmpuint (news->len, ==, 3);
    seen = ust_trace_entry_get_seq (g_ptr_array_index (news, news->len - 1));
  }
  {
    g_autoptr(GPtrArray) news = ust_trace_get_since (trace, seen);

    g_assert_cmpuint (news->len, ==, 0);
  }
  for (guint64 n = 4; n <= 5; n++)
    {
      g_autofree char *text = numbered_message (n);

      record_text (trace, UST_TRACE_SENT, text);
    }
  {
    g_autoptr(GPtrArray) news = ust_trace_get_since (trace, seen);

    g_assert_cmpuint (news->len, ==, 2);
    assert_entry_is (g_ptr_array_index (news, 0), 4);
    assert_entry_is (g_ptr_array_index (news, 1), 5);
    g_assert_cmpint (ust_trace_entry_get_direction (g_ptr_array_index (news, 0)), ==,
                     UST_TRACE_SENT);
  }
  {
    /* A reader that fell behind sees the gap: the ring holds 2..5. */
    g_autoptr(GPtrArray) news = ust_trace_get_since (trace, 0);

    g_assert_cmpuint (news->len, ==, 4);
    assert_entry_is (g_ptr_array_index (news, 0), 2);
  }
  {
    g_autoptr(GPtrArray) none = ust_trace_get_since (trace, 1000);

    g_assert_cmpuint (none->len, ==, 0);
  }
}

/* What a line scan finds without parsing: the Call-ID (full or compact
 * name), the kind, the status code, the summary. */
static void
test_entry_fields (void)
{
  static const char response[] =
    "SIP/2.0 486 OBSADENÉ\r\n"
    "Via: SIP/2.0/UDP 10.0.0.5:5062;branch=z9hG4bK1\r\n"
    "i :  abc@10.0.0.5  \r\n"
    "CSeq: 1 INVITE\r\n\r\n";
  static const char request[] =
    "BYE sip:bob@10.0.0.7 SIP/2.0\n"
    "Subject: Call-ID: not this one\n"
    "Call-ID:xyz\n\n";
  static const char no_call_id[] =
    "OPTIONS sip:10.0.0.1 SIP/2.0\r\nCSeq: 1 OPTIONS\r\n\r\nCall-ID: in the body\r\n";
  UstTraceAddress v6;
  g_autoptr(UstTraceEntry) a = NULL;
  g_autoptr(UstTraceEntry) b = NULL;
  g_autoptr(UstTraceEntry) c = NULL;
  g_autoptr(UstTraceEntry) keepalive = NULL;
  g_autoptr(UstTraceEntry) junk = NULL;
  g_autofree char *summary = NULL;
  g_autofree char *method = NULL;
  g_autofree char *where = NULL;
  gsize len;

  g_assert_true (ust_trace_address_parse (&v6, "[fd00::2]:5070"));
  a = ust_trace_entry_new (7, 1000, UST_TRACE_SENT, &exchange_address, &v6, response,
                           strlen (response));
  g_assert_cmpstr (ust_trace_entry_get_call_id (a), ==, "abc@10.0.0.5");
  g_assert_cmpint (ust_trace_entry_get_kind (a), ==, UST_TRACE_KIND_RESPONSE);
  g_assert_cmpuint (ust_trace_entry_get_status_code (a), ==, 486);
  summary = ust_trace_entry_dup_summary (a);
  g_assert_cmpstr (summary, ==, "486 OBSADENÉ");
  g_assert_cmpmem (ust_trace_entry_get_first_line (a, &len), len, "SIP/2.0 486 OBSADENÉ",
                   strlen ("SIP/2.0 486 OBSADENÉ"));
  g_assert_null (ust_trace_entry_dup_method (a));
  g_assert_true (ust_trace_entry_get_remote (a) == ust_trace_entry_get_destination (a));
  where = ust_trace_address_to_string (ust_trace_entry_get_remote (a));
  g_assert_cmpstr (where, ==, "[fd00::2]:5070");

  b = ust_trace_entry_new (8, 1000, UST_TRACE_RECEIVED, &phone_address, &exchange_address,
                           request, strlen (request));
  g_assert_cmpstr (ust_trace_entry_get_call_id (b), ==, "xyz");
  g_assert_cmpint (ust_trace_entry_get_kind (b), ==, UST_TRACE_KIND_REQUEST);
  method = ust_trace_entry_dup_method (b);
  g_assert_cmpstr (method, ==, "BYE");
  g_assert_true (ust_trace_entry_get_remote (b) == ust_trace_entry_get_source (b));

  c = ust_trace_entry_new (9, 1000, UST_TRACE_RECEIVED, &phone_address, &exchange_address,
                           no_call_id, strlen (no_call_id));
  g_assert_cmpstr (ust_trace_entry_get_call_id (c), ==, "");

  keepalive = ust_trace_entry_new (10, 1000, UST_TRACE_RECEIVED, &phone_address,
                                   &exchange_address, "\r\n\r\n", 4);
  g_assert_cmpint (ust_trace_entry_get_kind (keepalive), ==, UST_TRACE_KIND_KEEPALIVE);
  g_assert_cmpstr (ust_trace_entry_get_call_id (keepalive), ==, "");

  junk = ust_trace_entry_new (11, 1000, UST_TRACE_RECEIVED, &phone_address, &exchange_address,
                              "\0\1\2", 3);
  g_assert_cmpint (ust_trace_entry_get_kind (junk), ==, UST_TRACE_KIND_OTHER);
  g_assert_cmpuint (ust_trace_entry_get_len (junk), ==, 3);
}

static void
test_addresses (void)
{
  UstTraceAddress a, b;
  g_autofree char *text = NULL;
  g_autofree char *host = NULL;

  g_assert_true (ust_trace_address_parse (&a, "192.168.1.10:5060"));
  g_assert_cmpuint (a.family, ==, 4);
  g_assert_cmpuint (a.port, ==, 5060);
  text = ust_trace_address_to_string (&a);
  g_assert_cmpstr (text, ==, "192.168.1.10:5060");
  g_assert_true (ust_trace_address_parse (&b, "192.168.1.10:5062"));
  g_assert_true (ust_trace_address_same_host (&a, &b));
  g_assert_false (ust_trace_address_equal (&a, &b));
  host = ust_trace_address_host_to_string (&b);
  g_assert_cmpstr (host, ==, "192.168.1.10");
  g_assert_false (ust_trace_address_parse (&a, "192.168.1.10"));
  g_assert_false (ust_trace_address_parse (&a, "nonsense:5060"));
  g_assert_false (ust_trace_address_parse (&a, "[::1]5060"));
}

typedef struct {
  GMutex   lock;
  guint64  last;
  guint    calls;
  gboolean in_order;
  gboolean destroyed;
} SinkState;

static void
sink_cb (UstTraceEntry *entry,
         gpointer       user_data)
{
  SinkState *state = user_data;

  g_mutex_lock (&state->lock);
  if (ust_trace_entry_get_seq (entry) != state->last + 1)
    state->in_order = FALSE;
  state->last = ust_trace_entry_get_seq (entry);
  state->calls++;
  g_mutex_unlock (&state->lock);
}

static void
sink_destroy (gpointer user_data)
{
  SinkState *state = user_data;

  state->destroyed = TRUE;
}

static void
test_sink (void)
{
  g_autoptr(UstTrace) trace = ust_trace_new (3, 0);
  SinkState state = { .in_order = TRUE };
  guint id;

  g_mutex_init (&state.lock);
  id = ust_trace_add_sink (trace, sink_cb, &state, sink_destroy);
  for (guint64 n = 1; n <= 10; n++)
    {
      g_autofree char *text = numbered_message (n);

      record_text (trace, UST_TRACE_RECEIVED, text);
    }
  g_assert_cmpuint (state.calls, ==, 10);
  g_assert_true (state.in_order);
  ust_trace_remove_sink (trace, id);
  g_assert_true (state.destroyed);
  record_text (trace, UST_TRACE_RECEIVED, "x");
  g_assert_cmpuint (state.calls, ==, 10);
  g_mutex_clear (&state.lock);
}

/* The window's pattern on its own thread: "everything after N", again and
 * again, while the core records as fast as it can into a small ring. Every
 * batch must continue the numbering without repeats, and every entry must be
 * intact. Run under ASan/TSan-like conditions this is the crash test. */
typedef struct {
  UstTrace *trace;
  gint     *stop;
  guint64   batches;
  guint64   entries;
  guint64   gaps;
  gboolean  ok;
} Reader;

static gpointer
reader_thread (gpointer data)
{
  Reader *reader = data;
  guint64 seen = 0;

  while (!g_atomic_int_get (reader->stop))
    {
      g_autoptr(GPtrArray) news = ust_trace_get_since (reader->trace, seen);

      for (guint i = 0; i < news->len; i++)
        {
          UstTraceEntry *entry = g_ptr_array_index (news, i);
          guint64 seq = ust_trace_entry_get_seq (entry);
          g_autofree char *call_id = g_strdup_printf ("call-%" G_GUINT64_FORMAT, seq);

          if (seq <= seen || strcmp (ust_trace_entry_get_call_id (entry), call_id) != 0)
            reader->ok = FALSE;
          if (seq != seen + 1)
            reader->gaps++;   /* the ring dropped some before we came back: allowed */
          seen = seq;
        }
      reader->entries += news->len;
      reader->batches++;
    }
  return NULL;
}

static void
test_concurrent_reader (void)
{
  g_autoptr(UstTrace) trace = ust_trace_new (256, 0);
  gint stop = 0;
  Reader readers[2];
  GThread *threads[2];
  guint64 n_records = 200000;

  for (guint i = 0; i < 2; i++)
    {
      readers[i] = (Reader) { .trace = trace, .stop = &stop, .ok = TRUE };
      threads[i] = g_thread_new ("reader", reader_thread, &readers[i]);
    }
  for (guint64 n = 1; n <= n_records; n++)
    {
      g_autofree char *text = numbered_message (n);

      record_text (trace, n % 2 ? UST_TRACE_RECEIVED : UST_TRACE_SENT, text);
      /* The window may change the limits while the core records. */
      if (n % 50000 == 0)
        ust_trace_set_capacity (trace, n % 100000 == 0 ? 256 : 64);
    }
  g_atomic_int_set (&stop, 1);
  for (guint i = 0; i < 2; i++)
    {
      g_thread_join (threads[i]);
      g_test_message ("reader %u: %" G_GUINT64_FORMAT " entries in %" G_GUINT64_FORMAT
                      " batches, %" G_GUINT64_FORMAT " gaps",
                      i, readers[i].entries, readers[i].batches, readers[i].gaps);
      g_assert_true (readers[i].ok);
      g_assert_cmpuint (readers[i].batches, >, 0);
    }

  g_assert_cmpuint (ust_trace_get_last_seq (trace), ==, n_records);
  g_assert_cmpuint (ust_trace_get_capacity (trace), ==, 256);
  g_assert_cmpuint (ust_trace_get_n_entries (trace), ==, 64);   /* from before it grew */
  {
    g_autoptr(GPtrArray) last = ust_trace_get_since (trace, n_records - 1);

    g_assert_cmpuint (last->len, ==, 1);
    assert_entry_is (g_ptr_array_index (last, 0), n_records);
  }
}

/* The OPTIONS, its answer and the keep-alive. */
static gboolean
has_three_entries (gpointer trace)
{
  return ust_trace_get_n_entries (trace) >= 3;
}

/* The transport records what it receives (before the proxy) and what it
 * sends, with both addresses; here an OPTIONS the exchange answers itself. */
static void
test_transport_hook (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetSocketAddress) listen = NULL;
  g_autoptr(UstTransport) transport = NULL;
  g_autoptr(UstRegistrar) registrar = NULL;
  g_autoptr(UstReasonTable) reasons = NULL;
  g_autoptr(UstProxy) proxy = NULL;
  g_autoptr(UstTrace) trace = ust_trace_new (0, 0);
  g_autoptr(GSocket) phone = NULL;
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new_from_string ("127.0.0.1", 0);
  g_autoptr(GSocketAddress) phone_local = NULL;
  g_autoptr(GPtrArray) all = NULL;
  g_autofree char *data_dir = g_dir_make_tmp ("ust-trace-XXXXXX", NULL);
  g_autofree char *store = g_build_filename (data_dir, "registrations.ini", NULL);
  g_autofree char *options = NULL;
  g_autofree char *phone_text = NULL;
  g_autofree char *exchange_text = NULL;
  g_autofree char *source = NULL;
  g_autofree char *destination = NULL;
  guint port;

  g_assert_true (ust_address_text_parse ("127.0.0.1:0", 5060, &listen, NULL));
  transport = ust_transport_new (listen, &error);
  g_assert_no_error (error);
  registrar = ust_registrar_new (store);
  reasons = ust_reason_table_new ();
  proxy = ust_proxy_new (transport, registrar, reasons);
  ust_transport_set_trace (transport, trace);
  g_assert_true (ust_transport_get_trace (transport) == trace);

  phone = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP,
                        &error);
  g_assert_no_error (error);
  g_socket_bind (phone, any, FALSE, &error);
  g_assert_no_error (error);
  phone_local = g_socket_get_local_address (phone, &error);
  g_assert_no_error (error);
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (phone_local));
  options = g_strdup_printf ("OPTIONS sip:127.0.0.1 SIP/2.0\r\n"
                             "Via: SIP/2.0/UDP 127.0.0.1:%u;branch=z9hG4bKopt1\r\n"
                             "From: <sip:alice@127.0.0.1>;tag=1\r\n"
                             "To: <sip:127.0.0.1>\r\n"
                             "Call-ID: trace-options-1\r\n"
                             "CSeq: 1 OPTIONS\r\n"
                             "Max-Forwards: 70\r\n"
                             "Content-Length: 0\r\n\r\n", port);
  g_socket_send_to (phone, G_SOCKET_ADDRESS (ust_transport_get_local_address (transport)),
                    options, strlen (options), NULL, &error);
  g_assert_no_error (error);
  /* A keep-alive is recorded too: the trace is what was on the wire. */
  g_socket_send_to (phone, G_SOCKET_ADDRESS (ust_transport_get_local_address (transport)),
                    "\r\n\r\n", 4, NULL, &error);
  g_assert_no_error (error);

  ust_test_spin_until (has_three_entries, trace, 2000);

  all = ust_trace_get_since (trace, 0);
  g_assert_cmpuint (all->len, ==, 3);
  phone_text = ust_address_text_format (phone_local);
  exchange_text = ust_transport_describe (transport);

  {
    UstTraceEntry *in = g_ptr_array_index (all, 0);
    UstTraceEntry *out = g_ptr_array_index (all, 1);
    UstTraceEntry *keepalive = g_ptr_array_index (all, 2);

    g_assert_cmpint (ust_trace_entry_get_direction (in), ==, UST_TRACE_RECEIVED);
    g_assert_cmpmem (ust_trace_entry_get_data (in, NULL), ust_trace_entry_get_len (in),
                     options, strlen (options));
    source = ust_trace_address_to_string (ust_trace_entry_get_source (in));
    destination = ust_trace_address_to_string (ust_trace_entry_get_destination (in));
    g_assert_cmpstr (source, ==, phone_text);
    g_assert_cmpstr (destination, ==, exchange_text);

    g_assert_cmpint (ust_trace_entry_get_direction (out), ==, UST_TRACE_SENT);
    g_assert_cmpint (ust_trace_entry_get_kind (out), ==, UST_TRACE_KIND_RESPONSE);
    g_assert_cmpuint (ust_trace_entry_get_status_code (out), ==, 200);
    g_assert_cmpstr (ust_trace_entry_get_call_id (out), ==, "trace-options-1");
    g_clear_pointer (&source, g_free);
    g_clear_pointer (&destination, g_free);
    source = ust_trace_address_to_string (ust_trace_entry_get_source (out));
    destination = ust_trace_address_to_string (ust_trace_entry_get_destination (out));
    g_assert_cmpstr (source, ==, exchange_text);
    g_assert_cmpstr (destination, ==, phone_text);

    g_assert_cmpint (ust_trace_entry_get_kind (keepalive), ==, UST_TRACE_KIND_KEEPALIVE);
  }

  /* Detached: nothing more is recorded. */
  ust_transport_set_trace (transport, NULL);
  g_socket_send_to (phone, G_SOCKET_ADDRESS (ust_transport_get_local_address (transport)),
                    options, strlen (options), NULL, &error);
  g_assert_no_error (error);
  ust_test_spin (100);
  g_assert_cmpuint (ust_trace_get_last_seq (trace), ==, 3);

  g_clear_object (&proxy);
  g_clear_object (&registrar);
  g_clear_object (&transport);
  ust_test_spin (50);
  ust_test_remove_tree (data_dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  ust_sip_init ();
  ust_trace_address_parse (&phone_address, "10.0.0.5:5062");
  ust_trace_address_parse (&exchange_address, "10.0.0.1:5060");

  g_test_add_func ("/ust/trace/capacity", test_capacity);
  g_test_add_func ("/ust/trace/byte-budget", test_byte_budget);
  g_test_add_func ("/ust/trace/since", test_since);
  g_test_add_func ("/ust/trace/entry-fields", test_entry_fields);
  g_test_add_func ("/ust/trace/addresses", test_addresses);
  g_test_add_func ("/ust/trace/sink", test_sink);
  g_test_add_func ("/ust/trace/concurrent-reader", test_concurrent_reader);
  g_test_add_func ("/ust/trace/transport-hook", test_transport_hook);

  return g_test_run ();
}
