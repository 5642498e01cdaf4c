/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Edits on the raw text of a SIP message.
 *
 * libosip2 parses, but its serializer reorders headers, splits comma lists
 * and rewrites header names. A student comparing the two sides of a hop must
 * see only what a proxy has to change (RFC 3261 §16.6), so forwarded messages
 * are the received bytes with a few splices: a Via inserted, a Route value
 * removed, the Request-URI or Max-Forwards replaced. This module finds the
 * byte ranges of header fields that libosip2 has already validated; it is a
 * line scanner, not a parser. */

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  gsize start;        /* first byte of the header name */
  gsize name_end;     /* end of the name, white space before the colon excluded;
                       * start when the line has no colon */
  gsize value_start;  /* first byte of the value, after the colon and white space */
  gsize value_end;    /* end of the value, trailing white space excluded */
  gsize end;          /* first byte after the field's last line ending */
} UstSipField;

typedef struct {
  const char *data;
  gsize       len;
  gsize       first_line_end;  /* end of the start line, its line ending excluded */
  gsize       headers_start;   /* first byte of the first header line */
  gsize       headers_end;     /* first byte of the empty line */
  gsize       body_start;      /* first byte after the empty line */
  const char *eol;             /* the message's own line ending: "\r\n" or "\n" */
} UstSipText;

#define UST_SIP_EDIT_MAX_SPLICES 64
#define UST_SIP_EDIT_ARENA 2048

typedef struct {
  gsize       offset;
  gsize       remove;
  const char *insert;
  gsize       insert_len;
  guint       order;
} UstSipSplice;

typedef struct {
  UstSipSplice splices[UST_SIP_EDIT_MAX_SPLICES];
  guint        n_splices;
  char         arena[UST_SIP_EDIT_ARENA];
  gsize        arena_used;
  gboolean     overflow;
} UstSipEdit;

gboolean ust_sip_text_init             (UstSipText        *text,
                                        const char        *data,
                                        gsize              len);
gboolean ust_sip_text_next_field       (const UstSipText  *text,
                                        gsize             *position,
                                        UstSipField       *field);
gboolean ust_sip_text_field_is         (const UstSipText  *text,
                                        const UstSipField *field,
                                        const char        *name,
                                        char               compact);
gboolean ust_sip_text_find             (const UstSipText  *text,
                                        const char        *name,
                                        char               compact,
                                        UstSipField       *field);
gsize    ust_sip_text_first_value_end  (const UstSipText  *text,
                                        const UstSipField *field);
gboolean ust_sip_text_next_value_start (const UstSipText  *text,
                                        const UstSipField *field,
                                        gsize              value_end,
                                        gsize             *next_start);
gboolean ust_sip_text_request_uri      (const UstSipText  *text,
                                        gsize             *start,
                                        gsize             *end);
gboolean ust_sip_text_reason_phrase    (const UstSipText  *text,
                                        gsize             *start,
                                        gsize             *end);
gboolean ust_sip_text_find_param       (const UstSipText  *text,
                                        gsize              value_start,
                                        gsize              value_end,
                                        const char        *name,
                                        gsize             *param_end,
                                        gsize             *param_value_start);

gsize    ust_text_put_decimal          (char              *out,
                                        guint              value);

void     ust_sip_edit_init             (UstSipEdit        *edit);
void     ust_sip_edit_splice           (UstSipEdit        *edit,
                                        gsize              offset,
                                        gsize              remove,
                                        const char        *insert,
                                        gssize             insert_len);
void     ust_sip_edit_splicef          (UstSipEdit        *edit,
                                        gsize              offset,
                                        gsize              remove,
                                        const char        *format,
                                        ...) G_GNUC_PRINTF (4, 5);
gsize    ust_sip_edit_apply            (UstSipEdit        *edit,
                                        const UstSipText  *text,
                                        gsize              message_end,
                                        char              *out,
                                        gsize              out_size);

G_END_DECLS
