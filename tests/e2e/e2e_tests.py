#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""End-to-end tests: real softphones (baresip, and linphonec from Debian's
linphone-cli) calling each other through ustredna-server on loopback, over
UDP, TCP and TLS.

Usage:
    e2e_tests.py --server PATH/ustredna-server TESTNAME [TESTNAME...]
    e2e_tests.py --server PATH/ustredna-server --all
    e2e_tests.py --list          (one "NAME TIMEOUT" line per test)

Each test starts its own exchange (--listen 127.0.0.1:0, --data-dir in a fresh
temporary directory) and its own baresip processes, one per phone, each on its
own loopback address (127.0.0.N: every test has its own block of addresses, so
tests can run in parallel) with free SIP and control ports.  A phone is
baresip 1.0.0 with no sound card (ausine as the microphone, aubridge as the
speaker; fakevideo as camera and screen where a test needs video), registered
as USER@127.0.0.1 with no password and the exchange as outbound proxy.  The
test drives the phones through baresip's own control interface, the ctrl_tcp
module (netstring-framed JSON commands; the phone answers and sends its call
events on the same connection), and checks what the phones report and what
the exchange wrote in its call diary (calls.db, calls.txt).

Phones on TCP or TLS have the account <sip:USER@127.0.0.1:PORT;transport=tcp|tls>
with the exchange's TCP port (its UDP port) or TLS port, read from its
"Listening on tcp/tls" lines.  linphonec (the liblinphone of Linphone Desktop and
Android) gets a private rc file in its own folder and is driven on its stdin;
see the Linphonec class.

