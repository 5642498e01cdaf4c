/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ust-csv"

/* The call diary (calls.db) exported as CSV: the one piece of the CSV code
 * that reads the database. It needs no UstCallStore, only the file, so the
 * headless server exports without starting an exchange. It is declared
 * among the store's functions (ust-call-store.h) under the name the window
 * and the server have always called. */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <sqlite3.h>

#include "ust-call-db.h"
#include "ust-call-store.h"
#include "ust-csv.h"

/* Writes the calls that started in [@since_us, @until_us) to @csv_path,
 * oldest first, as a spreadsheet reads a diary. 0 leaves a bound open. It
 * opens its own read-only connection, so it works beside a running exchange
 * on the same data folder (WAL lets readers in while the writer writes), and
 * one SELECT reads one consistent snapshot. */
gboolean
ust_call_store_export_csv (const char  *db_path,
                           const char  *csv_path,
                           gint64       since_us,
                           gint64       until_us,
                           gboolean     excel,
                           GError     **error)
{
  g_autoptr (UstCsvWriter) writer = NULL;
  g_autoptr (GError) local_error = NULL;
  GOutputStream *stream;
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gboolean ok = FALSE;
  int rc;

  g_return_val_if_fail (db_path != NULL, FALSE);
  g_return_val_if_fail (csv_path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!g_file_test (db_path, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   _("There is no call diary at “%s”."), db_path);
      return FALSE;
    }

  rc = sqlite3_open_v2 (db_path, &db, SQLITE_OPEN_READONLY, NULL);
  if (rc == SQLITE_OK)
    {
      sqlite3_busy_timeout (db, UST_CALL_DB_BUSY_TIMEOUT_MS);
      rc = sqlite3_prepare_v2 (db,
                               "SELECT id, " UST_CALL_DB_FIELDS " FROM calls "
                               "WHERE start_time >= ?1 AND (?2 = 0 OR start_time < ?2) "
                               "ORDER BY start_time, id", -1, &stmt, NULL);
    }
  if (rc != SQLITE_OK)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("“%s” cannot be read as a call diary: %s"), db_path,
                   db != NULL ? sqlite3_errmsg (db) : sqlite3_errstr (rc));
      goto out;
    }
  sqlite3_bind_int64 (stmt, 1, since_us);
  sqlite3_bind_int64 (stmt, 2, until_us);

  stream = ust_csv_create_file (csv_path, error);
  if (stream == NULL)
    goto out;

  writer = ust_csv_writer_new (stream, excel);
  if (ust_csv_writer_write_header (writer, NULL, &local_error))
    {
      while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        {
          UstCallData data;
          gboolean written;

          ust_call_db_read_call (stmt, 0, &data);
          written = ust_csv_writer_write_call (writer, &data, NULL, &local_error);
          ust_call_data_clear (&data);
          if (!written)
            break;
        }
      if (local_error == NULL && rc != SQLITE_DONE)
        {
          ust_call_db_set_read_error (error, db_path, db, rc);
          g_clear_pointer (&writer, ust_csv_writer_free);
          ust_csv_close_file (stream, csv_path, FALSE, NULL);
          goto out;
        }
    }
  if (local_error == NULL)
    ust_csv_writer_finish (writer, NULL, &local_error);
  g_clear_pointer (&writer, ust_csv_writer_free);

  if (local_error != NULL)
    {
      ust_csv_close_file (stream, csv_path, FALSE, NULL);
      g_set_error (error, local_error->domain, local_error->code,
                   _("Cannot write the file “%s”: %s"), csv_path, local_error->message);
      goto out;
    }
  ok = ust_csv_close_file (stream, csv_path, TRUE, error);

out:
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return ok;
}
