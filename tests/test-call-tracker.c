/* SPDX-License-Identifier: GPL-3.0-or-later */

/* The call tracker's state vocabulary, fed the messages the proxy would
 * hand it: which state each call ends in, who ended it, the steps the diary
 * and the window hear of, and the phrases as sent and as received. */

#include "config.h"

#include <string.h>

#include "ust-call-tracker.h"
#include "ust-sip.h"

#define TEST_CALL_ID "trk-1@127.0.0.1"
#define ALICE_TAG "a1"
#define BOB_TAG "b1"

typedef struct {
  UstCallTracker *tracker;
  GSocketAddress *alice;
  GSocketAddress *bob;
  GString        *kinds;    /* "calling ringing started …" */
  GString        *details;  /* the detail of each step that has one */
} Fixture;

static void
call_event_cb (UstCallTracker *tracker,
               UstCallChange  *change,
               gpointer        user_data)
{
  Fixture *fixture = user_data;

  if (fixture->kinds->len > 0)
    g_string_append_c (fixture->kinds, ' ');
  g_string_append (fixture->kinds, change->kind);
  if (change->detail != NULL)
    g_string_append_printf (fixture->details, "%s[%s]", change->kind, change->detail);
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  fixture->tracker = ust_call_tracker_new ();
  fixture->alice = g_inet_socket_address_new_from_string ("127.0.0.2", 5062);
  fixture->bob = g_inet_socket_address_new_from_string ("127.0.0.3", 5063);
  fixture->kinds = g_string_new (NULL);
  fixture->details = g_string_new (NULL);
  g_signal_connect (fixture->tracker, "call-event", G_CALLBACK (call_event_cb), fixture);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_clear_object (&fixture->tracker);
  g_clear_object (&fixture->alice);
  g_clear_object (&fixture->bob);
  g_string_free (fixture->kinds, TRUE);
  g_string_free (fixture->details, TRUE);
}

static osip_message_t *
parse (const char *text)
{
  g_autoptr(GError) error = NULL;
  osip_message_t *message = ust_sip_parse (text, strlen (text), &error);

  g_assert_no_error (error);
  return message;
}

static const char *
sdp (const char *audio_direction,
     gboolean    video)
{
  static char body[512];

  g_snprintf (body, sizeof body,
              "v=0\r\no=a 1 1 IN IP4 127.0.0.2\r\ns=-\r\nc=IN IP4 127.0.0.2\r\nt=0 0\r\n"
              "m=audio 4000 RTP/AVP 0\r\na=%s\r\n%s",
              audio_direction, video ? "m=video 4002 RTP/AVP 96\r\n" : "");
  return body;
}

/* A request in the call. @from_callee: Bob sends it (From and To swap);
 * @in_dialog: To carries the other side's tag. */
static void
request (Fixture    *fixture,
         const char *method,
         guint       cseq,
         gboolean    from_callee,
         gboolean    in_dialog,
         const char *extra,
         const char *body)
{
  g_autofree char *text = g_strdup_printf (
    "%s sip:%s@127.0.0.1 SIP/2.0\r\n"
    "Via: SIP/2.0/UDP %s;branch=z9hG4bK-%s-%u\r\n"
    "From: <sip:%s@127.0.0.1>;tag=%s\r\n"
    "To: <sip:%s@127.0.0.1>%s%s\r\n"
    "Call-ID: " TEST_CALL_ID "\r\n"
    "CSeq: %u %s\r\n"
    "Max-Forwards: 70\r\n"
    "%s"
    "%s"
    "Content-Length: %zu\r\n\r\n%s",
    method, from_callee ? "alice" : "bob",
    from_callee ? "127.0.0.3:5063" : "127.0.0.2:5062", method, cseq,
    from_callee ? "bob" : "alice", from_callee ? BOB_TAG : ALICE_TAG,
    from_callee ? "alice" : "bob", in_dialog ? ";tag=" : "",
    in_dialog ? (from_callee ? ALICE_TAG : BOB_TAG) : "",
    cseq, method, extra != NULL ? extra : "",
    body != NULL ? "Content-Type: application/sdp\r\n" : "",
    body != NULL ? strlen (body) : 0, body != NULL ? body : "");
  g_autoptr(osip_message_t) message = parse (text);

  ust_call_tracker_request (fixture->tracker, message,
                            from_callee ? fixture->bob : fixture->alice,
                            from_callee ? UST_PROTOCOL_TCP : UST_PROTOCOL_UDP);
}

static void
invite (Fixture *fixture)
{
  request (fixture, "INVITE", 1, FALSE, FALSE, NULL, sdp ("sendrecv", FALSE));
}

/* Bob's response to Alice's INVITE (CSeq 1), relayed with @sent as its
 * phrase (a custom phrase, or the same). */
