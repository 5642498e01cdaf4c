/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Widget tests for the transports in the window, in-process like
 * test-window.c: the setup card lists what phones may choose (UDP, TCP, TLS,
 * each with its port) and the TLS certificate's fingerprint; a phone that
 * speaks TLS to the UDP/TCP port shows up in the transport doctor's lines; a
 * message over TCP says so on the Wire tab; and unticking TCP in the
 * preferences takes it off the card at the next start. Everything on
 * 127.0.0.1, the exchange on a port the system picks. */

#include "config.h"

#include <string.h>

#include <gio/gio.h>
#include <gtk/gtk.h>

#include "gui-test-util.h"
#include "ust-ladder-drawing.h"
#include "ust-preferences-window.h"
#include "ust-wire-row.h"
#include "ust-wire-view.h"

/* Reading the window ---------------------------------------------------------------- */

static gpointer
child (const char *name)
{
  GObject *object = gtk_widget_get_template_child (GTK_WIDGET (gui_test_window), UST_TYPE_WINDOW, name);

  g_assert_nonnull (object);
  return object;
}

static const char *
label_text (const char *name)
{
  return gtk_label_get_text (GTK_LABEL (child (name)));
}

static gboolean
shown (const char *name)
{
  return gtk_widget_get_visible (child (name));
}

/* The doctor's lines as a person reads them, newest first: each line is a
 * box with the time and the sentence. */
static GPtrArray *
advice_lines (void)
{
  GPtrArray *lines = g_ptr_array_new_with_free_func (g_free);

  for (GtkWidget *line = gtk_widget_get_first_child (child ("doctor_list")); line != NULL;
       line = gtk_widget_get_next_sibling (line))
    {
      GtkWidget *when = gtk_widget_get_first_child (line);
      GtkWidget *what = gtk_widget_get_last_child (line);

      g_ptr_array_add (lines, g_strdup_printf ("%s %s", gtk_label_get_text (GTK_LABEL (when)),
                                               gtk_label_get_text (GTK_LABEL (what))));
    }
  return lines;
}

static gboolean
advice_mentions (gpointer data)
{
  g_autoptr (GPtrArray) lines = advice_lines ();
  const char *const *words = data;

  if (!gtk_revealer_get_reveal_child (child ("doctor_revealer")) || lines->len == 0)
    return FALSE;
  for (guint i = 0; words[i] != NULL; i++)
    if (strstr (g_ptr_array_index (lines, 0), words[i]) == NULL)
      return FALSE;
  return TRUE;
}

/* Talking to the exchange ------------------------------------------------------------ */

static GSocketConnection *
connect_tcp (guint port)
{
  g_autoptr (GSocketClient) client = g_socket_client_new ();
  g_autoptr (GError) error = NULL;
  GSocketConnection *connection;

  g_socket_client_set_timeout (client, 10);
  connection = g_socket_client_connect_to_host (client, "127.0.0.1", (guint16) port, NULL,
                                                &error);
  g_assert_no_error (error);
  g_socket_set_timeout (g_socket_connection_get_socket (connection), 10);
  return connection;
}

/* A TLS 1.2 ClientHello, as a phone set to TLS sends it first: a handshake
 * record (content type 22, 0x16: what the exchange looks at), client
 * version 3.3, a random, no session, two cipher suites, no compression. */
static GBytes *
client_hello (void)
{
  static const guint8 head[] = {
    0x16, 0x03, 0x01, 0x00, 0x31,       /* record: handshake, TLS 1.0 framing, 49 bytes */
    0x01, 0x00, 0x00, 0x2d,             /* ClientHello, 45 bytes */
    0x03, 0x03,                         /* client_version: TLS 1.2 */
  };
  static const guint8 tail[] = {
    0x00,                               /* session_id: none */
    0x00, 0x04, 0xc0, 0x2f, 0x00, 0x2f, /* ECDHE-RSA-AES128-GCM-SHA256, RSA-AES128-SHA */
    0x01, 0x00,                         /* compression: null */
    0x00, 0x00,                         /* no extensions */
  };
  GByteArray *hello = g_byte_array_new ();

  g_byte_array_append (hello, head, sizeof head);
  for (guint i = 0; i < 32; i++)
    {
      guint8 random = (guint8) g_random_int_range (0, 256);

      g_byte_array_append (hello, &random, 1);
    }
  g_byte_array_append (hello, tail, sizeof tail);
  g_assert_cmpuint (hello->len, ==, 5 + 0x31);
  return g_byte_array_free_to_bytes (hello);
}

