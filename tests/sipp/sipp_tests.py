#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""SIP protocol tests for ustredna-server, driven by sipp.

Usage:
    sipp_tests.py --server PATH/ustredna-server TESTNAME [TESTNAME...]
    sipp_tests.py --server PATH/ustredna-server --all
    sipp_tests.py --list

Each test starts its own server (--listen 127.0.0.1:0, --data-dir in a fresh
temporary directory), registers the phones it needs with sipp, runs the
scenario(s) in this directory and stops the server with SIGTERM.  A test passes
only if every sipp run exits 0, the extra checks on the message logs hold and
the server exits 0 on SIGTERM (a crash or a sanitizer report fails the test).

The call tests then check the call diary the server kept: the rows of calls.db
(read-only, with Python's sqlite3, after the server stopped and flushed), their
events in order, and the text diary: one line per event in calls.txt and the
same lines on the server's stdout.  sipp-diary-sigkill and sipp-diary-export
check that nothing is lost on SIGKILL and the --export-csv output.

Exit status: 0 pass, 1 fail, 77 skip (sipp not installed).
Only the Python standard library is used.
"""

import argparse
import csv
import io
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

HERE = os.path.dirname(os.path.abspath(__file__))
IP = '127.0.0.1'
DOM = IP                   # the exchange's domain defaults to its listen address
SIPP_TIMEOUT = 20          # sipp -timeout (s); with -timeout_error it then exits 255
SIPP_WALL = 30             # hard wall-clock limit per sipp process (s)
SERVER_START_WAIT = 10     # bounded wait for "Listening on udp ..." (s)
SERVER_STOP_WAIT = 10      # bounded wait for exit after SIGTERM (s)
BIND_WAIT = 5              # bounded wait for a background sipp to bind its port (s)
ATTEMPTS = 3               # a test is restarted when a port turned out to be taken

EXIT_PASS, EXIT_FAIL, EXIT_SKIP = 0, 1, 77


class TestFailure(Exception):
    pass


def _write_err_early(text):
    sys.stderr.write(text)


def skip_or_fail(reason):
    """A test may skip only for what the machine truly lacks. Under build-aux/test.sh
    (UST_TEST_REQUIRE_ALL=1), what install-deps.sh installs is never missing: fail."""
    if os.environ.get('UST_TEST_REQUIRE_ALL') == '1':
        _write_err_early('FAIL: %s, although build-aux/install-deps.sh installs it\n' % reason)
        return EXIT_FAIL
    print('SKIP: %s' % reason)
    return EXIT_SKIP


class PortInUse(Exception):
    pass


def write_err(text):
    """Write text to stderr as UTF-8 whatever the locale."""
    sys.stderr.flush()
    sys.stderr.buffer.write(text.encode('utf-8', 'replace'))
    sys.stderr.buffer.flush()


# --------------------------------------------------------------------------
# SIP message helpers (for checks on sipp's -trace_msg logs)

COMPACT = {'v': 'via', 'm': 'contact', 'i': 'call-id', 'f': 'from', 't': 'to',
           'l': 'content-length', 'c': 'content-type', 'k': 'supported',
           's': 'subject', 'e': 'content-encoding', 'o': 'event', 'r': 'refer-to'}


class SipMsg:
    def __init__(self, direction, text):
        self.direction = direction          # 'sent' or 'recv'
        self.text = text
        head = text.split('\r\n\r\n', 1)[0].replace('\r\n', '\n')
        lines = head.split('\n')
        self.first_line = lines[0].strip()
        self.headers = []                   # (lower-case full name, value)
        for line in lines[1:]:
            if line[:1] in (' ', '\t') and self.headers:   # folded line
                name, value = self.headers[-1]
                self.headers[-1] = (name, value + ' ' + line.strip())
                continue
            if ':' not in line:
                continue
            name, value = line.split(':', 1)
            name = name.strip().lower()
            self.headers.append((COMPACT.get(name, name), value.strip()))

    @property
    def is_response(self):
        return self.first_line.startswith('SIP/2.0 ')

    @property
    def status(self):
        if not self.is_response:
            return None
        return int(self.first_line.split()[1])

    @property
    def method(self):
        if self.is_response:
            return None
        return self.first_line.split()[0]

    def values(self, name):
        """All values of a header, comma-separated lists split."""
        out = []
        for n, v in self.headers:
            if n == name:
                out.extend(split_list(v))
        return out

    def header(self, name):
        for n, v in self.headers:
            if n == name:
                return v
        return None

    @property
    def cseq(self):
        v = self.header('cseq') or ''
        parts = v.split()
        if len(parts) != 2:
            return (None, None)
        return (parts[0], parts[1].upper())

    @property
    def top_branch(self):
        vias = self.values('via')
        if not vias:
            return None
        m = re.search(r';\s*branch=([^;,\s]+)', vias[0], re.I)
        return m.group(1) if m else None

    def __str__(self):
        return self.text


def split_list(value):
    """Split a header value at commas outside <...> and quotes."""
    out, cur, depth, quoted = [], '', 0, False
    for ch in value:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch == '<':
            depth += 1
        elif not quoted and ch == '>':
            depth = max(0, depth - 1)
        if ch == ',' and depth == 0 and not quoted:
            out.append(cur.strip())
            cur = ''
        else:
            cur += ch
    if cur.strip():
        out.append(cur.strip())
    return out


def parse_contact(value):
    """'<sip:bob@127.0.0.1:5070>;expires=60' -> (uri, host, port, params)."""
    m = re.match(r'\s*(?:"[^"]*"\s*|[^<;"]*?)?<([^>]*)>(.*)$', value)
    if m:
        uri, rest = m.group(1), m.group(2)
    else:
        uri, _, rest = value.partition(';')
        rest = ';' + rest if rest else ''
    params = {}
    for p in rest.split(';'):
        p = p.strip()
        if not p:
            continue
        k, _, v = p.partition('=')
        params[k.strip().lower()] = v.strip().strip('"')
    hm = re.match(r'sips?:(?:[^@]*@)?(\[[^\]]+\]|[^:;>?]+)(?::(\d+))?', uri)
    host = hm.group(1) if hm else None
    port = int(hm.group(2)) if hm and hm.group(2) else None
    return uri, host, port, params


def parse_messages_log(path):
    """Parse a sipp -trace_msg log into a list of SipMsg."""
    try:
        with open(path, 'rb') as f:
            data = f.read().decode('utf-8', 'replace')
    except OSError:
        return []
    msgs = []
    blocks = re.split(r'^-{20,} .*$', data, flags=re.M)
    for b in blocks:
        m = re.match(r'\s*\S+ message (sent|received)[^\n]*\n\n', b)
        if not m:
            continue
        text = b[m.end():]
        if text.endswith('\n'):
            text = text[:-1]
        msgs.append(SipMsg('sent' if m.group(1) == 'sent' else 'recv', text))
    return msgs


# --------------------------------------------------------------------------
# processes

def udp_port_bound(port):
    """True when something listens on UDP 127.0.0.1:port or *:port (Linux)."""
    want = ':%04X' % port
    try:
        with open('/proc/net/udp') as f:
            for line in f.readlines()[1:]:
                fields = line.split()
                if len(fields) > 1 and fields[1].endswith(want) and \
                        fields[1][:8] in ('0100007F', '00000000'):
                    return True
    except OSError:
        return None
    return False


def tcp_port_listening(port):
    """True when something listens on TCP 127.0.0.1:port or *:port (Linux)."""
    want = ':%04X' % port
    try:
        with open('/proc/net/tcp') as f:
            for line in f.readlines()[1:]:
                fields = line.split()
                if len(fields) > 3 and fields[1].endswith(want) and fields[3] == '0A' and \
                        fields[1][:8] in ('0100007F', '00000000'):
                    return True
    except OSError:
        return None
    return False


class Server:
    """listen: the address to bind ('0.0.0.0' for all); reach: where phones send to."""
    def __init__(self, ctx, data_dir, extra, listen=IP, reach=IP):
        self.ctx = ctx
        self.index = len(ctx.servers) + 1
        self.data_dir = data_dir
        self.cmd = [ctx.server_path, '--listen', listen + ':0', '--data-dir', data_dir] + list(extra)
        self.out_lines = []
        self.err_lines = []
        self.port = None
        self.returncode = None
        self.note = ''
        self._first = threading.Event()
        ctx.servers.append(self)
        self.proc = subprocess.Popen(self.cmd, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     cwd=ctx.dir)
        self._t_out = threading.Thread(target=self._read, args=(self.proc.stdout, self.out_lines, True), daemon=True)
        self._t_err = threading.Thread(target=self._read, args=(self.proc.stderr, self.err_lines, False), daemon=True)
        self._t_out.start()
        self._t_err.start()
        if not self._first.wait(SERVER_START_WAIT):
            raise TestFailure('server #%d printed no first line within %d s' % (self.index, SERVER_START_WAIT))
        first = self.out_lines[0].rstrip('\r\n') if self.out_lines else ''
        suffix = r' \(all addresses\)' if listen == '0.0.0.0' else ''
        m = re.fullmatch(r'Listening on udp %s:(\d+)%s' % (re.escape(listen), suffix), first)
        if not m:
            time.sleep(0.2)
            raise TestFailure('server #%d: first stdout line is %r, expected "Listening on udp %s:PORT" (exit status %s)'
                              % (self.index, first, listen, self.proc.poll()))
        self.port = int(m.group(1))
        self.addr = '%s:%d' % (reach, self.port)

    def _read(self, stream, sink, signal_first):
        for raw in iter(stream.readline, b''):
            sink.append(raw.decode('utf-8', 'replace'))
            if signal_first:
                self._first.set()
        if signal_first:
            self._first.set()     # EOF: let the waiter see the failure at once

    def stop(self):
        """SIGTERM; the server must exit 0 within SERVER_STOP_WAIT seconds."""
        if self.returncode is not None:
            return
        rc = self.proc.poll()
        if rc is not None:
            self.returncode = rc
            self._join()
            raise TestFailure('server #%d exited by itself during the test with status %d%s'
                              % (self.index, rc, signame(rc)))
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(SERVER_STOP_WAIT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            self.returncode = self.proc.returncode
            self._join()
            raise TestFailure('server #%d did not exit within %d s of SIGTERM' % (self.index, SERVER_STOP_WAIT))
        self.returncode = rc
        self._join()
        if rc != 0:
            raise TestFailure('server #%d exited with status %d%s after SIGTERM (crash or sanitizer report?)'
                              % (self.index, rc, signame(rc)))

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if self.returncode is None:
            self.returncode = self.proc.returncode
        self._join()

    def diary_stdout(self):
        """The call diary lines the server printed on stdout, in order."""
        return [l.rstrip('\r\n') for l in list(self.out_lines) if l.startswith('TIME: [')]

    def wait_stdout(self, regex, what, timeout=10):
        """Wait (bounded) for a stdout line matching regex; the server flushes its
        stdout every 250 ms."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in list(self.out_lines):
                if re.search(regex, line):
                    return line.rstrip('\r\n')
            rc = self.proc.poll()
            if rc is not None:
                raise TestFailure('server #%d exited with status %d%s while waiting for %s'
                                  % (self.index, rc, signame(rc), what))
            time.sleep(0.02)
        raise TestFailure('server #%d did not print %s (a stdout line matching %r) within %d s'
                          % (self.index, what, regex, timeout))

    def _join(self):
        self._t_out.join(2)
        self._t_err.join(2)


def signame(rc):
    if rc is not None and rc < 0:
        try:
            return ' (%s)' % signal.Signals(-rc).name
        except ValueError:
            pass
    return ''


class Sipp:
    """One sipp process.  Logs go to <label>_{messages,errors,logs}.log and <label>.out."""

    def __init__(self, ctx, label, scenario, port, remote=None, keys=None,
                 service=None, calls=1, extra=(), transport='udp'):
        self.ctx = ctx
        self.label = label
        self.port = port
        self.transport = 'tcp' if transport.startswith('tcp') else transport
        self.returncode = None
        d = ctx.dir
        self.files = {k: os.path.join(d, '%s_%s.log' % (label, k)) for k in ('messages', 'errors', 'logs')}
        self.out_path = os.path.join(d, label + '.out')
        cmd = [ctx.sipp_path]
        if remote:
            cmd.append(remote)
        if transport == 'tcp':       # one connection for all calls
            cmd += ['-t', 't1', '-max_socket', '1000']
        elif transport == 'tcp-tn':  # a connection per call
            cmd += ['-t', 'tn', '-max_socket', '1000']
        cmd += ['-sf', os.path.join(HERE, scenario),
                '-i', IP, '-p', str(port), '-m', str(calls),
                '-nostdin', '-timeout', '%ds' % SIPP_TIMEOUT, '-timeout_error',
                '-trace_err', '-error_file', self.files['errors'],
                '-trace_msg', '-message_file', self.files['messages'],
                '-trace_logs', '-log_file', self.files['logs'],
                '-key', 'dom', DOM]
        for k, v in (keys or {}).items():
            cmd += ['-key', k, str(v)]
        if service:
            cmd += ['-s', service]
        cmd += list(extra)
        self.cmd = cmd
        self.out = open(self.out_path, 'wb')
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=self.out,
                                     stderr=subprocess.STDOUT, cwd=d)
        self.started = time.monotonic()
        ctx.sipps.append(self)

    def wait_bound(self):
        """Wait (bounded) until the sipp process listens on its port."""
        deadline = time.monotonic() + BIND_WAIT
        while time.monotonic() < deadline:
            rc = self.proc.poll()
            if rc is not None:
                self._finished(rc)
                self.check()          # raises: it exited before doing anything
                raise TestFailure('sipp %s exited 0 before the call started' % self.label)
            bound = (tcp_port_listening(self.port) if self.transport == 'tcp'
                     else udp_port_bound(self.port))
            if bound is None:         # no /proc/net/udp: give it a moment
                time.sleep(0.5)
                return
            if bound:
                return
            time.sleep(0.02)
        raise TestFailure('sipp %s did not bind 127.0.0.1:%d within %d s' % (self.label, self.port, BIND_WAIT))

    def wait(self):
        """Wait for exit (bounded by the hard wall-clock limit); return the exit code."""
        if self.returncode is not None:
            return self.returncode
        remaining = SIPP_WALL - (time.monotonic() - self.started)
        try:
            rc = self.proc.wait(max(0.1, remaining))
        except subprocess.TimeoutExpired:
            self.kill()
            raise TestFailure('sipp %s still running after its %d s wall-clock limit: killed'
                              % (self.label, SIPP_WALL))
        self._finished(rc)
        return rc

    def linger(self, seconds=3):
        """After another failure: let it finish its logs for a moment, then kill it."""
        if self.returncode is None:
            try:
                self._finished(self.proc.wait(seconds))
            except subprocess.TimeoutExpired:
                self.kill()

    def _finished(self, rc):
        self.returncode = rc
        if not self.out.closed:
            self.out.close()

    def check(self):
        rc = self.wait()
        if rc == 254:
            raise PortInUse('sipp %s could not bind 127.0.0.1:%d (exit 254)' % (self.label, self.port))
        if rc != 0:
            raise TestFailure('sipp %s exited with status %d%s' % (self.label, rc, sipp_rc_hint(rc)))

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self._finished(self.proc.returncode)

    def messages(self, direction=None):
        msgs = parse_messages_log(self.files['messages'])
        if direction:
            msgs = [m for m in msgs if m.direction == direction]
        return msgs

    def received(self):
        return self.messages('recv')

    def sent(self):
        return self.messages('sent')


