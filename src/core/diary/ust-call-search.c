/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ust-call-search"

#include "config.h"

#include <string.h>

#include <sqlite3.h>

#include "ust-call-db.h"
#include "ust-call-search.h"

/* A long text needs only a few of its trigrams to find its candidates: each
 * one more costs the index a pass over a list of rows, and the check of
 * every candidate makes up for the ones left out. */
#define MAX_TRIGRAMS 6
/* How often a long read looks whether it was cancelled: every this many
 * rows, and every this many SQLite instructions. */
#define CANCEL_ROWS  4096
#define CANCEL_STEPS 100000

struct _UstCallSearch {
  GObject   parent_instance;

  char     *text;
  guint     extra_states;
  char     *folded;        /* @text, each character in lower case */
  gsize     folded_len;
  glong     n_chars;
  guint     states;        /* 1 << UstCallState whose outcome matches */
  char     *fts_query;     /* NULL when the text is too short for the index */
};

enum {
  PROP_0,
  PROP_TEXT,
  PROP_EXTRA_STATES,
  N_PROPS,
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (UstCallSearch, ust_call_search, G_TYPE_OBJECT)

/* The columns a row test reads, in this order after "id, start_time". */
#define ROW_COLUMNS "state, caller, callee, caller_name, call_id"

static const char scan_sql[] =
  "SELECT id, start_time, " ROW_COLUMNS " FROM calls WHERE id > ?1 AND id <= ?2";

/* The index finds rows by id; the table gives their texts to check. */
static const char indexed_sql[] =
  "SELECT c.id, c.start_time, c.state, c.caller, c.callee, c.caller_name, c.call_id "
  "FROM calls_search s JOIN calls c ON c.id = s.rowid "
  "WHERE calls_search MATCH ?1 AND s.rowid <= ?2";

/* Each character in lower case, one for one, as FTS5's trigram tokenizer
 * folds them (Unicode's simple mapping: "ß" stays "ß", where full case
 * folding would make it "ss"). Bytes that are not UTF-8 (Call-IDs and user
 * names are kept as the phone sent them) are kept as they are. */
static char *
fold (const char *text)
{
  GString *out = g_string_sized_new (strlen (text));

  for (const char *p = text; *p != '\0';)
    {
      gunichar c = g_utf8_get_char_validated (p, -1);

      if (c == (gunichar) -1 || c == (gunichar) -2)
        {
          g_string_append_c (out, *p++);
          continue;
        }
      g_string_append_unichar (out, g_unichar_tolower (c));
      p = g_utf8_next_char (p);
    }
  return g_string_free (out, FALSE);
}

/* g_ascii_tolower() is a function call; this runs for every byte of every
 * row a search reads. Other bytes are left as they are. */
static inline char
lower_ascii (char c)
{
  return c >= 'A' && c <= 'Z' ? (char) (c + ('a' - 'A')) : c;
}

/* Whether @haystack contains @needle (already folded), ignoring case. One
 * pass lowers ASCII letters and compares everything else as it is: a match
 * there is a match of the folded texts too (the needle's other characters
 * are already folded, and folding leaves them so). Only a haystack with
 * other characters and no such match is folded and searched again: diary
 * fields are nearly always ASCII, and then nothing is allocated. */
static gboolean
contains_folded (const char *haystack,
                 const char *needle,
                 gsize       needle_len)
{
  g_autofree char *folded = NULL;
  gboolean ascii = TRUE;
  char first = needle[0];

  if (haystack == NULL || *haystack == '\0')
    return FALSE;
  for (const char *p = haystack; *p != '\0'; p++)
    {
      gsize i = 1;

      if ((guchar) *p >= 0x80)
        ascii = FALSE;
      if (lower_ascii (*p) != first)
        continue;
      while (i < needle_len && p[i] != '\0' && lower_ascii (p[i]) == needle[i])
        i++;
      if (i == needle_len)
        return TRUE;
    }
  /* Folded, ASCII stays ASCII: nothing else to find. */
  if (ascii)
    return FALSE;
  folded = fold (haystack);
  return strstr (folded, needle) != NULL;
}

static gboolean
contains (UstCallSearch *self,
          const char    *haystack)
{
  return contains_folded (haystack, self->folded, self->folded_len);
}

/* "t1" AND "t2" AND …: a few of the text's trigrams, spread over it (the
 * first and the last among them), each quoted for FTS5 ("" inside). NULL
 * for a text shorter than three characters, which no trigram can find. */
static char *
make_fts_query (const char *folded,
                glong       n_chars)
{
  GString *query;
  glong n_trigrams = n_chars - 2;
  glong n_used;

  if (n_trigrams < 1)
    return NULL;
  n_used = MIN (n_trigrams, MAX_TRIGRAMS);
  query = g_string_new (NULL);
  for (glong k = 0; k < n_used; k++)
    {
      glong start = n_used == 1 ? 0 : k * (n_trigrams - 1) / (n_used - 1);
      const char *from = g_utf8_offset_to_pointer (folded, start);
      const char *to = g_utf8_offset_to_pointer (from, 3);

      if (k > 0)
        g_string_append (query, " AND ");
      g_string_append_c (query, '"');
      for (const char *p = from; p < to; p++)
        {
          if (*p == '"')
            g_string_append_c (query, '"');
          g_string_append_c (query, *p);
        }
      g_string_append_c (query, '"');
    }
  return g_string_free (query, FALSE);
}

/* Does the row under @stmt ("id, start_time, " ROW_COLUMNS) match? */
static gboolean
row_matches (UstCallSearch *self,
             sqlite3_stmt  *stmt)
{
  if (self->states != 0)
    {
      UstCallState state;

      /* As ust_call_db_read_call() reads it: a state this version does not
       * know is a failure. */
      if (!ust_call_state_from_string ((const char *) sqlite3_column_text (stmt, 2), &state))
        state = UST_CALL_FAILED;
      if (self->states & (1u << state))
        return TRUE;
    }
  for (int column = 3; column <= 6; column++)
    if (contains (self, (const char *) sqlite3_column_text (stmt, column)))
      return TRUE;
  return FALSE;
}

/* Steps @stmt to its end, adding the rows that match to @hits. */
static int
collect (UstCallSearch *self,
         sqlite3_stmt  *stmt,
         GArray        *hits,
         guint         *n_rows,
         GCancellable  *cancellable)
{
  guint n = 0;
  int rc;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      if (row_matches (self, stmt))
        {
          UstCallHit hit = { sqlite3_column_int64 (stmt, 1), sqlite3_column_int64 (stmt, 0) };

          g_array_append_val (hits, hit);
        }
      if (++n % CANCEL_ROWS == 0 && g_cancellable_is_cancelled (cancellable))
        {
          rc = SQLITE_INTERRUPT;
          break;
        }
    }
  if (n_rows != NULL)
    *n_rows = n;
  return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static void
set_error (GError       **error,
           sqlite3       *db,
           int            rc,
           GCancellable  *cancellable)
{
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return;
  ust_call_db_set_read_error (error, sqlite3_db_filename (db, "main"), db, rc);
}

/* The rows the index has seen (id up to its mark and @up_to_id) that
 * contain the text. */
static int
find_indexed (UstCallSearch *self,
              sqlite3       *db,
              gint64         up_to_id,
              GArray        *hits,
              GCancellable  *cancellable)
{
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (db, indexed_sql, -1, &stmt, NULL);

  if (rc == SQLITE_OK)
    {
      sqlite3_bind_text (stmt, 1, self->fts_query, -1, SQLITE_STATIC);
      sqlite3_bind_int64 (stmt, 2, up_to_id);
      rc = collect (self, stmt, hits, NULL, cancellable);
    }
  sqlite3_finalize (stmt);
  return rc;
}

/* How far the index goes: rows with an id up to this are in it. */
static gint64
indexed_up_to (sqlite3 *db)
{
  sqlite3_stmt *stmt = NULL;
  gint64 mark = 0;

  if (sqlite3_prepare_v2 (db, "SELECT indexed_up_to FROM calls_search_mark", -1, &stmt, NULL)
        == SQLITE_OK
      && sqlite3_step (stmt) == SQLITE_ROW)
    mark = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return mark;
}

/* Every matching row with an id up to @up_to_id: through the index for
 * the rows it has (when the text is long enough and no outcome matches:
 * an outcome such as "answered" matches most of the diary anyway), the
 * rest read from the table. An index that cannot be read is passed over:
 * reading every row gives the same answer, only slower. */
static gboolean
find (UstCallSearch  *self,
      sqlite3        *db,
      gint64          up_to_id,
      GArray         *hits,
      GCancellable   *cancellable,
      GError        **error)
{
  gint64 scan_from = 0;

  if (self->fts_query != NULL && self->states == 0)
    {
      gint64 mark = MIN (indexed_up_to (db), up_to_id);
      guint found = hits->len;
      int rc = mark > 0 ? find_indexed (self, db, mark, hits, cancellable) : SQLITE_OK;

      if (rc == SQLITE_OK)
        scan_from = mark;
      else if (g_cancellable_is_cancelled (cancellable))
        {
          set_error (error, db, rc, cancellable);
          return FALSE;
        }
      else
        {
          g_debug ("Searching without the index: %s", sqlite3_errmsg (db));
          g_array_set_size (hits, found);
        }
    }
  return ust_call_search_scan (self, db, scan_from, up_to_id, hits, NULL, cancellable, error);
}

static gint
progress_cb (gpointer user_data)
{
  return g_cancellable_is_cancelled (user_data);
}

static void
ust_call_search_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  UstCallSearch *self = UST_CALL_SEARCH (object);

