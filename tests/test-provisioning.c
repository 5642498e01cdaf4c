/* SPDX-License-Identifier: GPL-3.0-or-later */

/* Phone setup: the Linphone document, the tokens and URLs, the QR code, and
 * the web server that serves the documents, asked by libsoup's own client
 * and by hand-made requests on loopback. */

#include "config.h"

#include <string.h>

#include <libsoup/soup.h>

#include "ust-lpconfig.h"
#include "ust-provisioning.h"
#include "ust-qr.h"
#include "ust-test-util.h"

/* An lpconfig document read back with GMarkup: "section/entry" → value,
 * and every entry must say overwrite="true". */
typedef struct {
  GHashTable *entries;
  char       *section;
  char       *entry;
  gboolean    root_ok;
} Document;

static void
start_cb (GMarkupParseContext  *context,
          const char           *element,
          const char          **names,
          const char          **values,
          gpointer              user_data,
          GError              **error)
{
  Document *doc = user_data;
  const char *name = NULL, *overwrite = NULL;

  for (guint i = 0; names[i] != NULL; i++)
    {
      if (strcmp (names[i], "name") == 0)
        name = values[i];
      else if (strcmp (names[i], "overwrite") == 0)
        overwrite = values[i];
      else if (strcmp (element, "config") == 0 && strcmp (names[i], "xmlns") == 0)
        doc->root_ok = strcmp (values[i], "http://www.linphone.org/xsds/lpconfig.xsd") == 0;
    }
  if (strcmp (element, "section") == 0)
    {
      g_assert_nonnull (name);
      g_free (doc->section);
      doc->section = g_strdup (name);
    }
  else if (strcmp (element, "entry") == 0)
    {
      g_assert_nonnull (name);
      g_assert_cmpstr (overwrite, ==, "true");
      doc->entry = g_strdup_printf ("%s/%s", doc->section, name);
      g_hash_table_insert (doc->entries, g_strdup (doc->entry), g_strdup (""));
    }
}

static void
text_cb (GMarkupParseContext  *context,
         const char           *text,
         gsize                 length,
         gpointer              user_data,
         GError              **error)
{
  Document *doc = user_data;

  if (doc->entry != NULL)
    g_hash_table_insert (doc->entries, g_strdup (doc->entry), g_strndup (text, length));
}

static void
end_cb (GMarkupParseContext  *context,
        const char           *element,
        gpointer              user_data,
        GError              **error)
{
  Document *doc = user_data;

  if (strcmp (element, "entry") == 0)
    g_clear_pointer (&doc->entry, g_free);
}

static GHashTable *
read_document (const char *xml)
{
  static const GMarkupParser parser = { start_cb, end_cb, text_cb, NULL, NULL };
  Document doc = { 0 };
  g_autoptr(GMarkupParseContext) context = NULL;
  g_autoptr(GError) error = NULL;

  doc.entries = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  context = g_markup_parse_context_new (&parser, 0, &doc, NULL);
  g_markup_parse_context_parse (context, xml, -1, &error);
  g_assert_no_error (error);
  g_markup_parse_context_end_parse (context, &error);
  g_assert_no_error (error);
  g_assert_true (doc.root_ok);
  g_free (doc.section);
  return doc.entries;
}

static void
test_user_names (void)
{
  g_assert_true (ust_lpconfig_user_is_valid ("alice"));
  g_assert_true (ust_lpconfig_user_is_valid ("101"));
  g_assert_true (ust_lpconfig_user_is_valid ("jan.novak_2-b"));
  g_assert_false (ust_lpconfig_user_is_valid (""));
  g_assert_false (ust_lpconfig_user_is_valid (NULL));
  g_assert_false (ust_lpconfig_user_is_valid (".."));
  g_assert_false (ust_lpconfig_user_is_valid ("a/b"));
  g_assert_false (ust_lpconfig_user_is_valid ("<alice>"));
  g_assert_false (ust_lpconfig_user_is_valid ("alice bob"));
  g_assert_false (ust_lpconfig_user_is_valid ("ľubo"));
}