def sipp_rc_hint(rc):
    return {1: ' (a call failed: unexpected message, failed check or receive timeout)',
            97: ' (internal exit / global timeout without -timeout_error)',
            99: ' (no call processed)',
            255: ' (global -timeout reached with calls pending, or fatal error)',
            254: ' (could not bind its port)'}.get(rc, '')


# --------------------------------------------------------------------------
# test context

class Ctx:
    def __init__(self, name, server_path, sipp_path):
        self.name = name
        self.server_path = server_path
        self.sipp_path = sipp_path
        self.dir = tempfile.mkdtemp(prefix='ustredna-%s-' % name)
        self.servers = []
        self.sipps = []
        self.used_ports = set()
        self.labels = set()

    # ---- resources

    def port(self):
        """A free UDP port on 127.0.0.1, distinct from the others of this test."""
        for _ in range(100):
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            try:
                s.bind((IP, 0))
                p = s.getsockname()[1]
            finally:
                s.close()
            if p not in self.used_ports:
                self.used_ports.add(p)
                return p
        raise TestFailure('could not find a free UDP port')

    def data_dir(self):
        d = tempfile.mkdtemp(prefix='data-', dir=self.dir)
        return d

    def server(self, extra=(), data_dir=None, listen=IP, reach=IP):
        return Server(self, data_dir or self.data_dir(), extra, listen, reach)

    def _label(self, label):
        base, n = label, 1
        while label in self.labels:
            n += 1
            label = '%s-%d' % (base, n)
        self.labels.add(label)
        return label

    # ---- sipp runs

    def run(self, label, scenario, srv, port, keys=None, service=None, extra=(), calls=1,
            transport='udp'):
        """Run a client scenario against srv in the foreground; it must exit 0."""
        s = Sipp(self, self._label(label), scenario, port, remote=srv.addr,
                 keys=keys, service=service, calls=calls, extra=extra, transport=transport)
        s.check()
        return s

    def start(self, label, scenario, port, keys=None, srv=None, service=None, extra=(), calls=1,
              transport='udp'):
        """Start a scenario in the background and wait until it has bound its port."""
        s = Sipp(self, self._label(label), scenario, port,
                 remote=srv.addr if srv else None, keys=keys, service=service,
                 calls=calls, extra=extra, transport=transport)
        s.wait_bound()
        return s

    def finish(self, *bg):
        """Wait (bounded) for background sipps; all must exit 0."""
        for s in bg:
            s.check()

    def register(self, srv, user, port, contact_host=IP, contact_port=None,
                 expires=3600, label=None, transport='udp'):
        return self.run(label or 'reg-' + user, 'register.xml', srv, port,
                        keys={'me': user, 'contact_host': contact_host,
                              'contact_port': contact_port or port,
                              'expires': expires}, transport=transport)

    # ---- teardown

    def stop_all(self):
        """Stop everything this test started; raise on a server failure."""
        for s in self.sipps:
            if s.returncode is None:
                s.kill()
        failure = None
        for srv in self.servers:
            try:
                srv.stop()
            except TestFailure as e:
                failure = failure or e
        if failure:
            raise failure

    def abort(self):
        for s in self.sipps:
            if s.returncode is None:
                s.kill()
        for srv in self.servers:
            if srv.returncode is None:
                try:
                    srv.stop()        # SIGTERM first: its exit status is part of the report
                except TestFailure as e:
                    srv.note = str(e)
                srv.kill()

    def dump(self):
        out = []
        for srv in self.servers:
            out.append('--- server #%d: %s' % (srv.index, ' '.join(srv.cmd)))
            out.append('    exit status: %s%s' % (srv.returncode, signame(srv.returncode)))
            if srv.note:
                out.append('    ' + srv.note)
            out.append('--- server #%d stdout:' % srv.index)
            out.append(''.join(srv.out_lines).rstrip('\n') or '(empty)')
            out.append('--- server #%d stderr:' % srv.index)
            out.append(''.join(srv.err_lines).rstrip('\n') or '(empty)')
        seen = set()
        for srv in self.servers:
            if srv.data_dir in seen:
                continue
            seen.add(srv.data_dir)
            out.append('--- call diary in %s:' % srv.data_dir)
            out.append(dump_diary(srv.data_dir))
            remove_diary_journal(srv.data_dir)
        for s in self.sipps:
            out.append('--- sipp %s: exit status %s' % (s.label, s.returncode))
            out.append('    ' + ' '.join(s.cmd))
            for kind in ('errors', 'logs', 'messages'):
                path = s.files[kind]
                if os.path.exists(path) and os.path.getsize(path):
                    out.append('--- %s:' % os.path.basename(path))
                    out.append(read_text(path).rstrip('\n'))
            if s.returncode != 0 and os.path.exists(s.out_path):
                text = read_text(s.out_path)
                tail = '\n'.join(text.splitlines()[-25:])
                out.append('--- %s (last lines):' % os.path.basename(s.out_path))
                out.append(tail)
        write_err('\n'.join(out) + '\n')

    def cleanup(self):
        for srv in self.servers:
            remove_diary_journal(srv.data_dir)
        shutil.rmtree(self.dir, ignore_errors=True)


def remove_diary_journal(data_dir):
    """A server killed on purpose leaves its diary journal (16 MB of shared memory, kept
    for the next exchange on the folder: ust-diary-journal.c names it) behind."""
    import hashlib
    path = os.path.normpath(os.path.abspath(os.path.join(data_dir, 'calls.db')))
    digest = hashlib.sha256(path.encode('utf-8')).hexdigest()[:32]
    try:
        os.unlink('/dev/shm/ustredna-diary-%d-%s' % (os.getuid(), digest))
    except OSError:
        pass


def read_text(path):
    with open(path, 'rb') as f:
        return f.read().decode('utf-8', 'replace')


# --------------------------------------------------------------------------
# checks on message logs

def fail(msg, *related):
    if related:
        msg += '\n' + '\n'.join('  >> ' + str(m).replace('\r\n', '\n  >> ') for m in related)
    raise TestFailure(msg)


def last_response(sipp, method, status=None):
    rs = [m for m in sipp.received() if m.is_response and m.cseq[1] == method
          and (status is None or m.status == status)]
    if not rs:
        fail('%s: no %s response to %s in its message log' % (sipp.label, status or '', method))
    return rs[-1]


def requests(sipp, method):
    return [m for m in sipp.received() if m.method == method]


def bindings(resp):
    """{port: expires} of the Contact list of a REGISTER response."""
    out = {}
    for c in resp.values('contact'):
        uri, host, port, params = parse_contact(c)
        if 'expires' not in params or not params['expires'].isdigit():
            fail('Contact without a numeric ;expires= in the REGISTER 200', resp)
        out[(host, port)] = int(params['expires'])
    return out


def expect_bindings(resp, wanted):
    """wanted: {(host, port): max_expires}; exactly these, each 0 < expires <= max."""
    got = bindings(resp)
    if set(got) != set(wanted):
        fail('REGISTER 200 lists bindings %s, expected exactly %s'
             % (sorted(got), sorted(wanted)), resp)
    for k, mx in wanted.items():
        if not 0 < got[k] <= mx:
            fail('binding %s:%s has expires=%d, expected 1..%d' % (k[0], k[1], got[k], mx), resp)


def expect_status_line(sipp, method, status, line):
    r = last_response(sipp, method, status)
    if r.first_line != line:
        fail('%s: expected status line %r, got %r' % (sipp.label, line, r.first_line), r)


def expect_hop_by_hop(uas, method='ACK'):
    """The callee's INVITE and the ACK/CANCEL the proxy sent it share one branch."""
    invs = requests(uas, 'INVITE')
    others = requests(uas, method)
    if not invs or not others:
        fail('%s: expected an INVITE and a %s in its message log' % (uas.label, method))
    if others[0].top_branch != invs[0].top_branch:
        fail('%s: the %s the callee received has branch %s, but the INVITE had %s '
             '(the proxy must send it with its INVITE branch)'
             % (uas.label, method, others[0].top_branch, invs[0].top_branch), invs[0], others[0])


# --------------------------------------------------------------------------
# the call diary: calls.db (SQLite, WAL), calls.txt and the diary lines on stdout

DIARY_KINDS_LINE = {'calling': 'CALLING {callee} FROM {caller}',
                    'ringing': 'RINGING {callee} FROM {caller}',
                    'cancelled': 'CALLING {callee} FROM {caller} CANCELLED',
                    'rejected': 'CALLING {callee} FROM {caller} REJECTED {detail}'}
# the event that stamps each time column (the tracker uses one clock reading for both)
TIME_EVENT = {'start_time': 'calling', 'ring_time': 'ringing', 'answer_time': 'started'}
END_EVENTS = ('ended', 'cancelled', 'rejected')


def read_diary_db(path):
    """(calls, events) of a calls.db, opened read-only; calls ordered by start_time, id;
    events in the order they were written (rowid)."""
    if not os.path.exists(path):
        fail('there is no call diary at %s' % path)
    uri = 'file:%s?mode=ro' % urllib.parse.quote(os.path.abspath(path))
    try:
        db = sqlite3.connect(uri, uri=True, timeout=5)
    except sqlite3.Error as e:
        fail('cannot open %s read-only: %s' % (path, e))
    db.row_factory = sqlite3.Row
    try:
        calls = [dict(r) for r in db.execute('SELECT * FROM calls ORDER BY start_time, id')]
        events = [dict(r) for r in db.execute('SELECT * FROM events ORDER BY id')]
    except sqlite3.Error as e:
        fail('cannot read %s: %s' % (path, e))
    finally:
        db.close()
    return calls, events


