/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ust-sip-text"

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ust-sip-text.h"

static inline gboolean
is_lws (char c)
{
  return c == ' ' || c == '\t';
}

/* Returns the offset of the next '\n' at or after @from, or @len. */
static gsize
line_end (const UstSipText *text,
          gsize             from)
{
  const char *nl = memchr (text->data + from, '\n', text->len - from);

  return nl != NULL ? (gsize) (nl - text->data) : text->len;
}

/* The content of a line excludes its "\r\n" or "\n". */
static gsize
content_end (const UstSipText *text,
             gsize             line_start,
             gsize             newline)
{
  if (newline > line_start && text->data[newline - 1] == '\r')
    return newline - 1;
  return newline;
}

gboolean
ust_sip_text_init (UstSipText *text,
                   const char *data,
                   gsize       len)
{
  gsize pos, newline;

  memset (text, 0, sizeof *text);
  text->data = data;
  text->len = len;

  newline = line_end (text, 0);
  if (newline >= len)
    return FALSE;
  text->first_line_end = content_end (text, 0, newline);
  text->eol = text->first_line_end < newline ? "\r\n" : "\n";
  text->headers_start = newline + 1;

  /* Find the empty line that ends the headers. */
  for (pos = text->headers_start; pos < len; pos = newline + 1)
    {
      newline = line_end (text, pos);
      if (content_end (text, pos, newline) == pos)
        {
          text->headers_end = pos;
          text->body_start = newline < len ? newline + 1 : len;
          return TRUE;
        }
      if (newline >= len)
        break;
    }

  /* No empty line: headers run to the end (UDP allows a missing final
   * CRLF only in broken senders, but libosip2 already accepted it). */
  text->headers_end = len;
  text->body_start = len;
  return TRUE;
}

/* Iterates header fields, folding continuation lines (RFC 3261 §7.3.1) into
 * the field they continue. @position starts at 0. */
gboolean
ust_sip_text_next_field (const UstSipText *text,
                         gsize            *position,
                         UstSipField      *field)
{
  gsize start = *position == 0 ? text->headers_start : *position;
  gsize newline, colon, value_end;
  const char *colon_p;

  if (start >= text->headers_end)
    return FALSE;

  field->start = start;
  newline = line_end (text, start);
  value_end = content_end (text, start, newline);

  /* Continuation lines start with white space. */
  while (newline + 1 < text->headers_end && is_lws (text->data[newline + 1]))
    {
      newline = line_end (text, newline + 1);
      value_end = content_end (text, start, newline);
    }
  field->end = newline < text->len ? newline + 1 : text->len;

  colon_p = memchr (text->data + start, ':', value_end - start);
  colon = colon_p != NULL ? (gsize) (colon_p - text->data) : value_end;
  field->name_end = colon_p != NULL ? colon : start;
  while (field->name_end > start && is_lws (text->data[field->name_end - 1]))
    field->name_end--;
  field->value_start = colon < value_end ? colon + 1 : value_end;
  while (field->value_start < value_end
         && (is_lws (text->data[field->value_start])
             || text->data[field->value_start] == '\r'
             || text->data[field->value_start] == '\n'))
    field->value_start++;
  while (value_end > field->value_start && (is_lws (text->data[value_end - 1])))
    value_end--;
  field->value_end = value_end;

  *position = field->end;
  return TRUE;
}

/* Header names are case-insensitive (RFC 3261 §7.3.1), and some have a
 * compact form (§7.3.3). White space may stand between name and colon. */
gboolean
ust_sip_text_field_is (const UstSipText  *text,
                       const UstSipField *field,
                       const char        *name,
                       char               compact)
{
  const char *p = text->data + field->start;
  gsize len = field->name_end - field->start;

  /* The length first: most fields are told apart without comparing. */
  if (len == 1 && compact != '\0' && g_ascii_tolower (p[0]) == compact)
    return TRUE;
  return strlen (name) == len && g_ascii_strncasecmp (p, name, len) == 0;
}

gboolean
ust_sip_text_find (const UstSipText *text,
                   const char       *name,
                   char              compact,
                   UstSipField      *field)
{
  gsize position = 0;

  while (ust_sip_text_next_field (text, &position, field))
    if (ust_sip_text_field_is (text, field, name, compact))
      return TRUE;
  return FALSE;
}

/* A field may carry several comma-separated values (RFC 3261 §7.3.1). Commas
 * inside quoted strings or <angle brackets> do not separate values. */
