/* SPDX-License-Identifier: GPL-3.0-or-later */

/* The robot phones' parts: session descriptions read and answered, the RTP
 * echo on real sockets, their names, and the robots registering at a real
 * core and leaving it when it stops. Their calls are in the sipp suite
 * (tests/sipp/robot_tests.py). */

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "ust-core.h"
#include "ust-robot-media.h"
#include "ust-robot-sdp.h"
#include "ust-robots.h"
#include "ust-sip.h"
#include "ust-test-util.h"

static const char *const offer_text =
  "v=0\r\n"
  "o=alice 1 1 IN IP4 127.0.0.1\r\n"
  "s=-\r\n"
  "c=IN IP4 127.0.0.1\r\n"
  "t=0 0\r\n"
  "a=sendrecv\r\n"
  "m=audio 40000 RTP/AVP 18 0 8 101\r\n"
  "a=rtpmap:18 G729/8000\r\n"
  "a=rtpmap:101 telephone-event/8000\r\n"
  "a=fmtp:101 0-15\r\n"
  "m=video 40002 RTP/AVPF 96 97 98\r\n"
  "c=IN IP4 127.0.0.2\r\n"
  "a=rtpmap:96 H264/90000\r\n"
  "a=fmtp:96 profile-level-id=42801F\r\n"
  "a=rtpmap:97 VP8/90000\r\n"
  "a=rtpmap:98 AV1/90000\r\n"
  "a=sendonly\r\n"
  "m=application 40004 UDP/BFCP *\r\n";

static void
test_sdp_parse (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(UstSdp) sdp = ust_sdp_parse (offer_text, strlen (offer_text), &error);
  UstSdpMedia *audio, *video;

  g_assert_no_error (error);
  g_assert_cmpuint (sdp->media->len, ==, 3);
  audio = g_ptr_array_index (sdp->media, 0);
  video = g_ptr_array_index (sdp->media, 1);
  g_assert_cmpstr (audio->kind, ==, "audio");
  g_assert_cmpuint (audio->port, ==, 40000);
  g_assert_cmpstr (audio->address, ==, "127.0.0.1");
  g_assert_cmpuint (audio->formats->len, ==, 4);
  g_assert_cmpint (audio->direction, ==, UST_SDP_SENDRECV);
  g_assert_cmpstr (ust_sdp_media_rtpmap (audio, "101"), ==, "telephone-event/8000");
  g_assert_cmpstr (ust_sdp_media_fmtp (audio, "101"), ==, "0-15");
  g_assert_null (ust_sdp_media_rtpmap (audio, "0"));
  g_assert_null (ust_sdp_media_rtpmap (audio, "10"));
  /* A media-level c= and direction beat the session's. */
  g_assert_cmpstr (video->address, ==, "127.0.0.2");
  g_assert_cmpint (video->direction, ==, UST_SDP_SENDONLY);
  g_assert_cmpstr (video->proto, ==, "RTP/AVPF");
  g_assert_cmpint (ust_sdp_direction_answer (UST_SDP_SENDONLY), ==, UST_SDP_RECVONLY);
  g_assert_cmpint (ust_sdp_direction_answer (UST_SDP_INACTIVE), ==, UST_SDP_INACTIVE);
}

static void
test_sdp_malformed (void)
{
  static const char *const bad[] = {
    "",
    "hello\r\n",
    "o=alice 1 1 IN IP4 127.0.0.1\r\nv=0\r\n",
    "v=1\r\nc=IN IP4 127.0.0.1\r\nm=audio 4000 RTP/AVP 0\r\n",
    "v=0\r\nc=IN IP4 127.0.0.1\r\n",
    "v=0\r\nc=IN IP4 127.0.0.1\r\nm=audio 4000 RTP/AVP\r\n",
    "v=0\r\nc=IN IP4 127.0.0.1\r\nm=audio port RTP/AVP 0\r\n",
    "v=0\r\nc=IN IP4 127.0.0.1\r\nm=audio 70000 RTP/AVP 0\r\n",
    "v=0\r\nm=audio 4000 RTP/AVP 0\r\n",
    "v=0\r\nc=IN IP4\r\nm=audio 4000 RTP/AVP 0\r\n",
    "v=0\r\nc=IN IP4 127.0.0.1\r\nthis is not sdp\r\nm=audio 4000 RTP/AVP 0\r\n",
    "v=0\r\nc=IN IP4 127.0.0.1\r\n\r\nm=audio 4000 RTP/AVP 0\r\n",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(UstSdp) sdp = ust_sdp_parse (bad[i], strlen (bad[i]), &error);

      g_test_message ("offer %u", i);
      g_assert_null (sdp);
      g_assert_error (error, UST_ROBOT_SDP_ERROR, UST_ROBOT_SDP_ERROR_MALFORMED);
    }
}

