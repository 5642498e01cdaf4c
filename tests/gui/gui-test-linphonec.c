/* SPDX-License-Identifier: GPL-3.0-or-later */

/* linphonec as a phone of the window's exchange (see gui-test-linphonec.h).
 * Every wait is bounded; the process is ended by its own PID only. */

#include "config.h"

#include <string.h>

#include "gui-test-linphonec.h"
#include "gui-test-util.h"

#define REGISTER_WAIT_MS 10000
#define STOP_WAIT_MS     5000

struct _GuiTestLinphonec {
  char          *user;
  char          *dir;
  GSubprocess   *process;
  GOutputStream *input;
  GString       *output;     /* everything it printed; lines can run together */
  gsize          mark;       /* where what a wait looks for may start */
  gint64         next_ask;
  GCancellable  *cancellable;
  gboolean       reading;
  gboolean       exited;
};

/* [misc] uuid is its +sip.instance: written here, so that the same phone
 * started again (on another port) keeps it, as Linphone on Android does. */
static const char rc_template[] =
  "[sip]\n"
  "sip_port=%u\n"
  "sip_tcp_port=0\n"
  "sip_tls_port=0\n"
  "default_proxy=0\n"
  "register_only_when_network_is_up=0\n"
  "bind_address=127.0.0.1\n"
  "guess_hostname=0\n"
  "[proxy_0]\n"
  "reg_proxy=<sip:127.0.0.1:%u;transport=udp>\n"
  "reg_route=<sip:127.0.0.1:%u;transport=udp;lr>\n"
  "reg_identity=sip:%s@127.0.0.1\n"
  "reg_expires=600\n"
  "reg_sendregister=1\n"
  "publish=0\n"
  "[rtp]\n"
  "audio_rtp_port=-1--1\n"
  "bind_address=127.0.0.1\n"
  "[video]\n"
  "enabled=0\n"
  "[storage]\n"
  "uri=null\n"
  "call_logs_db_uri=null\n"
  "zrtp_secrets_db_uri=null\n"
  "[misc]\n"
  "uuid=%s\n";

static const char *
linphonec_program (void)
{
  static char *path;

  if (path == NULL)
    path = g_find_program_in_path ("linphonec");
  return path;
}

gboolean
gui_test_need_linphonec (void)
{
  if (linphonec_program () != NULL)
    return TRUE;
  ust_test_missing ("linphonec (Debian package linphone-cli) is not installed");
  return FALSE;
}

static void read_more (GuiTestLinphonec *self);

static void
read_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  GuiTestLinphonec *self = user_data;
  g_autoptr (GBytes) bytes = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result,
                                                              NULL);

  /* The end of its output, or cancelled by gui_test_linphonec_free(),
   * which waits for this. */
  self->reading = FALSE;
  if (bytes == NULL || g_bytes_get_size (bytes) == 0)
    return;
  g_string_append_len (self->output, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  read_more (self);
}

static void
read_more (GuiTestLinphonec *self)
{
  self->reading = TRUE;
  g_input_stream_read_bytes_async (g_subprocess_get_stdout_pipe (self->process), 65536,
                                   G_PRIORITY_DEFAULT, self->cancellable, read_cb, self);
}

static void
wait_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  gboolean *exited = user_data;

  if (g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL))
    *exited = TRUE;
}

static void
send_line (GuiTestLinphonec *self,
           const char       *line)
{
  g_autofree char *text = g_strconcat (line, "\n", NULL);
  g_autoptr (GError) error = NULL;

  g_output_stream_write_all (self->input, text, strlen (text), NULL, NULL, &error);
  g_assert_no_error (error);
}

static char *
write_rc (const char *dir,
          const char *user,
          const char *uuid,
          guint       sip_port)
{
  guint exchange = ust_exchange_get_port (gui_test_exchange ());
  g_autofree char *text = g_strdup_printf (rc_template, sip_port, exchange, exchange, user, uuid);
  char *path = g_build_filename (dir, "linphonerc", NULL);
  g_autoptr (GError) error = NULL;

  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
  return path;
}

