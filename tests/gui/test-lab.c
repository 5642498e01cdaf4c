/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The lab kit in the window: the setup card's QR code (read back by
 * zbarimg, its link fetched as a phone would), the lines for other phones,
 * the next free name once a phone registered, and the robot phones in the
 * list of phones and in the preferences. */

#include "config.h"

#include <string.h>

#include <gtk/gtk.h>
#include <libsoup/soup.h>

#include "ust-lpconfig.h"
#include "ust-phone-setup.h"
#include "ust-preferences-window.h"
#include "ust-robots-preferences.h"
#include "gui-test-util.h"

static GtkWidget *
find_type (GtkWidget *widget,
           GType      type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type))
    return widget;
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c != NULL;
       c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_type (c, type);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* The card embeds the section without naming it to the window. */
static UstPhoneSetup *
phone_setup (void)
{
  GtkWidget *widget = find_type (GTK_WIDGET (gui_test_window), UST_TYPE_PHONE_SETUP);

  g_assert_nonnull (widget);
  return UST_PHONE_SETUP (widget);
}

static gpointer
setup_child (const char *name)
{
  GObject *object = gtk_widget_get_template_child (GTK_WIDGET (phone_setup ()),
                                                   UST_TYPE_PHONE_SETUP, name);

  g_assert_nonnull (object);
  return object;
}

/* zbarimg (Debian zbar-tools) is what build-aux/install-deps.sh installs for
 * this; only a machine without it may skip. */
static const char *
need_zbarimg (void)
{
  static char *path;

  if (path == NULL)
    path = g_find_program_in_path ("zbarimg");
  if (path != NULL)
    return path;
  if (g_strcmp0 (g_getenv ("UST_TEST_REQUIRE_ALL"), "1") == 0)
    g_error ("zbarimg is not installed, although build-aux/install-deps.sh installs it");
  g_test_skip ("zbarimg is not installed (Debian package zbar-tools)");
  return NULL;
}

/* What zbarimg reads in the code as the window shows it. */
static char *
decode_code (GdkTexture *code,
             const char *name)
{
  g_autofree char *png = g_build_filename (gui_test_tmp_dir, name, NULL);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr (GError) error = NULL;
  const char *argv[] = { need_zbarimg (), "--raw", "-q", "--nodbus", png, NULL };
  int status = 0;

  g_assert_true (gdk_texture_save_to_png (code, png));
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status,
                &error);
  g_assert_no_error (error);
  g_test_message ("zbarimg: %s%s", out, err);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  return g_strchomp (g_steal_pointer (&out));
}

typedef struct {
  gboolean  done;
  guint     status;
  GBytes   *body;
} Fetch;

static void
fetched_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Fetch *fetch = user_data;
  SoupMessage *message = soup_session_get_async_result_message (SOUP_SESSION (source), result);

  fetch->body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, NULL);
  fetch->status = soup_message_get_status (message);
  fetch->done = TRUE;
}

static gboolean
fetch_done (gpointer data)
{
  return ((Fetch *) data)->done;
}

/* GET @url as a phone would (the exchange answers on its own thread). */
static char *
fetch (const char *url,
       guint      *status)
{
  g_autoptr (SoupSession) session = soup_session_new ();
  g_autoptr (SoupMessage) message = soup_message_new ("GET", url);
  Fetch result = { 0 };
  char *body;

  soup_session_send_and_read_async (session, message, G_PRIORITY_DEFAULT, NULL, fetched_cb,
                                    &result);
  g_assert_true (ust_test_spin_until (fetch_done, &result, GUI_TEST_WAIT_MS));
  *status = result.status;
  body = result.body != NULL ? g_strndup (g_bytes_get_data (result.body, NULL),
                                          g_bytes_get_size (result.body))
                             : NULL;
  g_clear_pointer (&result.body, g_bytes_unref);
  return body;
}

static gboolean
is_running (gpointer data)
{
  return ust_exchange_get_running (gui_test_exchange ());
}