static void
response (Fixture    *fixture,
          guint       code,
          const char *phrase,
          const char *sent)
{
  g_autofree char *text = g_strdup_printf (
    "SIP/2.0 %u %s\r\n"
    "Via: SIP/2.0/UDP 127.0.0.2:5062;branch=z9hG4bK-INVITE-1\r\n"
    "From: <sip:alice@127.0.0.1>;tag=" ALICE_TAG "\r\n"
    "To: <sip:bob@127.0.0.1>%s\r\n"
    "Call-ID: " TEST_CALL_ID "\r\n"
    "CSeq: 1 INVITE\r\n"
    "Server: BobPhone 1.0\r\n"
    "Content-Length: 0\r\n\r\n",
    code, phrase, code > 100 ? ";tag=" BOB_TAG : "");
  g_autoptr(osip_message_t) message = parse (text);

  ust_call_tracker_response (fixture->tracker, message, sent != NULL ? sent : phrase,
                             fixture->bob, UST_PROTOCOL_TCP);
}

/* A response the exchange itself sent to the INVITE (404, 480, 408…). */
static void
local_response (Fixture    *fixture,
                guint       code,
                const char *phrase)
{
  g_autofree char *text = g_strdup_printf (
    "INVITE sip:bob@127.0.0.1 SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 127.0.0.2:5062;branch=z9hG4bK-INVITE-1\r\n"
    "From: <sip:alice@127.0.0.1>;tag=" ALICE_TAG "\r\n"
    "To: <sip:bob@127.0.0.1>\r\n"
    "Call-ID: " TEST_CALL_ID "\r\n"
    "CSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n");
  g_autoptr(osip_message_t) message = parse (text);

  ust_call_tracker_local_response (fixture->tracker, message, code, phrase);
}

static const UstCallData *
call_data (Fixture *fixture)
{
  UstCallRecord *record = ust_call_tracker_lookup (fixture->tracker, TEST_CALL_ID);

  g_assert_nonnull (record);
  return ust_call_record_get_data (record);
}

static void
test_answered_caller_hangs_up (Fixture       *fixture,
                               gconstpointer  data)
{
  const UstCallData *call;

  invite (fixture);
  response (fixture, 100, "Trying", NULL);
  response (fixture, 180, "Ringing", NULL);
  response (fixture, 200, "OK", "POHODKA");
  response (fixture, 200, "OK", "POHODKA");  /* a 2xx retransmission: one "started" */
  request (fixture, "ACK", 1, FALSE, TRUE, NULL, NULL);
  request (fixture, "BYE", 2, FALSE, TRUE, NULL, NULL);

  g_assert_cmpstr (fixture->kinds->str, ==, "calling ringing started ended");
  call = call_data (fixture);
  g_assert_cmpint (call->state, ==, UST_CALL_ENDED);
  g_assert_cmpint (call->ended_by, ==, UST_ENDED_BY_CALLER);
  g_assert_cmpstr (ust_call_disposition (call), ==, "answered");
  g_assert_cmpuint (call->final_code, ==, 200);
  g_assert_cmpstr (call->final_reason, ==, "POHODKA");
  g_assert_cmpstr (call->orig_reason, ==, "OK");
  g_assert_cmpstr (call->caller, ==, "alice@127.0.0.1");
  g_assert_cmpstr (call->callee, ==, "bob@127.0.0.1");
  /* Where each phone is and which transport it uses (Bob's is TCP here). */
  g_assert_cmpstr (call->caller_addr, ==, "127.0.0.2:5062 (UDP)");
  g_assert_cmpstr (call->callee_addr, ==, "127.0.0.3:5063 (TCP)");
  g_assert_cmpstr (call->callee_ua, ==, "BobPhone 1.0");
  g_assert_true (call->ring_time >= call->start_time && call->answer_time >= call->ring_time
                 && call->end_time >= call->answer_time);
  g_assert_false (ust_call_data_is_active (call));
}

static void
test_callee_hangs_up (Fixture       *fixture,
                      gconstpointer  data)
{
  invite (fixture);
  response (fixture, 200, "OK", NULL);
  request (fixture, "BYE", 1, TRUE, TRUE, NULL, NULL);

  g_assert_cmpstr (fixture->kinds->str, ==, "calling started ended");
  g_assert_cmpint (call_data (fixture)->ended_by, ==, UST_ENDED_BY_CALLEE);
}

/* §9.1: the caller's CANCEL makes the callee's 487 a cancelled call; a 487
 * without a CANCEL seen is only a failure. */