gsize
ust_sip_text_first_value_end (const UstSipText  *text,
                              const UstSipField *field)
{
  gboolean quoted = FALSE, angled = FALSE;
  gsize end;

  for (gsize i = field->value_start; i < field->value_end; i++)
    {
      char c = text->data[i];

      if (quoted)
        {
          if (c == '\\' && i + 1 < field->value_end)
            i++;
          else if (c == '"')
            quoted = FALSE;
        }
      else if (c == '"')
        quoted = TRUE;
      else if (c == '<')
        angled = TRUE;
      else if (c == '>')
        angled = FALSE;
      else if (c == ',' && !angled)
        {
          end = i;
          while (end > field->value_start && (is_lws (text->data[end - 1])
                                              || text->data[end - 1] == '\r'
                                              || text->data[end - 1] == '\n'))
            end--;
          return end;
        }
    }
  return field->value_end;
}

/* After the first value's end, the second value starts past the comma and
 * any white space or line folding. */
gboolean
ust_sip_text_next_value_start (const UstSipText  *text,
                               const UstSipField *field,
                               gsize              value_end,
                               gsize             *next_start)
{
  gsize i = value_end;

  while (i < field->value_end && text->data[i] != ',')
    i++;
  if (i >= field->value_end)
    return FALSE;
  i++;
  while (i < field->value_end
         && (is_lws (text->data[i]) || text->data[i] == '\r' || text->data[i] == '\n'))
    i++;
  *next_start = i;
  return TRUE;
}

/* Request-Line = Method SP Request-URI SP SIP-Version (RFC 3261 §7.1). */
gboolean
ust_sip_text_request_uri (const UstSipText *text,
                          gsize            *start,
                          gsize            *end)
{
  gsize i = 0, line_end_pos = text->first_line_end;

  while (i < line_end_pos && !is_lws (text->data[i]))
    i++;
  while (i < line_end_pos && is_lws (text->data[i]))
    i++;
  *start = i;
  while (i < line_end_pos && !is_lws (text->data[i]))
    i++;
  *end = i;
  return *end > *start;
}

/* Status-Line = SIP-Version SP Status-Code SP Reason-Phrase (§7.2). The
 * phrase may be empty; then the range is empty and sits at the line's end. */
gboolean
ust_sip_text_reason_phrase (const UstSipText *text,
                            gsize            *start,
                            gsize            *end)
{
  gsize i = 0, line_end_pos = text->first_line_end;

  while (i < line_end_pos && !is_lws (text->data[i]))
    i++;
  while (i < line_end_pos && is_lws (text->data[i]))
    i++;
  while (i < line_end_pos && g_ascii_isdigit (text->data[i]))
    i++;
  if (i < line_end_pos && is_lws (text->data[i]))
    i++;
  *start = i;
  *end = line_end_pos;
  return TRUE;
}

/* Looks for ";name" or ";name=value" among the parameters of one value. */
gboolean
ust_sip_text_find_param (const UstSipText *text,
                         gsize             value_start,
                         gsize             value_end,
                         const char       *name,
                         gsize            *param_end,
                         gsize            *param_value_start)
{
  gsize name_len = strlen (name);
  gboolean quoted = FALSE;

  for (gsize i = value_start; i < value_end; i++)
    {
      char c = text->data[i];
      gsize p, stop;

      if (c == '"')
        quoted = !quoted;
      if (quoted || c != ';')
        continue;

      p = i + 1;
      while (p < value_end && is_lws (text->data[p]))
        p++;
      if (p + name_len > value_end || g_ascii_strncasecmp (text->data + p, name, name_len) != 0)
        continue;
      stop = p + name_len;
      while (stop < value_end && is_lws (text->data[stop]))
        stop++;
      if (stop < value_end && text->data[stop] != '=' && text->data[stop] != ';')
        continue;

      *param_value_start = 0;
      if (stop < value_end && text->data[stop] == '=')
        {
          stop++;
          while (stop < value_end && is_lws (text->data[stop]))
            stop++;
          *param_value_start = stop;
          while (stop < value_end && text->data[stop] != ';')
            stop++;
          while (stop > *param_value_start && is_lws (text->data[stop - 1]))
            stop--;
        }
      else
        {
          stop = p + name_len;
        }
      *param_end = stop;
      return TRUE;
    }
  return FALSE;
}

void
ust_sip_edit_init (UstSipEdit *edit)
{
  edit->n_splices = 0;
  edit->arena_used = 0;
  edit->overflow = FALSE;
}