static gboolean
has_code (gpointer data)
{
  return ust_phone_setup_get_code (phone_setup ()) != NULL;
}

static void
test_stopped (void)
{
  UstPhoneSetup *setup = phone_setup ();

  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (setup)));
  g_assert_null (ust_phone_setup_get_code (setup));
  g_assert_null (ust_phone_setup_get_url (setup));
  g_assert_cmpstr (gtk_label_get_text (setup_child ("hint_label")), ==,
                   "Press Start to get a code for each phone.");
  g_assert_false (gtk_widget_get_visible (setup_child ("code_picture")));
}

static void
test_code (void)
{
  UstPhoneSetup *setup = phone_setup ();
  g_autofree char *decoded = NULL;
  g_autofree char *tcp_decoded = NULL;
  g_autofree char *document = NULL;
  g_autofree char *expected_proxy = NULL;
  g_autofree char *expected_baresip = NULL;
  g_autofree char *baresip = NULL;
  g_autofree char *url = NULL;
  guint port, status = 0;

  gui_test_start_on_loopback ();
  g_assert_true (ust_test_spin_until (is_running, NULL, GUI_TEST_WAIT_MS));
  g_assert_true (ust_test_spin_until (has_code, NULL, GUI_TEST_WAIT_MS));
  port = ust_exchange_get_port (gui_test_exchange ());

  /* One code per phone, for the first free name, UDP unless chosen. */
  g_assert_cmpstr (ust_phone_setup_get_user (setup), ==, "alice");
  url = g_strdup (ust_phone_setup_get_url (setup));
  g_assert_true (g_str_has_prefix (url, "http://127.0.0.1:"));
  g_assert_nonnull (strstr (url, "/provisioning/alice.xml?token="));
  g_assert_true (gtk_widget_get_visible (setup_child ("code_picture")));
  g_assert_cmpstr (gtk_label_get_text (setup_child ("url_value")), ==, url);

  if (need_zbarimg () == NULL)
    return;
  decoded = decode_code (ust_phone_setup_get_code (setup), "alice.png");
  g_assert_cmpstr (decoded, ==, url);

  /* The link, fetched as Linphone does: alice's account at this exchange. */
  document = fetch (decoded, &status);
  g_assert_cmpuint (status, ==, 200);
  expected_proxy = g_strdup_printf ("&lt;sip:127.0.0.1:%u;transport=udp&gt;", port);
  g_assert_nonnull (strstr (document, expected_proxy));
  g_assert_nonnull (strstr (document, "&lt;sip:alice@127.0.0.1&gt;</entry>"));

  /* The line for baresip's accounts file. */
  baresip = ust_phone_setup_line (setup, "baresip");
  expected_baresip = g_strdup_printf ("<sip:alice@127.0.0.1:%u;transport=udp>;auth_pass=%s;"
                                      "regint=%u", port, UST_LPCONFIG_PASSWORD,
                                      UST_LPCONFIG_EXPIRES);
  g_assert_cmpstr (baresip, ==, expected_baresip);
  g_assert_nonnull (strstr (gtk_label_get_text (setup_child ("microsip_value")), "username alice"));

  /* TCP chosen: another link, another code. */
  gtk_drop_down_set_selected (setup_child ("transport_dropdown"), 1);
  g_assert_true (g_str_has_suffix (ust_phone_setup_get_url (setup), "&transport=tcp"));
  tcp_decoded = decode_code (ust_phone_setup_get_code (setup), "alice-tcp.png");
  g_assert_cmpstr (tcp_decoded, ==, ust_phone_setup_get_url (setup));
  gtk_drop_down_set_selected (setup_child ("transport_dropdown"), 0);

  /* Numbers instead of names. */
  gtk_drop_down_set_selected (setup_child ("scheme_dropdown"), 1);
  g_assert_cmpstr (ust_phone_setup_get_user (setup), ==, "101");
  gtk_drop_down_set_selected (setup_child ("scheme_dropdown"), 0);
  g_assert_cmpstr (ust_phone_setup_get_user (setup), ==, "alice");
}