static void
test_names (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  guint robots = 0;
  UstRobotKind kind;

  g_assert_true (ust_robots_parse ("echo, busy", &robots, &error));
  g_assert_cmpuint (robots, ==, UST_ROBOT_BIT (UST_ROBOT_ECHO) | UST_ROBOT_BIT (UST_ROBOT_BUSY));
  g_assert_true (ust_robots_parse ("all", &robots, &error));
  g_assert_cmpuint (robots, ==, UST_ROBOTS_ALL);
  g_assert_true (ust_robots_parse ("none", &robots, &error));
  g_assert_cmpuint (robots, ==, 0);
  g_assert_false (ust_robots_parse ("echo,parrot", &robots, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "parrot"));

  text = ust_robots_to_text (UST_ROBOTS_ALL);
  g_assert_cmpstr (text, ==, "echo,busy,decline,noanswer,hold,transfer,conference");
  g_assert_true (ust_robot_from_name ("Conference", &kind));
  g_assert_cmpint (kind, ==, UST_ROBOT_CONFERENCE);
  for (kind = 0; kind < UST_N_ROBOTS; kind++)
    g_assert_nonnull (ust_robot_describe (kind));
  g_assert_true (ust_robots_is_robot_instance ("<urn:uuid:75737472-6564-4e61-a000-000000000001>"));
  g_assert_false (ust_robots_is_robot_instance ("<urn:uuid:00000000-0000-0000-0000-000000000001>"));
  g_assert_false (ust_robots_is_robot_instance (NULL));
}

/* An answer, read back. */
static UstSdp *
answer_to (UstRobotMedia *media,
           const char    *offer_sdp,
           GError       **error)
{
  g_autoptr(UstSdp) offer = ust_sdp_parse (offer_sdp, strlen (offer_sdp), NULL);
  g_autofree char *answer = NULL;
  UstSdp *sdp;

  g_assert_nonnull (offer);
  answer = ust_robot_media_answer (media, offer, error);
  if (answer == NULL)
    return NULL;
  sdp = ust_sdp_parse (answer, strlen (answer), NULL);
  g_assert_nonnull (sdp);
  return sdp;
}

static char *
formats_of (UstSdpMedia *media)
{
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint i = 0; i < media->formats->len; i++)
    g_string_append_printf (text, "%s%s", i > 0 ? " " : "",
                            (const char *) g_ptr_array_index (media->formats, i));
  return g_strdup (text->str);
}

static void
test_media_answer (void)
{
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  UstRobotMedia *media = ust_robot_media_new (loopback, loopback, UST_ROBOT_MEDIA_ECHO);
  g_autoptr(GError) error = NULL;
  g_autoptr(UstSdp) answer = answer_to (media, offer_text, &error);
  g_autoptr(UstSdp) again = NULL;
  g_autoptr(UstSdp) g729 = NULL;
  g_autofree char *audio_formats = NULL;
  g_autofree char *video_formats = NULL;
  UstSdpMedia *audio, *video, *application;
  const char *only_g729 = "v=0\r\nc=IN IP4 127.0.0.1\r\nm=audio 4000 RTP/AVP 18\r\n";
  const char *srtp = "v=0\r\nc=IN IP4 127.0.0.1\r\nm=audio 4000 RTP/SAVP 0\r\n";

  g_assert_no_error (error);
  /* RFC 3264 §6: as many m= lines as offered, in the same order. */
  g_assert_cmpuint (answer->media->len, ==, 3);
  audio = g_ptr_array_index (answer->media, 0);
  video = g_ptr_array_index (answer->media, 1);
  application = g_ptr_array_index (answer->media, 2);
  audio_formats = formats_of (audio);
  g_assert_cmpstr (audio_formats, ==, "0 8 101");
  g_assert_cmpuint (audio->port, >, 0);
  g_assert_cmpstr (audio->address, ==, "127.0.0.1");
  g_assert_cmpstr (ust_sdp_media_rtpmap (audio, "0"), ==, "PCMU/8000");
  g_assert_cmpstr (ust_sdp_media_fmtp (audio, "101"), ==, "0-15");
  video_formats = formats_of (video);
  g_assert_cmpstr (video_formats, ==, "96 97");
  g_assert_cmpstr (video->proto, ==, "RTP/AVPF");
  g_assert_cmpstr (ust_sdp_media_fmtp (video, "96"), ==, "profile-level-id=42801F");
  /* They send only: we receive only. */
  g_assert_cmpint (video->direction, ==, UST_SDP_RECVONLY);
  g_assert_cmpint (audio->direction, ==, UST_SDP_SENDRECV);
  g_assert_cmpuint (application->port, ==, 0);

  /* A new offer in the same call keeps the sockets. */
  again = answer_to (media, offer_text, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (((UstSdpMedia *) g_ptr_array_index (again->media, 0))->port, ==, audio->port);
  ust_robot_media_free (media);

  /* Nothing the robots take: 488 for the call. */
  media = ust_robot_media_new (loopback, loopback, UST_ROBOT_MEDIA_ECHO);
  g729 = answer_to (media, only_g729, &error);
  g_assert_null (g729);
  g_assert_error (error, UST_ROBOT_SDP_ERROR, UST_ROBOT_SDP_ERROR_MALFORMED);
  g_clear_error (&error);
  g_assert_null (answer_to (media, srtp, &error));
  g_assert_nonnull (error);
  ust_robot_media_free (media);
}

static GSocket *
udp_socket (guint *port)
{
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new_from_string ("127.0.0.1", 0);
  g_autoptr(GSocketAddress) local = NULL;
  g_autoptr(GError) error = NULL;
  GSocket *socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
                                  G_SOCKET_PROTOCOL_UDP, &error);

  g_assert_no_error (error);
  g_socket_set_blocking (socket, FALSE);
  g_socket_bind (socket, any, FALSE, &error);
  g_assert_no_error (error);
  local = g_socket_get_local_address (socket, &error);
  *port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));
  return socket;
}

