/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ust-registrar"

#include "config.h"

#include <errno.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "ust-address-text.h"
#include "ust-binding-store.h"
#include "ust-registrar.h"
#include "ust-sip.h"

typedef struct {
  char      *aor;
  GPtrArray *bindings;  /* UstBinding*, owned */
} Record;

struct _UstRegistrar {
  GObject       parent_instance;

  char         *store_path;
  GHashTable   *records;       /* aor → Record* */
  GHashTable   *by_contact;    /* "host:port" → GPtrArray of UstBinding* (borrowed from
                                * the records), oldest first: two lines of one phone
                                * share a Contact */
  GSequence    *expiries;      /* UstBinding*, by expires_at */
  GSource      *expiry_source;
  gint64        expiry_scheduled;
  guint         min_expires;

  UstBindingStore *store;        /* NULL until loaded, or without a path */
  GMainContext    *context;      /* where the store's news are told */
};

enum {
  PROP_0,
  PROP_MIN_EXPIRES,
  N_PROPS,
};

enum {
  CHANGED,
  STORAGE,
  N_SIGNALS,
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (UstRegistrar, ust_registrar, G_TYPE_OBJECT)

static void schedule_expiry (UstRegistrar *self);
static void store_user (UstRegistrar *self, const char *aor);
static void store_put (UstRegistrar *self, UstBinding *binding);
static void store_remove (UstRegistrar *self, UstBinding *binding);

static void
record_free (Record *record)
{
  g_free (record->aor);
  g_ptr_array_unref (record->bindings);
  g_free (record);
}

static Record *
ensure_record (UstRegistrar *self,
               const char   *aor)
{
  Record *record = g_hash_table_lookup (self->records, aor);

  if (record == NULL)
    {
      record = g_new0 (Record, 1);
      record->aor = g_strdup (aor);
      record->bindings = g_ptr_array_new_with_free_func ((GDestroyNotify) ust_binding_unref);
      g_hash_table_insert (self->records, record->aor, record);
      store_user (self, aor);
    }
  return record;
}

/* "host:port", the host in lower case (host names are case-insensitive,
 * RFC 3261 §19.1.4). Built by hand: it is made for every Contact of every
 * REGISTER. */
char *
ust_contact_key (const char *host,
                 guint       port)
{
  gsize len = host != NULL ? strlen (host) : 0;
  char *key = g_malloc (len + 12);

  for (gsize i = 0; i < len; i++)
    key[i] = g_ascii_tolower (host[i]);
  key[len] = ':';
  key[len + 1 + ust_text_put_decimal (key + len + 1, port)] = '\0';
  return key;
}

static int
compare_expiry (gconstpointer a,
                gconstpointer b,
                gpointer      user_data)
{
  const UstBinding *ba = a, *bb = b;

  if (ba->expires_at != bb->expires_at)
    return ba->expires_at < bb->expires_at ? -1 : 1;
  return ba < bb ? -1 : ba > bb ? 1 : 0;
}

static void
index_binding (UstRegistrar *self,
               UstBinding   *binding)
{
  GPtrArray *sharing;

  binding->expiry_iter = g_sequence_insert_sorted (self->expiries, binding, compare_expiry, NULL);
  sharing = g_hash_table_lookup (self->by_contact, binding->contact_key);
  if (sharing == NULL)
    {
      sharing = g_ptr_array_new ();
      g_hash_table_insert (self->by_contact, g_strdup (binding->contact_key), sharing);
    }
  g_ptr_array_add (sharing, binding);
}

static void
unindex_binding (UstRegistrar *self,
                 UstBinding   *binding)
{
  if (binding->expiry_iter != NULL)
    {
      g_sequence_remove (binding->expiry_iter);
      binding->expiry_iter = NULL;
    }
  GPtrArray *sharing = g_hash_table_lookup (self->by_contact, binding->contact_key);

  if (sharing != NULL && g_ptr_array_remove (sharing, binding) && sharing->len == 0)
    g_hash_table_remove (self->by_contact, binding->contact_key);
}

static void
remove_binding_at (UstRegistrar *self,
                   Record       *record,
                   guint         index)
{
  UstBinding *binding = g_ptr_array_index (record->bindings, index);

  unindex_binding (self, binding);
  store_remove (self, binding);
  g_ptr_array_remove_index (record->bindings, index);
}

static gboolean
expiry_cb (gpointer user_data)
{
  UstRegistrar *self = user_data;
  gint64 now = g_get_real_time ();
  g_autoptr(GPtrArray) changed = g_ptr_array_new_with_free_func (g_free);

  g_clear_pointer (&self->expiry_source, g_source_unref);
  self->expiry_scheduled = 0;

  /* RFC 3261 §10.3: a binding is removed when its expiration passes. */
  for (;;)
    {
      GSequenceIter *first = g_sequence_get_begin_iter (self->expiries);
      UstBinding *binding;
      Record *record;
      guint index;

      if (g_sequence_iter_is_end (first))
        break;
      binding = g_sequence_get (first);
      if (binding->expires_at > now)
        break;

      record = g_hash_table_lookup (self->records, binding->aor);
      g_debug ("Binding of %s to %s expired", binding->aor, binding->contact_uri);
      g_ptr_array_add (changed, g_strdup (binding->aor));
      if (record != NULL && g_ptr_array_find (record->bindings, binding, &index))
        remove_binding_at (self, record, index);
      else
        {
          g_sequence_remove (first);
          binding->expiry_iter = NULL;
        }
    }

  for (guint i = 0; i < changed->len; i++)
    g_signal_emit (self, signals[CHANGED], 0, g_ptr_array_index (changed, i));
  schedule_expiry (self);
  return G_SOURCE_REMOVE;
}

/* One timer, at the earliest expiry; rescheduled only when that changes. */
static void
schedule_expiry (UstRegistrar *self)
{
  GSequenceIter *first = g_sequence_get_begin_iter (self->expiries);
  UstBinding *binding;
  gint64 delay_ms;

  if (g_sequence_iter_is_end (first))
    {
      if (self->expiry_source != NULL)
        {
          g_source_destroy (self->expiry_source);
          g_clear_pointer (&self->expiry_source, g_source_unref);
        }
      return;
    }

  binding = g_sequence_get (first);
  if (self->expiry_source != NULL && self->expiry_scheduled == binding->expires_at)
    return;
  if (self->expiry_source != NULL)
    {
      g_source_destroy (self->expiry_source);
      g_clear_pointer (&self->expiry_source, g_source_unref);
    }

  delay_ms = (binding->expires_at - g_get_real_time ()) / 1000 + 1;
  self->expiry_source = g_timeout_source_new ((guint) CLAMP (delay_ms, 0, G_MAXINT));
  g_source_set_callback (self->expiry_source, expiry_cb, self, NULL);
  g_source_set_static_name (self->expiry_source, "UstRegistrar expiry");
  g_source_attach (self->expiry_source, g_main_context_get_thread_default ());
  self->expiry_scheduled = binding->expires_at;
}

/* Persistence ---------------------------------------------------------- */

/* What the store's writer thread says about the file, carried to the registrar's own
 * thread (which may be gone by then). */
typedef struct {
  GWeakRef  registrar;
  gboolean  failing;
  char     *message;
} StorageNote;

static void
storage_note_free (StorageNote *note)
{
  g_weak_ref_clear (&note->registrar);
  g_free (note->message);
  g_free (note);
}

static gboolean
storage_note_cb (gpointer user_data)
{
  StorageNote *note = user_data;
  g_autoptr (UstRegistrar) self = g_weak_ref_get (&note->registrar);

  if (self != NULL)
    g_signal_emit (self, signals[STORAGE], 0, note->failing, note->message);
  return G_SOURCE_REMOVE;
}

static void
store_notify_cb (gboolean    failing,
                 const char *message,
                 gpointer    user_data)
{
  UstRegistrar *self = user_data;
  StorageNote *note = g_new0 (StorageNote, 1);
  GSource *source;

  g_weak_ref_init (&note->registrar, self);
  note->failing = failing;
  note->message = g_strdup (message);
  source = g_idle_source_new ();
  /* Not g_main_context_invoke(): on a thread whose default is that context too (the
   * writer's, in ustredna-server) it would call back at once, on the writer thread. */
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, storage_note_cb, note, (GDestroyNotify) storage_note_free);
  g_source_set_static_name (source, "UstRegistrar storage");
  g_source_attach (source, self->context);
  g_source_unref (source);
}