static void
test_document_udp (void)
{
  UstLpconfigAccount account = {
    .user = "alice", .domain = "192.168.1.10", .host = "192.168.1.10", .port = 5060,
    .protocol = UST_PROTOCOL_UDP, .expires = 600,
  };
  g_autofree char *xml = ust_lpconfig_document (&account);
  g_autoptr(GHashTable) entries = read_document (xml);

  g_assert_cmpstr (g_hash_table_lookup (entries, "proxy_0/reg_proxy"), ==,
                   "<sip:192.168.1.10:5060;transport=udp>");
  g_assert_cmpstr (g_hash_table_lookup (entries, "proxy_0/reg_route"), ==,
                   "<sip:192.168.1.10:5060;transport=udp;lr>");
  g_assert_cmpstr (g_hash_table_lookup (entries, "proxy_0/reg_identity"), ==,
                   "\"alice\" <sip:alice@192.168.1.10>");
  g_assert_cmpstr (g_hash_table_lookup (entries, "proxy_0/reg_expires"), ==, "600");
  g_assert_cmpstr (g_hash_table_lookup (entries, "proxy_0/reg_sendregister"), ==, "1");
  g_assert_cmpstr (g_hash_table_lookup (entries, "proxy_0/avpf"), ==, "0");
  g_assert_cmpstr (g_hash_table_lookup (entries, "auth_info_0/username"), ==, "alice");
  g_assert_cmpstr (g_hash_table_lookup (entries, "auth_info_0/passwd"), ==,
                   UST_LPCONFIG_PASSWORD);
  /* ICE off: the NAT policy both the account and the core name has no
   * protocols. */
  g_assert_cmpstr (g_hash_table_lookup (entries, "nat_policy_0/protocols"), ==, "");
  g_assert_cmpstr (g_hash_table_lookup (entries, "nat_policy_0/ref"), ==,
                   g_hash_table_lookup (entries, "proxy_0/nat_policy_ref"));
  g_assert_cmpstr (g_hash_table_lookup (entries, "net/nat_policy_ref"), ==,
                   g_hash_table_lookup (entries, "proxy_0/nat_policy_ref"));
  g_assert_cmpstr (g_hash_table_lookup (entries, "sip/default_proxy"), ==, "0");
  g_assert_false (g_hash_table_contains (entries, "sip/verify_server_certs"));
}

static void
test_document_tls_ipv6 (void)
{
  UstLpconfigAccount account = {
    .user = "101", .domain = "lab.example", .host = "fd00::2", .port = 5061,
    .protocol = UST_PROTOCOL_TLS, .expires = 300,
  };
  g_autofree char *xml = ust_lpconfig_document (&account);
  g_autoptr(GHashTable) entries = read_document (xml);

  g_assert_cmpstr (g_hash_table_lookup (entries, "proxy_0/reg_proxy"), ==,
                   "<sip:[fd00::2]:5061;transport=tls>");
  g_assert_cmpstr (g_hash_table_lookup (entries, "proxy_0/reg_identity"), ==,
                   "\"101\" <sip:101@lab.example>");
  /* Linphone 5.1 checks neither our own certificate nor an IP address in it. */
  g_assert_cmpstr (g_hash_table_lookup (entries, "sip/verify_server_certs"), ==, "0");
  g_assert_cmpstr (g_hash_table_lookup (entries, "sip/verify_server_cn"), ==, "0");
}

static void
test_tokens (void)
{
  UstProvisioningKey key, other;
  g_autofree char *token = NULL;
  g_autofree char *url = NULL;
  g_autofree char *url6 = NULL;
  g_autofree char *expected = NULL;

  ust_provisioning_key_generate (&key);
  ust_provisioning_key_generate (&other);
  g_assert_true (memcmp (key.bytes, other.bytes, sizeof key.bytes) != 0);

  token = ust_provisioning_token (&key, "alice");
  g_assert_cmpuint (strlen (token), ==, 24);
  g_assert_true (ust_provisioning_token_matches (&key, "alice", token));
  g_assert_false (ust_provisioning_token_matches (&key, "bob", token));
  g_assert_false (ust_provisioning_token_matches (&other, "alice", token));
  g_assert_false (ust_provisioning_token_matches (&key, "alice", NULL));
  g_assert_false (ust_provisioning_token_matches (&key, "alice", ""));

  url = ust_provisioning_url (&key, "192.168.1.10", 8080, "alice", UST_PROTOCOL_UDP);
  expected = g_strdup_printf ("http://192.168.1.10:8080/provisioning/alice.xml?token=%s", token);
  g_assert_cmpstr (url, ==, expected);
  url6 = ust_provisioning_url (&key, "fd00::2", 8080, "alice", UST_PROTOCOL_TCP);
  g_assert_true (g_str_has_prefix (url6, "http://[fd00::2]:8080/provisioning/alice.xml?token="));
  g_assert_true (g_str_has_suffix (url6, "&transport=tcp"));
}

