/* SPDX-License-Identifier: GPL-3.0-or-later */

/* UstExchange: the core on its own thread, seen from the window's thread. */

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "ust-call-model.h"
#include "ust-exchange.h"
#include "ust-sip.h"
#include "ust-test-phone.h"
#include "ust-test-util.h"

static gboolean
has_phone (gpointer data)
{
  return g_list_model_get_n_items (ust_exchange_get_phones (data)) == 1;
}

static gboolean
diary_has_call (gpointer data)
{
  return ust_call_store_count (data) >= 1;
}

static void
send_text (GSocket    *socket,
           guint       port,
           const char *text)
{
  g_autoptr(GSocketAddress) to = g_inet_socket_address_new_from_string ("127.0.0.1", port);
  g_autoptr(GError) error = NULL;

  g_socket_send_to (socket, to, text, strlen (text), NULL, &error);
  g_assert_no_error (error);
}

static GSocket *
new_socket (guint *port)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new_from_string ("127.0.0.1", 0);
  g_autoptr(GSocketAddress) local = NULL;
  GSocket *socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
                                  G_SOCKET_PROTOCOL_UDP, &error);

  g_assert_no_error (error);
  g_socket_bind (socket, any, FALSE, &error);
  g_assert_no_error (error);
  local = g_socket_get_local_address (socket, &error);
  *port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));
  return socket;
}

static void
test_lifecycle (void)
{
  g_autofree char *dir = g_dir_make_tmp ("ust-exchange-XXXXXX", NULL);
  g_autoptr(UstExchange) exchange = ust_exchange_new (dir);
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) phone = NULL;
  g_autofree char *reg = NULL;
  g_autofree char *invite = NULL;
  guint phone_port, port;
  UstPhone *item;

  g_assert_false (ust_exchange_get_running (exchange));
  g_assert_true (ust_exchange_start (exchange, "127.0.0.1", 0, &error));
  g_assert_no_error (error);
  g_assert_true (ust_exchange_get_running (exchange));
  g_assert_cmpstr (ust_exchange_get_address (exchange), ==, "127.0.0.1");
  port = ust_exchange_get_port (exchange);
  g_assert_cmpuint (port, >, 0);

  /* A phone registers: it shows up in the window's list (in a batch). */
  phone = new_socket (&phone_port);
  reg = g_strdup_printf ("REGISTER sip:127.0.0.1 SIP/2.0\r\n"
                         "Via: SIP/2.0/UDP 127.0.0.1:%u;branch=z9hG4bKx1\r\n"
                         "From: <sip:alice@127.0.0.1>;tag=1\r\nTo: <sip:alice@127.0.0.1>\r\n"
                         "Call-ID: x1\r\nCSeq: 1 REGISTER\r\n"
                         "Contact: <sip:alice@127.0.0.1:%u>\r\nUser-Agent: TestPhone\r\n"
                         "Content-Length: 0\r\n\r\n", phone_port, phone_port);
  send_text (phone, port, reg);
  g_assert_true (ust_test_spin_until (has_phone, exchange, 3000));
  item = g_list_model_get_item (ust_exchange_get_phones (exchange), 0);
  g_assert_cmpstr (ust_phone_get_user (item), ==, "alice");
  g_assert_cmpstr (ust_phone_get_user_agent (item), ==, "TestPhone");
  g_assert_cmpint (ust_phone_get_expires_at (item), >, g_get_real_time ());
  g_object_unref (item);

  /* The wire trace has the REGISTER and its 200, for the window's views. */
  {
    g_autoptr(GPtrArray) entries = ust_trace_get_since (ust_exchange_get_trace (exchange), 0);

    g_assert_cmpuint (entries->len, >=, 2);
    g_assert_cmpint (ust_trace_entry_get_kind (g_ptr_array_index (entries, 0)), ==,
                     UST_TRACE_KIND_REQUEST);
  }

  /* A call to nobody ends in the diary as "not found". */
  invite = g_strdup_printf ("INVITE sip:nobody@127.0.0.1 SIP/2.0\r\n"
                            "Via: SIP/2.0/UDP 127.0.0.1:%u;branch=z9hG4bKx2\r\n"
                            "From: <sip:alice@127.0.0.1>;tag=2\r\nTo: <sip:nobody@127.0.0.1>\r\n"
                            "Call-ID: x2\r\nCSeq: 1 INVITE\r\n"
                            "Contact: <sip:alice@127.0.0.1:%u>\r\nContent-Length: 0\r\n\r\n",
                            phone_port, phone_port);
  send_text (phone, port, invite);
  g_assert_true (ust_test_spin_until (diary_has_call, ust_exchange_get_store (exchange), 3000));
  {
    g_autoptr(GPtrArray) rows = ust_call_store_fetch (ust_exchange_get_store (exchange), 0, 1,
                                                      &error);
    const UstCallData *data;

    g_assert_no_error (error);
    data = ust_call_record_get_data (g_ptr_array_index (rows, 0));
    g_assert_cmpstr (data->call_id, ==, "x2");
    g_assert_cmpstr (ust_call_disposition (data), ==, "not found");
  }

  ust_exchange_stop (exchange);
  g_assert_false (ust_exchange_get_running (exchange));
  g_assert_cmpuint (g_list_model_get_n_items (ust_exchange_get_phones (exchange)), ==, 0);

  /* Started again, the registration is still there (restored from disk). */
  g_assert_true (ust_exchange_start (exchange, "127.0.0.1", 0, &error));
  g_assert_no_error (error);
  g_assert_true (ust_test_spin_until (has_phone, exchange, 3000));
  ust_exchange_stop (exchange);
}