/* Restores the bindings of the previous run with the time they have left,
 * so phones need not register again. A missing store is a first run. */
gboolean
ust_registrar_load (UstRegistrar  *self,
                    GError       **error)
{
  g_autoptr(GPtrArray) users = NULL;
  g_autoptr(GPtrArray) bindings = NULL;

  g_return_val_if_fail (UST_IS_REGISTRAR (self), FALSE);

  if (self->store_path == NULL || self->store != NULL)
    return TRUE;
  g_clear_pointer (&self->context, g_main_context_unref);
  self->context = g_main_context_ref_thread_default ();
  self->store = ust_binding_store_open (self->store_path, store_notify_cb, self, &users,
                                        &bindings, error);
  if (self->store == NULL)
    return FALSE;

  for (guint i = 0; i < users->len; i++)
    ensure_record (self, g_ptr_array_index (users, i));
  for (guint i = 0; i < bindings->len; i++)
    {
      UstBinding *binding = g_ptr_array_index (bindings, i);

      g_ptr_array_add (ensure_record (self, binding->aor)->bindings, ust_binding_ref (binding));
      index_binding (self, binding);
    }
  schedule_expiry (self);
  return TRUE;
}

/* Waits until every change is on disk: for a clean stop. */
gboolean
ust_registrar_flush (UstRegistrar  *self,
                     GError       **error)
{
  g_return_val_if_fail (UST_IS_REGISTRAR (self), FALSE);

  if (self->store == NULL)
    return TRUE;
  return ust_binding_store_flush (self->store, 5000, error);
}