void
ust_sip_edit_splice (UstSipEdit *edit,
                     gsize       offset,
                     gsize       remove,
                     const char *insert,
                     gssize      insert_len)
{
  UstSipSplice *splice;

  if (edit->n_splices >= UST_SIP_EDIT_MAX_SPLICES)
    {
      edit->overflow = TRUE;
      return;
    }
  splice = &edit->splices[edit->n_splices];
  splice->offset = offset;
  splice->remove = remove;
  splice->insert = insert;
  splice->insert_len = insert == NULL ? 0 : insert_len < 0 ? strlen (insert) : (gsize) insert_len;
  splice->order = edit->n_splices++;
}

/* Writes @value in decimal at @out (room for 10 digits, no NUL); returns
 * how many characters. */
gsize
ust_text_put_decimal (char  *out,
                      guint  value)
{
  char digits[10];
  gsize n = 0;

  do
    {
      digits[n++] = (char) ('0' + value % 10);
      value /= 10;
    }
  while (value > 0);
  for (gsize i = 0; i < n; i++)
    out[i] = digits[n - 1 - i];
  return n;
}

/* The edits' formats use only %s and %u: formatting them here costs a
 * tenth of vsnprintf's work, which is paid several times per message.
 * Returns the length written (NUL included in @room), or -1 when @format
 * holds another conversion or the text does not fit. */
static int
format_simple (char       *out,
               gsize       room,
               const char *format,
               va_list     args)
{
  gsize at = 0;

  for (const char *f = format; *f != '\0'; f++)
    {
      const char *piece = f;
      gsize len = 1;
      char number[10];

      if (*f == '%')
        {
          f++;
          if (*f == 's')
            {
              piece = va_arg (args, const char *);
              if (piece == NULL)
                piece = "(null)";
              len = strlen (piece);
            }
          else if (*f == 'u')
            {
              len = ust_text_put_decimal (number, va_arg (args, guint));
              piece = number;
            }
          else if (*f == '%')
            piece = f;
          else
            return -1;
        }
      if (at + len >= room)
        return -1;
      memcpy (out + at, piece, len);
      at += len;
    }
  out[at] = '\0';
  return (int) at;
}

/* Formats into the edit's own arena so a whole forward needs no malloc. */
void
ust_sip_edit_splicef (UstSipEdit *edit,
                      gsize       offset,
                      gsize       remove,
                      const char *format,
                      ...)
{
  gsize room = UST_SIP_EDIT_ARENA - edit->arena_used;
  char *where = edit->arena + edit->arena_used;
  va_list args, again;
  int n;

  va_start (args, format);
  va_copy (again, args);
  n = format_simple (where, room, format, args);
  if (n < 0)
    n = vsnprintf (where, room, format, again);
  va_end (again);
  va_end (args);

  if (n < 0 || (gsize) n >= room)
    {
      edit->overflow = TRUE;
      return;
    }
  edit->arena_used += (gsize) n + 1;
  ust_sip_edit_splice (edit, offset, remove, where, n);
}

static int
compare_splices (gconstpointer a,
                 gconstpointer b)
{
  const UstSipSplice *sa = a, *sb = b;

  if (sa->offset != sb->offset)
    return sa->offset < sb->offset ? -1 : 1;
  return sa->order < sb->order ? -1 : sa->order > sb->order ? 1 : 0;
}

/* Copies the message up to @message_end (bytes past the declared body are
 * discarded, RFC 3261 §18.3) with the splices applied, in offset order; at
 * one offset, in the order they were added. Returns the length written, or 0
 * if @out is too small or the splices overlap. */
gsize
ust_sip_edit_apply (UstSipEdit       *edit,
                    const UstSipText *text,
                    gsize             message_end,
                    char             *out,
                    gsize             out_size)
{
  gsize in = 0, written = 0;

  if (edit->overflow || message_end > text->len)
    return 0;

  qsort (edit->splices, edit->n_splices, sizeof (UstSipSplice), compare_splices);

  for (guint i = 0; i <= edit->n_splices; i++)
    {
      const UstSipSplice *splice = i < edit->n_splices ? &edit->splices[i] : NULL;
      gsize copy_to = splice != NULL ? splice->offset : message_end;

      if (copy_to < in || copy_to > message_end)
        return 0;
      if (written + (copy_to - in) > out_size)
        return 0;
      memcpy (out + written, text->data + in, copy_to - in);
      written += copy_to - in;
      in = copy_to;

      if (splice == NULL)
        break;
      if (written + splice->insert_len > out_size)
        return 0;
      if (splice->insert_len > 0)
        memcpy (out + written, splice->insert, splice->insert_len);
      written += splice->insert_len;
      in += splice->remove;
    }

  return written;
}