/* Starts linphonec as @user@127.0.0.1 with instance @uuid on UDP
 * @sip_port, registering with the window's exchange. */
GuiTestLinphonec *
gui_test_linphonec_start (const char *user,
                          const char *uuid,
                          guint       sip_port)
{
  GuiTestLinphonec *self = g_new0 (GuiTestLinphonec, 1);
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *label = g_strdup_printf ("linphonec-%s-%u", user, sip_port);
  g_autofree char *rc = NULL;
  g_autofree char *log = NULL;

  self->user = g_strdup (user);
  self->dir = g_build_filename (gui_test_tmp_dir, label, NULL);
  g_assert_cmpint (g_mkdir_with_parents (self->dir, 0700), ==, 0);
  rc = write_rc (self->dir, user, uuid, sip_port);
  log = g_build_filename (self->dir, "linphonec.log", NULL);
  self->output = g_string_new (NULL);
  self->cancellable = g_cancellable_new ();

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE
                                        | G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                        | G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_subprocess_launcher_set_cwd (launcher, self->dir);
  /* Its history and caches go to its own folder, not the user's. */
  g_subprocess_launcher_setenv (launcher, "HOME", self->dir, TRUE);
  self->process = g_subprocess_launcher_spawn (launcher, &error, linphonec_program (), "-c", rc,
                                               "-d", "6", "-l", log, NULL);
  g_assert_no_error (error);
  self->input = g_object_ref (g_subprocess_get_stdin_pipe (self->process));
  g_subprocess_wait_async (self->process, NULL, wait_cb, &self->exited);
  read_more (self);
  return self;
}

static gboolean
says_registered (gpointer data)
{
  GuiTestLinphonec *self = data;
  g_autofree char *want = g_strdup_printf ("registered, identity=sip:%s@127.0.0.1", self->user);

  if (strstr (self->output->str + self->mark, want) != NULL)
    return TRUE;
  g_assert_false (self->exited);
  /* Registration is never printed: ask, three times a second. */
  if (g_get_monotonic_time () >= self->next_ask)
    {
      send_line (self, "status register");
      self->next_ask = g_get_monotonic_time () + 300 * G_TIME_SPAN_MILLISECOND;
    }
  return FALSE;
}

/* Asserts that linphonec registered within 10 s, by its own account. */
void
gui_test_linphonec_wait_registered (GuiTestLinphonec *self)
{
  self->mark = self->output->len;
  self->next_ask = 0;
  if (!ust_test_spin_until (says_registered, self, REGISTER_WAIT_MS))
    g_error ("linphonec for %s did not register within %d ms; it said: %s", self->user,
             REGISTER_WAIT_MS, self->output->str + self->mark);
}

static void
wait_exited (GuiTestLinphonec *self)
{
  if (!ust_test_spin_until (ust_test_flag_is_set, &self->exited, STOP_WAIT_MS))
    {
      g_subprocess_force_exit (self->process);
      g_assert_true (ust_test_spin_until (ust_test_flag_is_set, &self->exited, STOP_WAIT_MS));
    }
}

/* Gone at once, without unregistering: a phone whose app was killed (as
 * Android does to save battery), or a laptop that lost its network. */
void
gui_test_linphonec_kill (GuiTestLinphonec *self)
{
  g_subprocess_force_exit (self->process);
  wait_exited (self);
}

static gboolean
read_done (gpointer data)
{
  return !((GuiTestLinphonec *) data)->reading;
}

/* "quit" (it unregisters), then its PID is killed if it is still there:
 * it does not end on the end of its input. */
void
gui_test_linphonec_free (GuiTestLinphonec *self)
{
  if (!self->exited)
    {
      send_line (self, "quit");
      wait_exited (self);
    }
  g_cancellable_cancel (self->cancellable);
  g_assert_true (ust_test_spin_until (read_done, self, STOP_WAIT_MS));
  g_clear_object (&self->input);
  g_clear_object (&self->process);
  g_clear_object (&self->cancellable);
  g_string_free (self->output, TRUE);
  g_free (self->dir);
  g_free (self->user);
  g_free (self);
}