static void
store_user (UstRegistrar *self,
            const char   *aor)
{
  if (self->store != NULL)
    ust_binding_store_add_user (self->store, aor);
}

static void
store_put (UstRegistrar *self,
           UstBinding   *binding)
{
  if (self->store != NULL)
    ust_binding_store_put (self->store, binding);
}

static void
store_remove (UstRegistrar *self,
              UstBinding   *binding)
{
  if (self->store != NULL)
    ust_binding_store_remove (self->store, binding->aor, binding->contact_uri);
}

/* REGISTER ------------------------------------------------------------- */

typedef struct {
  char   *uri;
  char   *key;
  guint   expires;
  double  q;
  char   *instance;
  guint   reg_id;
} ContactRequest;

static void
contact_request_clear (ContactRequest *contact)
{
  g_free (contact->uri);
  g_free (contact->key);
  g_free (contact->instance);
}

/* +sip.instance="<urn:uuid:…>" without its quotes (RFC 5626 §4.1). */
static char *
instance_of (osip_contact_t *contact)
{
  osip_generic_param_t *param = NULL;
  const char *value;
  gsize len;

  if (osip_contact_param_get_byname (contact, "+sip.instance", &param) < 0 || param == NULL
      || param->gvalue == NULL)
    return NULL;
  value = param->gvalue;
  len = strlen (value);
  if (len >= 2 && value[0] == '"' && value[len - 1] == '"')
    return g_strndup (value + 1, len - 2);
  return g_strdup (value);
}

static gboolean
parse_expires (const char *text,
               guint      *expires)
{
  guint64 value;

  if (!ust_sip_parse_uint (text, G_MAXUINT32, &value))
    return FALSE;
  *expires = (guint) MIN (value, UST_MAX_EXPIRES);
  return TRUE;
}

/* RFC 3261 §8.1.1.4: the Call-ID is compared whole; libosip2 splits it at
 * the '@' into number and host. */
static char *
call_id_to_string (osip_call_id_t *call_id)
{
  if (call_id->host != NULL)
    return g_strconcat (call_id->number != NULL ? call_id->number : "", "@", call_id->host, NULL);
  return g_strdup (call_id->number);
}

static int
find_binding (Record     *record,
              const char *uri)
{
  for (guint i = 0; i < record->bindings->len; i++)
    {
      UstBinding *binding = g_ptr_array_index (record->bindings, i);

      if (g_ascii_strcasecmp (binding->contact_uri, uri) == 0)
        return (int) i;
    }
  return -1;
}

