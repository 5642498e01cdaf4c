#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Capture tests for ustredna-server --pcap FILE, driven by sipp and read by tshark.

Usage:
    pcap_tests.py --server PATH/ustredna-server [--tshark PATH] TESTNAME [TESTNAME...]
    pcap_tests.py --list

The servers, sipp runs and their message logs come from sipp_tests.py (imported
from this directory).  A test passes when every sipp run exits 0, the server
stops as it should, tshark reads the capture without complaint, and the SIP
messages in it are, in order, what the phones' sipp message logs show: for each
phone (a UDP port), what it sent is what the exchange received and what it
received is what the exchange sent, byte for byte.

Exit status: 0 pass, 1 fail, 77 skip (sipp or tshark not installed).
"""

import argparse
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import sipp_tests as st  # noqa: E402  (needs the path above)

TSHARK_WALL = 60           # hard limit for one tshark run (s)
FLUSH_WAIT = 5             # bounded wait for the writer to flush a packet (s)

PCAP_TESTS = []

# The robot phones register when the exchange starts, so their messages would be in every
# capture; these tests compare a capture with the phones' own logs, message for message.
NO_ROBOTS = ['--no-robots']


def test(name):
    def deco(fn):
        PCAP_TESTS.append((name, fn))
        return fn
    return deco


class Packet:
    def __init__(self, fields):
        (self.number, self.src, self.sport, self.dst, self.dport, self.method,
         self.status, self.call_id, self.cseq, payload) = fields
        self.sport = int(self.sport)
        self.dport = int(self.dport)
        self.payload = bytes.fromhex(payload.replace(':', ''))

    def summary(self):
        what = self.method or self.status
        return '%s:%d -> %s:%d %s %s [%s]' % (self.src, self.sport, self.dst, self.dport, what,
                                            self.call_id, self.cseq)


def tshark_read(tshark, path, server_port):
    """The packets of a capture as tshark decodes them; tshark must exit 0 and
    must not find the file damaged or cut short."""
    cmd = [tshark, '-n', '-r', path, '-d', 'udp.port==%d,sip' % server_port,
           '-T', 'fields', '-E', 'separator=|', '-E', 'occurrence=f']
    for f in ('frame.number', 'ip.src', 'udp.srcport', 'ip.dst', 'udp.dstport', 'sip.Method',
              'sip.Status-Code', 'sip.Call-ID', 'sip.CSeq', 'udp.payload'):
        cmd += ['-e', f]
    try:
        r = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=TSHARK_WALL)
    except subprocess.TimeoutExpired:
        st.fail('tshark did not finish reading %s within %d s' % (path, TSHARK_WALL))
    err = r.stderr.decode('utf-8', 'replace')
    if r.returncode != 0:
        st.fail('tshark -r %s exited with status %d:\n%s' % (path, r.returncode, err))
    for bad in ('cut short', 'damaged', 'corrupt', 'isn\'t a capture file'):
        if bad in err:
            st.fail('tshark says about %s: %s' % (path, err.strip()))
    out = r.stdout.decode('utf-8', 'replace')
    return [Packet(line.split('|')) for line in out.splitlines() if line.strip()]


def phone_logs(ctx, port):
    """Every message the sipp runs on one port sent or received, in order."""
    msgs = []
    for s in ctx.sipps:
        if s.port == port:
            msgs.extend(s.messages())
    return msgs


def normalize(text):
    """sipp logs a message as text; compare it with the bytes on the wire
    line by line, without the final line ending sipp may add or drop."""
    return text.replace('\r\n', '\n').rstrip('\n')


def expect_capture_matches(ctx, srv, packets, ports):
    """For each phone port, the packets to and from it are its sipp log."""
    counted = 0
    for port in ports:
        mine = [p for p in packets if port in (p.sport, p.dport)]
        counted += len(mine)
        logged = phone_logs(ctx, port)
        if len(mine) != len(logged):
            st.fail('port %d: %d packets in the capture but %d messages in its sipp logs:\n  %s'
                    % (port, len(mine), len(logged), '\n  '.join(p.summary() for p in mine)))
        for i, (p, m) in enumerate(zip(mine, logged)):
            if p.sport == port:
                if m.direction != 'sent' or p.dport != srv.port:
                    st.fail('port %d, message %d: the capture has %s, the log a %s message'
                            % (port, i + 1, p.summary(), m.direction), m)
            elif m.direction != 'recv' or p.sport != srv.port:
                st.fail('port %d, message %d: the capture has %s, the log a %s message'
                        % (port, i + 1, p.summary(), m.direction), m)
            what = p.method if p.method else int(p.status or 0)
            want = m.method if not m.is_response else m.status
            if what != want or p.call_id != (m.header('call-id') or '') \
                    or p.cseq != (m.header('cseq') or ''):
                st.fail('port %d, message %d: tshark decodes %s, the sipp log shows %s %s [%s]'
                        % (port, i + 1, p.summary(), want, m.header('call-id'), m.header('cseq')),
                        m)
            wire = p.payload.decode('utf-8', 'replace')
            if normalize(wire) != normalize(m.text):
                st.fail('port %d, message %d: the captured bytes differ from the sipp log'
                        % (port, i + 1), m, wire)
    if counted != len(packets):
        st.fail('the capture has %d packets, but only %d are to or from the phones %s'
                % (len(packets), counted, ports))


@test('sipp-pcap-call')
def t_pcap_call(ctx):
    """Registrations and a call through ustredna-server --pcap; the capture, read
    by tshark after SIGTERM, is what both phones logged, in order."""
    path = os.path.join(ctx.dir, 'exchange.pcap')
    srv = ctx.server(extra=['--pcap', path] + NO_ROBOTS)
    uas, uac = st.call_pair(ctx, srv, 'uas_call.xml', 'uac_call.xml')
    srv.stop()
    packets = tshark_read(ctx.tshark, path, srv.port)
    if not packets:
        st.fail('the capture %s is empty' % path)
    methods = [p.method or p.status for p in packets]
    for want in ('REGISTER', 'INVITE', '100', '180', '200', 'ACK', 'BYE'):
        if want not in methods:
            st.fail('no %s in the capture: %s' % (want, methods))
    expect_capture_matches(ctx, srv, packets, [uas.port, uac.port])
    line = srv.wait_stdout(r'^Capture of \d+ datagrams written to ', 'the capture summary')
    if ('Capture of %d datagrams' % len(packets)) not in line:
        st.fail('the server says %r, but the capture has %d packets' % (line, len(packets)))


@test('sipp-pcap-tcp-call')
def t_pcap_tcp_call(ctx):
    """A call between two phones over TCP through --pcap: Wireshark's dissector sees TCP
    segments it can follow (no gaps, no retransmissions in its analysis) and SIP in each,
    the same messages in the same order as the phones logged."""
    path = os.path.join(ctx.dir, 'exchange.pcap')
    srv = ctx.server(extra=['--pcap', path] + NO_ROBOTS)
    uas, uac = st.call_pair(ctx, srv, 'uas_call.xml', 'uac_call.xml',
                            uas_transport='tcp', uac_transport='tcp')
    srv.stop()
    cmd = [ctx.tshark, '-n', '-r', path, '-d', 'tcp.port==%d,sip' % srv.port,
           '-T', 'fields', '-E', 'separator=|', '-E', 'occurrence=f',
           '-e', 'ip.proto', '-e', 'tcp.srcport', '-e', 'tcp.dstport', '-e', 'sip.Method',
           '-e', 'sip.Status-Code', '-e', 'sip.CSeq', '-e', 'tcp.analysis.flags']
    r = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=TSHARK_WALL)
    if r.returncode != 0:
        st.fail('tshark -r %s exited with status %d: %s' % (path, r.returncode, r.stderr))
    rows = [line.split('|') for line in r.stdout.decode().splitlines() if line.strip()]
    if not rows or any(row[0] != '6' for row in rows):
        st.fail('expected only TCP packets (protocol 6) in the capture: %r' % rows)
    flagged = [row for row in rows if row[6]]
    if flagged:
        st.fail('tshark\'s TCP analysis finds gaps or retransmissions: %r' % flagged)
    for port in (uas.port, uac.port):
        decoded = [(row[3] or row[4], row[5]) for row in rows if str(port) in (row[1], row[2])]
        logged = [(m.method or str(m.status), m.header('cseq')) for m in phone_logs(ctx, port)]
        if decoded != logged:
            st.fail('port %d: tshark decodes %r, the phone logged %r' % (port, decoded, logged))


def pcap_packet_count(path):
    """Whole packets in a classic pcap file (our writer: little-endian)."""
    try:
        with open(path, 'rb') as f:
            data = f.read()
    except OSError:
        return 0
    n, offset = 0, 24
    while offset + 16 <= len(data):
        caplen = int.from_bytes(data[offset + 8:offset + 12], 'little')
        if offset + 16 + caplen > len(data):
            break
        n += 1
        offset += 16 + caplen
    return n


@test('sipp-pcap-sigkill')
def t_pcap_sigkill(ctx):
    """A killed server leaves a capture tshark reads up to the last flush: the
    writer flushes as soon as its queue runs dry."""
    path = os.path.join(ctx.dir, 'killed.pcap')
    srv = ctx.server(extra=['--pcap', path] + NO_ROBOTS)
    p = ctx.port()
    ctx.register(srv, 'bob', p)
    deadline = time.monotonic() + FLUSH_WAIT
    while pcap_packet_count(path) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    srv.kill()
    if srv.returncode != -9:
        st.fail('the server was not killed by SIGKILL (status %s)' % srv.returncode)
    packets = tshark_read(ctx.tshark, path, srv.port)
    got = [(p.method or p.status) for p in packets]
    if got != ['REGISTER', '200']:
        st.fail('after SIGKILL the capture holds %s, expected the REGISTER and its 200' % got)
    expect_capture_matches(ctx, srv, packets, [p])


def main():
    ap = argparse.ArgumentParser(description='pcap capture tests for ustredna-server')
    ap.add_argument('--server', help='path to the ustredna-server executable')
    ap.add_argument('--sipp', help='path to sipp (default: found in PATH)')
    ap.add_argument('--tshark', help='path to tshark (default: found in PATH)')
    ap.add_argument('--list', action='store_true', help='print the test names and exit')
    ap.add_argument('--keep', action='store_true', help='keep the logs of passing tests too')
    ap.add_argument('tests', nargs='*', metavar='TESTNAME')
    args = ap.parse_args()

    names = [n for n, _ in PCAP_TESTS]
    if args.list:
        print('\n'.join(names))
        return st.EXIT_PASS
    unknown = [n for n in args.tests if n not in names]
    if not args.tests or unknown:
        ap.error('name a test (see --list)')
    args.sipp = args.sipp or shutil.which('sipp')
    if not args.sipp or not os.access(args.sipp, os.X_OK):
        return st.skip_or_fail('sipp is not installed (not found in PATH)')
    args.tshark = args.tshark or shutil.which('tshark')
    if not args.tshark or not os.access(args.tshark, os.X_OK):
        return st.skip_or_fail('tshark is not installed (not found in PATH)')
    if not args.server or not os.access(args.server, os.X_OK):
        st.write_err('FAIL: --server must name the ustredna-server executable\n')
        return st.EXIT_FAIL
    args.server = os.path.abspath(args.server)

    # The harness's Ctx does not know tshark: hand it over through the class.
    st.Ctx.tshark = args.tshark
    table = dict(PCAP_TESTS)
    ok = True
    for n in args.tests:
        ok = st.run_one(n, table[n], args) and ok
    return st.EXIT_PASS if ok else st.EXIT_FAIL


if __name__ == '__main__':
    sys.exit(main())