static gboolean
user_is_bob (gpointer data)
{
  return g_strcmp0 (ust_phone_setup_get_user (phone_setup ()), "bob") == 0;
}

/* Once alice's phone registered, the code is for the next phone. */
static void
test_next_phone (void)
{
  if (!gui_test_need_sipp ())
    return;
  gui_test_start_on_loopback ();
  gui_test_sipp_register ("alice", gui_test_free_port (NULL));
  g_assert_true (ust_test_spin_until (user_is_bob, NULL, GUI_TEST_WAIT_MS));
}

static guint
n_robots (void)
{
  GListModel *phones = ust_exchange_get_phones (gui_test_exchange ());
  guint n = 0;

  for (guint i = 0; i < g_list_model_get_n_items (phones); i++)
    {
      g_autoptr (UstPhone) phone = g_list_model_get_item (phones, i);

      n += ust_phone_get_robot (phone);
    }
  return n;
}

static gboolean
has_robots (gpointer data)
{
  return n_robots () == GPOINTER_TO_UINT (data);
}

/* How many robot icons the list of phones shows. */
static guint
robot_icons (GtkWidget *widget)
{
  guint n = 0;

  if (GTK_IS_IMAGE (widget) && gtk_widget_get_visible (widget)
      && g_strcmp0 (gtk_image_get_icon_name (GTK_IMAGE (widget)), "ust-robot-symbolic") == 0)
    n++;
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c != NULL;
       c = gtk_widget_get_next_sibling (c))
    n += robot_icons (c);
  return n;
}

static gboolean
shows_robot_icons (gpointer data)
{
  GObject *view = gtk_widget_get_template_child (GTK_WIDGET (gui_test_window), UST_TYPE_WINDOW,
                                                 "phones_view");

  return robot_icons (GTK_WIDGET (view)) == GPOINTER_TO_UINT (data);
}

static void
test_robots_listed (void)
{
  gui_test_start_on_loopback ();
  ust_settings_set_robots (ust_application_get_settings (gui_test_app), UST_ROBOTS_ALL);
  g_assert_true (ust_test_spin_until (has_robots, GUINT_TO_POINTER (UST_N_ROBOTS),
                                      GUI_TEST_WAIT_MS));
  g_assert_true (ust_test_spin_until (shows_robot_icons, GUINT_TO_POINTER (UST_N_ROBOTS),
                                      GUI_TEST_WAIT_MS));

  /* A robot's name is not offered to a phone. */
  g_assert_cmpstr (ust_phone_setup_get_user (phone_setup ()), ==, "bob");
  gtk_drop_down_set_selected (setup_child ("scheme_dropdown"), 0);
}

/* For a look: UST_LAB_SCREENSHOT=FILE.png saves the window, and FILE.png-prefs.png
 * the preferences. */