static void
test_port_in_use (void)
{
  g_autofree char *dir = g_dir_make_tmp ("ust-exchange-XXXXXX", NULL);
  g_autoptr(UstExchange) exchange = ust_exchange_new (dir);
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) squatter = NULL;
  guint port;

  squatter = new_socket (&port);
  g_assert_false (ust_exchange_start (exchange, "127.0.0.1", port, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE);
  g_assert_nonnull (strstr (error->message, "already in use"));
  g_assert_false (ust_exchange_get_running (exchange));
  g_clear_error (&error);

  /* All addresses include 127.0.0.1, where the port is taken. */
  g_assert_false (ust_exchange_start (exchange, "0.0.0.0", port, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE);
  g_assert_nonnull (strstr (error->message, "0.0.0.0"));
  g_assert_false (ust_exchange_get_running (exchange));
}

/* A REGISTER of @user with Linphone's +sip.instance and, unless 0, a
 * reg-id (RFC 5626 §4.2); answered 200. One instance for every user: one
 * Linphone with several accounts. */
static void
register_instance_of (UstTestPhone *phone,
                      const char   *user,
                      const char   *call_id,
                      guint         reg_id)
{
  g_autofree char *reg_id_param = reg_id != 0 ? g_strdup_printf (";reg-id=%u", reg_id)
                                              : g_strdup ("");
  g_autofree char *request = NULL;
  g_autofree char *reply = NULL;

  request = g_strdup_printf ("REGISTER sip:127.0.0.1 SIP/2.0\r\n"
                             "Via: SIP/2.0/UDP 127.0.0.1:%u;branch=z9hG4bK%s\r\n"
                             "From: <sip:%s@127.0.0.1>;tag=%s\r\nTo: <sip:%s@127.0.0.1>\r\n"
                             "Call-ID: %s\r\nCSeq: 1 REGISTER\r\nSupported: outbound\r\n"
                             "Contact: <sip:%s@127.0.0.1:%u>;+sip.instance="
                             "\"<urn:uuid:0f1c2d3e-4a5b-4c6d-8e7f-000000000012>\"%s\r\n"
                             "Expires: 600\r\nContent-Length: 0\r\n\r\n",
                             phone->port, call_id, user, call_id, user, call_id, user,
                             phone->port, reg_id_param);
  ust_test_phone_send (phone, request);
  reply = ust_test_phone_receive (phone, 3000, NULL);
  g_assert_nonnull (reply);
  g_assert_true (g_str_has_prefix (reply, "SIP/2.0 200 "));
}

static void
register_instance (UstTestPhone *phone,
                   const char   *call_id,
                   guint         reg_id)
{
  register_instance_of (phone, "alice", call_id, reg_id);
}

static UstPhone *
find_phone (GListModel *phones,
            const char *user)
{
  for (guint i = 0; i < g_list_model_get_n_items (phones); i++)
    {
      g_autoptr(UstPhone) phone = g_list_model_get_item (phones, i);

      if (g_strcmp0 (ust_phone_get_user (phone), user) == 0)
        return g_steal_pointer (&phone);
    }
  g_assert_not_reached ();
}

static gboolean
has_flows (gpointer data)
{
  GListModel *phones = ust_exchange_get_phones (data);
  g_autoptr(UstPhone) phone = g_list_model_get_item (phones, 0);

  return phone != NULL && ust_phone_get_n_flows (phone) == 2;
}

/* #12: the window lists one phone once. One instance registered from two
 * ports with two reg-ids is two bindings (two flows, RFC 5626) and one
 * phone, shown where it registered last; the same instance restarted on a
 * new port (no reg-id, as Linphone does) replaces its binding and keeps the
 * port it left among its earlier addresses. */
static void
test_one_phone_per_instance (void)
{
  g_autofree char *dir = g_dir_make_tmp ("ust-exchange-XXXXXX", NULL);
  g_autoptr(UstExchange) exchange = ust_exchange_new (dir);
  g_autoptr(GSocketAddress) to = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(UstPhone) phone = NULL;
  g_autofree char *wifi_flow = NULL;
  g_autofree char *cable_flow = NULL;
  g_autofree char *cable_source = NULL;
  UstTestPhone wifi, cable, before, after;
  GListModel *phones = ust_exchange_get_phones (exchange);

  g_assert_true (ust_exchange_start (exchange, "127.0.0.1", 0, &error));
  g_assert_no_error (error);
  to = g_inet_socket_address_new_from_string ("127.0.0.1", ust_exchange_get_port (exchange));
  ust_test_phone_init (&wifi, "127.0.0.1", to);
  ust_test_phone_init (&cable, "127.0.0.1", to);
  wifi_flow = g_strdup_printf ("127.0.0.1:%u (UDP)", wifi.port);
  cable_flow = g_strdup_printf ("127.0.0.1:%u (UDP)", cable.port);
  cable_source = g_strdup_printf ("127.0.0.1:%u", cable.port);

  register_instance (&wifi, "flow1", 1);
  register_instance (&cable, "flow2", 2);
  /* Both REGISTERs are answered: the next snapshot has both bindings. */
  ust_test_spin (600);
  g_assert_cmpuint (g_list_model_get_n_items (phones), ==, 1);
  g_assert_true (ust_test_spin_until (has_flows, exchange, 3000));
  phone = g_list_model_get_item (phones, 0);
  g_assert_cmpstr (ust_phone_get_user (phone), ==, "alice");
  g_assert_cmpstr (ust_phone_get_source (phone), ==, cable_source);
  g_assert_nonnull (strstr (ust_phone_get_flows (phone), wifi_flow));
  g_assert_nonnull (strstr (ust_phone_get_flows (phone), cable_flow));
  g_assert_cmpstr (ust_phone_get_instance (phone),
                   ==, "<urn:uuid:0f1c2d3e-4a5b-4c6d-8e7f-000000000012>");
  g_assert_null (ust_phone_get_earlier (phone));
  g_clear_object (&phone);
  ust_test_phone_clear (&wifi);
  ust_test_phone_clear (&cable);

  /* bob's phone restarts on a new port: one phone, the old port earlier. */
  ust_test_phone_init (&before, "127.0.0.1", to);
  ust_test_phone_init (&after, "127.0.0.1", to);
  register_instance_of (&before, "bob", "restart1", 0);
  register_instance_of (&after, "bob", "restart2", 0);
  ust_test_spin (600);
  g_assert_cmpuint (g_list_model_get_n_items (phones), ==, 2);
  phone = find_phone (phones, "bob");
  g_assert_cmpuint (ust_phone_get_n_flows (phone), ==, 1);
  g_assert_cmpint (ust_phone_get_expires_at (phone), >, g_get_real_time ());
  {
    g_autofree char *left = g_strdup_printf ("127.0.0.1:%u (UDP)", before.port);
    g_autofree char *now = g_strdup_printf ("127.0.0.1:%u", after.port);

    g_assert_cmpstr (ust_phone_get_source (phone), ==, now);
    g_assert_cmpstr (ust_phone_get_earlier (phone), ==, left);
  }
  g_clear_object (&phone);
  ust_test_phone_clear (&before);
  ust_test_phone_clear (&after);

  ust_exchange_stop (exchange);
  ust_test_remove_tree (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *home = g_dir_make_tmp ("ust-exchange-home-XXXXXX", NULL);

  /* The exchange reads reasons.ini from the user's config folder. */
  g_setenv ("XDG_CONFIG_HOME", home, TRUE);
  g_test_init (&argc, &argv, NULL);
  ust_sip_init ();

  g_test_add_func ("/ust/exchange/lifecycle", test_lifecycle);
  g_test_add_func ("/ust/exchange/port-in-use", test_port_in_use);
  g_test_add_func ("/ust/exchange/one-phone-per-instance", test_one_phone_per_instance);

  return g_test_run ();
}
