/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ust-message-diff"

#include "config.h"

#include <string.h>

#include "ust-message-diff.h"
#include "ust-sip-text.h"

/* The tables are (lines + 1)² cells; beyond this, lines are not aligned but
 * listed as removed and added (messages are rarely over a hundred lines). */
#define MAX_CELLS (4u << 20)

/* Finding the pair ----------------------------------------------------------------- */

typedef struct {
  UstSipText text;
  char       branch[2][128];   /* top and second Via's branch, "" if none */
  const char *cseq;
  gsize       cseq_len;
} Key;

static void
copy_range (char       *out,
            gsize       size,
            const char *data,
            gsize       start,
            gsize       end)
{
  gsize n = MIN (end - start, size - 1);

  memcpy (out, data + start, n);
  out[n] = '\0';
}

/* The branches of the first two Via values, across header lines and comma
 * lists (RFC 3261 §7.3.1: both are the same list). */
static gboolean
key_init (Key                 *key,
          const UstTraceEntry *entry)
{
  gsize len, position = 0;
  const char *data = ust_trace_entry_get_data (entry, &len);
  UstSipField field;
  guint n = 0;

  memset (key, 0, sizeof *key);
  if (!ust_sip_text_init (&key->text, data, len))
    return FALSE;

  while (ust_sip_text_next_field (&key->text, &position, &field))
    {
      if (ust_sip_text_field_is (&key->text, &field, "CSeq", '\0') && key->cseq == NULL)
        {
          key->cseq = data + field.value_start;
          key->cseq_len = field.value_end - field.value_start;
        }
      else if (n < 2 && ust_sip_text_field_is (&key->text, &field, "Via", 'v'))
        {
          UstSipField value = field;

          while (n < 2)
            {
              gsize end = ust_sip_text_first_value_end (&key->text, &value);
              gsize param_end, param_value;

              if (ust_sip_text_find_param (&key->text, value.value_start, end, "branch",
                                           &param_end, &param_value)
                  && param_value != 0)
                copy_range (key->branch[n], sizeof key->branch[n], data, param_value,
                            param_end);
              n++;
              if (!ust_sip_text_next_value_start (&key->text, &value, end, &value.value_start))
                break;
            }
        }
    }
  return key->cseq != NULL;
}

static gboolean
same_cseq (const Key *a,
           const Key *b)
{
  return a->cseq_len == b->cseq_len && memcmp (a->cseq, b->cseq, a->cseq_len) == 0;
}

static gboolean
same_message (const UstTraceEntry *a,
              const UstTraceEntry *b)
{
  UstTraceKind kind = ust_trace_entry_get_kind (a);

  if (kind != ust_trace_entry_get_kind (b))
    return FALSE;
  if (kind == UST_TRACE_KIND_RESPONSE)
    return ust_trace_entry_get_status_code (a) == ust_trace_entry_get_status_code (b);
  return kind == UST_TRACE_KIND_REQUEST;
}

/* Whether @received and @sent are one message before and after the hop. */
static gboolean
is_pair (const UstTraceEntry *received,
         const Key           *rkey,
         const UstTraceEntry *sent,
         const Key           *skey)
{
  if (!same_message (received, sent) || !same_cseq (rkey, skey))
    return FALSE;
  if (ust_trace_entry_get_kind (received) == UST_TRACE_KIND_REQUEST)
    /* §16.6 step 8: our Via on top of the received ones. */
    return rkey->branch[0][0] != '\0' && strcmp (rkey->branch[0], skey->branch[1]) == 0;
  /* §16.7 step 9: our Via taken off the top. */
  return skey->branch[0][0] != '\0' && strcmp (rkey->branch[1], skey->branch[0]) == 0;
}

/* For a received message, the first sent one after it that forwards it; for
 * a sent one, the last received one before it that it forwards. NULL when
 * there is none (the exchange made the message itself, or the other half
 * already left the ring). @entries is a trace's list in sequence order. */
