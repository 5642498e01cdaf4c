#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Calls through the exchange while datagrams are lost: attempted, completed, failed.

    build-aux/loss.sh [options]        (builds build/ first, then runs this)

For each loss rate (5% and 10% by default), a fresh ustredna-server and two sipp phones
make 300 calls (INVITE/100/200/ACK/BYE/200) at 20 calls/s while nftables drops that share
of every UDP datagram on loopback, both ways. It runs in user, network and mount
namespaces of its own (unshare -rnm), with the loss test's scenarios and harness
(tests/sipp/fault_tests.py, the `fault-loss` test at a larger scale). The table gives what
sipp counted and what the diary holds: one row per call, none twice, all ended.

A benchmark, not a test: it prints the figures and exits 0 unless it could not run.
"""

import argparse
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(TOP, 'tests', 'sipp'))

import fault_tests as ft  # noqa: E402  (needs the path above)
import sipp_tests as st  # noqa: E402


def measure(args, permille):
    ctx = st.Ctx('loss-%d' % permille, args.server, args.sipp)
    try:
        r = ft.lossy_calls(ctx, ctx.lossy, permille, args.calls, args.rate)
        ctx.stop_all()
    except (st.TestFailure, st.PortInUse) as e:
        ctx.abort()
        ctx.dump()
        raise SystemExit('loss: the run at %.1f%% could not finish: %s (logs in %s)'
                         % (permille / 10, e, ctx.dir))
    rows = {}
    for c in r['diary'].calls:
        rows.setdefault(c['call_id'], []).append(c)
    made = set(r['ended'])
    r['rows'] = len(r['diary'].calls)
    r['twice'] = sum(1 for v in rows.values() if len(v) > 1)
    r['rows_ended'] = sum(1 for v in rows.values() if v[0]['state'] == 'ended')
    r['ended_in_diary'] = sum(1 for cid in made
                              if cid in rows and rows[cid][0]['state'] == 'ended')
    r['events_twice'] = sum(1 for v in rows.values()
                            for kind in ('calling', 'started', 'ended')
                            if [e['kind'] for e in v[0]['events']].count(kind) > 1)
    if args.keep:
        print('  (logs kept in %s)' % ctx.dir)
    else:
        ctx.cleanup()
    return r


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--server', default=os.path.join(TOP, 'build', 'src', 'ustredna-server'))
    ap.add_argument('--sipp', default=None)
    ap.add_argument('--losses', default='5,10', help='loss rates in percent, comma-separated')
    ap.add_argument('--calls', type=int, default=300)
    ap.add_argument('--rate', type=int, default=20, help='calls per second')
    ap.add_argument('--keep', action='store_true', help='keep the logs')
    args = ap.parse_args()
    args.server = os.path.abspath(args.server)
    args.sipp = args.sipp or ft.shutil.which('sipp')
    if not args.sipp:
        sys.exit('loss: sipp is not installed (Debian: sip-tester)')
    if not os.access(args.server, os.X_OK):
        sys.exit('loss: %s is not built' % args.server)
    losses = [float(x) for x in args.losses.split(',') if x]

    status = ft.enter_namespaces([os.path.abspath(__file__)] + sys.argv[1:])
    if status is not None:
        sys.exit('loss: cannot make the namespaces it needs (unshare -rnm)')
    ft.loopback_up()
    lossy, status = ft.lossy_or_skip()
    if lossy is None:
        sys.exit('loss: nftables cannot drop datagrams here')
    st.Ctx.lossy = lossy
    # A run of 300 calls with retransmissions outlasts the tests' sipp limits.
    st.SIPP_TIMEOUT = max(st.SIPP_TIMEOUT, 4 * args.calls // max(args.rate, 1) + 120)
    st.SIPP_WALL = st.SIPP_TIMEOUT + 30

    results = []
    for loss in losses:
        print('== %.1f%% of UDP datagrams lost, %d calls at %d calls/s'
              % (loss, args.calls, args.rate), flush=True)
        r = measure(args, int(round(loss * 10)))
        results.append((loss, r))
        print('  %d datagrams, %d dropped; %d attempted, %d completed, %d failed in %.1f s'
              % (r['datagrams'], r['dropped'], r['attempted'], r['completed'], r['failed'],
                 r['elapsed']), flush=True)

    print('\nSummary (%s, %d CPUs, load average %.2f)'
          % (time.strftime('%Y-%m-%d %H:%M'), os.cpu_count(), os.getloadavg()[0]))
    head = ('loss', 'datagrams', 'dropped', 'attempted', 'completed', 'failed',
            'sipp retrans.', 'diary rows', 'rows twice', 'ended rows', 'seconds')
    print('  ' + '  '.join('%13s' % h for h in head))
    for loss, r in results:
        cells = ['%.0f%% (%.1f%%)' % (loss, 100.0 * r['dropped'] / max(r['datagrams'], 1)),
                 r['datagrams'], r['dropped'], r['attempted'], r['completed'], r['failed'],
                 r['retransmissions'], r['rows'], r['twice'], r['rows_ended'],
                 '%.1f' % r['elapsed']]
        print('  ' + '  '.join('%13s' % c for c in cells))
        if r['events_twice'] or r['ended_in_diary'] != len(set(r['ended'])):
            print('  !! %d events written twice; %d of the %d calls sipp ended are ended in the '
                  'diary' % (r['events_twice'], r['ended_in_diary'], len(set(r['ended']))))


if __name__ == '__main__':
    main()