static void
test_qr (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(UstQr) qr = ust_qr_encode ("http://192.168.100.100:45678/provisioning/alice.xml"
                                       "?token=0123456789abcdef01234567&transport=tls",
                                       &error);
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  guint side;

  g_assert_no_error (error);
  g_assert_nonnull (qr);
  /* Versions 1–40 are 21–177 modules wide, 4 more per version. */
  g_assert_cmpuint (qr->width, >=, 21);
  g_assert_cmpuint ((qr->width - 21) % 4, ==, 0);
  /* The three finder patterns: dark corners, light beyond the grid. */
  g_assert_true (ust_qr_is_dark (qr, 0, 0));
  g_assert_true (ust_qr_is_dark (qr, (int) qr->width - 1, 0));
  g_assert_true (ust_qr_is_dark (qr, 0, (int) qr->width - 1));
  g_assert_false (ust_qr_is_dark (qr, -1, 0));
  g_assert_false (ust_qr_is_dark (qr, 0, (int) qr->width));

  text = ust_qr_to_text (qr, FALSE);
  lines = g_strsplit (text, "\n", -1);
  side = qr->width + 2 * UST_QR_QUIET_ZONE;
  /* Two rows of modules per line, and a last empty string after the last
   * newline. */
  g_assert_cmpuint (g_strv_length (lines), ==, (side + 1) / 2 + 1);
  g_assert_cmpuint (g_utf8_strlen (lines[0], -1), ==, side);
}

/* The server ------------------------------------------------------------------ */

typedef struct {
  UstProvisioning *provisioning;
  guint            port;
  guint            served;
  char            *last_user;
  guint            last_status;
} Server;

static void
served_cb (UstProvisioning *provisioning,
           const char      *user,
           const char      *peer,
           const char      *agent,
           guint            status,
           Server          *server)
{
  g_assert_cmpstr (peer, ==, "127.0.0.1");
  server->served++;
  g_free (server->last_user);
  server->last_user = g_strdup (user);
  server->last_status = status;
}

static void
server_start (Server *server)
{
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GError) error = NULL;
  UstProvisioningConfig config = { 0 };

  config.address = loopback;
  config.sip_ports[UST_PROTOCOL_UDP] = 5060;
  config.sip_ports[UST_PROTOCOL_TCP] = 5060;
  server->provisioning = ust_provisioning_new (&config, &error);
  g_assert_no_error (error);
  server->port = ust_provisioning_get_port (server->provisioning);
  g_assert_cmpuint (server->port, >, 0);
  g_signal_connect (server->provisioning, "served", G_CALLBACK (served_cb), server);
}

static void
server_stop (Server *server)
{
  g_clear_object (&server->provisioning);
  g_free (server->last_user);
}

typedef struct {
  gboolean  done;
  GBytes   *body;
  guint     status;
  char     *content_type;
} Fetch;

static void
fetched_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Fetch *fetch = user_data;
  SoupMessage *message = soup_session_get_async_result_message (SOUP_SESSION (source), result);
  g_autoptr(GError) error = NULL;

  fetch->body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  g_assert_no_error (error);
  fetch->status = soup_message_get_status (message);
  fetch->content_type = g_strdup (soup_message_headers_get_content_type (
    soup_message_get_response_headers (message), NULL));
  fetch->done = TRUE;
}

/* GET with libsoup's client, the server answering on the same main context. */
static guint
fetch (const char  *url,
       const char  *method,
       char       **body)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(SoupMessage) message = soup_message_new (method, url);
  Fetch result = { 0 };

  g_assert_nonnull (message);
  soup_session_send_and_read_async (session, message, G_PRIORITY_DEFAULT, NULL, fetched_cb,
                                    &result);
  g_assert_true (ust_test_spin_until (ust_test_flag_is_set, &result.done, 10000));
  if (result.status == 200 && strcmp (method, "GET") == 0)
    g_assert_cmpstr (result.content_type, ==, "application/xml");
  if (body != NULL)
    *body = g_strndup (g_bytes_get_data (result.body, NULL), g_bytes_get_size (result.body));
  g_bytes_unref (result.body);
  g_free (result.content_type);
  return result.status;
}

static char *
url_for (Server      *server,
         const char  *user,
         UstProtocol  protocol)
{
  return ust_provisioning_url (ust_provisioning_get_key (server->provisioning), "127.0.0.1",
                               server->port, user, protocol);
}