static void
write_all (GSocketConnection *connection,
           const void        *data,
           gsize              len)
{
  g_autoptr (GError) error = NULL;
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (connection));

  g_output_stream_write_all (out, data, len, NULL, NULL, &error);
  g_assert_no_error (error);
}

/* Reads one response's header block (up to the empty line) from @connection. */
static char *
read_head (GSocketConnection *connection)
{
  GInputStream *in = g_io_stream_get_input_stream (G_IO_STREAM (connection));
  GString *text = g_string_new (NULL);

  while (strstr (text->str, "\r\n\r\n") == NULL && text->len < 65536)
    {
      g_autoptr (GError) error = NULL;
      char buffer[1024];
      gssize n = g_input_stream_read (in, buffer, sizeof buffer, NULL, &error);

      g_assert_no_error (error);
      if (n <= 0)
        break;
      g_string_append_len (text, buffer, n);
    }
  return g_string_free (text, FALSE);
}

/* The tests -------------------------------------------------------------------------- */

static void
test_setup_card (void)
{
  UstExchange *ex = gui_test_exchange ();
  g_autofree char *expected = NULL;
  g_autofree char *port_text = NULL;
  guint port, tls_port;

  /* Stopped: nothing to type yet. */
  g_assert_cmpstr (label_text ("transport_value"), ==, "—");
  g_assert_false (shown ("fingerprint_value"));

  gui_test_start_on_loopback ();
  port = ust_exchange_get_port (ex);
  g_assert_cmpuint (port, >, 0);
  g_assert_true (ust_exchange_has_protocol (ex, UST_PROTOCOL_UDP));
  g_assert_true (ust_exchange_has_protocol (ex, UST_PROTOCOL_TCP));
  g_assert_cmpuint (ust_exchange_get_protocol_port (ex, UST_PROTOCOL_TCP), ==, port);
  port_text = g_strdup_printf ("%u", port);
  g_assert_cmpstr (label_text ("port_value"), ==, port_text);
  g_assert_cmpstr (label_text ("password_value"), ==, "anything, it is not checked");

  if (!g_tls_backend_supports_tls (g_tls_backend_get_default ()))
    {
      /* No TLS module here: the card says why TLS is off, and offers the rest. */
      g_assert_false (ust_exchange_has_protocol (ex, UST_PROTOCOL_TLS));
      expected = g_strdup_printf ("UDP or TCP port %u", port);
      g_assert_cmpstr (label_text ("transport_value"), ==, expected);
      g_assert_true (shown ("tls_problem_label"));
      g_assert_cmpstr (label_text ("tls_problem_label"), ==, ust_exchange_get_tls_problem (ex));
      g_assert_false (shown ("fingerprint_value"));
      g_test_message ("no TLS backend: %s", label_text ("tls_problem_label"));
      return;
    }

  g_assert_true (ust_exchange_has_protocol (ex, UST_PROTOCOL_TLS));
  tls_port = ust_exchange_get_protocol_port (ex, UST_PROTOCOL_TLS);
  g_assert_cmpuint (tls_port, >, 0);
  g_assert_cmpuint (tls_port, !=, port);
  expected = g_strdup_printf ("UDP or TCP port %u, TLS port %u", port, tls_port);
  g_assert_cmpstr (label_text ("transport_value"), ==, expected);
  g_assert_false (shown ("tls_problem_label"));

  /* The certificate's SHA-256 fingerprint, selectable, in lines of eight
   * bytes: the same as the exchange's once the lines are joined. */
  g_assert_true (shown ("fingerprint_title"));
  g_assert_true (shown ("fingerprint_value"));
  g_assert_true (gtk_label_get_selectable (child ("fingerprint_value")));
  {
    g_autofree char *joined = g_strdup (label_text ("fingerprint_value"));
    const char *fingerprint = ust_exchange_get_tls_fingerprint (ex);
    g_auto (GStrv) lines = g_strsplit (joined, "\n", -1);

    g_assert_nonnull (fingerprint);
    g_test_message ("fingerprint: %s", fingerprint);
    /* 32 bytes: "AB:" × 31 + "CD". */
    g_assert_cmpuint (strlen (fingerprint), ==, 32 * 3 - 1);
    g_assert_cmpuint (g_strv_length (lines), ==, 4);
    g_strdelimit (joined, "\n", ':');
    g_assert_cmpstr (joined, ==, fingerprint);
  }

  /* The copy button copies it on one line. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (gui_test_window), "win.copy-setting", "s",
                                             "fingerprint"));
  g_assert_nonnull (strstr (label_text ("message_label"), ust_exchange_get_tls_fingerprint (ex)));
}

/* A phone set to TLS but given the UDP/TCP port: its ClientHello arrives
 * on the TCP port, and the window says so at once, naming the phone. */
static void
test_doctor_tls_on_tcp (void)
{
  g_autoptr (GSocketConnection) connection = NULL;
  g_autoptr (GBytes) hello = client_hello ();
  g_autofree char *where = NULL;
  const char *words[] = { "127.0.0.1", "TLS", NULL, NULL };
  g_autoptr (GPtrArray) lines = NULL;
  g_autoptr (GRegex) time = g_regex_new ("^[0-9]{2}:[0-9]{2}:[0-9]{2} 127\\.0\\.0\\.1 tried TLS ",
                                         0, 0, NULL);
  guint port;

  gui_test_start_on_loopback ();
  port = ust_exchange_get_port (gui_test_exchange ());
  g_assert_false (gtk_revealer_get_reveal_child (child ("doctor_revealer")));

  where = g_strdup_printf ("port %u", port);
  words[2] = where;
  connection = connect_tcp (port);
  write_all (connection, g_bytes_get_data (hello, NULL), g_bytes_get_size (hello));
  g_assert_true (ust_test_spin_until (advice_mentions, words, GUI_TEST_WAIT_MS));
  g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);

  lines = advice_lines ();
  g_test_message ("the doctor says: %s", (char *) g_ptr_array_index (lines, 0));
  g_assert_cmpuint (lines->len, ==, 1);
  g_assert_true (g_regex_match (time, g_ptr_array_index (lines, 0), 0, NULL));
  if (ust_exchange_has_protocol (gui_test_exchange (), UST_PROTOCOL_TLS))
    {
      g_autofree char *tls_port = g_strdup_printf (
        "TLS with port %u", ust_exchange_get_protocol_port (gui_test_exchange (), UST_PROTOCOL_TLS));

      g_assert_nonnull (strstr (g_ptr_array_index (lines, 0), tls_port));
    }

  /* The close button hides the lines until a phone gets it wrong again. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (gui_test_window), "win.dismiss-advice", NULL));
  g_assert_false (gtk_revealer_get_reveal_child (child ("doctor_revealer")));
  g_assert_null (gtk_widget_get_first_child (child ("doctor_list")));
}

static UstWireView *
wire_view (void)
{
  return UST_WIRE_VIEW (child ("wire_view"));
}

/* The index of the first row of the Wire tab whose transport is @transport
 * and whose summary starts with @summary, or G_MAXUINT. */
static guint
find_row (const char *transport,
          const char *summary)
{
  GListModel *model = ust_wire_view_get_model (wire_view ());

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr (UstWireRow) row = g_list_model_get_item (model, i);
      g_autofree char *row_transport = NULL;
      g_autofree char *row_summary = NULL;

      g_object_get (row, "transport", &row_transport, "summary", &row_summary, NULL);
      if (g_strcmp0 (row_transport, transport) == 0 && g_str_has_prefix (row_summary, summary))
        return i;
    }
  return G_MAXUINT;
}

