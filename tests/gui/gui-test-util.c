/* SPDX-License-Identifier: GPL-3.0-or-later */

/* What the window tests share: the app and its window, its actions, free
 * loopback ports, and sipp phones driven against the exchange. The bounded
 * waits on the main context they use are ust-test-util.c's. */

#include "config.h"

#include "gui-test-util.h"

UstApplication *gui_test_app;
UstWindow      *gui_test_window;
char           *gui_test_tmp_dir;

gboolean
gui_test_action_enabled (const char *name)
{
  return g_action_group_get_action_enabled (G_ACTION_GROUP (gui_test_app), name);
}

void
gui_test_activate (const char *name,
                   GVariant   *parameter)
{
  g_assert_true (gui_test_action_enabled (name));
  g_action_group_activate_action (G_ACTION_GROUP (gui_test_app), name, parameter);
}

UstExchange *
gui_test_exchange (void)
{
  return ust_application_get_exchange (gui_test_app);
}

/* A UDP port free right now on 127.0.0.1 (the socket is returned when
 * @keep is given, to hold the port). */
guint
gui_test_free_port (GSocket **keep)
{
  g_autoptr (GSocket) socket = NULL;
  g_autoptr (GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr (GSocketAddress) bound = NULL;
  g_autoptr (GError) error = NULL;
  guint port;

  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP,
                         &error);
  g_assert_no_error (error);
  g_socket_bind (socket, any, FALSE, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  if (keep != NULL)
    *keep = g_steal_pointer (&socket);
  return port;
}

const char *
gui_test_sipp_program (void)
{
  static char *path;

  if (path == NULL)
    path = g_find_program_in_path ("sipp");
  return path;
}

gboolean
gui_test_need_sipp (void)
{
  if (gui_test_sipp_program () != NULL)
    return TRUE;
  ust_test_missing ("sipp is not installed");
  return FALSE;
}

/* Starts sipp with @argv (without the program; sipp's output goes to
 * gui_test_tmp_dir/@label.out). */
GSubprocess *
gui_test_sipp_spawn (const char *label,
                     GPtrArray  *argv)
{
  g_autoptr (GPtrArray) full = g_ptr_array_new ();
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autofree char *log = g_strdup_printf ("%s/%s.out", gui_test_tmp_dir, label);
  g_autoptr (GError) error = NULL;
  GSubprocess *process;

  g_ptr_array_add (full, (gpointer) gui_test_sipp_program ());
  for (guint i = 0; i < argv->len; i++)
    g_ptr_array_add (full, g_ptr_array_index (argv, i));
  g_ptr_array_add (full, NULL);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_INHERIT
                                        | G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_subprocess_launcher_set_cwd (launcher, gui_test_tmp_dir);
  g_subprocess_launcher_set_stdout_file_path (launcher, log);
  process = g_subprocess_launcher_spawnv (launcher, (const char *const *) full->pdata, &error);
  g_assert_no_error (error);
  return process;
}

/* Starts sipp with @scenario (in tests/sipp) on local @port, towards the
 * exchange unless @to_exchange is FALSE (a callee only waits). Extra
 * arguments follow, NULL-terminated. */
GSubprocess *
gui_test_sipp_start (const char *label,
                     const char *scenario,
                     guint       port,
                     gboolean    to_exchange,
                     ...)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  const char *sipp_dir = g_getenv ("UST_SIPP_DIR");
  const char *arg;
  va_list args;

  g_assert_nonnull (sipp_dir);
  if (to_exchange)
    g_ptr_array_add (argv, g_strdup_printf ("127.0.0.1:%u",
                                            ust_exchange_get_port (gui_test_exchange ())));
  g_ptr_array_add (argv, g_strdup ("-sf"));
  g_ptr_array_add (argv, g_build_filename (sipp_dir, scenario, NULL));
  g_ptr_array_add (argv, g_strdup ("-i"));
  g_ptr_array_add (argv, g_strdup ("127.0.0.1"));
  g_ptr_array_add (argv, g_strdup ("-p"));
  g_ptr_array_add (argv, g_strdup_printf ("%u", port));
  g_ptr_array_add (argv, g_strdup ("-m"));
  g_ptr_array_add (argv, g_strdup ("1"));
  /* TECH-NOTES §0.10: -nostdin, and a timeout that is an error. */
  g_ptr_array_add (argv, g_strdup ("-nostdin"));
  g_ptr_array_add (argv, g_strdup ("-timeout"));
  g_ptr_array_add (argv, g_strdup (GUI_TEST_SIPP_TIMEOUT));
  g_ptr_array_add (argv, g_strdup ("-timeout_error"));
  g_ptr_array_add (argv, g_strdup ("-key"));
  g_ptr_array_add (argv, g_strdup ("dom"));
  g_ptr_array_add (argv, g_strdup ("127.0.0.1"));
  va_start (args, to_exchange);
  while ((arg = va_arg (args, const char *)) != NULL)
    g_ptr_array_add (argv, g_strdup (arg));
  va_end (args);
  return gui_test_sipp_spawn (label, argv);
}

