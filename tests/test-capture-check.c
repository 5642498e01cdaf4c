/* SPDX-License-Identifier: GPL-3.0-or-later */

/* The check of a proxy in a capture, rule by rule. A call through a proxy
 * at 10.0.0.1:5060 is written as a capture (alice at 10.0.0.5, bob at
 * 10.0.0.7, carol at 10.0.0.9), once as a correct stateful proxy would
 * carry it, which must give no finding at all, and once per mistake, which
 * must give exactly the finding for that mistake, on the message that
 * shows it. The capture goes through the whole reader (libpcap, raw IP),
 * as a student's would. */

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>
#include <pcap/pcap.h>

#include "ust-capture.h"
#include "ust-capture-check.h"
#include "ust-capture-format.h"
#include "ust-sip.h"

#define T0 ((gint64) 1700000000 * G_USEC_PER_SEC)

#define P "10.0.0.1:5060"
#define A "10.0.0.5:5062"
#define B "10.0.0.7:5064"
#define C "10.0.0.9:5066"

typedef enum {
  M_OK,
  M_NO_VIA,
  M_VIA_NOT_REMOVED,
  M_MAX_FORWARDS,
  M_BODY,
  M_TAG,
  M_CALL_ID,
  M_CONTENT_LENGTH,
  M_NO_RR,
  M_RR_NO_LR,
  M_RR_PORT,
  M_RPORT,
  M_RECEIVED,
  M_RESPONSE_DEST,
  M_ROUTED_BY_TO,
  M_BYPASS,
  M_ANSWER_BYE,
  M_RELAY_100,
  M_TWO_180,
  M_RETRANSMISSION_OK,
  M_RETRANSMISSION_NEW,
  M_REASON_TYPO,
  M_REG_NO_CONTACT,
  M_REG_NO_EXPIRES,
  M_STALE,
  M_CANCEL_OK,
  M_CANCEL_NOT_RELAYED,
  M_CANCEL_BRANCH,
  M_ACK_FORWARDED,
  M_MEDIA_OK,
  M_ONE_WAY_NAT,
  M_NO_AUDIO,
  M_CODEC,
} Mistake;

typedef struct {
  Mistake        mistake;
  GPtrArray     *strings;    /* made while writing, freed at the end */
  pcap_t        *pcap;
  pcap_dumper_t *dumper;
  char          *path;
  gint64         time;
} Script;

static void
put16 (guint8  *p,
       guint16  v)
{
  p[0] = v >> 8;
  p[1] = v & 0xff;
}

/* One UDP datagram from @from to @to, 10 ms after the last. */
static void
datagram (Script       *s,
          const char   *from,
          const char   *to,
          const guint8 *payload,
          gsize         len)
{
  UstTraceAddress source, destination;
  g_autofree guint8 *packet = g_malloc0 (28 + len);
  struct pcap_pkthdr header = { 0 };

  g_assert_true (ust_trace_address_parse (&source, from));
  g_assert_true (ust_trace_address_parse (&destination, to));
  packet[0] = 0x45;
  put16 (packet + 2, (guint16) (28 + len));
  packet[8] = 64;
  packet[9] = 17;
  memcpy (packet + 12, source.bytes, 4);
  memcpy (packet + 16, destination.bytes, 4);
  put16 (packet + 20, source.port);
  put16 (packet + 22, destination.port);
  put16 (packet + 24, (guint16) (8 + len));
  memcpy (packet + 28, payload, len);

  s->time += 10000;
  header.ts.tv_sec = s->time / G_USEC_PER_SEC;
  header.ts.tv_usec = s->time % G_USEC_PER_SEC;
  header.caplen = header.len = (guint32) (28 + len);
  pcap_dump ((u_char *) s->dumper, &header, packet);
}

/* A SIP message: @start, @headers ("\n" between lines), Content-Length
 * counted from @body (plus @length_error), and @body. */
static void
sip (Script     *s,
     const char *from,
     const char *to,
     const char *start,
     const char *headers,
     const char *body,
     int         length_error)
{
  g_auto(GStrv) lines = g_strsplit (headers, "\n", -1);
  g_autofree char *joined = g_strjoinv ("\r\n", lines);
  g_autofree char *text = g_strdup_printf ("%s\r\n%s\r\nContent-Length: %d\r\n\r\n%s", start,
                                           joined, (int) strlen (body) + length_error, body);

  datagram (s, from, to, (const guint8 *) text, strlen (text));
}