UstTraceEntry *
ust_message_diff_find_pair (GPtrArray     *entries,
                            UstTraceEntry *entry)
{
  gboolean received;
  const char *call_id;
  guint64 seq;
  Key key, other_key;
  UstTraceEntry *found = NULL;

  g_return_val_if_fail (entries != NULL, NULL);
  g_return_val_if_fail (entry != NULL, NULL);

  call_id = ust_trace_entry_get_call_id (entry);
  if (call_id[0] == '\0' || !key_init (&key, entry))
    return NULL;
  received = ust_trace_entry_get_direction (entry) == UST_TRACE_RECEIVED;
  seq = ust_trace_entry_get_seq (entry);

  for (guint i = 0; i < entries->len; i++)
    {
      UstTraceEntry *other = g_ptr_array_index (entries, i);
      guint64 other_seq = ust_trace_entry_get_seq (other);

      if (other == entry || ust_trace_entry_get_direction (other) ==
                              ust_trace_entry_get_direction (entry))
        continue;
      if (received ? other_seq <= seq : other_seq >= seq)
        continue;
      if (!same_message (entry, other)
          || strcmp (ust_trace_entry_get_call_id (other), call_id) != 0
          || !key_init (&other_key, other))
        continue;
      if (received ? is_pair (entry, &key, other, &other_key)
                   : is_pair (other, &other_key, entry, &key))
        {
          found = other;
          if (received)
            break;    /* the first one after; for a sent one, keep the last before */
        }
    }
  return found;
}

/* The line diff -------------------------------------------------------------------- */

typedef struct {
  const char *text;
  gsize       len;
  char       *key;    /* what may pair it with a line of the other side */
} Line;

static const struct {
  char        compact;
  const char *name;
} compact_forms[] = {
  /* RFC 3261 §7.3.3 and later RFCs' compact names. */
  { 'a', "accept-contact" }, { 'b', "referred-by" }, { 'c', "content-type" },
  { 'd', "request-disposition" }, { 'e', "content-encoding" }, { 'f', "from" },
  { 'i', "call-id" }, { 'j', "reject-contact" }, { 'k', "supported" },
  { 'l', "content-length" }, { 'm', "contact" }, { 'o', "event" }, { 'r', "refer-to" },
  { 's', "subject" }, { 't', "to" }, { 'u', "allow-events" }, { 'v', "via" },
  { 'x', "session-expires" }, { 'y', "identity" },
};

/* "\001" for the start line, "\002" for body lines, "\003" for folded
 * continuation lines, else the header's full name in lower case. */
static char *
line_key (const char *text,
          gsize       len,
          guint       index,
          gboolean    in_body)
{
  gsize name_end = 0;
  char *name;

  if (index == 0)
    return g_strdup ("\001");
  if (in_body)
    return g_strdup ("\002");
  if (len > 0 && (text[0] == ' ' || text[0] == '\t'))
    return g_strdup ("\003");
  while (name_end < len && text[name_end] != ':' && text[name_end] != ' '
         && text[name_end] != '\t')
    name_end++;
  name = g_ascii_strdown (text, (gssize) name_end);
  if (name_end == 1)
    for (guint i = 0; i < G_N_ELEMENTS (compact_forms); i++)
      if (compact_forms[i].compact == name[0])
        {
          g_free (name);
          return g_strdup (compact_forms[i].name);
        }
  return name;
}

static GArray *
split_lines (const char *text,
             gsize       len)
{
  GArray *lines = g_array_new (FALSE, FALSE, sizeof (Line));
  gboolean in_body = FALSE;
  gsize start = 0;

  while (start < len)
    {
      const char *nl = memchr (text + start, '\n', len - start);
      gsize end = nl != NULL ? (gsize) (nl - text) : len;
      Line line = { text + start, end - start, NULL };

      if (line.len > 0 && line.text[line.len - 1] == '\r')
        line.len--;
      line.key = line_key (line.text, line.len, lines->len, in_body);
      g_array_append_val (lines, line);
      if (line.len == 0 && lines->len > 1)
        in_body = TRUE;
      start = end + 1;
    }
  return lines;
}

static void
lines_free (GArray *lines)
{
  for (guint i = 0; i < lines->len; i++)
    g_free (g_array_index (lines, Line, i).key);
  g_array_unref (lines);
}

static gboolean
line_equal (const Line *a,
            const Line *b)
{
  return a->len == b->len && memcmp (a->text, b->text, a->len) == 0;
}

/* How much two lines of the same header look alike: the common start plus
 * the common end (so "Via: …;rport" and "Via: …;rport=5062;received=…"
 * beat our own Via, which shares only "Via: SIP/2.0/UDP "). */
static guint
similarity (const Line *a,
            const Line *b)
{
  gsize limit = MIN (a->len, b->len), prefix = 0, suffix = 0;

  while (prefix < limit && a->text[prefix] == b->text[prefix])
    prefix++;
  while (suffix < limit - prefix
         && a->text[a->len - 1 - suffix] == b->text[b->len - 1 - suffix])
    suffix++;
  return (guint) (prefix + suffix + 1);
}