class Diary:
    """The diary of one data directory: database rows, events and text lines."""

    def __init__(self, data_dir):
        self.data_dir = data_dir
        self.calls, self.events = read_diary_db(os.path.join(data_dir, 'calls.db'))
        by_row = {c['id']: c for c in self.calls}
        for c in self.calls:
            c['events'] = []
        for e in self.events:
            if e['call'] not in by_row:
                fail('event %r refers to call row %s, which is not in the calls table'
                     % (e, e['call']))
            by_row[e['call']]['events'].append(e)
        path = os.path.join(data_dir, 'calls.txt')
        self.text_lines = read_text(path).splitlines() if os.path.exists(path) else None

    def dump(self):
        return format_diary(self.calls, self.events, self.text_lines)

    def call(self, call_id):
        rows = [c for c in self.calls if c['call_id'] == call_id]
        if len(rows) != 1:
            fail('the diary has %d rows for Call-ID %r, expected 1'
                 % (len(rows), call_id))
        return rows[0]


def format_diary(calls, events, text_lines):
    out = ['calls (%d):' % len(calls)]
    for c in calls:
        out.append('  ' + ', '.join('%s=%r' % (k, v) for k, v in c.items() if k != 'events'))
    out.append('events (%d):' % len(events))
    for e in events:
        out.append('  %r' % (e,))
    if text_lines is None:
        out.append('calls.txt: (missing)')
    else:
        out.append('calls.txt (%d lines):' % len(text_lines))
        out.extend('  ' + l for l in text_lines)
    return '\n'.join(out)


def dump_diary(data_dir):
    """For the failure report: whatever can be read of a data directory's diary."""
    try:
        calls, events = read_diary_db(os.path.join(data_dir, 'calls.db'))
    except TestFailure as e:
        calls, events = [], []
        head = '(%s)\n' % e
    else:
        head = ''
    path = os.path.join(data_dir, 'calls.txt')
    text = read_text(path).splitlines() if os.path.exists(path) else None
    return head + format_diary(calls, events, text)


