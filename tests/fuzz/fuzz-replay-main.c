/* SPDX-License-Identifier: GPL-3.0-or-later */

/* The plain program around a libFuzzer target (fuzz-stream.c, fuzz-capture.c)
 * that `meson test` runs: every file in the folders named on its command line
 * (seeds, and each crash ever found) goes through the target once, in name
 * order so that a failure is repeatable. No input at all is a failure: a
 * corpus folder gone missing must not pass as "no crash". */

#include "config.h"

#include <stdint.h>

#include <glib.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static guint
replay_folder (const char *folder)
{
  g_autoptr(GDir) dir = g_dir_open (folder, 0, NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (names, g_build_filename (folder, name, NULL));
  g_ptr_array_sort (names, (GCompareFunc) g_strcmp0);
  for (guint k = 0; k < names->len; k++)
    {
      const char *path = g_ptr_array_index (names, k);
      g_autofree char *contents = NULL;
      gsize len = 0;

      if (!g_file_get_contents (path, &contents, &len, NULL))
        g_error ("cannot read %s", path);
      LLVMFuzzerTestOneInput ((const uint8_t *) contents, len);
    }
  return names->len;
}

int
main (int   argc,
      char *argv[])
{
  guint n = 0;

  for (int i = 1; i < argc; i++)
    n += replay_folder (argv[i]);
  g_print ("replayed %u input(s) without a crash\n", n);
  return n > 0 ? 0 : 1;
}