/* The SDP of a phone at @host, media port @port, offering @type. */
static char *
sdp (const char *host,
     guint       port,
     guint       type)
{
  return g_strdup_printf ("v=0\r\no=- 1 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\n"
                          "m=audio %u RTP/AVP %u\r\na=rtpmap:%u %s/8000\r\n",
                          host, host, port, type, type, type == 0 ? "PCMU" : "PCMA");
}

/* @user registers from @from with Contact @contact (RFC 3261 §10.2). */
static void
do_register (Script     *s,
             const char *user,
             const char *from,
             const char *contact)
{
  g_autofree char *request =
    g_strdup_printf ("Via: SIP/2.0/UDP %s;branch=z9hG4bKr%s;rport\nMax-Forwards: 70\n"
                     "From: <sip:%s@10.0.0.1>;tag=r%s\nTo: <sip:%s@10.0.0.1>\n"
                     "Call-ID: reg-%s\nCSeq: 1 REGISTER\nContact: <sip:%s@%s>\nExpires: 3600",
                     from, user, user, user, user, user, user, contact);
  const char *port = strrchr (from, ':') + 1;
  g_autofree char *contact_line =
    s->mistake == M_REG_NO_CONTACT ? g_strdup ("")
    : s->mistake == M_REG_NO_EXPIRES ? g_strdup_printf ("\nContact: <sip:%s@%s>", user, contact)
    : g_strdup_printf ("\nContact: <sip:%s@%s>;expires=3600", user, contact);
  /* §10.3 step 8: the bindings, each with its expiry; RFC 3581: rport and
   * received filled in the Via. */
  g_autofree char *response =
    g_strdup_printf ("Via: SIP/2.0/UDP %s;branch=z9hG4bKr%s;rport=%s;received=%.*s\n"
                     "From: <sip:%s@10.0.0.1>;tag=r%s\nTo: <sip:%s@10.0.0.1>;tag=p%s\n"
                     "Call-ID: reg-%s\nCSeq: 1 REGISTER%s",
                     from, user, port, (int) (port - 1 - from), from, user, user, user, user,
                     user, contact_line);

  sip (s, from, P, "REGISTER sip:10.0.0.1 SIP/2.0", request, "", 0);
  sip (s, P, from, "SIP/2.0 200 OK", response, "", 0);
}

/* alice's Via as she wrote it, and as the proxy passes it on (RFC 3581 §4:
 * rport filled, received added). */
static char *
alice_via (Script     *s,
           const char *branch,
           gboolean    fixed)
{
  if (s->mistake == M_RECEIVED)   /* behind NAT, and the proxy adds no received= */
    return g_strdup_printf ("Via: SIP/2.0/UDP 192.168.1.5:5062;branch=%s", branch);
  if (!fixed)
    return g_strdup_printf ("Via: SIP/2.0/UDP 10.0.0.5:5062;branch=%s;rport", branch);
  if (s->mistake == M_RPORT)
    return g_strdup_printf ("Via: SIP/2.0/UDP 10.0.0.5:5062;branch=%s;rport;received=10.0.0.5",
                            branch);
  return g_strdup_printf ("Via: SIP/2.0/UDP 10.0.0.5:5062;branch=%s;rport=5062;received=10.0.0.5",
                          branch);
}

static void
rtp (Script     *s,
     const char *from,
     const char *to,
     guint       n,
     guint16     first_seq)
{
  for (guint i = 0; i < n; i++)
    {
      guint8 packet[172] = { 0x80, 0 };
      guint32 timestamp = 160 * i;

      put16 (packet + 2, (guint16) (first_seq + i));
      packet[4] = timestamp >> 24;
      packet[5] = (timestamp >> 16) & 0xff;
      packet[6] = (timestamp >> 8) & 0xff;
      packet[7] = timestamp & 0xff;
      packet[11] = from[7];
      datagram (s, from, to, packet, sizeof packet);
      s->time += 10000;   /* 20 ms a packet */
    }
}