def diary_line(call, event):
    """The text diary line the server writes for an event (ust-call-tracker.c format_line)."""
    clock = time.strftime('%H:%M:%S', time.localtime(event['time'] // 1000000))
    kind, detail = event['kind'], event['detail']
    names = {'callee': call['callee'] or '?', 'caller': call['caller'] or '?', 'detail': detail}
    if kind in DIARY_KINDS_LINE:
        what = DIARY_KINDS_LINE[kind].format(**names)
    else:
        what = 'CALL BETWEEN {callee} AND {caller} '.format(**names) + kind.upper().replace('-', ' ')
        if detail is not None:
            what += ' ' + detail
    return 'TIME: [%s] CALL ID: %s %s' % (clock, call['call_id'], what)


def expect_lines(got, want, what, diary):
    if got == want:
        return
    diff = []
    for i in range(max(len(got), len(want))):
        g = got[i] if i < len(got) else '(none)'
        w = want[i] if i < len(want) else '(none)'
        diff.append('%s line %d:\n    got  %s\n    want %s' % ('  ' if g == w else '!!', i + 1, g, w))
    fail('%s does not match the diary\'s events one to one:\n%s'
         % (what, '\n'.join(diff)))


def expect_text(diary, servers=()):
    """calls.txt has one line per event, in the order the events were written, and the
    servers' stdout (concatenated, in the order they ran) has the same lines."""
    by_row = {c['id']: c for c in diary.calls}
    want = [diary_line(by_row[e['call']], e) for e in diary.events]
    if diary.text_lines is None and want:
        fail('%s/calls.txt is missing' % (diary.data_dir))
    expect_lines(diary.text_lines or [], want, 'calls.txt', diary)
    if servers:
        stdout = [l for srv in servers for l in srv.diary_stdout()]
        expect_lines(stdout, want, 'the diary lines on the servers\' stdout', diary)


def expect_call(diary, call, kinds, min_talk=None, **want):
    """One diary row: exact column values (want), the event kinds in order (kinds:
    a kind, or (kind, detail)), time columns consistent with the events."""
    for k, v in want.items():
        if k not in call:
            fail('the calls table has no column %r' % (k))
        if call[k] != v:
            fail('call %s: %s is %r, expected %r' % (call['call_id'], k, call[k], v))
    got = [(e['kind'], e['detail']) for e in call['events']]
    exp = [k if isinstance(k, tuple) else (k, None) for k in kinds]
    if got != exp:
        fail('call %s: events are %r,\n  expected %r' % (call['call_id'], got, exp))

    times = [e['time'] for e in call['events']]
    if times != sorted(times):
        fail('call %s: event times go backwards: %r' % (call['call_id'], times))
    first = {}
    for e in call['events']:
        first.setdefault(e['kind'], e['time'])
    for col, kind in TIME_EVENT.items():
        if call[col] != first.get(kind, 0):
            fail('call %s: %s is %r but its %r event is at %r (0 when there is none)'
                 % (call['call_id'], col, call[col], kind, first.get(kind, 0)))
    ends = [e['time'] for e in call['events'] if e['kind'] in END_EVENTS]
    if call['end_time'] != (ends[-1] if ends else 0):
        fail('call %s: end_time is %r, its end event is at %r'
             % (call['call_id'], call['end_time'], ends[-1] if ends else 0))
    seq = [call[c] for c in ('start_time', 'ring_time', 'answer_time', 'end_time') if call[c]]
    if not call['start_time'] or seq != sorted(seq):
        fail('call %s: times out of order: start %r ring %r answer %r end %r'
             % (call['call_id'], call['start_time'], call['ring_time'], call['answer_time'],
                call['end_time']))
    if call['start_time'] > time.time() * 1e6 or call['start_time'] < (time.time() - 120) * 1e6:
        fail('call %s: start_time %r is not the last two minutes\' wall-clock µs'
             % (call['call_id'], call['start_time']))
    if min_talk is not None:
        talk = (call['end_time'] - call['answer_time']) / 1e6
        # sipp's pause timer may end a millisecond or two early.
        if not call['answer_time'] or not min_talk - 0.01 <= talk < min_talk + 10:
            fail('call %s: talk time %.3f s, expected at least the caller\'s pause of %.3f s'
                 % (call['call_id'], talk, min_talk))


def sent_call_id(uac):
    invs = [m for m in uac.sent() if m.method == 'INVITE']
    if not invs:
        fail('%s: no INVITE in its message log' % uac.label)
    return invs[0].header('call-id')


def call_fields(uac, uas=None, caller='alice', callee='bob'):
    """The columns every call of these scenarios has: who, from where, no User-Agents."""
    return dict(call_id=sent_call_id(uac), caller='%s@%s' % (caller, DOM), caller_name=None,
                callee='%s@%s' % (callee, DOM), caller_addr=diary_addr(uac),
                callee_addr=diary_addr(uas) if uas else None,
                caller_ua=None, callee_ua=None)


def diary_addr(sipp):
    """How the diary's address columns show a sipp phone: '127.0.0.1:PORT (UDP)'."""
    return '%s:%d (%s)' % (IP, sipp.port, sipp.transport.upper())


ANSWERED = dict(state='ended', final_code=200, final_reason='OK', orig_reason='OK',
                ended_by='caller', video=0, video_now=0, on_hold=0, transfer_to=None,
                transfer_result=None, related_call_id=None)
ANSWERED_KINDS = ['calling', 'ringing', 'started', 'ended']


def stopped_diary(srv, n_calls, servers=None):
    """Stop srv (SIGTERM: it flushes the diary), read its diary, check the number of
    calls and the text lines (calls.txt and stdout)."""
    srv.stop()
    diary = Diary(srv.data_dir)
    if len(diary.calls) != n_calls:
        fail('the diary has %d calls, expected %d' % (len(diary.calls), n_calls))
    expect_text(diary, servers or [srv])
    return diary


# --------------------------------------------------------------------------
# the tests

TESTS = []


def test(name):
    def deco(fn):
        TESTS.append((name, fn))
        return fn
    return deco


def call_pair(ctx, srv, uas_scen, uac_scen, callee='bob', caller='alice',
              uas_keys=None, uac_keys=None, register=True, uas_extra=(), uac_extra=(),
              uas_transport='udp', uac_transport='udp', uas_port=None):
    """Register both phones, start the callee, run the caller, wait for the callee.
    Each phone registers and talks over its own transport ('udp', 'tcp' or 'tcp-tn')."""
    pb, pa = uas_port or ctx.port(), ctx.port()
    if register:
        ctx.register(srv, callee, pb, transport=uas_transport)
        ctx.register(srv, caller, pa, transport=uac_transport)
    elif uas_port:                 # the callee registered itself: only the caller here
        ctx.register(srv, caller, pa, transport=uac_transport)
    uas = ctx.start('uas-' + callee, uas_scen, pb, keys=dict({'me': callee}, **(uas_keys or {})),
                    extra=uas_extra, transport=uas_transport)
    try:
        uac = ctx.run('uac-' + caller, uac_scen, srv, pa, keys=dict({'me': caller}, **(uac_keys or {})),
                      service=callee, extra=uac_extra, transport=uac_transport)
    except TestFailure:
        uas.linger()     # give it a moment so its log is complete, then fail
        raise
    ctx.finish(uas)
    return uas, uac


@test('sipp-register')
def t_register(ctx):
    srv = ctx.server()
    p = ctx.port()
    reg = ctx.register(srv, 'bob', p, expires=3600)
    expect_bindings(last_response(reg, 'REGISTER', 200), {(IP, p): 3600})


@test('sipp-register-refresh')
def t_register_refresh(ctx):
    srv = ctx.server()
    p = ctx.port()
    reg = ctx.run('refresh-bob', 'register_refresh.xml', srv, p,
                  keys={'me': 'bob', 'expires': 3600, 'expires2': 1800})
    # the refresh (same Call-ID, CSeq 2) replaces the binding's expiry, no second binding
    expect_bindings(last_response(reg, 'REGISTER', 200), {(IP, p): 1800})


@test('sipp-register-unregister')
def t_register_unregister(ctx):
    srv = ctx.server()
    p = ctx.port()
    ctx.register(srv, 'bob', p)
    ctx.run('unreg-bob', 'unregister.xml', srv, p,
            keys={'me': 'bob', 'contact_host': IP, 'contact_port': p})
    q = ctx.run('query-bob', 'register_query.xml', srv, p, keys={'me': 'bob'})
    expect_bindings(last_response(q, 'REGISTER', 200), {})


@test('sipp-register-star')
def t_register_star(ctx):
    srv = ctx.server()
    p1, p2 = ctx.port(), ctx.port()
    ctx.register(srv, 'carol', p1)
    ctx.register(srv, 'carol', p2)
    ctx.run('star-carol', 'register_star.xml', srv, p1, keys={'me': 'carol'})
    q = ctx.run('query-carol', 'register_query.xml', srv, p1, keys={'me': 'carol'})
    expect_bindings(last_response(q, 'REGISTER', 200), {})


@test('sipp-register-423')
def t_register_423(ctx):
    srv = ctx.server()
    ctx.run('reg423-dave', 'register_423.xml', srv, ctx.port(), keys={'me': 'dave'})


@test('sipp-register-multi')
def t_register_multi(ctx):
    srv = ctx.server()
    p1, p2 = ctx.port(), ctx.port()
    ctx.register(srv, 'bob', p1, expires=600)
    r2 = ctx.register(srv, 'bob', p2, expires=1200)
    want = {(IP, p1): 600, (IP, p2): 1200}
    expect_bindings(last_response(r2, 'REGISTER', 200), want)
    q = ctx.run('query-bob', 'register_query.xml', srv, p1, keys={'me': 'bob'})
    expect_bindings(last_response(q, 'REGISTER', 200), want)


BASIC_TALK_MS = 1000       # sipp -d for the caller's <pause/> in sipp-call-basic


@test('sipp-call-basic')
def t_call_basic(ctx):
    srv = ctx.server()
    uas, uac = call_pair(ctx, srv, 'uas_call.xml', 'uac_call.xml',
                         uac_extra=['-d', str(BASIC_TALK_MS)])
    inv = requests(uas, 'INVITE')[0]
    rr = inv.values('record-route')
    if not rr or not re.search(r'<sip:127\.0\.0\.1:%d;lr[;>]' % srv.port, rr[0]):
        fail('callee INVITE: expected Record-Route <sip:127.0.0.1:%d;lr> on top, got %r'
             % (srv.port, rr), inv)
    vias = inv.values('via')
    if len(vias) != 2 or not re.search(r'127\.0\.0\.1:%d\b' % srv.port, vias[0]):
        fail('callee INVITE: expected 2 Vias, the proxy\'s on top, got %r' % vias, inv)
    if (inv.header('max-forwards') or '').strip() != '69':
        fail('callee INVITE: Max-Forwards should be 69 (70 decremented), got %r'
             % inv.header('max-forwards'), inv)
    diary = stopped_diary(srv, 1)
    expect_call(diary, diary.calls[0], ANSWERED_KINDS, min_talk=BASIC_TALK_MS / 1000,
                **dict(call_fields(uac, uas), **ANSWERED))


@test('sipp-call-all-addresses')
def t_call_all_addresses(ctx):
    # Bound to 0.0.0.0, phones send to 127.0.0.3 while the exchange reaches the callee
    # (on 127.0.0.1) from 127.0.0.1: two networks in miniature. The callee's INVITE must
    # carry both addresses (RFC 5658 double Record-Route), and sipp's ACK and BYE, routed
    # by the reversed set, must reach the callee without our Route entries.
    srv = ctx.server(listen='0.0.0.0', reach='127.0.0.3')
    uas, uac = call_pair(ctx, srv, 'uas_call.xml', 'uac_call.xml')
    inv = requests(uas, 'INVITE')[0]
    rr = inv.values('record-route')
    want = ['<sip:127.0.0.1:%d;lr>' % srv.port, '<sip:127.0.0.3:%d;lr>' % srv.port]
    if rr != want:
        fail('callee INVITE: expected Record-Route %r, got %r' % (want, rr), inv)
    vias = inv.values('via')
    if len(vias) != 2 or not re.search(r'127\.0\.0\.1:%d\b' % srv.port, vias[0]):
        fail('callee INVITE: expected the proxy\'s Via with 127.0.0.1:%d on top, got %r'
             % (srv.port, vias), inv)
    for method in ('ACK', 'BYE'):
        got = requests(uas, method)
        if not got:
            fail('callee got no %s' % method)
        if got[0].values('route'):
            fail('callee %s still carries Route %r' % (method, got[0].values('route')), got[0])
    answer = last_response(uac, 'INVITE', 200)
    if answer.values('record-route') != want:
        fail('caller 200: expected Record-Route %r, got %r' % (want, answer.values('record-route')),
             answer)
    diary = stopped_diary(srv, 1)
    expect_call(diary, diary.calls[0], ANSWERED_KINDS, **dict(call_fields(uac, uas), **ANSWERED))


@test('sipp-call-cancel')
def t_call_cancel(ctx):
    srv = ctx.server()
    uas, uac = call_pair(ctx, srv, 'uas_cancel.xml', 'uac_cancel.xml')
    expect_hop_by_hop(uas, 'CANCEL')
    expect_hop_by_hop(uas, 'ACK')
    diary = stopped_diary(srv, 1)
    expect_call(diary, diary.calls[0],
                ['calling', 'ringing', ('cancelled', '487 Request Terminated')],
                state='cancelled', final_code=487, final_reason='Request Terminated',
                orig_reason='Request Terminated', ended_by='caller', video=0,
                related_call_id=None, **call_fields(uac, uas))


def reject_test(ctx, code, reason, uac_scen, state, server_extra=(), status_line=None,
                phrase_sent=None):
    """The callee rings, then rejects; phrase_sent: the phrase the caller gets (and
    the diary's final_reason) when the exchange replaces the callee's."""
    srv = ctx.server(server_extra)
    uas, uac = call_pair(ctx, srv, 'uas_reject_%d.xml' % code, uac_scen,
                         uas_keys={'reason': reason})
    expect_status_line(uac, 'INVITE', code, status_line or 'SIP/2.0 %d %s' % (code, reason))
    expect_hop_by_hop(uas, 'ACK')
    sent = phrase_sent or reason
    diary = stopped_diary(srv, 1)
    expect_call(diary, diary.calls[0], ['calling', 'ringing', ('rejected', '%d %s' % (code, sent))],
                state=state, final_code=code, final_reason=sent, orig_reason=reason,
                ended_by='callee', answer_time=0, video=0, related_call_id=None,
                **call_fields(uac, uas))


@test('sipp-call-486')
def t_call_486(ctx):
    reject_test(ctx, 486, 'Busy Here', 'uac_reject_486.xml', 'busy')


@test('sipp-call-603')
def t_call_603(ctx):
    reject_test(ctx, 603, 'Decline', 'uac_reject_603.xml', 'declined')


@test('sipp-call-486-at-once')
def t_call_486_at_once(ctx):
    """The callee rejects without ringing first: the diary still knows where the
    call went (callee_addr) and what answered (callee_ua, from Server)."""
    srv = ctx.server()
    uas, uac = call_pair(ctx, srv, 'uas_reject_486_now.xml', 'uac_reject_486.xml',
                         uas_keys={'reason': 'Busy Here'})
    expect_status_line(uac, 'INVITE', 486, 'SIP/2.0 486 Busy Here')
    diary = stopped_diary(srv, 1)
    expect_call(diary, diary.calls[0], ['calling', ('rejected', '486 Busy Here')],
                state='busy', final_code=486, final_reason='Busy Here', orig_reason='Busy Here',
                ended_by='callee', ring_time=0, answer_time=0,
                **dict(call_fields(uac, uas), callee_ua='sipp-callee/3.6'))


def local_reject_diary(srv, uac, callee, code, phrase, state):
    """A call the exchange itself refused: no ringing, no callee address."""
    diary = stopped_diary(srv, 1)
    expect_call(diary, diary.calls[0], ['calling', ('rejected', '%d %s' % (code, phrase))],
                state=state, final_code=code, final_reason=phrase, orig_reason=None,
                ended_by='exchange', ring_time=0, answer_time=0, related_call_id=None,
                **call_fields(uac, None, callee=callee))


@test('sipp-call-404')
def t_call_404(ctx):
    srv = ctx.server()
    pa = ctx.port()
    ctx.register(srv, 'alice', pa)
    uac = ctx.run('uac-alice', 'uac_reject_404.xml', srv, pa, keys={'me': 'alice'}, service='nobody')
    phrase = last_response(uac, 'INVITE', 404).first_line.split(' ', 2)[2]
    local_reject_diary(srv, uac, 'nobody', 404, phrase, 'not found')


@test('sipp-call-480')
def t_call_480(ctx):
    srv = ctx.server()
    pa, pc = ctx.port(), ctx.port()
    ctx.register(srv, 'alice', pa)
    ctx.register(srv, 'carol', pc)
    ctx.run('unreg-carol', 'unregister.xml', srv, pc,
            keys={'me': 'carol', 'contact_host': IP, 'contact_port': pc})
    uac = ctx.run('uac-alice', 'uac_reject_480.xml', srv, pa, keys={'me': 'alice'}, service='carol')
    phrase = last_response(uac, 'INVITE', 480).first_line.split(' ', 2)[2]
    local_reject_diary(srv, uac, 'carol', 480, phrase, 'not found')


@test('sipp-call-403')
def t_call_403(ctx):
    srv = ctx.server()
    pa, pb = ctx.port(), ctx.port()
    ctx.register(srv, 'bob', pb)          # the callee is registered, the caller is not
    uac = ctx.run('uac-alice', 'uac_reject_403.xml', srv, pa, keys={'me': 'alice'}, service='bob')
    # the attempt is in the diary: refused by the exchange, a failure (not "not found":
    # the callee exists, the caller is not allowed)
    expect_status_line(uac, 'INVITE', 403, 'SIP/2.0 403 Caller not registered')
    local_reject_diary(srv, uac, 'bob', 403, 'Caller not registered', 'failed')


@test('sipp-reinvite-hold')
def t_reinvite_hold(ctx):
    """re-INVITE with a=sendonly (hold), then one with sendrecv (resume)."""
    srv = ctx.server()
    uas, uac = call_pair(ctx, srv, 'uas_reinvite_hold.xml', 'uac_reinvite_hold.xml')
    diary = stopped_diary(srv, 1)
    expect_call(diary, diary.calls[0], ['calling', 'ringing', 'started', 'hold', 'resume', 'ended'],
                **dict(call_fields(uac, uas), **ANSWERED))


@test('sipp-reinvite-video')
def t_reinvite_video(ctx):
    srv = ctx.server()
    uas, uac = call_pair(ctx, srv, 'uas_reinvite_video.xml', 'uac_reinvite_video.xml')
    diary = stopped_diary(srv, 1)
    expect_call(diary, diary.calls[0], ['calling', 'ringing', 'started', 'video-on', 'ended'],
                **dict(call_fields(uac, uas), **dict(ANSWERED, video=1, video_now=1)))


@test('sipp-refer-notify')
def t_refer_notify(ctx):
    srv = ctx.server()
    uas, uac = call_pair(ctx, srv, 'uas_refer.xml', 'uac_refer.xml', uac_keys={'target': 'carol'})
    # the 200 for the NOTIFY came back to the notifier (checked by the scenario);
    # make sure it is the answer to the NOTIFY and not some other 200
    last_response(uas, 'NOTIFY', 200)
    diary = stopped_diary(srv, 1)
    expect_call(diary, diary.calls[0],
                ['calling', 'ringing', 'started', ('transfer', 'carol@' + DOM),
                 ('transfer-result', '200 OK'), 'ended'],
                **dict(call_fields(uac, uas),
                       **dict(ANSWERED, transfer_to='carol@' + DOM, transfer_result='200 OK')))


XFER_WAIT_MS = 4000        # the transferee's pause between its NOTIFYs, for the new call


def transfer_new_call(ctx, srv):
    """The transferee bob places the call to the REFER's target carol (a sipp UAC as
    bob on a port of its own: the exchange lets any registered user call)."""
    return ctx.run('uac-bob-xfer', 'uac_call.xml', srv, ctx.port(), keys={'me': 'bob'},
                   service='carol')


@test('sipp-refer-transfer')
def t_refer_transfer(ctx):
    """Blind transfer: alice REFERs bob to carol; bob NOTIFYs "100 Trying", calls carol
    (the new call), NOTIFYs "200 OK"; alice hangs up.  The diary links the new call to
    the original one and records the transfer on the original."""
    srv = ctx.server()
    pb, pa, pc = ctx.port(), ctx.port(), ctx.port()
    ctx.register(srv, 'bob', pb)
    ctx.register(srv, 'alice', pa)
    ctx.register(srv, 'carol', pc)
    carol = ctx.start('uas-carol', 'uas_call.xml', pc, keys={'me': 'carol'})
    bob = ctx.start('uas-bob', 'uas_refer_xfer.xml', pb, keys={'me': 'bob'},
                    extra=['-d', str(XFER_WAIT_MS)])
    alice = ctx.start('uac-alice', 'uac_refer_xfer.xml', pa, keys={'me': 'alice', 'target': 'carol'},
                      srv=srv, service='bob')
    try:
        srv.wait_stdout(r' TRANSFER RESULT 100 Trying$', 'the diary line of the NOTIFY "100 Trying"')
        bobx = transfer_new_call(ctx, srv)
        ctx.finish(alice)
    except TestFailure:
        for s in (alice, bob, carol):
            s.linger()
        raise
    ctx.finish(bob, carol)

    diary = stopped_diary(srv, 2)
    orig_id, new_id = sent_call_id(alice), sent_call_id(bobx)
    orig, new = diary.call(orig_id), diary.call(new_id)
    expect_call(diary, orig,
                ['calling', 'ringing', 'started', ('transfer', 'carol@' + DOM),
                 ('transfer-result', '100 Trying'), ('transfer-result', '200 OK'), 'ended'],
                **dict(call_fields(alice, bob),
                       **dict(ANSWERED, transfer_to='carol@' + DOM, transfer_result='200 OK')))
    expect_call(diary, new, ANSWERED_KINDS,
                **dict(call_fields(bobx, carol, caller='bob', callee='carol'),
                       **dict(ANSWERED, related_call_id=orig_id)))
    # the flow went as meant: the new call between the REFER and the final NOTIFY
    t = {e['detail']: e['time'] for e in orig['events'] if e['kind'].startswith('transfer')}
    if not (t['carol@' + DOM] < new['start_time'] and new['end_time'] < t['200 OK']):
        fail('test timing: the new call (%d..%d) was not placed between the REFER (%d) and the '
             'NOTIFY "200 OK" (%d); bob waited %d ms'
             % (new['start_time'], new['end_time'], t['carol@' + DOM], t['200 OK'], XFER_WAIT_MS))


@test('sipp-refer-transfer-late')
def t_refer_transfer_late(ctx):
    """Blind transfer where the transferor hangs up first (as many phones do right after
    the NOTIFY): bob calls carol only after alice's BYE.  The new call is still linked
    to the original one."""
    srv = ctx.server()
    pc = ctx.port()
    ctx.register(srv, 'carol', pc)
    carol = ctx.start('uas-carol', 'uas_call.xml', pc, keys={'me': 'carol'})
    try:
        bob, alice = call_pair(ctx, srv, 'uas_refer.xml', 'uac_refer.xml', uac_keys={'target': 'carol'})
        bobx = transfer_new_call(ctx, srv)
    except TestFailure:
        carol.linger()
        raise
    ctx.finish(carol)

    diary = stopped_diary(srv, 2)
    orig_id, new_id = sent_call_id(alice), sent_call_id(bobx)
    orig, new = diary.call(orig_id), diary.call(new_id)
    expect_call(diary, orig,
                ['calling', 'ringing', 'started', ('transfer', 'carol@' + DOM),
                 ('transfer-result', '200 OK'), 'ended'],
                **dict(call_fields(alice, bob),
                       **dict(ANSWERED, transfer_to='carol@' + DOM, transfer_result='200 OK')))
    if not orig['end_time'] < new['start_time']:
        fail('test setup: the new call should start after the original call ended')
    expect_call(diary, new, ANSWERED_KINDS,
                **dict(call_fields(bobx, carol, caller='bob', callee='carol'),
                       **dict(ANSWERED, related_call_id=orig_id)))


@test('sipp-two-calls')
def t_two_calls(ctx):
    """bob's one phone (one sipp UAS, one port) is in two calls at the same time."""
    srv = ctx.server()
    pb, pa, pc = ctx.port(), ctx.port(), ctx.port()
    ctx.register(srv, 'bob', pb)
    ctx.register(srv, 'alice', pa)
    ctx.register(srv, 'carol', pc)
    uas = ctx.start('uas-bob', 'uas_call.xml', pb, keys={'me': 'bob'}, calls=2)
    # both callers hold their call for 2 s (-d 2000 = duration of <pause/>)
    c1 = ctx.start('uac-alice', 'uac_call.xml', pa, keys={'me': 'alice'}, srv=srv,
                   service='bob', extra=['-d', '2000'])
    c2 = ctx.start('uac-carol', 'uac_call.xml', pc, keys={'me': 'carol'}, srv=srv,
                   service='bob', extra=['-d', '2000'])
    try:
        ctx.finish(c1, c2)
    except TestFailure:
        uas.linger()
        raise
    ctx.finish(uas)
    order = [(m.method, m.header('call-id')) for m in uas.received() if m.method in ('INVITE', 'BYE')]
    first_bye = next((i for i, (meth, _) in enumerate(order) if meth == 'BYE'), len(order))
    invites = {cid for meth, cid in order[:first_bye] if meth == 'INVITE'}
    if len(invites) != 2:
        fail('bob did not have two calls at once: order of INVITE/BYE at the callee: %r' % order)
    # the diary: two answered calls; bob's phone was in both at once (a conference),
    # so the one answered second names the first as its related call
    diary = stopped_diary(srv, 2)
    for uac, caller in ((c1, 'alice'), (c2, 'carol')):
        call = diary.call(sent_call_id(uac))
        fields = call_fields(uac, None, caller=caller)
        del fields['callee_addr']        # checked below: the one UAS port
        expect_call(diary, call, ANSWERED_KINDS, min_talk=2.0, callee_addr='%s:%d (UDP)' % (IP, pb),
                    **dict(fields, **dict(ANSWERED, related_call_id=call['related_call_id'])))
    first, second = sorted(diary.calls, key=lambda c: (c['answer_time'], c['id']))
    if first['related_call_id'] is not None or second['related_call_id'] != first['call_id']:
        fail('conference: the call answered second (%s) should have related_call_id %r and the '
             'first none; got %r and %r'
             % (second['call_id'], first['call_id'], second['related_call_id'],
                first['related_call_id']))


@test('sipp-message')
def t_message(ctx):
    srv = ctx.server()
    call_pair(ctx, srv, 'uas_message.xml', 'uac_message.xml')
    stopped_diary(srv, 0)                 # a MESSAGE is not a call


@test('sipp-max-forwards')
def t_max_forwards(ctx):
    srv = ctx.server()
    pa, pb = ctx.port(), ctx.port()
    ctx.register(srv, 'alice', pa)
    ctx.register(srv, 'bob', pb)
    uac = ctx.run('uac-alice', 'uac_reject_483.xml', srv, pa, keys={'me': 'alice'}, service='bob')
    phrase = last_response(uac, 'INVITE', 483).first_line.split(' ', 2)[2]
    local_reject_diary(srv, uac, 'bob', 483, phrase, 'failed')


@test('sipp-missing-callid')
def t_missing_callid(ctx):
    """A request with no Call-ID gets 400.

    sipp cannot do this one: it drops any message without a Call-ID before its
    scenario sees it ("SIP message without Call-ID discarded"), and the 400
    cannot carry a Call-ID.  The registered phone alice therefore sends the
    request from a plain UDP socket on her registered port.
    """
    srv = ctx.server()
    pa, pb = ctx.port(), ctx.port()
    ctx.register(srv, 'alice', pa)
    ctx.register(srv, 'bob', pb)
    branch = 'z9hG4bK-nocallid-%d' % os.getpid()
    req = ('MESSAGE sip:bob@{d} SIP/2.0\r\n'
           'Via: SIP/2.0/UDP {ip}:{p};branch={b}\r\n'
           'Max-Forwards: 70\r\n'
           'From: <sip:alice@{d}>;tag=nocid1\r\n'
           'To: <sip:bob@{d}>\r\n'
           'CSeq: 1 MESSAGE\r\n'
           'Content-Type: text/plain\r\n'
           'Content-Length: 5\r\n'
           '\r\n'
           'Ahoj!').format(d=DOM, ip=IP, p=pa, b=branch)
    log = open(os.path.join(ctx.dir, 'raw-alice_messages.log'), 'w', encoding='utf-8')
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        try:
            s.bind((IP, pa))
        except OSError:
            raise PortInUse('could not bind 127.0.0.1:%d for the raw socket' % pa)
        deadline = time.monotonic() + 8
        interval = 0.5
        resp = None
        while time.monotonic() < deadline and resp is None:
            rc = srv.proc.poll()
            if rc is not None:
                fail('the server died with status %d%s after receiving a MESSAGE without Call-ID'
                     % (rc, signame(rc)))
            s.sendto(req.encode(), (IP, srv.port))
            log.write('--- sent to %s:\n%s\n' % (srv.addr, req))
            end = time.monotonic() + interval
            while time.monotonic() < end:
                s.settimeout(max(0.01, end - time.monotonic()))
                try:
                    data, src = s.recvfrom(65535)
                except socket.timeout:
                    break
                text = data.decode('utf-8', 'replace')
                log.write('--- received from %s:%d:\n%s\n' % (src[0], src[1], text))
                m = SipMsg('recv', text)
                if m.is_response and m.status >= 200:
                    resp = m
                    break
            interval = min(interval * 2, 4)
    finally:
        s.close()
        log.close()
    if resp is None:
        fail('no final response to a MESSAGE without Call-ID within 8 s (expected 400); '
             'see raw-alice_messages.log:\n' + read_text(os.path.join(ctx.dir, 'raw-alice_messages.log')))
    if resp.status != 400:
        fail('MESSAGE without Call-ID: expected 400, got %r' % resp.first_line, resp)
    if resp.top_branch != branch:
        fail('400 does not echo the request\'s Via branch %s' % branch, resp)


@test('sipp-reason-options')
def t_reason_options(ctx):
    srv = ctx.server(['--reason', '200=POHODKA'])
    p = ctx.port()
    reg = ctx.register(srv, 'probe', p)
    # the exchange's own 200s carry the custom phrase: the REGISTER's too
    expect_status_line(reg, 'REGISTER', 200, 'SIP/2.0 200 POHODKA')
    ctx.run('options-probe', 'options_reason.xml', srv, p, keys={'me': 'probe'})


@test('sipp-reason-relay')
def t_reason_relay(ctx):
    # the diary: final_reason as sent to the caller, orig_reason as the callee sent it
    reject_test(ctx, 486, 'Busy Here', 'uac_reject_486_obsadene.xml', 'busy',
                server_extra=['--reason', '486=Obsadené', '--relay-reasons'],
                status_line='SIP/2.0 486 Obsadené', phrase_sent='Obsadené')


@test('sipp-reason-no-relay')
def t_reason_no_relay(ctx):
    """Without --relay-reasons a relayed 486 keeps the callee's phrase."""
    reject_test(ctx, 486, 'Busy Here', 'uac_reject_486.xml', 'busy',
                server_extra=['--reason', '486=Obsadené'])


@test('sipp-invite-retrans')
def t_invite_retrans(ctx):
    srv = ctx.server()
    # -nr on the callee: identical duplicates reach the scenario instead of being
    # absorbed by sipp's own retransmission detection
    uas, uac = call_pair(ctx, srv, 'uas_invite_retrans.xml', 'uac_invite_retrans.xml',
                         uas_extra=['-nr'])
    sent = [m for m in uac.sent() if m.method == 'INVITE' and m.cseq[0] == '1']
    if len(sent) < 2 or sent[0].text != sent[1].text:
        fail('test setup: the caller should have sent the same INVITE twice (%d sent)' % len(sent))
    got = [m for m in requests(uas, 'INVITE') if m.cseq[0] == '1']
    if len(got) != 1:
        fail('the proxy forwarded the INVITE %d times (retransmission not absorbed)' % len(got), *got)
    # one call in the diary, with one 'calling' event
    diary = stopped_diary(srv, 1)
    expect_call(diary, diary.calls[0], ANSWERED_KINDS, **dict(call_fields(uac, uas), **ANSWERED))


def contact_nat_test(ctx, contact_host, contact_port):
    """bob registers with a Contact that is not where he is; he must be reached at
    the REGISTER's source address."""
    srv = ctx.server()
    pb, pa = ctx.port(), ctx.port()
    ctx.register(srv, 'bob', pb, contact_host=contact_host, contact_port=contact_port)
    ctx.register(srv, 'alice', pa)
    uas = ctx.start('uas-bob', 'uas_call.xml', pb, keys={'me': 'bob'})
    try:
        ctx.run('uac-alice', 'uac_call.xml', srv, pa, keys={'me': 'alice'}, service='bob')
    except TestFailure:
        uas.linger()
        raise
    ctx.finish(uas)


@test('sipp-contact-nat-port')
def t_contact_nat_port(ctx):
    contact_nat_test(ctx, IP, 9)


@test('sipp-contact-nat-host')
def t_contact_nat_host(ctx):
    contact_nat_test(ctx, '192.0.2.1', 5060)


@test('sipp-restart-bindings')
def t_restart_bindings(ctx):
    data = ctx.data_dir()
    srv1 = ctx.server(data_dir=data)
    pb, pa = ctx.port(), ctx.port()
    ctx.register(srv1, 'bob', pb)
    ctx.register(srv1, 'alice', pa)
    srv1.stop()
    srv2 = ctx.server(data_dir=data)        # new port, same bindings
    uas = ctx.start('uas-bob', 'uas_call.xml', pb, keys={'me': 'bob'})
    try:
        ctx.run('uac-alice', 'uac_call.xml', srv2, pa, keys={'me': 'alice'}, service='bob')
    except TestFailure:
        uas.linger()
        raise
    ctx.finish(uas)


@test('sipp-diary-sigkill')
def t_diary_sigkill(ctx):
    """Nothing lost: a call whose end was relayed is in the database even if the exchange
    is killed with SIGKILL a moment later (the caller's sipp has its 200 for the BYE)."""
    data = ctx.data_dir()
    srv1 = ctx.server(data_dir=data)
    pb, pa = ctx.port(), ctx.port()
    ctx.register(srv1, 'bob', pb)
    ctx.register(srv1, 'alice', pa)
    uas = ctx.start('uas-bob', 'uas_call.xml', pb, keys={'me': 'bob'})
    try:
        uac = ctx.run('uac-alice', 'uac_call.xml', srv1, pa, keys={'me': 'alice'}, service='bob')
        srv1.proc.send_signal(signal.SIGKILL)       # at once: no sleep, no SIGTERM flush
    except TestFailure:
        uas.linger()
        raise
    srv1.kill()                                     # reap it; the harness expects no exit 0
    if srv1.returncode != -signal.SIGKILL:
        fail('server #1 exited with status %s%s before the SIGKILL'
             % (srv1.returncode, signame(srv1.returncode)))
    ctx.finish(uas)

    # straight from the files the killed process left (WAL included)
    diary = Diary(data)
    if len(diary.calls) != 1:
        fail('after SIGKILL the diary has %d calls, expected 1' % len(diary.calls))
    first = dict(call_fields(uac, uas), **ANSWERED)
    expect_call(diary, diary.calls[0], ANSWERED_KINDS, **first)
    expect_text(diary)
    lines = diary.text_lines
    out1 = srv1.diary_stdout()           # what it flushed before dying: a prefix
    if out1 != lines[:len(out1)]:
        expect_lines(out1, lines[:len(out1)], 'the killed server\'s stdout', diary)

    # a new exchange on the same data folder keeps the call and adds the next one
    srv2 = ctx.server(data_dir=data)
    ctx.used_ports.discard(pb)
    ctx.used_ports.discard(pa)
    ctx.register(srv2, 'bob', pb)          # the same ports: the same bindings
    ctx.register(srv2, 'alice', pa)
    uas2 = ctx.start('uas-bob', 'uas_call.xml', pb, keys={'me': 'bob'})
    try:
        uac2 = ctx.run('uac-alice', 'uac_call.xml', srv2, pa, keys={'me': 'alice'}, service='bob')
    except TestFailure:
        uas2.linger()
        raise
    ctx.finish(uas2)
    srv2.stop()
    diary = Diary(data)
    if len(diary.calls) != 2:
        fail('after the restart the diary has %d calls, expected 2' % len(diary.calls))
    expect_call(diary, diary.call(first['call_id']), ANSWERED_KINDS, **first)
    expect_call(diary, diary.call(sent_call_id(uac2)), ANSWERED_KINDS,
                **dict(call_fields(uac2, uas2), **ANSWERED))
    expect_text(diary)
    expect_lines(srv2.diary_stdout(), diary.text_lines[len(lines):],
                 'the restarted server\'s stdout', diary)


CSV_HEADER = ['call_id', 'caller', 'caller_name', 'callee', 'caller_addr', 'callee_addr',
              'start_time', 'ring_time', 'answer_time', 'end_time', 'setup_s', 'ring_s',
              'talk_s', 'total_s', 'disposition', 'final_code', 'final_reason', 'orig_reason',
              'ended_by', 'media', 'transfer_to', 'transfer_result', 'related_call_id',
              'caller_ua', 'callee_ua']
CSV_NAME = '=Ústredňa, "test"'          # the display name of uac_call_named.xml, unescaped
CSV_CELL = "'" + CSV_NAME                # ust-csv.c: a leading '=' gets an apostrophe


def export_csv(ctx, srv, name, *extra):
    """Run --export-csv on srv's data folder (srv still running); return the file's bytes."""
    path = os.path.join(ctx.dir, name)
    cmd = [ctx.server_path, '--data-dir', srv.data_dir, '--export-csv', path] + list(extra)
    try:
        r = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=10, cwd=ctx.dir)
    except subprocess.TimeoutExpired:
        fail('%s did not finish within 10 s' % ' '.join(cmd))
    if r.returncode != 0:
        fail('%s exited with status %d%s:\n%s%s'
             % (' '.join(cmd), r.returncode, signame(r.returncode),
                r.stdout.decode('utf-8', 'replace'), r.stderr.decode('utf-8', 'replace')))
    with open(path, 'rb') as f:
        return f.read()


def parse_csv(data, excel=False):
    bom = data.startswith(b'\xef\xbb\xbf')
    if bom != excel:
        fail('the %sCSV export %s with a UTF-8 BOM (starts %r)'
             % ('--excel ' if excel else '', 'does not start' if excel else 'starts', data[:8]))
    text = data.decode('utf-8-sig' if excel else 'utf-8')
    if text and not text.endswith('\r\n'):
        fail('CSV export: rows should end in CRLF; the file ends %r' % text[-20:])
    rows = list(csv.reader(io.StringIO(text, newline=''), delimiter=';' if excel else ','))
    if not rows or rows[0] != CSV_HEADER:
        fail('CSV export header is %r,\n  expected %r' % (rows[0] if rows else None, CSV_HEADER))
    return [dict(zip(CSV_HEADER, r)) for r in rows[1:]], rows[1:]


def csv_time(us):
    """ust_call_format_time: local ISO 8601 to the millisecond, with the offset."""
    if us <= 0:
        return ''
    t = time.localtime(us // 1000000)
    off = time.strftime('%z', t)
    return '%s.%03d%s:%s' % (time.strftime('%Y-%m-%dT%H:%M:%S', t), us % 1000000 // 1000,
                             off[:3], off[3:])


def csv_duration(a, b):
    if a <= 0 or b <= 0:
        return ''
    ms = (max(b - a, 0) + 500) // 1000
    return '%d.%03d' % (ms // 1000, ms % 1000)


@test('sipp-diary-export')
def t_diary_export(ctx):
    """--export-csv beside a running exchange: exact header, a caller name with a leading
    '=', a comma, quotes and diacritics neutralised and round-tripped; --excel: BOM and ';'."""
    srv = ctx.server()
    pb, pa = ctx.port(), ctx.port()
    ctx.register(srv, 'bob', pb)
    ctx.register(srv, 'alice', pa)
    uas = ctx.start('uas-bob', 'uas_call_server.xml', pb, keys={'me': 'bob'})
    try:
        uac = ctx.run('uac-alice', 'uac_call_named.xml', srv, pa, keys={'me': 'alice'},
                      service='bob', extra=['-d', '200'])
    except TestFailure:
        uas.linger()
        raise
    ctx.finish(uas)
    call_id = sent_call_id(uac)

    # the diary is written by the server's own thread: export until the end is in (bounded)
    deadline = time.monotonic() + 5
    while True:
        data = export_csv(ctx, srv, 'calls.csv')
        rows, raw = parse_csv(data)
        if rows and rows[-1]['end_time'] or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    if len(rows) != 1 or rows[0]['call_id'] != call_id or not rows[0]['end_time']:
        fail('CSV export: expected one ended call %s, got %r' % (call_id, rows))
    row = rows[0]
    if row['caller_name'] != CSV_CELL:
        fail('CSV export: caller_name cell is %r, expected %r (formula neutralised)'
             % (row['caller_name'], CSV_CELL))
    quoted = '"%s"' % CSV_CELL.replace('"', '""')
    if (',%s,' % quoted).encode() not in data:
        fail('CSV export: the caller_name cell should be written as %s (RFC 4180 quoting)' % quoted)

    excel = export_csv(ctx, srv, 'calls-excel.csv', '--excel')
    erows, eraw = parse_csv(excel, excel=True)
    if eraw != raw:
        fail('--excel export has other cells than the plain one:\n  %r\n  %r' % (eraw, raw))
    if excel[3:].split(b'\r\n', 1)[0] != ';'.join(CSV_HEADER).encode():
        fail('--excel header line is %r' % excel[3:].split(b'\r\n', 1)[0])

    # --since/--until pick calls by start time (local dates)
    now = time.time()
    today = time.strftime('%Y-%m-%d', time.localtime(now))
    tomorrow = time.strftime('%Y-%m-%d', time.localtime(now + 86400))
    for label, args, n in (('since-tomorrow', ('--since', tomorrow), 0),
                           ('until-tomorrow', ('--until', tomorrow), 1),
                           ('since-today', ('--since', today, '--until', tomorrow), 1)):
        got, _ = parse_csv(export_csv(ctx, srv, label + '.csv', *args))
        if len(got) != n:
            fail('--export-csv %s: %d rows, expected %d' % (' '.join(args), len(got), n))

    diary = stopped_diary(srv, 1)
    call = diary.calls[0]
    fields = dict(call_fields(uac, uas), caller_name=CSV_NAME, caller_ua='Ústredňa sipp test/1.0',
                  callee_ua='sipp-callee/3.6')
    expect_call(diary, call, ANSWERED_KINDS, min_talk=0.2, **dict(fields, **ANSWERED))
    # the row round-trips: every cell is the database's value as ust-call-columns.c formats it
    want = {k: call[k] or '' for k in ('call_id', 'caller', 'callee', 'caller_addr',
                                       'callee_addr', 'final_reason', 'orig_reason', 'ended_by',
                                       'transfer_to', 'transfer_result', 'related_call_id',
                                       'callee_ua')}
    want.update(caller_name="'" + call['caller_name'], caller_ua=call['caller_ua'],
                final_code=str(call['final_code']), disposition='answered', media='audio',
                setup_s=csv_duration(call['start_time'], call['ring_time']),
                ring_s=csv_duration(call['ring_time'], call['answer_time']),
                talk_s=csv_duration(call['answer_time'], call['end_time']),
                total_s=csv_duration(call['start_time'], call['end_time']),
                **{k: csv_time(call[k]) for k in ('start_time', 'ring_time', 'answer_time',
                                                  'end_time')})
    bad = ['%s: %r, expected %r' % (k, row[k], want[k]) for k in CSV_HEADER if row[k] != want[k]]
    if bad:
        fail('CSV export cells differ from the database row:\n  ' + '\n  '.join(bad))


# --------------------------------------------------------------------------
# One phone, one binding (issue 12, RFC 5626 §6, RFC 5627 §3)

@test('sipp-stale-contact')
def t_stale_contact(ctx):
    """A phone re-registers from the same socket with another Contact (Linphone Desktop
    with another adapter's address): the call that follows reaches it once. Two bindings
    would fork the INVITE twice to one socket; the callee's scenario fails on the second."""
    srv = ctx.server()
    pb = ctx.port()
    ctx.register(srv, 'bob', pb, contact_host='127.0.0.77', label='reg-bob-old')
    reg = ctx.register(srv, 'bob', pb, label='reg-bob-new')
    expect_bindings(last_response(reg, 'REGISTER', 200), {(IP, pb): 3600})
    uas, uac = call_pair(ctx, srv, 'uas_call.xml', 'uac_call.xml', register=False,
                         uas_port=pb)
    if len(requests(uas, 'INVITE')) != 1:
        fail('bob got %d INVITEs, expected 1' % len(requests(uas, 'INVITE')))
    diary = stopped_diary(srv, 1)
    expect_call(diary, diary.calls[0], ANSWERED_KINDS, **dict(call_fields(uac, uas), **ANSWERED))


@test('sipp-stale-contact-instance')
def t_stale_contact_instance(ctx):
    """Linphone Android takes a new port on each start and is killed without
    unregistering: the same +sip.instance from a new port replaces the old binding, so
    the call goes to the new port only (not forked to a dead one), and the 200 lists one
    Contact."""
    srv = ctx.server()
    dead, pb = ctx.port(), ctx.port()
    keys = {'me': 'bob', 'contact_host': IP, 'expires': 3600,
            'instance': 'f81d4fae-7dec-11d0-a765-00a0c91e6bf6'}
    ctx.run('reg-bob-before', 'register_instance.xml', srv, dead,
            keys=dict(keys, contact_port=dead))
    reg = ctx.run('reg-bob-after', 'register_instance.xml', srv, pb,
                  keys=dict(keys, contact_port=pb))
    expect_bindings(last_response(reg, 'REGISTER', 200), {(IP, pb): 3600})
    uas, uac = call_pair(ctx, srv, 'uas_call.xml', 'uac_call.xml', register=False,
                         uas_port=pb)
    forked = [l for l in srv.out_lines if re.search(r'INVITE .* → 127\.0\.0\.1:%d ' % dead, l)]
    if forked:
        fail('the INVITE was also sent to the dead port %d: %r' % (dead, forked))
    diary = stopped_diary(srv, 1)
    expect_call(diary, diary.calls[0], ANSWERED_KINDS, **dict(call_fields(uac, uas), **ANSWERED))


# --------------------------------------------------------------------------
# Every method a real phone sends (issue 17): SUBSCRIBE/NOTIFY, PUBLISH, OPTIONS between
# phones, and inside a call INFO, UPDATE and PRACK.  Each checks that the other phone got
# exactly what was sent (method, CSeq, named header fields, body) by way of the exchange,
# and that the sender got the other phone's answer as it was sent.

def body_of(msg):
    return msg.text.split('\r\n\r\n', 1)[1] if '\r\n\r\n' in msg.text else ''


def via_is_exchange(srv, value):
    return re.match(r'SIP/2\.0/UDP 127\.0\.0\.1:%d;' % srv.port, value) is not None


def expect_request_relayed(srv, sender, receiver, method, cseq, headers=()):
    """receiver got sender's method request with CSeq cseq through the exchange: the
    exchange's Via on top of the sender's, no Route entry of the exchange left, the
    same body and the same values of headers (any retransmission identical).  Returns
    (sent, got)."""
    sent = [m for m in sender.sent() if m.method == method and m.header('cseq') == cseq]
    got = [m for m in receiver.received() if m.method == method and m.header('cseq') == cseq]
    if not sent:
        fail('%s: sent no %s with CSeq %s' % (sender.label, method, cseq))
    if not got:
        fail('%s: got no %s with CSeq %s' % (receiver.label, method, cseq))
    if any(g.text != got[0].text for g in got[1:]):
        fail('%s: got %d different copies of the %s' % (receiver.label, len(got), method), *got)
    s, g = sent[0], got[0]
    vias = g.values('via')
    if len(vias) != len(s.values('via')) + 1 or not via_is_exchange(srv, vias[0]):
        fail('%s: the %s did not come through the exchange (Vias %r)'
             % (receiver.label, method, vias), g)
    if any(re.search(r'127\.0\.0\.1:%d[;>]' % srv.port, r) for r in g.values('route')):
        fail('%s: the %s still carries the exchange\'s Route' % (receiver.label, method), g)
    for name in headers:
        if g.header(name) != s.header(name) or s.header(name) is None:
            fail('%s: the %s\'s %s is %r, sent %r'
                 % (receiver.label, method, name, g.header(name), s.header(name)), s, g)
    if body_of(g) != body_of(s):
        fail('%s: the %s\'s body differs from what %s sent' % (receiver.label, method,
                                                             sender.label), s, g)
    return s, g


def expect_response_relayed(srv, sender, receiver, cseq, code, headers=()):
    """receiver got sender's code response to the cseq request as sent: the status line,
    the To tag, the body and headers, and the Vias less the exchange's."""
    sent = [m for m in sender.sent() if m.is_response and m.status == code
            and m.header('cseq') == cseq]
    got = [m for m in receiver.received() if m.is_response and m.status == code
           and m.header('cseq') == cseq]
    if not sent:
        fail('%s: sent no %d to %s' % (sender.label, code, cseq))
    if not got:
        fail('%s: got no %d to %s (the other phone sent it)' % (receiver.label, code, cseq),
             sent[0])
    s, g = sent[0], got[0]
    if g.first_line != s.first_line or g.header('to') != s.header('to') \
            or body_of(g) != body_of(s) or g.values('via') != s.values('via')[1:]:
        fail('%s: the %d to %s is not the one %s sent (less the exchange\'s Via)'
             % (receiver.label, code, cseq, sender.label), s, g)
    for name in headers:
        if g.header(name) != s.header(name) or s.header(name) is None:
            fail('%s: the %d\'s %s is %r, sent %r' % (receiver.label, code, name,
                                                      g.header(name), s.header(name)), s, g)
    return s, g


def subscribe_test(ctx, event, accept, notify_type):
    """A SUBSCRIBE out of dialog creates a subscription dialog through the exchange
    (record-routed, RFC 3265/6665 §4.1); the notifier's NOTIFYs come back in that dialog
    along the Record-Route, and so does the watcher's unsubscribe."""
    srv = ctx.server()
    uas, uac = call_pair(ctx, srv, 'uas_subscribe_%s.xml' % event, 'uac_subscribe.xml',
                         uac_keys={'event': event, 'accept': accept})
    _, sub = expect_request_relayed(srv, uac, uas, 'SUBSCRIBE', '1 SUBSCRIBE',
                                    ('event', 'accept', 'expires', 'contact'))
    if sub.values('record-route') != [rr_entry(srv, 'udp')]:
        fail('the SUBSCRIBE was not record-routed by the exchange: %r'
             % sub.values('record-route'), sub)
    expect_response_relayed(srv, uas, uac, '1 SUBSCRIBE', 200, ('expires', 'contact'))
    for n, state in ((1, 'active;expires=600'), (2, 'terminated;reason=timeout')):
        sent, got = expect_request_relayed(srv, uas, uac, 'NOTIFY', '%d NOTIFY' % n,
                                           ('event', 'subscription-state', 'content-type'))
        if sent.values('route') != [rr_entry(srv, 'udp')]:
            fail('the notifier did not send NOTIFY %d along the Record-Route' % n, sent)
        if got.header('subscription-state') != state or got.header('content-type') != notify_type:
            fail('NOTIFY %d: Subscription-State %r, Content-Type %r' % (
                n, got.header('subscription-state'), got.header('content-type')), got)
        expect_response_relayed(srv, uac, uas, '%d NOTIFY' % n, 200)
    sent, _ = expect_request_relayed(srv, uac, uas, 'SUBSCRIBE', '2 SUBSCRIBE',
                                     ('event', 'expires'))
    if sent.values('route') != [rr_entry(srv, 'udp')]:
        fail('the watcher did not send its unsubscribe along the route set', sent)
    expect_response_relayed(srv, uas, uac, '2 SUBSCRIBE', 200)
    stopped_diary(srv, 0)                 # a subscription is not a call


@test('sipp-subscribe-presence')
def t_subscribe_presence(ctx):
    subscribe_test(ctx, 'presence', 'application/pidf+xml', 'application/pidf+xml')


@test('sipp-subscribe-dialog')
def t_subscribe_dialog(ctx):
    subscribe_test(ctx, 'dialog', 'application/dialog-info+xml',
                   'application/dialog-info+xml')


@test('sipp-publish')
def t_publish(ctx):
    """PUBLISH (RFC 3903) for a registered user is relayed to that user's phone like any
    request; its 200 with the entity tag comes back.  Addressed to the exchange itself
    (no user part) it gets 404 'No user name in Request-URI': the exchange is no presence
    server (no event state compositor) and keeps no published state."""
    srv = ctx.server()
    uas, uac = call_pair(ctx, srv, 'uas_publish.xml', 'uac_publish.xml')
    expect_request_relayed(srv, uac, uas, 'PUBLISH', '1 PUBLISH',
                           ('event', 'expires', 'content-type'))
    expect_response_relayed(srv, uas, uac, '1 PUBLISH', 200, ('sip-etag', 'expires'))
    expect_status_line(uac, 'PUBLISH', 404, 'SIP/2.0 404 No user name in Request-URI')
    if [m for m in uas.received() if m.method == 'PUBLISH' and m.header('cseq') == '2 PUBLISH']:
        fail('the PUBLISH addressed to the exchange reached the phone')
    stopped_diary(srv, 0)


@test('sipp-options-phones')
def t_options_phones(ctx):
    """OPTIONS between two phones (RFC 3261 §11): relayed, and the callee's 200 with its
    Allow, Accept, Supported and SDP comes back whole."""
    srv = ctx.server()
    uas, uac = call_pair(ctx, srv, 'uas_options.xml', 'uac_options.xml')
    expect_request_relayed(srv, uac, uas, 'OPTIONS', '1 OPTIONS', ('accept',))
    expect_response_relayed(srv, uas, uac, '1 OPTIONS', 200,
                            ('allow', 'accept', 'supported', 'content-type'))
    stopped_diary(srv, 0)


@test('sipp-info-dtmf')
def t_info_dtmf(ctx):
    """DTMF as INFO inside a call (application/dtmf-relay): both reach the callee as
    sent and their 200s come back; the diary has one answered call, INFO no event."""
    srv = ctx.server()
    uas, uac = call_pair(ctx, srv, 'uas_call_info.xml', 'uac_call_info.xml')
    for cseq in ('2 INFO', '3 INFO'):
        expect_request_relayed(srv, uac, uas, 'INFO', cseq, ('content-type',))
        expect_response_relayed(srv, uas, uac, cseq, 200)
    diary = stopped_diary(srv, 1)
    expect_call(diary, diary.calls[0], ANSWERED_KINDS, **dict(call_fields(uac, uas), **ANSWERED))


@test('sipp-update-hold')
def t_update_hold(ctx):
    """UPDATE inside a call (RFC 3311) with SDP: hold (a=sendonly) and resume; both
    offers and answers pass intact, and the diary reads them as it reads re-INVITEs."""
    srv = ctx.server()
    uas, uac = call_pair(ctx, srv, 'uas_call_update.xml', 'uac_call_update.xml')
    for cseq in ('2 UPDATE', '3 UPDATE'):
        expect_request_relayed(srv, uac, uas, 'UPDATE', cseq, ('content-type',))
        expect_response_relayed(srv, uas, uac, cseq, 200, ('content-type',))
    diary = stopped_diary(srv, 1)
    expect_call(diary, diary.calls[0], ['calling', 'ringing', 'started', 'hold', 'resume', 'ended'],
                **dict(call_fields(uac, uas), **ANSWERED))


@test('sipp-prack-100rel')
def t_prack_100rel(ctx):
    """RFC 3262: the callee's reliable 183 (Require: 100rel, RSeq, SDP for early media)
    reaches the caller as sent, the caller's PRACK reaches the callee along the early
    dialog's Record-Route, then 200 (PRACK), 200 (INVITE), ACK, BYE.  The diary: one
    answered call, the 183 its ringing."""
    srv = ctx.server()
    uas, uac = call_pair(ctx, srv, 'uas_call_prack.xml', 'uac_call_prack.xml')
    expect_request_relayed(srv, uac, uas, 'INVITE', '1 INVITE', ('supported', 'content-type'))
    expect_response_relayed(srv, uas, uac, '1 INVITE', 183, ('require', 'rseq', 'content-type'))
    sent, _ = expect_request_relayed(srv, uac, uas, 'PRACK', '2 PRACK', ('rack',))
    if sent.values('route') != [rr_entry(srv, 'udp')]:
        fail('the caller did not send the PRACK along the 183\'s Record-Route', sent)
    expect_response_relayed(srv, uas, uac, '2 PRACK', 200)
    expect_response_relayed(srv, uas, uac, '1 INVITE', 200)
    diary = stopped_diary(srv, 1)
    expect_call(diary, diary.calls[0], ANSWERED_KINDS, **dict(call_fields(uac, uas), **ANSWERED))


# --------------------------------------------------------------------------
# SIP over TCP (RFC 3261 §18): phones whose transport is TCP, alone and calling UDP phones

def expect_tcp_hop(inv, srv, want_rr):
    """The exchange's Via on a request it sent over TCP says TCP; its Record-Route
    entries are want_rr (the outgoing one first)."""
    vias = inv.values('via')
    if not vias or not re.match(r'SIP/2\.0/TCP 127\.0\.0\.1:%d;' % srv.port, vias[0]):
        fail('callee INVITE: expected the exchange\'s Via "SIP/2.0/TCP 127.0.0.1:%d" on top, '
             'got %r' % (srv.port, vias), inv)
    rr = inv.values('record-route')
    if rr != want_rr:
        fail('callee INVITE: expected Record-Route %r, got %r' % (want_rr, rr), inv)


def rr_entry(srv, transport):
    return ('<sip:127.0.0.1:%d;lr>' % srv.port if transport == 'udp'
            else '<sip:127.0.0.1:%d;transport=tcp;lr>' % srv.port)


@test('sipp-tcp-register')
def t_tcp_register(ctx):
    srv = ctx.server()
    p = ctx.port()
    reg = ctx.register(srv, 'bob', p, expires=600, transport='tcp')
    expect_bindings(last_response(reg, 'REGISTER', 200), {(IP, p): 600})
    srv.wait_stdout(r'REGISTER bob from 127\.0\.0\.1:%d: 1 binding' % p, 'the REGISTER over TCP')


def transport_call(ctx, uas_transport, uac_transport):
    srv = ctx.server()
    uas, uac = call_pair(ctx, srv, 'uas_call.xml', 'uac_call.xml',
                         uas_transport=uas_transport, uac_transport=uac_transport)
    inv = requests(uas, 'INVITE')[0]
    out = 'tcp' if uas_transport.startswith('tcp') else 'udp'
    inn = 'tcp' if uac_transport.startswith('tcp') else 'udp'
    # RFC 5658 §3.2: a call between two transports is record-routed once per side, the
    # outgoing one on top, so that each phone reaches the exchange the way it talks.
    want_rr = [rr_entry(srv, out)] + ([rr_entry(srv, inn)] if inn != out else [])
    if out == 'tcp':
        expect_tcp_hop(inv, srv, want_rr)
    elif inv.values('record-route') != want_rr:
        fail('callee INVITE: expected Record-Route %r, got %r'
             % (want_rr, inv.values('record-route')), inv)
    answer = last_response(uac, 'INVITE', 200)
    if answer.values('record-route') != want_rr:
        fail('caller 200: expected Record-Route %r, got %r'
             % (want_rr, answer.values('record-route')), answer)
    for method in ('ACK', 'BYE'):
        got = requests(uas, method)
        if not got:
            fail('callee got no %s' % method)
        if got[0].values('route'):
            fail('callee %s still carries Route %r' % (method, got[0].values('route')), got[0])
    diary = stopped_diary(srv, 1)
    expect_call(diary, diary.calls[0], ANSWERED_KINDS, **dict(call_fields(uac, uas), **ANSWERED))


@test('sipp-tcp-call')
def t_tcp_call(ctx):
    transport_call(ctx, 'tcp', 'tcp')


@test('sipp-udp-calls-tcp')
def t_udp_calls_tcp(ctx):
    transport_call(ctx, 'tcp', 'udp')


@test('sipp-tcp-calls-udp')
def t_tcp_calls_udp(ctx):
    transport_call(ctx, 'udp', 'tcp')


@test('sipp-tcp-call-connection-per-call')
def t_tcp_call_tn(ctx):
    """The caller opens a new connection for each of three calls (sipp -t tn)."""
    srv = ctx.server()
    pb, pa = ctx.port(), ctx.port()
    ctx.register(srv, 'bob', pb, transport='tcp')
    ctx.register(srv, 'alice', pa, transport='tcp')
    uas = ctx.start('uas-bob', 'uas_call.xml', pb, keys={'me': 'bob'}, calls=3, transport='tcp')
    uac = ctx.run('uac-alice', 'uac_call.xml', srv, pa, keys={'me': 'alice'}, service='bob',
                  calls=3, extra=['-r', '1', '-rp', '300'], transport='tcp-tn')
    ctx.finish(uas)
    diary = stopped_diary(srv, 3)
    for call in diary.calls:
        if call['state'] != 'ended' or not call['caller_addr'].endswith(' (TCP)'):
            fail('call %s: state %r, caller_addr %r; expected an ended call from a TCP phone'
                 % (call['call_id'], call['state'], call['caller_addr']))


@test('sipp-tcp-cancel')
def t_tcp_cancel(ctx):
    srv = ctx.server()
    uas, uac = call_pair(ctx, srv, 'uas_cancel.xml', 'uac_cancel.xml',
                         uas_transport='tcp', uac_transport='tcp')
    expect_hop_by_hop(uas, 'CANCEL')
    expect_hop_by_hop(uas, 'ACK')
    diary = stopped_diary(srv, 1)
    expect_call(diary, diary.calls[0],
                ['calling', 'ringing', ('cancelled', '487 Request Terminated')],
                state='cancelled', final_code=487, final_reason='Request Terminated',
                orig_reason='Request Terminated', ended_by='caller', video=0,
                related_call_id=None, **call_fields(uac, uas))


@test('sipp-tcp-reinvite-hold')
def t_tcp_reinvite_hold(ctx):
    srv = ctx.server()
    uas, uac = call_pair(ctx, srv, 'uas_reinvite_hold.xml', 'uac_reinvite_hold.xml',
                         uas_transport='tcp', uac_transport='tcp')
    diary = stopped_diary(srv, 1)
    expect_call(diary, diary.calls[0], ['calling', 'ringing', 'started', 'hold', 'resume', 'ended'],
                **dict(call_fields(uac, uas), **ANSWERED))


class TcpPhone:
    """A phone in this process on one TCP connection to the exchange, as Linphone does:
    its Contact names the connection's own ephemeral port, where nothing listens."""

    def __init__(self, srv, user):
        self.user = user
        self.sock = socket.create_connection((IP, srv.port), timeout=5)
        self.port = self.sock.getsockname()[1]
        self.buffer = b''
        self.tag = 'tcp-%s' % user

    def send(self, text):
        self.sock.sendall(text.replace('\n', '\r\n').encode())

    def receive(self, timeout=5):
        """The next whole message (framed by Content-Length), as text."""
        deadline = time.monotonic() + timeout
        while True:
            head, sep, rest = self.buffer.partition(b'\r\n\r\n')
            if sep:
                m = re.search(rb'(?im)^(?:content-length|l)\s*:\s*(\d+)', head)
                length = int(m.group(1)) if m else 0
                if len(rest) >= length:
                    self.buffer = rest[length:]
                    return (head + sep + rest[:length]).decode()
            left = deadline - time.monotonic()
            if left <= 0:
                fail('%s got no message over TCP within %d s' % (self.user, timeout))
            self.sock.settimeout(left)
            data = self.sock.recv(65536)
            if not data:
                fail('%s: the exchange closed the connection' % self.user)
            self.buffer += data

    def register(self):
        self.send('REGISTER sip:%s SIP/2.0\n'
                  'Via: SIP/2.0/TCP %s:%d;branch=z9hG4bK-reg-%s;alias\n'
                  'From: <sip:%s@%s>;tag=%s\nTo: <sip:%s@%s>\nCall-ID: reg-%s\n'
                  'CSeq: 1 REGISTER\nContact: <sip:%s@%s:%d;transport=tcp>\nExpires: 600\n'
                  'Max-Forwards: 70\nContent-Length: 0\n\n'
                  % (DOM, IP, self.port, self.user, self.user, DOM, self.tag, self.user, DOM,
                     self.user, self.user, IP, self.port))
        answer = self.receive()
        if not answer.startswith('SIP/2.0 200 '):
            fail('%s REGISTER over TCP: expected 200, got %r' % (self.user, answer.split('\r\n')[0]))

    def answer(self, request, code, phrase):
        """A response to @request as a phone builds it (§8.2.6)."""
        lines = request.split('\r\n')
        keep = [l for l in lines[1:] if re.match(r'(?i)(via|from|call-id|cseq|record-route)\s*:', l)]
        to = [l for l in lines if re.match(r'(?i)to\s*:', l)][0]
        if ';tag=' not in to:
            to += ';tag=%s' % self.tag
        self.send('SIP/2.0 %d %s\n%s\n%s\nContact: <sip:%s@%s:%d;transport=tcp>\n'
                  'Content-Length: 0\n\n'
                  % (code, phrase, '\n'.join(keep), to, self.user, IP, self.port))

    def close(self):
        self.sock.close()


@test('sipp-tcp-callee-gone')
def t_tcp_callee_gone(ctx):
    """The callee answers over its TCP connection, then its app is killed: the connection
    closes and nothing listens at its Contact. The caller's BYE gets 503 at once (RFC 3261
    §18.4: a transport error), not a 408 after timer F, and the diary has the call."""
    srv = ctx.server()
    bob = TcpPhone(srv, 'bob')
    try:
        bob.register()
        pa = ctx.port()
        ctx.register(srv, 'alice', pa)
        uac = Sipp(ctx, ctx._label('uac-alice'), 'uac_call_bye_503.xml', pa, remote=srv.addr,
                   keys={'me': 'alice'}, service='bob')
        invite = bob.receive()
        if not invite.startswith('INVITE sip:bob@'):
            fail('bob expected an INVITE over TCP, got %r' % invite.split('\r\n')[0])
        bob.answer(invite, 180, 'Ringing')
        bob.answer(invite, 200, 'OK')
        ack = bob.receive()
        if not ack.startswith('ACK '):
            fail('bob expected the ACK, got %r' % ack.split('\r\n')[0])
    finally:
        bob.close()
    uac.check()
    diary = stopped_diary(srv, 1)
    call = diary.calls[0]
    if call['state'] != 'ended' or call['callee_addr'] != '%s:%d (TCP)' % (IP, bob.port):
        fail('diary: state %r, callee_addr %r; expected an ended call to %s:%d (TCP)'
             % (call['state'], call['callee_addr'], IP, bob.port))


@test('sipp-tcp-reconnect-to-contact')
def t_tcp_reconnect_to_contact(ctx):
    """Issue 15: a phone registered over TCP whose connection has closed (the exchange
    restarted its side, a NAT dropped it) but which listens at its Contact, as baresip
    does: the next call opens a new connection to the Contact and reaches it."""
    srv = ctx.server()
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind((IP, 0))
    listener.listen(4)
    listener.settimeout(5)
    contact_port = listener.getsockname()[1]
    bob = TcpPhone(srv, 'bob')
    try:
        bob.send('REGISTER sip:%s SIP/2.0\n'
                 'Via: SIP/2.0/TCP %s:%d;branch=z9hG4bK-reg-bob\n'
                 'From: <sip:bob@%s>;tag=rb\nTo: <sip:bob@%s>\nCall-ID: reg-bob-listen\n'
                 'CSeq: 1 REGISTER\nContact: <sip:bob@%s:%d;transport=tcp>\nExpires: 600\n'
                 'Max-Forwards: 70\nContent-Length: 0\n\n'
                 % (DOM, IP, contact_port, DOM, DOM, IP, contact_port))
        if not bob.receive().startswith('SIP/2.0 200 '):
            fail('bob\'s REGISTER over TCP was not accepted')
    finally:
        bob.close()               # the connection it registered on is gone
    time.sleep(0.3)
    pa = ctx.port()
    ctx.register(srv, 'alice', pa)
    uac = Sipp(ctx, ctx._label('uac-alice'), 'uac_call.xml', pa, remote=srv.addr,
               keys={'me': 'alice'}, service='bob')
    try:
        conn, _ = listener.accept()
    except socket.timeout:
        uac.linger(1)
        fail('the exchange did not connect to bob\'s Contact 127.0.0.1:%d within 5 s'
             % contact_port)
    again = TcpPhone.__new__(TcpPhone)
    again.user, again.sock, again.port, again.buffer, again.tag = 'bob', conn, contact_port, b'', 'tcp-bob'
    try:
        invite = again.receive()
        if not invite.startswith('INVITE sip:bob@127.0.0.1:%d' % contact_port):
            fail('bob expected the INVITE on the new connection, got %r'
                 % invite.split('\r\n')[0])
        again.answer(invite, 180, 'Ringing')
        again.answer(invite, 200, 'OK')
        if not again.receive().startswith('ACK '):
            fail('bob expected the ACK on the new connection')
        bye = again.receive()
        if not bye.startswith('BYE '):
            fail('bob expected the BYE, got %r' % bye.split('\r\n')[0])
        again.answer(bye, 200, 'OK')
        uac.check()
    finally:
        again.close()
        listener.close()


LARGE_INVITE = 4000         # bytes: a video offer from Linphone is 3-4 KB


@test('sipp-tcp-large-invite')
def t_tcp_large_invite(ctx):
    """RFC 3261 §18.1.1: a 4 KB INVITE to a phone registered over TCP goes over TCP, whole
    (the callee's sipp listens on TCP only)."""
    srv = ctx.server()
    uas, uac = call_pair(ctx, srv, 'uas_call.xml', 'uac_call_large.xml',
                         uas_transport='tcp', uac_transport='udp')
    inv = requests(uas, 'INVITE')[0]
    sent = [m for m in uac.sent() if m.method == 'INVITE'][0]
    if len(inv.text.encode()) < LARGE_INVITE:
        fail('callee INVITE is %d bytes, expected over %d' % (len(inv.text.encode()), LARGE_INVITE),
             inv)
    body_sent = sent.text.split('\r\n\r\n', 1)[1]
    body_got = inv.text.split('\r\n\r\n', 1)[1]
    if body_got != body_sent:
        fail('callee INVITE body differs from what the caller sent (%d vs %d bytes)'
             % (len(body_got), len(body_sent)), inv)
    expect_tcp_hop(inv, srv, [rr_entry(srv, 'tcp'), rr_entry(srv, 'udp')])


# --------------------------------------------------------------------------
# runner

def run_one(name, fn, args):
    last_port_error = None
    for attempt in range(1, ATTEMPTS + 1):
        ctx = Ctx(name, args.server, args.sipp)
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
        except TestFailure as e:
            write_err('FAIL %s: %s\n' % (name, e))
            ctx.dump()
            notes = ''.join('\n  and %s' % srv.note for srv in ctx.servers if srv.note)
            write_err('FAIL %s: %s%s\n(logs kept in %s)\n' % (name, str(e).split('\n')[0], notes, ctx.dir))
            return False
        except KeyboardInterrupt:
            ctx.cleanup()
            raise
        except Exception as e:        # a bug in the harness: show it as a failure
            import traceback
            write_err('FAIL %s: harness error\n%s' % (name, traceback.format_exc()))
            ctx.dump()
            return False
        if args.keep:
            print('(logs kept in %s)' % ctx.dir)
        else:
            ctx.cleanup()
        print('PASS %s' % name)
        sys.stdout.flush()
        return True
    write_err('FAIL %s: ports kept being taken: %s\n' % (name, last_port_error))
    return False


def main():
    ap = argparse.ArgumentParser(description='sipp protocol tests for ustredna-server')
    ap.add_argument('--server', help='path to the ustredna-server executable')
    ap.add_argument('--sipp', help='path to sipp (default: found in PATH)')
    ap.add_argument('--list', action='store_true', help='print the test names and exit')
    ap.add_argument('--all', action='store_true', help='run every test')
    ap.add_argument('--keep', action='store_true', help='keep the logs of passing tests too')
    ap.add_argument('tests', nargs='*', metavar='TESTNAME')
    args = ap.parse_args()

    names = [n for n, _ in TESTS]
    if args.list:
        print('\n'.join(names))
        return EXIT_PASS
    wanted = names if args.all else args.tests
    if not wanted:
        ap.error('name a test (see --list) or use --all')
    unknown = [n for n in wanted if n not in names]
    if unknown:
        ap.error('unknown test(s): %s (see --list)' % ', '.join(unknown))
    args.sipp = args.sipp or shutil.which('sipp')
    if not args.sipp or not os.access(args.sipp, os.X_OK):
        return skip_or_fail('sipp is not installed (not found in PATH); cannot run %s'
                            % ', '.join(wanted))
    if not args.server:
        ap.error('--server is required')
    args.server = os.path.abspath(args.server)
    if not os.access(args.server, os.X_OK):
        write_err('FAIL: server %s is not an executable file\n' % args.server)
        return EXIT_FAIL

    table = dict(TESTS)
    ok = True
    for n in wanted:
        ok = run_one(n, table[n], args) and ok
    return EXIT_PASS if ok else EXIT_FAIL


if __name__ == '__main__':
    sys.exit(main())
