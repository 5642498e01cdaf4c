/* SPDX-License-Identifier: GPL-3.0-or-later */

/* SIP over a stream (RFC 3261 §18.3, RFC 5626 §3.5.1): messages split over
 * many reads, several in one read, keep-alives, and streams that cannot be
 * framed. */

#include "config.h"

#include <string.h>

#include "ust-stream-framer.h"

#define OPTIONS_HEAD \
  "OPTIONS sip:bob@127.0.0.1 SIP/2.0\r\n" \
  "Via: SIP/2.0/TCP 127.0.0.1:5070;branch=z9hG4bK-%d\r\n" \
  "From: <sip:alice@127.0.0.1>;tag=a\r\nTo: <sip:bob@127.0.0.1>\r\n" \
  "Call-ID: framer-%d\r\nCSeq: 1 OPTIONS\r\n"

static char *
message (int         n,
         const char *body)
{
  return g_strdup_printf (OPTIONS_HEAD "Content-Type: text/plain\r\nContent-Length: %zu\r\n\r\n%s",
                          n, n, strlen (body), body);
}

/* Frames everything available; the messages joined by '|', pings as "PING". */
static char *
drain (UstStreamFramer *framer,
       UstFrame        *last)
{
  GString *out = g_string_new (NULL);

  for (;;)
    {
      ust_stream_framer_next (framer, last);
      if (last->kind == UST_FRAME_NONE || last->kind == UST_FRAME_ERROR)
        break;
      if (out->len > 0)
        g_string_append_c (out, '|');
      if (last->kind == UST_FRAME_PING)
        g_string_append (out, "PING");
      else
        g_string_append_len (out, last->data, (gssize) last->len);
    }
  return g_string_free (out, FALSE);
}

/* A message that arrives one byte per read comes out once, whole, at its
 * last byte. */
static void
test_split (void)
{
  g_autofree char *text = message (1, "ahoj");
  UstStreamFramer framer;
  UstFrame frame;
  gsize len = strlen (text);

  ust_stream_framer_init (&framer, 0);
  for (gsize i = 0; i < len; i++)
    {
      g_autofree char *got = NULL;

      ust_stream_framer_push (&framer, text + i, 1);
      got = drain (&framer, &frame);
      g_assert_cmpint (frame.kind, ==, UST_FRAME_NONE);
      if (i + 1 < len)
        {
          g_assert_cmpstr (got, ==, "");
          g_assert_cmpuint (ust_stream_framer_pending (&framer), ==, i + 1);
        }
      else
        g_assert_cmpstr (got, ==, text);
    }
  g_assert_cmpuint (ust_stream_framer_pending (&framer), ==, 0);
  ust_stream_framer_clear (&framer);
}

/* Three messages and a ping in one read, the last message's body cut by
 * the read: two messages and the ping now, the third with the next read. */
static void
test_coalesced (void)
{
  g_autofree char *one = message (1, "");
  g_autofree char *two = message (2, "body\r\n\r\nwith an empty line");
  g_autofree char *three = message (3, "third");
  g_autofree char *all = g_strconcat (one, two, "\r\n\r\n", three, NULL);
  g_autofree char *expected = g_strconcat (one, "|", two, "|PING", NULL);
  g_autofree char *got = NULL;
  g_autofree char *rest = NULL;
  UstStreamFramer framer;
  UstFrame frame;
  gsize cut = strlen (all) - 3;

  ust_stream_framer_init (&framer, 0);
  ust_stream_framer_push (&framer, all, cut);
  got = drain (&framer, &frame);
  g_assert_cmpstr (got, ==, expected);
  g_assert_cmpuint (ust_stream_framer_pending (&framer), ==, strlen (three) - 3);

  ust_stream_framer_push (&framer, all + cut, 3);
  rest = drain (&framer, &frame);
  g_assert_cmpstr (rest, ==, three);
  ust_stream_framer_clear (&framer);
}

/* RFC 5626 §3.5.1: a double CRLF is a ping, even in two pieces; a lone
 * CRLF (a pong, or one before a message, RFC 3261 §7.5) is skipped. */
static void
test_keepalive (void)
{
  g_autofree char *one = message (1, "x");
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  g_autofree char *third = NULL;
  UstStreamFramer framer;
  UstFrame frame;

  ust_stream_framer_init (&framer, 0);
  ust_stream_framer_push (&framer, "\r\n", 2);
  first = drain (&framer, &frame);
  g_assert_cmpstr (first, ==, "");
  ust_stream_framer_push (&framer, "\r\n", 2);
  second = drain (&framer, &frame);
  g_assert_cmpstr (second, ==, "PING");

  ust_stream_framer_push (&framer, "\r\n", 2);
  ust_stream_framer_push (&framer, one, strlen (one));
  third = drain (&framer, &frame);
  g_assert_cmpstr (third, ==, one);
  g_assert_cmpint (frame.kind, ==, UST_FRAME_NONE);
  ust_stream_framer_clear (&framer);
}

