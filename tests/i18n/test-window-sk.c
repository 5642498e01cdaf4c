/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The window in Slovak, in-process: with LANG=sk_SK.UTF-8 and the catalogues meson built
 * (USTREDNA_LOCALEDIR=BUILD/po, read by ust_locale_dir()), the window is built as
 * tests/gui/test-window.c builds it, and what a person would read is checked: the labels,
 * buttons, page titles and column titles are Slovak, and no English one is left.
 *
 * Exit status 77 (meson: SKIP) when there is no display or the sk_SK.UTF-8 locale is not
 * there (build-aux/install-deps.sh generates it). */

#include "config.h"

#include <locale.h>
#include <string.h>

#include <gio/gio.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <gtk/gtk.h>

#include "gui-test-util.h"
#include "ust-application.h"
#include "ust-call-columns.h"
#include "ust-paths.h"
#include "ust-settings.h"
#include "ust-ui-format.h"
#include "ust-window.h"

#define SKIP 77

/* Reading the window ------------------------------------------------------------------- */

static gpointer
child (const char *name)
{
  GObject *object = gtk_widget_get_template_child (GTK_WIDGET (gui_test_window), UST_TYPE_WINDOW,
                                                   name);

  g_assert_nonnull (object);
  return object;
}

static void
add_text (GPtrArray  *texts,
          const char *text)
{
  if (text != NULL && *text != '\0')
    g_ptr_array_add (texts, g_strdup (text));
}

static void
add_column_titles (GPtrArray     *texts,
                   GtkColumnView *view)
{
  GListModel *columns = gtk_column_view_get_columns (view);

  for (guint i = 0; i < g_list_model_get_n_items (columns); i++)
    {
      g_autoptr (GtkColumnViewColumn) column = g_list_model_get_item (columns, i);

      add_text (texts, gtk_column_view_column_get_title (column));
    }
}

/* Every text of @widget and below that a person reads: labels (with their mnemonics
 * resolved), button labels, entry placeholders, tooltips, stack page titles and column
 * titles. */
static void
collect_texts (GtkWidget *widget,
               GPtrArray *texts)
{
  if (GTK_IS_LABEL (widget))
    add_text (texts, gtk_label_get_text (GTK_LABEL (widget)));
  if (GTK_IS_BUTTON (widget))
    add_text (texts, gtk_button_get_label (GTK_BUTTON (widget)));
  if (GTK_IS_CHECK_BUTTON (widget))
    add_text (texts, gtk_check_button_get_label (GTK_CHECK_BUTTON (widget)));
  if (GTK_IS_SEARCH_ENTRY (widget))
    {
      g_autofree char *placeholder = NULL;

      g_object_get (widget, "placeholder-text", &placeholder, NULL);
      add_text (texts, placeholder);
    }
  add_text (texts, gtk_widget_get_tooltip_text (widget));
  if (GTK_IS_STACK (widget))
    {
      g_autoptr (GtkSelectionModel) pages = gtk_stack_get_pages (GTK_STACK (widget));

      for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (pages)); i++)
        {
          /* GTK 4.8 has no autoptr for GtkStackPage. */
          GtkStackPage *page = g_list_model_get_item (G_LIST_MODEL (pages), i);

          add_text (texts, gtk_stack_page_get_title (page));
          g_object_unref (page);
        }
    }
  if (GTK_IS_COLUMN_VIEW (widget))
    add_column_titles (texts, GTK_COLUMN_VIEW (widget));

  for (GtkWidget *c = gtk_widget_get_first_child (widget); c != NULL;
       c = gtk_widget_get_next_sibling (c))
    collect_texts (c, texts);
}

static GPtrArray *
window_texts (void)
{
  GPtrArray *texts = g_ptr_array_new_with_free_func (g_free);

  add_text (texts, gtk_window_get_title (GTK_WINDOW (gui_test_window)));
  collect_texts (GTK_WIDGET (gui_test_window), texts);
  /* The pages not shown right now are in the tree too, but say so explicitly for the
   * diary's columns, which are made in code (ust-call-columns.c). */
  add_column_titles (texts, child ("diary_view"));
  return texts;
}

static gboolean
has_text (GPtrArray  *texts,
          const char *text)
{
  for (guint i = 0; i < texts->len; i++)
    if (g_str_equal (g_ptr_array_index (texts, i), text))
      return TRUE;
  return FALSE;
}