/* An RTP packet back at @socket, within a second, or -1. */
static gssize
receive_rtp (GSocket         *socket,
             guint8          *packet,
             gsize            size,
             GSocketAddress **from)
{
  gint64 deadline = g_get_monotonic_time () + G_USEC_PER_SEC;

  while (g_get_monotonic_time () < deadline)
    {
      gssize n = g_socket_receive_from (socket, from, (char *) packet, size, NULL, NULL);

      if (n >= 0)
        return n;
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
  return -1;
}

static void
idle_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
}

static void
test_media_echo (void)
{
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  UstRobotMedia *media = ust_robot_media_new (loopback, loopback, UST_ROBOT_MEDIA_ECHO);
  g_autoptr(GError) error = NULL;
  g_autoptr(UstSdp) answer = NULL;
  g_autoptr(GSocket) announced = NULL;
  g_autoptr(GSocket) sender = NULL;
  g_autoptr(GSocketAddress) robot = NULL;
  g_autoptr(GSocketAddress) from = NULL;
  g_autofree char *offer = NULL;
  guint announced_port, sender_port, robot_port;
  guint8 packet[172] = { 0x80, 0x00, 0x00, 0x07, 0, 0, 0, 160, 0x11, 0x22, 0x33, 0x44 };
  guint8 back[2048];
  guint8 rtcp[8] = { 0x80, 200, 0, 1, 0x11, 0x22, 0x33, 0x44 };
  gboolean idle = FALSE;
  gssize n;

  announced = udp_socket (&announced_port);
  sender = udp_socket (&sender_port);
  offer = g_strdup_printf ("v=0\r\nc=IN IP4 127.0.0.1\r\nm=audio %u RTP/AVP 0\r\n",
                           announced_port);
  answer = answer_to (media, offer, &error);
  g_assert_no_error (error);
  robot_port = ((UstSdpMedia *) g_ptr_array_index (answer->media, 0))->port;
  robot = g_inet_socket_address_new (loopback, (guint16) robot_port);
  ust_robot_media_watch_idle (media, 300, idle_cb, &idle);

  /* Symmetric RTP: the packet goes back where it came from (the sender's
   * port, not the one the offer named), from the port the answer named,
   * the same payload and sequence, the robot's SSRC. */
  memset (packet + 12, 0x55, sizeof packet - 12);
  g_socket_send_to (sender, robot, (const char *) packet, sizeof packet, NULL, &error);
  g_assert_no_error (error);
  n = receive_rtp (sender, back, sizeof back, &from);
  g_assert_cmpint (n, ==, sizeof packet);
  g_assert_cmpuint (g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (from)), ==, robot_port);
  g_assert_cmpmem (back, 8, packet, 8);
  g_assert_cmpmem (back + 12, n - 12, packet + 12, sizeof packet - 12);
  g_assert_true (memcmp (back + 8, packet + 8, 4) != 0);
  g_assert_cmpuint (ust_robot_media_n_packets (media), ==, 1);

  /* RTCP (and junk) is not echoed; nothing went to the announced port. */
  g_socket_send_to (sender, robot, (const char *) rtcp, sizeof rtcp, NULL, &error);
  g_socket_send_to (sender, robot, "junk", 4, NULL, &error);
  g_clear_object (&from);
  g_assert_cmpint (receive_rtp (sender, back, sizeof back, &from), ==, -1);
  g_assert_cmpint (receive_rtp (announced, back, sizeof back, &from), ==, -1);

  /* 300 ms without RTP: the robot is told once. */
  g_assert_true (idle);
  ust_robot_media_free (media);

  /* Closed with the call: nobody answers there any more. */
  g_socket_send_to (sender, robot, (const char *) packet, sizeof packet, NULL, NULL);
  g_assert_cmpint (receive_rtp (sender, back, sizeof back, NULL), ==, -1);
}