static gboolean
is_media (Mistake mistake)
{
  return mistake == M_MEDIA_OK || mistake == M_ONE_WAY_NAT || mistake == M_NO_AUDIO
         || mistake == M_CODEC;
}

/* The common headers of the call's messages. */
static const char *
dialog (Script     *s,
        const char *to_tag,
        guint       cseq,
        const char *method,
        gboolean    sent_on)
{
  const char *call_id = sent_on && s->mistake == M_CALL_ID ? "call-1-x" : "call-1";
  char *text;

  text = g_strdup_printf ("From: <sip:alice@10.0.0.1>;tag=fa\nTo: <sip:bob@10.0.0.1>%s%s\n"
                          "Call-ID: %s\nCSeq: %u %s",
                          to_tag != NULL ? ";tag=" : "", to_tag != NULL ? to_tag : "", call_id,
                          cseq, method);
  g_ptr_array_add (s->strings, text);
  return text;
}

static void
invite_and_answer (Script *s)
{
  gboolean nat = s->mistake == M_ONE_WAY_NAT;
  g_autofree char *offer = sdp ("10.0.0.5", 6000, 0);
  g_autofree char *answer = sdp (nat ? "192.168.1.7" : "10.0.0.7", 6002,
                                 s->mistake == M_CODEC ? 8 : 0);
  g_autofree char *answer_sent = s->mistake == M_BODY ? sdp ("10.0.0.1", 6002, 0)
                                                    : g_strdup (answer);
  g_autofree char *va = alice_via (s, "z9hG4bKa1", FALSE);
  g_autofree char *vaf = alice_via (s, "z9hG4bKa1", TRUE);
  const char *rr = s->mistake == M_NO_RR ? "" : s->mistake == M_RR_NO_LR ? "\nRecord-Route: <sip:10.0.0.1:5060>"
                   : s->mistake == M_RR_PORT ? "\nRecord-Route: <sip:10.0.0.1:5080;lr>"
                                           : "\nRecord-Route: <sip:10.0.0.1:5060;lr>";
  const char *vp = s->mistake == M_NO_VIA ? "" : "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKp1\n";
  const char *callee = s->mistake == M_STALE ? "10.0.0.7:5999" : B;
  const char *ruri_user = s->mistake == M_ROUTED_BY_TO ? "carol" : "bob";
  g_autofree char *h = NULL;
  g_autofree char *start = g_strdup_printf ("INVITE sip:%s@10.0.0.1 SIP/2.0", ruri_user);

  /* 1. alice asks; 2. the proxy answers 100 at once (§16.2). */
  h = g_strdup_printf ("%s\nMax-Forwards: 70\n%s\nContact: <sip:alice@" A ">\n"
                       "Content-Type: application/sdp", va, dialog (s, NULL, 1, "INVITE", FALSE));
  sip (s, A, P, start, h, offer, 0);
  g_free (h);
  h = g_strdup_printf ("%s\n%s", vaf, dialog (s, NULL, 1, "INVITE", FALSE));
  sip (s, P, A, "SIP/2.0 100 Trying", h, "", 0);

  /* 3. on to bob (§16.6): Request-URI from the binding, Max-Forwards − 1,
   * Record-Route, our Via on top. */
  g_free (h);
  h = g_strdup_printf ("%s%s%s\nMax-Forwards: %d\n%s\nContact: <sip:alice@" A ">\n"
                       "Content-Type: application/sdp", vp, vaf, rr,
                       s->mistake == M_MAX_FORWARDS ? 70 : 69, dialog (s, NULL, 1, "INVITE", TRUE));
  g_free (start);
  start = g_strdup_printf ("INVITE sip:bob@%s SIP/2.0", callee);
  sip (s, P, callee, start, h, offer, 0);

  if (s->mistake == M_RETRANSMISSION_OK || s->mistake == M_RETRANSMISSION_NEW)
    {
      /* alice repeats her INVITE: the proxy answers it again, and a broken
       * one passes it on as a new request. */
      g_free (h);
      h = g_strdup_printf ("%s\nMax-Forwards: 70\n%s\nContact: <sip:alice@" A ">\n"
                           "Content-Type: application/sdp", va,
                           dialog (s, NULL, 1, "INVITE", FALSE));
      sip (s, A, P, "INVITE sip:bob@10.0.0.1 SIP/2.0", h, offer, 0);
      g_free (h);
      if (s->mistake == M_RETRANSMISSION_OK)
        {
          h = g_strdup_printf ("%s\n%s", vaf, dialog (s, NULL, 1, "INVITE", FALSE));
          sip (s, P, A, "SIP/2.0 100 Trying", h, "", 0);
        }
      else
        {
          h = g_strdup_printf ("Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKp1x\n%s%s\n"
                               "Max-Forwards: 69\n%s\nContact: <sip:alice@" A ">\n"
                               "Content-Type: application/sdp", vaf, rr,
                               dialog (s, NULL, 1, "INVITE", TRUE));
          sip (s, P, B, "INVITE sip:bob@" B " SIP/2.0", h, offer, 0);
        }
    }

  /* 4. bob's own 100 ends at the proxy (§16.7 step 5). */
  g_free (h);
  h = g_strdup_printf ("%s%s\n%s", vp, vaf, dialog (s, NULL, 1, "INVITE", TRUE));
  sip (s, B, P, "SIP/2.0 100 Trying", h, "", 0);
  if (s->mistake == M_RELAY_100)
    {
      g_free (h);
      h = g_strdup_printf ("%s\n%s", vaf, dialog (s, NULL, 1, "INVITE", FALSE));
      sip (s, P, A, "SIP/2.0 100 Trying", h, "", 0);
    }

  /* 5–6. 180, relayed without our Via. */
  g_free (h);
  h = g_strdup_printf ("%s%s%s\n%s\nContact: <sip:bob@" B ">", vp, vaf, rr,
                       dialog (s, "tb", 1, "INVITE", TRUE));
  sip (s, B, P, "SIP/2.0 180 Ringing", h, "", 0);
  g_free (h);
  h = g_strdup_printf ("%s%s%s\n%s\nContact: <sip:bob@" B ">",
                       s->mistake == M_VIA_NOT_REMOVED ? vp : "", vaf, rr,
                       dialog (s, s->mistake == M_TAG ? "tbX" : "tb", 1, "INVITE", FALSE));
  sip (s, P, s->mistake == M_RESPONSE_DEST ? "10.0.0.5:5099" : A, "SIP/2.0 180 Ringing", h, "", 0);
  if (s->mistake == M_TWO_180)
    sip (s, P, A, "SIP/2.0 180 Ringing", h, "", 0);

  /* 7–8. 200 with the answer, relayed as it came. */
  g_free (h);
  h = g_strdup_printf ("%s%s%s\n%s\nContact: <sip:bob@" B ">\nContent-Type: application/sdp", vp,
                       vaf, rr, dialog (s, "tb", 1, "INVITE", TRUE));
  sip (s, B, P, "SIP/2.0 200 OK", h, answer, 0);
  g_free (h);
  h = g_strdup_printf ("%s%s\n%s\nContact: <sip:bob@" B ">\nContent-Type: application/sdp", vaf,
                       rr, dialog (s, "tb", 1, "INVITE", FALSE));
  sip (s, P, A, s->mistake == M_REASON_TYPO ? "SIP/2.0 200 0K" : "SIP/2.0 200 OK", h, answer_sent,
       s->mistake == M_CONTENT_LENGTH ? 2 : 0);
}