static void
save_picture (GtkWidget  *widget,
              const char *path)
{
  g_autoptr (GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  g_autoptr (GtkSnapshot) snapshot = gtk_snapshot_new ();
  g_autoptr (GskRenderNode) node = NULL;
  g_autoptr (GdkTexture) texture = NULL;
  int width = gtk_widget_get_width (widget), height = gtk_widget_get_height (widget);

  gdk_paintable_snapshot (paintable, GDK_SNAPSHOT (snapshot), width, height);
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (gtk_widget_get_native (widget)),
                                         node, &GRAPHENE_RECT_INIT (0, 0, width, height));
  g_assert_true (gdk_texture_save_to_png (texture, path));
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

static GtkWidget *
find_named (GtkWidget  *widget,
            const char *name)
{
  if (g_strcmp0 (gtk_widget_get_name (widget), name) == 0)
    return widget;
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c != NULL;
       c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_named (c, name);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static gboolean
exchange_transfers_to_bob (gpointer data)
{
  return g_strcmp0 (ust_exchange_get_transfer_to (gui_test_exchange ()), "bob") == 0;
}

/* Switched off in the preferences, a robot leaves the list at once. */
static void
test_robot_preferences (void)
{
  GtkWindow *preferences;
  GtkWidget *busy;
  GObject *robots;
  GtkEditable *entry;

  gui_test_start_on_loopback ();
  g_action_group_activate_action (G_ACTION_GROUP (gui_test_app), "preferences", NULL);
  ust_test_spin (200);
  preferences = find_preferences ();
  g_assert_nonnull (preferences);
  robots = G_OBJECT (find_type (GTK_WIDGET (preferences), UST_TYPE_ROBOTS_PREFERENCES));
  g_assert_true (UST_IS_ROBOTS_PREFERENCES (robots));
  busy = find_named (GTK_WIDGET (robots), "busy");
  g_assert_true (GTK_IS_CHECK_BUTTON (busy));
  g_assert_true (gtk_check_button_get_active (GTK_CHECK_BUTTON (busy)));

  gtk_check_button_set_active (GTK_CHECK_BUTTON (busy), FALSE);
  g_assert_cmpuint (ust_settings_get_robots (ust_application_get_settings (gui_test_app)), ==,
                    UST_ROBOTS_ALL & ~UST_ROBOT_BIT (UST_ROBOT_BUSY));
  g_assert_true (ust_test_spin_until (has_robots, GUINT_TO_POINTER (UST_N_ROBOTS - 1),
                                      GUI_TEST_WAIT_MS));

  /* A user name the transfer robot can call is kept; another is not. */
  entry = GTK_EDITABLE (gtk_widget_get_template_child (GTK_WIDGET (robots),
                                                       UST_TYPE_ROBOTS_PREFERENCES,
                                                       "transfer_entry"));
  gtk_editable_set_text (entry, "bob");
  g_assert_true (ust_test_spin_until (exchange_transfers_to_bob, NULL, GUI_TEST_WAIT_MS));
  gtk_editable_set_text (entry, "not a name");
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (entry), "error"));
  g_assert_cmpstr (ust_settings_get_transfer_to (ust_application_get_settings (gui_test_app)), !=,
                   "not a name");
  gtk_editable_set_text (entry, "");
  g_assert_null (ust_exchange_get_transfer_to (gui_test_exchange ()));

  gtk_check_button_set_active (GTK_CHECK_BUTTON (busy), TRUE);
  g_assert_true (ust_test_spin_until (has_robots, GUINT_TO_POINTER (UST_N_ROBOTS),
                                      GUI_TEST_WAIT_MS));
  if (g_getenv ("UST_LAB_SCREENSHOT") != NULL)
    {
      g_autofree char *path = g_strconcat (g_getenv ("UST_LAB_SCREENSHOT"), "-prefs.png", NULL);

      ust_test_spin (300);
      save_picture (GTK_WIDGET (preferences), path);
    }
  gtk_window_destroy (preferences);

  /* For a look at the card: UST_LAB_SCREENSHOT=FILE.png. */
  if (g_getenv ("UST_LAB_SCREENSHOT") != NULL)
    g_assert_true (ust_window_save_screenshot (gui_test_window, g_getenv ("UST_LAB_SCREENSHOT"),
                                               NULL));
}

int
main (int   argc,
      char *argv[])
{
  gui_test_start (&argc, &argv, "lab", "Lab");

  g_test_add_func ("/ust/gui/lab/stopped", test_stopped);
  g_test_add_func ("/ust/gui/lab/code", test_code);
  g_test_add_func ("/ust/gui/lab/next-phone", test_next_phone);
  g_test_add_func ("/ust/gui/lab/robots-listed", test_robots_listed);
  g_test_add_func ("/ust/gui/lab/robot-preferences", test_robot_preferences);

  return gui_test_finish (g_test_run (), FALSE);
}
