#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Capture tests: captures made here (dumpcap on loopback, a veth pair, or the exchange's own
--pcap file) opened with `ustredna-server --analyse`, and the check of a proxy in them.

Usage:
    capture_tests.py --server PATH --dumpcap PATH --tshark PATH [--sipp PATH] TESTNAME...
    capture_tests.py --list

Each test runs in a network namespace of its own with only loopback (unshare -rn), where
dumpcap may capture without privileges and no packet can leave the machine; the veth test
adds a pair of interfaces and a second namespace there. The phones are sipp (the scenarios
of tests/sipp/ and of this folder) or a few lines of Python.

A proxy is checked by what `ustredna-server --analyse --json` prints: a deliberately broken
proxy (broken_proxy.py: routes by To, forgets Record-Route, relays 100, answers NOTIFY itself)
must give exactly those findings, and Ústredňa itself none.

Exit status: 0 pass, 1 fail, 77 skip (only when this machine cannot make a namespace).
"""

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SIPP_DIR = os.path.join(HERE, '..', 'sipp')
sys.path.insert(0, SIPP_DIR)

import sipp_tests as st  # noqa: E402  (the server and sipp harness)

EXIT_PASS, EXIT_FAIL, EXIT_SKIP = 0, 1, 77
NETNS_ENV = 'UST_CAPTURE_NETNS'
CAPTURE_START_WAIT = 10     # s for dumpcap to start capturing
CAPTURE_STOP_WAIT = 10      # s for dumpcap to write its file and exit
ANALYSE_WAIT = 60           # s for one --analyse run
IP = st.IP

TESTS = []


def test(name):
    def deco(fn):
        TESTS.append((name, fn))
        return fn
    return deco


class Args:
    server = None
    dumpcap = None
    tshark = None
    sipp = None


def fail(msg):
    raise st.TestFailure(msg)


class Capture:
    """dumpcap on one interface, into a pcapng file (or pcap with pcap=True)."""

    def __init__(self, ctx, name, iface='lo', pcap=False, linktype=None, bpf=None):
        self.path = os.path.join(ctx.dir, name)
        cmd = [Args.dumpcap, '-q', '-i', iface, '-w', self.path]
        if pcap:
            cmd.append('-P')
        if linktype:
            cmd += ['-y', linktype]
        if bpf:
            cmd += ['-f', bpf]
        self.err_path = self.path + '.dumpcap.log'
        self.err = open(self.err_path, 'wb')
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=self.err)
        ctx.captures.append(self)
        # dumpcap writes the file header once it captures: wait for it.
        deadline = time.monotonic() + CAPTURE_START_WAIT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                fail('dumpcap -i %s exited with status %d:\n%s'
                     % (iface, self.proc.returncode, st.read_text(self.err_path)))
            if os.path.exists(self.path) and os.path.getsize(self.path) > 0:
                time.sleep(0.2)
                return
            time.sleep(0.05)
        fail('dumpcap -i %s did not start capturing within %d s' % (iface, CAPTURE_START_WAIT))

    def stop(self):
        """Lets the last packets in, then stops dumpcap; it must exit cleanly."""
        if self.proc.poll() is None:
            time.sleep(0.3)
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(CAPTURE_STOP_WAIT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                fail('dumpcap did not stop within %d s of SIGINT' % CAPTURE_STOP_WAIT)
        self.err.close()
        if self.proc.returncode != 0:
            fail('dumpcap exited with status %d:\n%s'
                 % (self.proc.returncode, st.read_text(self.err_path)))
        return self.path


def analyse(path, proxy=None, text=False, env=None):
    """`ustredna-server --analyse PATH --json` as a dict (or the text with text=True)."""
    cmd = [Args.server, '--analyse', path]
    if not text:
        cmd.append('--json')
    if proxy:
        cmd += ['--proxy', proxy]
    try:
        r = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=ANALYSE_WAIT, env=env)
    except subprocess.TimeoutExpired:
        fail('--analyse %s did not finish within %d s' % (path, ANALYSE_WAIT))
    out = r.stdout.decode('utf-8', 'replace')
    err = r.stderr.decode('utf-8', 'replace')
    if r.returncode not in (0, 3) or err.strip():
        fail('%s exited with status %d:\n%s%s' % (' '.join(cmd), r.returncode, err, out))
    if text:
        return out
    try:
        report = json.loads(out)
    except ValueError as e:
        fail('--analyse --json printed no JSON (%s):\n%s' % (e, out))
    want_rc = 3 if report['findings'] else 0
    if r.returncode != want_rc:
        fail('--analyse exited %d with %d findings (expected %d)'
             % (r.returncode, len(report['findings']), want_rc))
    return report


def describe(findings):
    return '\n'.join('  #%s %s: %s (%s)' % (f.get('message'), f['rule'], f.get('summary'),
                                            f.get('detail') or '') for f in findings) or '  none'


def expect_no_findings(report, what):
    if report['findings']:
        fail('%s: expected no findings, got %d:\n%s'
             % (what, len(report['findings']), describe(report['findings'])))


def tshark_count_sip(path):
    """How many SIP messages tshark finds in a capture (UDP and TCP, any port)."""
    # Not the copies an ICMP "port unreachable" quotes.
    cmd = [Args.tshark, '-n', '-r', path, '-Y', 'sip and not icmp and not icmpv6', '-T', 'fields', '-e', 'frame.number', '-e', 'sip.Call-ID',
           '-d', 'udp.port==1-65535,sip', '-d', 'tcp.port==1-65535,sip']
    try:
        r = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=ANALYSE_WAIT)
    except subprocess.TimeoutExpired:
        fail('tshark did not read %s within %d s' % (path, ANALYSE_WAIT))
    if r.returncode != 0:
        fail('tshark -r %s exited %d: %s' % (path, r.returncode, r.stderr.decode()))
    return [line for line in r.stdout.decode().splitlines() if line.strip()]


def sipp_message_count(ctx):
    """Messages every sipp run sent and received: each passed the capture once."""
    return sum(len(s.messages()) for s in ctx.sipps)


class CaptureCtx(st.Ctx):
    def __init__(self, name):
        super().__init__(name, Args.server, Args.sipp)
        self.captures = []
        self.procs = []

    def stop_all(self):
        for c in self.captures:
            if c.proc.poll() is None:
                c.proc.kill()
                c.proc.wait()
        for p in self.procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        super().stop_all()


def run_one(name, fn):
    ctx = CaptureCtx(name)
    try:
        fn(ctx)
        ctx.stop_all()
    except st.TestFailure as e:
        try:
            ctx.stop_all()
        except st.TestFailure:
            pass
        st.write_err('FAIL %s: %s\n' % (name, e))
        st.write_err('  files kept in %s\n' % ctx.dir)
        return False
    print('PASS %s' % name)
    if os.environ.get('UST_KEEP'):
        print('  files kept in %s' % ctx.dir)
    else:
        shutil.rmtree(ctx.dir, ignore_errors=True)
    return True


# ---- tests -----------------------------------------------------------------------------


def ustredna_session(ctx, srv):
    """A little of everything through the exchange: registrations, a call, a cancelled
    call, a busy callee, a re-INVITE, REFER/NOTIFY, MESSAGE."""
    st.call_pair(ctx, srv, 'uas_call.xml', 'uac_call.xml', callee='bob', caller='alice')
    st.call_pair(ctx, srv, 'uas_cancel.xml', 'uac_cancel.xml', callee='carol', caller='dave')
    st.call_pair(ctx, srv, 'uas_reject_486.xml', 'uac_reject_486.xml', callee='erin',
                 caller='frank', uas_keys={'reason': 'Busy Here'})
    st.call_pair(ctx, srv, 'uas_reinvite_hold.xml', 'uac_reinvite_hold.xml', callee='gina',
                 caller='hugo')
    st.call_pair(ctx, srv, 'uas_refer.xml', 'uac_refer.xml', callee='ivan', caller='jana',
                 uac_keys={'target': 'carol'})
    st.call_pair(ctx, srv, 'uas_message.xml', 'uac_message.xml', callee='kim', caller='lea')


@test('capture-ustredna-pcapng')
def t_ustredna_pcapng(ctx):
    """A session through Ústredňa captured by dumpcap (pcapng, Ethernet on lo): every SIP
    message is read, the exchange is found as the proxy, and there is nothing to find."""
    srv = ctx.server()
    cap = Capture(ctx, 'session.pcapng')
    ustredna_session(ctx, srv)
    path = cap.stop()
    report = analyse(path)
    if report['proxy'] != srv.addr:
        fail('the proxy found is %s, the exchange is at %s' % (report['proxy'], srv.addr))
    want = sipp_message_count(ctx)
    if report['sip_messages'] != want:
        fail('--analyse read %d SIP messages; the phones sent and received %d'
             % (report['sip_messages'], want))
    expect_no_findings(report, 'Ústredňa')


class BrokenProxy:
    """broken_proxy.py on 127.0.0.1, a port of its own."""

    def __init__(self, ctx):
        self.proc = subprocess.Popen([sys.executable, os.path.join(HERE, 'broken_proxy.py')],
                                     stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT)
        ctx.procs.append(self.proc)
        line = self.proc.stdout.readline().decode().strip()
        if not line.startswith('Listening on '):
            fail('broken_proxy.py printed %r instead of "Listening on ADDR:PORT"' % line)
        self.addr = line.split()[-1]
        self.port = int(self.addr.rsplit(':', 1)[1])


def expect_findings(report, wanted):
    """wanted: (rule, first word of the message's summary) pairs, in any order."""
    got = sorted((f['rule'], (f.get('summary') or '').split(' ')[0]) for f in report['findings'])
    if got != sorted(wanted):
        fail('expected exactly these findings:\n  %s\ngot:\n%s'
             % ('\n  '.join('%s on %s' % w for w in sorted(wanted)),
                describe(report['findings'])))
    for f in report['findings']:
        for key in ('title', 'rfc', 'consequence', 'time', 'from', 'to'):
            if not f.get(key):
                fail('finding %s has no %s: %r' % (f['rule'], key, f))


@test('capture-broken-proxy')
def t_broken_proxy(ctx):
    """A proxy that routes by To, forgets Record-Route, relays 100 and answers NOTIFY
    itself: exactly those four findings, each on the message that shows it."""
    proxy = BrokenProxy(ctx)
    cap = Capture(ctx, 'broken.pcapng')
    pb, pc, pa = ctx.port(), ctx.port(), ctx.port()
    ctx.register(proxy, 'bob', pb)
    ctx.register(proxy, 'carol', pc)
    ctx.register(proxy, 'alice', pa)
    uas = ctx.start('uas-bob', os.path.join(HERE, 'uas_notify.xml'), pb, keys={'me': 'bob'})
    ctx.run('uac-alice', os.path.join(HERE, 'uac_to_other.xml'), proxy, pa,
            keys={'me': 'alice', 'to': 'bob'}, service='carol')
    ctx.finish(uas)
    report = analyse(cap.stop())
    if report['proxy'] != proxy.addr:
        fail('the proxy found is %s, broken_proxy.py is at %s' % (report['proxy'], proxy.addr))
    expect_findings(report, [('routed-by-to', 'INVITE'), ('no-record-route', 'INVITE'),
                             ('relayed-100', '100'), ('answered-for-phone', '200')])
    text = analyse(cap.path, text=True)
    for line in ('RFC 3261 §16.5', 'RFC 3261 §16.6 step 4', 'RFC 3261 §16.7 step 5',
                 'Routed by To instead of the Request-URI'):
        if line not in text:
            fail('the text report lacks %r:\n%s' % (line, text))


@test('capture-ustredna-all-addresses')
def t_ustredna_all_addresses(ctx):
    """Ústredňa bound to all addresses, the caller sending to 127.0.0.3 and the callee reached
    from 127.0.0.1 (two networks in miniature, RFC 5658 double Record-Route): both addresses
    are the proxy, and there is nothing to find."""
    srv = ctx.server(listen='0.0.0.0', reach='127.0.0.3')
    cap = Capture(ctx, 'all.pcapng')
    st.call_pair(ctx, srv, 'uas_call.xml', 'uac_call.xml', callee='bob', caller='alice')
    st.call_pair(ctx, srv, 'uas_refer.xml', 'uac_refer.xml', callee='ivan', caller='jana',
                 uac_keys={'target': 'carol'})
    report = analyse(cap.stop())
    if report['sip_messages'] != sipp_message_count(ctx):
        fail('%d SIP messages; the phones sent and received %d'
             % (report['sip_messages'], sipp_message_count(ctx)))
    expect_no_findings(report, 'Ústredňa on all addresses')


@test('capture-link-types')
def t_link_types(ctx):
    """The same session captured at once as pcap on lo (Ethernet), as pcapng on "any"
    (Linux cooked v1) and as pcapng in Linux cooked v2: each opens with every message."""
    srv = ctx.server()
    caps = [Capture(ctx, 'lo.pcap', pcap=True),
            Capture(ctx, 'any.pcapng', iface='any'),
            Capture(ctx, 'any2.pcapng', iface='any', linktype='LINUX_SLL2')]
    st.call_pair(ctx, srv, 'uas_call.xml', 'uac_call.xml', callee='bob', caller='alice')
    st.call_pair(ctx, srv, 'uas_cancel.xml', 'uac_cancel.xml', callee='carol', caller='dave')
    want = sipp_message_count(ctx)
    for cap, link in zip(caps, ('Ethernet', 'Linux cooked v1', 'Linux cooked v2')):
        report = analyse(cap.stop())
        if report['link_type'] != link:
            fail('%s: link type %r, expected %r' % (cap.path, report['link_type'], link))
        if report['sip_messages'] != want or report['proxy'] != srv.addr:
            fail('%s: %d SIP messages and proxy %s; the phones sent and received %d through %s'
                 % (cap.path, report['sip_messages'], report['proxy'], want, srv.addr))
        if len(tshark_count_sip(cap.path)) != want:
            fail('%s: tshark finds %d SIP messages, --analyse %d'
                 % (cap.path, len(tshark_count_sip(cap.path)), want))
        expect_no_findings(report, cap.path)


@test('capture-exchange-pcap')
def t_exchange_pcap(ctx):
    """The file the exchange writes itself (--pcap: raw IP) opens the same way, the
    exchange is the proxy, and there is nothing to find."""
    path = os.path.join(ctx.dir, 'exchange.pcap')
    srv = ctx.server(['--pcap', path])
    ustredna_session(ctx, srv)
    srv.stop()
    report = analyse(path)
    want = sipp_message_count(ctx)
    if report['link_type'] != 'Raw IP' or report['proxy'] != srv.addr:
        fail('link type %s, proxy %s (the exchange is at %s)'
             % (report['link_type'], report['proxy'], srv.addr))
    if report['sip_messages'] != want:
        fail('%d SIP messages; the phones sent and received %d' % (report['sip_messages'], want))
    expect_no_findings(report, 'Ústredňa --pcap')


VETH_SCRIPT = '''
set -e
ip link add va type veth peer name vb
ip link set vb netns "$1"
ip addr add 10.9.0.1/24 dev va
ip -6 addr add fd09::1/64 dev va nodad
ip link set va mtu 1500 up
nsenter -t "$1" -n sh -c 'ip link set lo up; ip addr add 10.9.0.2/24 dev vb;
  ip -6 addr add fd09::2/64 dev vb nodad; ip link set vb mtu 1500 up'
'''


def big_invite(host, n):
    """A 3 KB INVITE (a video offer is that big), over UDP."""
    sdp = ''.join('a=candidate:%d 1 UDP %d 10.9.0.1 %d typ host\r\n' % (i, 2130706431 - i,
                                                                         50000 + i)
                  for i in range(60))
    body = 'v=0\r\no=- 1 1 IN IP4 10.9.0.1\r\ns=-\r\nc=IN IP4 10.9.0.1\r\nt=0 0\r\n' \
           'm=video 50000 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n' + sdp
    return ('INVITE sip:bob@%s SIP/2.0\r\nVia: SIP/2.0/UDP %s:5060;branch=z9hG4bK-frag%d\r\n'
            'Max-Forwards: 70\r\nFrom: <sip:alice@%s>;tag=f%d\r\nTo: <sip:bob@%s>\r\n'
            'Call-ID: frag-%d\r\nCSeq: 1 INVITE\r\nContent-Type: application/sdp\r\n'
            'Content-Length: %d\r\n\r\n%s' % (host, host, n, host, n, host, n, len(body), body)
            ).encode()


@test('capture-fragments-veth')
def t_fragments(ctx):
    """3 KB INVITEs over IPv4 and IPv6 across a veth pair with a 1500-byte MTU, into a second
    namespace: the kernel sends each in fragments, and --analyse puts them together."""
    peer = subprocess.Popen(['unshare', '-n', 'sleep', '60'], stdin=subprocess.DEVNULL)
    ctx.procs.append(peer)
    time.sleep(0.3)
    r = subprocess.run(['sh', '-c', VETH_SCRIPT, 'veth', str(peer.pid)], stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if r.returncode != 0:
        fail('could not make the veth pair: %s' % r.stdout.decode())
    cap = Capture(ctx, 'fragments.pcapng', iface='va')
    sent = []
    for family, host, dest in ((socket.AF_INET, '10.9.0.1', '10.9.0.2'),
                               (socket.AF_INET6, 'fd09::1', 'fd09::2')):
        data = big_invite(host if family == socket.AF_INET else '[%s]' % host, len(sent))
        with socket.socket(family, socket.SOCK_DGRAM) as s:
            s.sendto(data, (dest, 5060))
        sent.append(data)
    report = analyse(cap.stop())
    if report['sip_messages'] != 2 or report['reassembled'] != 2:
        fail('%d SIP messages, %d put together from fragments; expected 2 and 2 (%s)'
             % (report['sip_messages'], report['reassembled'], report['notes']))
    frames = subprocess.run([Args.tshark, '-n', '-r', cap.path, '-Y', 'ip.flags.mf == 1 or '
                             'ipv6.fraghdr.more == 1'], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, timeout=ANALYSE_WAIT).stdout.splitlines()
    if len(frames) < 4:
        fail('tshark finds %d first fragments; the kernel should have cut each INVITE in '
             'three' % len(frames))
    if len(tshark_count_sip(cap.path)) != 2:
        fail('tshark reassembles %d SIP messages, expected 2' % len(tshark_count_sip(cap.path)))


# Drops on the input hook, after dumpcap saw the segment: the capture holds it, then its
# retransmission. (Drops on the output hook never reach the capture, but the kernel resends
# such a segment at once, in order; out-of-order segments are covered by the unit tests.)
NFT_LOSS = '''
table inet lossy {
  chain in {
    type filter hook input priority 0; policy accept;
    tcp dport %(port)d meta length > 1000 numgen inc mod 4 == 2 drop
  }
}
'''


@test('capture-tcp')
def t_tcp(ctx):
    """SIP over TCP through the exchange with a 1500-byte MTU, so a 4 KB INVITE takes several
    segments, and nftables dropping some after the capture saw them (so the capture has them
    twice, the second time retransmitted): every message is read once, whole, and there is
    nothing to find."""
    # Loopback sends a whole message as one "segment" (segmentation offload) unless told not to.
    subprocess.run(['ip', 'link', 'set', 'lo', 'mtu', '1500', 'gso_max_size', '1448'], check=True)
    try:
        srv = ctx.server()
        pb, pa = ctx.port(), ctx.port()
        ctx.register(srv, 'bob', pb, transport='tcp')
        ctx.register(srv, 'alice', pa)
        rules = os.path.join(ctx.dir, 'loss.nft')
        with open(rules, 'w') as f:
            f.write(NFT_LOSS % {'port': pb})
        r = subprocess.run(['nft', '-f', rules], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        if r.returncode != 0:
            fail('nft -f loss.nft: %s' % r.stdout.decode())
        cap = Capture(ctx, 'tcp.pcapng')
        uas = ctx.start('uas-bob', 'uas_call.xml', pb, keys={'me': 'bob'}, transport='tcp')
        ctx.run('uac-alice', 'uac_call_large.xml', srv, pa, keys={'me': 'alice'},
                service='bob')
        ctx.finish(uas)
        report = analyse(cap.stop())
    finally:
        subprocess.run(['ip', 'link', 'set', 'lo', 'mtu', '65536', 'gso_max_size', '65536'])
    want = sum(len(s.messages()) for s in ctx.sipps if s.label.startswith('u'))
    if report['sip_messages'] != want or report['tcp_messages'] < want // 2:
        fail('%d SIP messages (%d over TCP); the phones sent and received %d, half over TCP'
             % (report['sip_messages'], report['tcp_messages'], want))
    tcp = report['tcp']
    if tcp['retransmitted'] == 0 or tcp['gap_bytes'] != 0:
        fail('the capture should hold retransmitted segments and no hole: %r' % tcp)
    expect_no_findings(report, 'Ústredňa over TCP')


@test('capture-damaged')
def t_damaged(ctx):
    """A capture cut in the middle of a packet (dumpcap killed, a download stopped) opens up
    to the damage with a note, and the file's first bytes alone are refused with a sentence."""
    srv = ctx.server()
    cap = Capture(ctx, 'whole.pcap', pcap=True)
    st.call_pair(ctx, srv, 'uas_call.xml', 'uac_call.xml', callee='bob', caller='alice')
    whole = open(cap.stop(), 'rb').read()
    cut = os.path.join(ctx.dir, 'cut.pcap')
    with open(cut, 'wb') as f:
        f.write(whole[:len(whole) * 2 // 3 - 7])
    report = analyse(cut)
    if not report['damaged'] or not report['notes'] or report['sip_messages'] == 0:
        fail('a cut file: damaged %s, notes %r, %d messages'
             % (report['damaged'], report['notes'], report['sip_messages']))
    head = os.path.join(ctx.dir, 'head.pcap')
    with open(head, 'wb') as f:
        f.write(whole[:10])
    r = subprocess.run([Args.server, '--analyse', head], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=ANALYSE_WAIT)
    if r.returncode != 1 or b'pcapng' not in r.stderr:
        fail('10 bytes of a capture: exit %d, %r' % (r.returncode, r.stderr))


def report(args, env=None):
    """`ustredna-server --report ...`; it must say where the index is."""
    r = subprocess.run([Args.server] + args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=ANALYSE_WAIT, env=env)
    if r.returncode != 0 or r.stderr.strip():
        fail('%s exited %d:\n%s%s' % (' '.join(args), r.returncode, r.stderr.decode(),
                                      r.stdout.decode()))
    return r.stdout.decode()


def check_png(path):
    """A PNG a viewer opens: the signature, an IHDR with a size, chunks with their lengths
    up to IEND."""
    import struct
    import zlib
    data = open(path, 'rb').read()
    if data[:8] != b'\x89PNG\r\n\x1a\n':
        fail('%s is no PNG' % path)
    at, chunks = 8, []
    while at < len(data):
        length, kind = struct.unpack('>I4s', data[at:at + 8])
        body = data[at + 8:at + 8 + length]
        crc = struct.unpack('>I', data[at + 8 + length:at + 12 + length])[0]
        if zlib.crc32(kind + body) & 0xffffffff != crc:
            fail('%s: chunk %r has a wrong CRC' % (path, kind))
        chunks.append((kind, body))
        at += 12 + length
    width, height = struct.unpack('>II', chunks[0][1][:8])
    if chunks[0][0] != b'IHDR' or chunks[-1][0] != b'IEND' or width == 0 or height == 0:
        fail('%s: chunks %r, %dx%d' % (path, [k for k, _ in chunks], width, height))


def check_bundle(folder, n_calls, findings):
    """Every file the index names is there and valid: SVG (XML with an <svg>), PNG, the
    per-call pcap (tshark reads the call), the CSV; the links of index.html resolve."""
    import xml.etree.ElementTree as ET
    from html.parser import HTMLParser

    class Links(HTMLParser):
        def __init__(self):
            super().__init__()
            self.links = []

        def handle_starttag(self, tag, attrs):
            for name, value in attrs:
                if name in ('href', 'src'):
                    self.links.append(value)

    index = os.path.join(folder, 'index.html')
    parser = Links()
    parser.feed(open(index, encoding='utf-8').read())
    for link in parser.links:
        if not os.path.isfile(os.path.join(folder, link)):
            fail('index.html links %s, which is not in %s' % (link, folder))
    for i in range(1, n_calls + 1):
        for name in ('call-%d-ladder.svg' % i, 'call-%d-ladder.png' % i, 'call-%d.pcap' % i):
            if name not in parser.links:
                fail('index.html does not link %s (links: %r)' % (name, parser.links))
        root = ET.parse(os.path.join(folder, 'call-%d-ladder.svg' % i)).getroot()
        if not root.tag.endswith('svg'):
            fail('call-%d-ladder.svg is no SVG (%s)' % (i, root.tag))
        check_png(os.path.join(folder, 'call-%d-ladder.png' % i))
        if not tshark_count_sip(os.path.join(folder, 'call-%d.pcap' % i)):
            fail('tshark finds no SIP in call-%d.pcap' % i)
    if findings and 'findings.txt' not in parser.links:
        fail('index.html does not link findings.txt')
    return open(index, encoding='utf-8').read()


@test('capture-report')
def t_report(ctx):
    """The report bundle of the broken proxy's capture (--report DIR --analyse FILE): every
    file present and valid, its findings in index.html, and the captions in Slovak under
    LANG=sk_SK.UTF-8; then the exchange's own session (--report DIR --pcap FILE) with the
    diary's rows."""
    proxy = BrokenProxy(ctx)
    cap = Capture(ctx, 'broken.pcapng')
    pb, pc, pa = ctx.port(), ctx.port(), ctx.port()
    ctx.register(proxy, 'bob', pb)
    ctx.register(proxy, 'carol', pc)
    ctx.register(proxy, 'alice', pa)
    uas = ctx.start('uas-bob', os.path.join(HERE, 'uas_notify.xml'), pb, keys={'me': 'bob'})
    ctx.run('uac-alice', os.path.join(HERE, 'uac_to_other.xml'), proxy, pa,
            keys={'me': 'alice', 'to': 'bob'}, service='carol')
    ctx.finish(uas)
    path = cap.stop()

    english = os.path.join(ctx.dir, 'report-en')
    report(['--report', english, '--analyse', path])
    html = check_bundle(english, 1, True)
    for text in ('Routed by To instead of the Request-URI', 'RFC 3261 §16.5',
                 'Call from alice@127.0.0.1 to bob@127.0.0.1: 180 after',
                 'ended by the caller (BYE)'):
        if text not in html:
            fail('index.html lacks %r' % text)

    slovak = os.path.join(ctx.dir, 'report-sk')
    env = dict(os.environ, LANG='sk_SK.UTF-8', LC_ALL='sk_SK.UTF-8', LANGUAGE='sk')
    report(['--report', slovak, '--analyse', path], env=env)
    html = check_bundle(slovak, 1, True)
    for text in ('lang="sk"', 'Hovor od alice@127.0.0.1 pre bob@127.0.0.1: 180 po 0,',
                 'ukončil volajúci (BYE)', 'Smerované podľa To namiesto Request-URI'):
        if text not in html:
            fail('the Slovak index.html lacks %r' % text)

    # The exchange's own session: its capture and its diary.
    own = os.path.join(ctx.dir, 'exchange.pcap')
    data_dir = ctx.data_dir()
    srv = ctx.server(['--pcap', own], data_dir=data_dir)
    st.call_pair(ctx, srv, 'uas_call.xml', 'uac_call.xml', callee='dana', caller='emil')
    st.call_pair(ctx, srv, 'uas_cancel.xml', 'uac_cancel.xml', callee='fero', caller='gita')
    srv.stop()
    session = os.path.join(ctx.dir, 'report-own')
    out = report(['--report', session, '--pcap', own, '--data-dir', data_dir])
    if 'index.html' not in out:
        fail('--report said %r' % out)
    html = check_bundle(session, 2, True)
    diary = open(os.path.join(session, 'diary.csv'), encoding='utf-8').read().splitlines()
    if len(diary) != 3 or 'diary.csv' not in html:
        fail('diary.csv has %d lines, expected a header and the 2 calls:\n%s'
             % (len(diary), '\n'.join(diary)))
    for text in ('No findings', 'Call from emil@', 'cancelled by the caller (CANCEL)'):
        if text not in html:
            fail('the session report lacks %r' % text)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--server')
    ap.add_argument('--dumpcap')
    ap.add_argument('--tshark')
    ap.add_argument('--sipp')
    ap.add_argument('--list', action='store_true')
    ap.add_argument('tests', nargs='*')
    args = ap.parse_args()
    names = [n for n, _ in TESTS]
    if args.list:
        print('\n'.join(names))
        return EXIT_PASS
    unknown = [n for n in args.tests if n not in names]
    if unknown or not args.tests:
        ap.error('name tests from --list')
    for tool in ('server', 'dumpcap', 'tshark', 'sipp'):
        path = getattr(args, tool) or shutil.which(tool if tool != 'server' else 'ustredna-server')
        if not path or not os.access(path, os.X_OK):
            # README's install-deps.sh installs all of them: a missing one is a failure.
            st.write_err('FAIL: %s not found (build-aux/install-deps.sh installs it)\n' % tool)
            return EXIT_FAIL
        setattr(Args, tool, os.path.abspath(path))

    if os.environ.get(NETNS_ENV) != '1':
        if subprocess.run(['unshare', '-rn', 'true'], stderr=subprocess.DEVNULL).returncode != 0:
            print('SKIP: this system does not allow a network namespace (unshare -rn), and '
                  'dumpcap needs one to capture without privileges')
            return EXIT_SKIP
        env = dict(os.environ, **{NETNS_ENV: '1'})
        return subprocess.run(['unshare', '-rn', sys.executable, os.path.abspath(__file__)]
                              + sys.argv[1:], env=env, stdin=subprocess.DEVNULL).returncode
    subprocess.run(['ip', 'link', 'set', 'lo', 'up'], check=True)
    table = dict(TESTS)
    ok = True
    for n in args.tests:
        ok = run_one(n, table[n]) and ok
    return EXIT_PASS if ok else EXIT_FAIL


if __name__ == '__main__':
    sys.exit(main())