/* ACK and BYE, through the proxy as its Record-Route asks (§12.2). */
static void
in_dialog (Script     *s,
           const char *method,
           guint       cseq,
           const char *branch)
{
  g_autofree char *va = alice_via (s, branch, FALSE);
  g_autofree char *vaf = alice_via (s, branch, TRUE);
  g_autofree char *start = g_strdup_printf ("%s sip:bob@" B " SIP/2.0", method);
  g_autofree char *h = NULL;
  g_autofree char *ours = g_strdup_printf ("Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKp%s\n",
                                           branch + 9);
  gboolean ack = g_str_equal (method, "ACK");

  h = g_strdup_printf ("%s\nRoute: <sip:10.0.0.1:5060;lr>\nMax-Forwards: 70\n%s", va,
                       dialog (s, "tb", cseq, method, FALSE));
  if (s->mistake == M_BYPASS && ack)
    {
      sip (s, A, B, start, h, "", 0);
      return;
    }
  sip (s, A, P, start, h, "", 0);
  if (s->mistake == M_ANSWER_BYE && !ack)
    {
      g_free (h);
      h = g_strdup_printf ("%s\n%s", vaf, dialog (s, "tb", cseq, method, FALSE));
      sip (s, P, A, "SIP/2.0 200 OK", h, "", 0);
      return;
    }
  g_free (h);
  h = g_strdup_printf ("%s%s\nMax-Forwards: 69\n%s", ours, vaf,
                       dialog (s, "tb", cseq, method, TRUE));
  sip (s, P, B, start, h, "", 0);
  if (ack)
    return;
  g_free (h);
  h = g_strdup_printf ("%s%s\n%s", ours, vaf, dialog (s, "tb", cseq, method, TRUE));
  sip (s, B, P, "SIP/2.0 200 OK", h, "", 0);
  g_free (h);
  h = g_strdup_printf ("%s\n%s", vaf, dialog (s, "tb", cseq, method, FALSE));
  sip (s, P, A, "SIP/2.0 200 OK", h, "", 0);
}