static char *
join_texts (GPtrArray *texts)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < texts->len; i++)
    g_string_append_printf (out, "%s“%s”", i > 0 ? ", " : "", (char *) g_ptr_array_index (texts, i));
  return g_string_free (out, FALSE);
}

static const char *
label_text (const char *name)
{
  return gtk_label_get_text (GTK_LABEL (child (name)));
}

/* The tests -------------------------------------------------------------------------- */

/* The catalogue itself: found where ust_locale_dir() says, with Slovak's three plural
 * forms. When this fails, the window tests below cannot pass; this says why. */
static void
test_catalogue (void)
{
  g_autofree char *mo = g_build_filename (ust_locale_dir (), "sk", "LC_MESSAGES",
                                          GETTEXT_PACKAGE ".mo", NULL);

  g_test_message ("catalogue: %s", mo);
  g_assert_true (g_file_test (mo, G_FILE_TEST_IS_REGULAR));
  g_assert_cmpstr (_("Start"), ==, "Spustiť");
  g_assert_cmpstr (ngettext ("%u call", "%u calls", 1), ==, "%u hovor");
  g_assert_cmpstr (ngettext ("%u call", "%u calls", 3), ==, "%u hovory");
  g_assert_cmpstr (ngettext ("%u call", "%u calls", 5), ==, "%u hovorov");
  g_assert_cmpstr (ngettext ("%u call", "%u calls", 0), ==, "%u hovorov");
}

static void
test_window_is_slovak (void)
{
  const char *slovak[] = {
    "Ústredňa",                 /* the title and the first page */
    "Denník hovorov",           /* the diary page */
    "Spustiť",                  /* the Start button */
    "Zastavená",                /* the status */
    "Stav",
    "Sieťové rozhranie",
    "Nastavenie telefónu",
    "Server / doména",
    "Meno používateľa",
    "Heslo",
    "Registrované telefóny",
    "Prebiehajúce hovory",
    "Zatiaľ nie je zaregistrovaný žiadny telefón",
    "Práve neprebieha žiadny hovor",
    "Používateľ",
    "Volajúci",
    "Volaný",
    "Trvanie",
    "Exportovať CSV",
    "Vymazať…",
    "Pre Excel",
    "Stĺpce",
    "Hľadať používateľa, Call-ID alebo výsledok",
    "0 hovorov",
    "Začiatok",                 /* diary columns, from ust-call-columns.c */
    "Výsledok",
  };
  /* What the window says in English: none of it may be left. */
  const char *english[] = {
    "Start", "Stop", "Stopped", "Status", "Exchange", "Call Diary", "Registered phones",
    "Active calls", "Phone setup", "User name", "Password", "Caller", "Callee", "Duration",
    "Export CSV", "Clear…", "Columns", "No phones registered yet", "No calls right now",
    "0 calls", "Started", "Outcome",
  };
  g_autoptr (GPtrArray) texts = window_texts ();
  g_autofree char *all = join_texts (texts);
  gboolean ok = TRUE;

  g_test_message ("the window says: %s", all);
  for (guint i = 0; i < G_N_ELEMENTS (slovak); i++)
    if (!has_text (texts, slovak[i]))
      {
        g_test_message ("missing Slovak text: “%s”", slovak[i]);
        ok = FALSE;
      }
  for (guint i = 0; i < G_N_ELEMENTS (english); i++)
    if (has_text (texts, english[i]))
      {
        g_test_message ("English text left: “%s”", english[i]);
        ok = FALSE;
      }
  g_assert_true (ok);

  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (gui_test_window)), ==, "Ústredňa");
  g_assert_cmpstr (gtk_button_get_label (child ("start_button")), ==, "Spustiť");
  g_assert_cmpstr (label_text ("status_label"), ==, "Zastavená");
  g_assert_cmpstr (label_text ("phones_heading"), ==, "Registrované telefóny");
  g_assert_cmpstr (label_text ("diary_count"), ==, "0 hovorov");
}

