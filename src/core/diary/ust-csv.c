/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ust-csv"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "ust-call-columns.h"
#include "ust-csv.h"

/* Rows are collected and written in blocks of about this size, so a stream
 * without its own buffer (a file from g_file_replace) is not written one
 * small row at a time. */
#define FLUSH_AT 65536

struct _UstCsvWriter {
  GOutputStream       *stream;
  GString             *buffer;
  char                 separator;
  gboolean             excel;
  const UstCallColumn *columns;
  guint                n_columns;
};

UstCsvWriter *
ust_csv_writer_new (GOutputStream *stream,
                    gboolean       excel)
{
  UstCsvWriter *self;

  g_return_val_if_fail (G_IS_OUTPUT_STREAM (stream), NULL);

  self = g_new0 (UstCsvWriter, 1);
  self->stream = g_object_ref (stream);
  self->buffer = g_string_sized_new (FLUSH_AT + 4096);
  self->excel = excel;
  self->separator = excel ? ';' : ',';
  self->columns = ust_call_columns (&self->n_columns);
  return self;
}

void
ust_csv_writer_free (UstCsvWriter *self)
{
  if (self == NULL)
    return;

  g_object_unref (self->stream);
  g_string_free (self->buffer, TRUE);
  g_free (self);
}

static gboolean
write_buffer (UstCsvWriter  *self,
              GCancellable  *cancellable,
              GError       **error)
{
  gboolean ok;

  if (self->buffer->len == 0)
    return TRUE;
  ok = g_output_stream_write_all (self->stream, self->buffer->str, self->buffer->len, NULL,
                                  cancellable, error);
  g_string_truncate (self->buffer, 0);
  return ok;
}

/* RFC 4180 §2: a cell holding the separator, a quote, CR or LF is quoted, and
 * a quote inside it is doubled.
 *
 * Spreadsheets run a cell that starts with '=', '+', '-' or '@' as a formula,
 * and caller names come from the network: "=HYPERLINK(...)" as a display name
 * must stay text (CSV injection, OWASP). A leading apostrophe makes Excel and
 * LibreOffice show it as text. Tab and CR are in OWASP's list too, for the
 * same reason. */
void
ust_csv_append_cell (GString    *line,
                     const char *text,
                     char        separator,
                     gboolean    guard_formula)
{
  gboolean guard, quote;

  g_return_if_fail (line != NULL);

  if (text == NULL)
    text = "";

  guard = guard_formula && text[0] != '\0' && strchr ("=+-@\t\r", text[0]) != NULL;
  quote = strchr (text, separator) != NULL || strpbrk (text, "\"\r\n") != NULL;

  if (quote)
    g_string_append_c (line, '"');
  if (guard)
    g_string_append_c (line, '\'');
  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == '"')
        g_string_append_c (line, '"');
      g_string_append_c (line, *p);
    }
  if (quote)
    g_string_append_c (line, '"');
}

gboolean
ust_csv_writer_write_header (UstCsvWriter  *self,
                             GCancellable  *cancellable,
                             GError       **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  /* Without the byte order mark Excel reads the file in the legacy code page
   * and "Ústredňa" comes out garbled. */
  if (self->excel)
    g_string_append (self->buffer, "\xEF\xBB\xBF");

  for (guint i = 0; i < self->n_columns; i++)
    {
      if (i > 0)
        g_string_append_c (self->buffer, self->separator);
      ust_csv_append_cell (self->buffer, self->columns[i].name, self->separator, FALSE);
    }
  g_string_append (self->buffer, "\r\n");
  return write_buffer (self, cancellable, error);
}