static void
emit (GPtrArray          *out,
      UstMessageDiffKind  kind,
      const Line         *received,
      guint               received_index,
      const Line         *sent,
      guint               sent_index)
{
  UstMessageDiffLine *line = g_new0 (UstMessageDiffLine, 1);

  line->kind = kind;
  if (received != NULL)
    {
      line->received = g_strndup (received->text, received->len);
      line->received_line = received_index + 1;
    }
  if (sent != NULL)
    {
      line->sent = g_strndup (sent->text, sent->len);
      line->sent_line = sent_index + 1;
    }
  g_ptr_array_add (out, line);
}

/* A run of lines only in the received message, [r0, r1), against a run only
 * in the sent one, [s0, s1): pairs lines of the same header without crossing
 * (an alignment maximizing the summed similarity) and emits each pair as
 * changed, the rest as removed then added, in order. */
static void
emit_run (GPtrArray *out,
          GArray    *received,
          guint      r0,
          guint      r1,
          GArray    *sent,
          guint      s0,
          guint      s1)
{
  guint n = r1 - r0, m = s1 - s0;
  g_autofree guint *score = NULL;
  g_autofree gint *pair_of = NULL;   /* received index → sent index, -1 */
  guint i, j, ri, si;

#define SCORE(a, b) score[(gsize) (a) * (m + 1) + (b)]
  pair_of = g_new (gint, MAX (n, 1));
  for (i = 0; i < n; i++)
    pair_of[i] = -1;

  if (n > 0 && m > 0 && (gsize) (n + 1) * (m + 1) <= MAX_CELLS)
    {
      score = g_new0 (guint, (gsize) (n + 1) * (m + 1));
      for (i = 1; i <= n; i++)
        for (j = 1; j <= m; j++)
          {
            const Line *a = &g_array_index (received, Line, r0 + i - 1);
            const Line *b = &g_array_index (sent, Line, s0 + j - 1);
            guint best = MAX (SCORE (i - 1, j), SCORE (i, j - 1));

            if (strcmp (a->key, b->key) == 0)
              best = MAX (best, SCORE (i - 1, j - 1) + similarity (a, b));
            SCORE (i, j) = best;
          }
      for (i = n, j = m; i > 0 && j > 0;)
        {
          const Line *a = &g_array_index (received, Line, r0 + i - 1);
          const Line *b = &g_array_index (sent, Line, s0 + j - 1);

          if (strcmp (a->key, b->key) == 0
              && SCORE (i, j) == SCORE (i - 1, j - 1) + similarity (a, b))
            {
              pair_of[i - 1] = (gint) (j - 1);
              i--, j--;
            }
          else if (SCORE (i, j) == SCORE (i - 1, j))
            i--;
          else
            j--;
        }
    }
#undef SCORE

  for (ri = 0, si = 0; ri < n || si < m;)
    {
      if (ri < n && pair_of[ri] < 0)
        {
          emit (out, UST_MESSAGE_DIFF_REMOVED, &g_array_index (received, Line, r0 + ri), r0 + ri,
                NULL, 0);
          ri++;
        }
      else if (si < m && (ri >= n || (guint) pair_of[ri] > si))
        {
          emit (out, UST_MESSAGE_DIFF_ADDED, NULL, 0, &g_array_index (sent, Line, s0 + si),
                s0 + si);
          si++;
        }
      else
        {
          emit (out, UST_MESSAGE_DIFF_CHANGED, &g_array_index (received, Line, r0 + ri), r0 + ri,
                &g_array_index (sent, Line, s0 + si), s0 + si);
          ri++, si++;
        }
    }
}

/* Lines of @received against lines of @sent (either length -1 for a NUL-
 * terminated text), in an order that reads down both sides at once. Returns
 * UstMessageDiffLine*, freed with the array. */
