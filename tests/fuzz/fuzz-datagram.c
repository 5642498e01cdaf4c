/* SPDX-License-Identifier: GPL-3.0-or-later */

/* Every input is one UDP datagram to a running exchange: the real path,
 * from the socket through libosip2, our own header scanner and splice
 * editor, the transactions, the registrar, the call tracker and the wire
 * trace, to whatever the exchange sends back. After each datagram the trace
 * is drawn as a ladder and each forwarded message compared with what came
 * in, as the Wire tab does.
 *
 * The exchange answers and forwards to the addresses the input names, so
 * this must run where only loopback exists: tests/fuzz/run-isolated.sh puts
 * it in a network namespace of its own.
 *
 * Built two ways:
 *   - with clang's libFuzzer (build-aux/fuzz.sh), to search for crashes;
 *   - with UST_FUZZ_REPLAY, as a plain program that feeds the files named
 *     on its command line (tests/fuzz/corpus: seeds and every crash found
 *     so far), run by `meson test` in the normal and the ASan build. */

#include "config.h"

#include <stdint.h>
#include <string.h>

#include "ust-address-text.h"
#include "ust-call-tracker.h"
#include "ust-ladder.h"
#include "ust-message-diff.h"
#include "ust-proxy.h"
#include "ust-sip.h"
#include "ust-test-util.h"
#include "ust-trace.h"

typedef struct {
  UstTransport   *transport;
  UstRegistrar   *registrar;
  UstReasonTable *reasons;
  UstProxy       *proxy;
  UstCallTracker *tracker;
  UstTrace       *trace;
  GSocket        *phone;
  GSocketAddress *exchange;
  guint64         seen_seq;
} Harness;

static Harness harness;

static void
harness_init (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetSocketAddress) address = NULL;
  g_autoptr(GSocketAddress) phone_address = g_inet_socket_address_new_from_string ("127.0.0.1",
                                                                                    0);

  ust_sip_init ();
  g_assert_true (ust_address_text_parse ("127.0.0.1:0", 5060, &address, NULL));
  harness.transport = ust_transport_new (address, &error);
  g_assert_no_error (error);
  harness.trace = ust_trace_new (64, 1 << 20);
  ust_transport_set_trace (harness.transport, harness.trace);
  harness.registrar = ust_registrar_new (NULL);
  harness.reasons = ust_reason_table_new ();
  ust_reason_table_parse_assignment (harness.reasons, "200=POHODKA", NULL);
  ust_reason_table_set_relay (harness.reasons, TRUE);
  harness.proxy = ust_proxy_new (harness.transport, harness.registrar, harness.reasons);
  /* Transactions end within milliseconds, so a long run does not pile
   * them up; open, so calls need no REGISTER first. */
  ust_proxy_set_timer_t1 (harness.proxy, 1);
  ust_proxy_set_open (harness.proxy, TRUE);
  harness.tracker = ust_call_tracker_new ();
  ust_proxy_set_call_tracker (harness.proxy, harness.tracker);
  harness.exchange = G_SOCKET_ADDRESS (g_object_ref (ust_transport_get_local_address (
    harness.transport)));

  harness.phone = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
                                G_SOCKET_PROTOCOL_UDP, &error);
  g_assert_no_error (error);
  g_socket_bind (harness.phone, phone_address, FALSE, &error);
  g_assert_no_error (error);
  g_socket_set_blocking (harness.phone, FALSE);
}

/* What the Wire tab does with new datagrams: a ladder per call, and the
 * received/sent comparison for each. */
static void
view_new_entries (void)
{
  g_autoptr(GPtrArray) entries = ust_trace_get_since (harness.trace, 0);

  for (guint i = 0; i < entries->len; i++)
    {
      UstTraceEntry *entry = g_ptr_array_index (entries, i);
      const char *call_id = ust_trace_entry_get_call_id (entry);
      UstTraceEntry *pair;

      if (ust_trace_entry_get_seq (entry) <= harness.seen_seq)
        continue;
      harness.seen_seq = ust_trace_entry_get_seq (entry);
      if (call_id != NULL)
        {
          g_autoptr(UstLadder) ladder = ust_ladder_new_for_call (entries, call_id);
          g_autofree char *text = ust_ladder_to_text (ladder);
        }
      pair = ust_message_diff_find_pair (entries, entry);
      if (pair != NULL)
        {
          g_autoptr(GPtrArray) lines = ust_message_diff_entries (entry, pair);
          g_autofree char *text = lines != NULL ? ust_message_diff_to_text (lines) : NULL;
        }
    }
}

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  harness_init ();
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  char answer[UST_MAX_DATAGRAM + 1];

  if (size == 0 || size > UST_MAX_DATAGRAM)
    return 0;
  if (g_socket_send_to (harness.phone, harness.exchange, (const char *) data, size, NULL, NULL)
      < 0)
    return 0;
  /* Loopback delivers at once: a few turns take the datagram, send what
   * it causes and run the timers that are due. */
  for (guint i = 0; i < 4; i++)
    g_main_context_iteration (NULL, FALSE);
  while (g_socket_receive (harness.phone, answer, sizeof answer, NULL, NULL) > 0)
    ;
  view_new_entries ();
  return 0;
}

#ifdef UST_FUZZ_REPLAY
static guint
replay_file (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize len = 0;

  if (!g_file_get_contents (path, &contents, &len, &error))
    g_error ("%s", error->message);
  LLVMFuzzerTestOneInput ((const uint8_t *) contents, len);
  return 1;
}

/* A folder's files in name order, so that a run is the same every time. */
static guint
replay_folder (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;
  guint n = 0;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (names, g_build_filename (path, name, NULL));
  g_ptr_array_sort (names, (GCompareFunc) g_strcmp0);
  for (guint i = 0; i < names->len; i++)
    n += replay_file (g_ptr_array_index (names, i));
  return n;
}

/* Replays each file named (a folder: every file in it), then lets the
 * timers of what they started run out. Exit status 0 when nothing crashed
 * (a crash aborts). */
int
main (int   argc,
      char *argv[])
{
  guint n = 0;

  LLVMFuzzerInitialize (&argc, &argv);
  for (int i = 1; i < argc; i++)
    n += g_file_test (argv[i], G_FILE_TEST_IS_DIR) ? replay_folder (argv[i])
                                                    : replay_file (argv[i]);
  ust_test_spin (300);
  g_print ("replayed %u input(s) without a crash\n", n);
  return n > 0 ? 0 : 1;
}
#endif
