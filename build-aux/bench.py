#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""How fast the exchange is, and how it compares with Kamailio in the same sitting.

    build-aux/bench.sh [options]        (builds build/ first, then runs this)

The exchange (`ustredna-server --open --quiet`) runs pinned to CPU 0, sipp pinned to CPU 1.
sipp's callee registers, then call-rate steps (INVITE/100/180/200/ACK/BYE/200, record-routed)
run for a few seconds each; then REGISTER-rate steps, each registering new users; then one
long step at a fixed call rate on a freshly started server (so that neither the REGISTER
steps' bindings nor the fastest steps' high-water mark count), sampling the resident memory
every 10 s. Where Kamailio is
installed (Debian: kamailio), the same steps run against it (build-aux/kamailio-bench.cfg:
one UDP worker, registrar in memory, t_relay) and the table gives the ratios, because
absolute figures on a shared machine drift by ±30% from one run to the next.

CPU time comes from /proc (user + system): "all" is every thread (or, for Kamailio, every
process), "proxy" the exchange's main thread, which receives, parses, decides and sends. A
step "fails" when sipp counts a failed call or did not reach the rate it was asked for.

A benchmark, not a test: it prints the figures and leaves the judgement to the reader.
"""

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)
SCENARIOS = os.path.join(HERE, 'bench')
IP = '127.0.0.1'
HZ = os.sysconf('SC_CLK_TCK')


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind((IP, 0))
        return s.getsockname()[1]


def ticks(path):
    with open(path) as f:
        fields = f.read().rsplit(')', 1)[1].split()
    return int(fields[11]) + int(fields[12])    # utime + stime (fields 14, 15)


def rss_kb(pid):
    with open('/proc/%d/status' % pid) as f:
        for line in f:
            if line.startswith('VmRSS:'):
                return int(line.split()[1])
    return 0


class Target:
    """A proxy under test, started pinned to CPU 0."""

    def __init__(self, name, cmd, port, workdir):
        self.name = name
        self.port = port
        self.proc = subprocess.Popen(['taskset', '-c', '0'] + cmd, stdin=subprocess.DEVNULL,
                                     stdout=open(os.path.join(workdir, name + '.out'), 'w'),
                                     stderr=subprocess.STDOUT, cwd=workdir)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not self.listening():
            if self.proc.poll() is not None:
                raise SystemExit('%s exited at start (see %s/%s.out)' % (name, workdir, name))
            time.sleep(0.05)

    def listening(self):
        want = ':%04X' % self.port
        with open('/proc/net/udp') as f:
            return any(l.split()[1].endswith(want) for l in f.readlines()[1:])

    def pids(self):
        """The process and, for Kamailio, its children."""
        pids = [self.proc.pid]
        for entry in os.listdir('/proc'):
            if entry.isdigit():
                try:
                    with open('/proc/%s/stat' % entry) as f:
                        ppid = int(f.read().rsplit(')', 1)[1].split()[1])
                except OSError:
                    continue
                if ppid == self.proc.pid:
                    pids.append(int(entry))
        return pids

    def cpu(self):
        """(all, main thread) CPU ticks."""
        total = 0
        for pid in self.pids():
            try:
                total += ticks('/proc/%d/stat' % pid)
            except OSError:
                pass
        return total, ticks('/proc/%d/task/%d/stat' % (self.proc.pid, self.proc.pid))

    def rss_mb(self):
        return sum(rss_kb(pid) for pid in self.pids()) / 1024

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


# sipp's transport: -t u1 (UDP, one socket) or t1 (TCP, one connection), from --transport.
SIPP_TRANSPORT = ['-t', 'u1']


def sipp(args, workdir, label, wall):
    """Runs sipp pinned to CPU 1; returns (successful, failed, elapsed seconds)."""
    stat = os.path.join(workdir, label + '.csv')
    cmd = ['taskset', '-c', '1', 'sipp', '-nostdin', '-i', IP, '-max_socket', '1000'] + \
        SIPP_TRANSPORT + [
           '-trace_stat', '-stf', stat, '-fd', '1', '-timeout', '%ds' % wall,
           '-timeout_error'] + args
    started = time.monotonic()
    subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, cwd=workdir, timeout=wall + 30)
    elapsed = time.monotonic() - started
    ok = failed = 0
    try:
        with open(stat) as f:
            lines = [l.rstrip('\n').split(';') for l in f if l.strip()]
        head, last = lines[0], lines[-1]
        ok = int(last[head.index('SuccessfulCall(C)')])
        failed = int(last[head.index('FailedCall(C)')])
    except (OSError, ValueError, IndexError):
        pass
    return ok, failed, elapsed


class Bench:
    def __init__(self, args, workdir):
        self.args = args
        self.workdir = workdir

    def start_callee(self, target):
        port = free_port()
        register = os.path.join(TOP, 'tests', 'sipp', 'register.xml')
        sipp(['%s:%d' % (IP, target.port), '-sf', register,
              '-p', str(port), '-m', '1', '-key', 'me', 'bob', '-key', 'dom', IP,
              '-key', 'contact_host', IP, '-key', 'contact_port', str(port),
              '-key', 'expires', '3600'], self.workdir, 'reg-bob', 10)
        uas = subprocess.Popen(['taskset', '-c', '1', 'sipp', '-nostdin', '-i', IP, '-p',
                                str(port)] + SIPP_TRANSPORT +
                               ['-sf', os.path.join(SCENARIOS, 'uas_call.xml'),
                                '-key', 'me', 'bob', '-key', 'dom', IP, '-max_socket', '1000'],
                               stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, cwd=self.workdir)
        time.sleep(0.5)
        return uas

    def calls(self, target, rate, seconds, label, sample=None, sampler=None):
        """One step of calls at @rate for @seconds: (ok, failed, achieved/s, µs all, µs proxy).
        Every 10 s while it runs: the resident memory into the list @sample, and a call of
        @sampler with the seconds elapsed (build-aux/soak.py samples CPU and calls too)."""
        port = free_port()
        all0, main0 = target.cpu()
        args = ['%s:%d' % (IP, target.port), '-sf', os.path.join(SCENARIOS, 'uac_call.xml'),
                '-p', str(port), '-s', 'bob', '-key', 'me', 'alice', '-key', 'dom', IP,
                '-r', str(rate), '-m', str(rate * seconds), '-l', str(rate * 40)]
        stop = threading.Event()
        thread = None
        if sample is not None or sampler is not None:
            def take_samples():
                started = time.monotonic()
                while not stop.wait(10):
                    if sample is not None:
                        sample.append((time.monotonic() - started, target.rss_mb()))
                    if sampler is not None:
                        sampler(time.monotonic() - started)
            thread = threading.Thread(target=take_samples, daemon=True)
            thread.start()
        ok, failed, elapsed = sipp(args, self.workdir, label, seconds + 60)
        stop.set()
        if thread is not None:
            thread.join()
        all1, main1 = target.cpu()
        n = max(ok + failed, 1)
        return (ok, failed, ok / max(elapsed, 0.001),
                (all1 - all0) * 1e6 / HZ / n, (main1 - main0) * 1e6 / HZ / n)

    def registers(self, target, rate, seconds, label):
        port = free_port()
        all0, main0 = target.cpu()
        ok, failed, elapsed = sipp(['%s:%d' % (IP, target.port), '-sf',
                                    os.path.join(SCENARIOS, 'register_users.xml'),
                                    '-p', str(port), '-key', 'dom', IP, '-r', str(rate),
                                    '-m', str(rate * seconds), '-l', str(rate * 10)],
                                   self.workdir, label, seconds + 60)
        all1, main1 = target.cpu()
        n = max(ok + failed, 1)
        return (ok, failed, ok / max(elapsed, 0.001),
                (all1 - all0) * 1e6 / HZ / n, (main1 - main0) * 1e6 / HZ / n)

    def run(self, name, make_target):
        a = self.args
        print('\n== %s' % name, flush=True)
        target = make_target()
        rows = {'calls': [], 'registers': [], 'memory': []}
        try:
            uas = self.start_callee(target)
            for rate in a.call_rates:
                r = self.calls(target, rate, a.step_seconds, '%s-calls-%d' % (name, rate))
                rows['calls'].append((rate,) + r + (target.rss_mb(),))
                print('  calls %6d/s: %d ok, %d failed, %.0f/s, %.1f µs all, %.1f µs proxy, '
                      'RSS %.0f MB' % rows['calls'][-1], flush=True)
            uas.terminate()
            uas.wait()
            for rate in a.register_rates:
                r = self.registers(target, rate, a.step_seconds, '%s-reg-%d' % (name, rate))
                rows['registers'].append((rate,) + r)
                print('  REGISTER %6d/s: %d ok, %d failed, %.0f/s, %.1f µs all, %.1f µs proxy'
                      % rows['registers'][-1], flush=True)
            if a.memory_seconds > 0:
                # A fresh server: the REGISTER steps leave hundreds of thousands of
                # bindings, and the fastest call steps their high-water mark, in
                # the RSS; this step is about the calls in flight.
                target.stop()
                target = make_target()
                uas = self.start_callee(target)
                sample = []
                self.calls(target, a.memory_rate, a.memory_seconds, '%s-memory' % name,
                           sample=sample)
                rows['memory'] = sample
                print('  memory at %d calls/s: %s' % (a.memory_rate, ', '.join(
                    '%.0fs %.0f MB' % s for s in sample)), flush=True)
                uas.terminate()
                uas.wait()
        finally:
            target.stop()
        return rows


def summarize(results, args):
    def best(rows):
        good = [r for r in rows if r[2] == 0 and r[3] >= 0.95 * r[0]]
        return max((r[0] for r in good), default=0)

    def at(rows, rate, column):
        for r in rows:
            if r[0] == rate:
                return r[column]
        return None

    names = list(results)
    print('\nSummary (%s, %d CPUs, %s, %s)' % (time.strftime('%Y-%m-%d %H:%M'), os.cpu_count(),
                                               args.transport.upper(), ' vs '.join(names)))
    lines = [
        ('calls/s with no failure (steps of %d s)' % args.step_seconds,
         [best(results[n]['calls']) for n in names], '%.0f'),
        ('CPU per call at %d calls/s, all threads (µs)' % args.cpu_rate,
         [at(results[n]['calls'], args.cpu_rate, 4) for n in names], '%.1f'),
        ('CPU per call at %d calls/s, proxy thread (µs)' % args.cpu_rate,
         [at(results[n]['calls'], args.cpu_rate, 5) for n in names], '%.1f'),
        ('REGISTERs/s with no failure', [best(results[n]['registers']) for n in names], '%.0f'),
        ('CPU per REGISTER at %d/s, all threads (µs)' % args.register_cpu_rate,
         [at(results[n]['registers'], args.register_cpu_rate, 4) for n in names], '%.1f'),
        ('RSS after the %d calls/s step (MB)' % args.memory_rate,
         [at(results[n]['calls'], args.memory_rate, 6) for n in names], '%.0f'),
        ('RSS at the end of %d s at %d calls/s (MB)' % (args.memory_seconds, args.memory_rate),
         [results[n]['memory'][-1][1] if results[n]['memory'] else None for n in names], '%.0f'),
    ]
    width = max(len(l[0]) for l in lines)
    print('  %-*s  %s%s' % (width, 'figure', '  '.join('%12s' % n for n in names),
                            '      ratio' if len(names) == 2 else ''))
    for label, values, fmt in lines:
        cells = ['%12s' % (fmt % v if v is not None else '-') for v in values]
        ratio = ''
        if len(values) == 2 and values[0] and values[1]:
            ratio = '  %9.2f' % (values[0] / values[1])
        print('  %-*s  %s%s' % (width, label, '  '.join(cells), ratio))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--server', default=os.path.join(TOP, 'build', 'src', 'ustredna-server'))
    ap.add_argument('--call-rates', default='1000,2000,4000,6000,8000,10000,12000')
    ap.add_argument('--register-rates', default='5000,10000,20000,30000,40000,50000')
    ap.add_argument('--step-seconds', type=int, default=5)
    ap.add_argument('--cpu-rate', type=int, default=2000,
                    help='the call rate whose CPU per call goes into the summary')
    ap.add_argument('--register-cpu-rate', type=int, default=10000)
    ap.add_argument('--memory-rate', type=int, default=4000)
    ap.add_argument('--memory-seconds', type=int, default=60)
    ap.add_argument('--no-kamailio', action='store_true')
    ap.add_argument('--transport', choices=('udp', 'tcp'), default='udp',
                    help="how sipp's phones reach the proxy (TCP: one connection each)")
    args = ap.parse_args()
    if args.transport == 'tcp':
        SIPP_TRANSPORT[1] = 't1'
    args.call_rates = [int(x) for x in args.call_rates.split(',') if x]
    args.register_rates = [int(x) for x in args.register_rates.split(',') if x]
    if args.cpu_rate not in args.call_rates:
        args.call_rates = sorted(args.call_rates + [args.cpu_rate])
    if args.register_cpu_rate not in args.register_rates:
        args.register_rates = sorted(args.register_rates + [args.register_cpu_rate])

    for tool in ('sipp', 'taskset'):
        if not shutil.which(tool):
            sys.exit('bench: %s is not installed' % tool)
    if (os.cpu_count() or 1) < 2:
        sys.exit('bench: needs two CPUs, one for the proxy and one for sipp')

    workdir = tempfile.mkdtemp(prefix='ustredna-bench-')
    bench = Bench(args, workdir)
    results = {}

    def exchange():
        port = free_port()
        data = tempfile.mkdtemp(prefix='data-', dir=workdir)
        return Target('ustredna', [args.server, '--listen', '%s:%d' % (IP, port), '--open',
                                   '--quiet', '--transport',
                                   'udp' if args.transport == 'udp' else 'udp,tcp',
                                   '--data-dir', data],
                      port, workdir)

    results['ustredna'] = bench.run('ustredna', exchange)

    kamailio = shutil.which('kamailio') or ('/usr/sbin/kamailio'
                                            if os.access('/usr/sbin/kamailio', os.X_OK) else None)
    if args.transport != 'udp' and not args.no_kamailio:
        # The reference configuration relays UDP only; over TCP its callee (a sipp that
        # registered on a connection which then closed) is not reached.
        print('\n(Kamailio is compared over UDP only.)')
    elif kamailio and not args.no_kamailio:
        def kam():
            port = free_port()
            return Target('kamailio',
                          [kamailio, '-f', os.path.join(HERE, 'kamailio-bench.cfg'),
                           '-l', 'udp:%s:%d' % (IP, port)] +
                          ['-DD', '-E', '-n', '1', '-m', '512', '-M', '32', '-w', workdir,
                           '-P', os.path.join(workdir, 'kamailio.pid')],
                          port, workdir)
        results['kamailio'] = bench.run('kamailio', kam)
    elif not args.no_kamailio:
        print('\n(Kamailio is not installed: no comparison. Debian: apt-get install kamailio)')

    summarize(results, args)
    print('(logs in %s)' % workdir)


if __name__ == '__main__':
    main()