/* RFC 3261 §10.3 step 7: the same Call-ID with a CSeq that is not higher is
 * an old or reordered request, and must not change the binding. */
static gboolean
is_out_of_order (UstBinding *binding,
                 const char *call_id,
                 guint32     cseq)
{
  return binding != NULL && g_strcmp0 (binding->call_id, call_id) == 0 && cseq <= binding->cseq;
}

/* "<uri>;expires=N" (§10.3 step 8), without printf: one per REGISTER. */
static char *
contact_with_expiry (const UstBinding *binding,
                     gint64            now)
{
  gint64 left = MIN (ust_binding_get_seconds_left (binding, now), G_MAXUINT);
  gsize len = strlen (binding->contact_uri);
  char *text = g_malloc (len + sizeof "<>;expires=" + 10);
  char *at = text;

  *at++ = '<';
  memcpy (at, binding->contact_uri, len);
  at += len;
  memcpy (at, ">;expires=", 10);
  at += 10;
  at[ust_text_put_decimal (at, (guint) left)] = '\0';
  return text;
}

static void
fill_contacts (UstRegistrar      *self,
               Record            *record,
               UstRegisterResult *result)
{
  gint64 now = g_get_real_time ();

  result->contacts = g_ptr_array_new_with_free_func (g_free);
  if (record == NULL)
    return;
  for (guint i = 0; i < record->bindings->len; i++)
    {
      UstBinding *binding = g_ptr_array_index (record->bindings, i);

      if (binding->expires_at > now)
        g_ptr_array_add (result->contacts, contact_with_expiry (binding, now));
    }
}

static gboolean
fail (UstRegisterResult *result,
      guint              code,
      const char        *phrase)
{
  result->code = code;
  result->phrase = phrase;
  return FALSE;
}

/* Steps 6 and 7: every Contact is checked before any binding changes, so a
 * REGISTER is applied all or nothing. */
static gboolean
collect_contacts (UstRegistrar      *self,
                  osip_message_t    *request,
                  GArray            *contacts,
                  gboolean          *star,
                  UstRegisterResult *result)
{
  const char *expires_header = ust_sip_header_value (request, "expires");
  guint default_expires = UST_DEFAULT_EXPIRES;
  guint n_contacts = (guint) osip_list_size (&request->contacts);

  if (expires_header != NULL && !parse_expires (expires_header, &default_expires))
    return fail (result, 400, "Bad Expires header");

  for (guint i = 0; i < n_contacts; i++)
    {
      osip_contact_t *contact = osip_list_get (&request->contacts, (int) i);
      osip_generic_param_t *param = NULL;
      ContactRequest entry = { 0 };

      /* libosip2 gives "Contact: *" as a display name "*" without a URI. */
      if (contact->url == NULL && g_strcmp0 (contact->displayname, "*") == 0)
        {
          if (n_contacts != 1 || expires_header == NULL || default_expires != 0)
            return fail (result, 400, "Contact * needs Expires: 0 and no other Contact");
          *star = TRUE;
          return TRUE;
        }
      if (contact->url == NULL || contact->url->host == NULL)
        return fail (result, 400, "Bad Contact URI");

      entry.expires = default_expires;
      if (osip_contact_param_get_byname (contact, "expires", &param) >= 0 && param != NULL
          && !parse_expires (param->gvalue, &entry.expires))
        return fail (result, 400, "Bad expires parameter in Contact");

      /* RFC 3261 §10.3 step 7: 0 < expiry < minimum → 423 with Min-Expires. */
      if (entry.expires > 0 && entry.expires < self->min_expires)
        {
          result->min_expires = self->min_expires;
          return fail (result, 423, NULL);
        }

      entry.q = 1.0;
      if (osip_contact_param_get_byname (contact, "q", &param) >= 0 && param != NULL
          && param->gvalue != NULL)
        entry.q = g_ascii_strtod (param->gvalue, NULL);
      entry.uri = ust_sip_uri_to_string (contact->url);
      entry.key = ust_contact_key (contact->url->host, ust_sip_uri_port (contact->url));
      entry.instance = instance_of (contact);
      if (osip_contact_param_get_byname (contact, "reg-id", &param) >= 0 && param != NULL)
        {
          guint64 reg_id;

          if (!ust_sip_parse_uint (param->gvalue, G_MAXUINT32, &reg_id) || reg_id == 0)
            {
              contact_request_clear (&entry);
              return fail (result, 400, "Bad reg-id parameter in Contact");
            }
          entry.reg_id = (guint) reg_id;
          result->outbound = TRUE;
        }
      g_array_append_val (contacts, entry);
    }
  return TRUE;
}