static void
test_cancelled (Fixture       *fixture,
                gconstpointer  data)
{
  invite (fixture);
  response (fixture, 180, "Ringing", NULL);
  request (fixture, "CANCEL", 1, FALSE, FALSE, NULL, NULL);
  response (fixture, 487, "Request Terminated", NULL);

  g_assert_cmpstr (fixture->kinds->str, ==, "calling ringing cancelled");
  g_assert_cmpint (call_data (fixture)->state, ==, UST_CALL_CANCELLED);
  g_assert_cmpint (call_data (fixture)->ended_by, ==, UST_ENDED_BY_CALLER);
  g_assert_cmpstr (ust_call_disposition (call_data (fixture)), ==, "cancelled");
}

static void
test_487_without_cancel_failed (Fixture       *fixture,
                                gconstpointer  data)
{
  invite (fixture);
  response (fixture, 487, "Request Terminated", NULL);

  g_assert_cmpint (call_data (fixture)->state, ==, UST_CALL_FAILED);
  g_assert_cmpint (call_data (fixture)->ended_by, ==, UST_ENDED_BY_CALLEE);
}

/* Each final answer from the callee's phone, and from the exchange itself. */
static void
test_rejections (void)
{
  const struct {
    guint         code;
    const char   *phrase;
    gboolean      local;
    UstCallState  state;
    UstEndedBy    ended_by;
    const char   *disposition;
  } cases[] = {
    { 486, "Busy Here", FALSE, UST_CALL_BUSY, UST_ENDED_BY_CALLEE, "busy" },
    { 600, "Busy Everywhere", FALSE, UST_CALL_BUSY, UST_ENDED_BY_CALLEE, "busy" },
    { 603, "Decline", FALSE, UST_CALL_DECLINED, UST_ENDED_BY_CALLEE, "declined" },
    { 404, "Not Found", FALSE, UST_CALL_FAILED, UST_ENDED_BY_CALLEE, "failed" },
    { 500, "Server Internal Error", FALSE, UST_CALL_FAILED, UST_ENDED_BY_CALLEE, "failed" },
    { 404, "No such user", TRUE, UST_CALL_NOT_FOUND, UST_ENDED_BY_EXCHANGE, "not found" },
    { 480, "Not registered now", TRUE, UST_CALL_NOT_FOUND, UST_ENDED_BY_EXCHANGE, "not found" },
    { 408, "No answer from the phone", TRUE, UST_CALL_TIMED_OUT, UST_ENDED_BY_TIMEOUT,
      "timed out" },
    { 403, "Caller not registered", TRUE, UST_CALL_FAILED, UST_ENDED_BY_EXCHANGE, "failed" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      Fixture fixture = { 0 };
      g_autofree char *detail = g_strdup_printf ("rejected[%u %s]", cases[i].code,
                                                 cases[i].phrase);
      const UstCallData *call;

      fixture_set_up (&fixture, NULL);
      invite (&fixture);
      if (cases[i].local)
        local_response (&fixture, cases[i].code, cases[i].phrase);
      else
        response (&fixture, cases[i].code, cases[i].phrase, NULL);

      call = call_data (&fixture);
      g_test_message ("%u %s", cases[i].code, cases[i].local ? "from the exchange" : "relayed");
      g_assert_cmpstr (fixture.kinds->str, ==, "calling rejected");
      g_assert_cmpstr (fixture.details->str, ==, detail);
      g_assert_cmpint (call->state, ==, cases[i].state);
      g_assert_cmpint (call->ended_by, ==, cases[i].ended_by);
      g_assert_cmpuint (call->final_code, ==, cases[i].code);
      g_assert_cmpstr (ust_call_disposition (call), ==, cases[i].disposition);
      fixture_tear_down (&fixture, NULL);
    }
}

/* RFC 3264 §5.1 and §8.4: re-INVITEs turn video on and off and put the
 * call on hold and back. */
static void
test_video_and_hold (Fixture       *fixture,
                     gconstpointer  data)
{
  invite (fixture);
  response (fixture, 200, "OK", NULL);
  g_assert_false (call_data (fixture)->video);

  request (fixture, "INVITE", 2, FALSE, TRUE, NULL, sdp ("sendrecv", TRUE));
  request (fixture, "INVITE", 3, FALSE, TRUE, NULL, sdp ("sendrecv", FALSE));
  request (fixture, "INVITE", 4, TRUE, TRUE, NULL, sdp ("sendonly", FALSE));
  g_assert_true (call_data (fixture)->on_hold);
  request (fixture, "INVITE", 5, TRUE, TRUE, NULL, sdp ("sendrecv", FALSE));

  g_assert_cmpstr (fixture->kinds->str, ==,
                   "calling started video-on video-off hold resume");
  g_assert_true (call_data (fixture)->video);
  g_assert_false (call_data (fixture)->video_now);
  g_assert_false (call_data (fixture)->on_hold);
}

static void
test_video_from_the_start (Fixture       *fixture,
                           gconstpointer  data)
{
  request (fixture, "INVITE", 1, FALSE, FALSE, NULL, sdp ("sendrecv", TRUE));
  g_assert_true (call_data (fixture)->video);
}

/* RFC 3515: a REFER names the transfer target; the NOTIFYs' sipfrag says
 * how the new call went. */
static void
test_transfer (Fixture       *fixture,
               gconstpointer  data)
{
  invite (fixture);
  response (fixture, 200, "OK", NULL);
  request (fixture, "REFER", 2, TRUE, TRUE, "Refer-To: <sip:carol@127.0.0.1>\r\n", NULL);
  {
    const char *frag = "SIP/2.0 200 OK\r\n";
    g_autofree char *text = g_strdup_printf (
      "NOTIFY sip:bob@127.0.0.1 SIP/2.0\r\n"
      "Via: SIP/2.0/UDP 127.0.0.2:5062;branch=z9hG4bK-notify-1\r\n"
      "From: <sip:alice@127.0.0.1>;tag=" ALICE_TAG "\r\n"
      "To: <sip:bob@127.0.0.1>;tag=" BOB_TAG "\r\n"
      "Call-ID: " TEST_CALL_ID "\r\nCSeq: 3 NOTIFY\r\nEvent: refer\r\n"
      "Content-Type: message/sipfrag;version=2.0\r\nContent-Length: %zu\r\n\r\n%s",
      strlen (frag), frag);
    g_autoptr(osip_message_t) notify = parse (text);

    ust_call_tracker_request (fixture->tracker, notify, fixture->alice, UST_PROTOCOL_UDP);
  }

  g_assert_cmpstr (fixture->kinds->str, ==, "calling started transfer transfer-result");
  g_assert_cmpstr (call_data (fixture)->transfer_to, ==, "carol@127.0.0.1");
  g_assert_cmpstr (call_data (fixture)->transfer_result, ==, "200 OK");
}

/* Stopping the exchange ends what is still going on, so the diary never
 * keeps a call "up" for ever. */
static void
test_shutdown_ends_calls (Fixture       *fixture,
                          gconstpointer  data)
{
  invite (fixture);
  response (fixture, 180, "Ringing", NULL);
  ust_call_tracker_shutdown (fixture->tracker);

  g_assert_cmpint (call_data (fixture)->state, ==, UST_CALL_FAILED);
  g_assert_cmpuint (call_data (fixture)->final_code, ==, 503);
  g_assert_cmpint (call_data (fixture)->ended_by, ==, UST_ENDED_BY_EXCHANGE);
  {
    g_autoptr(GPtrArray) active = ust_call_tracker_list_active (fixture->tracker);

    g_assert_cmpuint (active->len, ==, 0);
  }
}

static void
test_shutdown_ends_answered (Fixture       *fixture,
                             gconstpointer  data)
{
  invite (fixture);
  response (fixture, 200, "OK", NULL);
  ust_call_tracker_shutdown (fixture->tracker);

  g_assert_cmpstr (fixture->kinds->str, ==, "calling started ended");
  g_assert_cmpint (call_data (fixture)->state, ==, UST_CALL_ENDED);
  g_assert_cmpint (call_data (fixture)->ended_by, ==, UST_ENDED_BY_EXCHANGE);
}

/* The words the diary and the CSV keep, both ways. */
static void
test_state_names (void)
{
  for (UstCallState state = UST_CALL_SETUP; state <= UST_CALL_TIMED_OUT; state++)
    {
      UstCallState back;

      g_assert_true (ust_call_state_from_string (ust_call_state_to_string (state), &back));
      g_assert_cmpint (back, ==, state);
    }
  for (UstEndedBy by = UST_ENDED_BY_CALLER; by <= UST_ENDED_BY_TIMEOUT; by++)
    g_assert_cmpint (ust_ended_by_from_string (ust_ended_by_to_string (by)), ==, by);
  {
    UstCallState unused;

    g_assert_false (ust_call_state_from_string ("pohodka", &unused));
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  ust_sip_init ();

#define ADD(path, func) \
  g_test_add ("/ust/call-tracker/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("answered-caller-hangs-up", test_answered_caller_hangs_up);
  ADD ("callee-hangs-up", test_callee_hangs_up);
  ADD ("cancelled", test_cancelled);
  ADD ("487-without-cancel-failed", test_487_without_cancel_failed);
  ADD ("video-and-hold", test_video_and_hold);
  ADD ("video-from-the-start", test_video_from_the_start);
  ADD ("transfer", test_transfer);
  ADD ("shutdown-ends-ringing", test_shutdown_ends_calls);
  ADD ("shutdown-ends-answered", test_shutdown_ends_answered);
#undef ADD
  g_test_add_func ("/ust/call-tracker/rejections", test_rejections);
  g_test_add_func ("/ust/call-tracker/state-names", test_state_names);

  return g_test_run ();
}