static void
call (Script *s)
{
  invite_and_answer (s);
  in_dialog (s, "ACK", 1, "z9hG4bKa2");
  if (is_media (s->mistake) && s->mistake != M_NO_AUDIO)
    {
      /* alice sends to the answer's address, bob to the offer's. */
      if (s->mistake != M_ONE_WAY_NAT)
        rtp (s, "10.0.0.5:6000", "10.0.0.7:6002", 60, 100);
      rtp (s, "10.0.0.7:6002", "10.0.0.5:6000", 60, 65500);
    }
  else if (s->mistake == M_NO_AUDIO)
    {
      /* Another call's RTP: the capture has media, this call none. */
      rtp (s, "10.0.0.9:7000", "10.0.0.5:7002", 20, 1);
      s->time += 2 * G_USEC_PER_SEC;
    }
  in_dialog (s, "BYE", 2, "z9hG4bKa3");
}

/* INVITE, 180, CANCEL (§9, §16.10): 487 and a hop-by-hop ACK. */
static void
cancelled_call (Script *s)
{
  g_autofree char *va = alice_via (s, "z9hG4bKa1", FALSE);
  g_autofree char *vaf = alice_via (s, "z9hG4bKa1", TRUE);
  const char *vp = "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKp1\n";
  g_autofree char *h = NULL;

  h = g_strdup_printf ("%s\nMax-Forwards: 70\n%s\nContact: <sip:alice@" A ">", va,
                       dialog (s, NULL, 1, "INVITE", FALSE));
  sip (s, A, P, "INVITE sip:bob@10.0.0.1 SIP/2.0", h, "", 0);
  g_free (h);
  h = g_strdup_printf ("%s\n%s", vaf, dialog (s, NULL, 1, "INVITE", FALSE));
  sip (s, P, A, "SIP/2.0 100 Trying", h, "", 0);
  g_free (h);
  h = g_strdup_printf ("%s%s\nRecord-Route: <sip:10.0.0.1:5060;lr>\nMax-Forwards: 69\n%s\n"
                       "Contact: <sip:alice@" A ">", vp, vaf, dialog (s, NULL, 1, "INVITE", TRUE));
  sip (s, P, B, "INVITE sip:bob@" B " SIP/2.0", h, "", 0);
  g_free (h);
  h = g_strdup_printf ("%s%s\n%s", vp, vaf, dialog (s, "tb", 1, "INVITE", TRUE));
  sip (s, B, P, "SIP/2.0 180 Ringing", h, "", 0);
  g_free (h);
  h = g_strdup_printf ("%s\n%s", vaf, dialog (s, "tb", 1, "INVITE", FALSE));
  sip (s, P, A, "SIP/2.0 180 Ringing", h, "", 0);

  /* alice hangs up: 200 to her CANCEL, and a CANCEL of our own to bob with
   * the branch of our INVITE. */
  g_free (h);
  h = g_strdup_printf ("%s\nMax-Forwards: 70\n%s", va, dialog (s, NULL, 1, "CANCEL", FALSE));
  sip (s, A, P, "CANCEL sip:bob@10.0.0.1 SIP/2.0", h, "", 0);
  g_free (h);
  h = g_strdup_printf ("%s\n%s", vaf, dialog (s, NULL, 1, "CANCEL", FALSE));
  sip (s, P, A, "SIP/2.0 200 OK", h, "", 0);
  if (s->mistake == M_CANCEL_NOT_RELAYED)
    return;   /* bob keeps ringing */
  g_free (h);
  h = g_strdup_printf ("Via: SIP/2.0/UDP 10.0.0.1:5060;branch=%s\nMax-Forwards: 70\n%s",
                       s->mistake == M_CANCEL_BRANCH ? "z9hG4bKp9" : "z9hG4bKp1",
                       dialog (s, NULL, 1, "CANCEL", TRUE));
  sip (s, P, B, "CANCEL sip:bob@" B " SIP/2.0", h, "", 0);
  g_free (h);
  h = g_strdup_printf ("%s%s\n%s", vp, vaf, dialog (s, "tb", 1, "INVITE", TRUE));
  sip (s, B, P, "SIP/2.0 487 Request Terminated", h, "", 0);
  g_free (h);
  h = g_strdup_printf ("%sMax-Forwards: 70\n%s", vp, dialog (s, "tb", 1, "ACK", TRUE));
  sip (s, P, B, "ACK sip:bob@" B " SIP/2.0", h, "", 0);
  g_free (h);
  h = g_strdup_printf ("%s\n%s", vaf, dialog (s, "tb", 1, "INVITE", FALSE));
  sip (s, P, A, "SIP/2.0 487 Request Terminated", h, "", 0);
  g_free (h);
  h = g_strdup_printf ("%s\nMax-Forwards: 70\n%s", va, dialog (s, "tb", 1, "ACK", FALSE));
  sip (s, A, P, "ACK sip:bob@10.0.0.1 SIP/2.0", h, "", 0);
  if (s->mistake == M_ACK_FORWARDED)
    {
      g_free (h);
      h = g_strdup_printf ("Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKp7\n%s\n"
                           "Max-Forwards: 69\n%s", vaf, dialog (s, "tb", 1, "ACK", TRUE));
      sip (s, P, B, "ACK sip:bob@" B " SIP/2.0", h, "", 0);
    }
}