#define EARLIER_MAX 4

/* RFC 5626 §6 and RFC 5627 §3: a Contact with +sip.instance (and reg-id)
 * is the same phone as a binding with the same ones, whatever its URI.
 * Without an instance, one socket is one phone: a REGISTER from the flow
 * (transport, address and port) of a binding of the same AOR replaces it
 * (Linphone re-registering with another adapter's address, or with a new
 * port after a restart, leaves no stale binding to fork calls to). */
static gboolean
same_phone (UstBinding           *binding,
            const ContactRequest *entry,
            const char           *source_text,
            UstProtocol           protocol)
{
  if (entry->instance != NULL)
    return binding->instance != NULL && g_str_equal (binding->instance, entry->instance)
           && binding->reg_id == entry->reg_id;
  return binding->protocol == protocol && g_strcmp0 (binding->source_text, source_text) == 0;
}

/* Whether the ", "-separated @list has @entry as one of its entries (a
 * substring is not enough: 10.0.0.1:5060 is not 110.0.0.1:5060). */
static gboolean
list_has (const char *list,
          const char *entry)
{
  gsize len = strlen (entry);

  for (const char *at = list; at != NULL && *at != '\0';)
    {
      const char *end = strstr (at, ", ");
      gsize part = end != NULL ? (gsize) (end - at) : strlen (at);

      if (part == len && memcmp (at, entry, len) == 0)
        return TRUE;
      at = end != NULL ? end + 2 : NULL;
    }
  return FALSE;
}

static void
list_add (GString    *list,
          const char *entry)
{
  if (list->len > 0)
    g_string_append (list, ", ");
  g_string_append (list, entry);
}

/* "where it was before", newest first, for the window's details. */
static void
remember_earlier (GString    *earlier,
                  UstBinding *old,
                  const char *new_source)
{
  g_auto(GStrv) parts = NULL;
  g_autofree char *here = g_strdup_printf ("%s (%s)", old->source_text,
                                           ust_protocol_to_via (old->protocol));
  guint n = 0;

  if (g_strcmp0 (old->source_text, new_source) != 0 && !list_has (earlier->str, here))
    {
      list_add (earlier, here);
      n++;
    }
  if (old->earlier == NULL)
    return;
  parts = g_strsplit (old->earlier, ", ", -1);
  for (guint i = 0; parts[i] != NULL && n < EARLIER_MAX; i++)
    if (!list_has (earlier->str, parts[i]))
      {
        list_add (earlier, parts[i]);
        n++;
      }
}