static guint
n_bindings (UstRegistrar *registrar,
            const char   *user)
{
  g_autoptr(GPtrArray) bindings = ust_registrar_lookup (registrar, user);

  return bindings != NULL ? bindings->len : 0;
}

/* A core with the robots: each registers, as a robot, and is gone from the
 * registrar once the core stops. */
static gboolean
robots_registered (gpointer core)
{
  return ust_robots_all_registered (ust_core_get_robots (core));
}

/* Until busy's binding is gone. */
static gboolean
busy_unregistered (gpointer registrar)
{
  return n_bindings (registrar, "busy") == 0;
}

static void
test_robots_register (void)
{
  g_autofree char *dir = g_dir_make_tmp ("ust-robots-XXXXXX", NULL);
  g_autoptr(GInetSocketAddress) address = NULL;
  g_autoptr(UstReasonTable) reasons = ust_reason_table_new ();
  g_autofree char *db = g_build_filename (dir, "calls.db", NULL);
  g_autoptr(UstCallStore) store = ust_call_store_new (db);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) bindings = NULL;
  UstCoreConfig config = { 0 };
  UstRegistrar *registrar;
  UstCore *core;

  address = G_INET_SOCKET_ADDRESS (g_inet_socket_address_new_from_string ("127.0.0.1", 0));
  ust_call_store_open (store, &error);
  g_assert_no_error (error);
  config.address = address;
  config.data_dir = dir;
  config.reasons = reasons;
  config.store = store;
  config.robots = UST_ROBOT_BIT (UST_ROBOT_ECHO) | UST_ROBOT_BIT (UST_ROBOT_BUSY);
  core = ust_core_new (&config, &error);
  g_assert_no_error (error);
  g_assert_null (ust_core_get_provisioning (core));
  g_assert_cmpuint (ust_robots_get_enabled (ust_core_get_robots (core)), ==, config.robots);

  g_assert_true (ust_test_spin_until (robots_registered, core, 5000));
  registrar = ust_core_get_registrar (core);
  bindings = ust_registrar_lookup (registrar, "echo");
  g_assert_cmpuint (bindings->len, ==, 1);
  g_assert_true (ust_robots_is_robot_instance (((UstBinding *) bindings->pdata[0])->instance));
  g_clear_pointer (&bindings, g_ptr_array_unref);
  g_assert_cmpuint (n_bindings (registrar, "busy"), ==, 1);
  g_assert_cmpuint (n_bindings (registrar, "decline"), ==, 0);

  /* Switched off while running: busy unregisters. */
  ust_robots_set_enabled (ust_core_get_robots (core), UST_ROBOT_BIT (UST_ROBOT_ECHO));
  g_assert_true (ust_test_spin_until (busy_unregistered, registrar, 5000));

  /* Stopped: echo unregistered too before the socket closed. */
  g_object_ref (registrar);
  g_assert_true (ust_core_stop (core, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n_bindings (registrar, "echo"), ==, 0);
  g_object_unref (registrar);
  ust_core_free (core);
  ust_call_store_flush (store, 5000);
  ust_call_store_close (store);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  ust_sip_init ();

  g_test_add_func ("/ust/robots/sdp-parse", test_sdp_parse);
  g_test_add_func ("/ust/robots/sdp-malformed", test_sdp_malformed);
  g_test_add_func ("/ust/robots/names", test_names);
  g_test_add_func ("/ust/robots/media-answer", test_media_answer);
  g_test_add_func ("/ust/robots/media-echo", test_media_echo);
  g_test_add_func ("/ust/robots/register", test_robots_register);
  return g_test_run ();
}