static UstCaptureCheck *
run (Mistake      mistake,
     UstCapture **capture_out)
{
  Script s = { mistake };
  GError *error = NULL;
  UstCapture *capture;
  int fd = g_file_open_tmp ("ust-check-XXXXXX.pcap", &s.path, &error);

  g_assert_no_error (error);
  close (fd);
  s.time = T0;
  s.strings = g_ptr_array_new_with_free_func (g_free);
  s.pcap = pcap_open_dead (DLT_RAW, 262144);
  s.dumper = pcap_dump_open (s.pcap, s.path);
  do_register (&s, "alice", A, A);
  do_register (&s, "bob", B, s.mistake == M_STALE ? "10.0.0.7:5999" : B);
  do_register (&s, "carol", C, C);
  if (mistake == M_CANCEL_OK || mistake == M_CANCEL_NOT_RELAYED || mistake == M_CANCEL_BRANCH
      || mistake == M_ACK_FORWARDED)
    cancelled_call (&s);
  else
    call (&s);
  pcap_dump_close (s.dumper);
  pcap_close (s.pcap);
  g_ptr_array_unref (s.strings);

  capture = ust_capture_open (s.path, &error);
  g_assert_no_error (error);
  g_unlink (s.path);
  g_free (s.path);
  *capture_out = capture;
  return ust_capture_check (capture);
}

/* @n findings of @rule (or nothing for -1), the first on a message whose
 * summary starts with @on: one per transaction that shows the mistake. */
