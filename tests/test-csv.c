/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>
#include <time.h>

#include <glib/gstdio.h>

#include "ust-call-columns.h"
#include "ust-csv.h"
#include "ust-test-util.h"

static char *
cell_text (const char *text,
           char        separator,
           gboolean    guard)
{
  GString *line = g_string_new (NULL);

  ust_csv_append_cell (line, text, separator, guard);
  return g_string_free (line, FALSE);
}

#define assert_cell(text, sep, guard, expected) \
  G_STMT_START { \
    g_autofree char *got_ = cell_text ((text), (sep), (guard)); \
    g_assert_cmpstr (got_, ==, (expected)); \
  } G_STMT_END

static void
test_cells (void)
{
  assert_cell ("plain", ',', TRUE, "plain");
  assert_cell ("", ',', TRUE, "");
  assert_cell (NULL, ',', TRUE, "");
  assert_cell ("Doe, John", ',', TRUE, "\"Doe, John\"");
  assert_cell ("Doe, John", ';', TRUE, "Doe, John");
  assert_cell ("a;b", ';', TRUE, "\"a;b\"");
  assert_cell ("say \"hi\"", ',', TRUE, "\"say \"\"hi\"\"\"");
  assert_cell ("two\nlines", ',', TRUE, "\"two\nlines\"");
  assert_cell ("cr\rhere", ',', TRUE, "\"cr\rhere\"");
  assert_cell ("Ústredňa Obsadené", ',', TRUE, "Ústredňa Obsadené");

  /* Formula injection: a leading =, +, -, @ is made text. */
  assert_cell ("=1+1", ',', TRUE, "'=1+1");
  assert_cell ("+421 2 1234", ',', TRUE, "'+421 2 1234");
  assert_cell ("-x", ',', TRUE, "'-x");
  assert_cell ("@SUM(A1)", ',', TRUE, "'@SUM(A1)");
  assert_cell ("=HYPERLINK(\"http://x\",\"y\")", ',', TRUE,
               "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"");
  assert_cell ("a=b", ',', TRUE, "a=b");
  /* Our own numbers and times are never touched. */
  assert_cell ("-1.500", ',', FALSE, "-1.500");
}

static void
fill_tricky_call (UstCallData *data,
                  const char  *call_id,
                  const char  *caller_name,
                  gint64       start_time)
{
  memset (data, 0, sizeof *data);
  data->call_id = g_strdup (call_id);
  data->caller = g_strdup ("alice@192.168.1.10");
  data->caller_name = g_strdup (caller_name);
  data->callee = g_strdup ("bob@192.168.1.10");
  data->caller_addr = g_strdup ("10.0.0.5:5062");
  data->start_time = start_time;
  data->ring_time = start_time + 1000000;
  data->end_time = start_time + 5000000;
  data->state = UST_CALL_BUSY;
  data->final_code = 486;
  data->final_reason = g_strdup ("Obsadené, \"naozaj\"");
  data->orig_reason = g_strdup ("Busy Here");
  data->ended_by = UST_ENDED_BY_CALLEE;
  data->caller_ua = g_strdup ("Phone;v1\r\nX");
}

/* What a cell should read back as: the column's text, with the apostrophe
 * the writer puts before a formula in a text column. */
static char *
expected_cell (const UstCallColumn *column,
               const UstCallData   *data)
{
  g_autofree char *text = column->format (data);

  if (column->kind == UST_CALL_COLUMN_TEXT && text[0] != '\0'
      && strchr ("=+-@\t\r", text[0]) != NULL)
    return g_strconcat ("'", text, NULL);
  return g_steal_pointer (&text);
}

static void
test_stream (void)
{
  UstCallData calls[2];
  const UstCallData *list[2] = { &calls[0], &calls[1] };
  g_autoptr (GOutputStream) stream = g_memory_output_stream_new_resizable ();
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;

  fill_tricky_call (&calls[0], "id-1", "Doe, John", 1700000000000000);
  fill_tricky_call (&calls[1], "id-2", "=cmd|' /C calc'!A0", 1700000100000000);

  g_assert_true (ust_csv_write_calls (stream, list, 2, FALSE, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_output_stream_close (stream, NULL, NULL));
  text = g_strndup (g_memory_output_stream_get_data (G_MEMORY_OUTPUT_STREAM (stream)),
                    g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (stream)));

  /* The header comes first and every record ends in CRLF. */
  g_assert_true (g_str_has_prefix (text, "call_id,caller,caller_name,callee,caller_addr,"
                                         "callee_addr,start_time,ring_time,answer_time,"
                                         "end_time,setup_s,ring_s,talk_s,total_s,disposition,"
                                         "final_code,final_reason,orig_reason,ended_by,media,"
                                         "transfer_to,transfer_result,related_call_id,"
                                         "caller_ua,callee_ua\r\n"));
  g_assert_true (g_str_has_suffix (text, "\r\n"));
  g_assert_false (g_str_has_prefix (text, "\xEF\xBB\xBF"));
  g_assert_nonnull (strstr (text, "\r\nid-1,alice@192.168.1.10,\"Doe, John\",bob@"));
  g_assert_nonnull (strstr (text, ",\"Obsadené, \"\"naozaj\"\"\","));
  g_assert_nonnull (strstr (text, "\r\nid-2,alice@192.168.1.10,'=cmd|' /C calc'!A0,bob@"));
  g_assert_nonnull (strstr (text, ",\"Phone;v1\r\nX\","));

  ust_call_data_clear (&calls[0]);
  ust_call_data_clear (&calls[1]);
}

static void
test_excel (void)
{
  UstCallData call;
  const UstCallData *list[1] = { &call };
  g_autoptr (GOutputStream) stream = g_memory_output_stream_new_resizable ();
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;

  fill_tricky_call (&call, "id-1", "Doe, John", 1700000000000000);
  g_assert_true (ust_csv_write_calls (stream, list, 1, TRUE, NULL, &error));
  g_assert_no_error (error);
  g_output_stream_close (stream, NULL, NULL);
  text = g_strndup (g_memory_output_stream_get_data (G_MEMORY_OUTPUT_STREAM (stream)),
                    g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (stream)));

  g_assert_true (g_str_has_prefix (text, "\xEF\xBB\xBF" "call_id;caller;caller_name;"));
  /* With ';' as separator a comma needs no quotes, but a ';' does. */
  g_assert_nonnull (strstr (text, "\r\nid-1;alice@192.168.1.10;Doe, John;bob@"));
  g_assert_nonnull (strstr (text, ";\"Phone;v1\r\nX\";"));
  ust_call_data_clear (&call);
}