static void
test_server_documents (void)
{
  Server server = { 0 };
  g_autofree char *url = NULL;
  g_autofree char *tcp = NULL;
  g_autofree char *tls = NULL;
  g_autofree char *body = NULL;
  g_autofree char *tcp_body = NULL;
  g_autoptr(GHashTable) entries = NULL;
  g_autoptr(GHashTable) tcp_entries = NULL;

  server_start (&server);
  url = url_for (&server, "alice", UST_PROTOCOL_UDP);
  g_assert_cmpuint (fetch (url, "GET", &body), ==, 200);
  entries = read_document (body);
  /* The address the phone used, the exchange's port for that transport. */
  g_assert_cmpstr (g_hash_table_lookup (entries, "proxy_0/reg_proxy"), ==,
                   "<sip:127.0.0.1:5060;transport=udp>");
  g_assert_cmpuint (server.served, ==, 1);
  g_assert_cmpstr (server.last_user, ==, "alice");
  g_assert_cmpuint (server.last_status, ==, 200);

  tcp = url_for (&server, "alice", UST_PROTOCOL_TCP);
  g_assert_cmpuint (fetch (tcp, "GET", &tcp_body), ==, 200);
  tcp_entries = read_document (tcp_body);
  g_assert_cmpstr (g_hash_table_lookup (tcp_entries, "proxy_0/reg_proxy"), ==,
                   "<sip:127.0.0.1:5060;transport=tcp>");
  /* HEAD works as GET without the body. */
  g_assert_cmpuint (fetch (url, "HEAD", NULL), ==, 200);

  /* A transport the exchange does not serve: as if there were nothing. */
  tls = url_for (&server, "alice", UST_PROTOCOL_TLS);
  g_assert_cmpuint (fetch (tls, "GET", NULL), ==, 404);
  g_assert_cmpuint (server.last_status, ==, 404);
  server_stop (&server);
}

static void
test_server_refuses (void)
{
  Server server = { 0 };
  g_autofree char *url = NULL;
  g_autofree char *root = NULL;
  g_autofree char *wrong_token = NULL;
  g_autofree char *no_token = NULL;
  g_autofree char *other_user = NULL;
  g_autofree char *extra = NULL;
  g_autofree char *bad_user = NULL;
  g_autofree char *alice_token = NULL;
  guint status;

  server_start (&server);
  url = url_for (&server, "alice", UST_PROTOCOL_UDP);
  alice_token = ust_provisioning_token (ust_provisioning_get_key (server.provisioning), "alice");

  root = g_strdup_printf ("http://127.0.0.1:%u/", server.port);
  g_assert_cmpuint (fetch (root, "GET", NULL), ==, 404);
  wrong_token = g_strdup_printf ("http://127.0.0.1:%u/provisioning/alice.xml?token=%s", server.port,
                                 "000000000000000000000000");
  g_assert_cmpuint (fetch (wrong_token, "GET", NULL), ==, 404);
  no_token = g_strdup_printf ("http://127.0.0.1:%u/provisioning/alice.xml", server.port);
  g_assert_cmpuint (fetch (no_token, "GET", NULL), ==, 404);
  /* alice's token is hers only. */
  other_user = g_strdup_printf ("http://127.0.0.1:%u/provisioning/bob.xml?token=%s", server.port,
                                alice_token);
  g_assert_cmpuint (fetch (other_user, "GET", NULL), ==, 404);
  /* libsoup matches handlers by prefix; the server checks the whole path. */
  extra = g_strdup_printf ("http://127.0.0.1:%u/provisioning/alice.xmlx?token=%s", server.port,
                           alice_token);
  g_assert_cmpuint (fetch (extra, "GET", NULL), ==, 404);
  bad_user = g_strdup_printf ("http://127.0.0.1:%u/provisioning/..%%2Fetc.xml?token=%s",
                              server.port, alice_token);
  /* libsoup itself refuses an encoded slash (400); anything else the
   * server does (404). */
  status = fetch (bad_user, "GET", NULL);
  g_assert_true (status == 400 || status == 404);
  /* Nothing but GET and HEAD. */
  g_assert_cmpuint (fetch (url, "DELETE", NULL), ==, 405);
  server_stop (&server);
}

/* A hand-made request on a plain socket, for what a client library would
 * not send: the first line of the answer. */
typedef struct {
  GSocketConnection *connection;
  GString           *reply;
  gboolean           done;
} Raw;

static void
raw_read_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  Raw *raw = user_data;
  g_autoptr(GBytes) bytes = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result,
                                                              NULL);

  if (bytes == NULL || g_bytes_get_size (bytes) == 0)
    {
      raw->done = TRUE;
      return;
    }
  g_string_append_len (raw->reply, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  if (strstr (raw->reply->str, "\r\n\r\n") != NULL)
    {
      raw->done = TRUE;
      return;
    }
  g_input_stream_read_bytes_async (G_INPUT_STREAM (source), 4096, G_PRIORITY_DEFAULT, NULL,
                                   raw_read_cb, raw);
}