/* The words the window writes in code: call states and outcomes. */
static void
test_states_are_slovak (void)
{
  g_assert_cmpstr (ust_call_state_label ("setup"), ==, "Vytáča");
  g_assert_cmpstr (ust_call_state_label ("ringing"), ==, "Zvoní");
  g_assert_cmpstr (ust_call_state_label ("answered"), ==, "Prebieha hovor");
  g_assert_cmpstr (ust_call_outcome_label ("answered"), ==, "Prijatý");
  g_assert_cmpstr (ust_call_outcome_label ("cancelled"), ==, "Zrušený");
  g_assert_cmpstr (ust_call_outcome_label ("busy"), ==, "Obsadené");
  g_assert_cmpstr (ust_call_outcome_label ("declined"), ==, "Odmietnutý");
  g_assert_cmpstr (ust_call_column_get_title (ust_call_column_find ("ended_by")), ==,
                   "Ukončil");
}

static gboolean
is_running (gpointer data)
{
  return ust_exchange_get_running (ust_application_get_exchange (gui_test_app));
}

static gboolean
is_stopped (gpointer data)
{
  return !is_running (data);
}

/* Start and Stop as a person presses them: the texts that change are Slovak too. */
static void
test_running_is_slovak (void)
{
  g_action_group_activate_action (G_ACTION_GROUP (gui_test_app), "select-address",
                                  g_variant_new_string ("127.0.0.1"));
  ust_settings_set_port (ust_application_get_settings (gui_test_app), 0);
  g_action_group_activate_action (G_ACTION_GROUP (gui_test_app), "start", NULL);
  g_assert_true (ust_test_spin_until (is_running, NULL, GUI_TEST_WAIT_MS));
  ust_test_spin (200);

  g_assert_cmpstr (gtk_button_get_label (child ("start_button")), ==, "Zastaviť");
  g_assert_true (g_str_has_prefix (label_text ("status_label"), "Beží na 127.0.0.1:"));
  g_assert_true (g_str_has_prefix (label_text ("setup_hint"), "Tieto údaje zadajte"));

  g_action_group_activate_action (G_ACTION_GROUP (gui_test_app), "stop", NULL);
  g_assert_true (ust_test_spin_until (is_stopped, NULL, GUI_TEST_WAIT_MS));
  ust_test_spin (100);
  g_assert_cmpstr (gtk_button_get_label (child ("start_button")), ==, "Spustiť");
  g_assert_cmpstr (label_text ("status_label"), ==, "Zastavená");
}

/* Set-up ------------------------------------------------------------------------------ */

int
main (int   argc,
      char *argv[])
{
  const char *locale_vars[] = { "LC_ALL", "LC_MESSAGES", "LC_CTYPE", "LC_TIME", "LC_NUMERIC",
                                "LC_COLLATE" };

  if (g_getenv ("DISPLAY") == NULL && g_getenv ("WAYLAND_DISPLAY") == NULL)
    {
      g_print ("SKIP: no display: run the tests under xvfb-run -a\n");
      return SKIP;
    }

  /* Slovak, the way a Slovak desktop session says it. */
  for (guint i = 0; i < G_N_ELEMENTS (locale_vars); i++)
    g_unsetenv (locale_vars[i]);
  g_setenv ("LANG", "sk_SK.UTF-8", TRUE);
  g_setenv ("LANGUAGE", "sk", TRUE);
  if (setlocale (LC_ALL, "") == NULL)
    {
      g_print ("SKIP: the locale sk_SK.UTF-8 is not installed "
               "(build-aux/install-deps.sh generates it: locale-gen)\n");
      return SKIP;
    }
  /* As ust-main.c does; USTREDNA_LOCALEDIR (set by tests/i18n/meson.build) points
   * ust_locale_dir() at the build's po/ folder. */
  bindtextdomain (GETTEXT_PACKAGE, ust_locale_dir ());
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  gui_test_make_home ("i18n");

  /* Not gtk_test_init(): it sets the locale to en_US.UTF-8. gtk_init() keeps ours. */
  g_test_init (&argc, &argv, NULL);
  if (!gtk_init_check ())
    {
      g_print ("SKIP: cannot open the display\n");
      ust_test_remove_tree (gui_test_tmp_dir);
      return SKIP;
    }

  gui_test_open_app ("TestSk");

  g_test_add_func ("/ust/i18n/sk/catalogue", test_catalogue);
  g_test_add_func ("/ust/i18n/sk/window", test_window_is_slovak);
  g_test_add_func ("/ust/i18n/sk/states", test_states_are_slovak);
  g_test_add_func ("/ust/i18n/sk/running", test_running_is_slovak);

  return gui_test_finish (g_test_run (), FALSE);
}