static void
assert_error (const char    *text,
              gsize          max_message,
              UstFrameError  error,
              gboolean       head_found)
{
  UstStreamFramer framer;
  UstFrame frame;
  g_autofree char *got = NULL;

  ust_stream_framer_init (&framer, max_message);
  ust_stream_framer_push (&framer, text, strlen (text));
  got = drain (&framer, &frame);
  g_assert_cmpstr (got, ==, "");
  g_assert_cmpint (frame.kind, ==, UST_FRAME_ERROR);
  g_assert_cmpint (frame.error, ==, error);
  g_assert_cmpstr (ust_frame_error_to_string (error), !=, "");
  if (head_found)
    {
      /* The header section, so that a request can be answered 400. */
      g_assert_nonnull (frame.data);
      g_assert_true (g_str_has_prefix (frame.data, "OPTIONS sip:"));
      g_assert_true (frame.data[frame.len - 1] == '\n');
    }
  else
    g_assert_null (frame.data);

  /* A stream that failed stays failed: the connection is closed. */
  ust_stream_framer_push (&framer, "\r\n\r\n", 4);
  ust_stream_framer_next (&framer, &frame);
  g_assert_cmpint (frame.kind, ==, UST_FRAME_ERROR);
  ust_stream_framer_clear (&framer);
}

/* §18.3: Content-Length is mandatory on a stream; without it (or with a
 * value that is no number) the stream cannot go on, but the request can
 * still be answered. */
static void
test_no_content_length (void)
{
  g_autofree char *missing = g_strdup_printf (OPTIONS_HEAD "\r\nbody", 1, 1);
  g_autofree char *bad = g_strdup_printf (OPTIONS_HEAD "Content-Length: ten\r\n\r\n", 1, 1);
  g_autofree char *compact = g_strdup_printf (OPTIONS_HEAD "l: 4\r\n\r\nbody", 1, 1);
  UstStreamFramer framer;
  UstFrame frame;

  assert_error (missing, 0, UST_FRAME_ERROR_NO_LENGTH, TRUE);
  assert_error (bad, 0, UST_FRAME_ERROR_BAD_LENGTH, TRUE);

  /* The compact form "l:" counts. */
  ust_stream_framer_init (&framer, 0);
  ust_stream_framer_push (&framer, compact, strlen (compact));
  ust_stream_framer_next (&framer, &frame);
  g_assert_cmpint (frame.kind, ==, UST_FRAME_MESSAGE);
  g_assert_cmpuint (frame.len, ==, strlen (compact));
  ust_stream_framer_clear (&framer);
}

/* One phone cannot make the exchange buffer without bound. */
static void
test_oversized (void)
{
  g_autofree char *declared = g_strdup_printf (OPTIONS_HEAD "Content-Length: 70000\r\n\r\n",
                                               1, 1);
  GString *endless = g_string_new ("OPTIONS sip:bob@127.0.0.1 SIP/2.0\r\n");
  g_autofree char *body = g_strnfill (5000, 'x');
  g_autofree char *just_fits = message (1, body);

  assert_error (declared, 0, UST_FRAME_ERROR_TOO_LARGE, TRUE);
  while (endless->len < UST_STREAM_MAX_MESSAGE + 100)
    g_string_append (endless, "X-Filler: 0123456789012345678901234567890123456789\r\n");
  assert_error (endless->str, 0, UST_FRAME_ERROR_TOO_LARGE, FALSE);
  g_string_free (endless, TRUE);

  /* The limit is a parameter: the same message over a smaller one. */
  assert_error (just_fits, 1024, UST_FRAME_ERROR_TOO_LARGE, TRUE);
}

/* Bytes that are no SIP at all (a TLS ClientHello on the plain port, an
 * HTTP client's binary junk): no answer is possible, the stream ends. */
static void
test_garbage (void)
{
  const char hello[] = { 0x16, 0x03, 0x01, 0x01, 0x27, 0x01, 0x00, 0x00 };
  UstStreamFramer framer;
  UstFrame frame;

  ust_stream_framer_init (&framer, 0);
  ust_stream_framer_push (&framer, hello, sizeof hello);
  ust_stream_framer_next (&framer, &frame);
  g_assert_cmpint (frame.kind, ==, UST_FRAME_ERROR);
  g_assert_cmpint (frame.error, ==, UST_FRAME_ERROR_NOT_SIP);
  ust_stream_framer_clear (&framer);

  assert_error ("\x01\x02garbage\r\n\r\n", 0, UST_FRAME_ERROR_NOT_SIP, FALSE);
  assert_error ("NOT A REQUEST LINE AT ALL\r\n", 0, UST_FRAME_ERROR_NOT_SIP, FALSE);
}

/* A message stalled half way is visible as pending bytes (the connection
 * closes it after a timeout); nothing is framed from it. */
static void
test_stalled_half (void)
{
  g_autofree char *text = message (1, "0123456789");
  UstStreamFramer framer;
  UstFrame frame;
  gsize half = strlen (text) - 5;

  ust_stream_framer_init (&framer, 0);
  ust_stream_framer_push (&framer, text, half);
  ust_stream_framer_next (&framer, &frame);
  g_assert_cmpint (frame.kind, ==, UST_FRAME_NONE);
  g_assert_cmpuint (ust_stream_framer_pending (&framer), ==, half);
  ust_stream_framer_clear (&framer);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/ust/stream-framer/split", test_split);
  g_test_add_func ("/ust/stream-framer/coalesced", test_coalesced);
  g_test_add_func ("/ust/stream-framer/keepalive", test_keepalive);
  g_test_add_func ("/ust/stream-framer/no-content-length", test_no_content_length);
  g_test_add_func ("/ust/stream-framer/oversized", test_oversized);
  g_test_add_func ("/ust/stream-framer/garbage", test_garbage);
  g_test_add_func ("/ust/stream-framer/stalled-half", test_stalled_half);

  return g_test_run ();
}
