#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""End-to-end tests of the lab kit (#14): real phones and the exchange's robot phones and
phone-setup links.

Usage:
    lab_tests.py --server PATH/ustredna-server TESTNAME [TESTNAME...]
    lab_tests.py --list          (one "NAME TIMEOUT" line per test)

The exchange, the baresip and linphonec phones and the failure report come from
e2e_tests.py (imported from this directory); these tests take their loopback addresses
after that file's, so both run in parallel.

- A baresip phone whose microphone is a WAV file of three tones in turn calls echo and
  hangs up; baresip's sndfile module records what it sent and what it received, and the
  received audio has the same tones in the same order (PCMU there and back).
- linphonec calls echo and records what it hears: its own 440 Hz tone.
- ustredna-server --qr prints a QR code; it is read back by zbarimg (from the picture
  the test makes of the printed blocks), the link is fetched with urllib (a well-formed
  lpconfig document for the user), and a linphonec whose only configuration is that link
  registers by itself, calls echo, and when started again registers without fetching the
  link again; over TLS too (the document turns Linphone's certificate checks off).

Exit status: 0 pass, 1 fail, 77 skip (baresip is not installed).  A test that needs
linphonec or zbarimg fails without it: build-aux/install-deps.sh installs both.
"""

import argparse
import glob
import math
import os
import re
import shutil
import struct
import subprocess
import sys
import time
import urllib.error
import urllib.request
import wave
import xml.etree.ElementTree as ElementTree
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import e2e_tests as e2e  # noqa: E402  (needs the path above)
from e2e_tests import check, fail  # noqa: E402

LPCONFIG_NS = '{http://www.linphone.org/xsds/lpconfig.xsd}'
TONES = (600, 1000, 1400)   # Hz, one second each, again and again: baresip's microphone
TONE_SECONDS = 15


# --------------------------------------------------------------------------
# audio

def write_tones(path, rate=48000, channels=2):
    """A 16-bit WAV file: the tones of TONES, a second each, round and round (baresip's
    aufile takes only its source's rate and channels: 48 kHz stereo here)."""
    seconds = []
    for hz in TONES:
        mono = [int(9000 * math.sin(2 * math.pi * hz * i / rate)) for i in range(rate)]
        seconds.append(struct.pack('<%dh' % (rate * channels),
                                   *[v for v in mono for _ in range(channels)]))
    frames = b''.join(seconds[i % len(TONES)] for i in range(TONE_SECONDS))
    with wave.open(path, 'wb') as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(frames)


def read_mono(path):
    """(rate, samples) of a 16-bit WAV file, the first channel."""
    with wave.open(path, 'rb') as w:
        rate, channels, width = w.getframerate(), w.getnchannels(), w.getsampwidth()
        data = w.readframes(w.getnframes())
    check(width == 2, '%s: %d-byte samples, expected 16-bit' % (path, width))
    samples = struct.unpack('<%dh' % (len(data) // 2), data)[::channels]
    return rate, samples


def goertzel(block, rate, hz):
    """The power of one frequency in a block of samples."""
    k = 2 * math.cos(2 * math.pi * hz / rate)
    s1 = s2 = 0.0
    for x in block:
        s1, s2 = x + k * s1 - s2, s1
    return s1 * s1 + s2 * s2 - k * s1 * s2


def tone_sequence(path, candidates):
    """The loudest of the candidate frequencies in each 100 ms block that is not silent,
    with runs of the same one merged: e.g. [600, 1000, 1400, 600]."""
    rate, samples = read_mono(path)
    block = rate // 10
    seen = []
    for start in range(0, len(samples) - block, block):
        chunk = samples[start:start + block]
        if max(abs(x) for x in chunk) < 1000:
            continue
        powers = [(goertzel(chunk, rate, hz), hz) for hz in candidates]
        power, hz = max(powers)
        # one tone, clearly: the strongest well above the others
        if power > 20 * sorted(powers)[-2][0] and (not seen or seen[-1] != hz):
            seen.append(hz)
    return seen


def contains_in_order(sequence, pattern):
    n = len(pattern)
    return any(sequence[i:i + n] == pattern for i in range(len(sequence) - n + 1))


# --------------------------------------------------------------------------
# the robots

def test_echo_baresip(ctx):
    """#14: a baresip phone calls echo, talks (three tones in turn) for 5 s and hangs up.
    What it received is what it sent: the same tones in the same order, through the
    exchange and back (baresip's sndfile module records both)."""
    srv = ctx.server(['--robots', 'echo'])
    voice = os.path.join(ctx.dir, 'voice.wav')
    dump = os.path.join(ctx.dir, 'dump')
    os.makedirs(dump)
    write_tones(voice)
    a = ctx.phone(srv, 'alice', audio_source='aufile,%s' % voice,
                  extra_config='module\t\t\taufile.so\nmodule\t\t\tsndfile.so\n'
                               'snd_path\t\t%s\n' % dump)
    a.dial('echo')
    cid = a.wait_event('CALL_RINGING')['id']
    a.wait_event('CALL_ESTABLISHED', cid)
    a.wait_event('CALL_RTPESTAB', cid, param='audio')
    time.sleep(5)
    a.hangup()
    e2e.closed(a, cid)
    row = srv.wait_call(cid, lambda r: r['state'] == 'ended', 'the call to echo ended')
    e2e.expect_row(row, caller=a.aor[4:], callee='echo@' + e2e.DOM, ended_by='caller',
                   final_code=200)

    sent = glob.glob(os.path.join(dump, '*-enc.wav'))
    received = glob.glob(os.path.join(dump, '*-dec.wav'))
    check(sent and received, 'baresip recorded no audio in %s: %r' % (dump, os.listdir(dump)))
    sent_tones = tone_sequence(sent[0], TONES)
    heard = tone_sequence(received[0], TONES)
    ctx.note('sent %r, heard %r' % (sent_tones, heard))
    check(contains_in_order(sent_tones, [600, 1000, 1400, 600]),
          'harness: baresip did not send the tones of voice.wav: %r' % sent_tones)
    check(contains_in_order(heard, [600, 1000, 1400, 600]) or
          contains_in_order(heard, [1000, 1400, 600, 1000]) or
          contains_in_order(heard, [1400, 600, 1000, 1400]),
          'alice did not hear her own tones back from echo: she heard %r' % heard)


def test_echo_linphonec(ctx):
    """#14: linphonec (its microphone a 440 Hz tone) calls echo for 4 s and hangs up; it
    received RTP, and what it recorded is its own tone."""
    srv = ctx.server(['--robots', 'echo'])
    l = ctx.linphonec(srv, 'carol')
    record = os.path.join(l.dir, 'heard.wav')
    l.send('record %s' % record)
    mark = l.mark()
    n = l.call('sip:echo@%s' % e2e.DOM)
    l.wait_connected(n, since=mark)
    l.wait_media(n, since=mark)
    time.sleep(4)
    l.terminate(n)
    l.wait_ended(n, since=mark)
    l.wait_rtp_received(1, 'the call to echo')
    check(os.path.exists(record), 'linphonec wrote no recording at %s' % record)
    heard = tone_sequence(record, (440, 880, 1320))
    ctx.note('carol heard %r' % heard)
    check(heard and set(heard) == {440}, 'carol did not hear her own 440 Hz tone back: %r'
          % heard)


# --------------------------------------------------------------------------
# the setup code

def qr_png(lines, path, scale=4):
    """A PNG of the QR code ustredna-server printed without colours: a drawn half
    block is a light module (text on a dark terminal), a space a dark one."""
    rows = []
    for line in lines:
        top = [ch in '\u2580\u2588' for ch in line]
        bottom = [ch in '\u2584\u2588' for ch in line]
        rows += [top, bottom]
    width = max(len(r) for r in rows)
    raw = bytearray()
    for r in rows:
        pixels = bytes(255 if i < len(r) and r[i] else 0 for i in range(width) for _ in range(scale))
        for _ in range(scale):
            raw += b'\x00' + pixels

    def chunk(kind, data):
        return (struct.pack('>I', len(data)) + kind + data
                + struct.pack('>I', zlib.crc32(kind + data) & 0xffffffff))
    header = struct.pack('>IIBBBBB', width * scale, len(rows) * scale, 8, 0, 0, 0, 0)
    with open(path, 'wb') as f:
        f.write(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', header) + chunk(b'IDAT', zlib.compress(bytes(raw)))
                + chunk(b'IEND', b''))


def printed_code(srv, user):
    """(link, block lines) of the code the server printed for user."""
    srv.wait_stdout(r'^Linphone setup for %s: http' % user, 'the setup link for %s' % user)
    lines = [l.rstrip('\r\n') for l in list(srv.out_lines)]
    start = next(i for i, l in enumerate(lines) if l.startswith('Linphone setup for %s: ' % user))
    link = lines[start].split(': ', 1)[1]
    block = []
    for l in lines[start + 1:]:
        if not l or l[0] not in ' \u2580\u2584\u2588':
            break
        block.append(l)
    check(len(block) > 10, 'the server printed no QR code after the link: %r' % block)
    return link, block


def zbarimg(ctx, png):
    path = shutil.which('zbarimg')
    if path is None:
        fail('this test needs zbarimg (Debian package zbar-tools, installed by '
             'build-aux/install-deps.sh), and it is not installed')
    r = subprocess.run([path, '--raw', '-q', '--nodbus', png], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=30)
    check(r.returncode == 0, 'zbarimg could not read %s (exit %d): %s'
          % (png, r.returncode, r.stderr.decode('utf-8', 'replace')))
    return r.stdout.decode().strip()


def fetch_document(link):
    """The document at link, read as lpconfig: {(section, entry): value}; every entry
    must say overwrite="true" (or Linphone would keep what it had)."""
    with urllib.request.urlopen(link, timeout=10) as r:
        check(r.status == 200, 'GET %s: %d' % (link, r.status))
        check(r.headers.get_content_type() == 'application/xml',
              'GET %s: Content-Type %r' % (link, r.headers.get('Content-Type')))
        body = r.read()
    root = ElementTree.fromstring(body)
    check(root.tag == LPCONFIG_NS + 'config', 'the document\'s root is %r' % root.tag)
    entries = {}
    for section in root:
        check(section.tag == LPCONFIG_NS + 'section', 'unexpected element %r' % section.tag)
        for entry in section:
            check(entry.get('overwrite') == 'true',
                  'entry %s/%s without overwrite="true"' % (section.get('name'), entry.get('name')))
            entries[(section.get('name'), entry.get('name'))] = entry.text or ''
    return entries


def refused(link):
    try:
        urllib.request.urlopen(link, timeout=10)
    except urllib.error.HTTPError as e:
        return e.code
    return 200


def wait_fetches(srv, n, what):
    """The server's log has n lines of alice's setup sent (it flushes 4 times a second)."""
    deadline = time.monotonic() + 3
    while len(srv.stdout_lines(r'Phone setup for alice sent to')) != n:
        check(time.monotonic() < deadline, 'the exchange did not log %s (%d lines, expected %d)'
              % (what, len(srv.stdout_lines(r'Phone setup for alice sent to')), n))
        time.sleep(0.1)


def wait_provisioned(l):
    """Registered with the identity the document gave: "alice" <sip:alice@127.0.0.1>
    (linphonec's own wait_registered expects a bare URI)."""
    deadline = time.monotonic() + e2e.REGISTER_WAIT
    want = r'registered, identity="%s" <%s>' % (l.user, re.escape(l.aor))
    while True:
        mark = l.mark()
        state = l.registration()
        if state is not None and state.startswith('registered, identity='):
            l.wait_for(want, since=mark, timeout=2, what='the identity from the setup document')
            return
        if time.monotonic() > deadline:
            fail('%s (linphonec) did not register within %d s; "status register" says %r'
                 % (l.name, e2e.REGISTER_WAIT, state))
        time.sleep(0.2)


def setup_test(ctx, transport):
    srv = ctx.server(['--robots', 'echo', '--qr', 'alice'])
    link, block = printed_code(srv, 'alice')
    png = os.path.join(ctx.dir, 'alice.png')
    qr_png(block, png)
    decoded = zbarimg(ctx, png)
    check(decoded == link, 'zbarimg read %r in the printed code, the link is %r' % (decoded, link))
    if transport != 'udp':
        link += '&transport=' + transport

    doc = fetch_document(link)
    port = srv.port if transport == 'udp' else srv.tls_port if transport == 'tls' else srv.tcp_port
    want = {('proxy_0', 'reg_proxy'): '<sip:127.0.0.1:%d;transport=%s>' % (port, transport),
            ('proxy_0', 'reg_identity'): '"alice" <sip:alice@127.0.0.1>',
            ('proxy_0', 'avpf'): '0', ('nat_policy_0', 'protocols'): '',
            ('auth_info_0', 'username'): 'alice'}
    if transport == 'tls':
        want[('sip', 'verify_server_certs')] = '0'
        want[('sip', 'verify_server_cn')] = '0'
    for key, value in want.items():
        check(doc.get(key) == value, 'the document has %s/%s = %r, expected %r'
              % (key[0], key[1], doc.get(key), value))
    # another user's name with alice's token, or no token: nothing
    check(refused(link.replace('/alice.xml', '/bob.xml')) == 404, 'bob got alice\'s document')
    check(refused(link.split('?')[0]) == 404, 'the document was served without its token')

    # A linphonec configured with that link alone registers as alice, by itself. (Its
    # HTTP client does not use its bind_address: the fetch comes from 127.0.0.1.)
    wait_fetches(srv, 1, 'the test\'s own fetch')
    l = ctx.linphonec(srv, 'alice', transport=transport, config_uri=link, register=False)
    wait_provisioned(l)
    wait_fetches(srv, 2, 'linphonec fetching its setup')
    # (over TLS linphonec connects from 127.0.0.1 whatever its bind_address)
    srv.wait_stdout(r'REGISTER alice from 127\.0\.0\.\d+:\d+: 1 binding', 'alice registering')
    mark = l.mark()
    n = l.call('sip:echo@%s' % e2e.DOM)
    l.wait_connected(n, since=mark)
    # (audio), or (video) when Linphone offered video too: echo takes both
    l.wait_for(r'Media streams established with \S+ for call %d' % n, since=mark,
               what='media established with echo')
    l.terminate(n)
    l.wait_ended(n, since=mark)
    rc = os.path.join(ctx.dir, 'alice-linphonerc')
    l.stop()
    shutil.copyfile(l.rc_path, rc)

    # Started again (the rc it wrote back): the account stays and registers, and the
    # link is not fetched again (the document emptied config-uri).
    again = ctx.linphonec(srv, 'alice', transport=transport, rc_path=rc, label='alice-again',
                          register=False)
    wait_provisioned(again)
    time.sleep(0.5)
    wait_fetches(srv, 2, 'no second fetch when linphonec started again')


def test_setup_udp(ctx):
    """#14: the code ustredna-server --qr prints, read by zbarimg; its link, fetched;
    a linphonec set up by that link alone registers over UDP, calls echo, and keeps
    its account when started again without fetching the link again."""
    setup_test(ctx, 'udp')


def test_setup_tls(ctx):
    """#14: the same link over TLS: Linphone 5.1 registers to the exchange's own
    certificate because the document turns its checks off."""
    setup_test(ctx, 'tls')


TESTS = [
    ('e2e-robot-echo-baresip', test_echo_baresip, 120),
    ('e2e-robot-echo-linphonec', test_echo_linphonec, 150),
    ('e2e-setup-code-linphonec-udp', test_setup_udp, 150),
    ('e2e-setup-code-linphonec-tls', test_setup_tls, 150),
]


def main():
    ap = argparse.ArgumentParser(description='end-to-end tests of the lab kit for ustredna-server')
    ap.add_argument('--server', help='path to the ustredna-server executable')
    ap.add_argument('--baresip', help='path to baresip (default: found in PATH)')
    ap.add_argument('--sipp', help='path to sipp (default: found in PATH)')
    ap.add_argument('--linphonec', help='path to linphonec (default: found in PATH)')
    ap.add_argument('--list', action='store_true', help='print "NAME TIMEOUT" per test and exit')
    ap.add_argument('--keep', action='store_true', help='keep the logs of passing tests too')
    ap.add_argument('tests', nargs='*', metavar='TESTNAME')
    args = ap.parse_args()

    names = [n for n, _, _ in TESTS]
    if args.list:
        print('\n'.join('%s %d' % (n, t) for n, _, t in TESTS))
        return e2e.EXIT_PASS
    if not args.tests:
        ap.error('name a test (see --list)')
    unknown = [n for n in args.tests if n not in names]
    if unknown:
        ap.error('unknown test(s): %s (see --list)' % ', '.join(unknown))
    args.baresip = args.baresip or shutil.which('baresip')
    if not args.baresip or not os.access(args.baresip, os.X_OK) or not os.path.isdir(e2e.MODULE_PATH):
        if os.environ.get('UST_TEST_REQUIRE_ALL') == '1':
            print('FAIL: baresip is not installed, although build-aux/install-deps.sh installs it')
            return e2e.EXIT_FAIL
        print('SKIP: baresip is not installed; build-aux/install-deps.sh installs it')
        return e2e.EXIT_SKIP
    args.sipp = args.sipp or shutil.which('sipp')
    args.linphonec = args.linphonec or shutil.which('linphonec')
    if not args.server:
        ap.error('--server is required')
    args.server = os.path.abspath(args.server)

    # After e2e_tests.py's tests: each test its own block of loopback addresses.
    first = len(e2e.TESTS)
    results = []
    for i, (n, fn, _) in enumerate(TESTS):
        if n in args.tests:
            results.append(e2e.run_one(first + i, n, fn, args))
    if all(r == e2e.EXIT_SKIP for r in results):
        return e2e.EXIT_SKIP
    return e2e.EXIT_FAIL if any(r == e2e.EXIT_FAIL for r in results) else e2e.EXIT_PASS


if __name__ == '__main__':
    sys.exit(main())