static void
expect (Mistake     mistake,
        int         rule,
        const char *on,
        guint       n)
{
  UstCapture *capture = NULL;
  g_autoptr(UstCaptureCheck) check = run (mistake, &capture);
  g_autofree char *text = ust_capture_format_text (capture, check);
  UstTraceAddress proxy;

  g_test_message ("%s", text);
  g_assert_true (ust_capture_get_proxy (capture, &proxy));
  g_assert_cmpuint (proxy.port, ==, 5060);
  if (rule < 0)
    g_assert_cmpuint (check->findings->len, ==, 0);
  else
    {
      const UstFinding *finding;
      g_autofree char *summary = NULL;

      g_assert_cmpuint (check->findings->len, ==, n);
      for (guint i = 0; i < n; i++)
        g_assert_cmpstr (ust_rule_get_id (((UstFinding *) g_ptr_array_index (check->findings,
                                                                            i))->rule),
                         ==, ust_rule_get_id ((UstRule) rule));
      finding = g_ptr_array_index (check->findings, 0);
      g_assert_nonnull (finding->entry);
      summary = ust_trace_entry_dup_summary (finding->entry);
      g_assert_true (g_str_has_prefix (summary, on));
      g_assert_nonnull (strstr (text, ust_rule_get_section (finding->rule)));
    }
  g_object_unref (capture);
}

#define CASE_N(name, mistake, rule, on, n)                                 \
  static void test_##name (void) { expect (mistake, rule, on, n); }
#define CASE(name, mistake, rule, on) CASE_N (name, mistake, rule, on, 1)

CASE (correct, M_OK, -1, "")
CASE (no_via, M_NO_VIA, UST_RULE_VIA_NOT_ADDED, "INVITE")
CASE (via_not_removed, M_VIA_NOT_REMOVED, UST_RULE_VIA_NOT_REMOVED, "180")
CASE (max_forwards, M_MAX_FORWARDS, UST_RULE_MAX_FORWARDS, "INVITE")
CASE (body, M_BODY, UST_RULE_BODY_CHANGED, "200")
CASE (tag, M_TAG, UST_RULE_TAG_CHANGED, "180")
/* The INVITE, ACK and BYE, and the three responses mapped back. */
CASE_N (call_id, M_CALL_ID, UST_RULE_CALL_ID_CHANGED, "INVITE", 6)
CASE (content_length, M_CONTENT_LENGTH, UST_RULE_CONTENT_LENGTH, "200")
CASE (no_rr, M_NO_RR, UST_RULE_NO_RECORD_ROUTE, "INVITE")
CASE (rr_no_lr, M_RR_NO_LR, UST_RULE_RECORD_ROUTE_NO_LR, "INVITE")
CASE (rr_port, M_RR_PORT, UST_RULE_RECORD_ROUTE_WRONG_PORT, "INVITE")
/* INVITE (its 100 shows it first), ACK and BYE. */
CASE_N (rport, M_RPORT, UST_RULE_RPORT_NOT_FILLED, "100", 3)
CASE_N (received, M_RECEIVED, UST_RULE_RECEIVED_MISSING, "100", 3)
CASE (response_dest, M_RESPONSE_DEST, UST_RULE_RESPONSE_NOT_TO_SOURCE, "180")
CASE (routed_by_to, M_ROUTED_BY_TO, UST_RULE_ROUTED_BY_TO, "INVITE")
CASE (bypass, M_BYPASS, UST_RULE_BYPASS, "ACK")
CASE (answer_bye, M_ANSWER_BYE, UST_RULE_ANSWERED_FOR_PHONE, "200")
CASE (relay_100, M_RELAY_100, UST_RULE_RELAYED_100, "100")
CASE (two_180, M_TWO_180, UST_RULE_RETRANSMISSION_AS_NEW, "180")
CASE (retransmission_ok, M_RETRANSMISSION_OK, -1, "")
CASE (retransmission_new, M_RETRANSMISSION_NEW, UST_RULE_RETRANSMISSION_AS_NEW, "INVITE")
CASE (reason_typo, M_REASON_TYPO, UST_RULE_REASON_TYPO, "200")
/* alice, bob and carol. */
CASE_N (register_no_contact, M_REG_NO_CONTACT, UST_RULE_REGISTER_NO_CONTACT, "200", 3)
CASE_N (register_no_expires, M_REG_NO_EXPIRES, UST_RULE_REGISTER_NO_EXPIRES, "200", 3)
CASE (stale_contact, M_STALE, UST_RULE_STALE_CONTACT, "INVITE")
CASE (cancel_ok, M_CANCEL_OK, -1, "")
CASE (cancel_not_relayed, M_CANCEL_NOT_RELAYED, UST_RULE_CANCEL_NOT_RELAYED, "CANCEL")
CASE (cancel_branch, M_CANCEL_BRANCH, UST_RULE_CANCEL_WRONG_BRANCH, "CANCEL")
CASE (ack_forwarded, M_ACK_FORWARDED, UST_RULE_ACK_NOT_ABSORBED, "ACK")
CASE (media_ok, M_MEDIA_OK, -1, "")
CASE (no_audio, M_NO_AUDIO, UST_RULE_NO_AUDIO, "200")
CASE (codec, M_CODEC, UST_RULE_CODEC_MISMATCH, "200")

