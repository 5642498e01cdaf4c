/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include <gio/gio.h>

#include "ust-reason-table.h"
#include "ust-test-util.h"

typedef struct {
  guint n_changed;
  guint last_code;
  guint n_relay_notify;
} Counts;

static void
changed_cb (UstReasonTable *table,
            guint           code,
            Counts         *counts)
{
  counts->n_changed++;
  counts->last_code = code;
}

static void
relay_notify_cb (GObject    *object,
                 GParamSpec *pspec,
                 Counts     *counts)
{
  counts->n_relay_notify++;
}

static void
test_set_lookup (void)
{
  g_autoptr(UstReasonTable) table = ust_reason_table_new ();
  g_autoptr(GError) error = NULL;

  g_assert_null (ust_reason_table_lookup (table, 200));
  g_assert_true (ust_reason_table_set (table, 200, "POHODKA", &error));
  g_assert_no_error (error);
  g_assert_cmpstr (ust_reason_table_lookup (table, 200), ==, "POHODKA");
  g_assert_null (ust_reason_table_lookup (table, 201));

  /* The ends of the range are codes too. */
  g_assert_true (ust_reason_table_set (table, 100, "Skúšam", &error));
  g_assert_true (ust_reason_table_set (table, 699, "Koniec", &error));
  g_assert_no_error (error);
  g_assert_cmpstr (ust_reason_table_lookup (table, 100), ==, "Skúšam");
  g_assert_cmpstr (ust_reason_table_lookup (table, 699), ==, "Koniec");

  /* Replacing. */
  g_assert_true (ust_reason_table_set (table, 200, "V poriadku", &error));
  g_assert_cmpstr (ust_reason_table_lookup (table, 200), ==, "V poriadku");

  /* Outside 100..699 is refused and lookups there are just NULL. */
  g_assert_false (ust_reason_table_set (table, 99, "x", &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (ust_reason_table_set (table, 700, "x", &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_null (ust_reason_table_lookup (table, 0));
  g_assert_null (ust_reason_table_lookup (table, 99));
  g_assert_null (ust_reason_table_lookup (table, 700));
  g_assert_null (ust_reason_table_lookup (table, G_MAXUINT));
}

static void
test_phrase_fallback (void)
{
  g_autoptr(UstReasonTable) table = ust_reason_table_new ();

  /* Nothing custom, no fallback: the RFC 3261 §21 phrase. */
  g_assert_cmpstr (ust_reason_table_phrase (table, 486, NULL), ==, "Busy Here");
  g_assert_cmpstr (ust_reason_table_phrase (table, 200, NULL), ==, "OK");
  g_assert_cmpstr (ust_reason_table_phrase (table, 404, NULL), ==, "Not Found");

  /* A fallback naming the exact problem beats the standard phrase. */
  g_assert_cmpstr (ust_reason_table_phrase (table, 404, "No such user"), ==, "No such user");

  /* A custom phrase beats both. */
  g_assert_true (ust_reason_table_set (table, 404, "Neznámy", NULL));
  g_assert_cmpstr (ust_reason_table_phrase (table, 404, "No such user"), ==, "Neznámy");
  g_assert_cmpstr (ust_reason_table_phrase (table, 404, NULL), ==, "Neznámy");

  /* ... and only for its own code. */
  g_assert_cmpstr (ust_reason_table_phrase (table, 486, NULL), ==, "Busy Here");

  /* Removing it brings the fallback back. */
  g_assert_true (ust_reason_table_set (table, 404, NULL, NULL));
  g_assert_cmpstr (ust_reason_table_phrase (table, 404, "No such user"), ==, "No such user");
}

static void
test_parse_assignment (void)
{
  g_autoptr(UstReasonTable) table = ust_reason_table_new ();
  g_autoptr(GError) error = NULL;

  g_assert_true (ust_reason_table_parse_assignment (table, "200=POHODKA", &error));
  g_assert_no_error (error);
  g_assert_cmpstr (ust_reason_table_lookup (table, 200), ==, "POHODKA");

  /* UTF-8 in the phrase; everything after the first '=' is the phrase. */
  g_assert_true (ust_reason_table_parse_assignment (table, "486=Obsadené", &error));
  g_assert_no_error (error);
  g_assert_cmpstr (ust_reason_table_lookup (table, 486), ==, "Obsadené");
  g_assert_true (ust_reason_table_parse_assignment (table, "480=a=b", &error));
  g_assert_no_error (error);
  g_assert_cmpstr (ust_reason_table_lookup (table, 480), ==, "a=b");
}

static void
test_parse_rejects (void)
{
  const char *bad[] = {
    "abc",          /* no '=' */
    "99=x",         /* below 100 */
    "700=x",        /* above 699 */
    "=x",           /* no code */
    "2x0=x",        /* not a number */
    "200=",         /* empty phrase */
    "200=two\nlines",
    "200=carriage\rreturn",
    "200=\xff\xfe",  /* not UTF-8 */
    "200=Obsaden\xc3",  /* truncated UTF-8 sequence */
  };
  g_autoptr(UstReasonTable) table = ust_reason_table_new ();
  g_autofree char *long_phrase = NULL;
  g_autofree char *long_assignment = NULL;
  Counts counts = { 0 };

  g_signal_connect (table, "changed", G_CALLBACK (changed_cb), &counts);
  g_assert_true (ust_reason_table_set (table, 200, "POHODKA", NULL));
  counts.n_changed = 0;

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;

      g_test_message ("assignment %u", i);
      g_assert_false (ust_reason_table_parse_assignment (table, bad[i], &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
      g_assert_nonnull (error->message);
    }

  /* A phrase longer than a reason phrase should be (200 bytes) is refused. */
  long_phrase = g_strnfill (201, 'x');
  long_assignment = g_strconcat ("200=", long_phrase, NULL);
  g_assert_false (ust_reason_table_parse_assignment (table, long_assignment, NULL));

  /* Nothing refused changed the table. */
  g_assert_cmpuint (counts.n_changed, ==, 0);
  g_assert_cmpstr (ust_reason_table_lookup (table, 200), ==, "POHODKA");

  /* 200 bytes is fine, and so is a tab (RFC 3261 §25.1 HTAB). */
  long_phrase[200] = '\0';
  g_assert_true (ust_reason_table_set (table, 201, long_phrase, NULL));
  g_assert_cmpstr (ust_reason_table_lookup (table, 201), ==, long_phrase);
  g_assert_true (ust_reason_table_parse_assignment (table, "202=a\tb", NULL));
  g_assert_cmpstr (ust_reason_table_lookup (table, 202), ==, "a\tb");
  g_assert_cmpuint (counts.n_changed, ==, 2);
}

static void
test_remove (void)
{
  g_autoptr(UstReasonTable) table = ust_reason_table_new ();
  g_autoptr(GError) error = NULL;
  Counts counts = { 0 };

  g_signal_connect (table, "changed", G_CALLBACK (changed_cb), &counts);

  /* Removing what is not there succeeds without a change. */
  g_assert_true (ust_reason_table_set (table, 486, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (counts.n_changed, ==, 0);

  g_assert_true (ust_reason_table_set (table, 486, "Obsadené", &error));
  g_assert_cmpuint (counts.n_changed, ==, 1);

  g_assert_true (ust_reason_table_set (table, 486, NULL, &error));
  g_assert_no_error (error);
  g_assert_null (ust_reason_table_lookup (table, 486));
  g_assert_cmpuint (counts.n_changed, ==, 2);
  g_assert_cmpuint (counts.last_code, ==, 486);
  g_assert_cmpstr (ust_reason_table_phrase (table, 486, NULL), ==, "Busy Here");
}

static void
test_changed_signal (void)
{
  g_autoptr(UstReasonTable) table = ust_reason_table_new ();
  Counts counts = { 0 };

  g_signal_connect (table, "changed", G_CALLBACK (changed_cb), &counts);

  g_assert_true (ust_reason_table_set (table, 200, "POHODKA", NULL));
  g_assert_cmpuint (counts.n_changed, ==, 1);
  g_assert_cmpuint (counts.last_code, ==, 200);

  /* The same phrase again is not a change. */
  g_assert_true (ust_reason_table_set (table, 200, "POHODKA", NULL));
  g_assert_true (ust_reason_table_parse_assignment (table, "200=POHODKA", NULL));
  g_assert_cmpuint (counts.n_changed, ==, 1);

  g_assert_true (ust_reason_table_parse_assignment (table, "486=Obsadené", NULL));
  g_assert_cmpuint (counts.n_changed, ==, 2);
  g_assert_cmpuint (counts.last_code, ==, 486);

  g_assert_true (ust_reason_table_set (table, 200, "Iné", NULL));
  g_assert_cmpuint (counts.n_changed, ==, 3);
  g_assert_cmpuint (counts.last_code, ==, 200);

  /* A refused phrase is not a change either. */
  g_assert_false (ust_reason_table_set (table, 200, "", NULL));
  g_assert_cmpuint (counts.n_changed, ==, 3);
  g_assert_cmpstr (ust_reason_table_lookup (table, 200), ==, "Iné");
}

static void
test_relay (void)
{
  g_autoptr(UstReasonTable) table = ust_reason_table_new ();
  Counts counts = { 0 };
  gboolean relay = TRUE;

  g_signal_connect (table, "notify::relay", G_CALLBACK (relay_notify_cb), &counts);

  g_assert_false (ust_reason_table_get_relay (table));
  g_object_get (table, "relay", &relay, NULL);
  g_assert_false (relay);

  ust_reason_table_set_relay (table, TRUE);
  g_assert_true (ust_reason_table_get_relay (table));
  g_assert_cmpuint (counts.n_relay_notify, ==, 1);

  /* G_PARAM_EXPLICIT_NOTIFY: no notify without a change, from either path. */
  ust_reason_table_set_relay (table, TRUE);
  g_object_set (table, "relay", TRUE, NULL);
  g_assert_cmpuint (counts.n_relay_notify, ==, 1);

  g_object_set (table, "relay", FALSE, NULL);
  g_assert_false (ust_reason_table_get_relay (table));
  g_assert_cmpuint (counts.n_relay_notify, ==, 2);

  g_object_get (table, "relay", &relay, NULL);
  g_assert_false (relay);
}

static void
test_save_load (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("ust-reasons-XXXXXX", &error);
  g_autofree char *path = NULL;
  g_autoptr(UstReasonTable) table = ust_reason_table_new ();
  g_autoptr(UstReasonTable) loaded = ust_reason_table_new ();
  Counts counts = { 0 };

  g_assert_no_error (error);
  /* A folder that does not exist yet: save creates it. */
  path = g_build_filename (dir, "config", "reasons.ini", NULL);

  g_assert_true (ust_reason_table_set (table, 200, "POHODKA", NULL));
  g_assert_true (ust_reason_table_set (table, 486, "Obsadené", NULL));
  g_assert_true (ust_reason_table_set (table, 603, "Nie; ďakujem, #1 = [x]", NULL));
  ust_reason_table_set_relay (table, TRUE);
  g_assert_true (ust_reason_table_save (table, path, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));

  g_signal_connect (loaded, "changed", G_CALLBACK (changed_cb), &counts);
  g_signal_connect (loaded, "notify::relay", G_CALLBACK (relay_notify_cb), &counts);
  g_assert_true (ust_reason_table_load (loaded, path, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (ust_reason_table_lookup (loaded, 200), ==, "POHODKA");
  g_assert_cmpstr (ust_reason_table_lookup (loaded, 486), ==, "Obsadené");
  g_assert_cmpstr (ust_reason_table_lookup (loaded, 603), ==, "Nie; ďakujem, #1 = [x]");
  g_assert_null (ust_reason_table_lookup (loaded, 404));
  g_assert_true (ust_reason_table_get_relay (loaded));
  g_assert_cmpuint (counts.n_changed, ==, 3);
  g_assert_cmpuint (counts.n_relay_notify, ==, 1);

  /* Loading the same file again changes nothing. */
  g_assert_true (ust_reason_table_load (loaded, path, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (counts.n_changed, ==, 3);
  g_assert_cmpuint (counts.n_relay_notify, ==, 1);

  /* Removing a phrase and saving drops it from the file. */
  g_assert_true (ust_reason_table_set (table, 486, NULL, NULL));
  ust_reason_table_set_relay (table, FALSE);
  g_assert_true (ust_reason_table_save (table, path, &error));
  g_assert_no_error (error);
  g_clear_object (&loaded);
  loaded = ust_reason_table_new ();
  g_assert_true (ust_reason_table_load (loaded, path, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (ust_reason_table_lookup (loaded, 200), ==, "POHODKA");
  g_assert_null (ust_reason_table_lookup (loaded, 486));
  g_assert_false (ust_reason_table_get_relay (loaded));

  g_assert_true (ust_test_remove_tree (dir));
}

static void
test_load_missing (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("ust-reasons-XXXXXX", &error);
  g_autofree char *path = NULL;
  g_autoptr(UstReasonTable) table = ust_reason_table_new ();
  Counts counts = { 0 };

  g_assert_no_error (error);
  path = g_build_filename (dir, "absent.ini", NULL);
  g_signal_connect (table, "changed", G_CALLBACK (changed_cb), &counts);

  /* A first run: no file is not an error and changes nothing. */
  g_assert_true (ust_reason_table_load (table, path, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (counts.n_changed, ==, 0);
  g_assert_false (ust_reason_table_get_relay (table));
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));

  g_assert_true (ust_test_remove_tree (dir));
}

static void
assert_load_fails (const char *contents)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("ust-reasons-XXXXXX", &error);
  g_autofree char *path = NULL;
  g_autoptr(UstReasonTable) table = ust_reason_table_new ();

  g_assert_no_error (error);
  path = g_build_filename (dir, "reasons.ini", NULL);
  g_assert_true (g_file_set_contents (path, contents, -1, &error));
  g_assert_no_error (error);

  g_assert_false (ust_reason_table_load (table, path, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  /* The user must be told which file to fix. */
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, path));

  g_assert_true (ust_test_remove_tree (dir));
}

static void
test_load_bad (void)
{
  assert_load_fails ("[reasons]\n99=x\n");
  assert_load_fails ("[reasons]\n700=x\n");
  assert_load_fails ("[reasons]\nabc=x\n");
  assert_load_fails ("[reasons]\n200=\n");
  assert_load_fails ("[reasons]\n200=two\\nlines\n");
  /* Not a key file at all. */
  assert_load_fails ("this is not [a key file\n");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/ust/reason-table/set-lookup", test_set_lookup);
  g_test_add_func ("/ust/reason-table/phrase-fallback", test_phrase_fallback);
  g_test_add_func ("/ust/reason-table/parse-assignment", test_parse_assignment);
  g_test_add_func ("/ust/reason-table/parse-rejects", test_parse_rejects);
  g_test_add_func ("/ust/reason-table/remove", test_remove);
  g_test_add_func ("/ust/reason-table/changed-signal", test_changed_signal);
  g_test_add_func ("/ust/reason-table/relay", test_relay);
  g_test_add_func ("/ust/reason-table/save-load", test_save_load);
  g_test_add_func ("/ust/reason-table/load-missing", test_load_missing);
  g_test_add_func ("/ust/reason-table/load-bad", test_load_bad);

  return g_test_run ();
}
