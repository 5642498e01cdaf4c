#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Ten minutes of calls at half the exchange's measured maximum: does anything creep?

    build-aux/soak.sh [options]        (builds build/ first, then runs this)

First a short ladder of call rates finds the highest one with no failed call (skipped with
--rate). Then a fresh `ustredna-server --open --quiet` (pinned to CPU 0, sipp to CPU 1, as
build-aux/bench.py does: its Target, sipp runs and /proc sampling are reused here) carries
calls (INVITE/100/180/200/ACK/BYE/200) at half that rate for --seconds (600), and every
10 s its resident memory, its CPU time (all threads, and the proxy's thread) and the calls
sipp counted so far are sampled. At the end it says:

  - whether the resident memory after the first minute grew less than 5%;
  - whether the diary holds every call: rows in calls.db, ended ones, vs sipp's count;
  - the CPU per call in the second minute and in the last one (within 10%?).

A benchmark, not a test: it prints the figures and the three verdicts, and exits 0 unless
it could not run. On a shared machine, note the load average it prints.
"""

import argparse
import os
import sqlite3
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import bench  # noqa: E402  (build-aux/bench.py: Target, sipp, the /proc readers)

WARM_UP_S = 60            # what the first minute may grow: calls and transactions linger 32 s


def stat_column(path, column):
    """The last value sipp wrote to a -trace_stat file for @column (0 before the first)."""
    try:
        with open(path) as f:
            lines = [l.rstrip('\n').split(';') for l in f if l.strip()]
        return int(lines[-1][lines[0].index(column)])
    except (OSError, ValueError, IndexError):
        return 0


def measure_max(args, workdir):
    """The highest rate of the ladder with no failed call and 97% of the rate reached."""
    port = bench.free_port()
    data = tempfile.mkdtemp(prefix='data-ladder-', dir=workdir)
    target = bench.Target('ladder', [args.server, '--listen', '%s:%d' % (bench.IP, port),
                                     '--open', '--quiet', '--transport', 'udp',
                                     '--data-dir', data], port, workdir)
    b = bench.Bench(args, workdir)
    best = 0
    try:
        uas = b.start_callee(target)
        for rate in args.ladder:
            ok, failed, achieved, all_us, proxy_us = b.calls(target, rate, args.step_seconds,
                                                             'ladder-%d' % rate)
            print('  %6d calls/s: %d ok, %d failed, %.0f/s, %.1f µs a call (all threads)'
                  % (rate, ok, failed, achieved, all_us), flush=True)
            if failed > 0 or achieved < 0.97 * rate:
                break
            best = rate
        uas.terminate()
        uas.wait()
    finally:
        target.stop()
    return best


def per_call(samples, t0, t1, column):
    """CPU µs per call between the samples nearest t0 and t1 (seconds into the run)."""
    a = min(samples, key=lambda s: abs(s['t'] - t0))
    b = min(samples, key=lambda s: abs(s['t'] - t1))
    calls = b['calls'] - a['calls']
    if calls <= 0 or b is a:
        return None, a, b
    return (b[column] - a[column]) * 1e6 / bench.HZ / calls, a, b


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--server', default=os.path.join(bench.TOP, 'build', 'src', 'ustredna-server'))
    ap.add_argument('--rate', type=int, default=0,
                    help='calls per second (default: half the maximum the ladder finds)')
    ap.add_argument('--seconds', type=int, default=600)
    ap.add_argument('--ladder', default='500,1000,2000,3000,4000,5000,6000,8000')
    ap.add_argument('--step-seconds', type=int, default=5)
    args = ap.parse_args()
    args.ladder = [int(x) for x in args.ladder.split(',') if x]
    for tool in ('sipp', 'taskset'):
        if not bench.shutil.which(tool):
            sys.exit('soak: %s is not installed' % tool)
    if (os.cpu_count() or 1) < 2:
        sys.exit('soak: needs two CPUs, one for the proxy and one for sipp')
    if args.seconds < 3 * WARM_UP_S:
        sys.exit('soak: --seconds must be at least %d (a warm-up minute, then two to compare)'
                 % (3 * WARM_UP_S))

    workdir = tempfile.mkdtemp(prefix='ustredna-soak-')
    print('soak: %s, load average %.2f %.2f %.2f, logs in %s'
          % (time.strftime('%Y-%m-%d %H:%M'), *os.getloadavg(), workdir), flush=True)
    rate = args.rate
    if rate <= 0:
        print('== the highest call rate with no failure (steps of %d s)' % args.step_seconds,
              flush=True)
        best = measure_max(args, workdir)
        if best == 0:
            sys.exit('soak: even %d calls/s failed' % args.ladder[0])
        rate = max(best // 2, 1)
        print('  maximum %d calls/s: the soak runs at %d' % (best, rate), flush=True)

    port = bench.free_port()
    data = tempfile.mkdtemp(prefix='data-soak-', dir=workdir)
    target = bench.Target('soak', [args.server, '--listen', '%s:%d' % (bench.IP, port), '--open',
                                   '--quiet', '--transport', 'udp', '--data-dir', data],
                          port, workdir)
    b = bench.Bench(args, workdir)
    stat = os.path.join(workdir, 'soak-calls.csv')
    samples = []

    def sampler(elapsed):
        cpu_all, cpu_proxy = target.cpu()
        samples.append(dict(t=elapsed, rss=target.rss_mb(), all=cpu_all, proxy=cpu_proxy,
                            calls=stat_column(stat, 'SuccessfulCall(C)')
                            + stat_column(stat, 'FailedCall(C)')))
        s = samples[-1]
        print('  %4.0f s  RSS %6.1f MB  %9d calls' % (s['t'], s['rss'], s['calls']), flush=True)

    print('== %d calls/s for %d s' % (rate, args.seconds), flush=True)
    try:
        uas = b.start_callee(target)
        sampler(0)
        ok, failed, achieved, all_us, proxy_us = b.calls(target, rate, args.seconds,
                                                         'soak-calls', sampler=sampler)
        uas.terminate()
        uas.wait()
    finally:
        target.stop()     # SIGTERM: the diary is flushed before it exits

    db = sqlite3.connect('file:%s?mode=ro' % os.path.join(data, 'calls.db'), uri=True)
    rows, ended = db.execute("SELECT count(*), count(*) FILTER (WHERE state = 'ended') "
                             "FROM calls").fetchone()
    db.close()

    after_warm_up = [s for s in samples if s['t'] >= WARM_UP_S - 5]
    rss0 = after_warm_up[0]['rss'] if after_warm_up else samples[0]['rss']
    rss_max = max(s['rss'] for s in after_warm_up) if after_warm_up else rss0
    growth = 100.0 * (rss_max - rss0) / rss0
    end = samples[-1]['t']
    start_all, a, b1 = per_call(samples, WARM_UP_S, 2 * WARM_UP_S, 'all')
    end_all, c, d = per_call(samples, end - WARM_UP_S, end, 'all')
    start_proxy = per_call(samples, WARM_UP_S, 2 * WARM_UP_S, 'proxy')[0]
    end_proxy = per_call(samples, end - WARM_UP_S, end, 'proxy')[0]

    print('\nSummary (%s, %d CPUs, load average now %.2f %.2f %.2f)'
          % (time.strftime('%Y-%m-%d %H:%M'), os.cpu_count(), *os.getloadavg()))
    print('  %d calls/s for %d s: %d completed, %d failed, %.0f calls/s reached'
          % (rate, args.seconds, ok, failed, achieved))
    print('  RSS: %.1f MB at %.0f s, at most %.1f MB after, %.1f MB at the end: grew %.1f%% '
          '-> %s' % (rss0, after_warm_up[0]['t'] if after_warm_up else 0, rss_max,
                     samples[-1]['rss'], growth, 'yes, under 5%' if growth < 5 else 'NO, 5% or more'))
    print('  diary: %d rows, %d ended; sipp completed %d and failed %d -> %s'
          % (rows, ended, ok, failed,
             'every call' if ended == ok and rows == ok + failed else 'NOT every call'))
    if start_all and end_all:
        change = 100.0 * (end_all - start_all) / start_all
        print('  CPU per call, all threads: %.1f µs (%.0f-%.0f s) vs %.1f µs (%.0f-%.0f s): '
              '%+.1f%% -> %s' % (start_all, a['t'], b1['t'], end_all, c['t'], d['t'], change,
                                 'within 10%' if abs(change) <= 10 else 'NOT within 10%'))
        print('  CPU per call, proxy thread: %.1f µs vs %.1f µs (%+.1f%%)'
              % (start_proxy, end_proxy, 100.0 * (end_proxy - start_proxy) / start_proxy))
    print('  samples (s, MB): %s' % ', '.join('%.0f %.1f' % (s['t'], s['rss']) for s in samples))


if __name__ == '__main__':
    main()