/* One-way audio from a private address in the answer's SDP: the cause
 * names it, and the media section counts both streams. */
static void
test_one_way_nat (void)
{
  UstCapture *capture = NULL;
  g_autoptr(UstCaptureCheck) check = run (M_ONE_WAY_NAT, &capture);
  const UstFinding *finding;
  const UstCallMedia *media;

  g_assert_cmpuint (check->findings->len, ==, 1);
  finding = g_ptr_array_index (check->findings, 0);
  g_assert_cmpint (finding->rule, ==, UST_RULE_ONE_WAY_AUDIO);
  g_assert_nonnull (strstr (finding->detail, "192.168.1.7"));
  g_assert_nonnull (strstr (finding->detail, "10.0.0.7"));
  g_assert_true (check->has_rtp);
  g_assert_cmpuint (check->calls->len, ==, 1);
  media = g_ptr_array_index (check->calls, 0);
  g_assert_true (media->answered);
  g_assert_cmpstr (media->caller, ==, "alice");
  g_assert_cmpuint (media->streams->len, ==, 2);
  g_object_unref (capture);
}

/* Loss and jitter per stream, and the codec from the SDP. */
static void
test_media_stats (void)
{
  UstCapture *capture = NULL;
  g_autoptr(UstCaptureCheck) check = run (M_MEDIA_OK, &capture);
  const UstCallMedia *media = g_ptr_array_index (check->calls, 0);
  g_autofree char *json = ust_capture_format_json (capture, check);

  g_assert_cmpuint (media->streams->len, ==, 2);
  for (guint i = 0; i < 2; i++)
    {
      const UstMediaStream *stream = g_ptr_array_index (media->streams, i);

      g_assert_cmpuint (stream->stats.packets, ==, 60);
      g_assert_cmpint (stream->stats.lost, ==, 0);
      g_assert_cmpstr (stream->codec, ==, "PCMU/8000");
      g_assert_cmpfloat (stream->stats.jitter_ms, <, 1.0);
    }
  g_assert_nonnull (strstr (json, "\"packets\":60"));
  g_assert_nonnull (strstr (json, "\"findings\":[]"));
  g_object_unref (capture);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  ust_sip_init ();

#define ADD(name) g_test_add_func ("/ust/capture-check/" #name, test_##name)
  ADD (correct);
  ADD (no_via);
  ADD (via_not_removed);
  ADD (max_forwards);
  ADD (body);
  ADD (tag);
  ADD (call_id);
  ADD (content_length);
  ADD (no_rr);
  ADD (rr_no_lr);
  ADD (rr_port);
  ADD (rport);
  ADD (received);
  ADD (response_dest);
  ADD (routed_by_to);
  ADD (bypass);
  ADD (answer_bye);
  ADD (relay_100);
  ADD (two_180);
  ADD (retransmission_ok);
  ADD (retransmission_new);
  ADD (reason_typo);
  ADD (register_no_contact);
  ADD (register_no_expires);
  ADD (stale_contact);
  ADD (cancel_ok);
  ADD (cancel_not_relayed);
  ADD (cancel_branch);
  ADD (ack_forwarded);
  ADD (media_ok);
  ADD (no_audio);
  ADD (codec);
  ADD (one_way_nat);
  ADD (media_stats);
#undef ADD
  return g_test_run ();
}
