/* SPDX-License-Identifier: GPL-3.0-or-later */

/* Every input is the bytes a phone sends on one TCP or TLS connection: the
 * stream framer (src/core/wire/ust-stream-framer.c) cuts them into
 * messages, keep-alives and errors, and every message it hands out is
 * parsed as the proxy would parse it (a whole message, or for a framing
 * error, the header section it answers 400 from). The first byte says how
 * the stream arrives: in reads of 1 to 256 bytes, as the network may cut it.
 *
 * Built two ways, like fuzz-datagram.c: with clang's libFuzzer
 * (build-aux/fuzz.sh stream) to search, and with fuzz-replay-main.c as a
 * plain program that `meson test` runs over tests/fuzz/stream-corpus. */

#include "config.h"

#include <stdint.h>
#include <string.h>

#include "ust-sip.h"
#include "ust-stream-framer.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
parse_frame (const UstFrame *frame)
{
  g_autoptr(osip_message_t) message = NULL;
  UstSipText text;

  if (frame->data == NULL || !ust_sip_text_init (&text, frame->data, frame->len))
    return;
  if (frame->kind == UST_FRAME_MESSAGE)
    message = ust_sip_parse_text (&text, NULL);
  else
    message = ust_sip_parse_head (&text, NULL);
  /* A frame is whole: its declared body never runs past it. */
  if (frame->kind == UST_FRAME_MESSAGE)
    g_assert (ust_sip_content_length (&text) <= frame->len);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  UstStreamFramer framer;
  gsize chunk, at = 1;
  gsize framed = 0;

  if (size == 0)
    return 0;
  ust_sip_init ();
  chunk = (gsize) data[0] + 1;
  ust_stream_framer_init (&framer, 0);
  while (at < size)
    {
      gsize n = MIN (chunk, size - at);
      UstFrame frame;

      ust_stream_framer_push (&framer, (const char *) data + at, n);
      at += n;
      for (;;)
        {
          ust_stream_framer_next (&framer, &frame);
          if (frame.kind == UST_FRAME_NONE)
            break;
          g_assert (frame.len <= UST_STREAM_MAX_MESSAGE);
          if (frame.kind == UST_FRAME_MESSAGE)
            framed += frame.len;
          else if (frame.kind == UST_FRAME_PING)
            framed += 4;
          parse_frame (&frame);
          if (frame.kind == UST_FRAME_ERROR)
            break;
        }
      if (frame.kind == UST_FRAME_ERROR)
        break;
    }
  /* What the framer handed out (messages, pings) and still holds never
   * exceed what came. */
  g_assert (framed + ust_stream_framer_pending (&framer) <= size - 1);
  ust_stream_framer_clear (&framer);
  return 0;
}
