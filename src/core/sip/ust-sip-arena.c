/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ust-sip"

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "ust-sip-arena.h"

/* AddressSanitizer must see each piece on its own to catch a use after
 * free or an overflow inside a message; an arena would hide both. */
#if defined(__SANITIZE_ADDRESS__)
#define ARENA_POSSIBLE 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer)
#define ARENA_POSSIBLE 0
#endif
#endif
#ifndef ARENA_POSSIBLE
#define ARENA_POSSIBLE 1
#endif

/* A REGISTER's pieces take about 3 KB, a large video INVITE's about 12 KB. */
#define CHUNK_SIZE (16 * 1024)

typedef struct _Chunk Chunk;

/* A block of pieces; the first chunk of an arena stands for the arena. The
 * padding keeps the pieces 16-byte aligned, as malloc's are. */
struct _Chunk {
  Chunk *next;
  gsize  used;
  gsize  size;
  gsize  padding;
};

/* In front of every piece libosip2 gets: its size (for realloc) and its
 * arena, or NULL when it came from the heap. */
typedef struct {
  gsize  size;
  Chunk *arena;
} Piece;

G_STATIC_ASSERT (sizeof (Chunk) % 16 == 0);
G_STATIC_ASSERT (sizeof (Piece) % 8 == 0);

typedef struct {
  Chunk *first;  /* the arena being filled, NULL outside ust_sip_arena_enter() */
  Chunk *tail;   /* its chunk with room */
  Chunk *spare;  /* a released first chunk, kept for the next message */
} ArenaState;

static gboolean installed;

/* Each thread fills its own arena; the exchange parses on the proxy
 * thread, the window on its own. */
static _Thread_local ArenaState *thread_state;

static void
chunks_free (Chunk *chunk)
{
  while (chunk != NULL)
    {
      Chunk *next = chunk->next;

      free (chunk);
      chunk = next;
    }
}

static void
arena_state_free (gpointer data)
{
  ArenaState *state = data;

  chunks_free (state->spare);
  g_free (state);
}

static GPrivate state_key = G_PRIVATE_INIT (arena_state_free);

static ArenaState *
get_state (void)
{
  if (G_UNLIKELY (thread_state == NULL))
    {
      thread_state = g_new0 (ArenaState, 1);
      g_private_set (&state_key, thread_state);
    }
  return thread_state;
}

static Chunk *
chunk_new (gsize size)
{
  Chunk *chunk = malloc (sizeof (Chunk) + size);

  if (chunk == NULL)
    return NULL;
  chunk->next = NULL;
  chunk->used = 0;
  chunk->size = size;
  return chunk;
}

static gpointer
arena_alloc (ArenaState *state,
             gsize       size)
{
  gsize need = sizeof (Piece) + ((size + 15) & ~(gsize) 15);
  Chunk *tail = state->tail;
  Piece *piece;

  if (tail->used + need > tail->size)
    {
      Chunk *chunk = chunk_new (MAX (CHUNK_SIZE, need));

      if (chunk == NULL)
        return NULL;
      tail->next = chunk;
      state->tail = tail = chunk;
    }
  piece = (Piece *) ((char *) (tail + 1) + tail->used);
  tail->used += need;
  piece->size = size;
  piece->arena = state->first;
  return piece + 1;
}

static void *
piece_malloc (size_t size)
{
  ArenaState *state = thread_state;
  Piece *piece;

  if (state != NULL && state->first != NULL)
    return arena_alloc (state, size);

  piece = malloc (sizeof (Piece) + size);
  if (piece == NULL)
    return NULL;
  piece->size = size;
  piece->arena = NULL;
  return piece + 1;
}

/* A piece of an arena goes with its arena. */
static void
piece_free (void *memory)
{
  Piece *piece;

  if (memory == NULL)
    return;
  piece = (Piece *) memory - 1;
  if (piece->arena == NULL)
    free (piece);
}

static void *
piece_realloc (void  *memory,
               size_t size)
{
  Piece *piece, *moved;
  void *copy;

  if (memory == NULL)
    return piece_malloc (size);
  piece = (Piece *) memory - 1;
  if (piece->arena == NULL)
    {
      moved = realloc (piece, sizeof (Piece) + size);
      if (moved == NULL)
        return NULL;
      moved->size = size;
      return moved + 1;
    }
  copy = piece_malloc (size);
  if (copy != NULL)
    memcpy (copy, memory, MIN (piece->size, size));
  return copy;
}

/* Called once, before libosip2 allocates anything (ust_sip_init()): a
 * piece without its header must never reach piece_free(). */
void
ust_sip_arena_install (void)
{
  if (!ARENA_POSSIBLE || installed)
    return;
  osip_set_allocators (piece_malloc, piece_realloc, piece_free);
  installed = TRUE;
}

/* What libosip2 allocates on this thread from now on goes into a new arena,
 * until ust_sip_arena_leave(). Arenas do not nest: one message each. */
void
ust_sip_arena_enter (void)
{
  ArenaState *state;
  Chunk *chunk;

  if (!installed)
    return;
  state = get_state ();
  g_return_if_fail (state->first == NULL);

  chunk = g_steal_pointer (&state->spare);
  if (chunk == NULL)
    chunk = chunk_new (CHUNK_SIZE);
  if (chunk == NULL)
    return;  /* Out of memory: the heap it is. */
  chunk->next = NULL;
  chunk->used = 0;
  state->first = state->tail = chunk;
}

void
ust_sip_arena_leave (void)
{
  ArenaState *state = thread_state;

  if (state != NULL)
    state->first = state->tail = NULL;
}

static void
arena_release (Chunk *first)
{
  ArenaState *state = get_state ();

  /* A message freed before its parse ended (a syntax error). */
  if (state->first == first)
    state->first = state->tail = NULL;

  chunks_free (first->next);
  first->next = NULL;
  if (state->spare == NULL && first->size == CHUNK_SIZE)
    state->spare = first;
  else
    free (first);
}

/* Frees @message and, when it was parsed into an arena, the arena. */
void
ust_sip_message_free (osip_message_t *message)
{
  Chunk *arena;

  if (message == NULL)
    return;
  arena = installed ? ((Piece *) message - 1)->arena : NULL;
  osip_message_free (message);
  if (arena != NULL)
    arena_release (arena);
}