GPtrArray *
ust_message_diff_lines (const char *received,
                        gssize      received_len,
                        const char *sent,
                        gssize      sent_len)
{
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) ust_message_diff_line_free);
  GArray *a, *b;
  guint n, m, prefix = 0, suffix = 0, i, j, ri, si;
  g_autofree guint *lcs = NULL;

  g_return_val_if_fail (received != NULL && sent != NULL, out);

  a = split_lines (received, received_len < 0 ? strlen (received) : (gsize) received_len);
  b = split_lines (sent, sent_len < 0 ? strlen (sent) : (gsize) sent_len);
  n = a->len;
  m = b->len;

  /* Equal lines at both ends need no table. */
  while (prefix < n && prefix < m
         && line_equal (&g_array_index (a, Line, prefix), &g_array_index (b, Line, prefix)))
    prefix++;
  while (suffix < n - prefix && suffix < m - prefix
         && line_equal (&g_array_index (a, Line, n - 1 - suffix),
                        &g_array_index (b, Line, m - 1 - suffix)))
    suffix++;

  for (i = 0; i < prefix; i++)
    emit (out, UST_MESSAGE_DIFF_SAME, &g_array_index (a, Line, i), i,
          &g_array_index (b, Line, i), i);

  {
    guint n_mid = n - prefix - suffix, m_mid = m - prefix - suffix;
    guint run_r = prefix, run_s = prefix;

    /* LCS[i][j]: the longest common subsequence of the middle lines from
     * i and j on, so the walk below goes forwards. */
#define LCS(x, y) lcs[(gsize) (x) * (m_mid + 1) + (y)]
    if (n_mid > 0 && m_mid > 0 && (gsize) (n_mid + 1) * (m_mid + 1) <= MAX_CELLS)
      {
        lcs = g_new0 (guint, (gsize) (n_mid + 1) * (m_mid + 1));
        for (i = n_mid; i-- > 0;)
          for (j = m_mid; j-- > 0;)
            LCS (i, j) = line_equal (&g_array_index (a, Line, prefix + i),
                                     &g_array_index (b, Line, prefix + j))
                           ? LCS (i + 1, j + 1) + 1
                           : MAX (LCS (i + 1, j), LCS (i, j + 1));
      }

    for (i = 0, j = 0; lcs != NULL && i < n_mid && j < m_mid;)
      {
        ri = prefix + i;
        si = prefix + j;
        if (line_equal (&g_array_index (a, Line, ri), &g_array_index (b, Line, si))
            && LCS (i, j) == LCS (i + 1, j + 1) + 1)
          {
            emit_run (out, a, run_r, ri, b, run_s, si);
            emit (out, UST_MESSAGE_DIFF_SAME, &g_array_index (a, Line, ri), ri,
                  &g_array_index (b, Line, si), si);
            i++, j++;
            run_r = ri + 1;
            run_s = si + 1;
          }
        else if (LCS (i + 1, j) >= LCS (i, j + 1))
          i++;
        else
          j++;
      }
#undef LCS
    emit_run (out, a, run_r, n - suffix, b, run_s, m - suffix);
  }

  for (i = 0; i < suffix; i++)
    emit (out, UST_MESSAGE_DIFF_SAME, &g_array_index (a, Line, n - suffix + i), n - suffix + i,
          &g_array_index (b, Line, m - suffix + i), m - suffix + i);

  lines_free (a);
  lines_free (b);
  return out;
}

/* The diff of a pair of entries, the received one on the left whichever
 * order they come in. */
GPtrArray *
ust_message_diff_entries (UstTraceEntry *a,
                          UstTraceEntry *b)
{
  gsize a_len, b_len;
  const char *a_data, *b_data;

  g_return_val_if_fail (a != NULL && b != NULL, NULL);

  if (ust_trace_entry_get_direction (a) == UST_TRACE_SENT
      && ust_trace_entry_get_direction (b) == UST_TRACE_RECEIVED)
    {
      UstTraceEntry *swap = a;

      a = b;
      b = swap;
    }
  a_data = ust_trace_entry_get_data (a, &a_len);
  b_data = ust_trace_entry_get_data (b, &b_len);
  return ust_message_diff_lines (a_data, (gssize) a_len, b_data, (gssize) b_len);
}

/* A unified listing for reports and tests: "  " same, "- " removed, "+ "
 * added, and a changed line as "- old" then "+ new" marked with "~". */
char *
ust_message_diff_to_text (GPtrArray *lines)
{
  GString *text = g_string_new (NULL);

  g_return_val_if_fail (lines != NULL, NULL);

  for (guint i = 0; i < lines->len; i++)
    {
      const UstMessageDiffLine *line = g_ptr_array_index (lines, i);

      switch (line->kind)
        {
        case UST_MESSAGE_DIFF_SAME:
          g_string_append_printf (text, "  %s\n", line->received);
          break;
        case UST_MESSAGE_DIFF_ADDED:
          g_string_append_printf (text, "+ %s\n", line->sent);
          break;
        case UST_MESSAGE_DIFF_REMOVED:
          g_string_append_printf (text, "- %s\n", line->received);
          break;
        case UST_MESSAGE_DIFF_CHANGED:
          g_string_append_printf (text, "~-%s\n~+%s\n", line->received, line->sent);
          break;
        default:
          g_assert_not_reached ();
        }
    }
  return g_string_free (text, FALSE);
}

void
ust_message_diff_line_free (UstMessageDiffLine *line)
{
  if (line == NULL)
    return;
  g_free (line->received);
  g_free (line->sent);
  g_free (line);
}
