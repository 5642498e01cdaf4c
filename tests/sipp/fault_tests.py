#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Faults the exchange must ride out, as tests: lost datagrams, a kill under load, a disk
that refuses.

Usage:
    fault_tests.py --server PATH/ustredna-server TESTNAME [TESTNAME...]
    fault_tests.py --list

Every test runs in namespaces of its own (`unshare -rnm`: a user, a network with nothing
but loopback, and a mount namespace), so the datagrams it drops and the small file systems
it mounts concern no one else, and no root is needed. The servers, sipp runs and the diary
checks come from sipp_tests.py (imported from this directory). build-aux/loss.py runs the
loss test's calls at a larger scale as a benchmark.

    fault-loss          40 calls at 10 calls/s while nftables drops 10% of all UDP datagrams
                        (both ways: every datagram on loopback crosses the input hook once);
                        retransmissions (RFC 3261 §17) carry every call through, and the diary
                        has exactly one row per call, ended, with its events once each.
    fault-crash-load    SIGKILL during 300 calls/s and 100 registrations/s; after a restart
                        every call whose BYE was answered is in the diary once, ended; the
                        registrations are back; both databases pass PRAGMA integrity_check.
    fault-crash-locked  the same while another program holds calls.db's write lock, so that
                        nothing is committed before the kill (the diary's journal keeps it).
    fault-disk-full     the data folder's disk fills up while calls go on, and is freed.
    fault-disk-readonly the data folder's disk is read-only when the exchange starts, and
                        becomes writable while calls go on.

Exit status: 0 pass, 1 fail, 77 skip (what the machine lacks: user namespaces, nftables'
random numbers in the kernel; or, outside build-aux/test.sh, sipp or nft not installed).
"""

import argparse
import fcntl
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import sipp_tests as st  # noqa: E402  (needs the path above)

NETNS_ENV = 'UST_FAULT_NAMESPACES'   # set inside the namespaces this script made
LOSS_TABLE = 'ustredna_loss'

FAULT_TESTS = []


def test(name, needs=()):
    """needs: 'loss' for a test that drops datagrams (nftables in the namespace)."""
    def deco(fn):
        FAULT_TESTS.append((name, fn, needs))
        return fn
    return deco


# --------------------------------------------------------------------------
# namespaces

def enter_namespaces(argv):
    """Runs this script again inside new user, network and mount namespaces (once).
    Returns an exit status when that is not possible here, else does not return."""
    if os.environ.get(NETNS_ENV) == '1':
        return None
    unshare = shutil.which('unshare')
    if unshare is None:
        return st.skip_or_fail('unshare (util-linux) is not installed')
    probe = subprocess.run([unshare, '-rnm', 'true'], stdin=subprocess.DEVNULL,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if probe.returncode != 0:
        # The kernel or a sandbox forbids user namespaces: truly missing, not ours to install.
        print('SKIP: this system does not allow user and network namespaces (unshare -rnm: %s)'
              % probe.stderr.decode('utf-8', 'replace').strip())
        return st.EXIT_SKIP
    env = dict(os.environ, **{NETNS_ENV: '1'})
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(unshare, [unshare, '-rnm', sys.executable] + argv, env)


def loopback_up():
    """`ip link set lo up` without iproute2: SIOCSIFFLAGS on a struct ifreq."""
    siocgifflags, siocsifflags, iff_up = 0x8913, 0x8914, 0x1
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        ifreq = struct.pack('16sh22x', b'lo', 0)
        flags = struct.unpack('16sh22x', fcntl.ioctl(s, siocgifflags, ifreq))[1]
        fcntl.ioctl(s, siocsifflags, struct.pack('16sh22x', b'lo', flags | iff_up))


def find_nft():
    for path in (shutil.which('nft'), '/usr/sbin/nft', '/sbin/nft'):
        if path and os.access(path, os.X_OK):
            return path
    return None


class Lossy:
    """An nftables table in this network namespace that drops a share of every UDP
    datagram at the input hook (TECH-NOTES-2 §10: this kernel has no netem; an output-hook
    drop would make sendto() fail instead of losing the datagram silently)."""

    def __init__(self, nft):
        self.nft = nft

    def _run(self, script):
        r = subprocess.run([self.nft, '-f', '-'], input=script.encode(), stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=10)
        return r.returncode, r.stderr.decode('utf-8', 'replace').strip()

    def set(self, permille):
        """Drops permille/1000 of the UDP datagrams from now on (0: none), counting them."""
        rules = ['meta l4proto udp counter']
        if permille > 0:
            rules.append('meta l4proto udp numgen random mod 1000 < %d counter drop' % permille)
        script = ('table inet %s\ndelete table inet %s\n'
                  'table inet %s {\n  chain input {\n'
                  '    type filter hook input priority 0; policy accept;\n%s\n  }\n}\n'
                  % (LOSS_TABLE, LOSS_TABLE, LOSS_TABLE,
                     '\n'.join('    ' + r + ';' for r in rules)))
        rc, err = self._run(script)
        if rc != 0:
            raise st.TestFailure('nft could not load the loss rule: %s' % err)

    def counters(self):
        """(UDP datagrams seen, dropped) since the last set()."""
        r = subprocess.run([self.nft, 'list', 'table', 'inet', LOSS_TABLE],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=10)
        counts = [int(n) for n in re.findall(r'counter packets (\d+)', r.stdout.decode())]
        return (counts[0] if counts else 0, counts[1] if len(counts) > 1 else 0)

    def clear(self):
        self._run('table inet %s\ndelete table inet %s\n' % (LOSS_TABLE, LOSS_TABLE))


def lossy_or_skip():
    """A Lossy for this namespace, or the exit status that says why there is none."""
    nft = find_nft()
    if nft is None:
        return None, st.skip_or_fail('nft (Debian: nftables) is not installed')
    lossy = Lossy(nft)
    try:
        lossy.set(1)
    except st.TestFailure as e:
        # The kernel has no nf_tables or no numgen: truly missing here.
        print('SKIP: this kernel cannot drop datagrams at random with nftables (%s)' % e)
        return None, st.EXIT_SKIP
    lossy.clear()
    return lossy, None


# --------------------------------------------------------------------------
# sipp runs

def sipp_stats(path):
    """The last line of a sipp -trace_stat file as {column: value}."""
    try:
        with open(path) as f:
            lines = [l.rstrip('\n').split(';') for l in f if l.strip()]
    except OSError:
        return {}
    if len(lines) < 2:
        return {}
    return dict(zip(lines[0], lines[-1]))


def stat_int(stats, column):
    try:
        return int(stats.get(column, 0))
    except ValueError:
        return 0


def stop_sipp(s, what):
    """SIGTERM a background sipp (a callee with no call count): it exits at once, 0 unless
    a call failed."""
    if s.proc.poll() is None:
        s.proc.send_signal(signal.SIGTERM)
    try:
        rc = s.proc.wait(10)
    except subprocess.TimeoutExpired:
        s.kill()
        raise st.TestFailure('sipp %s did not exit within 10 s of SIGTERM' % s.label)
    s._finished(rc)
    if rc != 0:
        raise st.TestFailure('sipp %s (%s) exited with status %d%s'
                             % (s.label, what, rc, st.sipp_rc_hint(rc)))


def logged(s, word):
    """[(name, time)] of the lines "WORD name … epoch.usec" a scenario logged: the calls
    whose BYE was answered (ENDED Call-ID), the users registered (REGISTERED user)."""
    try:
        text = st.read_text(s.files['logs'])
    except OSError:
        return []
    return [(m.group(1), float(m.group(2)))
            for m in re.finditer(r'^%s (\S+) .*?(\d+\.\d+)[ \t]*$' % word, text, flags=re.M)]


def ended_call_ids(s):
    """Call-IDs the caller's scenario logged when the 200 for its BYE came."""
    return [name for name, _ in logged(s, 'ENDED')]


def expect_one_row_each(diary, call_ids, kinds):
    """Exactly one diary row per call, ended, with the events `kinds` once each (a
    retransmission must never make a second row or a second event)."""
    rows = {}
    for c in diary.calls:
        rows.setdefault(c['call_id'], []).append(c)
    dup = sorted(cid for cid, r in rows.items() if len(r) > 1)
    if dup:
        st.fail('the diary has more than one row for %d calls, e.g. %s' % (len(dup), dup[:5]))
    missing = sorted(set(call_ids) - set(rows))
    if missing:
        st.fail('%d calls are not in the diary, e.g. %s' % (len(missing), missing[:5]))
    extra = sorted(set(rows) - set(call_ids))
    if extra:
        st.fail('the diary has %d rows for calls nobody made, e.g. %s' % (len(extra), extra[:5]))
    for cid in call_ids:
        st.expect_call(diary, rows[cid][0], kinds, state='ended', final_code=200,
                       ended_by='caller')


# --------------------------------------------------------------------------
# loss

def lossy_calls(ctx, lossy, permille, calls, rate):
    """`calls` calls from alice to bob at `rate` calls/s while `permille`/1000 of the UDP
    datagrams are dropped. Returns the figures; fails only when the harness itself cannot
    go on (a server that dies, a diary that cannot be read)."""
    srv = ctx.server(extra=['--quiet'])
    pb, pa = ctx.port(), ctx.port()
    ctx.register(srv, 'bob', pb)            # registered before the loss begins
    ctx.register(srv, 'alice', pa)
    uas = ctx.start('uas-bob', 'uas_call_lossy.xml', pb, keys={'me': 'bob'}, calls=calls * 10)
    stat_path = os.path.join(ctx.dir, 'uac-alice.csv')
    lossy.set(permille)
    started = time.monotonic()
    uac = st.Sipp(ctx, ctx._label('uac-alice'), 'uac_call_lossy.xml', pa, remote=srv.addr,
                  keys={'me': 'alice'}, service='bob', calls=calls,
                  extra=['-r', str(rate), '-trace_stat', '-stf', stat_path])
    try:
        uac_rc = uac.wait()
    except st.TestFailure:
        uas.linger(1)
        raise
    elapsed = time.monotonic() - started
    datagrams, dropped = lossy.counters()
    lossy.clear()
    # Every call the caller finished had its BYE answered through the exchange, so nothing
    # is still on its way to the callee: stop it (it would wait 32 s for retransmissions).
    stop_sipp(uas, 'the callee')
    srv.stop()
    stats = sipp_stats(stat_path)
    diary = st.Diary(srv.data_dir)
    return dict(uac=uac, uac_rc=uac_rc, elapsed=elapsed, datagrams=datagrams, dropped=dropped,
                attempted=stat_int(stats, 'TotalCallCreated'),
                completed=stat_int(stats, 'SuccessfulCall(C)'),
                failed=stat_int(stats, 'FailedCall(C)'),
                retransmissions=stat_int(stats, 'Retransmissions(C)'),
                ended=ended_call_ids(uac), diary=diary, server=srv)


LOSS_CALLS = 40
LOSS_RATE = 10               # calls/s
LOSS_PERMILLE = 100          # 10%
LOSS_KINDS = ['calling', 'started', 'ended']   # uas_call_lossy.xml answers without a 180


@test('fault-loss', needs=('loss',))
def t_loss(ctx):
    r = lossy_calls(ctx, ctx.lossy, LOSS_PERMILLE, LOSS_CALLS, LOSS_RATE)
    if r['dropped'] == 0:
        st.fail('nftables dropped nothing of %d datagrams: the loss rule does not work'
                % r['datagrams'])
    if r['uac_rc'] != 0 or r['completed'] != LOSS_CALLS:
        st.fail('with %.1f%% of %d datagrams lost, %d of %d calls completed, %d failed '
                '(caller\'s sipp exit %d%s)'
                % (100.0 * r['dropped'] / max(r['datagrams'], 1), r['datagrams'], r['completed'],
                   LOSS_CALLS, r['failed'], r['uac_rc'], st.sipp_rc_hint(r['uac_rc'])))
    ended = r['ended']
    if len(ended) != LOSS_CALLS or len(set(ended)) != LOSS_CALLS:
        st.fail('the caller logged %d ends of calls (%d different), expected %d'
                % (len(ended), len(set(ended)), LOSS_CALLS))
    expect_one_row_each(r['diary'], ended, LOSS_KINDS)
    st.expect_text(r['diary'], [r['server']])
    print('fault-loss: %d datagrams, %d dropped (%.1f%%), %d sipp retransmissions, %d calls '
          'in %.1f s' % (r['datagrams'], r['dropped'], 100.0 * r['dropped'] / r['datagrams'],
                        r['retransmissions'], LOSS_CALLS, r['elapsed']))


# --------------------------------------------------------------------------
# a kill under load

CRASH_CALL_RATE = 300        # calls/s
CRASH_REGISTER_RATE = 100    # new users/s
CRASH_LOAD_S = 2.0           # load before the SIGKILL
ANSWERED_KINDS = ['calling', 'ringing', 'started', 'ended']


def integrity(path):
    """PRAGMA integrity_check of a database a killed process left (WAL included)."""
    import sqlite3
    try:
        db = sqlite3.connect(path, timeout=5)
        try:
            rows = [r[0] for r in db.execute('PRAGMA integrity_check')]
        finally:
            db.close()
    except sqlite3.Error as e:
        return str(e)
    return 'ok' if rows == ['ok'] else '; '.join(rows)


def registered_users(data_dir):
    """The AORs with a binding in registrations.db (read as the next exchange would)."""
    import sqlite3
    db = sqlite3.connect(os.path.join(data_dir, 'registrations.db'), timeout=5)
    try:
        return {r[0].split('@')[0].split(':')[-1] for r in db.execute('SELECT aor FROM bindings')}
    finally:
        db.close()


def crash_under_load(ctx, lock_diary=False):
    """Calls and registrations at a few hundred a second; SIGKILL; what the files hold.
    With lock_diary, another program holds calls.db's write lock during the load (a
    student's SQLite browser with a change not saved), so the writer keeps every step in
    memory. Returns the figures for the test (and for anyone measuring the window)."""
    import sqlite3
    data = ctx.data_dir()
    srv1 = ctx.server(data_dir=data, extra=['--quiet'])
    pb, pa, pr = ctx.port(), ctx.port(), ctx.port()
    ctx.register(srv1, 'bob', pb)
    ctx.register(srv1, 'alice', pa)
    locker = None
    if lock_diary:
        locker = sqlite3.connect(os.path.join(data, 'calls.db'), timeout=10,
                                 isolation_level=None)
        locker.execute('BEGIN IMMEDIATE')
    n_calls = int(CRASH_CALL_RATE * (CRASH_LOAD_S + 10))
    uas = ctx.start('uas-bob', 'uas_call.xml', pb, keys={'me': 'bob'}, calls=n_calls)
    regs = st.Sipp(ctx, ctx._label('reg-load'), 'register_users.xml', pr, remote=srv1.addr,
                   keys={'user_prefix': 'u'}, calls=int(CRASH_REGISTER_RATE * (CRASH_LOAD_S + 10)),
                   extra=['-r', str(CRASH_REGISTER_RATE), '-nd'])
    uac = st.Sipp(ctx, ctx._label('uac-alice'), 'uac_call_lossy.xml', pa, remote=srv1.addr,
                  keys={'me': 'alice'}, service='bob', calls=n_calls,
                  extra=['-r', str(CRASH_CALL_RATE), '-l', str(CRASH_CALL_RATE * 4), '-nd'])
    time.sleep(CRASH_LOAD_S)
    for s in (uac, regs):
        if s.proc.poll() is not None:
            s.check()                 # raises: the load ended before the kill
    killed_at = time.time()
    os.kill(srv1.proc.pid, signal.SIGKILL)
    srv1.kill()                       # reaps it
    if srv1.returncode != -signal.SIGKILL:
        st.fail('server #1 exited with status %s%s before the SIGKILL'
                % (srv1.returncode, st.signame(srv1.returncode)))
    if locker is not None:
        locker.execute('ROLLBACK')
        locker.close()
    # The calls in flight fail now (that is the point), so the phones' exit statuses say
    # nothing: SIGTERM makes each write its logs and exit.
    time.sleep(0.3)
    for s in (uac, regs, uas):
        if s.proc.poll() is None:
            s.proc.send_signal(signal.SIGTERM)
        try:
            s._finished(s.proc.wait(10))
        except subprocess.TimeoutExpired:
            s.kill()
    checks = {name: integrity(os.path.join(data, name))
              for name in ('calls.db', 'registrations.db')}
    rows = diary_state(data)
    ended = logged(uac, 'ENDED')
    return dict(data=data, killed_at=killed_at, ended=ended,
                registered=logged(regs, 'REGISTERED'), integrity=checks,
                not_in_file=[cid for cid, _ in ended
                             if cid not in rows or rows[cid][0]['state'] != 'ended'],
                pb=pb, pa=pa)


def diary_state(data_dir):
    """{Call-ID: [row, …]} of the diary in a data folder (WAL included)."""
    rows = {}
    for c in st.Diary(data_dir).calls:
        rows.setdefault(c['call_id'], []).append(c)
    return rows


# A registration is saved by a writer thread that lets a burst gather 10 ms before its
# commit (ust-binding-store.c), so one answered in the last few milliseconds before a kill
# may be lost (the phone registers again at its next refresh). Measured here: at most
# 10 ms. Those answered longer ago must be back.
REGISTRATION_MARGIN_S = 0.25


def check_after_crash(ctx, r, what):
    """The rules of src/DESIGN.md after a SIGKILL, before and after a restart."""
    for name, result in r['integrity'].items():
        if result != 'ok':
            st.fail('after SIGKILL, %s fails PRAGMA integrity_check: %s' % (name, result))
    ended = dict(r['ended'])
    if len(ended) < CRASH_CALL_RATE * CRASH_LOAD_S / 4:
        st.fail('only %d calls ended before the kill: the load did not run' % len(ended))
    users = registered_users(r['data'])
    gone = sorted((r['killed_at'] - t, u) for u, t in r['registered'] if u not in users)
    old = [(age, u) for age, u in gone if age > REGISTRATION_MARGIN_S]
    if old:
        st.fail('%d registrations answered more than %.0f ms before the SIGKILL are not in '
                'registrations.db, e.g. %s answered %.1f ms before'
                % (len(old), REGISTRATION_MARGIN_S * 1000, old[-1][1], old[-1][0] * 1000))

    # A new exchange on the same folder: what the journal kept is written, the bindings are
    # back (bob is called without registering again), and every ended call is there once.
    srv2 = ctx.server(data_dir=r['data'], extra=['--quiet'])
    ctx.used_ports.discard(r['pb'])
    uas = ctx.start('uas-bob', 'uas_call.xml', r['pb'], keys={'me': 'bob'})
    try:
        uac = ctx.run('uac-alice', 'uac_call.xml', srv2, ctx.port(), keys={'me': 'alice'},
                      service='bob')
    except st.TestFailure:
        uas.linger()
        raise
    ctx.finish(uas)
    first_user = r['registered'][0][0]
    q = ctx.run('query-' + first_user, 'register_query.xml', srv2, ctx.port(),
                keys={'me': first_user})
    if not st.bindings(st.last_response(q, 'REGISTER', 200)):
        st.fail('after the restart %s has no binding' % first_user)
    srv2.stop()
    rows = diary_state(r['data'])
    lost = sorted((r['killed_at'] - t, cid) for cid, t in ended.items()
                  if cid not in rows or rows[cid][0]['state'] != 'ended')
    if lost:
        st.fail('%s: %d of %d calls whose BYE was answered before the SIGKILL are not ended in '
                'the diary after a restart; the latest ended %.1f ms before the kill, the '
                'earliest %.1f ms: %s'
                % (what, len(lost), len(ended), lost[0][0] * 1000, lost[-1][0] * 1000,
                   ', '.join(cid for _, cid in lost[:5])))
    twice = sorted(cid for cid, v in rows.items() if len(v) > 1)
    if twice:
        st.fail('the diary has %d calls twice after the restart, e.g. %s' % (len(twice), twice[:5]))
    for cid in ended:
        events = [e['kind'] for e in rows[cid][0]['events']]
        if events != ANSWERED_KINDS:
            st.fail('after the restart call %s has the events %s, expected %s'
                    % (cid, events, ANSWERED_KINDS))
    if st.sent_call_id(uac) not in rows:
        st.fail('the call made after the restart is not in the diary')
    for name in ('calls.db', 'registrations.db'):
        result = integrity(os.path.join(r['data'], name))
        if result != 'ok':
            st.fail('after the restart, %s fails PRAGMA integrity_check: %s' % (name, result))
    print('%s: %d calls ended before the SIGKILL (%d of them not yet in calls.db, written '
          'from the journal by the next exchange); %d users registered, %d in the last %.0f '
          'ms not saved' % (what, len(ended), len(r['not_in_file']), len(r['registered']),
                            len(gone), REGISTRATION_MARGIN_S * 1000))


@test('fault-crash-load')
def t_crash_load(ctx):
    """SIGKILL (by PID) during 300 calls/s and 100 new registrations/s. The design's rule
    (src/DESIGN.md, diary): a call whose BYE the exchange answered before it died is in the
    diary exactly once, ended, once an exchange has run on the folder again; registrations
    answered before it died are back (but for the last few milliseconds); both databases
    pass PRAGMA integrity_check, before and after the restart."""
    check_after_crash(ctx, crash_under_load(ctx), 'fault-crash-load')


@test('fault-crash-locked')
def t_crash_locked(ctx):
    """The same while another program holds the diary's write lock: nothing is committed
    during the load, every step waits in the writer's memory (and the journal), and the
    SIGKILL must not lose one ended call."""
    check_after_crash(ctx, crash_under_load(ctx, lock_diary=True), 'fault-crash-locked')


# --------------------------------------------------------------------------
# disk trouble

# The small file system the data folder lives on. Not smaller: once space is freed, calls.db's
# write-ahead log alone grows to ~1.9 MB with this test's 80 calls (SQLite resets it only at
# its 4 MB checkpoint), and on a 2 MB disk that filled it again before the stop.
DISK_SIZE = '16m'
DISK_WAIT_S = 15             # bounded waits for the server's messages (the retry is 2 s)


def mount_small_disk(ctx):
    """A tmpfs of DISK_SIZE in this mount namespace: a disk that can fill up."""
    where = os.path.join(ctx.dir, 'disk')
    os.mkdir(where)
    r = subprocess.run(['mount', '-t', 'tmpfs', '-o', 'size=' + DISK_SIZE, 'tmpfs', where],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=10)
    if r.returncode != 0:
        st.fail('cannot mount a tmpfs in the test\'s mount namespace: %s'
                % r.stdout.decode('utf-8', 'replace').strip())
    return where


def fill_disk(where):
    """Writes a file until the disk is full; returns its path."""
    path = os.path.join(where, 'filler')
    chunk = b'\0' * 65536
    with open(path, 'wb', buffering=0) as f:
        for size in (65536, 4096, 512, 1):
            try:
                while True:
                    f.write(chunk[:size])
            except OSError:
                pass
    return path


def stderr_lines(srv, text):
    return [l.rstrip('\n') for l in list(srv.err_lines) if text in l]


def said(srv, path, text):
    """The server's stderr lines about the file @path that contain @text."""
    return [l for l in stderr_lines(srv, text) if '“%s”' % path in l]


def wait_stderr(srv, text, what):
    deadline = time.monotonic() + DISK_WAIT_S
    while time.monotonic() < deadline:
        if stderr_lines(srv, text):
            return
        time.sleep(0.05)
    st.fail('the server did not say %s (a stderr line with %r) within %d s'
            % (what, text, DISK_WAIT_S))


def some_calls(ctx, srv, n, pb, pa, label):
    """n calls alice → bob at 20 calls/s, every one must complete; their Call-IDs."""
    uas = ctx.start('uas-bob', 'uas_call.xml', pb, keys={'me': 'bob'}, calls=n)
    try:
        uac = ctx.run(label, 'uac_call_lossy.xml', srv, pa, keys={'me': 'alice'},
                      service='bob', calls=n, extra=['-r', '20'])
    except st.TestFailure:
        uas.linger()
        raise
    ctx.finish(uas)
    ctx.used_ports.discard(pb)
    return ended_call_ids(uac)


@test('fault-disk-full')
def t_disk_full(ctx):
    """The disk holding the data folder fills up while calls go on: every call completes
    (the proxy never waits on the disk), the server says once, naming the file, that the
    diary cannot be written, and once that it can again when space is freed, and the calls
    made meanwhile (kept in memory) are then in calls.db and calls.txt, whole lines, once."""
    disk = mount_small_disk(ctx)
    data = os.path.join(disk, 'data')
    srv = ctx.server(data_dir=data, extra=['--quiet'])
    pb, pa = ctx.port(), ctx.port()
    ctx.register(srv, 'bob', pb)
    ctx.register(srv, 'alice', pa)
    before = some_calls(ctx, srv, 10, pb, pa, 'uac-before')

    filler = fill_disk(disk)
    during = some_calls(ctx, srv, 60, pb, pa, 'uac-during')
    ctx.register(srv, 'carol', ctx.port())      # a phone registers meanwhile
    files = [os.path.join(data, name) for name in ('calls.db', 'calls.txt')]
    registrations = os.path.join(data, 'registrations.db')
    wait_stderr(srv, files[0], 'that the call diary %s cannot be written' % files[0])
    wait_stderr(srv, 'Cannot save registrations to %s' % registrations,
                'that registrations cannot be saved')

    os.unlink(filler)
    deadline = time.monotonic() + DISK_WAIT_S
    while True:
        failed = [f for f in files if said(srv, f, 'is full')]
        back = [f for f in files if said(srv, f, 'can be written again')]
        if failed == back and stderr_lines(srv, 'Registrations can be saved to %s again'
                                           % registrations):
            break
        if time.monotonic() > deadline:
            st.fail('after space was freed the server said the diary can be written again for '
                    '%s, expected for each file it said it could not write: %s' % (back, failed))
        time.sleep(0.05)
    after = some_calls(ctx, srv, 10, pb, pa, 'uac-after')
    srv.stop()

    # Once each: one line when a file starts to refuse, one when it takes writes again.
    for what in ('Cannot save registrations to %s' % registrations,
                 'Registrations can be saved to %s again' % registrations):
        if len(stderr_lines(srv, what)) != 1:
            st.fail('the server said %d times %r, expected once:\n%s'
                    % (len(stderr_lines(srv, what)), what, ''.join(srv.err_lines)))
    if 'carol' not in registered_users(data):
        st.fail('carol, who registered while the disk was full, is not in registrations.db')
    for f in files:
        for what in ('is full', 'can be written again'):
            n = len(said(srv, f, what))
            if n > 1 or (f == files[0] and n != 1):
                st.fail('the server said %d times that %s %s, expected once:\n%s'
                        % (n, f, what, ''.join(srv.err_lines)))
    diary = st.Diary(data)
    expect_one_row_each(diary, before + during + after, ANSWERED_KINDS)
    st.expect_text(diary, [srv])
    print('fault-disk-full: %d calls and a registration while the disk was full; the server '
          'said:\n  %s' % (len(during), '\n  '.join(l.rstrip('\n') for l in srv.err_lines)))


def remount(where, mode):
    r = subprocess.run(['mount', '-o', 'remount,' + mode, where], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=10)
    if r.returncode != 0:
        st.fail('mount -o remount,%s %s: %s' % (mode, where, r.stdout.decode('utf-8', 'replace')))


@test('fault-disk-readonly')
def t_disk_readonly(ctx):
    """The data folder is on a disk that is read-only when the exchange starts (a USB
    stick with its switch on; Linux will not make a disk read-only under files open for
    writing, so a running exchange meets this only after a restart). It starts all the
    same, with the registrations the file holds, says once per file that it cannot write
    (naming it), carries calls and a new registration, and once the disk is writable
    again writes what it kept and says so."""
    disk = mount_small_disk(ctx)
    data = os.path.join(disk, 'data')
    srv1 = ctx.server(data_dir=data, extra=['--quiet'])
    pb, pa = ctx.port(), ctx.port()
    ctx.register(srv1, 'bob', pb)
    ctx.register(srv1, 'alice', pa)
    before = some_calls(ctx, srv1, 5, pb, pa, 'uac-before')
    srv1.stop()
    remount(disk, 'ro')

    srv = ctx.server(data_dir=data, extra=['--quiet'])
    files = [os.path.join(data, name) for name in ('calls.db', 'calls.txt', 'registrations.db')]
    # bob and alice are still registered (read from the read-only file): no REGISTER.
    during = some_calls(ctx, srv, 20, pb, pa, 'uac-during')
    ctx.register(srv, 'carol', ctx.port())
    for f in files[0::2]:
        wait_stderr(srv, f, 'that %s cannot be written' % f)

    remount(disk, 'rw')
    deadline = time.monotonic() + DISK_WAIT_S
    while True:
        failed = [f for f in files if [l for l in stderr_lines(srv, f) if 'again' not in l]]
        back = [f for f in files if [l for l in stderr_lines(srv, f) if 'again' in l]]
        if back == failed:
            break
        if time.monotonic() > deadline:
            st.fail('after the disk became writable the server said it can write %s again, '
                    'expected each file it could not write: %s' % (back, failed))
        time.sleep(0.05)
    after = some_calls(ctx, srv, 5, pb, pa, 'uac-after')
    srv.stop()

    for f in files:
        lines = stderr_lines(srv, f)
        if len([l for l in lines if 'again' not in l]) > 1 or \
                len([l for l in lines if 'again' in l]) > 1:
            st.fail('the server repeated itself about %s:\n%s' % (f, '\n'.join(lines)))
    if not stderr_lines(srv, files[0]) or not stderr_lines(srv, files[2]):
        st.fail('the server did not say that %s and %s cannot be written:\n%s'
                % (files[0], files[2], ''.join(srv.err_lines)))
    if 'carol' not in registered_users(data):
        st.fail('carol, who registered while the disk was read-only, is not in registrations.db')
    diary = st.Diary(data)
    expect_one_row_each(diary, before + during + after, ANSWERED_KINDS)
    st.expect_text(diary, [srv1, srv])
    print('fault-disk-readonly: %d calls and a registration while the disk was read-only; the '
          'server said:\n  %s' % (len(during), '\n  '.join(l.rstrip('\n') for l in srv.err_lines)))


# --------------------------------------------------------------------------
# runner

def main():
    ap = argparse.ArgumentParser(description='fault tests for ustredna-server')
    ap.add_argument('--server', help='path to the ustredna-server executable')
    ap.add_argument('--sipp', help='path to sipp (default: found in PATH)')
    ap.add_argument('--list', action='store_true', help='print the test names and exit')
    ap.add_argument('--keep', action='store_true', help='keep the logs of passing tests too')
    ap.add_argument('tests', nargs='*', metavar='TESTNAME')
    args = ap.parse_args()

    names = [n for n, _, _ in FAULT_TESTS]
    if args.list:
        print('\n'.join(names))
        return st.EXIT_PASS
    unknown = [n for n in args.tests if n not in names]
    if not args.tests or unknown:
        ap.error('name a test (see --list)')
    args.sipp = args.sipp or shutil.which('sipp')
    if not args.sipp or not os.access(args.sipp, os.X_OK):
        return st.skip_or_fail('sipp is not installed (not found in PATH)')
    if not args.server or not os.access(args.server, os.X_OK):
        st.write_err('FAIL: --server must name the ustredna-server executable\n')
        return st.EXIT_FAIL
    args.server = os.path.abspath(args.server)

    status = enter_namespaces([os.path.abspath(__file__)] + sys.argv[1:])
    if status is not None:
        return status
    loopback_up()

    tests = {n: (fn, needs) for n, fn, needs in FAULT_TESTS}
    if any('loss' in tests[n][1] for n in args.tests):
        lossy, status = lossy_or_skip()
        if lossy is None:
            return status
        st.Ctx.lossy = lossy      # the harness's Ctx does not know nftables: hand it over
    ok = True
    for n in args.tests:
        ok = st.run_one(n, tests[n][0], args) and ok
    return st.EXIT_PASS if ok else st.EXIT_FAIL


if __name__ == '__main__':
    sys.exit(main())
