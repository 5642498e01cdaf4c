/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Registrations on disk, so that phones need not register again after a
 * restart. An SQLite table updated one binding at a time by a writer
 * thread: a REGISTER costs one queued row, never a rewrite of the whole
 * table, and never a wait for the disk. */

#include <gio/gio.h>

#include "ust-binding.h"

G_BEGIN_DECLS

typedef struct _UstBindingStore UstBindingStore;

/* See ust_binding_store_open(). */
typedef void (*UstBindingStoreNotify) (gboolean    failing,
                                       const char *message,
                                       gpointer    user_data);

UstBindingStore *ust_binding_store_open        (const char       *path,
                                                UstBindingStoreNotify notify,
                                                gpointer          user_data,
                                                GPtrArray       **users,
                                                GPtrArray       **bindings,
                                                GError          **error);
void             ust_binding_store_put          (UstBindingStore  *self,
                                                UstBinding       *binding);
void             ust_binding_store_remove       (UstBindingStore  *self,
                                                const char       *aor,
                                                const char       *contact_uri);
void             ust_binding_store_add_user     (UstBindingStore  *self,
                                                const char       *aor);
gboolean         ust_binding_store_flush        (UstBindingStore  *self,
                                                guint             timeout_ms,
                                                GError          **error);
void             ust_binding_store_close        (UstBindingStore  *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (UstBindingStore, ust_binding_store_close)

G_END_DECLS
