/* SPDX-License-Identifier: GPL-3.0-or-later */

/* Every input is a capture file, as a student might open one: libpcap reads
 * it (pcap or pcapng, any link type), the IP fragments and TCP streams in it
 * are put back together, its proxy is checked, and the findings are written
 * as text and JSON. A broken or truncated file must open up to the damage
 * and never crash (issue #16).
 *
 * Built two ways, like fuzz-datagram.c: with clang's libFuzzer
 * (build-aux/fuzz.sh SECONDS capture) to search, and with UST_FUZZ_REPLAY as
 * a plain program that `meson test` runs over tests/fuzz/capture-corpus. */

#include "config.h"

#include <stdint.h>
#include <string.h>

#include "ust-capture.h"
#include "ust-capture-check.h"
#include "ust-capture-format.h"
#include "ust-sip.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(UstCapture) capture = NULL;
  g_autoptr(UstCaptureCheck) check = NULL;
  g_autofree char *text = NULL;
  g_autofree char *json = NULL;
  GPtrArray *entries;

  ust_sip_init ();
  capture = ust_capture_new_from_memory (data, size, NULL);
  if (capture == NULL)
    return 0;
  check = ust_capture_check (capture);
  text = ust_capture_format_text (capture, check);
  json = ust_capture_format_json (capture, check);
  g_assert (text != NULL && json != NULL);

  /* Entries are numbered in the file's order. */
  entries = ust_capture_get_entries (capture);
  for (guint i = 0; i < entries->len; i++)
    g_assert (ust_trace_entry_get_seq (g_ptr_array_index (entries, i)) == i + 1);
  return 0;
}

#ifdef UST_FUZZ_REPLAY
int
main (int   argc,
      char *argv[])
{
  guint n = 0;

  for (int i = 1; i < argc; i++)
    {
      g_autoptr(GDir) dir = g_dir_open (argv[i], 0, NULL);
      g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
      const char *name;

      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        g_ptr_array_add (names, g_build_filename (argv[i], name, NULL));
      g_ptr_array_sort (names, (GCompareFunc) g_strcmp0);
      for (guint k = 0; k < names->len; k++)
        {
          g_autofree char *contents = NULL;
          gsize len = 0;

          if (!g_file_get_contents (g_ptr_array_index (names, k), &contents, &len, NULL))
            g_error ("cannot read %s", (char *) g_ptr_array_index (names, k));
          LLVMFuzzerTestOneInput ((const uint8_t *) contents, len);
          n++;
        }
    }
  g_print ("replayed %u capture(s) without a crash\n", n);
  return n > 0 ? 0 : 1;
}
#endif