static void
raw_connected_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  Raw *raw = user_data;
  g_autoptr(GError) error = NULL;

  raw->connection = g_socket_client_connect_finish (G_SOCKET_CLIENT (source), result, &error);
  g_assert_no_error (error);
  raw->done = TRUE;
}

static void
spin_until_done (Raw *raw)
{
  g_assert_true (ust_test_spin_until (ust_test_flag_is_set, &raw->done, 10000));
  raw->done = FALSE;
}

static char *
raw_request (guint        port,
             const char  *request,
             gsize        length)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnectable) where = g_network_address_new ("127.0.0.1", (guint16) port);
  g_autoptr(GError) error = NULL;
  Raw raw = { 0 };
  char *end;

  g_socket_client_connect_async (client, where, NULL, raw_connected_cb, &raw);
  spin_until_done (&raw);
  /* Small enough for the socket buffer: written at once. */
  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (raw.connection)),
                             request, length, NULL, NULL, &error);
  g_assert_no_error (error);
  raw.reply = g_string_new (NULL);
  g_input_stream_read_bytes_async (g_io_stream_get_input_stream (G_IO_STREAM (raw.connection)),
                                   4096, G_PRIORITY_DEFAULT, NULL, raw_read_cb, &raw);
  spin_until_done (&raw);
  g_object_unref (raw.connection);
  end = strstr (raw.reply->str, "\r\n");
  if (end != NULL)
    g_string_truncate (raw.reply, (gsize) (end - raw.reply->str));
  return g_string_free (raw.reply, FALSE);
}

static void
test_server_large_requests (void)
{
  Server server = { 0 };
  g_autoptr(GString) big_header = g_string_new ("GET /provisioning/alice.xml HTTP/1.1\r\n"
                                                "Host: 127.0.0.1\r\nX-Padding: ");
  g_autoptr(GString) body = g_string_new ("POST /provisioning/alice.xml HTTP/1.1\r\n"
                                          "Host: 127.0.0.1\r\nContent-Length: 20000\r\n\r\n");
  g_autofree char *status = NULL;
  g_autofree char *expect_status = NULL;
  g_autofree char *after = NULL;
  const char *expect = "PUT /provisioning/alice.xml HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                       "Content-Length: 100000000\r\nExpect: 100-continue\r\n\r\n";
  const char *plain = "GET /robots.txt HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

  server_start (&server);
  /* 20 KB of header: 431, the header section is too large (RFC 6585). */
  for (guint i = 0; i < 20000; i++)
    g_string_append_c (big_header, 'a');
  g_string_append (big_header, "\r\n\r\n");
  status = raw_request (server.port, big_header->str, big_header->len);
  g_assert_cmpstr (status, ==, "HTTP/1.1 431 Request Header Fields Too Large");

  /* A body: 413, whatever the path; the body is read and dropped. */
  for (guint i = 0; i < 20000; i++)
    g_string_append_c (body, 'b');
  g_clear_pointer (&status, g_free);
  status = raw_request (server.port, body->str, body->len);
  /* (the phrase is libsoup's: "Content Too Large" since RFC 9110) */
  g_assert_true (g_str_has_prefix (status, "HTTP/1.1 413 "));

  /* 100 MB announced with Expect: 100-continue: refused before a byte of it. */
  expect_status = raw_request (server.port, expect, strlen (expect));
  g_assert_true (g_str_has_prefix (expect_status, "HTTP/1.1 413 "));

  /* And the server still answers. */
  after = raw_request (server.port, plain, strlen (plain));
  g_assert_cmpstr (after, ==, "HTTP/1.1 404 Not Found");
  g_assert_cmpuint (server.served, ==, 0);
  server_stop (&server);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/ust/provisioning/user-names", test_user_names);
  g_test_add_func ("/ust/provisioning/document-udp", test_document_udp);
  g_test_add_func ("/ust/provisioning/document-tls-ipv6", test_document_tls_ipv6);
  g_test_add_func ("/ust/provisioning/tokens", test_tokens);
  g_test_add_func ("/ust/provisioning/qr", test_qr);
  g_test_add_func ("/ust/provisioning/server-documents", test_server_documents);
  g_test_add_func ("/ust/provisioning/server-refuses", test_server_refuses);
  g_test_add_func ("/ust/provisioning/server-large-requests", test_server_large_requests);
  return g_test_run ();
}