gboolean
ust_csv_writer_write_call (UstCsvWriter       *self,
                           const UstCallData  *data,
                           GCancellable       *cancellable,
                           GError            **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (data != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  for (guint i = 0; i < self->n_columns; i++)
    {
      g_autofree char *cell = self->columns[i].format (data);

      if (i > 0)
        g_string_append_c (self->buffer, self->separator);
      /* Times and numbers are ours and never start with a formula character;
       * only the text columns carry what the network sent. */
      ust_csv_append_cell (self->buffer, cell, self->separator,
                           self->columns[i].kind == UST_CALL_COLUMN_TEXT);
    }
  g_string_append (self->buffer, "\r\n");

  if (self->buffer->len >= FLUSH_AT)
    return write_buffer (self, cancellable, error);
  return TRUE;
}

/* Writes what is still buffered. The stream stays open: it is the caller's. */
gboolean
ust_csv_writer_finish (UstCsvWriter  *self,
                       GCancellable  *cancellable,
                       GError       **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return write_buffer (self, cancellable, error)
         && g_output_stream_flush (self->stream, cancellable, error);
}

gboolean
ust_csv_write_calls (GOutputStream            *stream,
                     const UstCallData *const *calls,
                     guint                     n_calls,
                     gboolean                  excel,
                     GCancellable             *cancellable,
                     GError                  **error)
{
  g_autoptr (UstCsvWriter) writer = NULL;

  g_return_val_if_fail (G_IS_OUTPUT_STREAM (stream), FALSE);
  g_return_val_if_fail (calls != NULL || n_calls == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  writer = ust_csv_writer_new (stream, excel);
  if (!ust_csv_writer_write_header (writer, cancellable, error))
    return FALSE;
  for (guint i = 0; i < n_calls; i++)
    if (!ust_csv_writer_write_call (writer, calls[i], cancellable, error))
      return FALSE;
  return ust_csv_writer_finish (writer, cancellable, error);
}

/* Opens @path for writing through a temporary file beside it: the old file
 * stays whole until ust_csv_close_file() with @keep renames the new one over
 * it, so an export that fails half way leaves nothing half written. */
GOutputStream *
ust_csv_create_file (const char  *path,
                     GError     **error)
{
  g_autoptr (GFile) file = NULL;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  /* GIO's message already names the file ("Error opening file “…”: …"). */
  file = g_file_new_for_path (path);
  return (GOutputStream *) g_file_replace (file, NULL, FALSE, G_FILE_CREATE_NONE, NULL, error);
}

/* Closes a stream from ust_csv_create_file(). Without @keep the temporary
 * file is dropped: closing through a cancelled GCancellable is how GIO
 * abandons a replace. Consumes @stream. */
gboolean
ust_csv_close_file (GOutputStream  *stream,
                    const char     *path,
                    gboolean        keep,
                    GError        **error)
{
  g_autoptr (GOutputStream) owned = stream;
  g_autoptr (GCancellable) cancel = NULL;
  g_autoptr (GError) local_error = NULL;

  g_return_val_if_fail (G_IS_OUTPUT_STREAM (stream), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!keep)
    {
      cancel = g_cancellable_new ();
      g_cancellable_cancel (cancel);
      g_output_stream_close (owned, cancel, NULL);
      return TRUE;
    }
  if (!g_output_stream_close (owned, NULL, &local_error))
    {
      g_set_error (error, local_error->domain, local_error->code,
                   _("Cannot write the file “%s”: %s"), path, local_error->message);
      return FALSE;
    }
  return TRUE;
}

gboolean
ust_csv_write_file (const char               *path,
                    const UstCallData *const *calls,
                    guint                     n_calls,
                    gboolean                  excel,
                    GError                  **error)
{
  g_autoptr (GError) local_error = NULL;
  GOutputStream *stream;

  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (calls != NULL || n_calls == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  stream = ust_csv_create_file (path, error);
  if (stream == NULL)
    return FALSE;

  if (!ust_csv_write_calls (stream, calls, n_calls, excel, NULL, &local_error))
    {
      ust_csv_close_file (stream, path, FALSE, NULL);
      g_set_error (error, local_error->domain, local_error->code,
                   _("Cannot write the file “%s”: %s"), path, local_error->message);
      return FALSE;
    }
  return ust_csv_close_file (stream, path, TRUE, error);
}