static void
apply_contact (UstRegistrar   *self,
               Record         *record,
               ContactRequest *entry,
               osip_message_t *request,
               GSocketAddress *source,
               const char     *source_text,
               UstProtocol     protocol,
               guint64         connection,
               const char     *call_id,
               guint32         cseq,
               GPtrArray      *fresh)
{
  g_autoptr(GString) earlier = NULL;
  gint64 now = g_get_real_time ();
  UstBinding *binding;

  /* The same Contact URI is the same binding (§10.3 step 7); a new binding
   * of the same phone (above) replaces the phone's old one, while removing
   * one Contact (expires 0) removes that one only. Bindings this REGISTER
   * made stay: a phone may register several Contacts at once. */
  for (guint i = record->bindings->len; i > 0; i--)
    {
      UstBinding *old = g_ptr_array_index (record->bindings, i - 1);

      if (g_ptr_array_find (fresh, old, NULL))
        continue;
      if (g_ascii_strcasecmp (old->contact_uri, entry->uri) != 0
          && (entry->expires == 0 || !same_phone (old, entry, source_text, protocol)))
        continue;
      if (earlier == NULL)
        earlier = g_string_new (NULL);
      remember_earlier (earlier, old, source_text);
      remove_binding_at (self, record, i - 1);
    }
  if (entry->expires == 0)
    return;

  binding = ust_binding_new (record->aor, entry->uri, entry->key, source, source_text);
  /* The phone is reached the way its REGISTER came (RFC 5626 §5.3: over
   * TCP or TLS, on that very connection while it is open). */
  binding->protocol = protocol;
  binding->connection = connection;
  binding->call_id = g_strdup (call_id);
  binding->cseq = cseq;
  binding->q = entry->q;
  binding->registered_at = now;
  binding->expires_at = now + (gint64) entry->expires * G_USEC_PER_SEC;
  binding->user_agent = g_strdup (ust_sip_header_value (request, "user-agent"));
  binding->instance = g_strdup (entry->instance);
  binding->reg_id = entry->reg_id;
  binding->earlier = earlier != NULL && earlier->len > 0 ? g_strdup (earlier->str) : NULL;
  g_ptr_array_add (record->bindings, binding);
  g_ptr_array_add (fresh, binding);
  index_binding (self, binding);
  store_put (self, binding);
}

void
ust_registrar_handle_register (UstRegistrar      *self,
                               osip_message_t    *request,
                               GSocketAddress    *source,
                               UstProtocol        protocol,
                               guint64            connection,
                               UstRegisterResult *result)
{
  g_autoptr(GArray) contacts = g_array_new (FALSE, TRUE, sizeof (ContactRequest));
  g_autofree char *call_id = NULL;
  g_autofree char *source_text = NULL;
  const char *aor;
  gboolean star = FALSE;
  guint64 cseq = 0;
  Record *record;

  g_return_if_fail (UST_IS_REGISTRAR (self));
  g_return_if_fail (request != NULL && request->to != NULL && request->call_id != NULL);

  memset (result, 0, sizeof *result);
  g_array_set_clear_func (contacts, (GDestroyNotify) contact_request_clear);
  ust_sip_parse_uint (request->cseq->number, G_MAXUINT32, &cseq);
  call_id = call_id_to_string (request->call_id);

  /* Step 5: the address-of-record comes from To. */
  aor = request->to->url != NULL ? request->to->url->username : NULL;
  if (aor == NULL || *aor == '\0')
    {
      fail (result, 404, "No user name in To");
      return;
    }

  if (!collect_contacts (self, request, contacts, &star, result))
    return;

  record = g_hash_table_lookup (self->records, aor);

  /* Step 7, all or nothing: refuse the whole request if one Contact is stale. */
  for (guint i = 0; record != NULL && i < contacts->len; i++)
    {
      ContactRequest *entry = &g_array_index (contacts, ContactRequest, i);
      int index = find_binding (record, entry->uri);

      if (index >= 0 && is_out_of_order (g_ptr_array_index (record->bindings, index),
                                         call_id, (guint32) cseq))
        {
          fail (result, 500, "Out-of-order REGISTER");
          return;
        }
    }

  /* Step 6: "Contact: *" with a binding's own Call-ID must also be newer
   * than that binding, or nothing is removed. */
  for (guint i = 0; star && record != NULL && i < record->bindings->len; i++)
    if (is_out_of_order (g_ptr_array_index (record->bindings, i), call_id, (guint32) cseq))
      {
        fail (result, 500, "Out-of-order REGISTER");
        return;
      }

  if (star)
    {
      /* Step 6: "Contact: *" removes every binding of the AOR. */
      for (guint i = record != NULL ? record->bindings->len : 0; i > 0; i--)
        remove_binding_at (self, record, i - 1);
    }
  else if (contacts->len > 0)
    {
      g_autoptr(GPtrArray) fresh = g_ptr_array_new ();

      record = ensure_record (self, aor);
      source_text = ust_address_text_format (source);
      for (guint i = 0; i < contacts->len; i++)
        apply_contact (self, record, &g_array_index (contacts, ContactRequest, i), request,
                       source, source_text, protocol, connection, call_id, (guint32) cseq,
                       fresh);
    }
  else if (record == NULL)
    {
      /* A query (no Contact) from an unknown user still makes it known. */
      record = ensure_record (self, aor);
    }

  /* Step 8: the 200 lists every current binding. */
  result->code = 200;
  fill_contacts (self, record, result);

  if (star || contacts->len > 0)
    {
      schedule_expiry (self);
      g_signal_emit (self, signals[CHANGED], 0, aor);
    }
}