/* The request and its response (@data: the status code) on the list. */
static gboolean
has_tcp_response (gpointer data)
{
  return find_row ("TCP", "OPTIONS") != G_MAXUINT && find_row ("TCP", data) != G_MAXUINT;
}

/* A request over TCP and its answer: the Wire tab's list says TCP beside
 * each, and the ladder's arrows say it too. */
static void
test_wire_shows_tcp (void)
{
  g_autoptr (GSocketConnection) connection = NULL;
  g_autoptr (GSocketAddress) local = NULL;
  g_autofree char *request = NULL;
  g_autofree char *response = NULL;
  g_autofree char *status = NULL;
  GtkStack *stack = child ("stack");
  guint port, local_port, position;

  gui_test_start_on_loopback ();
  port = ust_exchange_get_port (gui_test_exchange ());
  connection = connect_tcp (port);
  local = g_socket_connection_get_local_address (connection, NULL);
  local_port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));
  /* RFC 3261 §11: OPTIONS to the exchange itself; §18.3: Content-Length on a stream. */
  request = g_strdup_printf ("OPTIONS sip:127.0.0.1:%u SIP/2.0\r\n"
                             "Via: SIP/2.0/TCP 127.0.0.1:%u;branch=z9hG4bK-gui-tcp-1\r\n"
                             "Max-Forwards: 70\r\n"
                             "From: <sip:probe@127.0.0.1>;tag=gui-tcp\r\n"
                             "To: <sip:127.0.0.1:%u>\r\n"
                             "Call-ID: gui-tcp-options@127.0.0.1\r\n"
                             "CSeq: 1 OPTIONS\r\n"
                             "Content-Length: 0\r\n"
                             "\r\n",
                             port, local_port, port);
  write_all (connection, request, strlen (request));
  response = read_head (connection);
  g_test_message ("response: %.40s", response);
  g_assert_true (g_str_has_prefix (response, "SIP/2.0 "));
  status = g_strndup (response + strlen ("SIP/2.0 "), 3);

  gtk_stack_set_visible_child_name (stack, "wire");
  g_assert_true (ust_test_spin_until (has_tcp_response, status, GUI_TEST_WAIT_MS));
  position = find_row ("TCP", "OPTIONS");
  ust_wire_view_select (wire_view (), position);
  ust_test_spin (100);

  /* The arrows of that exchange of messages, as the ladder writes them. */
  {
    UstTraceEntry *selected = ust_wire_view_get_selected (wire_view ());
    GListModel *model = ust_wire_view_get_model (wire_view ());
    g_autoptr (GPtrArray) entries = g_ptr_array_new_with_free_func (
      (GDestroyNotify) ust_trace_entry_unref);
    g_autoptr (UstLadder) ladder = NULL;
    g_autofree char *first = NULL;

    g_assert_nonnull (selected);
    g_assert_cmpint (ust_trace_entry_get_protocol (selected), ==, UST_PROTOCOL_TCP);
    for (guint i = 0; i < g_list_model_get_n_items (model); i++)
      {
        g_autoptr (UstWireRow) row = g_list_model_get_item (model, i);

        g_ptr_array_add (entries, ust_trace_entry_ref (ust_wire_row_get_entry (row)));
      }
    ladder = ust_ladder_new_for_call (entries, "gui-tcp-options@127.0.0.1");
    g_assert_cmpuint (ust_ladder_get_n_arrows (ladder), >=, 2);
    first = ust_ladder_drawing_arrow_text (ust_ladder_get_arrow (ladder, 0));
    g_assert_cmpstr (first, ==, "OPTIONS (TCP)");
  }
  gtk_stack_set_visible_child_name (stack, "exchange");
}