static gboolean
process_done (gpointer data)
{
  return g_subprocess_get_if_exited (data) || g_subprocess_get_if_signaled (data);
}

gboolean
gui_test_sipp_exited (gpointer data)
{
  /* g_subprocess_get_if_exited() needs the process to be reaped; waiting
   * asynchronously reaps it from the main context. */
  return GPOINTER_TO_INT (g_object_get_data (data, "ust-done"));
}

static void
sipp_wait_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  g_object_set_data (source, "ust-done", GINT_TO_POINTER (TRUE));
}

void
gui_test_sipp_watch (GSubprocess *process)
{
  g_subprocess_wait_async (process, NULL, sipp_wait_cb, NULL);
}

/* Waits (bounded) for sipp to end, and checks it succeeded. */
void
gui_test_sipp_finish (GSubprocess *process,
                      const char  *label)
{
  if (!ust_test_spin_until (gui_test_sipp_exited, process, GUI_TEST_SIPP_WAIT_MS))
    {
      g_subprocess_force_exit (process);
      g_error ("sipp %s did not end in time; see %s/%s.out", label, gui_test_tmp_dir, label);
    }
  g_assert_true (process_done (process));
  if (!g_subprocess_get_if_exited (process) || g_subprocess_get_exit_status (process) != 0)
    {
      g_autofree char *log = g_strdup_printf ("%s/%s.out", gui_test_tmp_dir, label);
      g_autofree char *text = NULL;

      g_file_get_contents (log, &text, NULL, NULL);
      g_error ("sipp %s failed (status %d):\n%s", label,
               g_subprocess_get_if_exited (process) ? g_subprocess_get_exit_status (process) : -1,
               text != NULL ? text : "");
    }
}

void
gui_test_sipp_register (const char *user,
                        guint       port)
{
  g_autofree char *label = g_strdup_printf ("register-%s", user);
  g_autofree char *port_text = g_strdup_printf ("%u", port);
  GSubprocess *process;

  process = gui_test_sipp_start (label, "register.xml", port, TRUE,
                                 "-key", "me", user, "-key", "contact_host", "127.0.0.1",
                                 "-key", "contact_port", port_text, "-key", "expires", "3600",
                                 NULL);
  gui_test_sipp_watch (process);
  gui_test_sipp_finish (process, label);
  g_object_unref (process);
}

/* Starts a call from alice to bob that talks for @talk_ms; returns the
 * callee's and the caller's sipp, both watched. */