void
ust_register_result_clear (UstRegisterResult *result)
{
  g_clear_pointer (&result->contacts, g_ptr_array_unref);
}

/* Lookups -------------------------------------------------------------- */

gboolean
ust_registrar_is_known (UstRegistrar *self,
                        const char   *aor)
{
  g_return_val_if_fail (UST_IS_REGISTRAR (self), FALSE);

  return aor != NULL && g_hash_table_contains (self->records, aor);
}

static int
compare_by_preference (gconstpointer a,
                       gconstpointer b)
{
  const UstBinding *ba = *(UstBinding **) a, *bb = *(UstBinding **) b;

  /* RFC 3261 §16.6: higher q first; among equals, the newest registration. */
  if (ba->q != bb->q)
    return ba->q > bb->q ? -1 : 1;
  if (ba->registered_at != bb->registered_at)
    return ba->registered_at > bb->registered_at ? -1 : 1;
  return 0;
}

/* The live bindings of @aor, most preferred first; NULL when there are none.
 * Free with g_ptr_array_unref(). */
GPtrArray *
ust_registrar_lookup (UstRegistrar *self,
                      const char   *aor)
{
  Record *record;
  GPtrArray *live = NULL;
  gint64 now = g_get_real_time ();

  g_return_val_if_fail (UST_IS_REGISTRAR (self), NULL);

  record = aor != NULL ? g_hash_table_lookup (self->records, aor) : NULL;
  if (record == NULL)
    return NULL;
  for (guint i = 0; i < record->bindings->len; i++)
    {
      UstBinding *binding = g_ptr_array_index (record->bindings, i);

      if (binding->expires_at <= now)
        continue;
      if (live == NULL)
        live = g_ptr_array_new_with_free_func ((GDestroyNotify) ust_binding_unref);
      g_ptr_array_add (live, ust_binding_ref (binding));
    }
  if (live != NULL && live->len > 1)
    g_ptr_array_sort (live, compare_by_preference);
  return live;
}

/* Finds the phone behind a Contact address, to reach it where its REGISTER
 * came from (NAT, VPN, several adapters). Returns a borrowed binding. */
/* Whether a live binding was registered over TCP or TLS connection
 * @connection: an idle connection that carries a registration stays open,
 * since the phone (behind NAT) can be reached by no other way. */
gboolean
ust_registrar_uses_connection (UstRegistrar *self,
                               guint64       connection)
{
  gint64 now = g_get_real_time ();
  GHashTableIter iter;
  gpointer value;

  g_return_val_if_fail (UST_IS_REGISTRAR (self), FALSE);

  if (connection == 0)
    return FALSE;
  g_hash_table_iter_init (&iter, self->records);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Record *record = value;

      for (guint i = 0; i < record->bindings->len; i++)
        {
          UstBinding *binding = g_ptr_array_index (record->bindings, i);

          if (binding->connection == connection && binding->expires_at > now)
            return TRUE;
        }
    }
  return FALSE;
}

UstBinding *
ust_registrar_find_by_contact (UstRegistrar *self,
                               const char   *host,
                               guint         port)
{
  gint64 now = g_get_real_time ();
  GPtrArray *sharing;
  UstBinding *binding;
  char key[320];

  g_return_val_if_fail (UST_IS_REGISTRAR (self), NULL);

  if (host == NULL || strlen (host) > 256)
    return NULL;
  g_snprintf (key, sizeof key, "%s:%u", host, port);
  for (char *p = key; *p != '\0'; p++)
    *p = g_ascii_tolower (*p);

  /* The line registered last, of those still live. */
  sharing = g_hash_table_lookup (self->by_contact, key);
  for (guint i = sharing != NULL ? sharing->len : 0; i-- > 0;)
    {
      binding = g_ptr_array_index (sharing, i);
      if (binding->expires_at > now)
        return binding;
    }
  return NULL;
}

