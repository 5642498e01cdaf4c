/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The Registered phones list shows one phone once (#12): a phone that
 * registers again from another port, or over two flows (two reg-ids,
 * RFC 5626), is one row, and its earlier addresses are only in its
 * details (a double-click on the row). Phones are sipp scenarios and a
 * real linphonec restarted on a new port, against the window's exchange.
 *
 * The details are read as a person reads them: the texts of the labels in
 * the window the row opens. */

#include "config.h"

#include <string.h>

#include <gtk/gtk.h>

#include "gui-test-linphonec.h"
#include "gui-test-util.h"

/* Linphone's kind of instance: a UUID (RFC 5626 §4.1, RFC 4122). */
#define DANA_UUID "0f1c2d3e-4a5b-4c6d-8e7f-00000000da7a"
#define FRED_UUID "0f1c2d3e-4a5b-4c6d-8e7f-00000000f7ed"
#define ERIN_UUID "0f1c2d3e-4a5b-4c6d-8e7f-00000000e717"

/* Reading the window ------------------------------------------------------------ */

static GListModel *
phone_rows (void)
{
  GtkColumnView *view = GTK_COLUMN_VIEW (gtk_widget_get_template_child (
    GTK_WIDGET (gui_test_window), UST_TYPE_WINDOW, "phones_view"));

  return G_LIST_MODEL (gtk_column_view_get_model (view));
}

static char *
row_string (guint       position,
            const char *property)
{
  g_autoptr (GObject) item = g_list_model_get_item (phone_rows (), position);
  char *value = NULL;

  g_object_get (item, property, &value, NULL);
  return value;
}

/* How many rows show @user; @position gets the last one. */
static guint
rows_of (const char *user,
         guint      *position)
{
  guint n = 0;

  for (guint i = 0; i < g_list_model_get_n_items (phone_rows ()); i++)
    {
      g_autofree char *shown = row_string (i, "user");

      if (g_strcmp0 (shown, user) == 0)
        {
          n++;
          if (position != NULL)
            *position = i;
        }
    }
  return n;
}

typedef struct {
  const char *user;
  char       *source;   /* "127.0.0.1:PORT" */
} Where;

/* The list shows @user registered from where it registered last. */
static gboolean
shown_from (gpointer data)
{
  Where *where = data;
  guint position;
  g_autofree char *source = NULL;

  if (rows_of (where->user, &position) == 0)
    return FALSE;
  source = row_string (position, "source");
  return g_strcmp0 (source, where->source) == 0;
}

static void
wait_shown_from (const char *user,
                 guint       port)
{
  g_autofree char *source = g_strdup_printf ("127.0.0.1:%u", port);
  Where where = { user, source };

  if (!ust_test_spin_until (shown_from, &where, GUI_TEST_WAIT_MS))
    g_error ("the list does not show %s registered from %s", user, source);
  /* A later batch of the exchange's would still show a second row. */
  ust_test_spin (500);
}

static void
collect_labels (GtkWidget *widget,
                GString   *texts)
{
  if (GTK_IS_LABEL (widget) && gtk_widget_get_visible (widget))
    g_string_append_printf (texts, "%s\n", gtk_label_get_text (GTK_LABEL (widget)));
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_labels (child, texts);
}

/* The window a double-click on @user's row opens, or NULL. */
static GtkWindow *
open_details (const char *user)
{
  GListModel *toplevels = gtk_window_get_toplevels ();
  guint position = 0;

  g_assert_cmpuint (rows_of (user, &position), ==, 1);
  g_signal_emit_by_name (gtk_widget_get_template_child (GTK_WIDGET (gui_test_window),
                                                        UST_TYPE_WINDOW, "phones_view"),
                         "activate", position);
  ust_test_spin (100);
  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr (GtkWindow) toplevel = g_list_model_get_item (toplevels, i);

      if (toplevel != GTK_WINDOW (gui_test_window)
          && gtk_window_get_transient_for (toplevel) == GTK_WINDOW (gui_test_window)
          && gtk_widget_get_visible (GTK_WIDGET (toplevel)))
        return toplevel;
    }
  return NULL;
}

/* Everything the details of @user's row say, one label a line. */
static char *
details_text (const char *user)
{
  GtkWindow *details = open_details (user);
  GString *texts = g_string_new (NULL);

  if (details == NULL)
    g_error ("a double-click on %s's row opened no details", user);
  g_string_append_printf (texts, "%s\n", gtk_window_get_title (details));
  collect_labels (GTK_WIDGET (details), texts);
  gtk_window_destroy (details);
  g_test_message ("details of %s:\n%s", user, texts->str);
  return g_string_free (texts, FALSE);
}

static void
assert_mentions (const char *text,
                 const char *what,
                 guint       port)
{
  g_autofree char *address = g_strdup_printf ("127.0.0.1:%u", port);
  const char *found = strstr (text, address);

  if (found == NULL || g_ascii_isdigit (found[strlen (address)]))
    g_error ("the details do not show %s %s:\n%s", what, address, text);
}