Every wait is bounded.  The test stops the processes it started, by their PID
only: a phone gets "quit" on its control connection (it unregisters), then
SIGTERM, then SIGKILL; the exchange gets SIGTERM and must exit 0.
On failure: the exchange's output, each phone's log (with baresip's SIP trace)
and control events, the sipp logs and the diary rows go to stderr, and the
temporary directory is kept.

Exit status: 0 pass, 1 fail, 77 skip (baresip is not installed).  The
attended transfer runs on linphonec: baresip 1.0.0 has none.
A linphonec test without linphonec fails: build-aux/install-deps.sh installs it.
Only the Python standard library is used.  All traffic stays on loopback.
"""

import argparse
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
EXCHANGE_IP = '127.0.0.1'
DOM = EXCHANGE_IP            # phones register as user@127.0.0.1

SERVER_START_WAIT = 10       # bounded wait for "Listening on udp ..." (s)
SERVER_STOP_WAIT = 10        # bounded wait for the exchange to exit after SIGTERM (s)
PHONE_START_WAIT = 10        # bounded wait for baresip's control port (s)
PHONE_STOP_WAIT = 5          # bounded wait for baresip to exit after "quit" / SIGTERM (s)
REGISTER_WAIT = 10           # bounded wait for a phone's registration (s)
EVENT_WAIT = 10              # default bounded wait for a phone event (s)
COMMAND_WAIT = 5             # bounded wait for the answer to a control command (s)
DIARY_WAIT = 10              # bounded wait for the diary to show something (s)
SIPP_WALL = 40               # hard wall-clock limit per sipp process (s)
ATTEMPTS = 3                 # a test is restarted when a port turned out to be taken
ADDRS_PER_TEST = 4           # loopback addresses reserved per test (phones + sipp)
FIRST_ADDR = 10              # test i uses 127.0.0.(FIRST_ADDR + 4*i) ... +3

EXIT_PASS, EXIT_FAIL, EXIT_SKIP = 0, 1, 77

ANSI = re.compile(r'\x1b\[[0-9;]*m')


class TestFailure(Exception):
    pass


class TestSkip(Exception):
    pass


class PortInUse(Exception):
    pass


def write_err(text):
    sys.stderr.flush()
    sys.stderr.buffer.write(text.encode('utf-8', 'replace'))
    sys.stderr.buffer.flush()


def read_text(path):
    try:
        with open(path, 'rb') as f:
            return f.read().decode('utf-8', 'replace')
    except OSError as e:
        return '(cannot read %s: %s)' % (path, e)


def fail(msg):
    raise TestFailure(msg)


def check(cond, msg):
    if not cond:
        fail(msg)


def signame(rc):
    if rc is not None and rc < 0:
        try:
            return ' (%s)' % signal.Signals(-rc).name
        except ValueError:
            pass
    return ''


def free_port(ip, kinds=('udp',), avoid=()):
    """A port on ip that is free for every socket kind in kinds ('udp', 'tcp')."""
    for _ in range(200):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM if kinds[0] == 'udp' else socket.SOCK_STREAM)
        try:
            s.bind((ip, 0))
            port = s.getsockname()[1]
        finally:
            s.close()
        if port in avoid:
            continue
        ok = True
        for k in kinds[1:]:
            t = socket.socket(socket.AF_INET, socket.SOCK_DGRAM if k == 'udp' else socket.SOCK_STREAM)
            try:
                t.bind((ip, port))
            except OSError:
                ok = False
            finally:
                t.close()
        if ok:
            return port
    fail('could not find a free port on %s' % ip)


# --------------------------------------------------------------------------
# the exchange

class Server:
    """listen: the address to bind ('0.0.0.0' for all addresses)."""
    def __init__(self, ctx, extra=(), port=0, data_dir=None, listen=EXCHANGE_IP):
        self.ctx = ctx
        self.data_dir = data_dir or tempfile.mkdtemp(prefix='data-', dir=ctx.dir)
        self.cmd = [ctx.server_path, '--listen', '%s:%d' % (listen, port),
                    '--data-dir', self.data_dir] + list(extra)
        self.out_lines = []
        self.err_lines = []
        self.returncode = None
        self.note = ''
        self._first = threading.Event()
        ctx.servers.append(self)
        self.proc = subprocess.Popen(self.cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, cwd=ctx.dir)
        self._threads = [threading.Thread(target=self._read, args=(self.proc.stdout, self.out_lines, True), daemon=True),
                         threading.Thread(target=self._read, args=(self.proc.stderr, self.err_lines, False), daemon=True)]
        for t in self._threads:
            t.start()
        if not self._first.wait(SERVER_START_WAIT):
            fail('the exchange printed no first line within %d s' % SERVER_START_WAIT)
        first = self.out_lines[0].rstrip('\r\n') if self.out_lines else ''
        suffix = r' \(all addresses\)' if listen == '0.0.0.0' else ''
        m = re.fullmatch(r'Listening on udp %s:(\d+)%s' % (re.escape(listen), suffix), first)
        if not m and port and self.proc.poll() is not None and \
                re.search(r'in use', ''.join(self.err_lines), re.I):
            raise PortInUse('the exchange could not bind 127.0.0.1:%d' % port)
        if not m:
            time.sleep(0.2)
            fail('the exchange\'s first stdout line is %r, expected "Listening on udp 127.0.0.1:PORT" '
                 '(exit status %s)' % (first, self.proc.poll()))
        self.port = int(m.group(1))
        self.addr = '%s:%d' % (EXCHANGE_IP, self.port)
        self._stream_ports(listen, suffix, extra)

    def _stream_ports(self, listen, suffix, extra):
        """The "Listening on tcp/tls" lines that follow the UDP one (printed with it, in
        one flush): self.tcp_port, self.tls_port and self.tls_fingerprint, None for a
        transport not asked for."""
        self.tcp_port = self.tls_port = self.tls_fingerprint = None
        self.tls_problem = None     # why there is no TLS, in the exchange's words
        wanted = ['tcp', 'tls']
        extra = list(extra)
        if '--transport' in extra:
            wanted = [t for t in extra[extra.index('--transport') + 1].split(',') if t != 'udp']
        pats = {'tcp': re.compile(r'Listening on tcp %s:(\d+)%s$' % (re.escape(listen), suffix)),
                'tls': re.compile(r'Listening on tls %s:(\d+)%s \(certificate SHA-256 ([0-9A-F:]+)\)$'
                                  % (re.escape(listen), suffix))}
        deadline = time.monotonic() + SERVER_START_WAIT
        while True:
            found = {}
            lines = [l.rstrip('\r\n') for l in list(self.out_lines)]
            for line in lines:
                for t in wanted:
                    m = pats[t].match(line)
                    if m:
                        found[t] = m
            if len(found) == len(wanted):
                break
            # Where TLS cannot start (no TLS backend) the exchange says why in one line
            # after its "Listening on" lines, and serves UDP and TCP: tests that need TLS
            # fail with that sentence, the others run.
            last = max(i for i, l in enumerate(lines) if l.startswith('Listening on '))
            if 'tls' in wanted and 'tls' not in found and ('tcp' in found or 'tcp' not in wanted) \
                    and len(lines) > last + 1:
                self.tls_problem = lines[last + 1]
                wanted.remove('tls')
                continue
            if time.monotonic() > deadline or self.proc.poll() is not None:
                fail('the exchange (%s) printed no "Listening on %s" line within %d s; its output: %r'
                     % (' '.join(self.cmd), ' / '.join(t for t in wanted if t not in found),
                        SERVER_START_WAIT, ''.join(self.out_lines)))
            time.sleep(0.02)
        if 'tcp' in found:
            self.tcp_port = int(found['tcp'].group(1))
            check(self.tcp_port == self.port,
                  'the exchange listens on tcp port %d, not on its udp port %d' % (self.tcp_port, self.port))
        if 'tls' in found:
            self.tls_port = int(found['tls'].group(1))
            self.tls_fingerprint = found['tls'].group(2)
            check(self.tls_port != self.port, 'the exchange\'s tls port is its udp/tcp port %d' % self.port)

    def _read(self, stream, sink, signal_first):
        for raw in iter(stream.readline, b''):
            sink.append(raw.decode('utf-8', 'replace'))
            if signal_first:
                self._first.set()
        if signal_first:
            self._first.set()

    def alive(self):
        rc = self.proc.poll()
        if rc is not None:
            fail('the exchange exited during the test with status %d%s' % (rc, signame(rc)))

    def stop(self):
        """SIGTERM; the exchange must exit 0 within SERVER_STOP_WAIT seconds."""
        if self.returncode is not None:
            return
        rc = self.proc.poll()
        if rc is not None:
            self.returncode = rc
            self._join()
            fail('the exchange exited by itself during the test with status %d%s' % (rc, signame(rc)))
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(SERVER_STOP_WAIT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            self.returncode = self.proc.returncode
            self._join()
            fail('the exchange did not exit within %d s of SIGTERM' % SERVER_STOP_WAIT)
        self.returncode = rc
        self._join()
        if rc != 0:
            fail('the exchange exited with status %d%s after SIGTERM (crash or sanitizer report?)'
                 % (rc, signame(rc)))

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if self.returncode is None:
            self.returncode = self.proc.returncode
        self._join()

    def _join(self):
        for t in self._threads:
            t.join(2)

    def wait_stdout(self, regex, what, timeout=5):
        """Wait (bounded) for a stdout line matching regex (stdout is flushed every 250 ms)."""
        deadline = time.monotonic() + timeout
        while True:
            lines = self.stdout_lines(regex)
            if lines:
                return lines
            if time.monotonic() > deadline:
                fail('the exchange did not log %s (a line matching %r) within %d s' % (what, regex, timeout))
            time.sleep(0.05)

    def stdout_lines(self, regex):
        return [l.rstrip('\r\n') for l in list(self.out_lines) if re.search(regex, l)]

    # ---- the call diary

    def diary(self):
        """(calls, events) from calls.db, read-only; [] if it does not exist yet."""
        path = os.path.join(self.data_dir, 'calls.db')
        if not os.path.exists(path):
            return [], []
        uri = 'file:%s?mode=ro' % urllib.parse.quote(os.path.abspath(path))
        try:
            db = sqlite3.connect(uri, uri=True, timeout=5)
            db.row_factory = sqlite3.Row
            try:
                calls = [dict(r) for r in db.execute('SELECT * FROM calls ORDER BY start_time, id')]
                events = [dict(r) for r in db.execute('SELECT * FROM events ORDER BY id')]
            finally:
                db.close()
        except sqlite3.Error as e:
            if 'no such table' in str(e):
                return [], []
            fail('cannot read the call diary %s: %s' % (path, e))
        by_row = {c['id']: c for c in calls}
        for c in calls:
            c['events'] = []
        for e in events:
            if e['call'] in by_row:
                by_row[e['call']]['events'].append(e)
        return calls, events

    def wait_call(self, call_id, pred, what, timeout=DIARY_WAIT):
        """Wait (bounded) until the diary's row for call_id satisfies pred; return it
        (a dict with an 'events' list).  The diary is written by a thread of its own."""
        deadline = time.monotonic() + timeout
        row = None
        while True:
            calls, _ = self.diary()
            rows = [c for c in calls if c['call_id'] == call_id]
            if len(rows) > 1:
                fail('the diary has %d rows for Call-ID %s, expected one' % (len(rows), call_id))
            row = rows[0] if rows else None
            if row is not None and pred(row):
                return row
            if time.monotonic() > deadline:
                break
            time.sleep(0.1)
        fail('the diary did not show %s for Call-ID %s within %d s; its row is %s'
             % (what, call_id, timeout, format_row(row) if row else 'missing'))

    def diary_text(self):
        path = os.path.join(self.data_dir, 'calls.txt')
        return read_text(path).splitlines() if os.path.exists(path) else []

    def wait_text(self, call_id, words, timeout=DIARY_WAIT):
        """Wait for a calls.txt line about call_id that ends with words."""
        deadline = time.monotonic() + timeout
        pat = re.compile(r'^TIME: \[\d\d:\d\d:\d\d\] CALL ID: %s .*%s$' % (re.escape(call_id), re.escape(words)))
        while True:
            for line in self.diary_text():
                if pat.search(line):
                    return line
            if time.monotonic() > deadline:
                fail('calls.txt has no line for Call-ID %s ending in %r after %d s' % (call_id, words, timeout))
            time.sleep(0.1)


def format_row(c):
    return ', '.join('%s=%r' % (k, v) for k, v in c.items() if k != 'events') + \
        '\n      events: ' + ', '.join('%s%s' % (e['kind'], '(%s)' % e['detail'] if e['detail'] else '')
                                     for e in c.get('events', []))


def expect_row(row, **want):
    for k, v in want.items():
        if row.get(k) != v:
            fail('diary row for %s: %s is %r, expected %r\n  row: %s'
                 % (row['call_id'], k, row.get(k), v, format_row(row)))


def expect_events(row, kinds):
    """The diary events of a call include kinds, in this order (others may be between)."""
    got = [e['kind'] for e in row['events']]
    i = 0
    for k in got:
        if i < len(kinds) and k == kinds[i]:
            i += 1
    if i < len(kinds):
        fail('diary events for %s are %s; expected %s in this order'
             % (row['call_id'], got, kinds))


def event_detail(row, kind):
    return [e['detail'] for e in row['events'] if e['kind'] == kind]


# --------------------------------------------------------------------------
# a baresip phone

CONFIG = """\
# baresip config for an e2e test phone: no sound card, loopback only
poll_method		epoll
sip_listen		{ip}:{sip_port}
net_interface		{ip}
call_local_timeout	120
call_max_calls		{max_calls}
audio_player		aubridge,{user}-speaker
audio_source		ausine,440
audio_alert		aubridge,{user}-ringer
ausrc_srate		48000
ausrc_channels		2
auplay_srate		48000
audio_level		no
video_size		176x144
video_fps		10
video_source		fakevideo,nil
video_display		fakevideo,nil
rtp_tos			0
statmode_default	off
module_path		{module_path}
module			g711.so
module			aubridge.so
module			ausine.so
{video_modules}module_tmp		account.so
module_app		menu.so
module_app		ctrl_tcp.so
ctrl_tcp_listen		{ip}:{ctrl_port}
"""

MODULE_PATH = '/usr/lib/baresip/modules'


class Phone:
    """One baresip process, driven over ctrl_tcp."""

    ua_word = 'baresip'         # in its User-Agent header (the diary's caller_ua/callee_ua)

    def __init__(self, ctx, srv, user, ip, register=True, regint=600, video=False, max_calls=4,
                 domain_with_port=False, display_name=None, label=None, exchange=None,
                 transport='udp', port=None, wait_register=True):
        # exchange: where the phone sends to ("IP:PORT"), when not srv.addr
        # transport 'tcp' or 'tls': the account is <sip:USER@127.0.0.1:PORT;transport=T>
        # with the exchange's TCP or TLS port as the domain's port (no outbound proxy),
        # or port (a phone set up with the wrong port)
        # wait_register: with register, wait until it has registered
        self.ctx = ctx
        self.srv = srv
        self.user = user                # the SIP user name it registers
        self.name = label or user       # for the logs (two phones may share a user)
        self.ip = ip
        self.transport = transport
        if transport == 'udp':
            self.aor = 'sip:%s@%s' % (user, srv.addr if domain_with_port else DOM)
        else:
            port = port or (srv.tcp_port if transport == 'tcp' else srv.tls_port)
            check(port, 'the exchange does not listen on %s%s'
                  % (transport, ': ' + srv.tls_problem if transport == 'tls' and srv.tls_problem else ''))
            self.exchange_hostport = '%s:%d' % (EXCHANGE_IP, port)
            self.aor = 'sip:%s@%s' % (user, self.exchange_hostport)
        self.dir = os.path.join(ctx.dir, 'phone-' + self.name)
        self.log_path = os.path.join(self.dir, 'baresip.log')
        self.events = []
        self.returncode = None
        self.proc = None
        self.sock = None
        self._used = set()          # indexes of events already handed out by wait_event
        self._responses = {}
        self._cond = threading.Condition()
        self._token = 0
        self._eof = False
        os.makedirs(self.dir)
        ctx.phones.append(self)
        for attempt in range(ATTEMPTS):
            self.sip_port = free_port(ip, ('udp', 'tcp'))
            self.ctrl_port = free_port(ip, ('tcp',), avoid=(self.sip_port,))
            with open(os.path.join(self.dir, 'config'), 'w') as f:
                f.write(CONFIG.format(ip=ip, sip_port=self.sip_port, ctrl_port=self.ctrl_port,
                                      user=user, max_calls=max_calls, module_path=MODULE_PATH,
                                      video_modules=('module\t\t\tfakevideo.so\nmodule\t\t\tvp8.so\n'
                                                     if video else '')))
            with open(os.path.join(self.dir, 'accounts'), 'w', encoding='utf-8') as f:
                name = '"%s" ' % display_name if display_name else ''
                if transport != 'udp':
                    f.write('%s<sip:%s@%s;transport=%s>;regint=%d;answermode=manual\n'
                            % (name, user, self.exchange_hostport, transport, regint if register else 0))
                elif domain_with_port:
                    # no outbound proxy: the domain is the exchange's address with its port
                    f.write('%s<sip:%s@%s>;regint=%d;answermode=manual\n'
                            % (name, user, srv.addr, regint if register else 0))
                else:
                    # baresip adds ;lr to the outbound proxy's Route itself
                    f.write('%s<sip:%s@%s>;outbound="sip:%s";regint=%d;answermode=manual\n'
                            % (name, user, DOM, exchange or srv.addr, regint if register else 0))
            open(os.path.join(self.dir, 'contacts'), 'w').close()
            self.log = open(self.log_path, 'ab')
            # -s: baresip's SIP trace goes to the log (for the checks and the failure report)
            # stdbuf: the log is line-buffered, so it is current when a check reads it
            self.cmd = ([ctx.stdbuf, '-oL', '-eL'] if ctx.stdbuf else []) + \
                [ctx.baresip_path, '-f', self.dir, '-s']
            self.proc = subprocess.Popen(self.cmd, stdin=subprocess.DEVNULL, stdout=self.log,
                                         stderr=subprocess.STDOUT, cwd=self.dir)
            if self._connect():
                break
            # it exited: a port taken between our check and its bind?  try others
            self.log.close()
            if 'Address already in use' not in self.log_text():
                fail('baresip for %s exited with status %s at start (see its log)' % (self.name, self.returncode))
        else:
            fail('baresip for %s could not bind its ports after %d attempts' % (self.name, ATTEMPTS))
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        if register and wait_register:
            self.wait_registered()

    def _connect(self):
        deadline = time.monotonic() + PHONE_START_WAIT
        while time.monotonic() < deadline:
            rc = self.proc.poll()
            if rc is not None:
                self.returncode = rc
                return False
            try:
                self.sock = socket.create_connection((self.ip, self.ctrl_port), timeout=1)
                return True
            except OSError:
                time.sleep(0.05)
        fail('baresip for %s did not open its control port %s:%d within %d s'
             % (self.name, self.ip, self.ctrl_port, PHONE_START_WAIT))

    def _read(self):
        buf = b''
        self.sock.settimeout(None)
        try:
            while True:
                data = self.sock.recv(65536)
                if not data:
                    break
                buf += data
                while True:
                    colon = buf.find(b':')
                    if colon < 0:
                        break
                    if not buf[:colon].isdigit():
                        self.events.append({'event': True, 'type': 'HARNESS_BAD_FRAME', 'param': repr(buf[:80])})
                        buf = b''
                        break
                    n = int(buf[:colon])
                    if len(buf) < colon + 1 + n + 1:
                        break
                    frame = buf[colon + 1:colon + 1 + n]
                    buf = buf[colon + 2 + n:]
                    try:
                        msg = json.loads(frame.decode('utf-8', 'replace'))
                    except ValueError:
                        msg = {'event': True, 'type': 'HARNESS_BAD_JSON', 'param': frame[:200].decode('utf-8', 'replace')}
                    with self._cond:
                        msg['_t'] = time.monotonic()
                        if msg.get('response'):
                            self._responses[msg.get('token')] = msg
                        else:
                            self.events.append(msg)
                        self._cond.notify_all()
        except OSError:
            pass
        with self._cond:
            self._eof = True
            self._cond.notify_all()

    # ---- commands

    def command(self, command, params=None, timeout=COMMAND_WAIT):
        """Send a command; return the text baresip answered.  Fails if it says not ok."""
        with self._cond:
            self._token += 1
            token = 'e2e-%d' % self._token
        msg = {'command': command, 'token': token}
        if params is not None:
            msg['params'] = params
        data = json.dumps(msg).encode()
        try:
            self.sock.sendall(b'%d:%s,' % (len(data), data))
        except OSError as e:
            fail('%s: cannot send %r to baresip: %s' % (self.name, command, e))
        deadline = time.monotonic() + timeout
        with self._cond:
            while token not in self._responses:
                left = deadline - time.monotonic()
                if left <= 0 or self._eof:
                    fail('%s: baresip did not answer the command %r %r within %d s'
                         % (self.name, command, params, timeout))
                self._cond.wait(left)
            resp = self._responses.pop(token)
        if not resp.get('ok'):
            fail('%s: baresip refused the command %r %r: %r' % (self.name, command, params, resp.get('data')))
        return ANSI.sub('', resp.get('data') or '')

    def dial(self, user):
        self.command('dial', user)

    def accept(self):
        self.command('accept')

    def hangup(self):
        self.command('hangup')

    def calls(self):
        """[(state, peer uri, on hold?)] from /listcalls."""
        out = []
        for line in self.command('listcalls').splitlines():
            m = re.search(r'\[line \d+\]\s+\S+\s+(\S+)\s+(\(on hold\))?\s*(sip:\S+)', line)
            if m:
                out.append((m.group(1), m.group(3), bool(m.group(2))))
        return out

    def wait_registered(self):
        deadline = time.monotonic() + REGISTER_WAIT
        while True:
            info = self.command('reginfo')
            if re.search(r'%s\s+OK\b' % re.escape(self.aor), info):
                return
            if time.monotonic() > deadline:
                fail('%s did not register within %d s; reginfo says %r' % (self.name, REGISTER_WAIT, info))
            time.sleep(0.1)

    # ---- events

    def wait_event(self, etype, call_id=None, param=None, timeout=EVENT_WAIT):
        """The first event of this type (and call, and param if given) not handed out before."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for i, ev in enumerate(self.events):
                    if i in self._used or ev.get('type') != etype:
                        continue
                    if call_id is not None and ev.get('id') != call_id:
                        continue
                    if param is not None and ev.get('param') != param:
                        continue
                    self._used.add(i)
                    return ev
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._cond.wait(min(left, 0.5))
                if self.proc.poll() is not None:
                    break
        rc = self.proc.poll()
        fail('%s: no %s event%s%s within %d s%s; its events: %s'
             % (self.name, etype, ' for call %s' % call_id if call_id else '',
                ' with param %r' % param if param is not None else '', timeout,
                ' (baresip exited with status %s)' % rc if rc is not None else '',
                self.event_summary()))

    def no_event(self, etype, call_id=None):
        with self._cond:
            bad = [ev for ev in self.events if ev.get('type') == etype
                   and (call_id is None or ev.get('id') == call_id)]
        if bad:
            fail('%s: unexpected %s event: %r' % (self.name, etype, bad[0]))

    def event_summary(self):
        with self._cond:
            evs = list(self.events)
        return ', '.join('%s(%s)' % (e.get('type'), e.get('param', '')) for e in evs
                         if e.get('type') not in ('CALL_RTCP',)) or '(none)'

    # ---- the SIP trace in the log

    def log_text(self):
        return ANSI.sub('', read_text(self.log_path))

    def sip_messages(self, with_addrs=False):
        """[(direction, text)] from baresip's SIP trace: 'sent' or 'recv'.
        with_addrs: [(direction, text, 'UDP'|'TCP'|'TLS', source, destination)].
        Over UDP the phone sends from its own address; over TCP and TLS it connects
        from an ephemeral port of 127.0.0.1 (baresip 1.0.0 does not bind its outgoing
        connections to net_interface), so a message counts as received when it comes
        from the exchange's stream port or is addressed to the phone's own IP."""
        out = []
        me = '%s:%d' % (self.ip, self.sip_port)
        exchange = getattr(self, 'exchange_hostport', None)
        blocks = re.split(r'^#\n', self.log_text(), flags=re.M)
        for b in blocks:
            m = re.match(r'(UDP|TCP|TLS) (\S+) -> (\S+)\n', b)
            if not m:
                continue
            text = b[m.end():]
            src, dst = m.group(2), m.group(3)
            recv = src != me and (dst.rsplit(':', 1)[0] == self.ip or src == exchange)
            d = 'recv' if recv else 'sent'
            out.append((d, text, m.group(1), src, dst) if with_addrs else (d, text))
        return out

    def flow(self):
        """(transport, local 'IP:PORT') of the phone's last REGISTER, from its SIP trace."""
        regs = [(t, src) for d, text, t, src, dst in self.sip_messages(with_addrs=True)
                if d == 'sent' and text.startswith('REGISTER ')]
        check(regs, '%s: no REGISTER in its SIP trace' % self.name)
        return regs[-1]

    def diary_addr(self):
        """What the diary's caller_addr/callee_addr should say for this phone: the
        address the exchange sees its requests come from, with the transport."""
        if self.transport == 'udp':
            return '%s:%d (UDP)' % (self.ip, self.sip_port)
        t, src = self.flow()
        return '%s (%s)' % (src, t)

    def sip(self, direction, first_line_re, cseq_method=None, body_re=None):
        """The SIP messages of the trace whose first line matches (and CSeq method, body)."""
        out = []
        for d, text in self.sip_messages():
            if d != direction:
                continue
            first = text.split('\n', 1)[0]
            if not re.match(first_line_re, first):
                continue
            if cseq_method and not re.search(r'^CSeq:\s*\d+\s+%s\s*$' % cseq_method, text, re.M | re.I):
                continue
            if body_re and not re.search(body_re, text, re.M):
                continue
            out.append(text)
        return out

    def wait_sip(self, direction, first_line_re, cseq_method=None, body_re=None, what=None,
                 timeout=5, count=1):
        """Like sip(), but waits (bounded) for count matches to reach the log (a phone
        writes its trace after sending, so the peer may see the message first)."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.sip(direction, first_line_re, cseq_method, body_re)
            if len(found) >= count:
                return found
            if time.monotonic() > deadline:
                fail('%s: %s (not in its SIP trace after %d s)' % (self.name, what, timeout))
            time.sleep(0.1)

    # ---- stop

    def crash(self):
        """SIGKILL (by PID): the phone vanishes without unregistering, like a phone
        whose battery died or a laptop that went to sleep."""
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self.returncode = self.proc.returncode
        if not self.log.closed:
            self.log.close()

    def stop(self):
        """'quit' (baresip unregisters and exits), then SIGTERM, then SIGKILL: by PID only."""
        if self.proc is None or self.returncode is not None:
            return
        if self.proc.poll() is None and self.sock is not None and not self._eof:
            try:
                data = json.dumps({'command': 'quit', 'token': 'quit'}).encode()
                self.sock.sendall(b'%d:%s,' % (len(data), data))
            except OSError:
                pass
            try:
                self.proc.wait(PHONE_STOP_WAIT)
            except subprocess.TimeoutExpired:
                pass
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(PHONE_STOP_WAIT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.returncode = self.proc.returncode
        if self.sock is not None:
            try:
                self.sock.close()
            except OSError:
                pass
        if not self.log.closed:
            self.log.close()


# --------------------------------------------------------------------------
# a linphonec phone: Debian's linphone-cli, the same liblinphone as Linphone
# Desktop and Android, driven on its stdin (TECH-NOTES-2 §4)

# No inline comments in this file: linphonec takes everything after "=" as the value.
# Only the phone's own transport is on (a port of 0 turns one off).
LINPHONEC_RC = """\
[sip]
sip_port={udp_port}
sip_tcp_port={tcp_port}
sip_tls_port={tls_port}
default_proxy=0
register_only_when_network_is_up=0
verify_server_certs={verify}
verify_server_cn={verify}
bind_address={ip}
guess_hostname=0
[proxy_0]
reg_proxy=<sip:{exchange};transport={transport}>
reg_route=<sip:{exchange};transport={transport};lr>
reg_identity=sip:{user}@{dom}
reg_expires=600
reg_sendregister=1
publish=0
[rtp]
audio_rtp_port={rtp_port}
video_rtp_port={video_rtp_port}
bind_address={ip}
[video]
enabled=0
[storage]
uri=null
call_logs_db_uri=null
zrtp_secrets_db_uri=null
[misc]
uuid={uuid}
"""

LINPHONEC_TIMESTAMP = r'\d{4}-\d\d-\d\d \d\d:\d\d:\d\d:\d{3} '


def write_tone(path, seconds=60, rate=8000, hz=440):
    """A mono 16-bit WAV file with a sine tone: linphonec's microphone."""
    import math
    import struct
    import wave
    one = b''.join(struct.pack('<h', int(8000 * math.sin(2 * math.pi * hz * i / rate))) for i in range(rate))
    with wave.open(path, 'wb') as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(one * seconds)


def free_rtp_port(ip, avoid=()):
    """An even UDP port on ip with the next one (RTCP) free too."""
    for _ in range(200):
        p = free_port(ip, ('udp',), avoid=avoid)
        if p % 2 == 0 and p + 1 < 65536 and p + 1 not in avoid:
            t = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            try:
                t.bind((ip, p + 1))
                return p
            except OSError:
                pass
            finally:
                t.close()
    fail('could not find two free UDP ports in a row on %s' % ip)


def proc_socket_inodes(pid):
    out = set()
    try:
        for fd in os.listdir('/proc/%d/fd' % pid):
            try:
                link = os.readlink('/proc/%d/fd/%s' % (pid, fd))
            except OSError:
                continue
            m = re.fullmatch(r'socket:\[(\d+)\]', link)
            if m:
                out.add(m.group(1))
    except OSError:
        pass
    return out


def hex_addr(text):
    ip, port = text.split(':')
    return '%s:%d' % (socket.inet_ntoa(bytes.fromhex(ip)[::-1]), int(port, 16))


def tcp_connections(pid):
    """[(local 'IP:PORT', remote 'IP:PORT')] of the established IPv4 TCP connections
    of process pid (from /proc: what the kernel says, not what the program logs)."""
    inodes = proc_socket_inodes(pid)
    out = []
    try:
        with open('/proc/net/tcp') as f:
            for line in f.readlines()[1:]:
                cols = line.split()
                if len(cols) > 9 and cols[3] == '01' and cols[9] in inodes:
                    out.append((hex_addr(cols[1]), hex_addr(cols[2])))
    except OSError:
        pass
    return out


class Linphonec:
    """One linphonec process with a private rc file in its own folder, driven on
    stdin; its stdout is collected as one text (lines can run together, so
    everything is matched with a regex search).  Registration is never printed:
    "status register" is polled.  Stopped with "quit" (it unregisters), then by
    PID: it does not exit on EOF on its stdin."""

    ua_word = 'linphone'

    def __init__(self, ctx, srv, user, ip, transport='udp', label=None, verify_certs=False, register=True):
        # verify_certs: check the exchange's TLS certificate, as Linphone does by default
        # (verify_server_certs=1); the tests turn it off, as the setup code would.
        # register: wait until it has registered
        if not ctx.linphonec_path:
            fail('this test needs linphonec (Debian package linphone-cli, installed by '
                 'build-aux/install-deps.sh), and it is not installed')
        self.ctx = ctx
        self.srv = srv
        self.user = user
        self.name = label or user
        self.ip = ip
        self.transport = transport
        self.verify_certs = verify_certs
        self.aor = 'sip:%s@%s' % (user, DOM)
        port = srv.port if transport == 'udp' else srv.tcp_port if transport == 'tcp' else srv.tls_port
        check(port, 'the exchange does not listen on %s%s'
              % (transport, ': ' + srv.tls_problem if transport == 'tls' and srv.tls_problem else ''))
        self.exchange_hostport = '%s:%d' % (EXCHANGE_IP, port)
        self.dir = os.path.join(ctx.dir, 'linphonec-' + self.name)
        self.rc_path = os.path.join(self.dir, 'linphonerc')
        self.log_path = os.path.join(self.dir, 'linphonec.log')
        self.out = ''
        self.events = []            # (for Ctx.dump's summary line; linphonec has none)
        self.returncode = None
        self.proc = None
        self._cond = threading.Condition()
        self._eof = False
        # Its +sip.instance (liblinphone keeps it in the rc as [misc] uuid): the same
        # after a restart, as on a real phone.
        self.uuid = str(uuid.uuid4())
        self.restarts = 0
        os.makedirs(self.dir)
        ctx.phones.append(self)
        self._start(register)

    def _start(self, register, avoid=()):
        """Start linphonec on a free SIP port (not one in avoid) and get it ready to
        call: a WAV file as its microphone; registered unless register is False."""
        ctx, ip, transport = self.ctx, self.ip, self.transport
        for attempt in range(ATTEMPTS):
            self.sip_port = free_port(ip, ('udp', 'tcp'), avoid=avoid)
            self.rtp_port = free_rtp_port(ip, avoid=(self.sip_port,))
            video = free_rtp_port(ip, avoid=(self.sip_port, self.rtp_port, self.rtp_port + 1))
            with open(self.rc_path, 'w') as f:
                f.write(LINPHONEC_RC.format(
                    ip=ip, user=self.user, dom=DOM, exchange=self.exchange_hostport, transport=transport,
                    udp_port=self.sip_port if transport == 'udp' else 0,
                    tcp_port=self.sip_port if transport == 'tcp' else 0,
                    tls_port=self.sip_port if transport == 'tls' else 0,
                    rtp_port=self.rtp_port, video_rtp_port=video, verify=int(self.verify_certs),
                    uuid=self.uuid))
            self.cmd = [ctx.linphonec_path, '-c', self.rc_path, '-d', '6', '-l', self.log_path]
            # HOME: its own folder, or it writes ~/.linphonec_history and ~/.linphone-zidcache
            env = dict(os.environ, HOME=self.dir, XDG_CONFIG_HOME=self.dir, XDG_DATA_HOME=self.dir,
                       XDG_CACHE_HOME=self.dir)
            self._eof = False
            self.proc = subprocess.Popen(self.cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         stderr=subprocess.STDOUT, cwd=self.dir, env=env)
            self._reader = threading.Thread(target=self._read, daemon=True)
            self._reader.start()
            started = self._started()
            if started == 'ok':
                break
            if started == 'exited':
                fail('linphonec for %s exited with status %s at start (see its output)'
                     % (self.name, self.returncode))
            # it runs, but not on our SIP port: taken between our check and its bind
            self.stop()
            self.returncode = None
            os.replace(self.log_path, self.log_path + '.attempt-%d' % (attempt + 1))
            self.out = ''
        else:
            fail('linphonec for %s could not bind its SIP port after %d attempts' % (self.name, ATTEMPTS))
        # No sound card here: liblinphone would send no RTP at all.  With "soundcard use
        # files" it plays a WAV file as its microphone (a 440 Hz tone) and sends it.
        write_tone(os.path.join(self.dir, 'tone.wav'))
        mark = self.mark()
        self.send('soundcard use files')
        self.wait_for(r'Using wav files instead of soundcard', since=mark, timeout=COMMAND_WAIT,
                      what='that it uses WAV files instead of a sound card')
        self.send('play %s' % os.path.join(self.dir, 'tone.wav'))
        if register:
            self.wait_registered()

    def restart(self):
        """Killed (SIGKILL, by PID: it cannot unregister, as when Android ends the app
        or a laptop drops off the network), then started again with the same rc and
        instance on a new SIP port, and registered.  Its earlier output and log are
        kept beside the new ones (…before-restart-N)."""
        old_port = self.sip_port
        self.kill()
        self.restarts += 1
        os.replace(self.log_path, '%s.before-restart-%d' % (self.log_path, self.restarts))
        with open('%s.out.before-restart-%d' % (self.log_path, self.restarts), 'w') as f:
            f.write(self.out)
        self.out = ''
        self.returncode = None
        self._start(True, avoid=(old_port,))

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self.returncode = self.proc.returncode
        self._reader.join(2)

    def _read(self):
        fd = self.proc.stdout.fileno()
        while True:
            try:
                data = os.read(fd, 65536)
            except OSError:
                data = b''
            with self._cond:
                if not data:
                    self._eof = True
                    self._cond.notify_all()
                    return
                self.out += data.decode('utf-8', 'replace')
                self._cond.notify_all()

    def _started(self):
        """'ok' once linphonec answers "ports" with our SIP port; 'port' when it runs on
        another one (ours was taken); 'exited'."""
        deadline = time.monotonic() + PHONE_START_WAIT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self.returncode = self.proc.returncode
                return 'exited'
            mark = self.mark()
            try:
                self.proc.stdin.write(b'ports\n')
                self.proc.stdin.flush()
            except OSError:
                time.sleep(0.1)
                continue
            m = self.wait_for(r'sip port = (-?\d+)', since=mark, timeout=1, what=None)
            if m:
                return 'ok' if int(m.group(1)) == self.sip_port else 'port'
        fail('linphonec for %s did not answer "ports" within %d s' % (self.name, PHONE_START_WAIT))

    # ---- commands and output

    def send(self, line):
        try:
            self.proc.stdin.write((line + '\n').encode())
            self.proc.stdin.flush()
        except (OSError, ValueError) as e:
            fail('%s: cannot send %r to linphonec: %s (exit status %s)'
                 % (self.name, line, e, self.proc.poll()))

    def mark(self):
        """A position in the output; wait_for(since=mark) looks only at what came after."""
        with self._cond:
            return len(self.out)

    def wait_for(self, regex, since=0, timeout=EVENT_WAIT, what=''):
        """The first match of regex in the output after since, waiting (bounded) for it.
        what=None: return None on timeout instead of failing."""
        pat = re.compile(regex)
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                m = pat.search(self.out, since)
                if m:
                    return m
                left = deadline - time.monotonic()
                if left <= 0 or self._eof:
                    break
                self._cond.wait(min(left, 0.5))
            tail = self.out[since:][-1500:]
        if what is None:
            return None
        fail('%s: linphonec did not print %s (%r) within %d s%s; its output since: %r'
             % (self.name, what or 'the expected line', regex, timeout,
                ' (it exited with status %s)' % self.proc.poll() if self.proc.poll() is not None else '',
                tail))

    def no_output(self, regex, since=0):
        with self._cond:
            m = re.search(regex, self.out[since:])
        if m:
            fail('%s: linphonec unexpectedly printed %r' % (self.name, m.group(0)))

    def registration(self):
        """What "status register" says: 'registered, identity=…', 'registered=-1'
        (in progress), 'registered=0' (none), or None when it does not answer."""
        mark = self.mark()
        self.send('status register')
        m = self.wait_for(r'registered(=-?\d+|, identity=\S+)', since=mark, timeout=2, what=None)
        return m.group(0) if m else None

    def wait_registered(self):
        deadline = time.monotonic() + REGISTER_WAIT
        want = r'registered, identity=%s\b' % re.escape(self.aor)
        while True:
            m = self.registration()
            if m and re.match(want, m):
                return
            if time.monotonic() > deadline:
                fail('%s (linphonec) did not register within %d s; "status register" says %r'
                     % (self.name, REGISTER_WAIT, m))
            time.sleep(0.2)

    def call(self, uri):
        """Dial; return the call's number (the "assigned id")."""
        mark = self.mark()
        self.send('call %s' % uri)
        m = self.wait_for(r'Establishing call id to <?[^,>\n]*>?, assigned id (\d+)', since=mark,
                          what='that it is calling %s' % uri)
        return int(m.group(1))

    def wait_incoming(self, since=0):
        """Wait for an incoming call; return (its number, the caller's URI)."""
        m = self.wait_for(r'Receiving new incoming call from <?([^,>\n]+)>?, assigned id (\d+)', since=since,
                          what='an incoming call')
        return int(m.group(2)), m.group(1)

    def answer(self, n):
        mark = self.mark()
        self.send('answer %d' % n)
        self.wait_connected(n, since=mark)

    def wait_connected(self, n, since=0):
        return self.wait_for(r'Call %d with <?([^>\n]*?)>? connected\.' % n, since=since,
                             what='call %d connected' % n)

    def wait_media(self, n, since=0, timeout=EVENT_WAIT):
        return self.wait_for(r'Media streams established with <?[^>\n]*?>? for call %d \(audio' % n,
                             since=since, timeout=timeout, what='media established for call %d' % n)

    def terminate(self, n):
        self.send('terminate %d' % n)

    def wait_ended(self, n, since=0):
        return self.wait_for(r'Call %d with <?[^>\n]*?>? ended \(([^)]*)\)' % n, since=since,
                             what='call %d ended' % n)

    def calls(self):
        """[(number, destination, state)] from its "calls" table."""
        mark = self.mark()
        self.send('calls')
        m = self.wait_for(r'(?s)Call states.*?linphonec> |No active calls?', since=mark, timeout=COMMAND_WAIT,
                          what='its list of calls')
        text = m.group(0)
        return [(int(m.group(1)), m.group(2).strip(), m.group(3).strip())
                for m in re.finditer(r'^\s*(\d+)\s*\|\s*([^|]+?)\s*\|\s*(\w+)', text, re.M)]

    # ---- what it did on the wire

    def log_text(self):
        return read_text(self.log_path) if os.path.exists(self.log_path) else ''

    def sip(self, direction, first_line_re, cseq_method=None):
        """SIP messages in liblinphone's log ('sent' or 'recv'), as
        [(transport, peer 'IP:PORT', text)] (a received chunk may hold several)."""
        out = []
        pat = re.compile(r'(message sent to|new bytes from) \[(\w+)://([^\]]+)\][^\n]*\n(.*?)(?=\n%s|\Z)'
                         % LINPHONEC_TIMESTAMP, re.S)
        for m in pat.finditer(self.log_text()):
            d = 'sent' if m.group(1) == 'message sent to' else 'recv'
            text = m.group(4)
            if d != direction or not re.match(first_line_re, text):
                continue
            if cseq_method and not re.search(r'^CSeq:\s*\d+\s+%s\s*$' % cseq_method, text, re.M | re.I):
                continue
            out.append((m.group(2).upper(), m.group(3), text))
        return out

    def wait_sip(self, direction, first_line_re, cseq_method=None, what=None, timeout=5):
        deadline = time.monotonic() + timeout
        while True:
            found = self.sip(direction, first_line_re, cseq_method)
            if found:
                return found
            if time.monotonic() > deadline:
                fail('%s: %s (not in linphonec\'s log after %d s)' % (self.name, what, timeout))
            time.sleep(0.1)

    def flow(self):
        """(transport, local 'IP:PORT') of its connection to the exchange (TCP: from /proc)."""
        if self.transport == 'udp':
            return 'UDP', '%s:%d' % (self.ip, self.sip_port)
        conns = [l for l, r in tcp_connections(self.proc.pid) if r == self.exchange_hostport]
        check(len(conns) == 1, '%s: linphonec has %d connections to the exchange %s, expected one: %s'
              % (self.name, len(conns), self.exchange_hostport, tcp_connections(self.proc.pid)))
        return self.transport.upper(), conns[0]

    def diary_addr(self):
        t, addr = self.flow()
        return '%s (%s)' % (addr, t)

    def event_summary(self):
        return '(linphonec: see its output)'

    def rtp_received(self):
        """RTP packets received per audio stream that has ended, from oRTP's statistics
        in the log (printed when a call's stream stops)."""
        return [int(n) for n in re.findall(r'ortp-message-received\s+(\d+) packets', self.log_text())]

    def wait_rtp_received(self, count, what, timeout=5):
        """Wait until count streams have ended; the last one must have received RTP."""
        deadline = time.monotonic() + timeout
        while True:
            got = self.rtp_received()
            if len(got) >= count:
                check(got[count - 1] > 0, '%s: linphonec received no RTP in %s (oRTP: received %d packets)'
                      % (self.name, what, got[count - 1]))
                return got[count - 1]
            if time.monotonic() > deadline:
                fail('%s: linphonec\'s log has no RTP statistics for %s after %d s' % (self.name, what, timeout))
            time.sleep(0.1)

    # ---- stop

    def stop(self):
        """"quit" (it unregisters and exits), then SIGTERM, then SIGKILL: by PID only."""
        if self.proc is None or self.returncode is not None:
            return
        if self.proc.poll() is None:
            try:
                self.proc.stdin.write(b'quit\n')
                self.proc.stdin.flush()
            except (OSError, ValueError):
                pass
            try:
                self.proc.wait(PHONE_STOP_WAIT)
            except subprocess.TimeoutExpired:
                pass
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(PHONE_STOP_WAIT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.returncode = self.proc.returncode
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        self._reader.join(2)


# --------------------------------------------------------------------------
# sipp, for the two cases baresip cannot play (a 603 Decline; a Linphone-sized offer)

class Sipp:
    def __init__(self, ctx, label, scenario, ip, port, remote=None, keys=None, service=None):
        if not ctx.sipp_path:
            fail('this test needs sipp (Debian package sip-tester, installed by build-aux/install-deps.sh), '
                 'and it is not installed')
        self.label = label
        self.port = port
        self.returncode = None
        base = os.path.join(ctx.dir, 'sipp-' + label)
        self.files = {k: '%s_%s.log' % (base, k) for k in ('messages', 'errors')}
        self.out_path = base + '.out'
        cmd = [ctx.sipp_path]
        if remote:
            cmd.append(remote)
        cmd += ['-sf', os.path.join(HERE, scenario), '-i', ip, '-p', str(port), '-m', '1',
                '-nostdin', '-timeout', '%ds' % (SIPP_WALL - 10), '-timeout_error',
                '-trace_err', '-error_file', self.files['errors'],
                '-trace_msg', '-message_file', self.files['messages'], '-key', 'dom', DOM]
        for k, v in (keys or {}).items():
            cmd += ['-key', k, str(v)]
        if service:
            cmd += ['-s', service]
        self.cmd = cmd
        self.out = open(self.out_path, 'wb')
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=self.out,
                                     stderr=subprocess.STDOUT, cwd=ctx.dir)
        self.started = time.monotonic()
        ctx.sipps.append(self)

    def wait(self):
        if self.returncode is None:
            try:
                self.returncode = self.proc.wait(max(0.1, SIPP_WALL - (time.monotonic() - self.started)))
            except subprocess.TimeoutExpired:
                self.kill()
                fail('sipp %s still running after %d s: killed' % (self.label, SIPP_WALL))
            self.out.close()
        return self.returncode

    def check(self):
        rc = self.wait()
        if rc == 254:
            raise PortInUse('sipp %s could not bind its port %d' % (self.label, self.port))
        if rc != 0:
            fail('sipp %s exited with status %d (see its logs below)' % (self.label, rc))

    def wait_bound(self, ip):
        deadline = time.monotonic() + 5
        want = ':%04X' % self.port
        hexip = socket.inet_aton(ip)[::-1].hex().upper()
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self.check()
                fail('sipp %s exited before the call' % self.label)
            try:
                with open('/proc/net/udp') as f:
                    if any(l.split()[1] == hexip + want for l in f.readlines()[1:]):
                        return
            except OSError:
                time.sleep(0.5)
                return
            time.sleep(0.02)
        fail('sipp %s did not bind %s:%d within 5 s' % (self.label, ip, self.port))

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.returncode = self.proc.returncode
        if not self.out.closed:
            self.out.close()


def sipp_register(ctx, srv, ip, user, scenario):
    """Register user from sipp on a free port of ip; return the port (the
    sipp callee or caller started next uses the same one)."""
    for attempt in range(ATTEMPTS):
        port = free_port(ip)
        reg = Sipp(ctx, 'register-%s-%d' % (user, attempt + 1), scenario, ip, port,
                   remote=srv.addr, keys={'me': user})
        try:
            reg.check()
            return port
        except PortInUse:
            if attempt == ATTEMPTS - 1:
                raise


# --------------------------------------------------------------------------
# test context

class Ctx:
    def __init__(self, name, index, args):
        self.name = name
        self.server_path = args.server
        self.baresip_path = args.baresip
        self.sipp_path = args.sipp
        self.linphonec_path = args.linphonec
        self.stdbuf = shutil.which('stdbuf')     # exec's baresip: the PID stays baresip's
        self.dir = tempfile.mkdtemp(prefix='ustredna-e2e-%s-' % name)
        self.servers = []
        self.phones = []
        self.sipps = []
        self.notes = []
        self.base = FIRST_ADDR + ADDRS_PER_TEST * index
        self.next_addr = 0

    def addr(self):
        """The next loopback address of this test's own block."""
        if self.next_addr >= ADDRS_PER_TEST:
            fail('harness: test uses more than %d addresses' % ADDRS_PER_TEST)
        a = '127.0.0.%d' % (self.base + self.next_addr)
        self.next_addr += 1
        return a

    def server(self, extra=(), port=0, data_dir=None, listen=EXCHANGE_IP):
        return Server(self, extra, port, data_dir, listen)

    def phone(self, srv, user, **kw):
        return Phone(self, srv, user, self.addr(), **kw)

    def linphonec(self, srv, user, **kw):
        return Linphonec(self, srv, user, self.addr(), **kw)

    def note(self, text):
        self.notes.append(text)
        print('  ' + text)
        sys.stdout.flush()

    def stop_all(self):
        for s in self.sipps:
            s.kill()
        for p in self.phones:
            p.stop()
        failure = None
        for srv in self.servers:
            try:
                srv.stop()
            except TestFailure as e:
                failure = failure or e
        self.save_server_output()
        if failure:
            raise failure

    def save_server_output(self):
        """The exchange's stdout and stderr, beside its data folder (for --keep)."""
        for i, srv in enumerate(self.servers, 1):
            for kind, lines in (('stdout', srv.out_lines), ('stderr', srv.err_lines)):
                with open(os.path.join(self.dir, 'exchange-%d.%s' % (i, kind)), 'w', encoding='utf-8') as f:
                    f.write(''.join(lines))

    def abort(self):
        for s in self.sipps:
            s.kill()
        for p in self.phones:
            try:
                p.stop()
            except Exception:
                pass
        for srv in self.servers:
            if srv.returncode is None:
                try:
                    srv.stop()
                except TestFailure as e:
                    srv.note = str(e)
                srv.kill()

    def dump(self):
        out = []
        for i, srv in enumerate(self.servers, 1):
            out.append('=== exchange #%d: %s' % (i, ' '.join(srv.cmd)))
            out.append('    exit status: %s%s %s' % (srv.returncode, signame(srv.returncode), srv.note))
            out.append('--- exchange #%d stdout:' % i)
            out.append(''.join(srv.out_lines).rstrip('\n') or '(empty)')
            out.append('--- exchange #%d stderr:' % i)
            out.append(''.join(srv.err_lines).rstrip('\n') or '(empty)')
            out.append('--- exchange #%d call diary (%s):' % (i, srv.data_dir))
            try:
                calls, events = srv.diary()
                out.append('calls (%d):' % len(calls))
                out.extend('  ' + format_row(c) for c in calls)
            except TestFailure as e:
                out.append('(%s)' % e)
            out.append('--- calls.txt:')
            out.extend(srv.diary_text() or ['(empty)'])
        for p in self.phones:
            out.append('=== phone %s (%s:%s, control %s): %s, exit status %s'
                       % (p.name, p.ip, getattr(p, 'sip_port', '?'), getattr(p, 'ctrl_port', '?'),
                          ' '.join(getattr(p, 'cmd', [])), p.returncode))
            out.append('--- %s events: %s' % (p.name, p.event_summary()))
            if isinstance(p, Linphonec):
                out.append('--- %s stdout:' % p.name)
                out.append(p.out.rstrip('\n'))
            out.append('--- %s log (%s):' % (p.name, p.log_path))
            out.append(p.log_text().rstrip('\n'))
        for s in self.sipps:
            out.append('=== sipp %s: exit status %s\n    %s' % (s.label, s.returncode, ' '.join(s.cmd)))
            for path in list(s.files.values()) + [s.out_path]:
                if os.path.exists(path) and os.path.getsize(path):
                    out.append('--- %s:' % os.path.basename(path))
                    out.append(read_text(path).rstrip('\n'))
        write_err('\n'.join(out) + '\n')

    def cleanup(self):
        shutil.rmtree(self.dir, ignore_errors=True)


# --------------------------------------------------------------------------
# building blocks

def connect(a, b, callee_user=None):
    """a dials b, b answers; both report the call established. Returns the Call-ID."""
    a.dial(callee_user or b.user)
    inc = b.wait_event('CALL_INCOMING')
    cid = inc['id']
    check(inc.get('peeruri') == a.aor,
          '%s: incoming call from %r, expected %r' % (b.name, inc.get('peeruri'), a.aor))
    a.wait_event('CALL_RINGING', cid)
    b.accept()
    a.wait_event('CALL_ESTABLISHED', cid)
    b.wait_event('CALL_ESTABLISHED', cid)
    return cid


def expect_media(a, b, cid, kind='audio'):
    """RTP arrived at both ends: the SDP offer and answer crossed the exchange intact."""
    a.wait_event('CALL_RTPESTAB', cid, param=kind)
    b.wait_event('CALL_RTPESTAB', cid, param=kind)


def stay_up(seconds, phones, cid, srv):
    """Nobody's call ends for this long (checked every 0.5 s, so a drop is seen at once)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for p in phones:
            p.no_event('CALL_CLOSED', cid)
        srv.alive()
        time.sleep(0.5)
    for p in phones:
        p.no_event('CALL_CLOSED', cid)


def same_user(uri, phone):
    """uri names phone's user at the exchange (any port or URI parameters: a phone
    registered over TCP or TLS has the exchange's port and transport in its URIs)."""
    m = re.match(r'<?sips?:([^@]+)@([^:;>]+)', uri or '')
    return bool(m) and (m.group(1), m.group(2)) == (phone.user, DOM)


def expect_established(phone, peer, count=1):
    calls = phone.calls()
    est = [c for c in calls if c[0] == 'ESTABLISHED' and same_user(c[1], peer)]
    check(len(est) == count, '%s: /listcalls shows %r, expected %d established call(s) with %s'
          % (phone.name, calls, count, peer.aor))
    return est


def closed(phone, cid, reason=None, timeout=EVENT_WAIT):
    ev = phone.wait_event('CALL_CLOSED', cid, timeout=timeout)
    if reason is not None:
        check(ev.get('param') == reason, '%s: call %s closed with %r, expected %r'
              % (phone.name, cid, ev.get('param'), reason))
    return ev


def answered_call_row(srv, cid, ended_by, caller, callee, min_talk=None):
    row = srv.wait_call(cid, lambda r: r['state'] == 'ended', 'the call ended')
    expect_row(row, ended_by=ended_by, final_code=200, caller=caller.user + '@' + DOM, callee=callee.user + '@' + DOM,
               caller_addr=caller.diary_addr(), callee_addr=callee.diary_addr())
    check(row['answer_time'] > 0 and row['end_time'] >= row['answer_time'] >= row['start_time'] > 0,
          'diary row times out of order: %s' % format_row(row))
    if min_talk is not None:
        talk = (row['end_time'] - row['answer_time']) / 1e6
        check(talk >= min_talk, 'diary says the call lasted %.1f s from answer to end, expected >= %.1f s'
              % (talk, min_talk))
    for who, phone in (('caller', caller), ('callee', callee)):
        check(phone.ua_word in (row[who + '_ua'] or '').lower(),
              'diary row does not name %s as the %s\'s user agent: %s' % (phone.ua_word, who, format_row(row)))
    return row


# --------------------------------------------------------------------------
# the scenarios

def test_call_caller_hangs_up(ctx):
    """1. A calls B, B answers, they talk 3 s, A hangs up."""
    srv = ctx.server()
    a = ctx.phone(srv, 'alice')
    b = ctx.phone(srv, 'bob')
    cid = connect(a, b)
    expect_media(a, b, cid)
    row = srv.wait_call(cid, lambda r: r['state'] == 'answered', 'the call answered')
    expect_events(row, ['calling', 'ringing', 'started'])
    stay_up(3, (a, b), cid, srv)
    expect_established(a, b)
    expect_established(b, a)
    a.hangup()
    closed(a, cid, 'Connection reset by user')
    closed(b, cid, 'Connection reset by peer')
    row = answered_call_row(srv, cid, 'caller', a, b, min_talk=2.9)
    expect_events(row, ['calling', 'ringing', 'started', 'ended'])
    check(row['video'] == 0 and row['on_hold'] == 0, 'audio call marked video/hold: %s' % format_row(row))
    srv.wait_text(cid, 'STARTED')
    srv.wait_text(cid, 'ENDED')
    # the BYE went through the exchange (loose routing via its Record-Route)
    b.wait_sip('recv', r'BYE ', 'BYE',
               what='bob never received the BYE')


def test_all_addresses(ctx):
    """The exchange on 0.0.0.0, each phone sending to a different address of it (two
    networks in miniature): the call goes through, double record-routed, and the BYE
    finds its way back."""
    srv = ctx.server(listen='0.0.0.0')
    a_side, b_side = ctx.addr(), ctx.addr()
    a = ctx.phone(srv, 'alice', exchange='%s:%d' % (a_side, srv.port))
    b = ctx.phone(srv, 'bob', exchange='%s:%d' % (b_side, srv.port))
    cid = connect(a, b)
    expect_media(a, b, cid)
    invite = b.wait_sip('recv', r'INVITE ', what='bob never received the INVITE')[0]
    rr = re.findall(r'^Record-Route:\s*(.*?)\s*$', invite, re.M | re.I)
    routes = [v.strip() for line in rr for v in line.split(',')]
    # toward bob the exchange is what the routes pick (127.0.0.1 on loopback); toward
    # alice it is the address she sent to
    want = ['<sip:127.0.0.1:%d;lr>' % srv.port, '<sip:%s:%d;lr>' % (a_side, srv.port)]
    check(routes == want, 'bob\'s INVITE: Record-Route %r, expected %r' % (routes, want))
    a.hangup()
    closed(a, cid, 'Connection reset by user')
    closed(b, cid, 'Connection reset by peer')
    b.wait_sip('recv', r'BYE ', 'BYE', what='bob never received the BYE')
    answered_call_row(srv, cid, 'caller', a, b)


def test_call_callee_hangs_up(ctx):
    """2. A calls B, B answers, B hangs up."""
    srv = ctx.server()
    a = ctx.phone(srv, 'alice')
    b = ctx.phone(srv, 'bob')
    cid = connect(a, b)
    expect_media(a, b, cid)
    stay_up(2, (a, b), cid, srv)
    b.hangup()
    closed(b, cid, 'Connection reset by user')
    closed(a, cid, 'Connection reset by peer')
    row = answered_call_row(srv, cid, 'callee', a, b, min_talk=1.9)
    expect_events(row, ['calling', 'ringing', 'started', 'ended'])
    srv.wait_text(cid, 'ENDED')
    a.wait_sip('recv', r'BYE ', 'BYE',
               what='alice never received the BYE')


def test_cancel_before_answer(ctx):
    """3. A calls B and gives up while B is still ringing (CANCEL)."""
    srv = ctx.server()
    a = ctx.phone(srv, 'alice')
    b = ctx.phone(srv, 'bob')
    a.dial('bob')
    cid = b.wait_event('CALL_INCOMING')['id']
    a.wait_event('CALL_RINGING', cid)
    time.sleep(1)
    a.hangup()
    closed(a, cid)
    closed(b, cid)
    a.no_event('CALL_ESTABLISHED', cid)
    b.no_event('CALL_ESTABLISHED', cid)
    b.wait_sip('recv', r'CANCEL ', 'CANCEL',
               what='bob never received the CANCEL')
    b.wait_sip('sent', r'SIP/2.0 487 ', 'INVITE',
               what='bob never answered the INVITE with 487')
    row = srv.wait_call(cid, lambda r: r['state'] == 'cancelled', 'the call cancelled')
    expect_row(row, final_code=487, ended_by='caller', answer_time=0, caller='alice@127.0.0.1',
               callee='bob@127.0.0.1')
    expect_events(row, ['calling', 'ringing', 'cancelled'])
    srv.wait_text(cid, 'CANCELLED')


def test_reject_busy(ctx):
    """4a. B rejects the ringing call: baresip answers 486 Busy Here ("Rejected")."""
    srv = ctx.server()
    a = ctx.phone(srv, 'alice')
    b = ctx.phone(srv, 'bob')
    a.dial('bob')
    cid = b.wait_event('CALL_INCOMING')['id']
    a.wait_event('CALL_RINGING', cid)
    b.hangup()
    closed(a, cid, '486 Rejected')
    closed(b, cid)
    a.no_event('CALL_ESTABLISHED', cid)
    row = srv.wait_call(cid, lambda r: r['state'] == 'busy', 'the call busy')
    expect_row(row, final_code=486, final_reason='Rejected', ended_by='callee', answer_time=0)
    srv.wait_text(cid, 'REJECTED 486 Rejected')
    # the exchange acknowledged the 486 hop by hop: bob got an ACK for it
    b.wait_sip('recv', r'ACK ', 'ACK',
               what='bob never received the ACK for its 486')


def test_reject_decline(ctx):
    """4b. The callee declines: 603 Decline.  baresip 1.0.0 can only reject with 486,
    so the callee here is sipp answering 603; the caller is a real baresip."""
    srv = ctx.server()
    a = ctx.phone(srv, 'alice')
    ip = ctx.addr()
    port = sipp_register(ctx, srv, ip, 'dave', 'uas_register.xml')
    uas = Sipp(ctx, 'dave-declines', 'uas_decline.xml', ip, port, keys={'me': 'dave'})
    uas.wait_bound(ip)
    a.dial('dave')
    ev = closed(a, None, '603 Decline')
    cid = ev['id']
    uas.check()
    row = srv.wait_call(cid, lambda r: r['state'] == 'declined', 'the call declined')
    expect_row(row, final_code=603, final_reason='Decline', ended_by='callee', answer_time=0,
               caller='alice@127.0.0.1', callee='dave@127.0.0.1')
    srv.wait_text(cid, 'REJECTED 603 Decline')


def test_callee_not_registered(ctx):
    """5. A calls a user who never registered (404), a registered user with the
    wrong case (404), and one whose phone has unregistered (480)."""
    srv = ctx.server()
    a = ctx.phone(srv, 'alice')
    c = ctx.phone(srv, 'carol')
    a.dial('nobody')
    ev = closed(a, None, '404 No such user')
    cid = ev['id']
    row = srv.wait_call(cid, lambda r: r['state'] == 'not found', 'the call not found')
    expect_row(row, final_code=404, callee='nobody@127.0.0.1', answer_time=0)
    srv.wait_text(cid, 'REJECTED 404 No such user')
    # user names are case-sensitive (RFC 3261 §19.1.4): Carol is not carol
    a.dial('Carol')
    ev = closed(a, None, '404 No such user')
    c.no_event('CALL_INCOMING')
    # carol's phone quits: it unregisters (REGISTER with expires=0) on the way out
    c.stop()
    srv.wait_stdout(r'REGISTER carol from .*: 0 binding', 'carol unregistering')
    a.dial('carol')
    ev = closed(a, None)
    check(ev.get('param', '').startswith('480 '),
          'alice: the call to an unregistered carol closed with %r, expected 480' % ev.get('param'))
    row = srv.wait_call(ev['id'], lambda r: r['final_code'] == 480, 'a 480')
    expect_row(row, callee='carol@127.0.0.1', answer_time=0)


def test_caller_not_registered(ctx):
    """A phone that never registered tries to call: 403 "Caller not registered"
    (the mistake docs/phones.md describes)."""
    srv = ctx.server()
    b = ctx.phone(srv, 'bob')
    f = ctx.phone(srv, 'frank', register=False)
    f.dial('bob')
    ev = closed(f, None, '403 Caller not registered')
    b.no_event('CALL_INCOMING')
    row = srv.wait_call(ev['id'], lambda r: r['final_code'] == 403, 'a 403')
    expect_row(row, caller='frank@127.0.0.1', answer_time=0)


def test_register_too_short(ctx):
    """A phone asks for a 30 s registration: 423 Interval Too Brief with
    Min-Expires: 60; baresip registers again with 60 s (docs/phones.md)."""
    srv = ctx.server()
    e = ctx.phone(srv, 'erin', regint=30)
    e.wait_sip('sent', r'REGISTER ', 'REGISTER', body_re=r'^Contact:.*;expires=30\b',
               what='erin never asked for a 30 s registration')
    regs = e.wait_sip('recv', r'SIP/2.0 423 ', 'REGISTER', what='erin never got a 423 for its 30 s registration')
    check(re.search(r'^Min-Expires:\s*60\s*$', regs[0], re.M | re.I), '423 without Min-Expires: 60:\n' + regs[0])
    e.wait_sip('recv', r'SIP/2.0 200 ', 'REGISTER', body_re=r'^Contact:.*expires=60\b',
               what='erin\'s second REGISTER did not get a 200 with a 60 s binding')
    srv.wait_stdout(r'REGISTER \S+ → 423 Interval Too Brief', 'the 423')


def test_register_refresh_and_expiry(ctx):
    """Registrations are refreshed and expire: with --min-expires 5, bob and carol
    register for 6 s.  bob's phone refreshes its registration (same Call-ID, new
    CSeq) and stays reachable; carol's phone dies without unregistering, and once
    its binding has expired a call to carol gets 480 (docs/phones.md)."""
    srv = ctx.server(['--min-expires', '5'])
    a = ctx.phone(srv, 'alice')
    b = ctx.phone(srv, 'bob', regint=6)
    c = ctx.phone(srv, 'carol', regint=6)
    c.crash()
    t0 = time.monotonic()
    # bob's phone re-registers before its 6 s run out (baresip: at 90 %)
    srv.wait_stdout(r'REGISTER bob from .*: 1 binding', 'bob registering', timeout=1)
    deadline = t0 + 8
    while time.monotonic() < deadline:
        srv.alive()
        time.sleep(0.25)
    refreshes = srv.stdout_lines(r'REGISTER bob from .*: 1 binding')
    check(len(refreshes) >= 2, 'bob registered %d time(s) in 8 s with a 6 s expiry, expected a refresh'
          % len(refreshes))
    oks = b.wait_sip('recv', r'SIP/2.0 200 ', 'REGISTER', count=2, what='no 200 for bob\'s refresh')
    ids = set(re.search(r'^Call-ID:\s*(\S+)', m, re.M | re.I).group(1) for m in oks)
    check(len(ids) == 1, 'bob\'s refreshes used several Call-IDs: %s' % sorted(ids))
    check(re.search(r'^Contact:.*expires=[1-6]\b', oks[-1], re.M),
          'the 200 to bob\'s refresh does not list its binding with the 6 s expiry:\n' + oks[-1])
    # carol's binding (6 s) has expired by now: 480, not 404 (the exchange knows carol)
    a.dial('carol')
    ev = closed(a, None)
    check(ev.get('param', '').startswith('480 '),
          'alice: calling carol after her registration expired closed with %r, expected 480'
          % ev.get('param'))
    row = srv.wait_call(ev['id'], lambda r: r['final_code'] == 480, 'a 480')
    expect_row(row, callee='carol@127.0.0.1', answer_time=0)
    # bob is still reachable on his refreshed binding
    cid = connect(a, b)
    a.hangup()
    closed(a, cid)
    closed(b, cid)
    answered_call_row(srv, cid, 'caller', a, b)


def test_callee_phone_gone(ctx):
    """The callee's phone is still registered but has vanished (killed, asleep, or
    a firewall drops UDP to it): the exchange's INVITE is never answered, and
    after timer B (64*T1; T1 = 50 ms here via the hidden --timer-t1, so 3.2 s
    instead of 32 s) the caller gets 408 (docs/phones.md)."""
    srv = ctx.server(['--timer-t1', '50'])
    a = ctx.phone(srv, 'alice')
    b = ctx.phone(srv, 'bob')
    b.crash()
    t0 = time.monotonic()
    a.dial('bob')
    ev = closed(a, None, timeout=15)
    took = time.monotonic() - t0
    check(ev.get('param', '').startswith('408 '),
          'alice: the call to a vanished bob closed with %r, expected 408' % ev.get('param'))
    check(took >= 2.5, 'the 408 came after %.1f s, before timer B (3.2 s)' % took)
    a.no_event('CALL_RINGING', ev['id'])
    row = srv.wait_call(ev['id'], lambda r: r['final_code'] == 408, 'a 408')
    expect_row(row, callee='bob@127.0.0.1', answer_time=0, state='timed out', ended_by='timeout')
    srv.wait_stdout(r'INVITE %s → %s:%d ' % (re.escape(ev['id'].split('@')[0]), re.escape(b.ip), b.sip_port),
                    'the INVITE forwarded to bob\'s registered address')


def test_hold_resume(ctx):
    """6. A puts B on hold and back (re-INVITE a=sendonly, then sendrecv); then B
    does the same to A (the re-INVITE goes the other way through the Record-Route)."""
    srv = ctx.server()
    a = ctx.phone(srv, 'alice')
    b = ctx.phone(srv, 'bob')
    cid = connect(a, b)
    expect_media(a, b, cid)
    srv.wait_call(cid, lambda r: r['state'] == 'answered', 'the call answered')
    a.command('hold')
    b.wait_event('CALL_REMOTE_SDP', cid, param='offer')
    a.wait_event('CALL_REMOTE_SDP', cid, param='answer')
    check(any(c[2] for c in a.calls()), 'alice: /listcalls does not show the call on hold')
    b.wait_sip('recv', r'INVITE ', 'INVITE', body_re=r'^a=sendonly',
               what='bob never got the hold re-INVITE (a=sendonly)')
    srv.wait_call(cid, lambda r: r['on_hold'] == 1, 'the call on hold')
    a.command('resume')
    b.wait_event('CALL_REMOTE_SDP', cid, param='offer')
    a.wait_event('CALL_REMOTE_SDP', cid, param='answer')
    check(not any(c[2] for c in a.calls()), 'alice: call still on hold after resume')
    srv.wait_call(cid, lambda r: r['on_hold'] == 0 and 'resume' in [e['kind'] for e in r['events']],
                  'the call resumed')
    # now the callee holds: its re-INVITE travels callee -> exchange -> caller
    b.command('hold')
    a.wait_event('CALL_REMOTE_SDP', cid, param='offer')
    b.wait_event('CALL_REMOTE_SDP', cid, param='answer')
    a.wait_sip('recv', r'INVITE ', 'INVITE', body_re=r'^a=sendonly',
               what='alice never got bob\'s hold re-INVITE (a=sendonly)')
    srv.wait_call(cid, lambda r: r['on_hold'] == 1, 'the call on hold again')
    b.command('resume')
    a.wait_event('CALL_REMOTE_SDP', cid, param='offer')
    b.wait_event('CALL_REMOTE_SDP', cid, param='answer')
    stay_up(1, (a, b), cid, srv)
    expect_established(a, b)
    expect_established(b, a)
    a.hangup()
    closed(a, cid)
    closed(b, cid)
    row = answered_call_row(srv, cid, 'caller', a, b)
    expect_events(row, ['started', 'hold', 'resume', 'hold', 'resume', 'ended'])
    expect_row(row, on_hold=0)


def test_blind_transfer(ctx):
    """7. A calls B; B transfers A to C with REFER; A calls C, C answers; B's call
    ends and B learns the outcome from A's NOTIFY (sipfrag 200)."""
    srv = ctx.server()
    a = ctx.phone(srv, 'alice')
    b = ctx.phone(srv, 'bob')
    c = ctx.phone(srv, 'carol')
    ab = connect(a, b)
    expect_media(a, b, ab)
    b.command('transfer', 'carol')
    ev = a.wait_event('TRANSFER', ab)
    check(ev.get('param') == c.aor, 'alice: REFER to %r, expected %r' % (ev.get('param'), c.aor))
    inc = c.wait_event('CALL_INCOMING')
    ac = inc['id']
    check(inc.get('peeruri') == a.aor, 'carol: call from %r, expected alice' % inc.get('peeruri'))
    c.accept()
    a.wait_event('CALL_ESTABLISHED', ac)
    c.wait_event('CALL_ESTABLISHED', ac)
    expect_media(a, c, ac)
    # B: baresip ends the transferor's call with "Call transfered" when a NOTIFY
    # carries a 2xx sipfrag
    closed(b, ab, 'Call transfered')
    closed(a, ab)
    b.wait_sip('recv', r'NOTIFY ', 'NOTIFY', body_re=r'^SIP/2\.0 200',
               what='bob never received a NOTIFY with the sipfrag "SIP/2.0 200"')
    b.wait_sip('recv', r'SIP/2.0 202 ', 'REFER', what='bob\'s REFER was not accepted with 202')
    stay_up(2, (a, c), ac, srv)
    expect_established(a, c)
    a.hangup()
    closed(a, ac)
    closed(c, ac)
    row = srv.wait_call(ab, lambda r: r['state'] == 'ended' and r['transfer_result'] == '200 OK',
                        'the transferred call ended with result 200 OK')
    expect_row(row, transfer_to='carol@127.0.0.1', caller='alice@127.0.0.1', callee='bob@127.0.0.1')
    expect_events(row, ['started', 'transfer', 'ended'])
    check('200 OK' in event_detail(row, 'transfer-result'),
          'no transfer-result 200 OK event: %s' % format_row(row))
    row2 = answered_call_row(srv, ac, 'caller', a, c)
    expect_row(row2, related_call_id=ab)
    srv.wait_text(ab, 'TRANSFER carol@127.0.0.1')
    srv.wait_text(ab, 'TRANSFER RESULT 200 OK')


def test_blind_transfer_by_caller(ctx):
    """7c. The caller transfers: A calls B, then A sends the REFER (to C), so the
    REFER goes caller -> exchange -> callee and B's NOTIFYs come back the other
    way; B calls C, A's call ends."""
    srv = ctx.server()
    a = ctx.phone(srv, 'alice')
    b = ctx.phone(srv, 'bob')
    c = ctx.phone(srv, 'carol')
    ab = connect(a, b)
    a.command('transfer', 'carol')
    b.wait_event('TRANSFER', ab)
    inc = c.wait_event('CALL_INCOMING')
    bc = inc['id']
    check(inc.get('peeruri') == b.aor, 'carol: call from %r, expected bob' % inc.get('peeruri'))
    c.accept()
    b.wait_event('CALL_ESTABLISHED', bc)
    c.wait_event('CALL_ESTABLISHED', bc)
    expect_media(b, c, bc)
    closed(a, ab, 'Call transfered')
    closed(b, ab)
    a.wait_sip('recv', r'NOTIFY ', 'NOTIFY', body_re=r'^SIP/2\.0 200',
               what='alice never received a NOTIFY with the sipfrag "SIP/2.0 200"')
    c.hangup()
    closed(b, bc)
    closed(c, bc)
    row = srv.wait_call(ab, lambda r: r['state'] == 'ended' and r['transfer_result'] == '200 OK',
                        'the transferred call ended with result 200 OK')
    expect_row(row, transfer_to='carol@127.0.0.1', ended_by='caller')
    row2 = answered_call_row(srv, bc, 'callee', b, c)
    expect_row(row2, related_call_id=ab)


def test_blind_transfer_fails(ctx):
    """7b. B transfers A to a user who is not registered: A's INVITE gets 404 from
    the exchange, A's NOTIFY (sipfrag 404) tells B, and B reports the failure.
    (baresip 1.0.0's menu then hangs up the A-B call by itself: "menu: transfer
    failure" followed by its BYE.)"""
    srv = ctx.server()
    a = ctx.phone(srv, 'alice')
    b = ctx.phone(srv, 'bob')
    ab = connect(a, b)
    b.command('transfer', 'nobody')
    a.wait_event('TRANSFER', ab)
    ev = a.wait_event('CALL_CLOSED', param='404 No such user')
    ax = ev['id']
    check(ax != ab, 'alice: the transfer target call has the Call-ID of the original call')
    ev = b.wait_event('TRANSFER_FAILED', ab)
    check('404' in ev.get('param', ''), 'bob: transfer failed with %r, expected the 404' % ev.get('param'))
    b.wait_sip('recv', r'NOTIFY ', 'NOTIFY', body_re=r'^SIP/2\.0 404',
               what='bob never received a NOTIFY with the sipfrag "SIP/2.0 404"')
    closed(a, ab, 'Connection reset by peer')
    b.wait_sip('sent', r'BYE ', 'BYE', what='bob did not hang up after the failed transfer')
    row = srv.wait_call(ab, lambda r: r['state'] == 'ended', 'the call ended')
    expect_row(row, transfer_to='nobody@127.0.0.1', transfer_result='404 No such user', ended_by='callee')
    expect_events(row, ['started', 'transfer', 'transfer-result', 'ended'])
    row2 = srv.wait_call(ax, lambda r: r['state'] == 'not found', 'the transfer target not found')
    expect_row(row2, caller='alice@127.0.0.1', callee='nobody@127.0.0.1', final_code=404,
               related_call_id=ab)
    srv.wait_text(ab, 'TRANSFER RESULT 404 No such user')


def linphonec_sip_of_call(l, direction, method, cid):
    """The requests of method (and their responses) of call cid in linphonec's log."""
    return [x for x in l.sip(direction, r'(%s |SIP/2\.0 )' % method, method)
            if re.search(r'^Call-ID:\s*%s\s*$' % re.escape(cid), x[2], re.M | re.I)]


def test_attended_transfer(ctx):
    """8. Attended transfer (REFER with Replaces, RFC 3891, RFC 5589 §7), with linphonec
    in every role: baresip 1.0.0 (Debian 12) has no attended transfer (no command for
    it, and no Replaces header).  alice calls bob, puts him on hold and calls carol;
    then she transfers bob to carol: her REFER (in the alice-bob dialog) carries
    Refer-To carol?Replaces=<the alice-carol dialog>; bob's INVITE with that Replaces
    header goes through the exchange (routed by carol's AoR: the Refer-To has no port)
    to carol, whose call with alice it replaces; carol ends that call, alice's with bob
    ends after bob's NOTIFY with the sipfrag 200.  bob and carol talk; carol hangs up."""
    srv = ctx.server()
    a = ctx.linphonec(srv, 'alice')
    b = ctx.linphonec(srv, 'bob')
    c = ctx.linphonec(srv, 'carol')
    ma, mb, mc = a.mark(), b.mark(), c.mark()
    n_ab = a.call('sip:bob@%s' % DOM)
    n_ba, _ = b.wait_incoming(since=mb)
    b.answer(n_ba)
    a.wait_connected(n_ab, since=ma)
    a.send('pause %d' % n_ab)
    a.wait_for(r'Call %d with <?[^>\n]*?>? is now paused\.' % n_ab, since=ma, what='bob on hold')
    n_ac = a.call('sip:carol@%s' % DOM)
    n_ca, peer = c.wait_incoming(since=mc)
    check(same_user(peer, a), 'carol: incoming call from %r, expected alice' % peer)
    c.answer(n_ca)
    a.wait_connected(n_ac, since=ma)
    calls, _ = srv.diary()
    ab = [r['call_id'] for r in calls if (r['caller'], r['callee']) == ('alice@' + DOM, 'bob@' + DOM)]
    ac = [r['call_id'] for r in calls if (r['caller'], r['callee']) == ('alice@' + DOM, 'carol@' + DOM)]
    check(len(ab) == 1 and len(ac) == 1, 'the diary has %r for alice-bob and %r for alice-carol, '
          'expected one call each' % (ab, ac))
    ab, ac = ab[0], ac[0]

    ma, mb, mc = a.mark(), b.mark(), c.mark()
    a.send('transfer %d --to-call %d' % (n_ab, n_ac))
    a.wait_for(r'Performing attended transfer of call %d to call %d' % (n_ab, n_ac), since=ma,
               what='that it transfers bob to carol')
    # bob calls carol, replacing alice's call with her
    m = b.wait_for(r'Establishing call id to <sip:carol@127\.0\.0\.1\?Replaces=([^>]*)>, assigned id (\d+)',
                   since=mb, what='bob calling carol with Replaces')
    check(urllib.parse.unquote(m.group(1)).startswith(ac + ';'),
          'bob: Refer-To Replaces=%r, expected the alice-carol call %s' % (m.group(1), ac))
    n_bc = int(m.group(2))
    n_cb, peer = c.wait_incoming(since=mc)
    check(same_user(peer, b), 'carol: the replacing call comes from %r, expected bob' % peer)
    c.wait_for(r'Call %d with <?[^>\n]*?>? ended' % n_ca, since=mc, what='her call with alice replaced')
    c.wait_connected(n_cb, since=mc)
    b.wait_connected(n_bc, since=mb)
    a.wait_for(r'The distant endpoint <?[^>\n]*?>? of call %d has been transfered' % n_ab, since=ma,
               what='bob\'s NOTIFY that the transfer succeeded')
    a.wait_ended(n_ab, since=ma)
    a.wait_ended(n_ac, since=ma)
    b.wait_media(n_bc, since=mb)
    c.wait_media(n_cb, since=mc)

    # what crossed the exchange: the REFER to bob, bob's INVITE with Replaces to carol
    refer = [x for x in linphonec_sip_of_call(b, 'recv', 'REFER', ab) if x[2].startswith('REFER ')]
    check(refer and re.search(r'^Refer-To:\s*<?sip:carol@127\.0\.0\.1\?Replaces=', refer[0][2], re.M | re.I),
          'bob received no REFER with Refer-To carol?Replaces=…: %r' % [x[2][:300] for x in refer])
    bc = [x for x in c.sip('recv', r'INVITE ', 'INVITE')
                if re.search(r'^Replaces:\s*%s\s*;' % re.escape(ac), x[2], re.M | re.I)]
    check(bc, 'carol received no INVITE with "Replaces: %s;…" (the exchange must pass it through)' % ac)
    cid = re.search(r'^Call-ID:\s*(\S+)', bc[0][2], re.M | re.I).group(1)

    time.sleep(2)
    state = [x for x in b.calls() if x[0] == n_bc]
    check(state and state[0][2] == 'StreamsRunning', 'bob: %r, expected call %d with carol running'
          % (b.calls(), n_bc))
    check(not a.calls(), 'alice still has calls after the transfer: %r' % a.calls())
    mb, mc = b.mark(), c.mark()
    c.terminate(n_cb)
    c.wait_ended(n_cb, since=mc)
    b.wait_ended(n_bc, since=mb)

    row = srv.wait_call(ab, lambda r: r['state'] == 'ended' and (r['transfer_result'] or '').startswith('200'),
                        'the transferred call ended with the transfer\'s result 200')
    expect_row(row, transfer_to='carol@' + DOM, caller='alice@' + DOM, callee='bob@' + DOM, ended_by='caller')
    expect_events(row, ['started', 'transfer', 'transfer-result', 'ended'])
    row = srv.wait_call(ac, lambda r: r['state'] == 'ended', 'the replaced call ended')
    expect_row(row, ended_by='callee')
    row = answered_call_row(srv, cid, 'callee', b, c)
    expect_row(row, related_call_id=ac)
    srv.wait_text(ab, 'TRANSFER carol@127.0.0.1')
    srv.wait_text(ab, 'TRANSFER RESULT 200 Ok')       # liblinphone's sipfrag: "SIP/2.0 200 Ok"


def test_conference(ctx):
    """9. A is in two calls at once, with B and with C (a conference at A)."""
    srv = ctx.server()
    a = ctx.phone(srv, 'alice')
    b = ctx.phone(srv, 'bob')
    c = ctx.phone(srv, 'carol')
    ab = connect(a, b)
    expect_media(a, b, ab)
    ac = connect(a, c)
    expect_media(a, c, ac)
    calls = a.calls()
    check(sorted((s, p) for s, p, _ in calls) == sorted([('ESTABLISHED', b.aor), ('ESTABLISHED', c.aor)]),
          'alice: /listcalls shows %r, expected two established calls (bob, carol)' % calls)
    stay_up(2, (a, b), ab, srv)
    stay_up(0, (a, c), ac, srv)
    expect_established(b, a)
    expect_established(c, a)
    r1 = srv.wait_call(ab, lambda r: r['state'] == 'answered', 'the call with bob answered')
    r2 = srv.wait_call(ac, lambda r: r['state'] == 'answered', 'the call with carol answered')
    check(r2['answer_time'] > r1['answer_time'], 'diary: the second call answered before the first')
    check(r2['related_call_id'] == ab,
          'diary: the second call is not linked to the first as a conference: %s' % format_row(r2))
    a.hangup()          # the current call: carol's
    closed(a, ac)
    closed(c, ac)
    expect_established(a, b)
    b.hangup()
    closed(a, ab)
    closed(b, ab)
    answered_call_row(srv, ab, 'callee', a, b)
    answered_call_row(srv, ac, 'caller', a, c)


def test_video_call(ctx):
    """10a. A video call between two baresip phones with a test camera (fakevideo,
    VP8): video RTP flows both ways.  Then A turns its video off (baresip 1.0.0
    re-INVITEs with m=video 0) and on again: a re-INVITE that adds the video
    stream back (m=video with a port), which B accepts."""
    srv = ctx.server()
    a = ctx.phone(srv, 'alice', video=True)
    b = ctx.phone(srv, 'bob', video=True)
    cid = connect(a, b)
    expect_media(a, b, cid, 'audio')
    expect_media(a, b, cid, 'video')
    row = srv.wait_call(cid, lambda r: r['state'] == 'answered', 'the call answered')
    expect_row(row, video=1, video_now=1)
    a.command('video_dir', 'inactive')
    b.wait_event('CALL_REMOTE_SDP', cid, param='offer')
    a.wait_event('CALL_REMOTE_SDP', cid, param='answer')
    b.wait_sip('recv', r'INVITE ', 'INVITE', body_re=r'^m=video 0 ',
               what='bob never got the re-INVITE turning the video off (m=video 0)')
    srv.wait_call(cid, lambda r: r['video_now'] == 0, 'the video off')
    a.command('video_dir', 'sendrecv')
    b.wait_event('CALL_REMOTE_SDP', cid, param='offer')
    a.wait_event('CALL_REMOTE_SDP', cid, param='answer')
    srv.wait_call(cid, lambda r: r['video_now'] == 1, 'the video on again')
    b.wait_sip('recv', r'INVITE ', 'INVITE', body_re=r'^m=video [1-9]', count=2,
               what='bob did not get a re-INVITE adding the video back (m=video with a port)')
    b.wait_sip('sent', r'SIP/2.0 200 ', 'INVITE', body_re=r'^m=video [1-9]', count=2,
               what='bob did not accept the video in its answer to the re-INVITE')
    stay_up(1, (a, b), cid, srv)
    expect_established(a, b)
    a.hangup()
    closed(a, cid)
    closed(b, cid)
    row = answered_call_row(srv, cid, 'caller', a, b)
    expect_row(row, video=1, video_now=1)
    expect_events(row, ['started', 'video-off', 'video-on', 'ended'])
    srv.wait_text(cid, 'VIDEO ON')


def test_video_reinvite_linphone(ctx):
    """10b. A call whose re-INVITE adds a video stream.  baresip 1.0.0 always
    offers its video in the first INVITE when it has a camera, so the adding
    side is sipp playing Linphone (audio-only INVITE, then a ~3.7 KB re-INVITE
    with audio + video m-lines), and the callee is a real baresip with a test
    camera, which must accept the video (m=video with a port, VP8)."""
    srv = ctx.server()
    b = ctx.phone(srv, 'bob', video=True)
    ip = ctx.addr()
    port = sipp_register(ctx, srv, ip, 'linphone', 'linphone_register.xml')
    uac = Sipp(ctx, 'linphone-video', 'linphone_video_uac.xml', ip, port, remote=srv.addr,
               keys={'me': 'linphone'}, service='bob')
    inc = b.wait_event('CALL_INCOMING')
    cid = inc['id']
    b.accept()
    b.wait_event('CALL_ESTABLISHED', cid)
    closed(b, cid, 'Connection reset by peer')      # the BYE at the end of the scenario
    uac.check()
    reinv = b.wait_sip('recv', r'INVITE ', 'INVITE', body_re=r'^m=video 9078 ',
                       what='bob never received the re-INVITE with m=video')
    size = len(reinv[0].replace('\n', '\r\n').encode())
    check(size > 3000, 'the re-INVITE bob received is only %d bytes' % size)
    b.wait_sip('sent', r'SIP/2.0 200 ', 'INVITE', body_re=r'^m=video [1-9]',
               what='bob\'s answer to the re-INVITE has no accepted m=video')
    row = srv.wait_call(cid, lambda r: r['state'] == 'ended', 'the call ended')
    expect_row(row, video=1, video_now=1, caller='linphone@127.0.0.1', callee='bob@127.0.0.1',
               ended_by='caller')
    expect_events(row, ['started', 'video-on', 'ended'])
    srv.wait_text(cid, 'VIDEO ON')


def test_forked_call(ctx):
    """bob has two phones (two bindings of one user): a call to bob rings both
    (forking).  Each time, the phone whose 180 reached the exchange first (the
    diary's callee while ringing) is the one that does *not* take the call:
    (1) the other phone answers: the first one's ringing is cancelled, and the
    diary names the phone that answered; (2) the first one rejects (486) but the
    other keeps ringing and answers: the caller never sees the 486; (3) both
    reject: the caller gets 486."""
    srv = ctx.server()
    a = ctx.phone(srv, 'alice')
    desk = ctx.phone(srv, 'bob', label='bob-desk')
    mobile = ctx.phone(srv, 'bob', label='bob-mobile')
    srv.wait_stdout(r'REGISTER bob from .*: 2 binding', 'bob with two bindings')

    def ring():
        """Dial bob; both phones ring; return (Call-ID, first ringer, the other)."""
        a.dial('bob')
        cid = desk.wait_event('CALL_INCOMING')['id']
        mobile.wait_event('CALL_INCOMING', cid)
        a.wait_event('CALL_RINGING', cid)
        row = srv.wait_call(cid, lambda r: r['state'] == 'ringing' and r['callee_addr'],
                            'the call ringing')
        first = desk if row['callee_addr'] == '%s:%d (UDP)' % (desk.ip, desk.sip_port) else mobile
        return cid, first, (mobile if first is desk else desk)

    # (1)
    cid, first, other = ring()
    other.accept()
    a.wait_event('CALL_ESTABLISHED', cid)
    other.wait_event('CALL_ESTABLISHED', cid)
    closed(first, cid)
    first.no_event('CALL_ESTABLISHED', cid)
    first.wait_sip('recv', r'CANCEL ', 'CANCEL', what='its ringing was not cancelled')
    expect_media(a, other, cid)
    expect_established(a, other)
    check(first.calls() == [], '%s still has a call: %r' % (first.name, first.calls()))
    a.hangup()
    closed(a, cid)
    closed(other, cid)
    row = answered_call_row(srv, cid, 'caller', a, other)
    expect_row(row, callee_addr='%s:%d (UDP)' % (other.ip, other.sip_port))

    # (2)
    cid, first, other = ring()
    first.hangup()
    closed(first, cid)
    first.wait_sip('sent', r'SIP/2.0 486 ', 'INVITE', what='it did not send its 486')
    time.sleep(1)
    a.no_event('CALL_CLOSED', cid)
    other.accept()
    a.wait_event('CALL_ESTABLISHED', cid)
    other.wait_event('CALL_ESTABLISHED', cid)
    other.hangup()
    closed(a, cid)
    closed(other, cid)
    row = answered_call_row(srv, cid, 'callee', a, other)
    expect_row(row, callee_addr='%s:%d (UDP)' % (other.ip, other.sip_port))

    # (3)
    cid, first, other = ring()
    first.hangup()
    closed(first, cid)
    time.sleep(0.3)
    a.no_event('CALL_CLOSED', cid)
    other.hangup()
    closed(other, cid)
    closed(a, cid, '486 Rejected')
    row = srv.wait_call(cid, lambda r: r['state'] == 'busy', 'the call busy')
    expect_row(row, final_code=486, answer_time=0)


def test_domain_with_port(ctx):
    """Phones set up the way many people fill in a softphone: no outbound proxy,
    the domain field holds the exchange's address *with its port*
    (alice@127.0.0.1:PORT), and a display name with diacritics.  The exchange
    treats 127.0.0.1:PORT as its own domain; the diary shows the name."""
    srv = ctx.server()
    a = ctx.phone(srv, 'alice', domain_with_port=True, display_name='Alžbeta Nováková')
    b = ctx.phone(srv, 'bob', domain_with_port=True, display_name='Ľubomír Šťastný')
    a.wait_sip('sent', r'REGISTER sip:%s ' % re.escape(srv.addr), 'REGISTER',
               what='alice did not register to sip:%s' % srv.addr)
    check(not a.sip('sent', r'REGISTER ', 'REGISTER', body_re=r'^Route:'),
          'alice used an outbound proxy (a Route header) although none is configured')
    cid = connect(a, b)
    expect_media(a, b, cid)
    b.hangup()
    closed(a, cid)
    closed(b, cid)
    row = answered_call_row(srv, cid, 'callee', a, b)
    expect_row(row, caller_name='Alžbeta Nováková')
    srv.wait_text(cid, 'STARTED')


def test_exchange_restart(ctx):
    """The exchange is restarted (SIGTERM, then started again on the same address,
    port and data folder) while alice and bob talk.  The diary closes the call
    at the stop (ended by the exchange); the phones never notice: the
    registrations come back from the data folder, so bob can be called without
    re-registering, and alice's BYE for the old call still reaches bob (in-dialog
    requests are routed by their Route header, no call state is needed)."""
    srv = ctx.server()
    a = ctx.phone(srv, 'alice')
    b = ctx.phone(srv, 'bob')
    c = ctx.phone(srv, 'carol')
    ab = connect(a, b)
    expect_media(a, b, ab)
    srv.stop()
    ctx.save_server_output()
    row = srv.wait_call(ab, lambda r: r['state'] == 'ended', 'the call ended at the stop')
    expect_row(row, ended_by='exchange')
    srv2 = ctx.server(port=srv.port, data_dir=srv.data_dir)
    registers = len(srv2.stdout_lines(r'REGISTER '))
    # carol calls bob through the new exchange: bob's binding survived the restart
    cb = connect(c, b)
    check(len(srv2.stdout_lines(r'REGISTER ')) == registers,
          'a phone registered again during the test: the bindings did not survive')
    c.hangup()
    closed(c, cb)
    closed(b, cb)
    answered_call_row(srv2, cb, 'caller', c, b)
    # the call from before the restart is still up at both phones; alice hangs up
    expect_established(a, b)
    a.hangup()
    closed(a, ab, 'Connection reset by user')
    closed(b, ab, 'Connection reset by peer')
    srv2.wait_stdout(r'BYE %s → %s:%d' % (re.escape(ab), re.escape(b.ip), b.sip_port),
                     'the BYE of the old call forwarded to bob')


def test_call_survives_35s(ctx):
    """A call stays up past 32 s (64*T1: a UAS whose 200 OK is never ACKed gives up
    and hangs up then, the classic symptom of a misrouted ACK).  Also: bob sent
    its 200 OK only once, so the ACK reached it at the first try."""
    srv = ctx.server()
    a = ctx.phone(srv, 'alice')
    b = ctx.phone(srv, 'bob')
    cid = connect(a, b)
    expect_media(a, b, cid)
    t0 = time.monotonic()
    stay_up(35, (a, b), cid, srv)
    expect_established(a, b)
    expect_established(b, a)
    oks = b.sip('sent', r'SIP/2.0 200 ', 'INVITE')
    check(len(oks) == 1, 'bob sent its 200 OK to the INVITE %d times (the ACK did not reach it)' % len(oks))
    check(len(b.sip('recv', r'ACK ', 'ACK')) == 1, 'bob did not receive exactly one ACK')
    a.hangup()
    closed(a, cid, 'Connection reset by user')
    closed(b, cid, 'Connection reset by peer')
    row = answered_call_row(srv, cid, 'caller', a, b, min_talk=min(35, time.monotonic() - t0) - 0.5)
    expect_events(row, ['calling', 'ringing', 'started', 'ended'])


# ---- SIP over TCP and TLS (#15), and linphonec (#12)

def expect_stream_registered(srv, phone):
    """A baresip phone on TCP or TLS: its REGISTER went over a TCP or TLS connection
    to the exchange's port for that transport, with that transport in its Via, and
    the exchange bound it from that connection's address."""
    t, src = phone.flow()
    check(t == phone.transport.upper(), '%s: it registered over %s, expected %s' % (phone.name, t, phone.transport.upper()))
    regs = [(dst, text) for d, text, tt, s, dst in phone.sip_messages(with_addrs=True)
            if d == 'sent' and text.startswith('REGISTER ') and s == src]
    check(all(dst == phone.exchange_hostport for dst, _ in regs),
          '%s: its REGISTER went to %s, expected the exchange\'s %s port %s'
          % (phone.name, [dst for dst, _ in regs], t, phone.exchange_hostport))
    check(re.search(r'^Via:\s*SIP/2\.0/%s ' % t, regs[-1][1], re.M | re.I),
          '%s: its REGISTER has no %s Via:\n%s' % (phone.name, t, regs[-1][1]))
    srv.wait_stdout(r'REGISTER %s from %s: 1 binding' % (re.escape(phone.user), re.escape(src)),
                    '%s registering from %s (%s)' % (phone.user, src, t))


def expect_received_on_flow(phone, first_line_re, cseq_method, what):
    """phone received this request from the exchange: a UDP phone on its SIP port;
    a TCP/TLS phone over the connection its REGISTER opened (the exchange reuses the
    flow, RFC 5626), from the exchange's own port."""
    msgs = phone.wait_sip('recv', first_line_re, cseq_method, what='%s never received %s' % (phone.name, what))
    if phone.transport == 'udp':
        return msgs
    t, local = phone.flow()
    got = [(tt, src, dst) for d, text, tt, src, dst in phone.sip_messages(with_addrs=True)
           if d == 'recv' and re.match(first_line_re, text)
           and re.search(r'^CSeq:\s*\d+\s+%s\s*$' % cseq_method, text, re.M | re.I)]
    check(got and all(g == (t, phone.exchange_hostport, local) for g in got),
          '%s: %s came as %s, expected %s from %s on its own connection %s'
          % (phone.name, what, got, t, phone.exchange_hostport, local))
    return msgs


def stream_call(srv, a, b, hangup_by):
    """a calls b, b answers, both have audio; hangup_by ('caller' or 'callee') hangs
    up.  Checks the requests each phone received over its own transport, and the
    diary row with both addresses and transports.  Returns the Call-ID."""
    cid = connect(a, b)
    expect_media(a, b, cid)
    stay_up(1, (a, b), cid, srv)
    expect_established(a, b)
    expect_established(b, a)
    expect_received_on_flow(b, r'INVITE ', 'INVITE', 'the INVITE of call %s' % cid)
    quitter, other = (a, b) if hangup_by == 'caller' else (b, a)
    quitter.hangup()
    closed(quitter, cid, 'Connection reset by user')
    closed(other, cid, 'Connection reset by peer')
    byes = [m for m in other.sip('recv', r'BYE ', 'BYE') if re.search(r'^Call-ID:\s*%s\s*$' % re.escape(cid), m, re.M | re.I)]
    check(byes, '%s never received %s\'s BYE for call %s' % (other.name, quitter.name, cid))
    expect_received_on_flow(other, r'BYE ', 'BYE', 'the BYE')
    row = answered_call_row(srv, cid, hangup_by, a, b)
    expect_events(row, ['calling', 'ringing', 'started', 'ended'])
    srv.wait_text(cid, 'ENDED')
    return cid


def test_tcp_call(ctx):
    """#15: two baresip phones registered over TCP (account
    <sip:USER@127.0.0.1:PORT;transport=tcp>) call each other: alice calls bob and
    hangs up, then bob calls alice and alice (the callee) hangs up.  Each request
    to a phone goes over the connection its REGISTER came on; the diary says
    "(TCP)" with each phone's connection address."""
    srv = ctx.server()
    a = ctx.phone(srv, 'alice', transport='tcp')
    b = ctx.phone(srv, 'bob', transport='tcp')
    expect_stream_registered(srv, a)
    expect_stream_registered(srv, b)
    cid = stream_call(srv, a, b, 'caller')
    row = srv.wait_call(cid, lambda r: True, 'the call')
    check(row['caller_addr'].endswith(' (TCP)') and row['callee_addr'].endswith(' (TCP)'),
          'diary: not TCP: %s' % format_row(row))
    stream_call(srv, b, a, 'callee')


def test_tls_call(ctx):
    """#15: two baresip phones registered over TLS to the exchange's TLS port
    (baresip 1.0.0 does not check the self-signed certificate) call each other,
    both ways, each side hanging up once; the diary says "(TLS)"."""
    srv = ctx.server()
    a = ctx.phone(srv, 'alice', transport='tls')
    b = ctx.phone(srv, 'bob', transport='tls')
    expect_stream_registered(srv, a)
    expect_stream_registered(srv, b)
    cid = stream_call(srv, a, b, 'caller')
    row = srv.wait_call(cid, lambda r: True, 'the call')
    check(row['caller_addr'].endswith(' (TLS)') and row['callee_addr'].endswith(' (TLS)'),
          'diary: not TLS: %s' % format_row(row))
    stream_call(srv, b, a, 'callee')


def test_tls_to_udp_call(ctx):
    """#15: alice on TLS, bob on UDP (outbound proxy, the usual setup).  Four calls,
    so that each in-dialog direction is crossed: alice calls bob and hangs up (BYE
    TLS -> UDP), alice calls bob and bob hangs up (BYE UDP -> TLS, back along the
    Record-Route), bob calls alice and hangs up, bob calls alice and alice hangs up.
    The exchange record-routes twice, once per transport (RFC 5658)."""
    srv = ctx.server()
    a = ctx.phone(srv, 'alice', transport='tls')
    b = ctx.phone(srv, 'bob')
    expect_stream_registered(srv, a)
    cid = stream_call(srv, a, b, 'caller')
    invite = [m for m in b.sip('recv', r'INVITE ', 'INVITE')
              if re.search(r'^Call-ID:\s*%s\s*$' % re.escape(cid), m, re.M | re.I)][0]
    rr = re.findall(r'^Record-Route:\s*(.*?)\s*$', invite, re.M | re.I)
    routes = [v.strip() for line in rr for v in line.split(',')]
    check(len(routes) == 2 and any('transport=tls' in r.lower() and ':%d' % srv.tls_port in r for r in routes)
          and any(':%d;' % srv.port in r and 'transport=tls' not in r.lower() for r in routes),
          'bob\'s INVITE from the TLS caller: Record-Route %r, expected one route for UDP (port %d) and '
          'one for TLS (port %d)' % (routes, srv.port, srv.tls_port))
    row = srv.wait_call(cid, lambda r: True, 'the call')
    check(row['caller_addr'].endswith(' (TLS)') and row['callee_addr'].endswith(' (UDP)'),
          'diary: expected a TLS caller and a UDP callee: %s' % format_row(row))
    stream_call(srv, a, b, 'callee')
    cid = stream_call(srv, b, a, 'caller')
    row = srv.wait_call(cid, lambda r: True, 'the call')
    check(row['caller_addr'].endswith(' (UDP)') and row['callee_addr'].endswith(' (TLS)'),
          'diary: expected a UDP caller and a TLS callee: %s' % format_row(row))
    stream_call(srv, b, a, 'callee')


def linphonec_invites(l, cid):
    return [x for x in l.sip('recv', r'INVITE ', 'INVITE')
            if re.search(r'^Call-ID:\s*%s\s*$' % re.escape(cid), x[2], re.M | re.I)]


def linphonec_call(ctx, srv, l, b, l_calls, hangup_by):
    """linphonec l calls baresip b (l_calls) or b calls l; the callee answers after
    1 s of ringing; both have the call connected with audio; hangup_by ('caller'
    or 'callee') hangs up.  Checks: what each phone shows, the transport of
    linphonec's INVITE, RTP both ways, the diary row.  Returns the Call-ID."""
    mark = l.mark()
    streams = len(l.rtp_received())
    if l_calls:
        n = l.call('sip:%s@%s' % (b.user, DOM))
        inc = b.wait_event('CALL_INCOMING')
        cid = inc['id']
        check(inc.get('peeruri') == l.aor, '%s: incoming call from %r, expected %r'
              % (b.name, inc.get('peeruri'), l.aor))
        l.wait_for(r'Call %d to <?[^>\n]*?>? ringing\.' % n, since=mark, what='that call %d rings' % n)
        time.sleep(1)
        b.accept()
        l.wait_connected(n, since=mark)
        b.wait_event('CALL_ESTABLISHED', cid)
        caller, callee = l, b
    else:
        b.dial(l.user)
        n, peer = l.wait_incoming(since=mark)
        check(same_user(peer, b), '%s: incoming call from %r, expected %s' % (l.name, peer, b.aor))
        cid = b.wait_event('CALL_RINGING')['id']
        time.sleep(1)
        l.answer(n)
        b.wait_event('CALL_ESTABLISHED', cid)
        caller, callee = b, l
        invites = linphonec_invites(l, cid)
        check(invites, '%s: no INVITE for call %s in linphonec\'s log' % (l.name, cid))
        for t, peer_addr, _ in invites:
            check((t, peer_addr) == (l.transport.upper(), l.exchange_hostport),
                  '%s: linphonec received the INVITE of call %s over %s from %s, expected %s from %s '
                  '(the connection it registered on)'
                  % (l.name, cid, t, peer_addr, l.transport.upper(), l.exchange_hostport))
        # #12: one phone, one binding, one branch: the exchange never forks a call twice
        # to one phone (a second INVITE would be answered 482 Loop Detected)
        check(len(invites) == 1, '%s: linphonec received the INVITE of call %s %d times, expected once'
              % (l.name, cid, len(invites)))
    l.wait_media(n, since=mark)
    b.wait_event('CALL_RTPESTAB', cid, param='audio')     # linphonec's tone reached baresip
    stay_up(1, (b,), cid, srv)
    state = [c for c in l.calls() if c[0] == n]
    check(state and state[0][2] == 'StreamsRunning' and same_user(state[0][1], b),
          '%s: its call list shows %r, expected call %d with %s in StreamsRunning'
          % (l.name, l.calls(), n, b.aor))
    expect_established(b, l)
    if (hangup_by == 'caller') == l_calls:
        l.terminate(n)
        m = l.wait_ended(n, since=mark)
        closed(b, cid, 'Connection reset by peer')
        b.wait_sip('recv', r'BYE ', 'BYE', what='baresip never received linphonec\'s BYE')
    else:
        b.hangup()
        closed(b, cid, 'Connection reset by user')
        m = l.wait_ended(n, since=mark)
        bye = [x for x in l.sip('recv', r'BYE ', 'BYE')
               if re.search(r'^Call-ID:\s*%s\s*$' % re.escape(cid), x[2], re.M | re.I)]
        check(bye and (bye[0][0], bye[0][1]) == (l.transport.upper(), l.exchange_hostport),
              '%s: baresip\'s BYE reached linphonec as %r, expected over %s from %s'
              % (l.name, [(t, p) for t, p, _ in bye], l.transport.upper(), l.exchange_hostport))
    check(m.group(1) == 'No error', '%s: call %d ended with "%s"' % (l.name, n, m.group(1)))
    # baresip's RTP reached linphonec (oRTP counts it when the stream stops)
    l.wait_rtp_received(streams + 1, 'call %s' % cid)
    row = answered_call_row(srv, cid, hangup_by, caller, callee)
    expect_events(row, ['calling', 'ringing', 'started', 'ended'])
    srv.wait_text(cid, 'ENDED')
    return cid


def linphonec_calls_both_ways(ctx, srv, l, b):
    """Four calls between linphonec and baresip: each calls the other, and each call
    is hung up once by the caller and once by the callee."""
    linphonec_call(ctx, srv, l, b, True, 'caller')
    linphonec_call(ctx, srv, l, b, True, 'callee')
    linphonec_call(ctx, srv, l, b, False, 'caller')
    linphonec_call(ctx, srv, l, b, False, 'callee')


def expect_linphonec_registered(srv, l):
    """linphonec sent its REGISTER over its transport to the exchange's port for it,
    and the exchange bound carol from that address."""
    regs = l.wait_sip('sent', r'REGISTER ', 'REGISTER', what='linphonec sent no REGISTER')
    t, local = l.flow()
    check(all((rt, peer) == (t, l.exchange_hostport) for rt, peer, _ in regs),
          '%s: linphonec sent its REGISTERs as %r, expected %s to %s'
          % (l.name, [(rt, peer) for rt, peer, _ in regs], t, l.exchange_hostport))
    check(re.search(r'^Via:\s*SIP/2\.0/%s ' % t, regs[0][2], re.M | re.I),
          '%s: linphonec\'s REGISTER has no %s Via:\n%s' % (l.name, t, regs[0][2]))
    srv.wait_stdout(r'REGISTER %s from %s: [1-9]\d* binding' % (re.escape(l.user), re.escape(local)),
                    '%s registering from %s (%s)' % (l.user, local, t))


def test_linphonec_tcp_register_call(ctx):
    """#12/#15: linphonec (Debian's linphone-cli: the liblinphone of Linphone Desktop
    and Android) registered over TCP, and a baresip on UDP, call each other both
    ways, each side hanging up.  Requests to linphonec go over the connection its
    REGISTER came on (its Contact is that connection's ephemeral port after its
    second REGISTER); the diary says "(TCP)" with that connection's address."""
    srv = ctx.server()
    l = ctx.linphonec(srv, 'carol', transport='tcp')
    b = ctx.phone(srv, 'bob')
    expect_linphonec_registered(srv, l)
    linphonec_calls_both_ways(ctx, srv, l, b)
    l.stop()
    srv.wait_stdout(r'REGISTER carol from .*: 0 binding', 'carol unregistering on quit (its one binding '
                    'removed: the Contact of its first REGISTER was replaced by its second, #12)')


def test_linphonec_udp_call(ctx):
    """#12: linphonec registered over UDP and a baresip on UDP call each other both
    ways, each side hanging up; the diary names linphonec's address and user agent."""
    srv = ctx.server()
    l = ctx.linphonec(srv, 'carol', transport='udp')
    b = ctx.phone(srv, 'bob')
    expect_linphonec_registered(srv, l)
    linphonec_calls_both_ways(ctx, srv, l, b)
    l.stop()
    srv.wait_stdout(r'REGISTER carol from %s:%d: 0 binding' % (re.escape(l.ip), l.sip_port),
                    'carol unregistering when linphonec quits')


def test_linphonec_tls_call(ctx):
    """#15: Linphone picks TLS by default.  linphonec registered over TLS to the
    exchange's TLS port (its certificate check turned off, as the exchange's setup
    code would) and a baresip on UDP call each other both ways, each side hanging
    up; requests reach linphonec over its own TLS connection; the diary says "(TLS)"."""
    srv = ctx.server()
    l = ctx.linphonec(srv, 'carol', transport='tls')
    b = ctx.phone(srv, 'bob')
    expect_linphonec_registered(srv, l)
    linphonec_calls_both_ways(ctx, srv, l, b)


def linphonec_restart(ctx, transport):
    """linphonec killed (it cannot unregister: Android ends Linphone to save battery, a
    laptop drops off the network) and started again on a new port with the same
    +sip.instance registers from there; the exchange replaces its binding (RFC 5626 §6),
    and the next call reaches it once: one INVITE forwarded, to where it is now, one
    INVITE in its log, nothing to the port it left.  (The window's list shows it once:
    tests/gui/test-phones.c, linphonec-restart.)"""
    srv = ctx.server()
    l = ctx.linphonec(srv, 'carol', transport=transport)
    b = ctx.phone(srv, 'bob')
    expect_linphonec_registered(srv, l)
    _, before = l.flow()
    l.restart()
    _, now = l.flow()
    check(now != before, '%s: linphonec registers from %s again after its restart' % (l.name, now))
    trap = None
    if transport == 'udp':
        # Something listens on the port it left (a phone that came back there would):
        # the exchange must not send it anything.
        trap = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            trap.bind((l.ip, int(before.rsplit(':', 1)[1])))
        except OSError as e:
            trap.close()
            raise PortInUse('the port linphonec left, %s, was taken: %s' % (before, e))
        trap.setblocking(False)
    try:
        expect_linphonec_registered(srv, l)
        last = srv.stdout_lines(r'REGISTER carol from ')[-1]
        check(re.search(r'REGISTER carol from %s: 1 binding\(s\)' % re.escape(now), last),
              'after linphonec\'s restart the exchange says %r, expected one binding for carol, from %s '
              '(the binding from %s replaced: the same instance)' % (last, now, before))
        cid = linphonec_call(ctx, srv, l, b, False, 'callee')
        # one line per branch: "INVITE CALL-ID → ADDRESS:PORT URI" (not its "→ 100 Trying")
        forwarded = srv.stdout_lines(r'\bINVITE %s → [\d.]+:\d+ ' % re.escape(cid))
        check(len(forwarded) == 1 and now in forwarded[0],
              'the exchange forwarded the INVITE of call %s as %r, expected once, to %s'
              % (cid, forwarded, now))
        if trap is not None:
            try:
                stray = trap.recv(65536)
                fail('the port linphonec left (%s) received %r' % (before, stray[:80]))
            except BlockingIOError:
                pass
    finally:
        if trap is not None:
            trap.close()
    l.stop()
    srv.wait_stdout(r'REGISTER carol from %s: 0 binding' % re.escape(now),
                    'carol unregistering when linphonec quits, with no binding left')


def test_linphonec_restart_new_port(ctx):
    """#12: linphonec on UDP, killed and started again on a new port (Linphone Android
    picks a random port at every start)."""
    linphonec_restart(ctx, 'udp')


def test_linphonec_tcp_restart(ctx):
    """#12: linphonec on TCP, killed and started again: a new connection from a new
    port, and a new Contact with that port."""
    linphonec_restart(ctx, 'tcp')


def test_linphonec_tls_untrusted(ctx):
    """#15: linphonec on TLS with Linphone's default verify_server_certs=1 does not
    trust the exchange's self-signed certificate and breaks off the handshake, again
    and again.  It never registers, and the exchange prints the transport doctor's
    line naming the phone's address once (not once per attempt)."""
    srv = ctx.server()
    l = ctx.linphonec(srv, 'carol', transport='tls', verify_certs=True, register=False)
    doctor = r'^127\.0\.0\.1 broke off the TLS handshake\b.*\bcertificate\b'
    srv.wait_stdout(doctor, 'the transport doctor\'s line about a phone that does not trust the certificate',
                    timeout=REGISTER_WAIT)
    # linphonec retries at once; wait until it has tried at least twice
    deadline = time.monotonic() + REGISTER_WAIT
    while len(re.findall(r'SSL handshake failed', l.log_text())) < 2:
        check(time.monotonic() < deadline, '%s: linphonec did not retry its TLS handshake within %d s'
              % (l.name, REGISTER_WAIT))
        time.sleep(0.2)
    time.sleep(0.5)                 # the exchange's stdout is flushed every 250 ms
    state = l.registration()
    check(state is not None and not state.startswith('registered,'),
          '%s: linphonec says %r with an untrusted certificate' % (l.name, state))
    check(not srv.stdout_lines(r'REGISTER carol'), 'the exchange got a REGISTER from carol: %s'
          % srv.stdout_lines(r'REGISTER carol'))
    lines = srv.stdout_lines(doctor)
    check(len(lines) == 1, 'the transport doctor printed %d lines for one phone, expected one: %s'
          % (len(lines), lines))


def test_tls_wrong_port(ctx):
    """#15: two phones set up with the wrong port for their transport: alice's account
    says TLS with the exchange's UDP/TCP port, bob's says TCP with its TLS port.
    Neither registers; the exchange prints one transport doctor line for each,
    naming the address and the ports to use."""
    srv = ctx.server()
    a = ctx.phone(srv, 'alice', transport='tls', port=srv.port, wait_register=False)
    b = ctx.phone(srv, 'bob', transport='tcp', port=srv.tls_port, wait_register=False)
    tls_on_tcp = r'^127\.0\.0\.1 tried TLS on port %d\b.*\b%d\b' % (srv.port, srv.tls_port)
    plain_on_tls = r'^127\.0\.0\.1 sent plain SIP to the TLS port %d\b.*\b%d\b' % (srv.tls_port, srv.port)
    srv.wait_stdout(tls_on_tcp, 'the doctor\'s line about TLS on the UDP/TCP port', timeout=REGISTER_WAIT)
    srv.wait_stdout(plain_on_tls, 'the doctor\'s line about plain SIP on the TLS port', timeout=REGISTER_WAIT)
    for p in (a, b):
        info = p.command('reginfo')
        check(not re.search(r'%s\s+OK\b' % re.escape(p.aor), info),
              '%s registered with the wrong port: %r' % (p.name, info))
    check(not srv.stdout_lines(r'REGISTER (alice|bob)'), 'the exchange took a REGISTER: %s'
          % srv.stdout_lines(r'REGISTER (alice|bob)'))
    time.sleep(0.5)
    for pat in (tls_on_tcp, plain_on_tls):
        check(len(srv.stdout_lines(pat)) == 1, 'the doctor printed %r %d times'
              % (pat, len(srv.stdout_lines(pat))))


# name, function, meson timeout (s)
TESTS = [
    ('e2e-call-caller-hangs-up', test_call_caller_hangs_up, 120),
    ('e2e-call-callee-hangs-up', test_call_callee_hangs_up, 120),
    ('e2e-all-addresses', test_all_addresses, 120),
    ('e2e-cancel-before-answer', test_cancel_before_answer, 120),
    ('e2e-reject-busy', test_reject_busy, 120),
    ('e2e-reject-decline', test_reject_decline, 120),
    ('e2e-callee-not-registered', test_callee_not_registered, 120),
    ('e2e-caller-not-registered', test_caller_not_registered, 120),
    ('e2e-register-too-short', test_register_too_short, 120),
    ('e2e-register-refresh-and-expiry', test_register_refresh_and_expiry, 120),
    ('e2e-callee-phone-gone', test_callee_phone_gone, 120),
    ('e2e-hold-resume', test_hold_resume, 120),
    ('e2e-blind-transfer', test_blind_transfer, 120),
    ('e2e-blind-transfer-by-caller', test_blind_transfer_by_caller, 120),
    ('e2e-blind-transfer-fails', test_blind_transfer_fails, 120),
    ('e2e-attended-transfer', test_attended_transfer, 150),
    ('e2e-conference', test_conference, 120),
    ('e2e-video-call', test_video_call, 120),
    ('e2e-video-reinvite-linphone', test_video_reinvite_linphone, 120),
    ('e2e-forked-call', test_forked_call, 120),
    ('e2e-domain-with-port', test_domain_with_port, 120),
    ('e2e-exchange-restart', test_exchange_restart, 120),
    ('e2e-call-survives-35s', test_call_survives_35s, 90),
    ('e2e-tcp-call', test_tcp_call, 120),
    ('e2e-tls-call', test_tls_call, 120),
    ('e2e-tls-to-udp-call', test_tls_to_udp_call, 120),
    ('e2e-linphonec-tcp-register-call', test_linphonec_tcp_register_call, 150),
    ('e2e-linphonec-udp-call', test_linphonec_udp_call, 150),
    ('e2e-linphonec-tls-call', test_linphonec_tls_call, 150),
    ('e2e-linphonec-restart-new-port', test_linphonec_restart_new_port, 150),
    ('e2e-linphonec-tcp-restart', test_linphonec_tcp_restart, 150),
    ('e2e-linphonec-tls-untrusted', test_linphonec_tls_untrusted, 120),
    ('e2e-tls-wrong-port', test_tls_wrong_port, 120),
]


def run_one(index, name, fn, args):
    """0 pass, 1 fail, 77 skip."""
    started = time.monotonic()
    last_port_error = None
    for attempt in range(1, ATTEMPTS + 1):
        ctx = Ctx(name, index, args)
        try:
            try:
                fn(ctx)
            except BaseException:
                ctx.abort()
                raise
            ctx.stop_all()
        except PortInUse as e:
            last_port_error = e
            ctx.cleanup()
            write_err('%s: %s; retrying with new ports (attempt %d of %d)\n' % (name, e, attempt, ATTEMPTS))
            continue
        except TestSkip as e:
            ctx.cleanup()
            print('SKIP %s: %s' % (name, e))
            return EXIT_SKIP
        except TestFailure as e:
            write_err('FAIL %s: %s\n' % (name, e))
            ctx.dump()
            write_err('FAIL %s: %s\n(logs kept in %s)\n' % (name, str(e).split('\n')[0], ctx.dir))
            return EXIT_FAIL
        except KeyboardInterrupt:
            ctx.cleanup()
            raise
        except Exception:
            import traceback
            write_err('FAIL %s: harness error\n%s' % (name, traceback.format_exc()))
            ctx.dump()
            write_err('(logs kept in %s)\n' % ctx.dir)
            return EXIT_FAIL
        if args.keep:
            print('(logs kept in %s)' % ctx.dir)
        else:
            ctx.cleanup()
        print('PASS %s (%.1f s)' % (name, time.monotonic() - started))
        sys.stdout.flush()
        return EXIT_PASS
    write_err('FAIL %s: ports kept being taken: %s\n' % (name, last_port_error))
    return EXIT_FAIL


def main():
    ap = argparse.ArgumentParser(description='end-to-end tests with baresip and linphonec phones for ustredna-server')
    ap.add_argument('--server', help='path to the ustredna-server executable')
    ap.add_argument('--baresip', help='path to baresip (default: found in PATH)')
    ap.add_argument('--sipp', help='path to sipp (default: found in PATH)')
    ap.add_argument('--linphonec', help='path to linphonec (default: found in PATH)')
    ap.add_argument('--list', action='store_true', help='print "NAME TIMEOUT" per test and exit')
    ap.add_argument('--all', action='store_true', help='run every test, one after the other')
    ap.add_argument('--keep', action='store_true', help='keep the logs of passing tests too')
    ap.add_argument('tests', nargs='*', metavar='TESTNAME')
    args = ap.parse_args()

    names = [n for n, _, _ in TESTS]
    if args.list:
        print('\n'.join('%s %d' % (n, t) for n, _, t in TESTS))
        return EXIT_PASS
    wanted = names if args.all else args.tests
    if not wanted:
        ap.error('name a test (see --list) or use --all')
    unknown = [n for n in wanted if n not in names]
    if unknown:
        ap.error('unknown test(s): %s (see --list)' % ', '.join(unknown))
    args.baresip = args.baresip or shutil.which('baresip')
    if not args.baresip or not os.access(args.baresip, os.X_OK) or not os.path.isdir(MODULE_PATH):
        if os.environ.get('UST_TEST_REQUIRE_ALL') == '1':
            print('FAIL: baresip is not installed (no baresip in PATH or no %s), although '
                  'build-aux/install-deps.sh installs it' % MODULE_PATH)
            return EXIT_FAIL
        print('SKIP: baresip is not installed (no baresip in PATH or no %s); '
              'build-aux/install-deps.sh installs it' % MODULE_PATH)
        return EXIT_SKIP
    args.sipp = args.sipp or shutil.which('sipp')
    args.linphonec = args.linphonec or shutil.which('linphonec')
    if args.linphonec and not os.access(args.linphonec, os.X_OK):
        args.linphonec = None
    if not args.server:
        ap.error('--server is required')
    args.server = os.path.abspath(args.server)
    if not os.access(args.server, os.X_OK):
        write_err('FAIL: server %s is not an executable file\n' % args.server)
        return EXIT_FAIL

    results = {}
    for i, (n, fn, _) in enumerate(TESTS):
        if n in wanted:
            results[n] = run_one(i, n, fn, args)
    if all(r == EXIT_SKIP for r in results.values()):
        return EXIT_SKIP
    return EXIT_FAIL if any(r == EXIT_FAIL for r in results.values()) else EXIT_PASS


if __name__ == '__main__':
    sys.exit(main())