/* Every live binding, for the window and the log. */
GPtrArray *
ust_registrar_list_bindings (UstRegistrar *self)
{
  GPtrArray *all = g_ptr_array_new_with_free_func ((GDestroyNotify) ust_binding_unref);
  GSequenceIter *iter;

  g_return_val_if_fail (UST_IS_REGISTRAR (self), all);

  for (iter = g_sequence_get_begin_iter (self->expiries); !g_sequence_iter_is_end (iter);
       iter = g_sequence_iter_next (iter))
    g_ptr_array_add (all, ust_binding_ref (g_sequence_get (iter)));
  return all;
}

guint
ust_registrar_get_min_expires (UstRegistrar *self)
{
  g_return_val_if_fail (UST_IS_REGISTRAR (self), 0);

  return self->min_expires;
}

void
ust_registrar_set_min_expires (UstRegistrar *self,
                               guint         seconds)
{
  g_return_if_fail (UST_IS_REGISTRAR (self));

  if (self->min_expires == seconds)
    return;
  self->min_expires = seconds;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MIN_EXPIRES]);
}

/* GObject -------------------------------------------------------------- */

static void
ust_registrar_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  UstRegistrar *self = UST_REGISTRAR (object);

  switch (prop_id)
    {
    case PROP_MIN_EXPIRES:
      g_value_set_uint (value, self->min_expires);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ust_registrar_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  UstRegistrar *self = UST_REGISTRAR (object);

  switch (prop_id)
    {
    case PROP_MIN_EXPIRES:
      ust_registrar_set_min_expires (self, g_value_get_uint (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ust_registrar_dispose (GObject *object)
{
  UstRegistrar *self = UST_REGISTRAR (object);

  if (self->expiry_source != NULL)
    {
      g_source_destroy (self->expiry_source);
      g_clear_pointer (&self->expiry_source, g_source_unref);
    }
  g_clear_pointer (&self->store, ust_binding_store_close);

  G_OBJECT_CLASS (ust_registrar_parent_class)->dispose (object);
}

static void
ust_registrar_finalize (GObject *object)
{
  UstRegistrar *self = UST_REGISTRAR (object);

  /* The sequence and the index borrow bindings owned by the records. */
  g_sequence_free (self->expiries);
  g_hash_table_unref (self->by_contact);
  g_hash_table_unref (self->records);
  g_free (self->store_path);
  g_clear_pointer (&self->context, g_main_context_unref);

  G_OBJECT_CLASS (ust_registrar_parent_class)->finalize (object);
}

static void
ust_registrar_class_init (UstRegistrarClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = ust_registrar_get_property;
  object_class->set_property = ust_registrar_set_property;
  object_class->dispose = ust_registrar_dispose;
  object_class->finalize = ust_registrar_finalize;

  properties[PROP_MIN_EXPIRES] =
    g_param_spec_uint ("min-expires", NULL, NULL, 0, UST_MAX_EXPIRES, UST_DEFAULT_MIN_EXPIRES,
                       G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* Emitted with the user name whenever its bindings change. */
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                   NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  /* registrations.db started to refuse (TRUE, once) or takes changes again (FALSE), with a
   * message naming it; the registrations go on in memory meanwhile. */
  signals[STORAGE] = g_signal_new ("storage", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                   NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_BOOLEAN,
                                   G_TYPE_STRING);
}

static void
ust_registrar_init (UstRegistrar *self)
{
  self->records = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                         (GDestroyNotify) record_free);
  self->by_contact = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                            (GDestroyNotify) g_ptr_array_unref);
  self->expiries = g_sequence_new (NULL);
  self->min_expires = UST_DEFAULT_MIN_EXPIRES;
}

/* @store_path: where bindings are kept across restarts, or NULL for none. */
UstRegistrar *
ust_registrar_new (const char *store_path)
{
  UstRegistrar *self = g_object_new (UST_TYPE_REGISTRAR, NULL);

  self->store_path = g_strdup (store_path);
  return self;
}