/* Reads @path with Python's csv module and returns the rows, or NULL when
 * there is no python3 here. The script prints JSON, which for a list of
 * lists of strings is also GVariant text (type "aas"). */
static GVariant *
read_with_python (const char *path,
                  gboolean    excel)
{
  static const char script[] =
    "import csv, json, sys\n"
    "with open(sys.argv[1], newline='', encoding='utf-8-sig') as f:\n"
    "    rows = list(csv.reader(f, delimiter=sys.argv[2], strict=True))\n"
    "sys.stdout.buffer.write(json.dumps(rows, ensure_ascii=False).encode('utf-8'))\n";
  g_autofree char *python = g_find_program_in_path ("python3");
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr (GError) error = NULL;
  const char *argv[] = { python, "-c", script, path, excel ? ";" : ",", NULL };
  int status;
  GVariant *rows;

  if (python == NULL)
    return NULL;

  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out,
                               &err, &status, &error));
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, &error))
    g_printerr ("python3: %s\n", err);
  g_assert_no_error (error);

  rows = g_variant_parse (G_VARIANT_TYPE ("aas"), out, NULL, NULL, &error);
  g_assert_no_error (error);
  /* g_variant_parse() returns a full, non-floating reference. */
  return rows;
}

static void
round_trip (gboolean excel)
{
  static const char *const names[] = {
    "Doe, John",
    "\"Quoted\" Name",
    "Two\nlines",
    "Carriage\rreturn",
    "Ústredňa Obsadené ďťň ÄÖÜ 日本",
    "=HYPERLINK(\"http://evil\",\"click\")",
    "+421 905 123 456",
    "-5",
    "@SUM(1+1)",
    "semi;colon",
    "trailing space ",
    "",
  };
  UstCallData calls[G_N_ELEMENTS (names)];
  const UstCallData *list[G_N_ELEMENTS (names)];
  g_autofree char *dir = g_dir_make_tmp ("ust-csv-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, excel ? "excel.csv" : "calls.csv", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) rows = NULL;
  guint n_columns;
  const UstCallColumn *columns = ust_call_columns (&n_columns);

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *id = g_strdup_printf ("id-%u@host", i);

      fill_tricky_call (&calls[i], id, names[i], 1790000000000000 + i * 60000000);
      if (i % 2 == 1)
        {
          calls[i].video = TRUE;
          calls[i].transfer_to = g_strdup ("sip:carol@192.168.1.10");
          calls[i].answer_time = calls[i].ring_time + 1234567;
          calls[i].state = UST_CALL_ENDED;
        }
      list[i] = &calls[i];
    }

  g_assert_true (ust_csv_write_file (path, list, G_N_ELEMENTS (names), excel, &error));
  g_assert_no_error (error);

  rows = read_with_python (path, excel);
  if (rows == NULL)
    {
      ust_test_missing ("python3 is not installed");
    }
  else
    {
      g_assert_cmpuint (g_variant_n_children (rows), ==, G_N_ELEMENTS (names) + 1);
      for (guint r = 0; r < g_variant_n_children (rows); r++)
        {
          g_autoptr (GVariant) row = g_variant_get_child_value (rows, r);

          g_assert_cmpuint (g_variant_n_children (row), ==, n_columns);
          for (guint c = 0; c < n_columns; c++)
            {
              g_autoptr (GVariant) value = g_variant_get_child_value (row, c);
              g_autofree char *expected = r == 0 ? g_strdup (columns[c].name)
                                                 : expected_cell (&columns[c], &calls[r - 1]);

              g_assert_cmpstr (g_variant_get_string (value, NULL), ==, expected);
            }
        }
    }

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    ust_call_data_clear (&calls[i]);
  g_unlink (path);
  g_rmdir (dir);
}

static void
test_round_trip (void)
{
  round_trip (FALSE);
}

static void
test_round_trip_excel (void)
{
  round_trip (TRUE);
}

static void
test_file_error (void)
{
  g_autoptr (GError) error = NULL;
  const char *path = "/nonexistent-ust-dir/calls.csv";

  g_assert_false (ust_csv_write_file (path, NULL, 0, FALSE, &error));
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, path));
}

int
main (int   argc,
      char *argv[])
{
  g_setenv ("TZ", "Europe/Bratislava", TRUE);
  tzset ();

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/ust/csv/cells", test_cells);
  g_test_add_func ("/ust/csv/stream", test_stream);
  g_test_add_func ("/ust/csv/excel", test_excel);
  g_test_add_func ("/ust/csv/round-trip", test_round_trip);
  g_test_add_func ("/ust/csv/round-trip-excel", test_round_trip_excel);
  g_test_add_func ("/ust/csv/file-error", test_file_error);

  return g_test_run ();
}