  switch (prop_id)
    {
    case PROP_TEXT:
      g_value_set_string (value, self->text);
      break;
    case PROP_EXTRA_STATES:
      g_value_set_uint (value, self->extra_states);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ust_call_search_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  UstCallSearch *self = UST_CALL_SEARCH (object);

  switch (prop_id)
    {
    case PROP_TEXT:
      self->text = g_value_dup_string (value);
      break;
    case PROP_EXTRA_STATES:
      self->extra_states = g_value_get_uint (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

/* Everything a row test needs is worked out once, here. */
static void
ust_call_search_constructed (GObject *object)
{
  UstCallSearch *self = UST_CALL_SEARCH (object);

  G_OBJECT_CLASS (ust_call_search_parent_class)->constructed (object);

  if (self->text == NULL)
    self->text = g_strdup ("");
  self->folded = fold (self->text);
  self->folded_len = strlen (self->folded);
  self->n_chars = g_utf8_strlen (self->folded, -1);
  self->fts_query = make_fts_query (self->folded, self->n_chars);

  /* The outcome column's words (ust_call_disposition: an answered call that
   * ended is "answered"), and those the caller found in its own. */
  self->states = self->extra_states;
  for (UstCallState state = UST_CALL_SETUP; state <= UST_CALL_TIMED_OUT; state++)
    {
      UstCallData data = { .state = state };

      if (contains (self, ust_call_disposition (&data)))
        self->states |= 1u << state;
    }
}

static void
ust_call_search_finalize (GObject *object)
{
  UstCallSearch *self = UST_CALL_SEARCH (object);

  g_free (self->text);
  g_free (self->folded);
  g_free (self->fts_query);

  G_OBJECT_CLASS (ust_call_search_parent_class)->finalize (object);
}

static void
ust_call_search_class_init (UstCallSearchClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = ust_call_search_get_property;
  object_class->set_property = ust_call_search_set_property;
  object_class->constructed = ust_call_search_constructed;
  object_class->finalize = ust_call_search_finalize;

  properties[PROP_TEXT] =
    g_param_spec_string ("text", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_EXTRA_STATES] =
    g_param_spec_uint ("extra-states", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ust_call_search_init (UstCallSearch *self)
{
}

/* The calls that contain @text (not empty) in their caller, callee,
 * caller's name, Call-ID or outcome (ust_call_disposition), ignoring case,
 * and those in @extra_states (1 << UstCallState): the window adds the
 * states whose outcome, in the words it shows, contains @text. */
UstCallSearch *
ust_call_search_new (const char *text,
                     guint       extra_states)
{
  g_return_val_if_fail (text != NULL && *text != '\0', NULL);

  return g_object_new (UST_TYPE_CALL_SEARCH, "text", text, "extra-states", extra_states, NULL);
}

const char *
ust_call_search_get_text (UstCallSearch *self)
{
  g_return_val_if_fail (UST_IS_CALL_SEARCH (self), NULL);

  return self->text;
}

/* The states that match whatever the texts: 1 << UstCallState. */
guint
ust_call_search_get_states (UstCallSearch *self)
{
  g_return_val_if_fail (UST_IS_CALL_SEARCH (self), 0);

  return self->states;
}

gboolean
ust_call_search_matches (UstCallSearch     *self,
                         const UstCallData *data)
{
  g_return_val_if_fail (UST_IS_CALL_SEARCH (self), FALSE);
  g_return_val_if_fail (data != NULL, FALSE);

  return (self->states & (1u << data->state)) != 0
         || contains (self, data->caller)
         || contains (self, data->callee)
         || contains (self, data->caller_name)
         || contains (self, data->call_id);
}

/* Whether @haystack contains @text, ignoring case as a search does: for a
 * window that matches its own words for the outcomes. */
gboolean
ust_call_search_text_contains (const char *haystack,
                               const char *text)
{
  g_autofree char *folded = NULL;

  g_return_val_if_fail (text != NULL, FALSE);

  folded = fold (text);
  return contains_folded (haystack, folded, strlen (folded));
}

/* Reads every row with @after_id < id <= @up_to_id and adds those that
 * match to @hits (in id order); @n_rows, if given, is set to how many rows
 * it read. On @db's current transaction. */
gboolean
ust_call_search_scan (UstCallSearch  *self,
                      sqlite3        *db,
                      gint64          after_id,
                      gint64          up_to_id,
                      GArray         *hits,
                      guint          *n_rows,
                      GCancellable   *cancellable,
                      GError        **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc;

  g_return_val_if_fail (UST_IS_CALL_SEARCH (self), FALSE);
  g_return_val_if_fail (db != NULL && hits != NULL, FALSE);

  if (n_rows != NULL)
    *n_rows = 0;
  if (after_id >= up_to_id)
    return TRUE;
  rc = sqlite3_prepare_v2 (db, scan_sql, -1, &stmt, NULL);
  if (rc == SQLITE_OK)
    {
      sqlite3_bind_int64 (stmt, 1, after_id);
      sqlite3_bind_int64 (stmt, 2, up_to_id);
      rc = collect (self, stmt, hits, n_rows, cancellable);
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_OK)
    {
      set_error (error, db, rc, cancellable);
      return FALSE;
    }
  return TRUE;
}

/* Runs the search over the diary file at @path (its rows with an id up to
 * @up_to_id), on a read-only connection of its own: for a worker thread.
 * Returns the hits in diary order, oldest first. */
GArray *
ust_call_search_run (UstCallSearch  *self,
                     const char     *path,
                     gint64          up_to_id,
                     GCancellable   *cancellable,
                     GError        **error)
{
  g_autoptr (GArray) hits = NULL;
  sqlite3 *db = NULL;
  gboolean found;
  int rc;

  g_return_val_if_fail (UST_IS_CALL_SEARCH (self), NULL);
  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  rc = sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL);
  if (rc != SQLITE_OK)
    {
      ust_call_db_set_read_error (error, path, db, rc);
      sqlite3_close (db);
      return NULL;
    }
  sqlite3_busy_timeout (db, UST_CALL_DB_BUSY_TIMEOUT_MS);
  /* A newer search makes this one useless: stop SQLite mid-statement. */
  if (cancellable != NULL)
    sqlite3_progress_handler (db, CANCEL_STEPS, progress_cb, cancellable);

  /* One snapshot: the index, its mark and the table agree. */
  hits = g_array_new (FALSE, FALSE, sizeof (UstCallHit));
  rc = sqlite3_exec (db, "BEGIN", NULL, NULL, NULL);
  if (rc != SQLITE_OK)
    {
      set_error (error, db, rc, cancellable);
      sqlite3_close (db);
      return NULL;
    }
  found = find (self, db, up_to_id, hits, cancellable, error);
  sqlite3_exec (db, "COMMIT", NULL, NULL, NULL);
  sqlite3_close (db);
  if (!found)
    return NULL;

  /* Row ids follow start times nearly always: a pass to check costs less
   * than sorting millions of hits that are in order already. */
  for (guint i = 1; i < hits->len; i++)
    if (ust_call_hit_compare (&g_array_index (hits, UstCallHit, i - 1),
                              &g_array_index (hits, UstCallHit, i)) > 0)
      {
        g_array_sort (hits, ust_call_hit_compare);
        break;
      }
  return g_steal_pointer (&hits);
}

/* Diary order, oldest first: by start time, then by row. */
gint
ust_call_hit_compare (gconstpointer a,
                      gconstpointer b)
{
  const UstCallHit *ha = a, *hb = b;

  if (ha->start_time != hb->start_time)
    return ha->start_time < hb->start_time ? -1 : 1;
  return ha->id < hb->id ? -1 : ha->id > hb->id;
}