void
gui_test_sipp_call (guint         talk_ms,
                    GSubprocess **callee,
                    GSubprocess **caller)
{
  guint bob = gui_test_free_port (NULL), alice = gui_test_free_port (NULL);
  g_autofree char *talk = g_strdup_printf ("%u", talk_ms);

  gui_test_sipp_register ("bob", bob);
  gui_test_sipp_register ("alice", alice);
  *callee = gui_test_sipp_start ("uas-bob", "uas_call.xml", bob, FALSE, "-key", "me", "bob",
                                 NULL);
  gui_test_sipp_watch (*callee);
  /* Give the callee a moment to bind its port. */
  ust_test_spin (300);
  *caller = gui_test_sipp_start ("uac-alice", "uac_call.xml", alice, TRUE, "-key", "me",
                                 "alice", "-s", "bob", "-d", talk, NULL);
  gui_test_sipp_watch (*caller);
}

static gboolean
is_running (gpointer data)
{
  return ust_exchange_get_running (gui_test_exchange ());
}

/* Starts the exchange on 127.0.0.1 with a free port, as a person would:
 * choose the address, press Start. */
void
gui_test_start_on_loopback (void)
{
  if (ust_exchange_get_running (gui_test_exchange ()))
    return;
  gui_test_activate ("select-address", g_variant_new_string ("127.0.0.1"));
  ust_settings_set_port (ust_application_get_settings (gui_test_app), 0);
  gui_test_activate ("start", NULL);
  g_assert_true (ust_test_spin_until (is_running, NULL, GUI_TEST_WAIT_MS));
}

/* Nothing a test does may touch the real user's settings or diary: every
 * place GLib asks is inside a fresh folder (gui_test_tmp_dir), set before GLib reads
 * any of them. @folder names it. */
void
gui_test_make_home (const char *folder)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *template = g_strdup_printf ("ustredna-%s-XXXXXX", folder);
  const char *dirs[] = { "HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME",
                         "XDG_STATE_HOME" };

  gui_test_tmp_dir = g_dir_make_tmp (template, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (dirs); i++)
    {
      g_autofree char *dir = g_build_filename (gui_test_tmp_dir, dirs[i], NULL);

      g_mkdir_with_parents (dir, 0700);
      g_setenv (dirs[i], dir, TRUE);
    }
  g_setenv ("GTK_A11Y", "none", TRUE);
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  g_setenv ("GSK_RENDERER", "cairo", FALSE);
}

/* The application with its window, in-process: no D-Bus name, no
 * uniqueness; the tests call the actions. @id_suffix ends its id. */
void
gui_test_open_app (const char *id_suffix)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *id = g_strdup_printf ("io.github.ustredna.Ustredna.%s", id_suffix);

  gui_test_app = g_object_new (UST_TYPE_APPLICATION,
                               "application-id", id,
                               "flags", G_APPLICATION_NON_UNIQUE,
                               NULL);
  g_application_register (G_APPLICATION (gui_test_app), NULL, &error);
  g_assert_no_error (error);
  g_application_activate (G_APPLICATION (gui_test_app));
  gui_test_window = ust_application_get_window (gui_test_app);
  g_assert_nonnull (gui_test_window);
  ust_test_spin (200);
}

/* What every GUI test program does first: its own folders, GTK in the C
 * locale, and the application. */
void
gui_test_start (int        *argc,
                char     ***argv,
                const char *folder,
                const char *id_suffix)
{
  gui_test_make_home (folder);
  g_setenv ("LC_ALL", "C.UTF-8", TRUE);
  gtk_test_init (argc, argv, NULL);
  gui_test_open_app (id_suffix);
}

/* After g_test_run(): closes the window, stops the exchange (disposing it
 * flushes the diary) and removes the folders unless @keep. Returns
 * @status. */
int
gui_test_finish (int      status,
                 gboolean keep)
{
  if (gui_test_window != NULL)
    gtk_window_destroy (GTK_WINDOW (gui_test_window));
  ust_exchange_stop (gui_test_exchange ());
  /* As the application's shutdown does: the diary's journal goes with it. */
  ust_call_store_close (ust_exchange_get_store (gui_test_exchange ()));
  g_clear_object (&gui_test_app);
  if (!keep)
    ust_test_remove_tree (gui_test_tmp_dir);
  g_clear_pointer (&gui_test_tmp_dir, g_free);
  return status;
}