static gboolean
settings_saved_without_tcp (gpointer data)
{
  g_autofree char *text = NULL;

  return g_file_get_contents (data, &text, NULL, NULL) && strstr (text, "tcp=false") != NULL;
}

static GtkWindow *
find_preferences (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr (GtkWindow) toplevel = g_list_model_get_item (toplevels, i);

      if (UST_IS_PREFERENCES_WINDOW (toplevel))
        return toplevel;
    }
  return NULL;
}

/* Unticking TCP in the preferences while the exchange runs changes nothing
 * until the next start (the card says so); after it, the card no longer
 * offers TCP and the exchange no longer takes it. */
static void
test_untick_tcp (void)
{
  UstSettings *settings = ust_application_get_settings (gui_test_app);
  g_autofree char *path = g_build_filename (g_get_user_config_dir (), "ustredna", "settings.ini",
                                            NULL);
  g_autofree char *expected = NULL;
  GtkWindow *preferences;
  GtkCheckButton *tcp;
  GtkWidget *udp;
  guint port;

  gui_test_start_on_loopback ();
  gui_test_activate ("preferences", NULL);
  preferences = find_preferences ();
  g_assert_nonnull (preferences);
  tcp = GTK_CHECK_BUTTON (gtk_widget_get_template_child (GTK_WIDGET (preferences),
                                                         UST_TYPE_PREFERENCES_WINDOW,
                                                         "tcp_check"));
  g_assert_true (gtk_check_button_get_active (tcp));
  /* UDP is always on, and the check button says so. */
  udp = GTK_WIDGET (gtk_widget_get_template_child (GTK_WIDGET (preferences),
                                                   UST_TYPE_PREFERENCES_WINDOW, "udp_check"));
  g_assert_true (gtk_check_button_get_active (GTK_CHECK_BUTTON (udp)));
  g_assert_false (gtk_widget_get_sensitive (udp));

  gtk_check_button_set_active (tcp, FALSE);
  g_assert_false (ust_settings_get_tcp (settings));
  g_assert_true (ust_test_spin_until (settings_saved_without_tcp, path, GUI_TEST_WAIT_MS));
  gtk_window_close (preferences);
  ust_test_spin (50);

  /* Still running with TCP: the card says when the change applies. */
  g_assert_true (ust_exchange_has_protocol (gui_test_exchange (), UST_PROTOCOL_TCP));
  g_assert_true (g_str_has_prefix (label_text ("transport_value"), "UDP or TCP port "));
  g_assert_nonnull (strstr (label_text ("setup_hint"), "apply when the exchange is started "
                                                       "again"));

  gui_test_activate ("stop", NULL);
  gui_test_start_on_loopback ();
  port = ust_exchange_get_port (gui_test_exchange ());
  g_assert_false (ust_exchange_has_protocol (gui_test_exchange (), UST_PROTOCOL_TCP));
  if (ust_exchange_has_protocol (gui_test_exchange (), UST_PROTOCOL_TLS))
    expected = g_strdup_printf ("UDP port %u, TLS port %u", port,
                                ust_exchange_get_protocol_port (gui_test_exchange (), UST_PROTOCOL_TLS));
  else
    expected = g_strdup_printf ("UDP port %u", port);
  g_assert_cmpstr (label_text ("transport_value"), ==, expected);
  g_assert_null (strstr (label_text ("transport_value"), "TCP"));
  g_assert_null (strstr (label_text ("setup_hint"), "started again"));

  /* Ticked again: pending until the next start, once more. */
  ust_settings_set_tcp (settings, TRUE);
  g_assert_nonnull (strstr (label_text ("setup_hint"), "started again"));
  gui_test_activate ("stop", NULL);
}

int
main (int   argc,
      char *argv[])
{
  gui_test_start (&argc, &argv, "transport", "TransportTest");

  g_test_add_func ("/ust/gui/transport/setup-card", test_setup_card);
  g_test_add_func ("/ust/gui/transport/doctor-tls-on-tcp", test_doctor_tls_on_tcp);
  g_test_add_func ("/ust/gui/transport/wire-shows-tcp", test_wire_shows_tcp);
  g_test_add_func ("/ust/gui/transport/untick-tcp", test_untick_tcp);

  return gui_test_finish (g_test_run (), FALSE);
}
