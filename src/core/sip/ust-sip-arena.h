/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Where libosip2 puts a parsed message.
 *
 * libosip2 makes every header, URI and parameter its own allocation: about
 * ninety for a REGISTER, a fifth of the exchange's work per message when
 * each goes through malloc and free. While a message is parsed, its pieces
 * are instead carved out of one block (an arena), and the whole block goes
 * when the message is freed with ust_sip_message_free(). Everything else
 * libosip2 allocates (a response built with its setters, a serialized text)
 * still comes from the heap; a small header in front of every piece says
 * which, so libosip2's own free and realloc do the right thing for both.
 *
 * Built with a sanitizer, libosip2 keeps plain malloc and free, so that
 * AddressSanitizer still sees every piece. */

#include <glib.h>
#include <osipparser2/osip_parser.h>

G_BEGIN_DECLS

void ust_sip_arena_install (void);
void ust_sip_arena_enter   (void);
void ust_sip_arena_leave   (void);
void ust_sip_message_free  (osip_message_t *message);

G_END_DECLS