/* sipp phones ---------------------------------------------------------------------- */

static void
register_flow (const char *user,
               const char *uuid,
               guint       port,
               guint       reg_id)
{
  g_autofree char *label = g_strdup_printf ("register-%s-%u", user, port);
  g_autofree char *port_text = g_strdup_printf ("%u", port);
  g_autofree char *reg_id_text = g_strdup_printf ("%u", reg_id);
  GSubprocess *process;

  if (reg_id == 0)
    process = gui_test_sipp_start (label, "register_instance.xml", port, TRUE, "-key", "me", user,
                                   "-key", "contact_host", "127.0.0.1", "-key", "contact_port",
                                   port_text, "-key", "expires", "3600", "-key", "instance", uuid,
                                   NULL);
  else
    process = gui_test_sipp_start (label, "register_instance_reg_id.xml", port, TRUE, "-key", "me",
                                   user, "-key", "contact_host", "127.0.0.1", "-key",
                                   "contact_port", port_text, "-key", "expires", "3600", "-key",
                                   "instance", uuid, "-key", "reg_id", reg_id_text, NULL);
  gui_test_sipp_watch (process);
  gui_test_sipp_finish (process, label);
  g_object_unref (process);
}

/* The tests ----------------------------------------------------------------------- */

/* Linphone Android on a new port after a restart: the same instance from
 * another port replaces its binding; one row, the new port on it, the old
 * one in the details. */
static void
test_same_instance_two_ports (void)
{
  guint before, after;
  g_autofree char *details = NULL;

  if (!gui_test_need_sipp ())
    return;
  gui_test_start_on_loopback ();
  before = gui_test_free_port (NULL);
  do
    after = gui_test_free_port (NULL);
  while (after == before);

  register_flow ("dana", DANA_UUID, before, 0);
  wait_shown_from ("dana", before);
  register_flow ("dana", DANA_UUID, after, 0);
  wait_shown_from ("dana", after);
  g_assert_cmpuint (rows_of ("dana", NULL), ==, 1);

  details = details_text ("dana");
  assert_mentions (details, "where dana registered from before", before);
  assert_mentions (details, "where dana registered from", after);
  g_assert_nonnull (strstr (details, "<urn:uuid:" DANA_UUID ">"));
}

/* A phone registered over two networks at once (RFC 5626: one instance,
 * two reg-ids, two flows) is two bindings and one row; its details list
 * both flows. */
static void
test_two_reg_ids_one_row (void)
{
  guint wifi, cable;
  g_autofree char *details = NULL;

  if (!gui_test_need_sipp ())
    return;
  gui_test_start_on_loopback ();
  wifi = gui_test_free_port (NULL);
  do
    cable = gui_test_free_port (NULL);
  while (cable == wifi);

  register_flow ("fred", FRED_UUID, wifi, 1);
  wait_shown_from ("fred", wifi);
  register_flow ("fred", FRED_UUID, cable, 2);
  wait_shown_from ("fred", cable);
  g_assert_cmpuint (rows_of ("fred", NULL), ==, 1);

  details = details_text ("fred");
  assert_mentions (details, "fred's first flow", wifi);
  assert_mentions (details, "fred's second flow", cable);
}

/* The real thing: linphonec killed (it never unregisters) and started
 * again on another port, with the instance it keeps in its rc file. */
static void
test_linphonec_restart (void)
{
  g_autoptr (GuiTestLinphonec) first = NULL;
  g_autoptr (GuiTestLinphonec) second = NULL;
  g_autofree char *details = NULL;
  guint before, after;

  if (!gui_test_need_linphonec ())
    return;
  gui_test_start_on_loopback ();
  before = gui_test_free_port (NULL);
  first = gui_test_linphonec_start ("erin", ERIN_UUID, before);
  gui_test_linphonec_wait_registered (first);
  wait_shown_from ("erin", before);
  gui_test_linphonec_kill (first);

  do
    after = gui_test_free_port (NULL);
  while (after == before);
  second = gui_test_linphonec_start ("erin", ERIN_UUID, after);
  gui_test_linphonec_wait_registered (second);
  wait_shown_from ("erin", after);
  g_assert_cmpuint (rows_of ("erin", NULL), ==, 1);

  details = details_text ("erin");
  assert_mentions (details, "where erin's linphonec was before its restart", before);
  g_assert_nonnull (strstr (details, "Linphonec/"));
}

int
main (int   argc,
      char *argv[])
{
  gui_test_start (&argc, &argv, "phones", "Phones");

  g_test_add_func ("/ust/gui/phones/same-instance-two-ports", test_same_instance_two_ports);
  g_test_add_func ("/ust/gui/phones/two-reg-ids-one-row", test_two_reg_ids_one_row);
  g_test_add_func ("/ust/gui/phones/linphonec-restart", test_linphonec_restart);

  return gui_test_finish (g_test_run (), FALSE);
}
